#!/usr/bin/python3
"""Golden fixtures for the elementwise arithmetic and predicates of the everyday-PyTorch work
(ceil, round, trunc, exp2, log2, log10, expm1, tan, sinh, cosh, asin, acos, atan; remainder,
fmod, atan2; isnan, isinf, isfinite, nan_to_num, all, any), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_elementwise.py

Writes test/fixtures/breadth_elementwise.json in the case format of ops.json (see
scripts/make_fixtures.py, whose case builder this script reuses: float32-exact inputs, float64
references, random upstream gradients, transposed/sliced/expanded layouts). Deterministic (fixed
seeds); commit the output.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, add_case, shp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
GEN = torch.Generator().manual_seed(1213)
F32MAX = float(torch.finfo(torch.float32).max)
INF, NAN = float("inf"), float("nan")


def uniform(shape, lo, hi):
    """Values in [lo, hi], 4 decimals, as nested lists (exact in float32 after the builder's rounding)."""
    v = torch.rand(shape, generator=GEN, dtype=torch.float64) * (hi - lo) + lo
    return (torch.round(v * 10000) / 10000).tolist()


# (op, torch function, value range, special values). The ranges keep float32 away from overflow
# (the references are float64) and inside each domain.
UNARY = [
    ("ceil", torch.ceil, (-3, 3), [-2.5, -1.5, -0.5, -0.4, -0.0, 0.4, 0.5, 1.5, 2.0, INF, NAN]),
    ("round", torch.round, (-3, 3), [-2.5, -1.5, -0.5, -0.4, -0.0, 0.4, 0.5, 1.5, 2.5, 3.5, 0.49999997, INF, NAN]),
    ("trunc", torch.trunc, (-3, 3), [-2.5, -1.7, -0.5, -0.0, 0.4, 1.5, 2.0, -INF, NAN]),
    ("exp2", torch.exp2, (-4, 4), [-INF, -20.0, -1.0, 0.0, 0.5, 10.0, 20.0, INF, NAN]),
    ("log2", torch.log2, (0.05, 5), [0.0, -1.0, 0.5, 1.0, 8.0, 1000.0, INF, NAN]),
    ("log10", torch.log10, (0.05, 5), [0.0, -1.0, 0.1, 1.0, 10.0, 1000.0, INF, NAN]),
    ("expm1", torch.expm1, (-3, 3), [-INF, -20.0, -1e-6, 0.0, 1e-6, 1e-3, 20.0, INF, NAN]),
    ("tan", torch.tan, (-1.5, 1.5), [0.0, 1.5, -1.5, 1.57, 3.0, 100.0, INF, NAN]),
    ("sinh", torch.sinh, (-3, 3), [-INF, -10.0, -1e-4, 0.0, 1e-4, 0.3, 10.0, INF, NAN]),
    ("cosh", torch.cosh, (-3, 3), [-INF, -10.0, 0.0, 1e-4, 0.3, 10.0, INF, NAN]),
    ("asin", torch.asin, (-0.95, 0.95), [-1.0, -0.5, 0.0, 1e-4, 0.5, 0.99, 1.0, 1.5, NAN]),
    ("acos", torch.acos, (-0.95, 0.95), [-1.0, -0.5, 0.0, 1e-4, 0.5, 0.99, 1.0, -1.5, NAN]),
    ("atan", torch.atan, (-4, 4), [-INF, -1000.0, -1.0, 0.0, 1e-4, 1.0, 3.0, INF, NAN]),
]

LAYOUTS = [("contiguous", [2, 3]), ("transposed", [3, 4]), ("sliced", [2, 3]), ("expanded", [3, 4]), ("contiguous", [])]


def gen_unary():
    fam = "elementwise"
    for op, fn, (lo, hi), specials in UNARY:
        for layout, s in LAYOUTS:
            shape = list(s)
            if layout == "expanded":
                shape[0] = 1  # the leaf of an expanded view has a size-1 dim
            add_case(fam, op, f"{shp(s)}:{layout}", [Inp("x", s, layout=layout, data=uniform(shape, lo, hi))],
                     lambda x, _f=fn: _f(x))
        add_case(fam, op, "special values", [Inp("x", data=specials)], lambda x, _f=fn: _f(x))
        add_case(fam, op, "int32", [Inp("x", data=[-3, 0, 1, 2, 7], dtype="int32")], lambda x, _f=fn: _f(x.int()))
    # round with decimals: PyTorch computes round(x·10^d)/10^d in float32, so the reference does too
    rd = lambda x, decimals=0: torch.round(x.float(), decimals=decimals).double()
    for d in [1, 2, -1]:
        add_case(fam, "round", f"decimals={d}", [Inp("x", data=[1.25, 2.675, -1234.5, 0.125, -0.05, 15.0, 44.9, 0.0])], rd,
                 {"decimals": d})
    add_case(fam, "round", "decimals=2,transposed", [Inp("x", [3, 4], layout="transposed", data=uniform([4, 3], -30, 30))], rd,
             {"decimals": 2})


BINARY = [
    ("remainder", torch.remainder, (-6, 6), "nonzero"),
    ("fmod", torch.fmod, (-6, 6), "nonzero"),
    ("atan2", torch.atan2, (-3, 3), "normal"),
]


def gen_binary():
    fam = "elementwise"
    pairs = [([2, 3], [2, 3]), ([2, 3], [3]), ([3, 1], [1, 4]), ([], [2, 3])]
    for op, fn, (lo, hi), kb in BINARY:
        f = lambda a, b, _f=fn: _f(a, b)
        for sa, sb in pairs:
            add_case(fam, op, f"{shp(sa)}&{shp(sb)}", [Inp("a", sa, data=uniform(sa, lo, hi)), Inp("b", sb, kb)], f)
        for la, lb in [("transposed", "sliced"), ("expanded", "contiguous"), ("sliced", "transposed")]:
            a_leaf = [1, 4] if la == "expanded" else ([4, 3] if la == "transposed" else [3, 4])
            add_case(fam, op, f"[3,4]:{la}&[3,4]:{lb}", [Inp("a", [3, 4], layout=la, data=uniform(a_leaf, lo, hi)),
                                                        Inp("b", [3, 4], kb, layout=lb)], f)
        for s in [2.5, -0.75]:
            add_case(fam, op, f"scalar={s}", [Inp("a", [2, 3], data=uniform([2, 3], lo, hi))],
                     lambda a, scalar=None, _f=fn: _f(a, torch.tensor(scalar, dtype=torch.float64)), {"scalar": s})
        ints = [Inp("a", data=[-7, 7, -7, 7, 0, 5, -2147483648, 9], dtype="int32"),
                Inp("b", data=[2, 2, -2, -2, 3, 7, 3, -4], dtype="int32")]
        add_case(fam, op, "int32", ints, lambda a, b, _f=fn: _f(a.int(), b.int()))
        add_case(fam, op, "int32 by scalar", [Inp("a", data=[-7, 7, 0, 5], dtype="int32")],
                 lambda a, scalar=None, _f=fn: _f(a.int(), torch.tensor(scalar, dtype=torch.int32)), {"scalar": 3})
    # the signs and the zero and infinite operands (forward only: PyTorch's floor division in the
    # gradient and the plain floor(a/b) differ where a/b is not finite)
    a = [5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 1e30, 7.0, INF, 3.0, 3.0, -3.0, NAN, 3.0]
    b = [2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 2.5, 0.0, 2.0, INF, -INF, INF, 1.0, NAN]
    for op, fn in [("remainder", torch.remainder), ("fmod", torch.fmod)]:
        add_case(fam, op, "special values", [Inp("a", data=a), Inp("b", data=b)], lambda a, b, _f=fn: _f(a, b), grads=False)
        add_case(fam, op, "signs and zero divisor", [Inp("a", data=[5.5, -5.5, 5.5, -5.5, 0.5, 7.0, -0.25]),
                                                      Inp("b", data=[2.0, 2.0, -2.0, -2.0, 3.0, 0.0, 0.1])], lambda a, b, _f=fn: _f(a, b))
    y = [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, INF, -INF, INF, 1.0, 0.0, -1.0, NAN, 2.0]
    x = [0.0, 0.0, -0.0, -0.0, 0.0, 0.0, INF, INF, -INF, -INF, 1.0, -1.0, 1.0, -3.0]
    add_case(fam, "atan2", "special values", [Inp("a", data=y), Inp("b", data=x)], torch.atan2, grads=False)


def gen_predicates():
    fam = "elementwise"
    sp = [1.5, NAN, INF, -INF, 0.0, -0.0, -2.0, F32MAX]
    for op, fn in [("isnan", torch.isnan), ("isinf", torch.isinf), ("isfinite", torch.isfinite)]:
        add_case(fam, op, "special values", [Inp("x", data=sp)], fn)
        add_case(fam, op, "[2,4]:transposed", [Inp("x", [2, 4], layout="transposed", data=[[1.0, NAN], [INF, 2.0], [-INF, 0.0], [3.0, NAN]])], fn)
        add_case(fam, op, "int32", [Inp("x", data=[-3, 0, 5], dtype="int32")], lambda x, _f=fn: _f(x.int()))

    def n2n(x, nan=0.0, posinf=None, neginf=None):
        # float32's defaults (the reference computes in float64, whose defaults are float64's)
        return torch.nan_to_num(x, nan, F32MAX if posinf is None else posinf, -F32MAX if neginf is None else neginf)

    vals = [[1.5, NAN, INF], [-INF, -2.0, 0.0]]
    add_case(fam, "nanToNum", "defaults", [Inp("x", data=vals)], n2n)
    add_case(fam, "nanToNum", "nan,posinf,neginf", [Inp("x", data=vals)], n2n, {"nan": -1.0, "posinf": 7.0, "neginf": -7.5})
    add_case(fam, "nanToNum", "posinf only,transposed", [Inp("x", [3, 2], layout="transposed", data=vals)], n2n, {"posinf": 100.0})
    add_case(fam, "nanToNum", "sliced", [Inp("x", [2, 3], layout="sliced", data=vals)], n2n, {"nan": 2.5})
    add_case(fam, "nanToNum", "int32", [Inp("x", data=[-3, 0, 5], dtype="int32")], lambda x: torch.nan_to_num(x.int()))

    def red(fn):
        def f(x, dim=None, keepdim=False):
            return fn(x) if dim is None else fn(x, dim, keepdim)
        return f

    cube = [[[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]], [[3.0, -1.0, 0.5], [NAN, 0.0, 0.0]]]
    for op, fn in [("all", torch.all), ("any", torch.any)]:
        f = red(fn)
        add_case(fam, op, "all elements", [Inp("x", data=cube)], f)
        add_case(fam, op, "all elements, none zero", [Inp("x", data=[[1.0, -2.0], [NAN, 0.5]])], f)
        for dim in [0, 1, -1, -3]:
            add_case(fam, op, f"dim={dim}", [Inp("x", data=cube)], f, {"dim": dim})
        add_case(fam, op, "dim=-2,keepdim", [Inp("x", data=cube)], f, {"dim": -2, "keepdim": True})
        add_case(fam, op, "dim=0,transposed", [Inp("x", [3, 4], "int", layout="transposed")], f, {"dim": 0})
        add_case(fam, op, "dim=-1,sliced", [Inp("x", [3, 4], "int", layout="sliced")], f, {"dim": -1})
        add_case(fam, op, "dim=1,expanded", [Inp("x", [3, 4], "int", layout="expanded", expand_dim=0)], f, {"dim": 1})
        add_case(fam, op, "empty dim=-1", [Inp("x", [2, 0])], f, {"dim": -1})
        add_case(fam, op, "empty", [Inp("x", [0])], f)
        add_case(fam, op, "0-d dim=0", [Inp("x", data=0.0)], f, {"dim": 0})
        add_case(fam, op, "int32 dim=1", [Inp("x", data=[[0, 3], [2, 5], [0, 0]], dtype="int32")], lambda x, dim=None, keepdim=False, _f=f: _f(x.int(), dim, keepdim), {"dim": 1})


def gen_div_rounding():
    """div with rounding_mode 'floor' (dlgrad's divFloor, also floorDivide) and 'trunc': float32
    (gradients 0) and int32; generated last, so the cases before keep their random data."""
    fam = "elementwise"
    for op, mode in [("divFloor", "floor"), ("divTrunc", "trunc")]:
        # in float32, as dlgrad computes it: the rounded quotient is not float64's near an integer
        # (1 / 0.1f is 10 in float32, 9.99999985 in float64)
        fn = lambda a, b, _m=mode: torch.div(a.float(), b.float(), rounding_mode=_m).double()
        fni = lambda a, b, _m=mode: torch.div(a, b, rounding_mode=_m)
        for sa, sb in [([2, 3], [2, 3]), ([3, 1], [1, 4])]:
            add_case(fam, op, f"{shp(sa)}&{shp(sb)}", [Inp("a", sa, data=uniform(sa, -6, 6)), Inp("b", sb, "nonzero")], fn)
        add_case(fam, op, "[3,4]:transposed&[3,4]:sliced", [Inp("a", [3, 4], layout="transposed", data=uniform([4, 3], -6, 6)),
                                                            Inp("b", [3, 4], "nonzero", layout="sliced")], fn)
        add_case(fam, op, "scalar=-0.75", [Inp("a", [2, 3], data=uniform([2, 3], -6, 6))],
                 lambda a, scalar=None, _f=fn: _f(a, torch.tensor(scalar, dtype=torch.float64)), {"scalar": -0.75})
        # exact multiples, quotients that round to integers, signed zeros, infinities, NaN
        a = [5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 1.0, 0.3, 7.0, INF, 3.0, 3.0, -3.0, NAN, 6.0, -6.0]
        b = [2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 0.1, 0.1, 0.0, 2.0, INF, -INF, INF, 1.0, 3.0, 3.0]
        add_case(fam, op, "special values", [Inp("a", data=a), Inp("b", data=b)], fn, grads=False)
        ints = [Inp("a", data=[-7, 7, -7, 7, 0, 5, -2147483648, 2147483647, -1, 9], dtype="int32"),
                Inp("b", data=[2, 2, -2, -2, 3, 7, 3, 2, 5, -4], dtype="int32")]
        add_case(fam, op, "int32", ints, lambda a, b, _f=fni: _f(a.int(), b.int()))
        add_case(fam, op, "int32 by scalar", [Inp("a", data=[-7, 7, 0, 5], dtype="int32")],
                 lambda a, scalar=None, _f=fni: _f(a.int(), torch.tensor(scalar, dtype=torch.int32)), {"scalar": 3})


def main():
    gen_unary()
    gen_binary()
    gen_predicates()
    gen_div_rounding()
    path = os.path.join(FIX, "breadth_elementwise.json")
    mf.write_cases(path, "scripts/make_fixtures_elementwise.py", mf.CASES)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e3:.1f} kB, {len(mf.CASES)} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
