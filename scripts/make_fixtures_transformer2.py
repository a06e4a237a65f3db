#!/usr/bin/python3
"""Golden fixtures for nn.TransformerDecoderLayer, TransformerDecoder, Transformer, Bilinear and
EmbeddingBag (with F.bilinear and F.embedding_bag under them), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_transformer2.py

Writes test/fixtures/breadth_transformer2.json in the case format of rnn.json
(scripts/make_fixtures_rnn.py):

  cases: [{name, layer, args (the dlgrad constructor's options), forward (extra dlgrad forward options),
           torchNames: [PyTorch's state-dict names, in order], stateDict: {dlgradName: T},
           inputs: {name: T}, outs: [T], gs: [T], grads: {dlgradName | input name: T}, tol}]

Parameters are drawn here (seeded, float32-exact) and exported as the state dict with PyTorch's
names camelCased segment by segment (multihead_attn.in_proj_weight → multiheadAttn.inProjWeight): the
test loads them with a strict loadStateDict, so the names and shapes are checked too. Modules run in
training mode with dropout 0 (deterministic, and PyTorch's inference fast path is not taken).
Outputs are computed in float64 from float32-exact values; `grads` are the gradients of
sum_i (outs[i] * gs[i]).sum() with respect to every parameter and every float input.
Attention masks are int32 (0/1, 1 = blocked, as PyTorch's boolean masks) or float; offsets are int32.
Deterministic: commit the output.
"""
import json
import os
import re

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
GEN = torch.Generator().manual_seed(1313)


def r32(shape, scale=1.0):
    """Random values exactly representable in float32, as float64."""
    return (torch.randn(*shape, generator=GEN, dtype=torch.float64) * scale).float().double()


def T(t):
    t = t.detach()
    out = {"shape": list(t.shape)}
    if t.dtype in (torch.int32, torch.int64, torch.bool):
        out["data"] = [int(v) for v in t.reshape(-1).tolist()]
        out["dtype"] = "int32"
    else:
        # ±inf (in float masks) and NaN as the strings the test helpers read
        special = {float("inf"): "Infinity", float("-inf"): "-Infinity"}
        out["data"] = [special.get(v, "NaN" if v != v else float("%.9g" % v)) for v in t.double().reshape(-1).tolist()]
    return out


def camel(name):
    """PyTorch's snake_case state-dict name → dlgrad's camelCase, segment by segment."""
    def seg(s):
        parts = s.split("_")
        return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return ".".join(seg(s) for s in name.split("."))


def ints(v):
    return torch.tensor(v, dtype=torch.int32)


cases = []


def case(name, layer, args, module, inputs, call, forward=None, tol=(2e-5, 2e-4), scale=0.5):
    """inputs: {name: tensor}; call(module, **leaves) -> list of output tensors. Float inputs whose
    name does not end in 'mask' are leaves whose gradients are recorded."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(r32(p.shape, scale))
    params = dict(module.named_parameters())
    leaves = {}
    for k, x in inputs.items():
        leaves[k] = x.clone().requires_grad_(True) if x.dtype.is_floating_point and not k.lower().endswith("mask") else x
    outs = list(call(module, **leaves))
    gs = [r32(o.shape) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    grads = {camel(k): T(p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in params.items()}
    for k, x in leaves.items():
        if x.requires_grad:
            grads[k] = T(x.grad if x.grad is not None else torch.zeros_like(x))
    cases.append({
        "name": name, "layer": layer, "args": args, "forward": forward or {},
        "torchNames": list(module.state_dict().keys()),
        "stateDict": {camel(k): T(p) for k, p in params.items()},
        "inputs": {k: T(x) for k, x in inputs.items()},
        "outs": [T(o) for o in outs], "gs": [T(g) for g in gs], "grads": grads, "tol": list(tol),
    })


def mask(m):
    """An int32 fixture mask (1 = blocked) as PyTorch's boolean mask; a float mask as it is."""
    if m is None:
        return None
    return m.bool() if m.dtype == torch.int32 else m


def causal(n):
    return torch.triu(torch.ones(n, n, dtype=torch.int32), 1)


# ---- decoder layer, decoder, transformer -------------------------------------------------------


def dec(m, tgt, memory, tgtMask=None, memoryMask=None, tgtKeyPaddingMask=None, memoryKeyPaddingMask=None):
    return [m(tgt, memory, tgt_mask=mask(tgtMask), memory_mask=mask(memoryMask),
              tgt_key_padding_mask=mask(tgtKeyPaddingMask), memory_key_padding_mask=mask(memoryKeyPaddingMask))]


