#!/usr/bin/python3
"""Golden lr sequences of ConstantLR, MultiplicativeLR, PolynomialLR, CyclicLR and ChainedScheduler,
and LBFGS trajectories, computed by PyTorch 1.13.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_optim3.py

Writes test/fixtures/optim3_more.json:

    schedulers: [{name, scheduler, optimizer: "SGD" | "Adam", args (dlgrad names; lambdas and scale
                  functions by name, the test has the same functions), steps: [{lrs, momenta} per group,
                  after construction and after each step]}]   three parameter groups (lr 0.1, 0.01, 0.05)
    lbfgs: [{name, problem: "rosenbrock" | "lstsq", dtype, opts (dlgrad names), data: {name: T},
             params0: [T], steps: [{loss (the closure's first value), params: [T], funcEvals, nIter}]}]

T is {shape, data}; float64 cases are written with every digit (repr). Deterministic (fixed seed);
commit the output.
"""
import json
import math
import os
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "test", "fixtures", "optim3_more.json")
GEN = torch.Generator().manual_seed(77)
S = torch.optim.lr_scheduler

# the named functions; test/optim4.test.ts has the same ones under these names
LAMBDAS = {
    "p95": lambda e: 0.95,
    "slow": lambda e: 1.0 / (1.0 + 0.1 * e),
    "halfsin": lambda x: 0.5 * (1.0 + math.sin(x * math.pi / 2.0)),
    "decay": lambda x: 1.0 / (1.0 + 0.05 * x),
}


def T(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.double().reshape(-1).tolist()]}


# ---------------------------------------------------------------- schedulers

sched_cases = []


def sched_case(name, kind, args, make, steps, opt_kind="SGD"):
    ps = [torch.zeros(2, requires_grad=True) for _ in range(3)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.01}, {"params": [ps[2]], "lr": 0.05}]
    if opt_kind == "SGD":
        opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    sched = make(opt)

    def snap():
        return {"lrs": [g["lr"] for g in opt.param_groups],
                "momenta": [g["momentum"] if opt_kind == "SGD" else g["betas"][0] for g in opt.param_groups]}

    seq = [snap()]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append(snap())
    sched_cases.append({"name": name, "scheduler": kind, "optimizer": opt_kind, "args": args, "steps": seq})


def gen_schedulers():
    L = LAMBDAS
    sched_case("ConstantLR", "ConstantLR", {}, lambda o: S.ConstantLR(o), 9)
    sched_case("ConstantLR/factor-totalIters", "ConstantLR", {"factor": 0.5, "totalIters": 4},
               lambda o: S.ConstantLR(o, factor=0.5, total_iters=4), 8, "Adam")
    sched_case("MultiplicativeLR", "MultiplicativeLR", {"lambda": "p95"}, lambda o: S.MultiplicativeLR(o, L["p95"]), 12)
    sched_case("MultiplicativeLR/per-group", "MultiplicativeLR", {"lambda": ["p95", "slow", "p95"]},
               lambda o: S.MultiplicativeLR(o, [L["p95"], L["slow"], L["p95"]]), 12)
    sched_case("PolynomialLR", "PolynomialLR", {}, lambda o: S.PolynomialLR(o), 8)
    sched_case("PolynomialLR/totalIters-power", "PolynomialLR", {"totalIters": 7, "power": 2.5},
               lambda o: S.PolynomialLR(o, total_iters=7, power=2.5), 10)
    sched_case("CyclicLR/triangular", "CyclicLR", {"baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 4},
               lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4), 25)
    sched_case("CyclicLR/triangular2-per-group-momenta", "CyclicLR",
               {"baseLr": [0.01, 0.001, 0.005], "maxLr": [0.1, 0.02, 0.03], "stepSizeUp": 3, "stepSizeDown": 5,
                "mode": "triangular2", "baseMomentum": [0.8, 0.7, 0.85], "maxMomentum": 0.95},
               lambda o: S.CyclicLR(o, [0.01, 0.001, 0.005], [0.1, 0.02, 0.03], step_size_up=3, step_size_down=5,
                                    mode="triangular2", base_momentum=[0.8, 0.7, 0.85], max_momentum=0.95), 40)
    sched_case("CyclicLR/exp_range", "CyclicLR", {"baseLr": 0.02, "maxLr": 0.2, "stepSizeUp": 2.5, "mode": "exp_range",
                                                  "gamma": 0.9},
               lambda o: S.CyclicLR(o, 0.02, 0.2, step_size_up=2.5, mode="exp_range", gamma=0.9), 30)
    sched_case("CyclicLR/scaleFn-cycle", "CyclicLR", {"baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 3, "scaleFn": "halfsin"},
               lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=L["halfsin"]), 30)
    sched_case("CyclicLR/scaleFn-iterations", "CyclicLR",
               {"baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 2, "stepSizeDown": 6, "scaleFn": "decay", "scaleMode": "iterations"},
               lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, step_size_down=6, scale_fn=L["decay"],
                                    scale_mode="iterations"), 30)
    sched_case("CyclicLR/Adam-no-cycleMomentum", "CyclicLR", {"baseLr": 0.001, "maxLr": 0.01, "stepSizeUp": 5,
                                                              "cycleMomentum": False},
               lambda o: S.CyclicLR(o, 0.001, 0.01, step_size_up=5, cycle_momentum=False), 22, "Adam")
    sched_case("ChainedScheduler", "ChainedScheduler",
               {"schedulers": [["ConstantLR", {"factor": 0.1, "totalIters": 2}], ["ExponentialLR", {"gamma": 0.9}]]},
               lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, gamma=0.9)]), 8)
    sched_case("ChainedScheduler/three", "ChainedScheduler",
               {"schedulers": [["PolynomialLR", {"totalIters": 6, "power": 0.5}], ["MultiplicativeLR", {"lambda": "slow"}],
                               ["ConstantLR", {"factor": 0.25, "totalIters": 3}]]},
               lambda o: S.ChainedScheduler([S.PolynomialLR(o, total_iters=6, power=0.5), S.MultiplicativeLR(o, L["slow"]),
                                             S.ConstantLR(o, factor=0.25, total_iters=3)]), 10)


