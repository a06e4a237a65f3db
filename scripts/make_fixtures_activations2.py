#!/usr/bin/python3
"""Golden fixtures for the second batch of activations (softsign, tanhshrink, softmin, threshold,
celu, hardshrink, softshrink, Softmax2d) and the padding layers, computed by PyTorch: layouts,
the kinks, NaN and ±inf.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_activations2.py

Writes test/fixtures/breadth_activations2.json in the case format of ops.json (the case builder of
scripts/make_fixtures.py: float32-exact inputs, float64 references, random upstream gradients,
transposed/sliced layouts), run on every device by test/activations2.test.ts.

NaN's gradient: PyTorch 1.13's CPU kernels for elu/celu, hardshrink and softshrink give a NaN
input a different gradient in their vectorized loop (celu NaN, the shrinks 0) than in their
scalar loop and CUDA (the upstream gradient: `x <= 0 ? ... : grad` is false for NaN). dlgrad
follows the scalar loop where its composite can (celu, hardshrink: cases of 6 elements, which
PyTorch runs in the scalar loop), and the vectorized loop for softshrink, whose output at NaN is
the constant 0 (a case of 40 elements). The script checks which loop gave each number.

Deterministic (fixed seeds); commit the output.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, add_case, shp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "test", "fixtures", "breadth_activations2.json")
nan, inf = math.nan, math.inf
FAM = "activations2"

# (op, PyTorch, args in dlgrad's names, input kind, scale): inputs are multiplied by scale first
ACTS = [
    ("F.softsign", lambda x: F.softsign(x), {}, "normal", 3.0),
    ("F.tanhshrink", lambda x: F.tanhshrink(x), {}, "normal", 2.0),
    ("F.threshold", lambda x, threshold=0.0, value=0.0: F.threshold(x, threshold, value), {"threshold": 0.5, "value": 20.0}, "nonzero", 1.0),
    ("F.celu", lambda x, alpha=1.0: F.celu(x, alpha), {}, "nonzero", 2.0),
    ("F.celu", lambda x, alpha=1.0: F.celu(x, alpha), {"alpha": 0.4}, "nonzero", 2.0),
    ("F.hardshrink", lambda x, lambd=0.5: F.hardshrink(x, lambd), {}, "nonzero", 1.0),
    ("F.softshrink", lambda x, lambd=0.5: F.softshrink(x, lambd), {}, "nonzero", 1.0),
    ("F.softshrink", lambda x, lambd=0.5: F.softshrink(x, lambd), {"lambd": 1.25}, "nonzero", 2.0),
]


def scaled(fn):
    return lambda x, scale=1.0, **a: fn(x * scale, **a)


def name_of(args):
    return ",".join(f"{k}={v}" for k, v in args.items())


def nan_grads(case, want):
    """Checks the gradient at each NaN input: the upstream gradient ('g') or 0."""
    x = case["inputs"][0]["data"]
    g, gx = case["gs"][0]["data"], case["grads"][0]["data"]
    for i, v in enumerate(x):
        if v == "NaN":
            expect = g[i] if want == "g" else 0
            assert gx[i] == expect, (case["name"], i, gx[i], expect)


def gen_activations():
    for op, fn, args, kind, scale in ACTS:
        a = dict(args, **({"scale": scale} if scale != 1.0 else {}))
        for layout, s in [("contiguous", [2, 3]), ("transposed", [3, 4]), ("sliced", [2, 3]), ("contiguous", [])]:
            add_case(FAM, op, f"{name_of(args)}{shp(s)}:{layout}", [Inp("x", s, kind, layout)], scaled(fn), a)
    # the kinks and the tails: the gradient PyTorch gives exactly at a boundary
    # float32-exact kinks (0.5, 1.25): a float32 input equal to the float64 bound
    kinks = [-40.0, -3.0, -1.25, -1.0, -0.5, -0.1, -0.0, 0.0, 0.1, 0.5, 1.0, 1.25, 3.0, 40.0]
    for op, fn, args, _, _ in ACTS:
        add_case(FAM, op, f"{name_of(args)} kinks".strip(), [Inp("x", data=kinks)], fn, args)
    th = lambda x, threshold=0.0, value=0.0: F.threshold(x, threshold, value)
    add_case(FAM, "F.threshold", "threshold=0,value=0 kinks", [Inp("x", data=kinks)], th, {"threshold": 0.0, "value": 0.0})
    add_case(FAM, "F.threshold", "threshold=-1,value=-3.5", [Inp("x", [3, 4], layout="sliced")], th, {"threshold": -1.0, "value": -3.5})
    add_case(FAM, "F.celu", "alpha=-0.7", [Inp("x", data=[-3.0, -0.5, 0.0, 0.5, 2.0])], lambda x, alpha=1.0: F.celu(x, alpha), {"alpha": -0.7})
    add_case(FAM, "F.hardshrink", "lambd=-0.5 (identity)", [Inp("x", data=[-1.0, -0.5, 0.0, 0.5, 1.0])],
             lambda x, lambd=0.5: F.hardshrink(x, lambd), {"lambd": -0.5})
    add_case(FAM, "F.softshrink", "lambd=0", [Inp("x", data=[-1.0, -0.0, 0.0, 0.5])], lambda x, lambd=0.5: F.softshrink(x, lambd),
             {"lambd": 0.0})


def gen_specials():
    # NaN, ±inf and the kinks in 6 elements: PyTorch's scalar loop (see the header)
    special = [nan, inf, -inf, 0.5, -0.5, 0.0]
    for op, fn, args, _, _ in ACTS:
        if op == "F.softshrink":  # NaN: the vectorized case below
            add_case(FAM, op, f"{name_of(args)} inf".strip(), [Inp("x", data=[inf, -inf, 0.5, -0.5, 0.0, -0.0])], fn, args)
            continue
        add_case(FAM, op, f"{name_of(args)} nan,inf".strip(), [Inp("x", data=special)], fn, args)
        if op in ("F.threshold", "F.celu", "F.hardshrink"):
            nan_grads(mf.CASES[-1], "g")
    add_case(FAM, "F.threshold", "value=nan,threshold=inf", [Inp("x", data=special)],
             lambda x, threshold=0.0, value=0.0: F.threshold(x, threshold, value), {"threshold": inf, "value": nan})
    # softshrink's output at NaN is 0: the gradient of that constant, as PyTorch's vectorized loop
    long = [nan] + [(i - 20) / 8 for i in range(1, 39)] + [nan]
    add_case(FAM, "F.softshrink", "nan in the vectorized loop", [Inp("x", data=long)], lambda x: F.softshrink(x))
    c = mf.CASES[-1]
    assert c["grads"][0]["data"][0] == 0, "PyTorch's vectorized loop no longer gives NaN a zero gradient"


def gen_softmin():
    sm = lambda x, dim=-1: F.softmin(x, dim)
    add_case(FAM, "F.softmin", "dim=1", [Inp("x", [3, 4])], sm, {"dim": 1})
    add_case(FAM, "F.softmin", "dim=0 transposed", [Inp("x", [3, 4], layout="transposed")], sm, {"dim": 0})
    add_case(FAM, "F.softmin", "dim=-1 sliced [2,3,4]", [Inp("x", [2, 3, 4], layout="sliced")], sm, {"dim": -1})
    add_case(FAM, "F.softmin", "dim=1 [2,3,4]", [Inp("x", [2, 3, 4], "big")], sm, {"dim": 1})
    add_case(FAM, "F.softmin", "0-d", [Inp("x", [])], sm, {"dim": 0})
    add_case(FAM, "F.softmin", "inf rows", [Inp("x", data=[[inf, 1.0, 2.0], [inf, inf, 1.0], [-inf, 1.0, 2.0], [nan, 1.0, 2.0]])],
             sm, {"dim": 1})
    s2d = lambda x: nn.Softmax2d()(x)
    add_case(FAM, "nn.Softmax2d", "[2,3,2,2]", [Inp("x", [2, 3, 2, 2])], s2d)
    add_case(FAM, "nn.Softmax2d", "[3,2,4] sliced", [Inp("x", [3, 2, 4], layout="sliced")], s2d)


def circular(p, d):
    """PyTorch 2.1's CircularPad1d/2d: F.pad's circular mode, an unbatched input given a batch dim
    (PyTorch 1.13's circular F.pad takes batched inputs only)."""
    pads = [p] * (2 * d) if isinstance(p, int) else list(p)

    def run(x):
        unbatched = x.dim() == d + 1
        y = F.pad(x.unsqueeze(0) if unbatched else x, pads, mode="circular")
        return y.squeeze(0) if unbatched else y
    return run


def gen_padding():
    # the layers of PyTorch 1.13; ZeroPad1d and the circular layers (PyTorch 2) through F.pad
    layers = [
        ("nn.ZeroPad1d", 1, lambda p, value: nn.ConstantPad1d(p, 0.0), {}),
        ("nn.ZeroPad2d", 2, lambda p, value: nn.ZeroPad2d(p), {}),
        ("nn.ConstantPad1d", 1, lambda p, value: nn.ConstantPad1d(p, value), {"value": 3.5}),
        ("nn.ConstantPad2d", 2, lambda p, value: nn.ConstantPad2d(p, value), {"value": -1.5}),
        ("nn.ReflectionPad1d", 1, lambda p, value: nn.ReflectionPad1d(p), {}),
        ("nn.ReflectionPad2d", 2, lambda p, value: nn.ReflectionPad2d(p), {}),
        ("nn.ReplicationPad1d", 1, lambda p, value: nn.ReplicationPad1d(p), {}),
        ("nn.ReplicationPad2d", 2, lambda p, value: nn.ReplicationPad2d(p), {}),
        ("nn.CircularPad1d", 1, lambda p, value: circular(p, 1), {}),
        ("nn.CircularPad2d", 2, lambda p, value: circular(p, 2), {}),
    ]
    for op, d, make, extra in layers:
        batched, unbatched = ([2, 3, 5], [3, 4]) if d == 1 else ([1, 2, 4, 5], [2, 3, 4])
        tup = [3, 1] if d == 1 else [2, 0, 1, 2]
        for padding, s, layout in [(2, batched, "contiguous"), (tup, unbatched, "transposed"), (tup, batched, "sliced")]:
            args = dict(extra, padding=padding)
            add_case(FAM, op, f"padding={padding}{shp(s)}:{layout}", [Inp("x", s, layout=layout)],
                     lambda x, padding, value=0.0, _m=make: _m(padding if isinstance(padding, int) else tuple(padding), value)(x), args)
    crop = lambda x, padding, value: nn.ConstantPad2d(tuple(padding), value)(x)
    add_case(FAM, "nn.ConstantPad2d", "negative padding crops", [Inp("x", [1, 3, 4])], crop, {"padding": [-1, 2, 1, -2], "value": 3.5})
    zero2d = lambda x, padding: nn.ZeroPad2d(padding)(x)
    add_case(FAM, "nn.ZeroPad2d", "2-D input", [Inp("x", [3, 4])], zero2d, {"padding": 1})


def main():
    gen_activations()
    gen_specials()
    gen_softmin()
    gen_padding()
    mf.write_cases(OUT, "scripts/make_fixtures_activations2.py", mf.CASES)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({len(mf.CASES)} cases, {os.path.getsize(OUT) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
