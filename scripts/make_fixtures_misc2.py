#!/usr/bin/python3
"""Golden values for Rprop, ASGD, local_response_norm, pdist and channel_shuffle, computed by PyTorch 1.13.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_misc2.py

Writes test/fixtures/breadth_misc2.json:

    optim: [{name, optimizer, opts (dlgrad names), groups: null | [{n, ...overrides (dlgrad names)}],
             params0: [T], grads: [[T per param] per step], params: [[T per param] after each step],
             state: {"<i>.<name>": T after the last step}}]
    lrn: [{name, size, alpha, beta, k, input: T, out: T}]
    pdist: [{name, p (a number or "Infinity"), input: T, out: T}]
    channelShuffle: [{name, groups, input: T, out: T}]

T is {shape, data} (float32 values). Deterministic (fixed seed); commit the output.
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "test", "fixtures", "breadth_misc2.json")
GEN = torch.Generator().manual_seed(2025)
STEPS = 8
SHAPES = [[3, 4], [5], [2, 3]]
STATE_NAMES = {"step": "step", "prev": "prev", "step_size": "stepSize", "eta": "eta", "mu": "mu", "ax": "ax"}
KEYWORDS = {"lr": "lr", "etas": "etas", "stepSizes": "step_sizes", "lambd": "lambd", "alpha": "alpha", "t0": "t0",
            "weightDecay": "weight_decay"}


def r32(shape, scale=1.0):
    return (torch.randn(*shape, generator=GEN) * scale).float()


def num(v):
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return float("%.9g" % v)


def T(t):
    t = torch.as_tensor(t).detach()
    return {"shape": list(t.shape), "data": [num(v) for v in t.double().reshape(-1).tolist()]}


def torch_kw(opts):
    return {KEYWORDS[k]: (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}


optim_cases = []


def case(name, kind, opts, groups=None, same_sign_steps=0):
    params0 = [r32(s, 0.5) for s in SHAPES]
    grads = [[r32(p.shape) for p in params0] for _ in range(STEPS)]
    for gs in grads[:same_sign_steps]:
        for g in gs:
            g.abs_()  # the same sign for a few steps: Rprop's step sizes grow
    for gs in grads:
        gs[0].view(-1)[0] = 0.0  # a zero gradient: Rprop's factor 1
    params = [p.clone().requires_grad_(True) for p in params0]
    if groups is None:
        torch_params = params
    else:
        torch_params, at = [], 0
        for g in groups:
            torch_params.append({"params": params[at:at + g["n"]], **torch_kw({k: v for k, v in g.items() if k != "n"})})
            at += g["n"]
    opt = getattr(torch.optim, kind)(torch_params, **torch_kw(opts))
    traj = []
    for gs in grads:
        opt.zero_grad()
        for p, g in zip(params, gs):
            p.grad = g.clone()
        opt.step()
        traj.append([T(p) for p in params])
    state = {}
    for i, p in enumerate(params):
        for k, v in opt.state[p].items():
            state["%d.%s" % (i, STATE_NAMES[k])] = T(torch.as_tensor(v, dtype=torch.float32))
    optim_cases.append({"name": name, "optimizer": kind, "opts": opts, "groups": groups,
                        "params0": [T(p) for p in params0], "grads": [[T(g) for g in gs] for gs in grads],
                        "params": traj, "state": state})


case("Rprop defaults", "Rprop", {})
case("Rprop growing steps, clamped, two groups", "Rprop", {"lr": 0.05, "etas": [0.3, 1.5], "stepSizes": [0.01, 0.1]},
     groups=[{"n": 2}, {"n": 1, "lr": 0.2, "etas": [0.6, 1.1], "stepSizes": [1e-3, 0.15]}], same_sign_steps=4)
case("ASGD defaults", "ASGD", {})
case("ASGD averaging from t0, weight decay, two groups", "ASGD",
     {"lr": 0.1, "lambd": 0.01, "alpha": 0.6, "t0": 3, "weightDecay": 0.05},
     groups=[{"n": 1}, {"n": 2, "lr": 0.3, "t0": 1, "lambd": 0.1, "weightDecay": 0}])

lrn = []
for name, shape, size, alpha, beta, k in [
    ("3-D, defaults, odd size", [2, 5, 4], 3, 1e-4, 0.75, 1.0),
    ("4-D, even size, large alpha", [2, 6, 3, 2], 4, 0.5, 0.6, 2.0),
    ("5-D, size larger than C", [1, 3, 2, 2, 2], 5, 1.0, 1.5, 0.5),
    ("4-D, size 1", [1, 4, 2, 3], 1, 0.3, 0.75, 1.0),
]:
    x = r32(shape, 2.0)
    lrn.append({"name": name, "size": size, "alpha": alpha, "beta": beta, "k": k, "input": T(x),
                "out": T(F.local_response_norm(x, size, alpha, beta, k))})

pdist = []
for name, shape, p in [("p=2", [5, 4], 2.0), ("p=1", [4, 3], 1.0), ("p=3", [4, 3], 3.0), ("p=0.5", [4, 3], 0.5),
                       ("p=0 (count)", [4, 3], 0.0), ("p=inf", [5, 2], float("inf")), ("one row", [1, 3], 2.0),
                       ("empty columns", [3, 0], 2.0)]:
    x = r32(shape)
    if name == "p=0 (count)":
        x[1, 0] = x[0, 0]  # an equal coordinate: not counted
    pdist.append({"name": name, "p": "Infinity" if p == float("inf") else p, "input": T(x), "out": T(torch.pdist(x, p))})

shuffle = []
for name, shape, groups in [("[N, C, H, W], 3 groups", [2, 6, 2, 2], 3), ("[N, C, L], 2 groups", [2, 4, 3], 2),
                            ("1 group", [1, 4, 2], 1), ("[N, C, D, H, W], C groups", [1, 4, 1, 2, 1], 4)]:
    x = r32(shape)
    shuffle.append({"name": name, "groups": groups, "input": T(x), "out": T(F.channel_shuffle(x, groups))})

with open(OUT, "w") as f:
    json.dump({"optim": optim_cases, "lrn": lrn, "pdist": pdist, "channelShuffle": shuffle}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", OUT)
