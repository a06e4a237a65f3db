#!/usr/bin/python3
"""Golden fixtures for the 3-D layers (conv3d, convTranspose3d, the 3-D pools, the 1-D and 3-D
adaptive max pools, BatchNorm3d, InstanceNorm1d/3d) and the 1-D/2-D max pools with PyTorch's full
arguments, computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_layers3d.py

Writes test/fixtures/breadth_layers3d.json in the case format of ops.json (scripts/make_fixtures.py's
case builder: float32-exact inputs, float64 references, random upstream gradients,
transposed/sliced layouts), with NaN and ±inf inputs for the pools. Deterministic (fixed seeds);
commit the output.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import LOOSE, Inp, add_case  # noqa: E402

FAM = "layers3d"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NAN, INF = float("nan"), float("inf")


def special(name, shape, marks):
    """An input of random values with some set to NaN or ±inf: marks is [(flat index, value)]."""
    v = mf.values(shape).reshape(-1)
    for i, x in marks:
        v[i] = x
    return Inp(name, data=v.reshape(shape).tolist())


def gen_conv():
    def conv3d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        return F.conv3d(x, w, b, stride, padding, dilation, groups)

    def convt3d(x, w, b=None, stride=1, padding=0, outputPadding=0, groups=1, dilation=1):
        return F.conv_transpose3d(x, w, b, stride, padding, outputPadding, groups, dilation)

    add_case(FAM, "F.conv3d", "bias", [Inp("x", [2, 3, 4, 5, 4]), Inp("w", [4, 3, 2, 3, 2]), Inp("b", [4])], conv3d)
    add_case(FAM, "F.conv3d", "stride [2,1,2],padding [1,0,2],dilation [1,2,1],transposed",
             [Inp("x", [1, 2, 5, 6, 4], layout="transposed"), Inp("w", [3, 2, 3, 2, 2])], conv3d,
             {"stride": [2, 1, 2], "padding": [1, 0, 2], "dilation": [1, 2, 1]})
    add_case(FAM, "F.conv3d", "depth dilation 2,stride 2,groups 2,bias,sliced",
             [Inp("x", [2, 4, 7, 3, 4], layout="sliced"), Inp("w", [6, 2, 3, 2, 2]), Inp("b", [6])], conv3d,
             {"stride": [2, 1, 1], "dilation": [2, 1, 1], "groups": 2})
    add_case(FAM, "F.conv3d", "same,even kernel,dilation 2,groups 2", [Inp("x", [1, 4, 5, 4, 6]), Inp("w", [6, 2, 2, 3, 2]), Inp("b", [6])],
             conv3d, {"padding": "same", "dilation": 2, "groups": 2})
    add_case(FAM, "F.conv3d", "unbatched,valid", [Inp("x", [2, 3, 4, 3]), Inp("w", [3, 2, 2, 2, 2])], conv3d, {"padding": "valid"})
    add_case(FAM, "F.conv3d", "depthwise,padding 1", [Inp("x", [1, 3, 3, 4, 4]), Inp("w", [3, 1, 3, 3, 3])], conv3d,
             {"padding": 1, "groups": 3})
    add_case(FAM, "F.convTranspose3d", "stride 2,padding 1,outputPadding 1,bias", [Inp("x", [2, 3, 3, 2, 3]), Inp("w", [3, 2, 3, 3, 2]), Inp("b", [2])],
             convt3d, {"stride": 2, "padding": 1, "outputPadding": 1})
    add_case(FAM, "F.convTranspose3d", "groups 2,dilation 2,stride [2,1,2],transposed",
             [Inp("x", [1, 4, 2, 3, 4], layout="transposed"), Inp("w", [4, 3, 2, 2, 3])], convt3d,
             {"stride": [2, 1, 2], "groups": 2, "dilation": 2})
    add_case(FAM, "F.convTranspose3d", "outputPadding [1,0,0] >= stride 1 (< dilation 2)", [Inp("x", [1, 2, 3, 2, 2]), Inp("w", [2, 2, 2, 2, 2])],
             convt3d, {"outputPadding": [1, 0, 0], "dilation": 2, "padding": [1, 0, 1]})
    add_case(FAM, "F.convTranspose3d", "unbatched,stride 3", [Inp("x", [2, 2, 3, 2]), Inp("w", [2, 3, 2, 2, 2])], convt3d, {"stride": 3})

    def conv_mod(x, w, b, padding=0, paddingMode="zeros"):
        m = nn.Conv3d(w.shape[1], w.shape[0], tuple(w.shape[2:]), padding=padding, padding_mode=paddingMode)
        del m.weight, m.bias  # the fixture's tensors themselves, so their gradients reach the leaves
        m.weight, m.bias = w, b
        return m(x)

    for mode in ["reflect", "replicate", "circular"]:
        add_case(FAM, "nn.Conv3d", f"paddingMode {mode},padding [1,0,2]", [Inp("x", [1, 2, 3, 4, 5]), Inp("w", [2, 2, 3, 2, 3]), Inp("b", [2])],
                 conv_mod, {"padding": [1, 0, 2], "paddingMode": mode})

    def convt_mod(x, w, b, stride=1):
        m = nn.ConvTranspose3d(w.shape[0], w.shape[1], tuple(w.shape[2:]), stride=stride)
        del m.weight, m.bias
        m.weight, m.bias = w, b
        return m(x)

    add_case(FAM, "nn.ConvTranspose3d", "stride 2", [Inp("x", [1, 2, 2, 3, 2]), Inp("w", [2, 3, 2, 2, 2]), Inp("b", [3])], convt_mod, {"stride": 2})


def gen_pool():
    def mp3(x, kernel=None, stride=None, padding=0, dilation=1, ceilMode=False, returnIndices=False):
        out = F.max_pool3d(x, kernel, stride, padding, dilation, ceilMode, returnIndices)
        return list(out) if returnIndices else out

    add_case(FAM, "F.maxPool3d", "k=2", [Inp("x", [2, 2, 4, 4, 4])], mp3, {"kernel": 2})
    add_case(FAM, "F.maxPool3d", "k=3,s=2,p=1,indices", [Inp("x", [1, 2, 5, 4, 5])], mp3,
             {"kernel": 3, "stride": 2, "padding": 1, "returnIndices": True})
    add_case(FAM, "F.maxPool3d", "k=[2,3,2],dilation [2,1,1],ceil,indices,sliced", [Inp("x", [1, 2, 6, 5, 4], layout="sliced")], mp3,
             {"kernel": [2, 3, 2], "stride": [1, 2, 2], "dilation": [2, 1, 1], "ceilMode": True, "returnIndices": True})
    add_case(FAM, "F.maxPool3d", "unbatched,ties,transposed", [Inp("x", [2, 3, 4, 4], "int", layout="transposed")], mp3,
             {"kernel": 2, "stride": 1, "returnIndices": True})
    add_case(FAM, "F.maxPool3d", "NaN,±inf,p=1,indices", [special("x", [1, 1, 3, 4, 4], [(0, NAN), (5, INF), (6, NAN), (7, NAN), (20, -INF), (40, INF), (41, NAN)])],
             mp3, {"kernel": 3, "stride": 2, "padding": 1, "returnIndices": True})
    add_case(FAM, "F.maxPool3d", "all -inf windows with padding,indices", [Inp("x", data=[[[[[-INF, -INF, -INF, 1.5]], [[-INF, -INF, 0.5, -INF]]]]])],
             mp3, {"kernel": [1, 1, 2], "stride": 1, "padding": [0, 0, 1], "returnIndices": True})

    def ap3(x, kernel=None, stride=None, padding=0, ceilMode=False, countIncludePad=True, divisorOverride=None):
        return F.avg_pool3d(x, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)

    add_case(FAM, "F.avgPool3d", "k=2", [Inp("x", [2, 2, 4, 4, 4])], ap3, {"kernel": 2})
    add_case(FAM, "F.avgPool3d", "k=3,s=2,p=1,ceil,exclude pad", [Inp("x", [1, 2, 5, 6, 5])], ap3,
             {"kernel": 3, "stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False})
    add_case(FAM, "F.avgPool3d", "k=[3,2,2],s=[2,1,2],p=[1,1,0],transposed", [Inp("x", [1, 2, 5, 4, 5], layout="transposed")], ap3,
             {"kernel": [3, 2, 2], "stride": [2, 1, 2], "padding": [1, 1, 0]})
    add_case(FAM, "F.avgPool3d", "divisorOverride,unbatched,ceil", [Inp("x", [2, 3, 5, 4])], ap3,
             {"kernel": 2, "padding": 1, "ceilMode": True, "divisorOverride": 3})
    add_case(FAM, "F.avgPool3d", "NaN,±inf", [special("x", [1, 1, 4, 4, 4], [(0, INF), (1, INF), (21, -INF), (26, INF), (63, NAN)])], ap3,
             {"kernel": 2, "stride": 1})

    aap3 = lambda x, size=None: F.adaptive_avg_pool3d(x, size)

    def amp(x, size=None, returnIndices=False, _f=None):
        out = _f(x, size, returnIndices)
        return list(out) if returnIndices else out

    amp1 = lambda x, **a: amp(x, _f=F.adaptive_max_pool1d, **a)
    amp3 = lambda x, **a: amp(x, _f=F.adaptive_max_pool3d, **a)
    add_case(FAM, "F.adaptiveAvgPool3d", "[4,5,6]->[2,3,4]", [Inp("x", [2, 2, 4, 5, 6])], aap3, {"size": [2, 3, 4]})
    add_case(FAM, "F.adaptiveAvgPool3d", "[3,5,7]->[2,None,3],sliced", [Inp("x", [1, 2, 3, 5, 7], layout="sliced")], aap3, {"size": [2, None, 3]})
    add_case(FAM, "F.adaptiveAvgPool3d", "->1 (global),unbatched", [Inp("x", [3, 2, 3, 4])], aap3, {"size": 1})
    add_case(FAM, "F.adaptiveAvgPool3d", "NaN,±inf [3,4,5]->[2,3,2]", [special("x", [1, 1, 3, 4, 5], [(0, INF), (7, -INF), (33, INF), (59, NAN)])],
             aap3, {"size": [2, 3, 2]})
    add_case(FAM, "F.adaptiveMaxPool1d", "8->3,indices", [Inp("x", [2, 2, 8])], amp1, {"size": 3, "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool1d", "7->3,transposed", [Inp("x", [2, 7, 3], layout="transposed")], amp1, {"size": 3})
    add_case(FAM, "F.adaptiveMaxPool1d", "unbatched 5->7,indices", [Inp("x", [2, 5])], amp1, {"size": 7, "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool1d", "NaN,±inf,ties,indices", [Inp("x", data=[[[NAN, 1.0, NAN, 2.0, 0.5, -INF, -INF, INF, 3.0, 3.0, -1.0, -1.0]]])],
             amp1, {"size": 4, "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool3d", "[3,5,7]->[2,3,4],indices", [Inp("x", [2, 2, 3, 5, 7])], amp3, {"size": [2, 3, 4], "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool3d", "->1,transposed", [Inp("x", [1, 2, 2, 3, 4], layout="transposed")], amp3, {"size": 1})
    add_case(FAM, "F.adaptiveMaxPool3d", "[None,2,None],unbatched,indices", [Inp("x", [2, 2, 5, 3])], amp3,
             {"size": [None, 2, None], "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool3d", "NaN,±inf,indices", [special("x", [1, 1, 2, 3, 5], [(0, NAN), (3, NAN), (6, INF), (16, -INF), (17, NAN)])],
             amp3, {"size": [1, 2, 2], "returnIndices": True})


def gen_pool2d():
    """The 2-D and 1-D max pools with PyTorch's full arguments (dilation, ceil mode, indices) and
    windows holding several NaNs (the gradient and index go to the last one, as PyTorch's scan)."""
    def mp(f):
        def run(x, kernel=None, stride=None, padding=0, dilation=1, ceilMode=False, returnIndices=False):
            out = f(x, kernel, stride, padding, dilation, ceilMode, returnIndices)
            return list(out) if returnIndices else out
        return run

    mp2, mp1 = mp(F.max_pool2d), mp(F.max_pool1d)
    add_case(FAM, "F.maxPool2d", "k=2", [Inp("x", [2, 3, 6, 8])], mp2, {"kernel": 2})
    add_case(FAM, "F.maxPool2d", "k=3,s=2,p=1,transposed", [Inp("x", [2, 2, 7, 6], layout="transposed")], mp2,
             {"kernel": 3, "stride": 2, "padding": 1})
    add_case(FAM, "F.maxPool2d", "k=[2,3],dilation [2,1],ceil,indices,sliced", [Inp("x", [1, 2, 9, 8], layout="sliced")], mp2,
             {"kernel": [2, 3], "stride": [2, 2], "dilation": [2, 1], "ceilMode": True, "returnIndices": True})
    add_case(FAM, "F.maxPool2d", "unbatched,ties,s=1,indices", [Inp("x", [2, 4, 5], "int")], mp2,
             {"kernel": 2, "stride": 1, "returnIndices": True})
    marks = [(0, NAN), (1, NAN), (8, NAN), (9, NAN), (3, INF), (12, -INF), (13, -INF), (20, NAN), (27, INF), (28, NAN), (35, NAN)]
    add_case(FAM, "F.maxPool2d", "several NaN per window,±inf (fused path)", [special("x", [1, 2, 6, 8], marks)], mp2, {"kernel": 2})
    add_case(FAM, "F.maxPool2d", "several NaN per window,±inf,k=3,p=1,indices", [special("x", [1, 2, 6, 8], marks)], mp2,
             {"kernel": 3, "stride": 2, "padding": 1, "returnIndices": True})
    add_case(FAM, "F.maxPool2d", "all -inf windows with padding,indices", [Inp("x", data=[[[[-INF, -INF, 2.0], [-INF, -INF, -INF]]]])], mp2,
             {"kernel": 2, "stride": 1, "padding": 1, "returnIndices": True})
    add_case(FAM, "F.maxPool1d", "k=3,dilation 2,p=1,ceil,indices", [Inp("x", [2, 3, 11])], mp1,
             {"kernel": 3, "stride": 2, "padding": 1, "dilation": 2, "ceilMode": True, "returnIndices": True})
    add_case(FAM, "F.maxPool1d", "several NaN per window,±inf", [Inp("x", data=[[[1.0, NAN, 3.0, NAN, 2.0, INF, -INF, NAN, NAN, 0.5]]])], mp1,
             {"kernel": 4, "stride": 3})
    amp2 = lambda x, size=None, returnIndices=False: (lambda o: list(o) if returnIndices else o)(F.adaptive_max_pool2d(x, size, returnIndices))
    add_case(FAM, "F.adaptiveMaxPool2d", "[7,5]->[3,2],indices,transposed", [Inp("x", [2, 2, 5, 7], layout="transposed")], amp2,
             {"size": [3, 2], "returnIndices": True})
    add_case(FAM, "F.adaptiveMaxPool2d", "several NaN per window,±inf,indices", [special("x", [1, 2, 6, 8], marks)], amp2,
             {"size": [2, 3], "returnIndices": True})

    def mod(x, kernel=None, stride=None, padding=0, dilation=1, ceilMode=False):
        return nn.MaxPool2d(kernel, stride, padding, dilation, False, ceilMode)(x)

    add_case(FAM, "nn.MaxPool2d", "k=3,s=2,dilation 2,ceil", [Inp("x", [2, 2, 9, 10])], mod,
             {"kernel": 3, "stride": 2, "padding": 1, "dilation": 2, "ceilMode": True})


def gen_norms():
    def use_leaves(m, w, b):
        # the module computes with the case's leaves themselves (an nn.Parameter would copy them)
        del m._parameters["weight"], m._parameters["bias"]
        m.weight, m.bias = w, b

    # modules over a sequence: two training steps, then eval; buffers after
    def seq(x1, x2, x3, w=None, b=None, layer=None, nd=None, momentum=0.1, affine=True, trackRunningStats=True):
        m = getattr(nn, layer)(x1.shape[x1.dim() - nd - 1], momentum=momentum, affine=affine, track_running_stats=trackRunningStats).double()
        if affine:
            use_leaves(m, w, b)
        y1, y2 = m(x1), m(x2)
        m.eval()
        outs = [y1, y2, m(x3)]
        if trackRunningStats:
            outs += [m.running_mean.clone(), m.running_var.clone()]
            if layer.startswith("BatchNorm"):
                outs.append(m.num_batches_tracked.clone())
        return outs

    xs = lambda s, lay="contiguous": [Inp("x1", s, layout=lay), Inp("x2", s, "pos"), Inp("x3", s)]
    affine = lambda c: [Inp("w", [c], "pos"), Inp("b", [c])]
    bn3 = {"layer": "BatchNorm3d", "nd": 3}
    add_case(FAM, "nn.BatchNorm3d", "train,train,eval", xs([2, 2, 2, 3, 2]) + affine(2), seq, dict(bn3), tol=LOOSE)
    add_case(FAM, "nn.BatchNorm3d", "momentum=null (cumulative),transposed", xs([2, 3, 2, 2, 3], "transposed") + affine(3), seq,
             dict(bn3, momentum=None), tol=LOOSE)
    add_case(FAM, "nn.BatchNorm3d", "no affine,no running stats", xs([3, 2, 2, 1, 2]), seq, dict(bn3, affine=False, trackRunningStats=False), tol=LOOSE)
    in1 = {"layer": "InstanceNorm1d", "nd": 1, "affine": False, "trackRunningStats": False}
    in3 = {"layer": "InstanceNorm3d", "nd": 3, "affine": False, "trackRunningStats": False}
    add_case(FAM, "nn.InstanceNorm1d", "default", xs([2, 3, 5]), seq, dict(in1), tol=LOOSE)
    add_case(FAM, "nn.InstanceNorm1d", "affine,trackRunningStats,momentum 0.3", xs([3, 2, 4], "sliced") + affine(2), seq,
             dict(in1, affine=True, trackRunningStats=True, momentum=0.3), tol=LOOSE)
    add_case(FAM, "nn.InstanceNorm1d", "unbatched", xs([3, 4]), seq, dict(in1), tol=LOOSE)
    add_case(FAM, "nn.InstanceNorm3d", "default", xs([2, 2, 2, 3, 2]), seq, dict(in3), tol=LOOSE)
    add_case(FAM, "nn.InstanceNorm3d", "affine,trackRunningStats", xs([2, 2, 3, 2, 2]) + affine(2), seq,
             dict(in3, affine=True, trackRunningStats=True), tol=LOOSE)
    add_case(FAM, "nn.InstanceNorm3d", "unbatched,transposed", xs([2, 2, 3, 2], "transposed"), seq, dict(in3), tol=LOOSE)


def main():
    torch.manual_seed(0)
    for gen in [gen_conv, gen_pool, gen_pool2d, gen_norms]:
        gen()
    path = os.path.join(ROOT, "test", "fixtures", "breadth_layers3d.json")
    mf.write_cases(path, "scripts/make_fixtures_layers3d.py", mf.CASES)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e3:.1f} kB, {len(mf.CASES)} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
