#!/usr/bin/python3
"""Golden fixtures for dlgrad's training stack (nn layers, optimizers, schedulers, clipping, safetensors).

Run with Debian's PyTorch (the python3 on PATH may have no torch):

    /usr/bin/python3 scripts/make_train_fixtures.py

Writes test/fixtures/train.json and test/fixtures/py_written.safetensors (deterministic: fixed
seeds; commit both). When test/fixtures/dlgrad_written.safetensors exists (test/safetensors.test.ts
writes it), reads it back with an independent reader and checks it against the tensors the test
wrote, with torch.

train.json:
  layers:     [{name, layer, args, params: {ourName: T}, inputs: [T], g: T, out: T, weights?: T,
                grads: {input0?: T, <param>: T}, tol: [atol, rtol]}]
              out = layer(*inputs) in float64 from float32-exact values; grads are of
              (out * g).sum() with respect to the float inputs and every parameter.
  optim:      [{name, optimizer, opts (dlgrad names), params0: [T], grads: [[T per param] per step],
                params: [[T per param] after each step], state: {"<i>.<name>": T after the last step}}]
  schedulers: [{name, scheduler, args, lrs: [[lr per group] after construction, then after each step]}]
  clip:       [{name, maxNorm, normType, grads: [T], total, clipped: [T]}]
  pyWritten:  {name: T with dtype} (what py_written.safetensors holds, as float32/int32 values)
T = {data: [...], shape: [...], dtype?: "int32"}; NaN/Infinity never occur.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
GEN = torch.Generator().manual_seed(1234)


def r32(shape, scale=1.0):
    """Random values exactly representable in float32, returned as float64."""
    return (torch.randn(*shape, generator=GEN) * scale).float().double()


def T(t):
    t = t.detach()
    out = {"shape": list(t.shape)}
    if t.dtype in (torch.int32, torch.int64):
        out["data"] = [int(v) for v in t.reshape(-1).tolist()]
        out["dtype"] = "int32"
    else:
        out["data"] = [float("%.9g" % v) for v in t.double().reshape(-1).tolist()]
    return out


# ---- layers -------------------------------------------------------------------------------

layers = []


def layer_case(name, layer_kind, args, module, inputs, rename=None, tol=(1e-5, 1e-4), randomize=True, call=None):
    """module: a torch module (converted to float64, params replaced by float32-exact values)."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            if randomize:
                p.copy_(r32(p.shape, 0.5))
            else:
                p.copy_(p.float().double())
    params = dict(module.named_parameters())
    leaves = []
    for x in inputs:
        if x.dtype.is_floating_point:
            leaves.append(x.clone().requires_grad_(True))
        else:
            leaves.append(x)
    res = call(module, *leaves) if call else module(*leaves)
    weights = None
    if isinstance(res, tuple):
        res, weights = res
    g = r32(res.shape)
    (res * g).sum().backward()
    rename = rename or {}
    case = {
        "name": name,
        "layer": layer_kind,
        "args": args,
        "params": {rename.get(k, k): T(p) for k, p in params.items()},
        "inputs": [T(x) for x in inputs],
        "g": T(g),
        "out": T(res),
        "grads": {rename.get(k, k): T(p.grad) for k, p in params.items()},
        "tol": list(tol),
    }
    for i, x in enumerate(leaves):
        if x.dtype.is_floating_point:
            case["grads"]["input%d" % i] = T(x.grad)
    if weights is not None:
        case["weights"] = T(weights)
    layers.append(case)


torch.manual_seed(0)
layer_case("Linear", "Linear", {"in": 4, "out": 3}, nn.Linear(4, 3), [r32([2, 5, 4])])
layer_case("Linear/no-bias", "Linear", {"in": 4, "out": 3, "bias": False}, nn.Linear(4, 3, bias=False), [r32([6, 4])])
layer_case("Embedding", "Embedding", {"num": 10, "dim": 4}, nn.Embedding(10, 4),
           [torch.tensor([[1, 0, 9], [3, 3, 7]], dtype=torch.int32)],
           call=lambda m, i: m(i.long()))
layer_case("LayerNorm", "LayerNorm", {"shape": [3, 4]}, nn.LayerNorm([3, 4]), [r32([2, 3, 4], 2.0)])
layer_case("LayerNorm/no-affine", "LayerNorm", {"shape": [4], "eps": 1e-3, "elementwiseAffine": False},
           nn.LayerNorm(4, eps=1e-3, elementwise_affine=False), [r32([3, 4])])