# ---------------------------------------------------------------- LBFGS

KEYWORDS = {"lr": "lr", "maxIter": "max_iter", "maxEval": "max_eval", "toleranceGrad": "tolerance_grad",
            "toleranceChange": "tolerance_change", "historySize": "history_size", "lineSearchFn": "line_search_fn"}
lbfgs_cases = []


def rosenbrock(params, data):
    x = torch.cat([p.reshape(-1) for p in params])
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def lstsq(params, data):
    w, b = params
    return ((data["x"] @ w.t() + b - data["y"]) ** 2).mean()


PROBLEMS = {"rosenbrock": rosenbrock, "lstsq": lstsq}


def lbfgs_case(name, problem, dtype, opts, params0, data, steps):
    params = [p.clone().to(dtype).requires_grad_(True) for p in params0]
    data = {k: v.to(dtype) for k, v in data.items()}
    opt = torch.optim.LBFGS(params, **{KEYWORDS[k]: v for k, v in opts.items()})
    fn = PROBLEMS[problem]

    def closure():
        opt.zero_grad()
        loss = fn(params, data)
        loss.backward()
        return loss

    seq = []
    for _ in range(steps):
        loss = opt.step(closure)
        st = opt.state[params[0]]
        seq.append({"loss": float(loss), "params": [T(p) for p in params], "funcEvals": st["func_evals"],
                    "nIter": st["n_iter"]})
    lbfgs_cases.append({"name": name, "problem": problem, "dtype": str(dtype).replace("torch.", ""), "opts": opts,
                        "data": {k: T(v) for k, v in data.items()}, "params0": [T(p.to(dtype)) for p in params0],
                        "steps": seq})


def gen_lbfgs():
    rb0 = [torch.tensor([-1.5, 2.0], dtype=torch.float64), torch.tensor([-0.5, 1.2], dtype=torch.float64)]
    w0 = (torch.randn(3, 4, generator=GEN) * 0.5).double()
    b0 = (torch.randn(3, generator=GEN) * 0.5).double()
    x = torch.randn(10, 4, generator=GEN).double()
    y = (x @ torch.randn(4, 3, generator=GEN).double() + 0.1 * torch.randn(10, 3, generator=GEN).double())
    ls = {"x": x, "y": y}
    # Steps (each up to maxIter iterations) as far as the trajectory is determined by the maths: Rosenbrock
    # without a line search amplifies rounding (the order of a dot product's sum) from its third step
    # in float64, and float32 runs on it or past a few line searches branch differently on rounding.
    f64, f32 = torch.float64, torch.float32
    wolfe = {"lineSearchFn": "strong_wolfe"}
    ls_opts = {"lr": 0.5, "maxIter": 6, "historySize": 3}
    ls_wolfe = {"lineSearchFn": "strong_wolfe", "maxIter": 7, "maxEval": 9, "historySize": 2}
    lbfgs_case("rosenbrock/f64", "rosenbrock", f64, {}, rb0, {}, 2)
    lbfgs_case("rosenbrock/strong_wolfe/f64", "rosenbrock", f64, wolfe, rb0, {}, 4)
    lbfgs_case("lstsq/f64", "lstsq", f64, ls_opts, [w0, b0], ls, 4)
    lbfgs_case("lstsq/strong_wolfe/f64", "lstsq", f64, ls_wolfe, [w0, b0], ls, 4)
    lbfgs_case("rosenbrock/f32", "rosenbrock", f32, {}, rb0, {}, 1)
    lbfgs_case("rosenbrock/strong_wolfe/f32", "rosenbrock", f32, wolfe, rb0, {}, 1)
    lbfgs_case("lstsq/f32", "lstsq", f32, ls_opts, [w0, b0], ls, 4)
    lbfgs_case("lstsq/strong_wolfe/f32", "lstsq", f32, ls_wolfe, [w0, b0], ls, 2)
    # the tolerances end a step early
    lbfgs_case("rosenbrock/tolerances/f64", "rosenbrock", torch.float64,
               {"toleranceGrad": 1e-2, "toleranceChange": 1e-3, "maxIter": 50}, rb0, {}, 3)


def main():
    gen_schedulers()
    gen_lbfgs()
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_fixtures_optim3.py", "torch": torch.__version__,
                   "schedulers": sched_cases, "lbfgs": lbfgs_cases}, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
