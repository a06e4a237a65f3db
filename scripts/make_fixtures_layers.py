#!/usr/bin/python3
"""Golden fixtures for the convolution, padding, resizing and embedding layers, computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_layers.py

Writes test/fixtures/breadth_layers.json in the case format of ops.json (scripts/make_fixtures.py's
case builder: float32-exact inputs, float64 references, random upstream gradients,
transposed/sliced/expanded layouts). Deterministic (fixed seeds); commit the output.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import Inp, add_case  # noqa: E402
from make_fixtures_breadth import write  # noqa: E402

FAM = "layers"


def idx(data):
    return Inp("idx", data=data, dtype="int32")


def gen_conv():
    def conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        return F.conv1d(x, w, b, stride, padding, dilation, groups)

    def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)

    def convt1d(x, w, b=None, stride=1, padding=0, outputPadding=0, groups=1, dilation=1):
        return F.conv_transpose1d(x, w, b, stride, padding, outputPadding, groups, dilation)

    def convt2d(x, w, b=None, stride=1, padding=0, outputPadding=0, groups=1, dilation=1):
        return F.conv_transpose2d(x, w, b, stride, padding, outputPadding, groups, dilation)

    add_case(FAM, "F.conv1d", "bias", [Inp("x", [2, 3, 7]), Inp("w", [4, 3, 3]), Inp("b", [4])], conv1d)
    add_case(FAM, "F.conv1d", "stride 2,padding 2,dilation 2,transposed", [Inp("x", [2, 3, 7], layout="transposed"), Inp("w", [2, 3, 3])],
             conv1d, {"stride": 2, "padding": 2, "dilation": 2})
    add_case(FAM, "F.conv1d", "same,even kernel,dilation 3,groups 2", [Inp("x", [1, 4, 9]), Inp("w", [6, 2, 4]), Inp("b", [6])], conv1d,
             {"padding": "same", "dilation": 3, "groups": 2})
    add_case(FAM, "F.conv1d", "unbatched,valid", [Inp("x", [2, 6]), Inp("w", [3, 2, 2])], conv1d, {"padding": "valid"})
    add_case(FAM, "F.conv2d", "dilation [2,1],stride [1,2],groups 2,bias", [Inp("x", [2, 4, 7, 6]), Inp("w", [6, 2, 3, 2]), Inp("b", [6])],
             conv2d, {"stride": [1, 2], "dilation": [2, 1], "groups": 2})
    add_case(FAM, "F.conv2d", "same,kernel [2,3],dilation 2", [Inp("x", [1, 2, 5, 6]), Inp("w", [3, 2, 2, 3])], conv2d,
             {"padding": "same", "dilation": 2})
    add_case(FAM, "F.conv2d", "depthwise,padding [1,2],sliced", [Inp("x", [2, 3, 5, 4], layout="sliced"), Inp("w", [3, 1, 3, 3]), Inp("b", [3])],
             conv2d, {"padding": [1, 2], "groups": 3})
    add_case(FAM, "F.conv2d", "unbatched,dilation 2,stride 2,padding 1", [Inp("x", [2, 7, 7]), Inp("w", [2, 2, 3, 3])], conv2d,
             {"stride": 2, "padding": 1, "dilation": 2})
    add_case(FAM, "F.convTranspose1d", "stride 2,padding 1,outputPadding 1,bias", [Inp("x", [2, 3, 5]), Inp("w", [3, 2, 4]), Inp("b", [2])],
             convt1d, {"stride": 2, "padding": 1, "outputPadding": 1})
    add_case(FAM, "F.convTranspose2d", "stride 2,padding 1,outputPadding 1,bias", [Inp("x", [2, 3, 4, 3]), Inp("w", [3, 2, 3, 3]), Inp("b", [2])],
             convt2d, {"stride": 2, "padding": 1, "outputPadding": 1})
    add_case(FAM, "F.convTranspose2d", "groups 2,dilation 2,stride [2,1],transposed", [Inp("x", [1, 4, 3, 4], layout="transposed"), Inp("w", [4, 3, 2, 3])],
             convt2d, {"stride": [2, 1], "groups": 2, "dilation": 2})
    add_case(FAM, "F.convTranspose2d", "outputPadding 1 >= stride 1 (< dilation 2)", [Inp("x", [1, 2, 3, 3]), Inp("w", [2, 2, 2, 2])], convt2d,
             {"outputPadding": 1, "dilation": 2, "padding": 1})
    add_case(FAM, "F.convTranspose2d", "unbatched", [Inp("x", [2, 3, 3]), Inp("w", [2, 3, 2, 2])], convt2d, {"stride": 3})

    def conv_mod(x, w, b, padding=0, paddingMode="zeros", stride=1, dilation=1):
        m = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=stride, padding=padding, dilation=dilation, padding_mode=paddingMode)
        del m.weight, m.bias  # the fixture's tensors themselves, so their gradients reach the leaves
        m.weight, m.bias = w, b
        return m(x)

    for mode in ["reflect", "replicate", "circular"]:
        add_case(FAM, "nn.Conv2d", f"paddingMode {mode},padding [1,2]", [Inp("x", [1, 2, 4, 5]), Inp("w", [3, 2, 3, 3]), Inp("b", [3])], conv_mod,
                 {"padding": [1, 2], "paddingMode": mode})
    add_case(FAM, "nn.Conv2d", "paddingMode reflect,same,kernel 2", [Inp("x", [1, 2, 4, 5]), Inp("w", [2, 2, 2, 2]), Inp("b", [2])], conv_mod,
             {"padding": "same", "paddingMode": "reflect"})


def gen_pad():
    def pad(x, pad=None, mode="constant", value=None):
        return F.pad(x, pad, mode=mode, value=value)

    add_case(FAM, "F.pad", "constant value 1.5", [Inp("x", [2, 3, 4])], pad, {"pad": [1, 2, 0, 1], "value": 1.5})
    add_case(FAM, "F.pad", "constant negative (crop),transposed", [Inp("x", [3, 5], layout="transposed")], pad, {"pad": [-1, 2, 1, -2]})
    add_case(FAM, "F.pad", "reflect 1-D", [Inp("x", [2, 3, 5])], pad, {"pad": [2, 4], "mode": "reflect"})
    add_case(FAM, "F.pad", "reflect 2-D,sliced", [Inp("x", [1, 2, 3, 4], layout="sliced")], pad, {"pad": [1, 3, 2, 0], "mode": "reflect"})
    add_case(FAM, "F.pad", "replicate 2-D", [Inp("x", [2, 3, 4])], pad, {"pad": [2, 0, 1, 3], "mode": "replicate"})
    add_case(FAM, "F.pad", "replicate 3-D", [Inp("x", [1, 1, 2, 3, 2])], pad, {"pad": [1, 1, 0, 2, 1, 0], "mode": "replicate"})
    add_case(FAM, "F.pad", "circular 1-D", [Inp("x", [1, 2, 4])], pad, {"pad": [3, 1], "mode": "circular"})
    add_case(FAM, "F.pad", "circular 2-D,expanded", [Inp("x", [1, 2, 3, 3], layout="expanded", expand_dim=1)], pad, {"pad": [1, 2, 2, 1], "mode": "circular"})


def gen_resize():
    def interp(x, size=None, scaleFactor=None, mode="nearest", alignCorners=None):
        return F.interpolate(x, size=size, scale_factor=scaleFactor, mode=mode, align_corners=alignCorners)

    add_case(FAM, "F.interpolate", "nearest 1-D scale 2", [Inp("x", [2, 2, 4])], interp, {"scaleFactor": 2})
    add_case(FAM, "F.interpolate", "nearest 1-D size 7 (down from 9)", [Inp("x", [1, 2, 9])], interp, {"size": 7})
    add_case(FAM, "F.interpolate", "nearest 2-D size [5,3],transposed", [Inp("x", [1, 2, 4, 3], layout="transposed")], interp, {"size": [5, 3]})
    add_case(FAM, "F.interpolate", "nearest 2-D scale [1.5,0.7]", [Inp("x", [1, 2, 5, 7])], interp, {"scaleFactor": [1.5, 0.7]})
    add_case(FAM, "F.interpolate", "nearest 2-D size 9 from 3", [Inp("x", [1, 1, 3, 3])], interp, {"size": 9})
    for ac in [False, True]:
        add_case(FAM, "F.interpolate", f"bilinear size [6,5],alignCorners {ac}", [Inp("x", [2, 2, 3, 4])], interp,
                 {"size": [6, 5], "mode": "bilinear", "alignCorners": ac})
        add_case(FAM, "F.interpolate", f"bilinear scale 0.6 (down),alignCorners {ac},sliced", [Inp("x", [1, 2, 7, 5], layout="sliced")], interp,
                 {"scaleFactor": 0.6, "mode": "bilinear", "alignCorners": ac})
    add_case(FAM, "F.interpolate", "bilinear scale [2,1.5]", [Inp("x", [1, 1, 3, 4])], interp, {"scaleFactor": [2, 1.5], "mode": "bilinear"})
    for ac in [False, True]:
        add_case(FAM, "F.interpolate", f"linear size 7 from 4,alignCorners {ac}", [Inp("x", [2, 3, 4])], interp,
                 {"size": 7, "mode": "linear", "alignCorners": ac})
        add_case(FAM, "F.interpolate", f"bicubic size [7,5],alignCorners {ac}", [Inp("x", [1, 2, 4, 3])], interp,
                 {"size": [7, 5], "mode": "bicubic", "alignCorners": ac})
        add_case(FAM, "F.interpolate", f"bicubic scale 0.6 (down),alignCorners {ac},sliced", [Inp("x", [1, 1, 7, 6], layout="sliced")], interp,
                 {"scaleFactor": 0.6, "mode": "bicubic", "alignCorners": ac})
        add_case(FAM, "F.interpolate", f"trilinear size [3,5,4],alignCorners {ac}", [Inp("x", [1, 2, 2, 3, 5])], interp,
                 {"size": [3, 5, 4], "mode": "trilinear", "alignCorners": ac})
    add_case(FAM, "F.interpolate", "linear scale 0.5 (down)", [Inp("x", [1, 2, 9])], interp, {"scaleFactor": 0.5, "mode": "linear"})
    add_case(FAM, "F.interpolate", "nearest 3-D scale [2,1,0.5]", [Inp("x", [1, 1, 2, 3, 4])], interp, {"scaleFactor": [2, 1, 0.5]})
    add_case(FAM, "F.interpolate", "nearest-exact 1-D size 7 from 9", [Inp("x", [1, 2, 9])], interp, {"size": 7, "mode": "nearest-exact"})
    add_case(FAM, "F.interpolate", "nearest-exact 2-D scale [1.5,0.7]", [Inp("x", [1, 2, 5, 7])], interp, {"scaleFactor": [1.5, 0.7], "mode": "nearest-exact"})
    add_case(FAM, "F.interpolate", "area 1-D size 4 from 10", [Inp("x", [2, 2, 10])], interp, {"size": 4, "mode": "area"})
    add_case(FAM, "F.interpolate", "area 2-D size [3,2],transposed", [Inp("x", [1, 2, 7, 5], layout="transposed")], interp, {"size": [3, 2], "mode": "area"})
    add_case(FAM, "F.interpolate", "area 3-D scale 0.5", [Inp("x", [1, 1, 4, 5, 6])], interp, {"scaleFactor": 0.5, "mode": "area"})
    add_case(FAM, "F.pixelShuffle", "r 2", [Inp("x", [2, 8, 2, 3])], lambda x, r=None: F.pixel_shuffle(x, r), {"r": 2})
    add_case(FAM, "F.pixelShuffle", "r 3,unbatched,transposed", [Inp("x", [9, 3, 2], layout="transposed")], lambda x, r=None: F.pixel_shuffle(x, r), {"r": 3})
    add_case(FAM, "F.pixelUnshuffle", "r 2,5-D", [Inp("x", [2, 1, 2, 4, 6])], lambda x, r=None: F.pixel_unshuffle(x, r), {"r": 2})


def gen_embedding():
    def emb(idx, w, paddingIdx=None):
        return F.embedding(idx, w, padding_idx=paddingIdx)

    add_case(FAM, "F.embedding", "paddingIdx 2", [idx([[0, 2, 4], [2, 2, 1]]), Inp("w", [5, 3])], emb, {"paddingIdx": 2})
    add_case(FAM, "F.embedding", "paddingIdx -1,transposed weight", [idx([4, 0, 4, 3]), Inp("w", [5, 3], layout="transposed")], emb, {"paddingIdx": -1})
    add_case(FAM, "F.embedding", "no paddingIdx", [idx([[1], [3]]), Inp("w", [4, 2])], emb)


def main():
    torch.manual_seed(0)
    for gen in [gen_conv, gen_pad, gen_resize, gen_embedding]:
        gen()
    write("breadth_layers.json", {"cases": mf.CASES})


if __name__ == "__main__":
    main()