class RMSNormRef(nn.Module):
    """torch 1.13 has no nn.RMSNorm; this is torch 2.4's definition."""

    def __init__(self, dim, eps=None):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        eps = self.eps if self.eps is not None else torch.finfo(torch.float32).eps
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * self.weight


layer_case("RMSNorm", "RMSNorm", {"shape": [4], "eps": 1e-6}, RMSNormRef(4, 1e-6), [r32([2, 3, 4])])
layer_case("RMSNorm/default-eps", "RMSNorm", {"shape": [5]}, RMSNormRef(5), [r32([3, 5], 1e-3)])
layer_case("Sequential", "Sequential", {}, nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), [r32([3, 4])])
for nm, mod, args in [
    ("ReLU", nn.ReLU(), {}),
    ("GELU", nn.GELU(), {}),
    ("GELU/tanh", nn.GELU(approximate="tanh"), {"approximate": "tanh"}),
    ("Tanh", nn.Tanh(), {}),
    ("Sigmoid", nn.Sigmoid(), {}),
    ("SiLU", nn.SiLU(), {}),
    ("LeakyReLU", nn.LeakyReLU(0.2), {"negativeSlope": 0.2}),
    ("Softmax", nn.Softmax(dim=1), {"dim": 1}),
    ("LogSoftmax", nn.LogSoftmax(dim=-1), {"dim": -1}),
]:
    layer_case(nm, nm.split("/")[0], args, mod, [r32([2, 3, 4], 2.0)])
layer_case("Flatten", "Flatten", {}, nn.Flatten(), [r32([2, 3, 2, 2])])
layer_case("Flatten/0..1", "Flatten", {"startDim": 0, "endDim": 1}, nn.Flatten(0, 1), [r32([2, 3, 2])])
layer_case("Conv2d", "Conv2d", {"in": 2, "out": 3, "kernel": 3, "padding": 1}, nn.Conv2d(2, 3, 3, padding=1),
           [r32([2, 2, 5, 5])])
layer_case("Conv2d/strided-rect-nobias", "Conv2d",
           {"in": 2, "out": 4, "kernel": [3, 2], "stride": 2, "padding": [1, 0], "bias": False},
           nn.Conv2d(2, 4, (3, 2), stride=2, padding=(1, 0), bias=False), [r32([1, 2, 6, 5])])
layer_case("MaxPool2d", "MaxPool2d", {"kernel": 2}, nn.MaxPool2d(2), [r32([2, 3, 4, 4])])
layer_case("MaxPool2d/stride-pad", "MaxPool2d", {"kernel": 3, "stride": 2, "padding": 1},
           nn.MaxPool2d(3, stride=2, padding=1), [r32([1, 2, 5, 5])])

MHA_NAMES = {"in_proj_weight": "inProjWeight", "in_proj_bias": "inProjBias",
             "out_proj.weight": "outProj.weight", "out_proj.bias": "outProj.bias"}
x = r32([2, 5, 8])
layer_case("MultiheadAttention/self-batchFirst", "MultiheadAttention", {"embedDim": 8, "numHeads": 2, "batchFirst": True},
           nn.MultiheadAttention(8, 2, batch_first=True), [x], rename=MHA_NAMES,
           call=lambda m, x: m(x, x, x))
causal = torch.triu(torch.full((4, 4), float("-inf"), dtype=torch.float64), 1)
layer_case("MultiheadAttention/causal-seqFirst", "MultiheadAttention",
           {"embedDim": 6, "numHeads": 3, "batchFirst": False, "isCausal": True},
           nn.MultiheadAttention(6, 3), [r32([4, 2, 6])], rename=MHA_NAMES,
           call=lambda m, x: m(x, x, x, attn_mask=causal))
layer_case("MultiheadAttention/cross-noWeights", "MultiheadAttention",
           {"embedDim": 4, "numHeads": 2, "batchFirst": True, "needWeights": False, "cross": True},
           nn.MultiheadAttention(4, 2, batch_first=True), [r32([2, 3, 4]), r32([2, 5, 4]), r32([2, 5, 4])],
           rename=MHA_NAMES, call=lambda m, q, k, v: (m(q, k, v, need_weights=False)[0], None))
layer_case("MultiheadAttention/unbatched-noBias", "MultiheadAttention",
           {"embedDim": 4, "numHeads": 1, "bias": False},
           nn.MultiheadAttention(4, 1, bias=False), [r32([3, 4])], rename=MHA_NAMES,
           call=lambda m, x: m(x, x, x))

# ---- optimizers ---------------------------------------------------------------------------

optim_cases = []


