#!/usr/bin/python3
"""Golden fixtures of ops on special values, computed by PyTorch: NaN, ±inf, ±0, subnormals, values
near float32's maximum, exact ties and the kinks of piecewise functions (0, ±1, ±3, equal maxima).

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_specials.py

Writes test/fixtures/specials.json:

    inputs: {name: nested rows, "nan"/"inf"/"-inf"/"-0" as strings}
    cases:  [{name, call, input, out: [flat values, same encoding], grad?: [flat values]}]

`call` names an entry of test/specials.test.ts's table, which runs the same op through dlgrad on
every device. `grad` is the gradient of sum(out · g) with g = (i mod 5) − 1.5 for output element i,
computed in float64 (the inputs are float32-exact). Each case is chosen where dlgrad means to agree
with PyTorch; where it differs on purpose (docs/pytorch.md: float64 sums beside PyTorch's float32
overflow, sort-free topk ties, PyTorch 1.13's log1p overflow at 1e38, hardswish and silu at the
infinities) the case uses the finite inputs instead, and gradients at ties are compared only where
PyTorch's choice among equal elements is dlgrad's (not for topk and kthvalue). Deterministic; commit the output.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
nan, inf = math.nan, math.inf

INPUTS = {
    # every kind of special at once: NaN, ±inf, ±0, subnormals, ±3e38, halves for round, exact ties
    "X": [[nan, 1, -1, 2, nan, 0], [inf, -inf, 0, -0.0, 1e-40, -1e-40], [3e38, 3e38, -3e38, 1, 2.5, -2.5], [0.5, -0.5, 1.5, 2.5, 2, 2]],
    # the finite ones
    "F": [[nan, 1, -1, 2, nan, 0], [-0.0, 0, 1e-40, -1e-40, 0.5, -0.5], [1.5, 2.5, -2.5, 3, -3, 1], [0.5, -0.5, 1.5, 2.5, 2, 2]],
    # rows of -inf and +inf for the log-sum-exp family
    "Z": [[-inf] * 6, [-inf, 0, -inf, 1, -inf, 2], [inf, 0, 1, 2, 3, 4], [100, -100, 50, 88, 89, -89]],
    # kinks and ties, finite, for the gradients
    "B": [[0, 0, 1, 1, -1, 2], [-0.0, 0.5, 0.5, 3, 3, 3], [1, -1, 0, 2, -2, 1], [4, 4, 4, 4, 4, 4]],
    # zero rows for the norms and products
    "Z0": [[0] * 6, [1, 2, 0, 0, 3, 0], [0, 1, 2, 3, 4, 5], [-1, 0, 1, 0, -1, 0]],
    # int32 extremes and ties
    "I": [[3, 1, 2, 1, 0, 3], [2147483647, 1, -2147483648, 5, 7, 7], [0] * 6, [-5, 5, -5, 5, 1, 2]],
}


def flip(x):
    return torch.flip(x, [1]).detach()


# call -> PyTorch; the same names in test/specials.test.ts
CALLS = {
    "sort": lambda x: torch.sort(x, dim=1, stable=True).values,
    "sort.indices": lambda x: torch.sort(x, dim=1, stable=True).indices,
    "sort.desc.indices": lambda x: torch.sort(x, dim=1, descending=True, stable=True).indices,
    "sort0.indices": lambda x: torch.sort(x, dim=0, stable=True).indices,
    "topk3": lambda x: torch.topk(x, 3, 1).values,
    "topk3.smallest": lambda x: torch.topk(x, 3, 1, largest=False).values,
    "amax": lambda x: torch.amax(x, 1),
    "amin": lambda x: torch.amin(x, 1),
    "max": lambda x: torch.max(x, 1).values,
    "max.indices": lambda x: torch.max(x, 1).indices,
    "min.indices": lambda x: torch.min(x, 1).indices,
    "argmax": lambda x: torch.argmax(x, 1),
    "argmin": lambda x: torch.argmin(x, 1),
    "maxall": lambda x: torch.max(x),
    "minall": lambda x: torch.min(x),
    "cummax": lambda x: torch.cummax(x, 1).values,
    "cummax.indices": lambda x: torch.cummax(x, 1).indices,
    "cummin.indices": lambda x: torch.cummin(x, 1).indices,
    "cumsum": lambda x: torch.cumsum(x, 1),
    "cumprod": lambda x: torch.cumprod(x, 1),
    "logcumsumexp": lambda x: torch.logcumsumexp(x, 1),
    "logsumexp": lambda x: torch.logsumexp(x, 1),
    "softmax": lambda x: torch.softmax(x, 1),
    "logSoftmax": lambda x: torch.log_softmax(x, 1),
    "sum": lambda x: torch.sum(x, 1),
    "mean": lambda x: torch.mean(x, 1),
    "prod": lambda x: torch.prod(x, 1),
    "var": lambda x: torch.var(x, 1),
    "std": lambda x: torch.std(x, 1),
    "norm2": lambda x: torch.linalg.vector_norm(x, 2, 1),
    "norm1": lambda x: torch.linalg.vector_norm(x, 1, 1),
    "norm3": lambda x: torch.linalg.vector_norm(x, 3, 1),
    "normInf": lambda x: torch.linalg.vector_norm(x, inf, 1),
    "normalize": lambda x: F.normalize(x, dim=1),
    "clamp": lambda x: torch.clamp(x, -1, 1),
    "nanToNum": torch.nan_to_num,
    "maximum": lambda x: torch.maximum(x, flip(x)),
    "minimum": lambda x: torch.minimum(x, flip(x)),
    "remainder": lambda x: torch.remainder(x, flip(x)),
    "fmod": lambda x: torch.fmod(x, flip(x)),
    "atan2": lambda x: torch.atan2(x, flip(x)),
    "pow": lambda x: torch.pow(x, flip(x)),
    "lerp": lambda x: torch.lerp(x, flip(x), 0.25),
    "lerp.75": lambda x: torch.lerp(x, flip(x), 0.75),
    "addcmul": lambda x: torch.addcmul(x, x, flip(x), value=0.5),
    "where": lambda x: torch.where(x > 0, x, flip(x)),
    "eq": lambda x: torch.eq(x, flip(x)).float(),
    "lt": lambda x: torch.lt(x, flip(x)).float(),
    "isnan": lambda x: torch.isnan(x).float(),
    "isinf": lambda x: torch.isinf(x).float(),
    "pow2": lambda x: torch.pow(x, 2),
    "powHalf": lambda x: torch.pow(x, 0.5),
    "leakyRelu": lambda x: F.leaky_relu(x, 0.01),
    "hardtanh": F.hardtanh,
    "relu6": F.relu6,
    "glu": lambda x: F.glu(x, 1),
    "layerNorm": lambda x: F.layer_norm(x, [6]),
    "pairwiseDistance": lambda x: F.pairwise_distance(x, flip(x), eps=0),
    "cdist": lambda x: torch.cdist(x, flip(x)),
    "cosineSimilarity": lambda x: F.cosine_similarity(x, flip(x), dim=1),
    "maxPool1d": lambda x: F.max_pool1d(x.unsqueeze(0), 2, 1),
    "avgPool1d": lambda x: F.avg_pool1d(x.unsqueeze(0), 2),
    "adaptiveAvgPool1d": lambda x: F.adaptive_avg_pool1d(x.unsqueeze(0), 4),
    "adaptiveMaxPool2d": lambda x: F.adaptive_max_pool2d(x.unsqueeze(0).unsqueeze(0), [2, 4]),
    "crossEntropy": lambda x: F.cross_entropy(x, torch.tensor([1, 3, 0, 5]), reduction="none"),
    "crossEntropy.ls": lambda x: F.cross_entropy(x, torch.tensor([1, 3, 0, 5]), reduction="none", label_smoothing=0.1),
    "nllLoss": lambda x: F.nll_loss(x, torch.tensor([1, 3, 0, 5]), reduction="none"),
    "mseLoss": lambda x: F.mse_loss(x, flip(x), reduction="none"),
    "l1Loss": lambda x: F.l1_loss(x, flip(x), reduction="none"),
    "smoothL1Loss": lambda x: F.smooth_l1_loss(x, flip(x), reduction="none"),
    "huberLoss": lambda x: F.huber_loss(x, flip(x), reduction="none"),
    "klDiv": lambda x: F.kl_div(x, flip(x), reduction="none", log_target=True),
    "interpolate.linear": lambda x: F.interpolate(x.unsqueeze(0), scale_factor=2, mode="linear", align_corners=False),
    "interpolate.bilinear": lambda x: F.interpolate(x.reshape(1, 1, 4, 6), size=(5, 7), mode="bilinear", align_corners=False),
    "interpolate.bicubic": lambda x: F.interpolate(x.reshape(1, 1, 4, 6), size=(5, 7), mode="bicubic", align_corners=True),
    "interpolate.area": lambda x: F.interpolate(x.unsqueeze(0), size=4, mode="area"),
    "median": lambda x: torch.median(x, 1).values,
    "median.indices": lambda x: torch.median(x, 1).indices,
    "nanmedian": lambda x: torch.nanmedian(x, 1).values,
    "kthvalue2": lambda x: torch.kthvalue(x, 2, 1).values,
    "quantile": lambda x: torch.quantile(x, 0.3, dim=1),
    "nanquantile": lambda x: torch.nanquantile(x, 0.7, dim=1),
    "nansum": lambda x: torch.nansum(x, 1),
    "nanmean": lambda x: torch.nanmean(x, 1),
    "logaddexp": lambda x: torch.logaddexp(x, flip(x)),
    "xlogy": lambda x: torch.xlogy(x, flip(x)),
    "diff": lambda x: torch.diff(x, dim=1),
    "marginRankingLoss": lambda x: F.margin_ranking_loss(x, flip(x), torch.tensor([1.0, -1, 1, -1, 1, -1]).expand(4, 6), margin=0.5, reduction="none"),
    "hingeEmbeddingLoss": lambda x: F.hinge_embedding_loss(x, torch.tensor([1.0, -1, 1, -1, 1, -1]).expand(4, 6), margin=1.0, reduction="none"),
    "softMarginLoss": lambda x: F.soft_margin_loss(x, torch.tensor([1.0, -1, 1, -1, 1, -1]).expand(4, 6), reduction="none"),
    "multiLabelSoftMarginLoss": lambda x: F.multilabel_soft_margin_loss(x, torch.tensor([1.0, 0, 1, 0, 0, 1]).expand(4, 6), reduction="none"),
    "multiMarginLoss": lambda x: F.multi_margin_loss(x, torch.tensor([1, 3, 0, 5]), reduction="none"),
    "cosineEmbeddingLoss": lambda x: F.cosine_embedding_loss(x, flip(x), torch.tensor([1.0, -1, 1, -1]), reduction="none"),
    "tripletMarginLoss": lambda x: F.triplet_margin_loss(x, flip(x), x.roll(1, 0).detach(), reduction="none"),
    "poissonNllLoss": lambda x: F.poisson_nll_loss(x, flip(x).abs(), reduction="none"),
    "gaussianNllLoss": lambda x: F.gaussian_nll_loss(x, flip(x), torch.full((4, 6), 0.5), reduction="none"),
    "trace": torch.trace,
    "diag": torch.diag,
}
UNARY = ["round", "trunc", "ceil", "floor", "sign", "abs", "neg", "exp", "expm1", "log1p", "sqrt", "rsqrt", "reciprocal", "erf",
         "sinh", "cosh", "atan", "asin", "tanh", "sigmoid", "frac", "logit"]
ACTIVATIONS = ["relu", "gelu", "silu", "elu", "selu", "softplus", "mish", "hardswish", "hardsigmoid", "logsigmoid", "softsign",
               "tanhshrink", "celu", "hardshrink", "softshrink"]
for name in UNARY:
    CALLS[name] = getattr(torch, name)
for name in ACTIVATIONS:
    CALLS[name] = getattr(F, name)

# (call, input) pairs compared by value; the finite input F where dlgrad differs on purpose at inf
# or near 3e38 (see the docstring)
VALUES = [(c, "X") for c in [
    "sort", "sort.indices", "sort.desc.indices", "sort0.indices", "amax", "amin", "max", "max.indices", "min.indices",
    "argmax", "argmin", "maxall", "minall", "cummax", "cummax.indices", "cummin.indices", "cumprod", "logcumsumexp",
    "logsumexp", "softmax", "logSoftmax", "prod", "norm1", "normInf", "clamp", "nanToNum", "maximum", "minimum",
    "remainder", "fmod", "atan2", "pow", "lerp", "lerp.75", "where", "eq", "lt", "isnan", "isinf", "round", "trunc",
    "ceil", "floor", "sign", "abs", "neg", "exp", "expm1", "sqrt", "rsqrt", "reciprocal", "erf", "sinh", "cosh", "atan",
    "asin", "tanh", "sigmoid", "relu", "gelu", "elu", "selu", "softplus", "hardsigmoid", "logsigmoid", "leakyRelu",
    "hardtanh", "relu6", "glu", "maxPool1d", "avgPool1d", "adaptiveAvgPool1d", "adaptiveMaxPool2d", "interpolate.linear",
    "interpolate.bilinear", "trace", "diag", "median", "median.indices", "nanmedian", "kthvalue2", "quantile", "nanquantile",
    "logaddexp", "xlogy", "diff", "frac", "logit", "softsign", "tanhshrink", "celu", "hardshrink", "softshrink"]]
VALUES += [(c, "F") for c in [
    "topk3", "topk3.smallest", "sum", "mean", "cumsum", "var", "std", "norm2", "norm3", "normalize", "addcmul", "log1p",
    "silu", "mish", "hardswish", "layerNorm", "nansum", "nanmean", "pairwiseDistance", "cdist", "cosineSimilarity", "crossEntropy",
    "crossEntropy.ls", "nllLoss", "mseLoss", "l1Loss", "smoothL1Loss", "huberLoss", "interpolate.bicubic", "interpolate.area",
    "marginRankingLoss", "hingeEmbeddingLoss", "softMarginLoss", "multiLabelSoftMarginLoss", "multiMarginLoss", "cosineEmbeddingLoss",
    "tripletMarginLoss", "poissonNllLoss", "gaussianNllLoss"]]
VALUES += [(c, "Z") for c in ["softmax", "logSoftmax", "logsumexp", "logcumsumexp", "crossEntropy", "crossEntropy.ls", "klDiv",
                              "softplus", "logsigmoid", "sigmoid", "tanh", "gelu", "maxPool1d"]]
VALUES += [(c, "I") for c in ["sort", "sort.indices", "argmax", "cummax", "cummax.indices", "amax", "max.indices", "abs", "neg",
                              "sign", "clamp", "maximum"]]
# (call, input) pairs whose gradients are compared too: the kinks and ties of B, the zeros of Z0
GRADS = [(c, "B") for c in [
    "amax", "amin", "max", "maxall", "minall", "normInf", "abs", "relu", "clamp", "sign", "round", "maximum", "minimum",
    "sort", "cummax", "std", "var", "logsumexp", "softmax", "logSoftmax", "hardtanh", "relu6", "leakyRelu", "elu", "gelu",
    "silu", "huberLoss", "smoothL1Loss", "l1Loss", "layerNorm", "pairwiseDistance", "cdist", "maxPool1d", "adaptiveMaxPool2d",
    "hardsigmoid", "glu", "mish", "logcumsumexp", "cumsum", "trace", "diag", "fmod", "remainder", "median",
    "quantile", "nanquantile", "logaddexp", "diff", "celu", "hardshrink", "softshrink", "softsign"]]
GRADS += [(c, "Z0") for c in ["norm2", "norm1", "norm3", "normalize", "sqrt", "cumprod", "prod", "pow2", "powHalf", "atan2",
                              "cosineSimilarity"]]


def enc(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1, v) < 0:
        return "-0"
    return v


def tensor(name, dtype):
    return torch.tensor(INPUTS[name], dtype=dtype)


def main():
    cases = []
    for call, inp in VALUES:
        x = tensor(inp, torch.int32 if inp == "I" else torch.float32)
        if inp == "I" and call in ("clamp",):
            out = torch.clamp(x, -1, 1)
        else:
            out = CALLS[call](x)
        cases.append({"name": f"{call} of {inp}", "call": call, "input": inp, "out": [enc(float(v)) for v in out.flatten().tolist()]})
    for call, inp in GRADS:
        # float64 from float32-exact inputs: the exact gradient at the kink PyTorch picks
        x = tensor(inp, torch.float64).requires_grad_(True)
        out = CALLS[call](x)
        g = (torch.arange(out.numel(), dtype=torch.float64) % 5 - 1.5).reshape(out.shape)
        (out * g).sum().backward()
        cases.append({"name": f"gradient of {call} of {inp}", "call": call, "input": inp,
                      "out": [enc(float(v)) for v in out.detach().float().flatten().tolist()],
                      "grad": [enc(float(v)) for v in x.grad.flatten().tolist()]})
    data = {"generated_by": "scripts/make_fixtures_specials.py", "torch": torch.__version__,
            "inputs": {k: [[enc(float(v)) for v in row] for row in rows] for k, rows in INPUTS.items()}, "cases": cases}
    path = os.path.join(ROOT, "test", "fixtures", "specials.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e3:.1f} kB, {len(cases)} cases)")


if __name__ == "__main__":
    main()