def dlayer(d, h, ff, **kw):
    return nn.TransformerDecoderLayer(d, h, ff, dropout=0.0, **kw)


mem_pad = ints([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])
tgt_pad = ints([[0, 0, 1], [0, 0, 0]])

case("TransformerDecoderLayer/relu-postNorm-batchFirst-causalBoolMask-memoryPadding", "TransformerDecoderLayer",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 6, "dropout": 0, "batchFirst": True},
     dlayer(4, 2, 6, batch_first=True),
     {"tgt": r32([2, 3, 4]), "memory": r32([2, 5, 4]), "tgtMask": causal(3), "memoryKeyPaddingMask": mem_pad}, dec)
case("TransformerDecoderLayer/gelu-normFirst-seqFirst-floatMemoryMask-tgtPadding", "TransformerDecoderLayer",
     {"dModel": 4, "nhead": 1, "dimFeedforward": 5, "dropout": 0, "activation": "gelu", "normFirst": True, "layerNormEps": 1e-6},
     dlayer(4, 1, 5, activation="gelu", norm_first=True, layer_norm_eps=1e-6),
     {"tgt": r32([3, 2, 4]), "memory": r32([4, 2, 4]), "memoryMask": r32([3, 4]), "tgtKeyPaddingMask": tgt_pad}, dec)
case("TransformerDecoderLayer/unbatched-floatTgtMask", "TransformerDecoderLayer",
     {"dModel": 6, "nhead": 3, "dimFeedforward": 4, "dropout": 0},
     dlayer(6, 3, 4), {"tgt": r32([3, 6]), "memory": r32([2, 6]), "tgtMask": r32([3, 3])}, dec)
# dlgrad's tgtIsCausal applies the causal mask: PyTorch's explicit causal tgt_mask gives the same values
case("TransformerDecoderLayer/tgtIsCausal-equals-causal-mask", "TransformerDecoderLayer",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 3, "dropout": 0, "batchFirst": True},
     dlayer(4, 2, 3, batch_first=True), {"tgt": r32([2, 4, 4]), "memory": r32([2, 3, 4])},
     lambda m, tgt, memory: [m(tgt, memory, tgt_mask=causal(4).bool())], forward={"tgtIsCausal": True})

case("TransformerDecoder/2-layers-finalNorm-normFirst-masks", "TransformerDecoder",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 6, "dropout": 0, "batchFirst": True, "normFirst": True, "numLayers": 2, "norm": True},
     nn.TransformerDecoder(dlayer(4, 2, 6, batch_first=True, norm_first=True), 2, norm=nn.LayerNorm(4)),
     {"tgt": r32([2, 3, 4]), "memory": r32([2, 5, 4]), "tgtMask": nn.Transformer.generate_square_subsequent_mask(3).double(),
      "memoryKeyPaddingMask": mem_pad, "tgtKeyPaddingMask": tgt_pad}, dec)
case("TransformerDecoder/1-layer-noNorm-seqFirst", "TransformerDecoder",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 3, "dropout": 0, "numLayers": 1},
     nn.TransformerDecoder(dlayer(4, 2, 3), 1), {"tgt": r32([3, 2, 4]), "memory": r32([2, 2, 4])}, dec)


def tr(m, src, tgt, srcMask=None, tgtMask=None, memoryMask=None, srcKeyPaddingMask=None, tgtKeyPaddingMask=None, memoryKeyPaddingMask=None):
    return [m(src, tgt, src_mask=mask(srcMask), tgt_mask=mask(tgtMask), memory_mask=mask(memoryMask),
              src_key_padding_mask=mask(srcKeyPaddingMask), tgt_key_padding_mask=mask(tgtKeyPaddingMask),
              memory_key_padding_mask=mask(memoryKeyPaddingMask))]


case("Transformer/2-encoder-1-decoder-batchFirst-padding-causal", "Transformer",
     {"dModel": 4, "nhead": 2, "numEncoderLayers": 2, "numDecoderLayers": 1, "dimFeedforward": 6, "dropout": 0, "batchFirst": True},
     nn.Transformer(4, 2, 2, 1, 6, 0.0, batch_first=True),
     {"src": r32([2, 5, 4]), "tgt": r32([2, 3, 4]), "tgtMask": causal(3), "srcKeyPaddingMask": mem_pad,
      "memoryKeyPaddingMask": mem_pad, "tgtKeyPaddingMask": tgt_pad}, tr)