def optim_case(name, kind, opts, make):
    params0 = [r32([3, 4], 0.5).float(), r32([5], 0.5).float()]
    steps = 5
    grads = [[r32(p.shape).float() for p in params0] for _ in range(steps)]
    params = [p.clone().requires_grad_(True) for p in params0]
    opt = make(params)
    history = []
    for s in range(steps):
        for p, g in zip(params, grads[s]):
            p.grad = g.clone()
        opt.step()
        history.append([T(p) for p in params])
    state = {}
    names = {"momentum_buffer": "momentumBuffer", "exp_avg": "expAvg", "exp_avg_sq": "expAvgSq",
             "max_exp_avg_sq": "maxExpAvgSq", "step": "step"}
    for i, p in enumerate(params):
        for k, v in opt.state[p].items():
            if v is None:
                continue
            state["%d.%s" % (i, names[k])] = T(v if torch.is_tensor(v) else torch.tensor(float(v)))
    optim_cases.append({
        "name": name, "optimizer": kind, "opts": opts,
        "params0": [T(p) for p in params0],
        "grads": [[T(g) for g in gs] for gs in grads],
        "params": history, "state": state,
    })


O = torch.optim
optim_case("SGD", "SGD", {"lr": 0.1}, lambda ps: O.SGD(ps, lr=0.1))
optim_case("SGD/momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, lambda ps: O.SGD(ps, lr=0.05, momentum=0.9))
optim_case("SGD/momentum-dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
           lambda ps: O.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3))
optim_case("SGD/nesterov-weightDecay", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.1},
           lambda ps: O.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1))
optim_case("SGD/weightDecay-maximize", "SGD", {"lr": 0.1, "weightDecay": 0.05, "maximize": True},
           lambda ps: O.SGD(ps, lr=0.1, weight_decay=0.05, maximize=True))
optim_case("Adam", "Adam", {"lr": 0.01}, lambda ps: O.Adam(ps, lr=0.01))
optim_case("Adam/weightDecay-betas", "Adam", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.1},
           lambda ps: O.Adam(ps, lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1))
optim_case("Adam/amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}, lambda ps: O.Adam(ps, lr=0.01, amsgrad=True))
optim_case("AdamW", "AdamW", {"lr": 0.01}, lambda ps: O.AdamW(ps, lr=0.01))
optim_case("AdamW/weightDecay-betas", "AdamW", {"lr": 0.03, "betas": [0.85, 0.99], "weightDecay": 0.2},
           lambda ps: O.AdamW(ps, lr=0.03, betas=(0.85, 0.99), weight_decay=0.2))

# ---- schedulers ---------------------------------------------------------------------------

sched_cases = []


def sched_case(name, kind, args, make, steps):
    ps = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    opt = O.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.01}], lr=0.1)
    sched = make(opt)
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    sched_cases.append({"name": name, "scheduler": kind, "args": args, "lrs": lrs})


S = O.lr_scheduler
sched_case("StepLR", "StepLR", {"stepSize": 3, "gamma": 0.5}, lambda o: S.StepLR(o, 3, gamma=0.5), 10)
sched_case("StepLR/default-gamma", "StepLR", {"stepSize": 2}, lambda o: S.StepLR(o, 2), 6)
sched_case("CosineAnnealingLR", "CosineAnnealingLR", {"tMax": 4, "etaMin": 0.001},
           lambda o: S.CosineAnnealingLR(o, 4, eta_min=0.001), 13)
sched_case("CosineAnnealingLR/etaMin0", "CosineAnnealingLR", {"tMax": 10}, lambda o: S.CosineAnnealingLR(o, 10), 12)
sched_case("LinearLR", "LinearLR", {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 4},
           lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), 8)
sched_case("LinearLR/defaults", "LinearLR", {}, lambda o: S.LinearLR(o), 7)
sched_case("LinearLR/decay", "LinearLR", {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 5},
           lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5), 7)

# ---- gradient clipping --------------------------------------------------------------------

clip_cases = []
for nm, max_norm, norm_type in [("clip", 1.0, 2.0), ("no-clip", 100.0, 2.0), ("inf", 0.5, float("inf")), ("p1", 2.0, 1.0)]:
    ps = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
    gs = [r32([3, 4]).float(), r32([5]).float()]
    for p, g in zip(ps, gs):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    clip_cases.append({"name": nm, "maxNorm": max_norm, "normType": "Infinity" if math.isinf(norm_type) else norm_type,
                       "grads": [T(g) for g in gs], "total": float(total), "clipped": [T(p.grad) for p in ps]})

# ---- safetensors written by Python --------------------------------------------------------

