#!/usr/bin/python3
"""Golden trajectories of Adamax, NAdam, RAdam and Adadelta, computed by PyTorch 1.13.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_optim2.py

Writes test/fixtures/optim2_more.json:

    optim: [{name, optimizer, opts (constructor options, dlgrad names),
             groups: null | [{n: how many of the parameters, in order, plus its overrides (dlgrad names)}],
             params0: [T], grads: [[T or null (no gradient that step) per param] per step],
             params: [[T per param] after each step], state: {"<i>.<name>": T after the last step}}]
    specials: [{name, optimizer, opts, param0: T, grad: T, param: T after 8 steps with that gradient,
                state: {"<name>": T}}]   NaN, ±inf, ±0, subnormals and float32's extremes, every
                                         (param, gradient) pair of them; T's data holds the strings
                                         "NaN", "Infinity" and "-Infinity" for those values

T is {shape, data} (float32 values). 8 steps, so RAdam's rectified branch (rho_t > 5, from step 6
with beta2 = 0.999) is reached. Deterministic (fixed seed); commit the output.
"""
import json
import os
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "test", "fixtures", "optim2_more.json")
GEN = torch.Generator().manual_seed(2024)
STEPS = 8
SHAPES = [[3, 4], [5], [2, 3]]
# PyTorch's state names -> dlgrad's
STATE_NAMES = {"step": "step", "exp_avg": "expAvg", "exp_inf": "expInf", "exp_avg_sq": "expAvgSq",
               "mu_product": "muProduct", "square_avg": "squareAvg", "acc_delta": "accDelta"}
# dlgrad's option names -> PyTorch's keywords
KEYWORDS = {"lr": "lr", "betas": "betas", "eps": "eps", "weightDecay": "weight_decay",
            "momentumDecay": "momentum_decay", "rho": "rho"}


def r32(shape, scale=1.0):
    return (torch.randn(*shape, generator=GEN) * scale).float()


def num(v):
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return float("%.9g" % v)


def T(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [num(v) for v in t.double().reshape(-1).tolist()]}


def torch_kw(opts):
    return {KEYWORDS[k]: (tuple(v) if k == "betas" else v) for k, v in opts.items()}


cases = []


def case(name, kind, opts, groups=None, missing=()):
    """missing: (step, param) pairs whose gradient is None (the parameter is skipped that step)."""
    params0 = [r32(s, 0.5) for s in SHAPES]
    grads = [[r32(p.shape) for p in params0] for _ in range(STEPS)]
    for gs in grads:
        gs[0].view(-1)[0] = 0.0  # a zero gradient: Adamax's max(β₂u, |g| + eps) picks eps
    params = [p.clone().requires_grad_(True) for p in params0]
    if groups is None:
        torch_params = params
    else:
        torch_params, at = [], 0
        for g in groups:
            over = {k: v for k, v in g.items() if k != "n"}
            torch_params.append({"params": params[at:at + g["n"]], **torch_kw(over)})
            at += g["n"]
        assert at == len(params)
    opt = getattr(torch.optim, kind)(torch_params, **torch_kw(opts))
    history, grads_out = [], []
    for s in range(STEPS):
        row = []
        for i, (p, g) in enumerate(zip(params, grads[s])):
            p.grad = None if (s, i) in missing else g.clone()
            row.append(None if p.grad is None else T(g))
        grads_out.append(row)
        opt.step()
        history.append([T(p) for p in params])
    state = {}
    for i, p in enumerate(params):
        for k, v in opt.state[p].items():
            state["%d.%s" % (i, STATE_NAMES[k])] = T(v if torch.is_tensor(v) else torch.tensor(float(v)))
    cases.append({"name": name, "optimizer": kind, "opts": opts, "groups": groups, "params0": [T(p) for p in params0],
                  "grads": grads_out, "params": history, "state": state})


specials = []
PV = [1, -1, 0, 1e30, -3.4e38, 2, float("nan"), 0.5, float("inf"), 1e-40]
GV = [0, -0.0, 1e-30, 1e30, float("inf"), float("-inf"), float("nan"), 3.4e38, -2, 1e-45]


def special(name, kind, opts):
    p0 = torch.tensor([p for p in PV for _ in GV], dtype=torch.float32)
    g = torch.tensor([g for _ in PV for g in GV], dtype=torch.float32)
    p = p0.clone().requires_grad_(True)
    opt = getattr(torch.optim, kind)([p], **torch_kw(opts))
    for _ in range(STEPS):
        p.grad = g.clone()
        opt.step()
    state = {STATE_NAMES[k]: T(v if torch.is_tensor(v) else torch.tensor(float(v))) for k, v in opt.state[p].items()}
    specials.append({"name": name, "optimizer": kind, "opts": opts, "param0": T(p0), "grad": T(g), "param": T(p),
                     "state": state})


def main():
    case("Adamax", "Adamax", {})
    case("Adamax/groups-weightDecay-betas-eps", "Adamax", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-3},
         groups=[{"n": 1}, {"n": 2, "lr": 0.05, "weightDecay": 0.1}], missing={(2, 2), (3, 2)})
    case("NAdam", "NAdam", {})
    case("NAdam/groups-weightDecay-momentumDecay", "NAdam", {"lr": 0.01, "momentumDecay": 0.1, "eps": 1e-6},
         groups=[{"n": 2, "weightDecay": 0.05}, {"n": 1, "betas": [0.85, 0.95], "momentumDecay": 0.004}],
         missing={(1, 1)})
    case("RAdam", "RAdam", {})
    case("RAdam/groups-weightDecay-betas", "RAdam", {"lr": 0.01, "weightDecay": 0.1},
         groups=[{"n": 1, "betas": [0.9, 0.9]}, {"n": 2, "lr": 0.02, "eps": 1e-4}], missing={(4, 1)})
    case("Adadelta", "Adadelta", {})
    case("Adadelta/groups-weightDecay-rho-eps", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4},
         groups=[{"n": 2, "weightDecay": 0.1}, {"n": 1, "rho": 0.95, "lr": 2.0}], missing={(0, 0), (5, 2)})
    special("Adamax/specials", "Adamax", {"lr": 0.01})
    special("NAdam/specials", "NAdam", {"lr": 0.01, "weightDecay": 0.1})
    special("RAdam/specials", "RAdam", {"lr": 0.01})
    special("Adadelta/specials", "Adadelta", {"weightDecay": 0.1})
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_fixtures_optim2.py", "torch": torch.__version__, "optim": cases,
                   "specials": specials}, f,
                  separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
