#!/usr/bin/python3
"""Golden fixtures for the tensor ops of src/tensor_ops.ts (reordering, norms and products, einsum,
the scatter family, maskedFill/where broadcasting), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_tensor_ops.py

Writes test/fixtures/tensor_ops.json in the case format of ops.json (scripts/make_fixtures.py's case
builder: float32-exact inputs, float64 references, random upstream gradients, transposed/sliced/
expanded layouts). The op names are dispatched by test/tensor_ops.test.ts. Deterministic; commit
the output.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, LOOSE, add_case, shp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
INF = math.inf


def idx(name, data):
    return Inp(name, data=data, dtype="int32")


def gen_reorder():
    fam = "reorder"
    for s, dims, layout in [([3, 4], [0], "contiguous"), ([3, 4], [-1, 0], "transposed"), ([2, 3, 4], [1], "sliced")]:
        add_case(fam, "flip", f"{shp(s)},{dims},{layout}", [Inp("x", s, layout=layout)], lambda x, dims=None: torch.flip(x, dims),
                 {"dims": dims})
    for s, shifts, dims, layout in [([3, 4], 1, 0, "contiguous"), ([3, 4], [1, -2], [0, -1], "sliced"), ([3, 4], 5, None, "transposed"),
                                    ([2, 3], [-7], [1], "expanded")]:
        add_case(fam, "roll", f"{shp(s)},{shifts},{dims},{layout}", [Inp("x", s, layout=layout)],
                 lambda x, shifts=None, dims=None: torch.roll(x, shifts, dims), {"shifts": shifts, "dims": dims})
    for s, sizes, layout in [([2, 3], [2, 1, 3], "contiguous"), ([2, 3], [1, 2], "transposed"), ([3], [2, 2], "contiguous")]:
        add_case(fam, "repeat", f"{shp(s)},{sizes},{layout}", [Inp("x", s, layout=layout)], lambda x, sizes=None: x.repeat(*sizes),
                 {"sizes": sizes})
    for s, reps in [([2, 3], [2]), ([2, 3], [2, 1, 2])]:
        add_case(fam, "tile", f"{shp(s)},{reps}", [Inp("x", s, layout="sliced")], lambda x, reps=None: torch.tile(x, reps), {"reps": reps})
    add_case(fam, "repeatInterleave", "int,dim=1", [Inp("x", [2, 3])], lambda x, repeats=None, dim=None: x.repeat_interleave(repeats, dim),
             {"repeats": 2, "dim": 1})
    add_case(fam, "repeatInterleave", "int,flattened,transposed", [Inp("x", [2, 3], layout="transposed")],
             lambda x, repeats=None: x.repeat_interleave(repeats), {"repeats": 3})
    add_case(fam, "repeatInterleave", "tensor,dim=-2", [Inp("x", [3, 2]), idx("repeats", [1, 0, 2])],
             lambda x, r, dim=None: x.repeat_interleave(r, dim), {"dim": -2})
    add_case(fam, "unbind", "dim=-1", [Inp("x", [3, 4], layout="transposed")], lambda x, dim=None: list(torch.unbind(x, dim)), {"dim": -1})
    add_case(fam, "unbind", "dim=0", [Inp("x", [2, 3])], lambda x, dim=None: list(torch.unbind(x, dim)), {"dim": 0})
    for s, dim, sizes in [([2, 6], 1, [2, 3]), ([2, 6], -1, [3, -1]), ([6, 2], 0, [1, 6])]:
        add_case(fam, "unflatten", f"{shp(s)},{dim},{sizes}", [Inp("x", s, layout="sliced")],
                 lambda x, dim=None, sizes=None: x.unflatten(dim, sizes), {"dim": dim, "sizes": sizes})


def gen_linalg():
    fam = "linalg"

    def nrm(x, p=None, dim=None, keepdim=False):
        return x.norm(p if p is not None else 2, dim, keepdim)

    for p in [2, 1, INF, -INF, 3, 0, 0.5, "fro"]:
        add_case(fam, "norm", f"p={p}", [Inp("x", [3, 4], "nonzero")], nrm, {"p": p})
        add_case(fam, "norm", f"p={p},dim=1,transposed", [Inp("x", [3, 4], "nonzero", layout="transposed")], nrm, {"p": p, "dim": 1})
    add_case(fam, "norm", "default", [Inp("x", [2, 3])], nrm)
    add_case(fam, "norm", "p=2,dim=[0,-1],keepdim,sliced", [Inp("x", [2, 3, 4], layout="sliced")], nrm,
             {"p": 2, "dim": [0, -1], "keepdim": True})
    add_case(fam, "norm", "fro,dim=[0,1]", [Inp("x", [2, 3, 2])], nrm, {"p": "fro", "dim": [0, 1]})
    zero_rows = [[0.0, 0.0, 0.0], [1.5, -2.0, 0.5], [0.0, 0.0, 0.0]]
    for p in [2, 1, 3, INF]:
        add_case(fam, "norm", f"p={p},zero rows (subgradient 0)", [Inp("x", data=zero_rows)], nrm, {"p": p, "dim": -1})
    add_case(fam, "norm", "p=inf,ties", [Inp("x", data=[[2.0, -2.0, 1.0], [0.5, 3.0, -3.0]])], nrm, {"p": INF, "dim": 1})

    def normalize(x, p=2.0, dim=1, eps=1e-12):
        return F.normalize(x, p, dim, eps)

    add_case(fam, "F.normalize", "default", [Inp("x", [3, 4])], normalize)
    add_case(fam, "F.normalize", "p=1,dim=-1,transposed", [Inp("x", [3, 4], layout="transposed")], normalize, {"p": 1.0, "dim": -1})
    add_case(fam, "F.normalize", "eps clamps", [Inp("x", data=[[1e-3, -2e-3], [3.0, 4.0]])], normalize, {"dim": 1, "eps": 0.01})
    add_case(fam, "outer", "[3]x[4]", [Inp("a", [3], layout="sliced"), Inp("b", [4])], torch.outer)
    add_case(fam, "bmm", "[2,3,4]x[2,4,5]", [Inp("a", [2, 3, 4], layout="transposed"), Inp("b", [2, 4, 5], layout="sliced")], torch.bmm)

    def addmm(i, a, b, beta=1.0, alpha=1.0):
        return torch.addmm(i, a, b, beta=beta, alpha=alpha)

    add_case(fam, "addmm", "default", [Inp("input", [3, 2]), Inp("a", [3, 4]), Inp("b", [4, 2])], addmm)
    add_case(fam, "addmm", "beta,alpha,broadcast", [Inp("input", [2]), Inp("a", [3, 4], layout="transposed"), Inp("b", [4, 2])], addmm,
             {"beta": 0.5, "alpha": -2.0})
    add_case(fam, "addmm", "beta=0 ignores NaN", [Inp("input", data=[[float("nan"), 1.0]], grad=False), Inp("a", [3, 4]),
                                                  Inp("b", [4, 2])], addmm, {"beta": 0.0})
    add_case(fam, "lerp", "scalar weight", [Inp("a", [3, 4]), Inp("b", [3, 4], layout="transposed")],
             lambda a, b, weight=None: torch.lerp(a, b, weight), {"weight": 0.3})
    add_case(fam, "lerp", "tensor weight,broadcast", [Inp("a", [3, 4]), Inp("b", [4]), Inp("w", [3, 1], "unit")], torch.lerp)
    add_case(fam, "addcmul", "value", [Inp("x", [3, 4]), Inp("a", [3, 4], layout="sliced"), Inp("b", [4])],
             lambda x, a, b, value=1.0: torch.addcmul(x, a, b, value=value), {"value": -0.5})
    add_case(fam, "addcmul", "default", [Inp("x", [4]), Inp("a", [3, 1]), Inp("b", [3, 4])], lambda x, a, b: torch.addcmul(x, a, b))
    for s, k, layout in [([3], 0, "contiguous"), ([3], 1, "sliced"), ([2], -2, "contiguous"), ([3, 4], 0, "transposed"),
                         ([3, 4], 1, "contiguous"), ([4, 3], -1, "sliced"), ([2, 3], 2, "contiguous")]:
        add_case(fam, "diag", f"{shp(s)},k={k},{layout}", [Inp("x", s, layout=layout)], lambda x, diagonal=0: torch.diag(x, diagonal),
                 {"diagonal": k})
    for s, off, d1, d2 in [([3, 4], 0, 0, 1), ([2, 3, 4], 1, -1, 0), ([2, 3, 4], -1, 1, 2)]:
        add_case(fam, "diagonal", f"{shp(s)},{off},{d1},{d2}", [Inp("x", s, layout="transposed")],
                 lambda x, offset=0, dim1=0, dim2=1: torch.diagonal(x, offset, dim1, dim2), {"offset": off, "dim1": d1, "dim2": d2})
    add_case(fam, "trace", "[3,4]", [Inp("x", [3, 4], layout="sliced")], torch.trace)
    add_case(fam, "trace", "[3,3] transposed", [Inp("x", [3, 3], layout="transposed")], torch.trace)

    def cdist(a, b, p=2.0):
        return torch.cdist(a, b, p)

    for p in [2.0, 1.0, INF, 3.0]:
        add_case(fam, "cdist", f"p={p}", [Inp("x1", [4, 3]), Inp("x2", [5, 3], layout="transposed")], cdist, {"p": p}, tol=LOOSE)
    add_case(fam, "cdist", "batch broadcast", [Inp("x1", [2, 3, 2]), Inp("x2", [1, 4, 2])], cdist, tol=LOOSE)
    add_case(fam, "cdist", "zero distance", [Inp("x1", data=[[1.0, 2.0], [0.5, -1.0]]), Inp("x2", data=[[1.0, 2.0], [3.0, 0.0], [0.5, -1.0]])],
             cdist, tol=LOOSE)


def gen_einsum():
    fam = "einsum"
    for eq, shapes, layouts in [
        ("ij,jk->ik", [[3, 4], [4, 2]], ["transposed", "contiguous"]),
        ("bhqd,bhkd->bhqk", [[2, 2, 3, 4], [2, 2, 5, 4]], ["contiguous", "sliced"]),
        ("bhqk,bhkd->bqhd", [[2, 2, 3, 5], [2, 2, 5, 4]], ["contiguous", "contiguous"]),
        ("ij->ji", [[3, 4]], ["sliced"]),
        ("ii->i", [[3, 3]], ["transposed"]),
        ("ii", [[3, 3]], ["contiguous"]),
        ("bii->b", [[2, 3, 3]], ["contiguous"]),
        ("i,i->", [[4], [4]], ["contiguous", "sliced"]),
        ("i,j->ij", [[3], [4]], ["contiguous", "contiguous"]),
        ("bn,anm,bm->ba", [[2, 3], [4, 3, 5], [2, 5]], ["contiguous", "contiguous", "transposed"]),
        ("...ij,...jk", [[2, 3, 4], [4, 5]], ["contiguous", "contiguous"]),
        ("b...d,d->b...", [[2, 3, 2, 4], [4]], ["sliced", "contiguous"]),
        ("ij,j->i", [[3, 1], [4]], ["contiguous", "contiguous"]),
        ("ijk->kj", [[2, 3, 4]], ["contiguous"]),
        ("Ba,aB", [[2, 3], [3, 2]], ["contiguous", "contiguous"]),
        ("...i->i", [[2, 3, 4]], ["contiguous"]),
        ("iij,jk->ik", [[3, 3, 2], [2, 4]], ["contiguous", "contiguous"]),
    ]:
        inputs = [Inp(f"x{i}", s, layout=l) for i, (s, l) in enumerate(zip(shapes, layouts))]
        add_case(fam, "einsum", eq, inputs, lambda *xs, equation=None: torch.einsum(equation, *xs), {"equation": eq})


def gen_scatter():
    fam = "scatter"

    def sc(x, i, s=None, dim=None, value=None):
        return x.scatter(dim, i, s if value is None else value)

    add_case(fam, "scatter", "src,dim=1", [Inp("x", [3, 5]), idx("index", [[0, 4], [2, 1], [3, 0]]), Inp("src", [3, 2])], sc, {"dim": 1})
    add_case(fam, "scatter", "src,dim=-2,transposed", [Inp("x", [4, 3], layout="transposed"), idx("index", [[3, 0, 1], [1, 2, 0]]),
                                                        Inp("src", [2, 3], layout="sliced")], sc, {"dim": -2})
    add_case(fam, "scatter", "value", [Inp("x", [3, 4]), idx("index", [[1], [3], [0]])], sc, {"dim": 1, "value": -2.5})
    add_case(fam, "scatter", "int32 value", [Inp("x", data=[[1, 2, 3], [4, 5, 6]], dtype="int32"), idx("index", [[2, 0], [1, 1]])], sc,
             {"dim": 1, "value": 9})
    add_case(fam, "scatterAdd", "duplicates,dim=0", [Inp("x", [3, 4]), idx("index", [[0, 2, 2, 1], [0, 0, 2, 1], [2, 2, 2, 2]]),
                                                     Inp("src", [3, 4], layout="transposed")],
             lambda x, i, s, dim=None: x.scatter_add(dim, i, s), {"dim": 0})
    # PyTorch 1.13's backward fails for a src larger than the index (ScatterAddBackward0 returns the
    # index's shape): the fixture slices src first, which is what the op reads
    add_case(fam, "scatterAdd", "src larger,dim=-1", [Inp("x", [2, 4]), idx("index", [[3, 3], [0, 1]]), Inp("src", [3, 3])],
             lambda x, i, s, dim=None: x.scatter_add(dim, i, s[:2, :2]), {"dim": -1})
    add_case(fam, "indexAdd", "alpha,dim=1", [Inp("x", [3, 4], layout="sliced"), idx("index", [3, 0, 3]), Inp("src", [3, 3])],
             lambda x, i, s, dim=None, alpha=1.0: x.index_add(dim, i, s, alpha=alpha), {"dim": 1, "alpha": 0.5})
    add_case(fam, "indexAdd", "dim=-2", [Inp("x", [4, 2]), idx("index", [1, 2]), Inp("src", [2, 2], layout="transposed")],
             lambda x, i, s, dim=None: x.index_add(dim, i, s), {"dim": -2})
    add_case(fam, "indexFill", "negative index", [Inp("x", [3, 4], layout="transposed"), idx("index", [0, -1])],
             lambda x, i, dim=None, value=None: x.index_fill(dim, i, value), {"dim": 1, "value": 1.5})
    add_case(fam, "indexFill", "dim=0,repeated", [Inp("x", [3, 2]), idx("index", [2, 2])],
             lambda x, i, dim=None, value=None: x.index_fill(dim, i, value), {"dim": 0, "value": -1.0})

    def ip(x, *rest, accumulate=False):
        *ix, v = rest
        return torch.index_put(x, tuple(ix), v, accumulate)

    add_case(fam, "indexPut", "one index,rows", [Inp("x", [4, 3]), idx("i0", [3, -4]), Inp("v", [2, 3])], ip)
    add_case(fam, "indexPut", "two indices broadcast", [Inp("x", [3, 4], layout="sliced"), idx("i0", [[0], [2]]), idx("i1", [1, -1, 2]),
                                                        Inp("v", [3])], ip)
    add_case(fam, "indexPut", "accumulate,duplicates", [Inp("x", [3, 4]), idx("i0", [0, 2, 0, 0]), idx("i1", [1, 1, 1, 3]),
                                                        Inp("v", [4])], ip, {"accumulate": True})
    add_case(fam, "indexPut", "accumulate,rows,expanded", [Inp("x", [3, 2, 2], layout="expanded"), idx("i0", [1, 1]),
                                                           Inp("v", [2, 2], layout="transposed")], ip, {"accumulate": True})
    add_case(fam, "maskedSelect", "broadcast both ways", [Inp("x", [3, 1], layout="expanded", expand_dim=None),
                                                          Inp("mask", [4], "mask", grad=False)],
             lambda x, m: torch.masked_select(x, m != 0))
    add_case(fam, "maskedSelect", "transposed", [Inp("x", [3, 4], layout="transposed"), Inp("mask", [3, 4], "mask", grad=False)],
             lambda x, m: torch.masked_select(x, m != 0))
    add_case(fam, "nonzero", "2-D", [Inp("x", data=[[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], grad=False)], lambda x: torch.nonzero(x),
             grads=False)
    add_case(fam, "nonzero", "asTuple,3-D int32", [Inp("x", data=[[[0, 3], [1, 0]], [[0, 0], [7, 7]]], dtype="int32")],
             lambda x, asTuple=None: list(torch.nonzero(x, as_tuple=asTuple)), {"asTuple": True}, grads=False)
    add_case(fam, "maskedFill", "broadcast both ways", [Inp("x", [3]), Inp("mask", [2, 3], "mask", grad=False)],
             lambda x, m, value=None: torch.masked_fill(x, m != 0, value), {"value": 0.25})
    add_case(fam, "maskedFill", "tensor value", [Inp("x", [2, 1, 3]), Inp("mask", [4, 1], "mask", grad=False), Inp("v", data=1.5, shape=[])],
             lambda x, m, v: torch.masked_fill(x, m != 0, v))
    add_case(fam, "Tensor.where", "broadcast", [Inp("x", [3, 1]), Inp("cond", [4], "mask", grad=False), Inp("other", [3, 4], layout="sliced")],
             lambda x, c, o: x.where(c != 0, o))


def gen_statistics():
    """Order statistics, NaN-ignoring reductions (src/statistics.ts) and the products, differences,
    rotations and elementwise composites added with them (src/tensor_ops.ts). Last, so that the
    random inputs of the cases above stay as they were."""
    fam = "statistics"
    NAN = float("nan")
    nanrows = [[1.5, NAN, -0.5, 2.0, 0.25], [NAN, NAN, NAN, NAN, NAN], [3.0, 1.0, NAN, -2.0, 0.5]]

    def med(x, dim=None, keepdim=False):
        return torch.median(x) if dim is None else tuple(torch.median(x, dim, keepdim))

    def nanmed(x, dim=None, keepdim=False):
        return torch.nanmedian(x) if dim is None else tuple(torch.nanmedian(x, dim, keepdim))

    add_case(fam, "median", "all", [Inp("x", [3, 5])], med)
    add_case(fam, "median", "dim=1 odd", [Inp("x", [3, 5])], med, {"dim": 1})
    add_case(fam, "median", "dim=0 even,keepdim,transposed", [Inp("x", [4, 3], layout="transposed")], med, {"dim": 0, "keepdim": True})
    add_case(fam, "median", "NaN rows", [Inp("x", data=[[1.5, NAN, -0.5, 2.0, NAN], [3.0, 1.0, 0.0, -2.0, 0.5]])], med, {"dim": 1})
    # (not a line of NaN here: PyTorch's index for it is wherever its partial sort leaves one)
    add_case(fam, "nanmedian", "NaN rows", [Inp("x", data=[nanrows[0], nanrows[2]])], nanmed, {"dim": -1})
    add_case(fam, "nanmedian", "all", [Inp("x", data=nanrows)], nanmed)
    add_case(fam, "kthvalue", "k=2,dim=1", [Inp("x", [3, 5], layout="sliced")], lambda x, k=1, dim=-1, keepdim=False: tuple(torch.kthvalue(x, k, dim, keepdim)),
             {"k": 2, "dim": 1})
    add_case(fam, "kthvalue", "k=4,dim=0,keepdim", [Inp("x", [4, 3])], lambda x, k=1, dim=-1, keepdim=False: tuple(torch.kthvalue(x, k, dim, keepdim)),
             {"k": 4, "dim": 0, "keepdim": True})

    def quant(x, q=0.5, dim=None, keepdim=False, interpolation="linear", nan=False):
        qt = torch.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
        return (torch.nanquantile if nan else torch.quantile)(x, qt, dim, keepdim, interpolation=interpolation)

    add_case(fam, "quantile", "q=0.3,dim=1", [Inp("x", [3, 6])], quant, {"q": 0.3, "dim": 1})
    add_case(fam, "quantile", "q list,all", [Inp("x", [3, 4], layout="transposed")], quant, {"q": [0.0, 0.25, 0.5, 0.9, 1.0]})
    for how in ["lower", "higher", "midpoint", "nearest"]:
        add_case(fam, "quantile", f"{how},q list,dim=0,keepdim", [Inp("x", [5, 3])], quant,
                 {"q": [0.1, 0.375, 0.5, 0.625], "dim": 0, "keepdim": True, "interpolation": how})
    add_case(fam, "quantile", "NaN rows", [Inp("x", data=nanrows)], quant, {"q": 0.4, "dim": 1})
    add_case(fam, "nanquantile", "NaN rows", [Inp("x", data=nanrows)], quant, {"q": [0.25, 0.8], "dim": 1, "nan": True})
    add_case(fam, "nansum", "dim=1", [Inp("x", data=nanrows)], lambda x, dim=None: torch.nansum(x, dim), {"dim": 1})
    add_case(fam, "nansum", "all", [Inp("x", data=nanrows)], lambda x, dim=None: torch.nansum(x))
    # a line of NaN: its mean is NaN, and PyTorch's gradient NaN (upstream/0 times 0) where dlgrad's is 0
    add_case(fam, "nanmean", "dim=1", [Inp("x", data=[nanrows[0], nanrows[2]])], lambda x, dim=None: torch.nanmean(x, dim), {"dim": 1})
    add_case(fam, "nanmean", "a line of NaN", [Inp("x", data=nanrows, grad=False)], lambda x, dim=None: torch.nanmean(x, dim), {"dim": 1})
    add_case(fam, "countNonzero", "dim=0", [Inp("x", data=[[0.0, 1.0, NAN], [2.0, 0.0, 0.0]], grad=False)],
             lambda x, dim=None: torch.count_nonzero(x, dim).to(torch.int32), {"dim": 0})
    add_case(fam, "dot", "[5]", [Inp("a", [5], layout="sliced"), Inp("b", [5])], torch.dot)
    add_case(fam, "mv", "[3,4]x[4]", [Inp("a", [3, 4], layout="transposed"), Inp("b", [4])], torch.mv)
    add_case(fam, "cross", "dim=-1", [Inp("a", [4, 3]), Inp("b", [4, 3], layout="sliced")], lambda a, b, dim=-1: torch.linalg.cross(a, b, dim=dim))
    add_case(fam, "cross", "dim=0,broadcast", [Inp("a", [3, 2]), Inp("b", [3, 1])], lambda a, b, dim=-1: torch.linalg.cross(a, b, dim=dim), {"dim": 0})

    def dif(x, pre=None, app=None, n=1, dim=-1):
        return torch.diff(x, n, dim, pre, app)

    add_case(fam, "diff", "default", [Inp("x", [3, 5])], dif)
    add_case(fam, "diff", "n=2,dim=0,transposed", [Inp("x", [5, 3], layout="transposed")], dif, {"n": 2, "dim": 0})
    add_case(fam, "diff", "prepend,append", [Inp("x", [2, 4]), Inp("pre", [2, 1]), Inp("app", [2, 2])], dif, {"n": 3})
    for k in [1, 2, 3, -1]:
        add_case(fam, "rot90", f"k={k}", [Inp("x", [3, 4])], lambda x, k=1, dims=(0, 1): torch.rot90(x, k, dims), {"k": k})
    add_case(fam, "rot90", "k=1,dims=[2,1]", [Inp("x", [2, 3, 4], layout="sliced")], lambda x, k=1, dims=(0, 1): torch.rot90(x, k, dims),
             {"k": 1, "dims": [2, 1]})
    # (not the same infinity in both: dlgrad splits the gradient there, PyTorch's is NaN)
    ex = [[0.0, -INF, INF, 3.0, -1000.0, 5.0], [0.0, 2.0, -1.0, 3.0, 1000.0, -INF]]
    add_case(fam, "logaddexp", "broadcast", [Inp("a", [3, 4]), Inp("b", [4])], torch.logaddexp)
    add_case(fam, "logaddexp", "infinities and ties", [Inp("a", data=ex[0]), Inp("b", data=ex[1])], torch.logaddexp)
    add_case(fam, "xlogy", "zeros", [Inp("a", data=[0.0, 0.0, 2.0, 1.5, 0.0]), Inp("b", data=[0.5, 3.0, 3.0, 0.5, 2.0])], torch.xlogy)
    # x = 0 with y = 0 or inf: the value 0 (dlgrad's gradient for x is 0 there, PyTorch's ±inf)
    add_case(fam, "xlogy", "0 log 0", [Inp("a", data=[0.0, 0.0, 1.0], grad=False), Inp("b", data=[0.0, INF, 0.0], grad=False)], torch.xlogy)
    add_case(fam, "frac", "mixed", [Inp("x", [3, 4], "big")], torch.frac)
    add_case(fam, "logit", "plain", [Inp("x", [3, 4], "unit")], torch.logit)
    add_case(fam, "logit", "eps=0.1", [Inp("x", data=[0.05, 0.5, 0.95, 0.2])], lambda x, eps=None: torch.logit(x, eps), {"eps": 0.1})
    add_case(fam, "isclose", "tolerances", [Inp("a", data=[1.0, 1.001, NAN, INF, 0.0], grad=False), Inp("b", data=[1.0, 1.0, NAN, INF, 1e-9], grad=False)],
             lambda a, b, rtol=1e-5, atol=1e-8, equalNan=False: torch.isclose(a, b, rtol, atol, equalNan).to(torch.float64),
             {"rtol": 1e-3, "atol": 1e-8, "equalNan": True}, grads=False)
    add_case(fam, "meshgrid", "ij", [Inp("a", [2]), Inp("b", [3])], lambda a, b, indexing="ij": tuple(torch.meshgrid(a, b, indexing=indexing)))
    add_case(fam, "meshgrid", "xy,three", [Inp("a", [2]), Inp("b", [3]), Inp("c", [4])],
             lambda a, b, c, indexing="ij": tuple(torch.meshgrid(a, b, c, indexing=indexing)), {"indexing": "xy"})


def gen_statistics2():
    """Searching and counting (src/statistics.ts), joining, splitting and picking (src/tensor_ops.ts).
    Last, so that the random inputs of the cases above stay as they were."""
    fam = "statistics2"
    NAN = float("nan")
    seq = [-1.0, 0.5, 0.5, 2.0, 3.25]
    add_case(fam, "searchsorted", "1-D", [Inp("s", data=seq, grad=False), Inp("v", data=[[-2.0, 0.5, 1.0], [3.25, 9.0, NAN]], grad=False)],
             lambda s, v, right=False: torch.searchsorted(s, v, right=right).to(torch.int32))
    add_case(fam, "searchsorted", "right", [Inp("s", data=seq, grad=False), Inp("v", data=[-2.0, 0.5, 1.0, 3.25, 9.0], grad=False)],
             lambda s, v, right=False: torch.searchsorted(s, v, right=right).to(torch.int32), {"right": True})
    add_case(fam, "searchsorted", "N-D", [Inp("s", data=[[0.0, 1.0, 2.0], [-5.0, 5.0, 6.0]], grad=False), Inp("v", data=[[1.5, -1.0], [5.0, 7.0]], grad=False)],
             lambda s, v, right=False: torch.searchsorted(s, v, right=right).to(torch.int32))
    add_case(fam, "bucketize", "right", [Inp("x", data=[[0.0, 0.5], [2.5, 4.0]], grad=False), Inp("b", data=[0.0, 0.5, 2.0], grad=False)],
             lambda x, b, right=False: torch.bucketize(x, b, right=right).to(torch.int32), {"right": True})
    add_case(fam, "histc", "given range", [Inp("x", data=[1.0, 2.0, 1.0, -1.0, 3.0, 3.5, 0.0, 2.999], grad=False)],
             lambda x, bins=100, min=0.0, max=0.0: torch.histc(x, bins, min, max), {"bins": 4, "min": 0.0, "max": 3.0}, grads=False)
    add_case(fam, "histc", "data range", [Inp("x", [40], grad=False)], lambda x, bins=100, min=0.0, max=0.0: torch.histc(x, bins, min, max),
             {"bins": 7}, grads=False)
    add_case(fam, "histc", "one value", [Inp("x", data=[2.0, 2.0], grad=False)], lambda x, bins=100, min=0.0, max=0.0: torch.histc(x, bins, min, max),
             {"bins": 3}, grads=False)

    def uniq(x):
        v, inv, c = torch.unique(x, sorted=True, return_inverse=True, return_counts=True)
        return v, inv.to(torch.int32), c.to(torch.int32)

    add_case(fam, "unique", "floats", [Inp("x", data=[[3.0, 1.0, 3.0], [2.0, -0.5, 1.0]], grad=False)], uniq, grads=False)
    add_case(fam, "unique", "ints", [idx("x", [5, 1, 5, 5, 0, 1])], uniq, grads=False)
    add_case(fam, "bincount", "counts", [idx("x", [1, 1, 3, 0, 3, 3])], lambda x, minlength=0: torch.bincount(x, minlength=minlength).to(torch.int32),
             {"minlength": 6})
    add_case(fam, "bincount", "weights", [idx("x", [1, 1, 3]), Inp("w", data=[0.5, 1.0, 2.0], grad=False)],
             lambda x, w: torch.bincount(x, weights=w), grads=False)
    add_case(fam, "tensorSplit", "sections", [Inp("x", [7, 2])], lambda x, s=1, dim=0: torch.tensor_split(x, s, dim), {"s": 3})
    add_case(fam, "tensorSplit", "indices,dim=1", [Inp("x", [2, 7], layout="transposed")], lambda x, s=1, dim=0: torch.tensor_split(x, s, dim),
             {"s": [1, 5, 9], "dim": 1})
    add_case(fam, "hstack", "1-D and 2-D", [Inp("a", [3]), Inp("b", [2])], lambda a, b: torch.hstack([a, b]))
    add_case(fam, "hstack", "2-D", [Inp("a", [2, 3]), Inp("b", [2, 1])], lambda a, b: torch.hstack([a, b]))
    add_case(fam, "vstack", "1-D", [Inp("a", [3]), Inp("b", [2, 3])], lambda a, b: torch.vstack([a, b]))
    add_case(fam, "dstack", "mixed", [Inp("a", [2, 3]), Inp("b", [2, 3, 2])], lambda a, b: torch.dstack([a, b]))
    add_case(fam, "columnStack", "mixed", [Inp("a", [3]), Inp("b", [3, 2])], lambda a, b: torch.column_stack([a, b]))
    add_case(fam, "takeAlongDim", "dim=1,broadcast", [Inp("x", [3, 4]), idx("i", [[0, 3], [2, 2], [1, 0]])],
             lambda x, i, dim=None: torch.take_along_dim(x, i, dim), {"dim": 1})
    add_case(fam, "takeAlongDim", "flat", [Inp("x", [3, 4]), idx("i", [11, 0, 5])], lambda x, i, dim=None: torch.take_along_dim(x, i, dim))
    add_case(fam, "cartesianProd", "three", [Inp("a", [2]), Inp("b", [3]), Inp("c", [2])], lambda a, b, c: torch.cartesian_prod(a, b, c))
    # (PyTorch 1.13 has no derivative for aminmax; dlgrad's is amin's and amax's, checked by gradcheck)
    add_case(fam, "aminmax", "dim=1", [Inp("x", [3, 4])], lambda x, dim=None, keepdim=False: tuple(torch.aminmax(x, dim=dim, keepdim=keepdim)),
             {"dim": 1, "keepdim": True}, grads=False)
    add_case(fam, "varMean", "dim=0", [Inp("x", [4, 3])], lambda x, dim=None, correction=1: torch.var_mean(x, dim, unbiased=correction == 1), {"dim": 0})
    add_case(fam, "stdMean", "all,biased", [Inp("x", [3, 4])], lambda x, dim=None, correction=1: torch.std_mean(x, unbiased=correction == 1),
             {"correction": 0})


def main():
    for gen in [gen_reorder, gen_linalg, gen_einsum, gen_scatter, gen_statistics, gen_statistics2]:
        gen()
    out = os.path.join(ROOT, "test", "fixtures", "tensor_ops.json")
    mf.write_cases(out, "scripts/make_fixtures_tensor_ops.py", mf.CASES)
    print(f"wrote {len(mf.CASES)} cases to {os.path.relpath(out, ROOT)} ({os.path.getsize(out) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