# dtype name -> (struct code, bytes per element, alignment rank used by the reference writer's ordering)
ST = {"F64": ("d", 8), "I64": ("q", 8), "F32": ("f", 4), "I32": ("i", 4), "BF16": (None, 2), "F16": ("e", 2)}
RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 3, "U16": 4, "F16": 5, "BF16": 6, "I32": 7, "U32": 8, "F32": 9, "F64": 10, "I64": 11, "U64": 12}


def st_bytes(dtype, values):
    if dtype == "BF16":  # the top 16 bits of the float32 (values chosen exactly representable)
        return b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:] for v in values)
    return struct.pack("<%d%s" % (len(values), ST[dtype][0]), *values)


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape, flat values)}; the reference writer's layout and order."""
    order = sorted(tensors, key=lambda n: (-RANK[tensors[n][0]], n.encode()))
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for n in order:
        dtype, shape, values = tensors[n]
        b = st_bytes(dtype, values)
        header[n] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    """An independent strict reader: returns ({name: torch tensor}, metadata, header length)."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert 8 + n <= len(buf), "header runs past the end"
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = buf[8 + n:]
    spans = sorted((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in header.items())
    pos = 0
    for b, e, k in spans:
        assert b == pos, "tensor %s does not start where the previous one ended" % k
        pos = e
    assert pos == len(data), "the tensors do not cover the data exactly"
    tdt = {"F32": torch.float32, "I32": torch.int32, "F64": torch.float64}
    out = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        raw = bytearray(data[b:e])
        t = torch.frombuffer(raw, dtype=tdt[v["dtype"]]) if raw else torch.zeros(0, dtype=tdt[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out, metadata, n


py_tensors = {
    "weight": ("F32", [2, 3], [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75]),
    "bias": ("F32", [3], [0.1, -2.5, 3.0e-8]),
    "labels": ("I32", [4], [7, -1, 0, 2147483647]),
    "scalar": ("F32", [], [3.5]),
    "empty": ("F32", [0, 4], []),
    "block.0.attn.qkv.weight": ("F32", [4, 2], [float(v) for v in r32([8]).float().tolist()]),
    "double": ("F64", [2], [1.0 / 3.0, -1e300]),
    "half": ("F16", [3], [1.5, -2.0, 65504.0]),
    "brain": ("BF16", [2], [1.0, -0.15625]),
    "long": ("I64", [3], [-5, 0, 123456789]),
}
write_safetensors(os.path.join(FIX, "py_written.safetensors"), py_tensors,
                  {"format": "pt", "source": "scripts/make_train_fixtures.py"})
py_written = {}
for n, (dtype, shape, values) in py_tensors.items():
    if dtype in ("F32", "F16", "BF16"):
        vals = torch.tensor(values, dtype=torch.float32).double().tolist()
        py_written[n] = {"data": vals, "shape": shape, "dtype": "float32", "stDtype": dtype}
    elif dtype == "F64":
        py_written[n] = {"data": values, "shape": shape, "dtype": "float64", "stDtype": dtype}
    else:
        py_written[n] = {"data": values, "shape": shape, "dtype": "int32", "stDtype": dtype}

# ---- check what dlgrad wrote (test/safetensors.test.ts writes it; keep both in sync) --------

dl_path = os.path.join(FIX, "dlgrad_written.safetensors")
if os.path.exists(dl_path):
    got, metadata, hlen = read_safetensors(dl_path)
    assert hlen % 8 == 0, "dlgrad's header is not padded to a multiple of 8"
    expected = {
        "fc.weight": (torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8 - 0.5),
        "fc.bias": torch.tensor([0.1, -0.2, 0.3], dtype=torch.float32),
        "steps": torch.tensor([-3, 0, 5], dtype=torch.int32),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 2, dtype=torch.float32),
    }
    assert metadata == {"format": "pt"}, metadata
    assert set(got) == set(expected), sorted(got)
    for k, e in expected.items():
        assert got[k].dtype == e.dtype and got[k].shape == e.shape and torch.equal(got[k], e), (k, got[k], e)
    print("dlgrad_written.safetensors: OK (%d tensors)" % len(got))
else:
    print("dlgrad_written.safetensors: not found, skipped (run the tests first)")

with open(os.path.join(FIX, "train.json"), "w") as f:
    json.dump({"version": 1, "torch": torch.__version__, "layers": layers, "optim": optim_cases,
               "schedulers": sched_cases, "clip": clip_cases, "pyWritten": py_written}, f, separators=(",", ":"))
    f.write("\n")
print("wrote test/fixtures/train.json: %d layers, %d optimizers, %d schedulers, %d clip cases"
      % (len(layers), len(optim_cases), len(sched_cases), len(clip_cases)))