case("Transformer/gelu-normFirst-seqFirst-floatMasks", "Transformer",
     {"dModel": 4, "nhead": 1, "numEncoderLayers": 1, "numDecoderLayers": 2, "dimFeedforward": 5, "dropout": 0,
      "activation": "gelu", "normFirst": True, "layerNormEps": 1e-6},
     nn.Transformer(4, 1, 1, 2, 5, 0.0, activation="gelu", norm_first=True, layer_norm_eps=1e-6),
     {"src": r32([4, 2, 4]), "tgt": r32([3, 2, 4]), "srcMask": r32([4, 4]), "memoryMask": r32([3, 4])}, tr)
case("Transformer/unbatched", "Transformer",
     {"dModel": 6, "nhead": 2, "numEncoderLayers": 1, "numDecoderLayers": 1, "dimFeedforward": 4, "dropout": 0},
     nn.Transformer(6, 2, 1, 1, 4, 0.0), {"src": r32([4, 6]), "tgt": r32([2, 6])}, tr)

# ---- bilinear ----------------------------------------------------------------------------------

case("Bilinear/batched-3d", "Bilinear", {"in1Features": 3, "in2Features": 4, "outFeatures": 2},
     nn.Bilinear(3, 4, 2), {"x1": r32([2, 5, 3]), "x2": r32([2, 5, 4])}, lambda m, x1, x2: [m(x1, x2)])
case("Bilinear/unbatched-nobias", "Bilinear", {"in1Features": 3, "in2Features": 2, "outFeatures": 3, "bias": False},
     nn.Bilinear(3, 2, 3, bias=False), {"x1": r32([3]), "x2": r32([2])}, lambda m, x1, x2: [m(x1, x2)])

# ---- embedding bag -----------------------------------------------------------------------------


def bag(m, input, offsets=None, perSampleWeights=None):
    return [m(input.long(), None if offsets is None else offsets.long(), per_sample_weights=perSampleWeights)]


idx1 = ints([1, 0, 2, 0, 0, 3, 4, 7, 7, 5])
case("EmbeddingBag/sum-offsets-emptyBag-perSampleWeights", "EmbeddingBag", {"numEmbeddings": 8, "embeddingDim": 3, "mode": "sum"},
     nn.EmbeddingBag(8, 3, mode="sum"), {"input": idx1, "offsets": ints([0, 2, 2, 6]), "perSampleWeights": r32([10])}, bag)
case("EmbeddingBag/mean-offsets-paddingIdx-emptyAndPaddingOnlyBags", "EmbeddingBag",
     {"numEmbeddings": 8, "embeddingDim": 3, "mode": "mean", "paddingIdx": 0},
     nn.EmbeddingBag(8, 3, mode="mean", padding_idx=0), {"input": idx1, "offsets": ints([0, 2, 2, 3, 5])}, bag)
case("EmbeddingBag/max-includeLastOffset-paddingIdx", "EmbeddingBag",
     {"numEmbeddings": 8, "embeddingDim": 4, "mode": "max", "includeLastOffset": True, "paddingIdx": -8},
     nn.EmbeddingBag(8, 4, mode="max", include_last_offset=True, padding_idx=0),
     {"input": idx1, "offsets": ints([0, 3, 3, 4, 10])}, bag)  # (1.13 corrupts its heap when the last offset is short of the end)
case("EmbeddingBag/max-2d", "EmbeddingBag", {"numEmbeddings": 6, "embeddingDim": 3, "mode": "max"},
     nn.EmbeddingBag(6, 3, mode="max"), {"input": ints([[1, 2, 5], [0, 4, 3]])}, bag)
case("EmbeddingBag/mean-2d-paddingIdx", "EmbeddingBag", {"numEmbeddings": 6, "embeddingDim": 2, "paddingIdx": 2},
     nn.EmbeddingBag(6, 2, padding_idx=2), {"input": ints([[1, 2, 5, 2], [2, 2, 2, 2], [0, 4, 3, 3]])}, bag)
case("EmbeddingBag/sum-2d-perSampleWeights", "EmbeddingBag", {"numEmbeddings": 5, "embeddingDim": 3, "mode": "sum"},
     nn.EmbeddingBag(5, 3, mode="sum"), {"input": ints([[1, 2], [4, 4], [0, 3]]), "perSampleWeights": r32([3, 2])}, bag)

# ---- the state-dict names must be PyTorch's, camelCased
for c in cases:
    assert [camel(n) for n in c["torchNames"]] == list(c["stateDict"].keys()), c["name"]
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9.]*", k) for k in c["stateDict"]), c["name"]

os.makedirs(FIX, exist_ok=True)
with open(os.path.join(FIX, "breadth_transformer2.json"), "w") as f:
    json.dump({"version": 1, "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote %d cases to test/fixtures/breadth_transformer2.json" % len(cases))
