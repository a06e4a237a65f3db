#!/usr/bin/python3
"""Golden fixtures for the ops along one dim: scans (cumsum, cumprod, logcumsumexp, cummax,
cummin), prod, sort/argsort/topk, max/min with a dim (values and indices) and amax/amin,
computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_scansort.py

Writes test/fixtures/scansort.json in the case format of ops.json (see scripts/make_fixtures.py,
whose case builder this script reuses: float32-exact inputs, float64 references, random upstream
gradients, transposed/sliced/expanded layouts). Outputs that are indices (int64 in PyTorch) are
int32 here. Ties come from small integer-valued inputs, NaN from explicit data; every sort is
PyTorch's stable one. Deterministic (fixed seeds); commit the output.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, LOOSE, add_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
NAN = float("nan")
INF = float("inf")

ZEROS = [[1.5, 0.0, 2.0, -0.5, 3.0],      # one zero
         [0.0, 1.25, 0.0, 2.0, -1.5],     # zeros first and later
         [2.0, -1.0, 0.5, 1.5, 0.0],      # zero last
         [0.75, -2.0, 1.5, 0.5, 1.25]]    # none
TIES = [[1.0, 3.0, 3.0, -1.0, 3.0, 0.0],
        [2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
        [-1.0, 0.0, -1.0, 1.0, 0.0, 1.0]]
NANS = [[1.0, NAN, 3.0, 0.5, NAN, -2.0],
        [NAN, 2.0, -1.0, 2.0, 0.0, 4.0],
        [0.0, -0.0, 1.0, 0.0, 2.0, -0.0]]


def gen():
    fam = "scansort"

    # ---- scans
    def cumsum(x, dim):
        return torch.cumsum(x, dim)

    def cumprod(x, dim):
        return torch.cumprod(x, dim)

    def lcse(x, dim):
        return torch.logcumsumexp(x, dim)

    for name, fn, tol in [("cumsum", cumsum, None), ("cumprod", cumprod, None), ("logcumsumexp", lcse, LOOSE)]:
        add_case(fam, name, "[3,4],dim=1", [Inp("x", [3, 4])], fn, {"dim": 1}, tol=tol)
        add_case(fam, name, "[3,4],dim=-2", [Inp("x", [3, 4])], fn, {"dim": -2}, tol=tol)
        add_case(fam, name, "[2,3,4],dim=1,transposed", [Inp("x", [2, 3, 4], layout="transposed")], fn, {"dim": 1}, tol=tol)
        add_case(fam, name, "[3,5],dim=-1,sliced", [Inp("x", [3, 5], layout="sliced")], fn, {"dim": -1}, tol=tol)
        add_case(fam, name, "[3,4],dim=0,expanded", [Inp("x", [3, 4], layout="expanded", expand_dim=0)], fn, {"dim": 0}, tol=tol)
        add_case(fam, name, "0-d", [Inp("x", [])], fn, {"dim": 0}, tol=tol)
    add_case(fam, "cumsum", "int32", [Inp("x", data=[[1, -2, 3], [4, 5, -6]], dtype="int32")], cumsum, {"dim": 1})
    add_case(fam, "cumprod", "int32", [Inp("x", data=[[1, -2, 3], [4, 0, -6]], dtype="int32")], cumprod, {"dim": 1})
    add_case(fam, "cumprod", "zeros,dim=1", [Inp("x", data=ZEROS)], cumprod, {"dim": 1}, second=True)
    add_case(fam, "cumprod", "zeros,dim=0,transposed", [Inp("x", data=[list(r) for r in zip(*ZEROS)], layout="transposed")],
             cumprod, {"dim": 0}, second=True)
    add_case(fam, "logcumsumexp", "infinities", [Inp("x", data=[[-INF, -INF, 1.0, INF, 2.0], [3.0, -INF, 80.0, -80.0, 0.0]],
                                                      grad=False)], lcse, {"dim": 1}, tol=LOOSE)
    add_case(fam, "logcumsumexp", "big", [Inp("x", [3, 6], "big")], lcse, {"dim": 1}, tol=LOOSE)

    def cummax(x, dim):
        r = torch.cummax(x, dim)
        return [r.values, r.indices]

    def cummin(x, dim):
        r = torch.cummin(x, dim)
        return [r.values, r.indices]

    for name, fn in [("cummax", cummax), ("cummin", cummin)]:
        add_case(fam, name, "ties,dim=1", [Inp("x", data=TIES)], fn, {"dim": 1})
        add_case(fam, name, "ties,dim=0", [Inp("x", data=TIES)], fn, {"dim": 0})
        add_case(fam, name, "NaN,dim=-1", [Inp("x", data=NANS)], fn, {"dim": -1})
        add_case(fam, name, "[3,4],transposed,dim=0", [Inp("x", [3, 4], layout="transposed")], fn, {"dim": 0})
        add_case(fam, name, "int32", [Inp("x", data=[[1, -2, 3, 3], [4, 5, -6, 5]], dtype="int32")], fn, {"dim": 1})

    # ---- prod
    def prod(x, dim=None, keepdim=False):
        return torch.prod(x) if dim is None else torch.prod(x, dim, keepdim=keepdim)

    add_case(fam, "prod", "all", [Inp("x", [3, 4], "pos")], prod, {})
    add_case(fam, "prod", "dim=1", [Inp("x", [3, 4])], prod, {"dim": 1})
    add_case(fam, "prod", "dim=-2,keepdim", [Inp("x", [3, 4])], prod, {"dim": -2, "keepdim": True})
    add_case(fam, "prod", "zeros,dim=1", [Inp("x", data=ZEROS)], prod, {"dim": 1}, second=True)
    add_case(fam, "prod", "zeros,all", [Inp("x", data=[[1.5, 0.0, 2.0], [-0.5, 3.0, 1.25]])], prod, {}, second=True)
    add_case(fam, "prod", "two zeros,all", [Inp("x", data=[[1.5, 0.0, 2.0], [-0.5, 0.0, 1.25]])], prod, {})
    add_case(fam, "prod", "sliced,dim=-1", [Inp("x", [3, 5], layout="sliced")], prod, {"dim": -1})
    add_case(fam, "prod", "transposed,dim=0", [Inp("x", [3, 4], layout="transposed")], prod, {"dim": 0})
    add_case(fam, "prod", "int32", [Inp("x", data=[[1, -2, 3], [4, 5, -6]], dtype="int32")], prod, {"dim": 1})

    # ---- sorting
    def sort(x, dim=-1, descending=False):
        r = torch.sort(x, dim=dim, descending=descending, stable=True)
        return [r.values, r.indices]

    def argsort(x, dim=-1, descending=False):
        return torch.sort(x, dim=dim, descending=descending, stable=True).indices

    for desc in [False, True]:
        a = {"descending": desc}
        tag = "desc" if desc else "asc"
        add_case(fam, "sort", f"ties,{tag}", [Inp("x", data=TIES)], sort, a)
        add_case(fam, "sort", f"ties,dim=0,{tag}", [Inp("x", data=TIES)], sort, {"dim": 0, **a})
        add_case(fam, "sort", f"NaN,{tag}", [Inp("x", data=NANS)], sort, a)
        add_case(fam, "sort", f"[2,3,4],dim=1,transposed,{tag}", [Inp("x", [2, 3, 4], layout="transposed")], sort, {"dim": 1, **a})
        add_case(fam, "sort", f"sliced,{tag}", [Inp("x", [3, 5], layout="sliced")], sort, a)
        add_case(fam, "sort", f"int32,{tag}", [Inp("x", data=[[3, -2, 3, 0, -2], [1, 1, 0, 5, 1]], dtype="int32")], sort, a)
        add_case(fam, "argsort", f"ties,dim=-2,{tag}", [Inp("x", data=TIES, grad=False)], argsort, {"dim": -2, **a})
    add_case(fam, "sort", "long line", [Inp("x", [2, 70], "int")], sort, {})
    add_case(fam, "sort", "0-d", [Inp("x", [])], sort, {"dim": 0})
    add_case(fam, "argsort", "NaN", [Inp("x", data=NANS, grad=False)], argsort, {})

    def topk(x, k, dim=-1, largest=True):
        r = torch.topk(x, k, dim=dim, largest=largest, sorted=True)
        return [r.values, r.indices]

    add_case(fam, "topk", "k=2", [Inp("x", [3, 5])], topk, {"k": 2})
    add_case(fam, "topk", "k=3,smallest,dim=0", [Inp("x", [4, 3])], topk, {"k": 3, "dim": 0, "largest": False})
    add_case(fam, "topk", "k=5,transposed,dim=-2", [Inp("x", [6, 4], layout="transposed")], topk, {"k": 5, "dim": -2})
    add_case(fam, "topk", "k=0", [Inp("x", [2, 4])], topk, {"k": 0})
    add_case(fam, "topk", "NaN,k=2", [Inp("x", data=[[1.0, NAN, 3.0, 0.5], [-1.0, 2.0, 4.0, 0.0]])], topk, {"k": 2})

    # ---- max/min with a dim, amax/amin
    def mx(x, dim, keepdim=False):
        r = torch.max(x, dim, keepdim=keepdim)
        return [r.values, r.indices]

    def mn(x, dim, keepdim=False):
        r = torch.min(x, dim, keepdim=keepdim)
        return [r.values, r.indices]

    for name, fn in [("max", mx), ("min", mn)]:
        add_case(fam, name, "ties,dim=1", [Inp("x", data=TIES)], fn, {"dim": 1})
        add_case(fam, name, "ties,dim=-2,keepdim", [Inp("x", data=TIES)], fn, {"dim": -2, "keepdim": True})
        add_case(fam, name, "NaN,dim=1", [Inp("x", data=NANS)], fn, {"dim": 1})
        add_case(fam, name, "[2,3,4],dim=1,transposed", [Inp("x", [2, 3, 4], layout="transposed")], fn, {"dim": 1})
        add_case(fam, name, "expanded,dim=0", [Inp("x", [3, 4], layout="expanded", expand_dim=0)], fn, {"dim": 0})
        add_case(fam, name, "int32", [Inp("x", data=[[1, 5, 5], [-2, -2, 0]], dtype="int32")], fn, {"dim": 1})

    def amax(x, dim, keepdim=False):
        return torch.amax(x, dim, keepdim=keepdim)

    def amin(x, dim, keepdim=False):
        return torch.amin(x, dim, keepdim=keepdim)

    for name, fn in [("amax", amax), ("amin", amin)]:
        add_case(fam, name, "ties,dim=1", [Inp("x", data=TIES)], fn, {"dim": 1})
        add_case(fam, name, "ties,dims=[0,1],keepdim", [Inp("x", data=TIES)], fn, {"dim": [0, 1], "keepdim": True})
        add_case(fam, name, "[2,3,4],dims=[-1,0],transposed", [Inp("x", [2, 3, 4], "int", layout="transposed")], fn, {"dim": [-1, 0]})


def main():
    start = len(mf.CASES)
    gen()
    cases = mf.CASES[start:]
    path = os.path.join(FIX, "scansort.json")
    mf.write_cases(path, "scripts/make_fixtures_scansort.py", cases)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(cases)} cases, {os.path.getsize(path) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
