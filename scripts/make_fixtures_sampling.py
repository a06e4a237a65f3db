#!/usr/bin/python3
"""Golden fixtures for unfold, fold, affine_grid and grid_sample, computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_sampling.py

Writes test/fixtures/breadth_sampling.json in the case format of ops.json (scripts/make_fixtures.py's
case builder: float32-exact inputs, float64 references, random upstream gradients,
transposed/sliced layouts). Deterministic (fixed seeds); commit the output.
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

FAM = "sampling"
GEN = torch.Generator().manual_seed(7)


def grid_data(shape, lo=-1.3, hi=1.3):
    """Positions in [lo, hi] (some outside [-1, 1]), 4 decimals."""
    v = torch.rand(shape, generator=GEN, dtype=torch.float64) * (hi - lo) + lo
    return (torch.round(v * 10000) / 10000).tolist()


def gen_unfold():
    def unfold(x, kernelSize=None, dilation=1, padding=0, stride=1):
        return F.unfold(x, kernelSize, dilation, padding, stride)

    def fold(x, outputSize=None, kernelSize=None, dilation=1, padding=0, stride=1):
        return F.fold(x, outputSize, kernelSize, dilation, padding, stride)

    add_case(FAM, "F.unfold", "kernel [2,3]", [Inp("x", [2, 3, 5, 6])], unfold, {"kernelSize": [2, 3]})
    add_case(FAM, "F.unfold", "dilation 2,padding 1,stride [2,1],transposed", [Inp("x", [2, 2, 6, 5], layout="transposed")], unfold,
             {"kernelSize": 3, "dilation": 2, "padding": 1, "stride": [2, 1]})
    add_case(FAM, "F.unfold", "unbatched,stride 2,sliced", [Inp("x", [3, 4, 5], layout="sliced")], unfold, {"kernelSize": 2, "stride": 2})
    add_case(FAM, "F.unfold", "padding [0,2],dilation [1,2]", [Inp("x", [1, 2, 4, 3])], unfold,
             {"kernelSize": [2, 2], "padding": [0, 2], "dilation": [1, 2]})
    add_case(FAM, "F.fold", "overlapping,kernel 2", [Inp("x", [2, 12, 20])], fold, {"outputSize": [5, 6], "kernelSize": 2})
    add_case(FAM, "F.fold", "dilation 2,padding 1,stride [2,1],transposed", [Inp("x", [1, 18, 6], layout="transposed")], fold,
             {"outputSize": [6, 5], "kernelSize": 3, "dilation": 2, "padding": 1, "stride": [2, 1]})
    add_case(FAM, "F.fold", "unbatched,kernel [2,3],stride 2", [Inp("x", [12, 6])], fold, {"outputSize": [5, 7], "kernelSize": [2, 3], "stride": 2})
    add_case(FAM, "nn.Unfold", "kernel 2,padding 1", [Inp("x", [1, 2, 3, 4])], lambda x, **a: nn.Unfold(2, padding=1)(x), {})
    add_case(FAM, "nn.Fold", "outputSize [4,5],kernel 2", [Inp("x", [1, 8, 12])], lambda x, **a: nn.Fold([4, 5], 2)(x), {})


def gen_grid():
    def affine(theta, size=None, alignCorners=False):
        return F.affine_grid(theta, size, align_corners=alignCorners)

    def sample(x, grid, mode="bilinear", paddingMode="zeros", alignCorners=False):
        return F.grid_sample(x, grid, mode=mode, padding_mode=paddingMode, align_corners=alignCorners)

    def sample_affine(x, theta, mode="bilinear", paddingMode="zeros", alignCorners=False, size=None):
        return sample(x, affine(theta, size, alignCorners), mode, paddingMode, alignCorners)

    theta = [[[0.9137, -0.3071, 0.1123], [0.2219, 1.1043, -0.1538]], [[1.2917, 0.4129, -0.2061], [-0.4987, 0.7213, 0.3169]]]
    for align in [False, True]:
        add_case(FAM, "F.affineGrid", f"alignCorners {align}", [Inp("theta", data=theta)], affine,
                 {"size": [2, 3, 4, 5], "alignCorners": align})
    add_case(FAM, "F.affineGrid", "size 1x1", [Inp("theta", data=theta[:1])], affine, {"size": [1, 1, 1, 1]})
    for mode in ["bilinear", "nearest"]:
        for pad in ["zeros", "border", "reflection"]:
            for align in [False, True]:
                layout = "transposed" if pad == "border" else "contiguous"
                add_case(FAM, "F.gridSample", f"{mode},{pad},alignCorners {align}",
                         [Inp("x", [2, 3, 4, 5], layout=layout), Inp("grid", data=grid_data([2, 3, 4, 2]))], sample,
                         {"mode": mode, "paddingMode": pad, "alignCorners": align})
    add_case(FAM, "F.gridSample", "bilinear,reflection,far outside", [Inp("x", [1, 2, 3, 4]), Inp("grid", data=grid_data([1, 5, 3, 2], -4, 4))],
             sample, {"paddingMode": "reflection"})
    add_case(FAM, "F.gridSample", "bilinear,zeros,of affineGrid", [Inp("x", [2, 2, 5, 4]), Inp("theta", data=theta)], sample_affine,
             {"size": [2, 2, 3, 6], "alignCorners": False})


def main():
    torch.manual_seed(0)
    for gen in [gen_unfold, gen_grid]:
        gen()
    write("breadth_sampling.json", {"cases": mf.CASES})


if __name__ == "__main__":
    main()
