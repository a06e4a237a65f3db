#!/usr/bin/python3
"""Golden fixtures for src/linalg.ts (linalg.det, slogdet, inv, solve), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_linalg.py

Writes test/fixtures/linalg.json in the case format of ops.json (scripts/make_fixtures.py's case
builder: float32-exact inputs, float64 references, random upstream gradients, transposed/sliced/
expanded layouts). Matrices are kept well conditioned (a diagonal shift) where gradients are
checked. The op names are dispatched by test/linalg.test.ts. Deterministic; commit the output.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, LOOSE, add_case, shp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def wc(shape, seed):
    """A well-conditioned float32-exact matrix batch: random entries plus 3·I (rounded to 1/64)."""
    g = torch.Generator().manual_seed(seed)
    n = shape[-1]
    x = torch.randn(shape, generator=g, dtype=torch.float64) + 3 * torch.eye(n, dtype=torch.float64)
    return (torch.round(x * 64) / 64).tolist()


PERM = [[0.0, 2.0, 1.0], [1.0, 0.5, -1.0], [3.0, -1.0, 2.0]]  # pivoting needed at every step
SINGULAR = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]
ZERO_COL = [[0.0, 1.0], [0.0, 2.0]]


def gen():
    fam = "linalg"
    for op, fn in [("det", torch.linalg.det), ("slogdet", lambda a: tuple(torch.linalg.slogdet(a)))]:
        for s, layout, seed in [([1, 1], "contiguous", 1), ([3, 3], "contiguous", 2), ([4, 4], "transposed", 3), ([2, 3, 3], "sliced", 4),
                                ([2, 2, 5, 5], "contiguous", 5), ([6, 6], "contiguous", 6)]:
            add_case(fam, op, f"{shp(s)},{layout}", [Inp("A", data=wc(s, seed), layout=layout)], fn, tol=LOOSE)
        add_case(fam, op, "pivoting", [Inp("A", data=PERM)], fn, tol=LOOSE)
        add_case(fam, op, "expanded batch", [Inp("A", [2, 3, 3], data=wc([1, 3, 3], 7), layout="expanded", expand_dim=0)], fn, tol=LOOSE)
        add_case(fam, op, "singular", [Inp("A", data=SINGULAR, grad=False)], fn, grads=False, tol=LOOSE)
        add_case(fam, op, "zero column", [Inp("A", data=ZERO_COL, grad=False)], fn, grads=False, tol=LOOSE)
    for s, layout, seed in [([1, 1], "contiguous", 11), ([3, 3], "transposed", 12), ([2, 4, 4], "sliced", 13), ([6, 6], "contiguous", 14)]:
        add_case(fam, "inv", f"{shp(s)},{layout}", [Inp("A", data=wc(s, seed), layout=layout)], torch.linalg.inv, tol=LOOSE)
    add_case(fam, "inv", "pivoting", [Inp("A", data=PERM)], torch.linalg.inv, tol=LOOSE)
    for sa, sb, name, seed in [([3, 3], [3], "vector", 21), ([3, 3], [3, 2], "matrix", 22), ([2, 3, 3], [2, 3], "batched vector", 23),
                               ([2, 3, 3], [3, 4], "broadcast B", 24), ([4, 4], [2, 4, 1], "broadcast A", 25),
                               ([2, 3, 3], [3], "1-D B", 26), ([5, 5], [5, 3], "5x5", 27)]:
        g = torch.Generator().manual_seed(seed + 100)
        bdata = (torch.round(torch.randn(sb, generator=g, dtype=torch.float64) * 64) / 64).tolist()
        add_case(fam, "solve", f"{shp(sa)},{shp(sb)},{name}", [Inp("A", data=wc(sa, seed)), Inp("B", data=bdata)], torch.linalg.solve, tol=LOOSE)
    add_case(fam, "solve", "pivoting,transposed", [Inp("A", data=PERM, layout="transposed"), Inp("B", data=[[1.0, 0.5], [-2.0, 0.25], [0.75, 3.0]])],
             torch.linalg.solve, tol=LOOSE)

    def spd(shape, seed):
        g = torch.Generator().manual_seed(seed)
        n = shape[-1]
        x = torch.randn(shape, generator=g, dtype=torch.float64)
        a = x @ x.transpose(-1, -2) + n * torch.eye(n, dtype=torch.float64)
        return (torch.round(a * 64) / 64).tolist()

    chol = lambda a, upper=False: torch.linalg.cholesky(a, upper=upper)  # noqa: E731
    for s, layout, upper, seed in [([1, 1], "contiguous", False, 31), ([3, 3], "contiguous", False, 32), ([2, 4, 4], "transposed", True, 33),
                                   ([6, 6], "contiguous", False, 34)]:
        add_case(fam, "cholesky", f"{shp(s)},{layout},upper={upper}", [Inp("A", data=spd(s, seed), layout=layout)], chol, {"upper": upper}, tol=LOOSE)
    a = torch.tensor(spd([3, 3], 35))
    a[0, 2] = 7.0  # the upper triangle is not read
    add_case(fam, "cholesky", "reads the lower triangle", [Inp("A", data=a.tolist())], chol, tol=LOOSE)
    add_case(fam, "kron", "2-D", [Inp("a", [2, 3]), Inp("b", [3, 2], layout="transposed")], lambda a, b: torch.kron(a.contiguous(), b.contiguous()))
    add_case(fam, "kron", "ranks differ", [Inp("a", [3]), Inp("b", [2, 2, 2], layout="sliced")], lambda a, b: torch.kron(a.contiguous(), b.contiguous()))
    td = lambda a, b, dims=2: torch.tensordot(a, b, dims)  # noqa: E731
    add_case(fam, "tensordot", "int dims", [Inp("a", [2, 3, 4]), Inp("b", [3, 4, 5])], td, {"dims": 2})
    add_case(fam, "tensordot", "dims=0", [Inp("a", [2, 3]), Inp("b", [2])], td, {"dims": 0})
    add_case(fam, "tensordot", "lists", [Inp("a", [3, 4, 5], layout="transposed"), Inp("b", [5, 2, 3])], td, {"dims": [[2, -3], [0, 2]]})


def main():
    gen()
    out = os.path.join(ROOT, "test", "fixtures", "linalg.json")
    mf.write_cases(out, "scripts/make_fixtures_linalg.py", mf.CASES)
    print(f"wrote {len(mf.CASES)} cases to {os.path.relpath(out, ROOT)} ({os.path.getsize(out) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
