#!/usr/bin/python3
"""Golden fixtures for dlgrad's op tests, computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures.py

Writes test/fixtures/ops.json. The output is deterministic (fixed seeds); commit it.

Format (all numbers in `data` arrays are flat, row-major; NaN/Infinity are written as the
strings "NaN", "Infinity", "-Infinity" because JSON has no literal for them):

    { "version": 1, "torch": "...", "cases": [ case, ... ] }

    case = {
      "name":   unique, readable ("add/[2,1,4]&[3,1]"),
      "family": the test group ("binary", "reduce", ...),
      "op":     the key the TypeScript test dispatches on ("add", "sum", "F.linear", ...),
      "args":   extra arguments (dims, options, ...), op specific,
      "inputs": [ input, ... ]   in call order,
      "outs":   [ {data, shape, dtype}, ... ]   one per output (split/chunk give several),
      "gs":     [ {data, shape} | null, ... ]   upstream gradient per output (null: not float),
      "grads":  [ {data, shape} | null, ... ]   d/d(leaf) of  sum_i (outs[i] * gs[i]).sum(),
                                                 one per input (null: no gradient asked),
      "tol":    [atol, rtol]   comparison |a-b| <= atol + rtol*|b|,
      "second": optional second-order check: {"hs": [...per input...], "grads2": [...]} where
                grads2 = d/d(leaf) of sum_j (grads[j] * hs[j]).sum() (first grads built with
                create_graph=True).
    }

    input = {
      "name":   role ("x", "w", "target", "t0", ...),
      "dtype":  "float32" | "int32",
      "data", "shape":  of the LEAF tensor the test builds,
      "grad":   whether the leaf requires grad,
      "layout": how to get from the leaf to the tensor that is passed to the op:
                "contiguous": the leaf itself;
                "transposed": leaf.transpose(-1, -2) (the leaf holds the transposed-back data);
                "sliced":     leaf.slice(...input.slice) (a bigger leaf, stepped slice);
                "expanded":   leaf.expand(input.expand) (the leaf has a size-1 dim).
    }

Gradients are of the leaf, so for "sliced" they hold zeros at the skipped positions and for
"expanded" they are summed over the expanded dim. All references are computed in float64 from
inputs that are exactly representable in float32 (inputs have at most 4 decimals and go
through float32 first); outputs are rounded to 7 significant digits.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(0)
GEN = torch.Generator().manual_seed(20240601)
DT = torch.float64

TIGHT = [1e-5, 1e-4]
LOOSE = [1e-4, 1e-3]

CASES = []
NAMES = set()


# ---------------------------------------------------------------- values


def f32(t):
    """Round to what float32 can hold, keep computing in float64."""
    return t.to(torch.float32).to(DT)


def values(shape, kind="normal"):
    shape = list(shape)
    if kind == "normal":
        v = torch.randn(shape, generator=GEN, dtype=DT)
        v = torch.round(v * 10000) / 10000
        v = torch.where(v == 0, torch.full_like(v, 0.0123), v)
    elif kind == "pos":  # strictly positive, away from 0
        v = torch.rand(shape, generator=GEN, dtype=DT) * 1.8 + 0.2
        v = torch.round(v * 10000) / 10000
    elif kind == "nonzero":  # |v| >= 0.3, random sign
        m = torch.rand(shape, generator=GEN, dtype=DT) * 1.7 + 0.3
        s = torch.where(torch.rand(shape, generator=GEN) < 0.5, -1.0, 1.0).to(DT)
        v = torch.round(m * s * 10000) / 10000
    elif kind == "unit":  # in (0.05, 0.95)
        v = torch.rand(shape, generator=GEN, dtype=DT) * 0.9 + 0.05
        v = torch.round(v * 10000) / 10000
    elif kind == "int":  # small integer-valued floats: ties for comparisons
        v = torch.randint(-2, 3, shape, generator=GEN).to(DT)
    elif kind == "mask":  # 0/1
        v = (torch.rand(shape, generator=GEN) < 0.5).to(DT)
    elif kind == "big":  # large magnitudes: tests numerical stability
        v = torch.randn(shape, generator=GEN, dtype=DT) * 50 + 100
        v = torch.round(v * 100) / 100
    else:
        raise ValueError(kind)
    return f32(v)


class Inp:
    def __init__(self, name, shape=None, kind="normal", layout="contiguous", grad=True,
                 data=None, dtype="float32", expand_dim=None):
        self.name = name
        self.kind = kind
        self.layout = layout
        self.dtype = dtype
        self.grad = grad and dtype == "float32"
        self.data = data
        if data is not None and shape is None:
            shape = list(torch.tensor(data).shape)
        self.shape = list(shape)
        self.expand_dim = expand_dim


def build(inp):
    """Returns (leaf, view, json-description)."""
    shape = inp.shape
    desc = {"name": inp.name, "dtype": inp.dtype, "layout": inp.layout, "grad": inp.grad}
    if inp.dtype == "int32":
        assert inp.layout == "contiguous"
        leaf = torch.tensor(inp.data, dtype=torch.long).reshape(shape)
        desc.update(shape=list(leaf.shape), data=enc_list(leaf))
        return leaf, leaf, desc

    def val(sh):
        if inp.data is not None:
            return f32(torch.tensor(inp.data, dtype=DT).reshape(sh))
        return values(sh, inp.kind)

    if inp.layout == "contiguous":
        leaf = val(shape)
        view_fn = lambda l: l
    elif inp.layout == "transposed":
        assert len(shape) >= 2
        x = val(shape)
        leaf = x.transpose(-1, -2).contiguous()
        view_fn = lambda l: l.transpose(-1, -2)
    elif inp.layout == "sliced":
        assert len(shape) >= 1
        n = shape[-1]
        big = list(shape[:-1]) + [2 * n + 1]
        leaf = values(big, inp.kind if inp.kind not in ("mask",) else "normal")
        x = val(shape)
        leaf[..., 1::2] = x
        spec = [[] for _ in shape[:-1]] + [[1, None, 2]]
        desc["slice"] = spec
        view_fn = lambda l: l[..., 1::2]
    elif inp.layout == "expanded":
        d = inp.expand_dim
        if d is None:
            d = next(i for i, s in enumerate(shape) if s > 1)
        small = list(shape)
        small[d] = 1
        leaf = val(small) if inp.data is None else f32(torch.tensor(inp.data, dtype=DT).reshape(small))
        desc["expand"] = list(shape)
        view_fn = lambda l: l.expand(*shape)
    else:
        raise ValueError(inp.layout)
    leaf = leaf.detach().clone()
    if inp.grad:
        leaf.requires_grad_(True)
    view = view_fn(leaf)
    assert list(view.shape) == list(shape), (inp.name, view.shape, shape)
    desc.update(shape=list(leaf.shape), data=enc_list(leaf))
    return leaf, view, desc


# ---------------------------------------------------------------- encoding


def enc_num(v):
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    r = float("%.7g" % v)
    if r == int(r) and abs(r) < 1e15:
        return int(r) if not (r == 0 and math.copysign(1, r) < 0) else -0.0
    return r


def enc_list(t):
    t = t.detach()
    if t.dtype in (torch.long, torch.int32, torch.bool):
        return [int(v) for v in t.reshape(-1).tolist()]
    return [enc_num(float(v)) for v in t.reshape(-1).tolist()]


def enc_tensor(t, with_dtype=True):
    t = t.detach()
    d = {"shape": list(t.shape), "data": enc_list(t)}
    if with_dtype:
        if t.dtype in (torch.long, torch.int32):
            d["dtype"] = "int32"
        else:
            d["dtype"] = "float32"  # comparisons (bool) are float32 0/1 in dlgrad
    return d


# ---------------------------------------------------------------- case runner


def upstream(shape):
    """A fixed, non-uniform upstream gradient."""
    return values(shape, "normal")


def add_case(family, op, name, inputs, fn, args=None, tol=None, second=False, grads=True):
    full = f"{op}/{name}" if name else op
    assert full not in NAMES, full
    NAMES.add(full)
    args = args or {}
    built = [build(i) for i in inputs]
    leaves = [b[0] for b in built]
    views = [b[1] for b in built]
    outs = fn(*views, **args) if not isinstance(fn, str) else None
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    outs = list(outs)
    gs = []
    for o in outs:
        if o.dtype in (torch.float64,) and grads:
            gs.append(upstream(list(o.shape)))
        else:
            gs.append(None)
    grad_leaves = [l for l, i in zip(leaves, inputs) if i.grad]
    grads_out = [None] * len(inputs)
    second_desc = None
    if grads and grad_leaves and any(g is not None for g in gs):
        loss = sum((o * g).sum() for o, g in zip(outs, gs) if g is not None)
        gl = torch.autograd.grad(loss, grad_leaves, allow_unused=True, create_graph=second)
        gl = [torch.zeros_like(l) if g is None else g for g, l in zip(gl, grad_leaves)]
        k = 0
        for j, i in enumerate(inputs):
            if i.grad:
                grads_out[j] = gl[k]
                k += 1
        if second:
            hs = [upstream(list(l.shape)) for l in grad_leaves]
            loss2 = sum((g * h).sum() for g, h in zip(gl, hs))
            g2 = torch.autograd.grad(loss2, grad_leaves, allow_unused=True)
            g2 = [torch.zeros_like(l) if g is None else g for g, l in zip(g2, grad_leaves)]
            hs_full, g2_full = [], []
            k = 0
            for i in inputs:
                if i.grad:
                    hs_full.append(enc_tensor(hs[k], False))
                    g2_full.append(enc_tensor(g2[k], False))
                    k += 1
                else:
                    hs_full.append(None)
                    g2_full.append(None)
            second_desc = {"hs": hs_full, "grads2": g2_full}
    else:
        for i in inputs:
            i.grad = False
        for b in built:
            b[2]["grad"] = False
    case = {
        "name": full,
        "family": family,
        "op": op,
        "args": args_json(args),
        "inputs": [b[2] for b in built],
        "outs": [enc_tensor(o) for o in outs],
        "gs": [None if g is None else enc_tensor(g, False) for g in gs],
        "grads": [None if g is None else enc_tensor(g, False) for g in grads_out],
        "tol": tol or TIGHT,
    }
    if second_desc:
        case["second"] = second_desc
    CASES.append(case)


def args_json(a):
    def conv(v):
        if isinstance(v, float):
            return enc_num(v)
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v
    return {k: conv(v) for k, v in a.items() if not k.startswith("_")}


def shp(s):
    return "[" + ",".join(str(x) for x in s) + "]"


# ---------------------------------------------------------------- elementwise

UNARY = {
    "neg": (lambda x: -x, "normal"),
    "exp": (torch.exp, "normal"),
    "log": (torch.log, "pos"),
    "sqrt": (torch.sqrt, "pos"),
    "rsqrt": (torch.rsqrt, "pos"),
    "abs": (torch.abs, "nonzero"),
    "sin": (torch.sin, "normal"),
    "cos": (torch.cos, "normal"),
    "square": (torch.square, "normal"),
    "relu": (torch.relu, "nonzero"),
    "sigmoid": (torch.sigmoid, "normal"),
    "tanh": (torch.tanh, "normal"),
    "gelu": (lambda x: F.gelu(x), "normal"),  # exact erf form
    "silu": (F.silu, "normal"),
}

UNARY_SHAPES = [
    ("contiguous", [2, 3]),
    ("contiguous", []),
    ("contiguous", [1]),
    ("transposed", [3, 4]),
    ("sliced", [2, 3]),
    ("expanded", [3, 4]),
]


def gen_unary():
    for op, (fn, kind) in UNARY.items():
        for layout, s in UNARY_SHAPES:
            add_case("unary", op, f"{shp(s)}:{layout}", [Inp("x", s, kind, layout)],
                     lambda x, _fn=fn: _fn(x))
    # values exactly at kinks: torch's convention for the derivative there
    add_case("unary", "relu", "zeros", [Inp("x", data=[-1.5, 0.0, 2.0, 0.0, -0.25, 3.0])], torch.relu)
    add_case("unary", "abs", "zeros", [Inp("x", data=[-1.5, 0.0, 2.0, 0.0, -0.25, 3.0])], torch.abs)
    add_case("unary", "gelu", "wide", [Inp("x", data=[-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])],
             lambda x: F.gelu(x))
    add_case("unary", "sigmoid", "wide", [Inp("x", data=[-40.0, -10.0, -1.0, 0.0, 1.0, 10.0, 40.0])],
             torch.sigmoid)
    add_case("unary", "tanh", "wide", [Inp("x", data=[-20.0, -3.0, -0.1, 0.0, 0.1, 3.0, 20.0])], torch.tanh)
    add_case("unary", "silu", "wide", [Inp("x", data=[-30.0, -3.0, -0.1, 0.0, 0.1, 3.0, 30.0])], F.silu)
    # leakyRelu(slope)
    for slope in [None, 0.2]:
        args = {} if slope is None else {"slope": slope}
        s = 0.01 if slope is None else slope
        for layout, sh in [("contiguous", [2, 3]), ("transposed", [3, 4]), ("contiguous", [])]:
            add_case("unary", "leakyRelu", f"slope={slope}:{shp(sh)}:{layout}",
                     [Inp("x", sh, "nonzero", layout)],
                     lambda x, slope=None, _s=s: F.leaky_relu(x, _s), args)
    # clamp(min?, max?)
    for mn, mx in [(-0.5, 0.5), (-0.3, None), (None, 0.2), (0.5, -0.5)]:
        args = {"min": mn, "max": mx}
        add_case("unary", "clamp", f"min={mn},max={mx}", [Inp("x", [3, 4], "normal")],
                 lambda x, min=None, max=None: torch.clamp(x, min, max), args)
    add_case("unary", "clamp", "boundary", [Inp("x", data=[-1.0, -0.5, 0.0, 0.5, 1.0, 0.25])],
             lambda x, min=None, max=None: torch.clamp(x, min, max), {"min": -0.5, "max": 0.5})
    add_case("unary", "clamp", "sliced", [Inp("x", [2, 5], "normal", "sliced")],
             lambda x, min=None, max=None: torch.clamp(x, min, max), {"min": -0.4, "max": 0.6})
    # pow with a number exponent
    for e, kind in [(2.0, "normal"), (3.0, "normal"), (0.5, "pos"), (-1.5, "pos"), (0.0, "normal")]:
        add_case("unary", "pow", f"scalar={e}", [Inp("x", [2, 3], kind)],
                 lambda x, scalar=None: torch.pow(x, scalar), {"scalar": e})


BINARY = {
    "add": (torch.add, "normal", "normal"),
    "sub": (torch.sub, "normal", "normal"),
    "mul": (torch.mul, "normal", "normal"),
    "div": (torch.div, "normal", "nonzero"),
    "pow": (torch.pow, "pos", "normal"),
    "maximum": (torch.maximum, "normal", "normal"),
    "minimum": (torch.minimum, "normal", "normal"),
}

PAIRS = [
    ([2, 3], [2, 3]),
    ([2, 3], [3]),
    ([3], [2, 3]),
    ([2, 1, 4], [3, 1]),
    ([1], [2, 3]),
    ([], [2, 3]),
    ([2, 3], []),
    ([4, 1], [1, 5]),
    ([2, 3, 1], [1, 1, 4]),
]


def gen_binary():
    for op, (fn, ka, kb) in BINARY.items():
        for sa, sb in PAIRS:
            add_case("binary", op, f"{shp(sa)}&{shp(sb)}", [Inp("a", sa, ka), Inp("b", sb, kb)],
                     lambda a, b, _fn=fn: _fn(a, b))
        # non-contiguous operands
        for la, lb in [("transposed", "sliced"), ("expanded", "contiguous"), ("sliced", "transposed")]:
            add_case("binary", op, f"[3,4]:{la}&[3,4]:{lb}",
                     [Inp("a", [3, 4], ka, la), Inp("b", [3, 4], kb, lb)],
                     lambda a, b, _fn=fn: _fn(a, b))
        add_case("binary", op, "[3,4]:transposed&[4]", [Inp("a", [3, 4], ka, "transposed"), Inp("b", [4], kb)],
                 lambda a, b, _fn=fn: _fn(a, b))
        # a plain number as the second operand
        if op != "pow":
            for s in [2.5, -0.75]:
                if op == "div" and s == 0:
                    continue
                add_case("binary", op, f"scalar={s}", [Inp("a", [2, 3], ka)],
                         lambda a, scalar=None, _fn=fn: _fn(a, torch.tensor(scalar, dtype=DT)), {"scalar": s})
    # maximum/minimum on ties: torch gives each side half of the gradient
    for op, fn in [("maximum", torch.maximum), ("minimum", torch.minimum)]:
        add_case("binary", op, "ties", [Inp("a", data=[1.0, 2.0, -3.0, 0.5]), Inp("b", data=[1.0, 1.0, -3.0, 0.75])],
                 fn)
    # same tensor on both sides: gradients of both uses add up
    add_case("binary", "mul", "self", [Inp("a", [2, 3])], lambda a: a * a)
    CASES[-1]["args"] = {"same": True}
    add_case("binary", "add", "self", [Inp("a", [2, 3])], lambda a: a + a)
    CASES[-1]["args"] = {"same": True}
    add_case("binary", "div", "self", [Inp("a", [2, 3], "nonzero")], lambda a: a / a)
    CASES[-1]["args"] = {"same": True}


COMPARE = {"eq": torch.eq, "ne": torch.ne, "gt": torch.gt, "ge": torch.ge, "lt": torch.lt, "le": torch.le}


def gen_compare():
    for op, fn in COMPARE.items():
        for sa, sb in [([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1, 4], [3, 1]), ([], [2, 3])]:
            add_case("compare", op, f"{shp(sa)}&{shp(sb)}", [Inp("a", sa, "int", grad=False), Inp("b", sb, "int", grad=False)],
                     lambda a, b, _fn=fn: _fn(a, b))
        add_case("compare", op, "[3,4]:transposed&[3,4]:sliced",
                 [Inp("a", [3, 4], "int", "transposed", grad=False), Inp("b", [3, 4], "int", "sliced", grad=False)],
                 lambda a, b, _fn=fn: _fn(a, b))
        add_case("compare", op, "scalar=1", [Inp("a", [3, 4], "int", grad=False)],
                 lambda a, scalar=None, _fn=fn: _fn(a, scalar), {"scalar": 1.0})


def gen_select():
    for sc, sa, sb in [([2, 3], [2, 3], [2, 3]), ([2, 3], [3], []), ([3, 1], [1, 4], [3, 4]), ([], [2, 2], [2, 2])]:
        add_case("select", "where", f"{shp(sc)},{shp(sa)},{shp(sb)}",
                 [Inp("cond", sc, "mask", grad=False), Inp("a", sa), Inp("b", sb)],
                 lambda c, a, b: torch.where(c != 0, a, b))
    add_case("select", "where", "noncontig",
             [Inp("cond", [3, 4], "mask", "transposed", grad=False), Inp("a", [3, 4], layout="sliced"),
              Inp("b", [3, 4], layout="expanded")],
             lambda c, a, b: torch.where(c != 0, a, b))
    for sx, sm, v in [([2, 3], [2, 3], -1.5), ([2, 3], [3], 0.0), ([2, 3, 4], [3, 1], float("-inf")),
                      ([3, 4], [3, 4], 7.0)]:
        add_case("select", "maskedFill", f"{shp(sx)},{shp(sm)},{v}",
                 [Inp("x", sx), Inp("mask", sm, "mask", grad=False)],
                 lambda x, m, value=None: x.masked_fill(m != 0, value), {"value": v})
    add_case("select", "maskedFill", "transposed",
             [Inp("x", [3, 4], layout="transposed"), Inp("mask", [4], "mask", grad=False)],
             lambda x, m, value=None: x.masked_fill(m != 0, value), {"value": 2.0})
    for op, fn in [("tril", torch.tril), ("triu", torch.triu)]:
        for s, k, layout in [([3, 4], 0, "contiguous"), ([3, 4], 1, "contiguous"), ([4, 3], -1, "contiguous"),
                             ([2, 3, 3], 0, "contiguous"), ([3, 4], 0, "transposed"), ([3, 3], 5, "contiguous"),
                             ([3, 3], -5, "contiguous")]:
            add_case("select", op, f"{shp(s)},k={k}:{layout}", [Inp("x", s, layout=layout)],
                     lambda x, k=0, _fn=fn: _fn(x, k), {"k": k})
        add_case("select", op, "default", [Inp("x", [3, 3])], lambda x, _fn=fn: _fn(x))


# ---------------------------------------------------------------- reductions


def red(fn_name):
    def f(x, dim=None, keepdim=False, correction=None):
        d = tuple(range(x.dim())) if dim is None else dim
        if fn_name == "sum":
            return torch.sum(x, d, keepdim=keepdim) if x.dim() > 0 else (x.clone() if dim is None else torch.sum(x, d, keepdim=keepdim))
        if fn_name == "mean":
            return torch.mean(x, d, keepdim=keepdim)
        if fn_name == "max":
            return torch.amax(x, d, keepdim=keepdim)
        if fn_name == "min":
            return torch.amin(x, d, keepdim=keepdim)
        if fn_name == "logsumexp":
            return torch.logsumexp(x, d, keepdim=keepdim)
        if fn_name in ("var", "std"):
            c = 1 if correction is None else correction
            return getattr(torch, fn_name)(x, d, correction=c, keepdim=keepdim)
        if fn_name in ("argmax", "argmin"):
            return getattr(torch, fn_name)(x, dim, keepdim=keepdim)
        raise ValueError(fn_name)
    return f


REDUCE_DIMS = [None, 0, 1, -1, [0, 2], [-1, 0], [0, 1, 2]]


def gen_reduce():
    for op in ["sum", "mean", "max", "min", "logsumexp"]:
        fn = red(op)
        for dim in REDUCE_DIMS:
            for keepdim in [False, True]:
                args = {"keepdim": keepdim}
                if dim is not None:
                    args["dim"] = dim
                add_case("reduce", op, f"dim={dim},keepdim={keepdim}", [Inp("x", [2, 3, 4])], fn, args,
                         tol=LOOSE if op in ("logsumexp",) else TIGHT)
        add_case("reduce", op, "transposed,dim=-1", [Inp("x", [3, 5], layout="transposed")], fn, {"dim": -1})
        add_case("reduce", op, "sliced,dim=0", [Inp("x", [3, 5], layout="sliced")], fn, {"dim": 0})
        add_case("reduce", op, "expanded,all", [Inp("x", [3, 5], layout="expanded", expand_dim=0)], fn, {})
        add_case("reduce", op, "0-d", [Inp("x", [])], fn, {})
        add_case("reduce", op, "0-d,dim=0", [Inp("x", [])], fn, {"dim": 0})
        add_case("reduce", op, "long", [Inp("x", [3, 257])], fn, {"dim": -1}, tol=LOOSE)
    for op in ["var", "std"]:
        fn = red(op)
        for dim in [None, 0, -1, [0, 2]]:
            for keepdim in [False, True]:
                for corr in [None, 0, 2]:
                    args = {"keepdim": keepdim}
                    if dim is not None:
                        args["dim"] = dim
                    if corr is not None:
                        args["correction"] = corr
                    # [3, 2, 4]: every reduced count exceeds the largest correction (N - correction > 0)
                    add_case("reduce", op, f"dim={dim},keepdim={keepdim},correction={corr}", [Inp("x", [3, 2, 4])],
                             fn, args, tol=LOOSE)
        add_case("reduce", op, "transposed,dim=0", [Inp("x", [4, 3], layout="transposed")], fn, {"dim": 0}, tol=LOOSE)
    for op in ["argmax", "argmin"]:
        fn = red(op)
        for dim in [None, 0, 1, -1]:
            for keepdim in ([False] if dim is None else [False, True]):
                args = {"keepdim": keepdim} if dim is not None else {}
                if dim is not None:
                    args["dim"] = dim
                add_case("reduce", op, f"dim={dim},keepdim={keepdim}", [Inp("x", [2, 3, 4], grad=False)], fn, args)
        add_case("reduce", op, "ties", [Inp("x", data=[[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 0.0]], grad=False)],
                 fn, {"dim": 1})
        add_case("reduce", op, "ties,all", [Inp("x", data=[[1.0, 3.0, 3.0, -1.0], [3.0, -1.0, 0.0, 0.0]], grad=False)],
                 fn, {})
        add_case("reduce", op, "transposed", [Inp("x", [3, 4], layout="transposed", grad=False)], fn, {"dim": 0})
    # ties in max/min: the gradient is split evenly among the tied elements (torch.amax/amin)
    tie = [[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 0.0], [-1.0, -1.0, 0.5, -1.0]]
    for op in ["max", "min"]:
        fn = red(op)
        for dim in [None, 0, 1]:
            args = {} if dim is None else {"dim": dim}
            add_case("reduce", op, f"ties,dim={dim}", [Inp("x", data=tie)], fn, args)
        add_case("reduce", op, "ties,allsame", [Inp("x", data=[[5.0, 5.0], [5.0, 5.0]])], fn, {})


# ---------------------------------------------------------------- matmul


def gen_matmul():
    pairs = [
        ([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([2, 3], [3, 4]), ([1, 3], [3, 1]),
        ([2, 2, 3], [3, 4]), ([3], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3], [2, 3, 4]),
        ([2, 2, 3], [2, 3, 4]), ([2, 1, 3, 4], [3, 4, 2]), ([2, 1, 2, 3], [1, 2, 3, 2]),
        ([2, 2, 3, 4], [4]), ([4], [2, 2, 4, 3]), ([1, 5], [5, 1]), ([5, 1], [1, 5]),
    ]
    for sa, sb in pairs:
        add_case("matmul", "matmul", f"{shp(sa)}@{shp(sb)}", [Inp("a", sa), Inp("b", sb)], torch.matmul, tol=LOOSE)
    for la, lb in [("transposed", "contiguous"), ("contiguous", "transposed"), ("transposed", "transposed"),
                   ("sliced", "sliced"), ("expanded", "contiguous")]:
        add_case("matmul", "matmul", f"[3,4]:{la}@[4,2]:{lb}", [Inp("a", [3, 4], layout=la), Inp("b", [4, 2], layout=lb)],
                 torch.matmul, tol=LOOSE)
    add_case("matmul", "matmul", "[2,3,4]:transposed@[2,4,3]:sliced",
             [Inp("a", [2, 3, 4], layout="transposed"), Inp("b", [2, 4, 3], layout="sliced")], torch.matmul, tol=LOOSE)
    add_case("matmul", "matmul", "[2,3,4]:expanded@[4,2]", [Inp("a", [2, 3, 4], layout="expanded", expand_dim=0),
                                                           Inp("b", [4, 2])], torch.matmul, tol=LOOSE)
    add_case("matmul", "matmul", "[8,16]@[16,8]", [Inp("a", [8, 16]), Inp("b", [16, 8])], torch.matmul, tol=LOOSE)
    add_case("matmul", "T", "[3,4]", [Inp("x", [3, 4])], lambda x: x.T)
    add_case("matmul", "T", "[3,4]:sliced", [Inp("x", [3, 4], layout="sliced")], lambda x: x.T)


# ---------------------------------------------------------------- movement


def gen_movement():
    def mv(op, name, shape, fn, args, layout="contiguous"):
        add_case("movement", op, f"{shp(shape)}:{layout}:{name}", [Inp("x", shape, layout=layout)], fn, args)

    for layout in ["contiguous", "transposed", "sliced"]:
        mv("reshape", "[6,2]", [3, 4], lambda x, shape=None: x.reshape(shape), {"shape": [6, 2]}, layout)
        mv("reshape", "[-1]", [3, 4], lambda x, shape=None: x.reshape(shape), {"shape": [-1]}, layout)
        mv("reshape", "[2,-1,3]", [3, 4], lambda x, shape=None: x.reshape(shape), {"shape": [2, -1, 3]}, layout)
        mv("flatten", "default", [2, 3, 4], lambda x: x.flatten(), {}, layout)
        mv("flatten", "1", [2, 3, 4], lambda x, start=0, end=-1: x.flatten(start, end), {"start": 1}, layout)
        mv("flatten", "0,1", [2, 3, 4], lambda x, start=0, end=-1: x.flatten(start, end), {"start": 0, "end": 1}, layout)
        mv("permute", "2,0,1", [2, 3, 4], lambda x, dims=None: x.permute(*dims), {"dims": [2, 0, 1]}, layout)
        mv("transpose", "0,2", [2, 3, 4], lambda x, d0=0, d1=0: x.transpose(d0, d1), {"d0": 0, "d1": 2}, layout)
        mv("contiguous", "", [3, 4], lambda x: x.contiguous(), {}, layout)
    mv("reshape", "[]", [1, 1], lambda x, shape=None: x.reshape(shape), {"shape": []})
    mv("reshape", "0-d->[1,1]", [], lambda x, shape=None: x.reshape(shape), {"shape": [1, 1]})
    mv("view", "[4,3]", [3, 4], lambda x, shape=None: x.view(shape), {"shape": [4, 3]})
    mv("view", "[2,-1]", [2, 3, 2], lambda x, shape=None: x.view(shape), {"shape": [2, -1]})
    mv("flatten", "0-d", [], lambda x: x.flatten(), {})
    mv("flatten", "-2,-1", [2, 3, 4], lambda x, start=0, end=-1: x.flatten(start, end), {"start": -2, "end": -1})
    mv("squeeze", "all", [1, 3, 1, 2], lambda x: x.squeeze(), {})
    mv("squeeze", "0", [1, 3, 1, 2], lambda x, dim=None: x.squeeze(dim), {"dim": 0})
    mv("squeeze", "-2", [1, 3, 1, 2], lambda x, dim=None: x.squeeze(dim), {"dim": -2})
    mv("squeeze", "1(noop)", [1, 3, 1, 2], lambda x, dim=None: x.squeeze(dim), {"dim": 1})
    mv("squeeze", "sliced", [1, 3, 1, 2], lambda x, dim=None: x.squeeze(dim), {"dim": 2}, "sliced")
    mv("unsqueeze", "0", [2, 3], lambda x, dim=None: x.unsqueeze(dim), {"dim": 0})
    mv("unsqueeze", "-1", [2, 3], lambda x, dim=None: x.unsqueeze(dim), {"dim": -1})
    mv("unsqueeze", "1", [2, 3], lambda x, dim=None: x.unsqueeze(dim), {"dim": 1}, "transposed")
    mv("unsqueeze", "0-d", [], lambda x, dim=None: x.unsqueeze(dim), {"dim": 0})
    mv("permute", "neg", [2, 3, 4], lambda x, dims=None: x.permute(*dims), {"dims": [-1, 0, -2]})
    mv("permute", "2d", [3, 4], lambda x, dims=None: x.permute(*dims), {"dims": [1, 0]}, "sliced")
    mv("transpose", "-1,-2", [2, 3, 4], lambda x, d0=0, d1=0: x.transpose(d0, d1), {"d0": -1, "d1": -2})
    mv("transpose", "1,1", [2, 3], lambda x, d0=0, d1=0: x.transpose(d0, d1), {"d0": 1, "d1": 1})
    mv("expand", "[3,2,4]", [2, 1], lambda x, shape=None: x.expand(*shape), {"shape": [3, 2, 4]})
    mv("expand", "[-1,5]", [3, 1], lambda x, shape=None: x.expand(*shape), {"shape": [-1, 5]})
    mv("expand", "0-d", [], lambda x, shape=None: x.expand(*shape), {"shape": [2, 3]})
    mv("expand", "sliced", [3, 1], lambda x, shape=None: x.expand(*shape), {"shape": [2, 3, 4]}, "sliced")
    mv("expand", "same", [2, 3], lambda x, shape=None: x.expand(*shape), {"shape": [2, 3]})
    mv("contiguous", "expanded", [3, 4], lambda x: x.contiguous(), {}, "expanded")


def py_index(spec):
    out = []
    for s in spec:
        if s is None:
            out.append(None)
        elif isinstance(s, int):
            out.append(s)
        else:
            s = list(s) + [None] * (3 - len(s))
            out.append(slice(*s))
    return tuple(out)


def gen_slice():
    specs = [
        ([3, 4, 5], [0, [1, 3], [None, None, 2]]),
        ([3, 4, 5], [-1]),
        ([3, 4, 5], [[], -2]),
        ([3, 4, 5], [[1]]),
        ([3, 4, 5], [[None, -1]]),
        ([3, 4, 5], [[-2, None], [], [1, None, 3]]),
        ([3, 4, 5], [None, 1]),
        ([3, 4, 5], [[], None, [0, 2], None]),
        ([3, 4, 5], [[1, 100]]),
        ([3, 4, 5], [[-100, 2], [-100, 100]]),
        ([3, 4, 5], [[2, 1]]),
        ([3, 4, 5], [[], [], [3, 3]]),
        ([3, 4, 5], [1, 2, 3]),
        ([6], [[None, None, 4]]),
        ([6], [[5, None, 2]]),
        ([6], [[]]),
        ([], [None]),
    ]
    for s, spec in specs:
        add_case("slice", "slice", f"{shp(s)}:{json.dumps(spec).replace(' ', '')}", [Inp("x", s)],
                 lambda x, idx=None: x[py_index(idx)], {"idx": spec})
    add_case("slice", "slice", "transposed", [Inp("x", [4, 5], layout="transposed")],
             lambda x, idx=None: x[py_index(idx)], {"idx": [[1, None, 2], [-3]]})
    add_case("slice", "slice", "sliced", [Inp("x", [4, 5], layout="sliced")],
             lambda x, idx=None: x[py_index(idx)], {"idx": [[], [None, None, 2]]})


# ---------------------------------------------------------------- gathering


def gen_gather():
    for sx, dim, idx in [([4, 3], 0, [2, 0, 2]), ([4, 3], 1, [1, 1, 0, 2]), ([4, 3], -1, [2]),
                         ([2, 3, 4], 1, [0, 2]), ([5], 0, [4, 0, 4, 4]), ([4, 3], 0, [])]:
        add_case("gather", "indexSelect", f"{shp(sx)},dim={dim},{idx}",
                 [Inp("x", sx), Inp("index", data=idx if idx else [], shape=[len(idx)], dtype="int32")],
                 lambda x, i, dim=None: torch.index_select(x, dim, i), {"dim": dim})
    add_case("gather", "indexSelect", "transposed",
             [Inp("x", [4, 3], layout="transposed"), Inp("index", data=[3, 1, 3], dtype="int32")],
             lambda x, i, dim=None: torch.index_select(x, dim, i), {"dim": 0})
    for sx, dim, idx in [([3, 4], 1, [[0, 3], [1, 1], [2, 0]]), ([3, 4], 0, [[0, 2, 2, 1], [2, 2, 0, 0]]),
                         ([2, 3, 2], 1, [[[0, 1], [2, 2]], [[1, 0], [0, 0]]]), ([3, 4], -1, [[3], [0], [2]]),
                         ([4], 0, [3, 3, 0])]:
        add_case("gather", "gather", f"{shp(sx)},dim={dim}",
                 [Inp("x", sx), Inp("index", data=idx, dtype="int32")],
                 lambda x, i, dim=None: torch.gather(x, dim, i), {"dim": dim})
    add_case("gather", "gather", "sliced",
             [Inp("x", [3, 4], layout="sliced"), Inp("index", data=[[0, 3], [1, 1], [2, 0]], dtype="int32")],
             lambda x, i, dim=None: torch.gather(x, dim, i), {"dim": 1})


def gen_join():
    def cat(*ts, dim=0):
        return torch.cat(ts, dim)

    def stack(*ts, dim=0):
        return torch.stack(ts, dim)

    for shapes, dim in [([[2, 3], [1, 3]], 0), ([[2, 3], [2, 2]], 1), ([[2, 3], [2, 1], [2, 4]], -1),
                        ([[3], [2]], 0), ([[2, 3]], 0), ([[1, 2, 2], [1, 2, 2]], 1), ([[2, 3], [0, 3]], 0)]:
        add_case("join", "cat", f"{json.dumps(shapes).replace(' ', '')},dim={dim}",
                 [Inp(f"t{i}", s) for i, s in enumerate(shapes)], cat, {"dim": dim})
    add_case("join", "cat", "noncontig",
             [Inp("t0", [3, 4], layout="transposed"), Inp("t1", [2, 4], layout="sliced"), Inp("t2", [1, 4], layout="expanded", expand_dim=1)],
             cat, {"dim": 0})
    add_case("join", "cat", "default-dim", [Inp("t0", [2, 3]), Inp("t1", [1, 3])], lambda a, b: torch.cat([a, b]))
    for dim in [0, 1, 2, -1, -3]:
        add_case("join", "stack", f"3x[2,3],dim={dim}", [Inp(f"t{i}", [2, 3]) for i in range(3)], stack, {"dim": dim})
    add_case("join", "stack", "0-d", [Inp("t0", []), Inp("t1", [])], stack, {"dim": 0})
    add_case("join", "stack", "noncontig", [Inp("t0", [3, 4], layout="transposed"), Inp("t1", [3, 4], layout="sliced")],
             stack, {"dim": 1})
    for s, size, dim in [([5, 3], 2, 0), ([5, 3], 5, 0), ([5, 3], 2, 1), ([5, 3], 1, -1), ([4, 6], 4, 1), ([4], 10, 0)]:
        add_case("join", "split", f"{shp(s)},size={size},dim={dim}", [Inp("x", s)],
                 lambda x, size=None, dim=0: torch.split(x, size, dim), {"size": size, "dim": dim})
    add_case("join", "split", "transposed", [Inp("x", [4, 5], layout="transposed")],
             lambda x, size=None, dim=0: torch.split(x, size, dim), {"size": 2, "dim": 1})
    for s, n, dim in [([5, 3], 3, 0), ([5, 3], 2, 1), ([6, 2], 3, 0), ([4, 3], 1, 0), ([2, 6], 4, -1)]:
        add_case("join", "chunk", f"{shp(s)},n={n},dim={dim}", [Inp("x", s)],
                 lambda x, n=None, dim=0: torch.chunk(x, n, dim), {"n": n, "dim": dim})


# ---------------------------------------------------------------- nn


def gen_nn():
    for op, fn in [("softmax", torch.softmax), ("logSoftmax", torch.log_softmax)]:
        for dim in [0, 1, -1]:
            add_case("nn", op, f"[2,3,4],dim={dim}", [Inp("x", [2, 3, 4])], lambda x, dim=None, _f=fn: _f(x, dim),
                     {"dim": dim})
        add_case("nn", op, "big", [Inp("x", [3, 5], "big")], lambda x, dim=None, _f=fn: _f(x, dim), {"dim": -1})
        add_case("nn", op, "transposed", [Inp("x", [3, 5], layout="transposed")],
                 lambda x, dim=None, _f=fn: _f(x, dim), {"dim": -1})
        add_case("nn", op, "expanded", [Inp("x", [3, 5], layout="expanded", expand_dim=1)],
                 lambda x, dim=None, _f=fn: _f(x, dim), {"dim": -1})
        add_case("nn", op, "1-d", [Inp("x", [6])], lambda x, dim=None, _f=fn: _f(x, dim), {"dim": 0})
        add_case("nn", op, "-inf", [Inp("x", data=[[0.5, float("-inf"), 1.5], [float("-inf"), -1.0, 2.0]])],
                 lambda x, dim=None, _f=fn: _f(x, dim), {"dim": -1})
        add_case("nn", op, "long", [Inp("x", [2, 300])], lambda x, dim=None, _f=fn: _f(x, dim), {"dim": -1}, tol=LOOSE)

    # crossEntropy
    def ce(x, t, reduction="mean", ignoreIndex=-100, labelSmoothing=0.0):
        return F.cross_entropy(x, t, reduction=reduction, ignore_index=ignoreIndex, label_smoothing=labelSmoothing)

    tgt = [1, 0, 4, 2]
    tgt_ign = [1, -100, 4, 2]
    for red_ in ["mean", "sum", "none"]:
        add_case("nn", "crossEntropy", f"reduction={red_}", [Inp("x", [4, 5]), Inp("target", data=tgt, dtype="int32")],
                 ce, {"reduction": red_})
        add_case("nn", "crossEntropy", f"ignore-100,reduction={red_}",
                 [Inp("x", [4, 5]), Inp("target", data=tgt_ign, dtype="int32")], ce, {"reduction": red_})
        add_case("nn", "crossEntropy", f"ignoreIndex=2,reduction={red_}",
                 [Inp("x", [4, 5]), Inp("target", data=[2, 0, 2, 3], dtype="int32")], ce,
                 {"reduction": red_, "ignoreIndex": 2})
        add_case("nn", "crossEntropy", f"labelSmoothing=0.1,reduction={red_}",
                 [Inp("x", [4, 5]), Inp("target", data=tgt, dtype="int32")], ce,
                 {"reduction": red_, "labelSmoothing": 0.1})
        add_case("nn", "crossEntropy", f"labelSmoothing=0.2,ignore,reduction={red_}",
                 [Inp("x", [4, 5]), Inp("target", data=tgt_ign, dtype="int32")], ce,
                 {"reduction": red_, "labelSmoothing": 0.2})
        add_case("nn", "crossEntropy", f"[2,5,3],reduction={red_}",
                 [Inp("x", [2, 5, 3]), Inp("target", data=[[1, 4, 0], [2, 2, 3]], dtype="int32")], ce,
                 {"reduction": red_})
        add_case("nn", "crossEntropy", f"[2,5,3],ignore,smoothing,reduction={red_}",
                 [Inp("x", [2, 5, 3]), Inp("target", data=[[1, -100, 0], [2, 2, 3]], dtype="int32")], ce,
                 {"reduction": red_, "labelSmoothing": 0.1})
    add_case("nn", "crossEntropy", "default", [Inp("x", [3, 4]), Inp("target", data=[3, 0, 1], dtype="int32")], ce)
    add_case("nn", "crossEntropy", "big", [Inp("x", [3, 4], "big"), Inp("target", data=[3, 0, 1], dtype="int32")], ce)
    add_case("nn", "crossEntropy", "transposed",
             [Inp("x", [3, 4], layout="transposed"), Inp("target", data=[3, 0, 1], dtype="int32")], ce)
    add_case("nn", "crossEntropy", "[1,5,2,2]",
             [Inp("x", [1, 5, 2, 2]), Inp("target", data=[[[0, 4], [3, 3]]], dtype="int32")], ce)

    add_case("nn", "nllLoss", "[4,5]", [Inp("x", [4, 5]), Inp("target", data=tgt, dtype="int32")],
             lambda x, t: F.nll_loss(x, t))
    add_case("nn", "nllLoss", "logsoftmax-input",
             [Inp("x", [3, 4]), Inp("target", data=[3, 3, 1], dtype="int32")],
             lambda x, t: F.nll_loss(x, t))
    add_case("nn", "nllLoss", "transposed",
             [Inp("x", [3, 4], layout="transposed"), Inp("target", data=[0, 2, 1], dtype="int32")],
             lambda x, t: F.nll_loss(x, t))

    bce = lambda x, t: F.binary_cross_entropy_with_logits(x, t)
    add_case("nn", "binaryCrossEntropyWithLogits", "[3,4]", [Inp("x", [3, 4]), Inp("target", [3, 4], "unit", grad=False)], bce)
    add_case("nn", "binaryCrossEntropyWithLogits", "0/1 target", [Inp("x", [5]), Inp("target", [5], "mask", grad=False)], bce)
    add_case("nn", "binaryCrossEntropyWithLogits", "extreme",
             [Inp("x", data=[-60.0, -20.0, -1.0, 0.0, 1.0, 20.0, 60.0]),
              Inp("target", data=[1.0, 0.0, 0.3, 0.5, 1.0, 1.0, 0.0], grad=False)], bce)
    add_case("nn", "binaryCrossEntropyWithLogits", "transposed",
             [Inp("x", [3, 4], layout="transposed"), Inp("target", [3, 4], "unit", grad=False)], bce)

    mse = lambda x, t: F.mse_loss(x, t)
    add_case("nn", "mseLoss", "[3,4]", [Inp("x", [3, 4]), Inp("target", [3, 4])], mse)
    add_case("nn", "mseLoss", "0-d", [Inp("x", []), Inp("target", [])], mse)
    add_case("nn", "mseLoss", "noncontig", [Inp("x", [3, 4], layout="sliced"), Inp("target", [3, 4], layout="transposed")], mse)


def gen_functional():
    # linear
    lin = lambda x, w, b=None: F.linear(x, w, b)
    add_case("F", "F.linear", "[2,3],[4,3],[4]", [Inp("x", [2, 3]), Inp("w", [4, 3]), Inp("b", [4])], lin, tol=LOOSE)
    add_case("F", "F.linear", "nobias", [Inp("x", [2, 3]), Inp("w", [4, 3])], lin, tol=LOOSE)
    add_case("F", "F.linear", "[2,2,3]", [Inp("x", [2, 2, 3]), Inp("w", [4, 3]), Inp("b", [4])], lin, tol=LOOSE)
    add_case("F", "F.linear", "[3]", [Inp("x", [3]), Inp("w", [2, 3]), Inp("b", [2])], lin, tol=LOOSE)
    add_case("F", "F.linear", "transposed-w", [Inp("x", [2, 3]), Inp("w", [4, 3], layout="transposed"), Inp("b", [4])],
             lin, tol=LOOSE)
    # embedding
    emb = lambda i, w: F.embedding(i, w)
    add_case("F", "F.embedding", "[2,3]", [Inp("input", data=[[0, 4, 2], [4, 4, 1]], dtype="int32"), Inp("w", [5, 4])], emb)
    add_case("F", "F.embedding", "[4]", [Inp("input", data=[3, 3, 0, 1], dtype="int32"), Inp("w", [5, 3])], emb)
    add_case("F", "F.embedding", "0-d", [Inp("input", data=2, shape=[], dtype="int32"), Inp("w", [5, 3])], emb)

    # layerNorm
    def ln(x, w=None, b=None, normalizedShape=None, eps=1e-5):
        return F.layer_norm(x, normalizedShape, w, b, eps)

    add_case("F", "F.layerNorm", "[2,3,4],[4]", [Inp("x", [2, 3, 4]), Inp("w", [4]), Inp("b", [4])], ln,
             {"normalizedShape": [4]}, tol=LOOSE)
    add_case("F", "F.layerNorm", "[2,3,4],[3,4]", [Inp("x", [2, 3, 4]), Inp("w", [3, 4]), Inp("b", [3, 4])], ln,
             {"normalizedShape": [3, 4]}, tol=LOOSE)
    add_case("F", "F.layerNorm", "noaffine", [Inp("x", [3, 5])], ln, {"normalizedShape": [5]}, tol=LOOSE)
    add_case("F", "F.layerNorm", "eps=0.1", [Inp("x", [3, 5]), Inp("w", [5]), Inp("b", [5])], ln,
             {"normalizedShape": [5], "eps": 0.1}, tol=LOOSE)
    add_case("F", "F.layerNorm", "transposed", [Inp("x", [3, 4], layout="transposed"), Inp("w", [4]), Inp("b", [4])], ln,
             {"normalizedShape": [4]}, tol=LOOSE)

    # rmsNorm (reference by hand: torch 1.13 has none)
    def rms(x, w=None, normalizedShape=None, eps=None):
        dims = tuple(range(-len(normalizedShape), 0))
        y = x * torch.rsqrt(torch.mean(x * x, dims, keepdim=True) + eps)
        return y * w if w is not None else y

    add_case("F", "F.rmsNorm", "[2,3,4],[4]", [Inp("x", [2, 3, 4]), Inp("w", [4])], rms,
             {"normalizedShape": [4], "eps": 1e-6}, tol=LOOSE)
    add_case("F", "F.rmsNorm", "[2,3,4],[3,4]", [Inp("x", [2, 3, 4]), Inp("w", [3, 4])], rms,
             {"normalizedShape": [3, 4], "eps": 1e-5}, tol=LOOSE)
    add_case("F", "F.rmsNorm", "noweight", [Inp("x", [3, 5])], rms, {"normalizedShape": [5], "eps": 1e-6}, tol=LOOSE)
    add_case("F", "F.rmsNorm", "eps=0.5", [Inp("x", [3, 5]), Inp("w", [5])], rms,
             {"normalizedShape": [5], "eps": 0.5}, tol=LOOSE)

    # conv2d
    def conv(x, w, b=None, stride=1, padding=0):
        return F.conv2d(x, w, b, stride=stride, padding=padding)

    for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]:
        add_case("F", "F.conv2d", f"stride={stride},padding={padding}",
                 [Inp("x", [2, 3, 5, 5]), Inp("w", [4, 3, 3, 3]), Inp("b", [4])], conv,
                 {"stride": stride, "padding": padding}, tol=LOOSE)
    add_case("F", "F.conv2d", "nobias,1x1", [Inp("x", [1, 2, 3, 4]), Inp("w", [3, 2, 1, 1])], conv, {}, tol=LOOSE)
    add_case("F", "F.conv2d", "rect", [Inp("x", [1, 1, 4, 6]), Inp("w", [2, 1, 2, 3]), Inp("b", [2])], conv,
             {"stride": 1, "padding": 1}, tol=LOOSE)
    add_case("F", "F.conv2d", "transposed-input", [Inp("x", [1, 2, 4, 4], layout="transposed"), Inp("w", [2, 2, 3, 3])],
             conv, {"padding": 1}, tol=LOOSE)

    # maxPool2d
    def pool(x, kernel=None, stride=None):
        return F.max_pool2d(x, kernel, stride)

    add_case("F", "F.maxPool2d", "k=2", [Inp("x", [1, 2, 4, 4])], pool, {"kernel": 2})
    add_case("F", "F.maxPool2d", "k=2,s=1", [Inp("x", [2, 1, 4, 5])], pool, {"kernel": 2, "stride": 1})
    add_case("F", "F.maxPool2d", "k=3,s=2", [Inp("x", [1, 2, 7, 7])], pool, {"kernel": 3, "stride": 2})
    add_case("F", "F.maxPool2d", "k=2,odd", [Inp("x", [1, 1, 5, 5])], pool, {"kernel": 2})
    add_case("F", "F.maxPool2d", "sliced", [Inp("x", [1, 2, 4, 4], layout="sliced")], pool, {"kernel": 2})

    # scaledDotProductAttention (reference by hand, PyTorch 2 semantics: boolean mask, true = take part;
    # dlgrad has no bool dtype, so the mask is int32 with nonzero = take part)
    def sdpa(q, k, v, mask=None, isCausal=False):
        d = q.shape[-1]
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        L, S = q.shape[-2], k.shape[-2]
        if isCausal:
            keep = torch.ones(L, S, dtype=torch.bool).tril()
            s = s.masked_fill(~keep, float("-inf"))
        if mask is not None:
            s = s.masked_fill(mask == 0, float("-inf"))
        return torch.matmul(torch.softmax(s, -1), v)

    add_case("F", "F.scaledDotProductAttention", "[2,3,4],[2,5,4]",
             [Inp("q", [2, 3, 4]), Inp("k", [2, 5, 4]), Inp("v", [2, 5, 4])], sdpa, tol=LOOSE)
    add_case("F", "F.scaledDotProductAttention", "causal",
             [Inp("q", [2, 4, 3]), Inp("k", [2, 4, 3]), Inp("v", [2, 4, 2])], sdpa, {"isCausal": True}, tol=LOOSE)
    add_case("F", "F.scaledDotProductAttention", "4-d,causal",
             [Inp("q", [1, 2, 3, 4]), Inp("k", [1, 2, 3, 4]), Inp("v", [1, 2, 3, 4])], sdpa, {"isCausal": True}, tol=LOOSE)
    mask = [[1, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    add_case("F", "F.scaledDotProductAttention", "attnMask",
             [Inp("q", [2, 3, 4]), Inp("k", [2, 5, 4]), Inp("v", [2, 5, 4]), Inp("mask", data=mask, dtype="int32")],
             sdpa, tol=LOOSE)
    add_case("F", "F.scaledDotProductAttention", "noncontig",
             [Inp("q", [2, 3, 4], layout="sliced"), Inp("k", [2, 5, 4], layout="transposed"), Inp("v", [2, 5, 4])],
             sdpa, tol=LOOSE)


# ---------------------------------------------------------------- second order


def gen_second():
    add_case("second", "tanh", "2nd", [Inp("x", [2, 3])], torch.tanh, second=True)
    add_case("second", "exp", "2nd", [Inp("x", [2, 3])], torch.exp, second=True)
    add_case("second", "mul", "2nd", [Inp("a", [2, 3]), Inp("b", [3])], torch.mul, second=True)
    add_case("second", "gelu", "2nd", [Inp("x", [2, 3])], lambda x: F.gelu(x), second=True)
    add_case("second", "softmax", "2nd", [Inp("x", [2, 4])], lambda x, dim=None: torch.softmax(x, dim), {"dim": -1},
             second=True)
    add_case("second", "matmul", "2nd", [Inp("a", [2, 3]), Inp("b", [3, 4])], torch.matmul, second=True, tol=LOOSE)
    add_case("second", "sigmoid", "2nd", [Inp("x", [5])], torch.sigmoid, second=True)
    add_case("second", "div", "2nd", [Inp("a", [2, 3]), Inp("b", [2, 3], "nonzero")], torch.div, second=True)
    add_case("second", "logSoftmax", "2nd", [Inp("x", [2, 4])], lambda x, dim=None: torch.log_softmax(x, dim),
             {"dim": -1}, second=True)
    add_case("second", "pow", "2nd", [Inp("x", [4], "pos")], lambda x, scalar=None: torch.pow(x, scalar),
             {"scalar": 3.0}, second=True)


# ---------------------------------------------------------------- special values


def gen_special():
    nan, inf = float("nan"), float("inf")
    sp = [nan, inf, -inf, 0.0, -1.0, 2.0]
    for op, fn in [("exp", torch.exp), ("log", torch.log), ("sqrt", torch.sqrt), ("tanh", torch.tanh),
                   ("sigmoid", torch.sigmoid), ("relu", torch.relu), ("abs", torch.abs), ("neg", torch.neg),
                   ("square", torch.square), ("rsqrt", torch.rsqrt), ("gelu", lambda x: F.gelu(x)),
                   ("sin", torch.sin), ("silu", F.silu)]:
        add_case("special", op, "nan/inf", [Inp("x", data=sp, grad=False)], fn, grads=False)
    add_case("special", "clamp", "nan/inf", [Inp("x", data=sp, grad=False)],
             lambda x, min=None, max=None: torch.clamp(x, min, max), {"min": -0.5, "max": 0.5}, grads=False)
    a = [1.0, 0.0, -1.0, inf, inf, nan, 0.0]
    b = [0.0, 0.0, 0.0, inf, -inf, 1.0, -inf]
    for op, fn in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div),
                   ("maximum", torch.maximum), ("minimum", torch.minimum), ("pow", torch.pow)]:
        add_case("special", op, "nan/inf", [Inp("a", data=a, grad=False), Inp("b", data=b, grad=False)], fn, grads=False)
    for op, fn in [("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt), ("ge", torch.ge)]:
        add_case("special", op, "nan/inf", [Inp("a", data=a, grad=False), Inp("b", data=b, grad=False)], fn, grads=False)
    xr = [[1.0, nan, 3.0], [inf, -inf, 0.0], [-inf, -inf, -inf], [2.0, 5.0, -1.0]]
    for op in ["sum", "mean", "max", "min", "logsumexp", "argmax", "argmin"]:
        add_case("special", op, "nan/inf,dim=1", [Inp("x", data=xr, grad=False)], red(op), {"dim": 1}, grads=False)
    add_case("special", "softmax", "all -inf row", [Inp("x", data=[[float("-inf")] * 3, [0.0, 1.0, 2.0]], grad=False)],
             lambda x, dim=None: torch.softmax(x, dim), {"dim": -1}, grads=False)
    add_case("special", "softmax", "inf", [Inp("x", data=[[inf, 0.0, 1.0], [nan, 0.0, 1.0]], grad=False)],
             lambda x, dim=None: torch.softmax(x, dim), {"dim": -1}, grads=False)


def write_cases(path, generator, cases):
    """A fixture file: a header naming the generator script and torch's version, then one case per
    line (so a regenerated file diffs case by case)."""
    with open(path, "w") as f:
        f.write('{"version":1,"generator":' + json.dumps(generator) + ',"torch":' + json.dumps(torch.__version__) +
                ',"cases":[\n')
        for i, c in enumerate(cases):
            f.write(json.dumps(c, separators=(",", ":"), allow_nan=False))
            f.write(",\n" if i + 1 < len(cases) else "\n")
        f.write("]}\n")


def main():
    gen_unary()
    gen_binary()
    gen_compare()
    gen_select()
    gen_reduce()
    gen_matmul()
    gen_movement()
    gen_slice()
    gen_gather()
    gen_join()
    gen_nn()
    gen_functional()
    gen_second()
    gen_special()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = os.path.join(root, "test", "fixtures", "ops.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    write_cases(out, "scripts/make_fixtures.py", CASES)
    fams = {}
    for c in CASES:
        fams[c["family"]] = fams.get(c["family"], 0) + 1
    print(f"wrote {len(CASES)} cases to {os.path.relpath(out)} ({os.path.getsize(out) / 1e6:.2f} MB): {fams}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
