#!/usr/bin/python3
"""Golden fixtures for the everyday composites of issue 12 (losses, activations, normalization,
pooling) and for RMSprop, Adagrad and the added lr schedulers, computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_breadth.py

Writes test/fixtures/breadth_{losses,activations,norms,pooling}.json in the case format of
ops.json (see scripts/make_fixtures.py, whose case builder this script reuses: float32-exact
inputs, float64 references, random upstream gradients, transposed/sliced/expanded layouts) and
test/fixtures/breadth_optim.json:

    optim:      [{name, optimizer, opts (dlgrad names), params0: [T], grads: [[T per param] per step],
                  params: [[T per param] after each step], state: {"<i>.<name>": T after the last step}}]
    schedulers: [{name, scheduler, args (dlgrad names), steps: [{lrs: [per group], momenta?: [per group],
                  metric?: number}]}]   one entry after construction, then one per step

Deterministic (fixed seeds); commit the outputs.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, LOOSE, add_case, shp  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
DT = torch.float64


def idx(data):
    return Inp("target", data=data, dtype="int32")


# ---------------------------------------------------------------- losses


def gen_losses():
    fam = "losses"
    reds = ["mean", "sum", "none"]

    def ce(x, t, w=None, reduction="mean", ignoreIndex=-100, labelSmoothing=0.0):
        return F.cross_entropy(x, t, weight=w, reduction=reduction, ignore_index=ignoreIndex, label_smoothing=labelSmoothing)

    def nll(x, t, w=None, reduction="mean", ignoreIndex=-100):
        return F.nll_loss(x, t, weight=w, reduction=reduction, ignore_index=ignoreIndex)

    for r in reds:
        add_case(fam, "F.crossEntropy", f"weight,{r}", [Inp("x", [4, 5]), idx([1, 0, 4, 2]), Inp("w", [5], "pos", grad=False)],
                 ce, {"reduction": r})
        add_case(fam, "F.crossEntropy", f"weight,ignore,smoothing,{r}",
                 [Inp("x", [4, 5]), idx([1, -100, 4, 1]), Inp("w", [5], "pos", grad=False)], ce, {"reduction": r, "labelSmoothing": 0.2})
        add_case(fam, "F.nllLoss", f"weight,ignoreIndex=2,{r}",
                 [Inp("x", [4, 5]), idx([2, 0, 3, 2]), Inp("w", [5], "pos", grad=False)], nll, {"reduction": r, "ignoreIndex": 2})
    add_case(fam, "F.crossEntropy", "weight,N-d,transposed",
             [Inp("x", [2, 5, 3], layout="transposed"), idx([[1, 4, 0], [2, 2, 3]]), Inp("w", [5], "pos", grad=False)], ce)
    add_case(fam, "F.crossEntropy", "weight,1-d", [Inp("x", [5]), Inp("target", data=3, shape=[], dtype="int32"),
                                                   Inp("w", [5], "pos", grad=False)], ce)
    add_case(fam, "F.crossEntropy", "probabilities,weight,smoothing",
             [Inp("x", [3, 4]), Inp("target", [3, 4], "unit"), Inp("w", [4], "pos", grad=False)], ce, {"labelSmoothing": 0.1})
    add_case(fam, "F.crossEntropy", "probabilities,N-d,sum",
             [Inp("x", [2, 3, 2], layout="sliced"), Inp("target", [2, 3, 2], "unit")], ce, {"reduction": "sum"})
    add_case(fam, "F.nllLoss", "weight,N-d", [Inp("x", [2, 4, 3]), idx([[1, 3, 0], [2, 2, 1]]), Inp("w", [4], "pos", grad=False)], nll)
    add_case(fam, "F.nllLoss", "all ignored", [Inp("x", [2, 3]), idx([-100, -100])], nll)

    def bce(x, t, w=None, reduction="mean"):
        return F.binary_cross_entropy(x, t, weight=w, reduction=reduction)

    for r in reds:
        add_case(fam, "F.binaryCrossEntropy", r, [Inp("x", [3, 4], "unit"), Inp("target", [3, 4], "unit")], bce,
                 {"reduction": r})
    add_case(fam, "F.binaryCrossEntropy", "weight broadcast,transposed",
             [Inp("x", [3, 4], "unit", layout="transposed"), Inp("target", [3, 4], "mask", grad=False), Inp("w", [4], "pos", grad=False)], bce)
    add_case(fam, "F.binaryCrossEntropy", "0 and 1 (log clamped at -100)",
             [Inp("x", data=[0.0, 1.0, 0.0, 1.0, 0.5], grad=False), Inp("target", data=[0.0, 1.0, 1.0, 0.0, 0.3], grad=False)],
             bce, {"reduction": "none"}, grads=False)

    def bcel(x, t, w=None, pw=None, reduction="mean"):
        return nn.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction=reduction)(x, t)

    for r in ["mean", "none"]:
        add_case(fam, "nn.BCEWithLogitsLoss", f"weight,posWeight,{r}",
                 [Inp("x", [3, 4]), Inp("target", [3, 4], "unit", grad=False), Inp("w", [4], "pos", grad=False),
                  Inp("pw", [4], "pos", grad=False)], bcel, {"reduction": r})

    def l1(x, t, reduction="mean"):
        return F.l1_loss(x, t, reduction=reduction)

    def sl1(x, t, reduction="mean", beta=1.0):
        return F.smooth_l1_loss(x, t, reduction=reduction, beta=beta)

    def hub(x, t, reduction="mean", delta=1.0):
        return F.huber_loss(x, t, reduction=reduction, delta=delta)

    for r in reds:
        add_case(fam, "F.l1Loss", r, [Inp("x", [3, 4]), Inp("target", [3, 4])], l1, {"reduction": r})
        add_case(fam, "F.smoothL1Loss", f"beta=0.5,{r}", [Inp("x", [3, 4]), Inp("target", [3, 4])], sl1,
                 {"reduction": r, "beta": 0.5})
        add_case(fam, "F.huberLoss", f"delta=0.7,{r}", [Inp("x", [3, 4]), Inp("target", [3, 4])], hub,
                 {"reduction": r, "delta": 0.7})
    add_case(fam, "F.l1Loss", "sliced&transposed", [Inp("x", [3, 4], layout="sliced"), Inp("target", [3, 4], layout="transposed")], l1)
    add_case(fam, "F.smoothL1Loss", "default", [Inp("x", [2, 3, 2]), Inp("target", [2, 3, 2])], sl1)
    add_case(fam, "F.smoothL1Loss", "beta=0", [Inp("x", [3, 4]), Inp("target", [3, 4])], sl1, {"beta": 0.0})
    add_case(fam, "F.huberLoss", "default,expanded", [Inp("x", [3, 4], layout="expanded"), Inp("target", [3, 4])], hub)

    def kl(x, t, reduction="mean", logTarget=False):
        return F.kl_div(x, t, reduction=reduction, log_target=logTarget)

    for r in reds + ["batchmean"]:
        add_case(fam, "F.klDiv", r, [Inp("x", [3, 4]), Inp("target", [3, 4], "unit")], kl, {"reduction": r})
        add_case(fam, "F.klDiv", f"logTarget,{r}", [Inp("x", [3, 4]), Inp("target", [3, 4])], kl,
                 {"reduction": r, "logTarget": True})
    add_case(fam, "F.klDiv", "zero targets", [Inp("x", [2, 3]), Inp("target", data=[[0.0, 0.5, 0.5], [0.25, 0.0, 0.75]], grad=False)],
             kl, {"reduction": "batchmean"})
    add_case(fam, "F.klDiv", "broadcast,transposed", [Inp("x", [3, 4], layout="transposed"), Inp("target", [4], "unit")], kl,
             {"reduction": "sum"})

    def cos(a, b, dim=1, eps=1e-8):
        return F.cosine_similarity(a, b, dim, eps)

    add_case(fam, "F.cosineSimilarity", "[3,4]", [Inp("x1", [3, 4]), Inp("x2", [3, 4])], cos)
    add_case(fam, "F.cosineSimilarity", "dim=-1,broadcast", [Inp("x1", [2, 3, 4]), Inp("x2", [4])], cos, {"dim": -1})
    add_case(fam, "F.cosineSimilarity", "dim=0,transposed&sliced",
             [Inp("x1", [3, 4], layout="transposed"), Inp("x2", [3, 4], layout="sliced")], cos, {"dim": 0})
    add_case(fam, "F.cosineSimilarity", "norm below eps",
             [Inp("x1", data=[[1e-3, 2e-3, -1e-3], [0.5, -0.25, 1.0]]), Inp("x2", data=[[3.0, 1.0, 2.0], [0.0, 0.0, 0.0]])],
             cos, {"dim": 1, "eps": 0.01})

    def pd(a, b, p=2.0, eps=1e-6, keepdim=False):
        return F.pairwise_distance(a, b, p, eps, keepdim)

    for p in [2.0, 1.0, 3.0, math.inf]:
        add_case(fam, "F.pairwiseDistance", f"p={p}", [Inp("x1", [3, 4]), Inp("x2", [3, 4])], pd, {"p": p})
    add_case(fam, "F.pairwiseDistance", "p=0", [Inp("x1", [3, 4]), Inp("x2", data=[[0.0] * 4] * 3, grad=False)], pd, {"p": 0.0})
    add_case(fam, "F.pairwiseDistance", "keepdim,broadcast,eps", [Inp("x1", [2, 3, 4]), Inp("x2", [4], layout="sliced")], pd,
             {"keepdim": True, "eps": 0.1})
    add_case(fam, "F.pairwiseDistance", "1-d", [Inp("x1", [5]), Inp("x2", [5])], pd)


# ---------------------------------------------------------------- activations

# (op, torch function, input kind, scale): inputs are multiplied by scale first, to reach the
# interesting range (relu6 saturates at 6, hardswish and hardsigmoid at ±3)
ACTS = [
    ("F.hardtanh", F.hardtanh, "normal", 1.0),
    ("F.relu6", F.relu6, "nonzero", 4.0),
    ("F.elu", F.elu, "nonzero", 1.0),
    ("F.selu", F.selu, "nonzero", 1.0),
    ("F.softplus", F.softplus, "normal", 1.0),
    ("F.mish", F.mish, "normal", 1.0),
    ("F.logsigmoid", F.logsigmoid, "normal", 1.0),
    ("F.hardswish", F.hardswish, "normal", 3.0),
    ("F.hardsigmoid", F.hardsigmoid, "normal", 3.0),
]


def gen_activations():
    fam = "activations"
    for op, fn, kind, scale in ACTS:
        args = {} if scale == 1.0 else {"scale": scale}
        for layout, s in [("contiguous", [2, 3]), ("transposed", [3, 4]), ("sliced", [2, 3]), ("contiguous", [])]:
            add_case(fam, op, f"{shp(s)}:{layout}", [Inp("x", s, kind, layout)], lambda x, scale=1.0, _f=fn: _f(x * scale), args)
    # the kinks and the tails: the gradient PyTorch gives exactly at a boundary
    kinks = [-40.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 25.0]
    for op, fn, _, _ in ACTS:
        add_case(fam, op, "kinks", [Inp("x", data=kinks)], lambda x, _f=fn: _f(x))
    add_case(fam, "F.hardtanh", "minVal=-0.5,maxVal=2", [Inp("x", [3, 4], "nonzero")],
             lambda x, minVal=-1.0, maxVal=1.0: F.hardtanh(x, minVal, maxVal), {"minVal": -0.5, "maxVal": 2.0})
    add_case(fam, "F.elu", "alpha=0.3", [Inp("x", [3, 4], "nonzero")], lambda x, alpha=1.0: F.elu(x, alpha), {"alpha": 0.3})
    add_case(fam, "F.softplus", "beta=2,threshold=1", [Inp("x", data=[-2.0, -0.3, 0.2, 0.45, 0.55, 1.0, 3.0])],
             lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold), {"beta": 2.0, "threshold": 1.0})
    glu = lambda x, dim=-1: F.glu(x, dim)
    add_case(fam, "F.glu", "dim=-1", [Inp("x", [3, 4])], glu)
    add_case(fam, "F.glu", "dim=1,transposed", [Inp("x", [2, 4, 3], layout="transposed")], glu, {"dim": 1})
    add_case(fam, "F.glu", "dim=0", [Inp("x", [2, 3])], glu, {"dim": 0})
    pr = lambda x, w: F.prelu(x, w)
    add_case(fam, "F.prelu", "per channel [2,3,4]", [Inp("x", [2, 3, 4], "nonzero"), Inp("w", [3], "pos")], pr)
    add_case(fam, "F.prelu", "per channel [2,3]", [Inp("x", [2, 3], "nonzero", layout="sliced"), Inp("w", [3])], pr)
    add_case(fam, "F.prelu", "shared [2,3,2,2]", [Inp("x", [2, 3, 2, 2], "nonzero"), Inp("w", [1], "pos")], pr)
    add_case(fam, "F.prelu", "1-d", [Inp("x", [5], "nonzero"), Inp("w", [1])], pr)
    add_case(fam, "F.prelu", "zeros", [Inp("x", data=[[0.0, -1.0], [2.0, 0.0]]), Inp("w", data=[0.2, 0.3])], pr)


# ---------------------------------------------------------------- normalization


def gen_norms():
    fam = "norms"

    def bn(x, rm=None, rv=None, w=None, b=None, training=False, momentum=0.1, eps=1e-5):
        rm = None if rm is None else rm.detach().clone()
        rv = None if rv is None else rv.detach().clone()
        y = F.batch_norm(x, rm, rv, w, b, training, momentum, eps)
        return [y] + ([rm, rv] if rm is not None else [])

    stats = lambda c: [Inp("rm", [c], grad=False), Inp("rv", [c], "pos", grad=False)]
    affine = lambda c: [Inp("w", [c], "pos"), Inp("b", [c])]
    add_case(fam, "F.batchNorm", "train [4,3,2,2]", [Inp("x", [4, 3, 2, 2])] + stats(3) + affine(3), bn,
             {"training": True}, tol=LOOSE)
    add_case(fam, "F.batchNorm", "train [5,3] momentum=0.3 eps=0.01", [Inp("x", [5, 3])] + stats(3) + affine(3), bn,
             {"training": True, "momentum": 0.3, "eps": 0.01}, tol=LOOSE)
    add_case(fam, "F.batchNorm", "train [2,4,3] transposed, no stats", [Inp("x", [2, 4, 3], layout="transposed")], bn,
             {"training": True}, tol=LOOSE)
    add_case(fam, "F.batchNorm", "eval [3,2,4] sliced", [Inp("x", [3, 2, 4], layout="sliced")] + stats(2) + affine(2), bn,
             {}, tol=LOOSE)
    add_case(fam, "F.batchNorm", "eval no affine", [Inp("x", [3, 2])] + stats(2), bn, {}, tol=LOOSE)

    def gn(x, w=None, b=None, numGroups=1, eps=1e-5):
        return F.group_norm(x, numGroups, w, b, eps)

    for g in [1, 2, 4]:
        add_case(fam, "F.groupNorm", f"groups={g}", [Inp("x", [2, 4, 3])] + affine(4), gn, {"numGroups": g}, tol=LOOSE)
    add_case(fam, "F.groupNorm", "[2,6,2,2] groups=3 eps, transposed", [Inp("x", [2, 6, 2, 2], layout="transposed")], gn,
             {"numGroups": 3, "eps": 0.1}, tol=LOOSE)

    def inorm(x, rm=None, rv=None, w=None, b=None, useInputStats=True, momentum=0.1, eps=1e-5):
        rm = None if rm is None else rm.detach().clone()
        rv = None if rv is None else rv.detach().clone()
        y = F.instance_norm(x, rm, rv, w, b, useInputStats, momentum, eps)
        return [y] + ([rm, rv] if rm is not None else [])

    add_case(fam, "F.instanceNorm", "[2,3,2,3]", [Inp("x", [2, 3, 2, 3])], inorm, tol=LOOSE)
    add_case(fam, "F.instanceNorm", "stats,affine,momentum=0.2", [Inp("x", [3, 2, 4])] + stats(2) + affine(2), inorm,
             {"momentum": 0.2}, tol=LOOSE)
    add_case(fam, "F.instanceNorm", "useInputStats=false", [Inp("x", [2, 2, 3, 2], layout="sliced")] + stats(2), inorm,
             {"useInputStats": False}, tol=LOOSE)

    def use_leaves(m, w, b):
        # the module computes with the case's leaves themselves (an nn.Parameter would copy them)
        del m._parameters["weight"], m._parameters["bias"]
        m.weight, m.bias = w, b

    # modules over a sequence: two training steps, then eval; buffers after
    def bn_seq(x1, x2, x3, w=None, b=None, layer="BatchNorm2d", momentum=0.1, affine=True, trackRunningStats=True):
        cls = getattr(nn, layer)
        m = cls(x1.shape[1], momentum=momentum, affine=affine, track_running_stats=trackRunningStats).double()
        if affine:
            use_leaves(m, w, b)
        y1, y2 = m(x1), m(x2)
        m.eval()
        y3 = m(x3)
        outs = [y1, y2, y3]
        if trackRunningStats:
            outs += [m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()]
        return outs

    xs = lambda s, lay="contiguous": [Inp("x1", s, layout=lay), Inp("x2", s, "pos"), Inp("x3", s)]
    add_case(fam, "nn.BatchNorm2d", "train,train,eval", xs([3, 2, 2, 3]) + affine(2), bn_seq, {}, tol=LOOSE)
    add_case(fam, "nn.BatchNorm2d", "momentum=null (cumulative)", xs([2, 3, 2, 2], "transposed") + affine(3), bn_seq,
             {"momentum": None}, tol=LOOSE)
    add_case(fam, "nn.BatchNorm1d", "[4,3] no affine", xs([4, 3]), bn_seq, {"layer": "BatchNorm1d", "affine": False}, tol=LOOSE)
    add_case(fam, "nn.BatchNorm1d", "[3,2,4] momentum=0.5", xs([3, 2, 4]) + affine(2), bn_seq,
             {"layer": "BatchNorm1d", "momentum": 0.5}, tol=LOOSE)
    add_case(fam, "nn.BatchNorm1d", "no running stats", xs([4, 2]) + affine(2), bn_seq,
             {"layer": "BatchNorm1d", "trackRunningStats": False}, tol=LOOSE)

    def in_seq(x1, x2, x3, w=None, b=None, affine=False, trackRunningStats=False):
        m = nn.InstanceNorm2d(x1.shape[-3], affine=affine, track_running_stats=trackRunningStats).double()
        if affine:
            use_leaves(m, w, b)
        y1, y2 = m(x1), m(x2)
        m.eval()
        outs = [y1, y2, m(x3)]
        if trackRunningStats:
            outs += [m.running_mean.clone(), m.running_var.clone()]
        return outs

    add_case(fam, "nn.InstanceNorm2d", "default", xs([2, 3, 2, 2]), in_seq, {}, tol=LOOSE)
    add_case(fam, "nn.InstanceNorm2d", "affine,trackRunningStats", xs([2, 2, 3, 2]) + affine(2), in_seq,
             {"affine": True, "trackRunningStats": True}, tol=LOOSE)
    add_case(fam, "nn.InstanceNorm2d", "unbatched", xs([2, 3, 3]), in_seq, {}, tol=LOOSE)


# ---------------------------------------------------------------- pooling


def gen_pooling():
    fam = "pooling"

    def ap1(x, kernel=None, stride=None, padding=0, ceilMode=False, countIncludePad=True):
        return F.avg_pool1d(x, kernel, stride, padding, ceilMode, countIncludePad)

    def ap2(x, kernel=None, stride=None, padding=0, ceilMode=False, countIncludePad=True, divisorOverride=None):
        return F.avg_pool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)

    add_case(fam, "F.avgPool1d", "k=2", [Inp("x", [2, 3, 6])], ap1, {"kernel": 2})
    add_case(fam, "F.avgPool1d", "k=3,s=2,p=1", [Inp("x", [1, 2, 7])], ap1, {"kernel": 3, "stride": 2, "padding": 1})
    add_case(fam, "F.avgPool1d", "k=3,s=2,p=1,ceil,exclude pad", [Inp("x", [1, 2, 8], layout="sliced")], ap1,
             {"kernel": 3, "stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False})
    add_case(fam, "F.avgPool1d", "unbatched,ceil", [Inp("x", [2, 7])], ap1, {"kernel": 3, "stride": 3, "ceilMode": True})
    add_case(fam, "F.avgPool2d", "k=2", [Inp("x", [2, 2, 4, 4])], ap2, {"kernel": 2})
    add_case(fam, "F.avgPool2d", "k=[3,2],s=[2,1],p=[1,0]", [Inp("x", [1, 2, 5, 4], layout="transposed")], ap2,
             {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 0]})
    add_case(fam, "F.avgPool2d", "k=3,s=2,p=1,ceil,exclude pad", [Inp("x", [1, 1, 6, 5])], ap2,
             {"kernel": 3, "stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False})
    add_case(fam, "F.avgPool2d", "ceil,include pad", [Inp("x", [1, 1, 6, 5])], ap2,
             {"kernel": 3, "stride": 2, "padding": 1, "ceilMode": True})
    add_case(fam, "F.avgPool2d", "divisorOverride,unbatched", [Inp("x", [2, 4, 4])], ap2,
             {"kernel": 2, "padding": 1, "divisorOverride": 3})

    def mp1(x, kernel=None, stride=None, padding=0, dilation=1, ceilMode=False, returnIndices=False):
        out = F.max_pool1d(x, kernel, stride, padding, dilation, ceilMode, returnIndices)
        return list(out) if returnIndices else out

    add_case(fam, "F.maxPool1d", "k=2", [Inp("x", [2, 3, 6])], mp1, {"kernel": 2})
    add_case(fam, "F.maxPool1d", "k=3,s=2,p=1,indices", [Inp("x", [1, 2, 7])], mp1,
             {"kernel": 3, "stride": 2, "padding": 1, "returnIndices": True})
    add_case(fam, "F.maxPool1d", "dilation=2,ceil,indices,sliced", [Inp("x", [2, 2, 9], layout="sliced")], mp1,
             {"kernel": 3, "stride": 2, "dilation": 2, "ceilMode": True, "returnIndices": True})
    add_case(fam, "F.maxPool1d", "unbatched,ties", [Inp("x", data=[[1.0, 1.0, 0.5, 2.0, 2.0, -1.0]])], mp1, {"kernel": 2, "stride": 1})

    aap1 = lambda x, size=None: F.adaptive_avg_pool1d(x, size)
    aap2 = lambda x, size=None: F.adaptive_avg_pool2d(x, size)

    def amp2(x, size=None, returnIndices=False):
        out = F.adaptive_max_pool2d(x, size, returnIndices)
        return list(out) if returnIndices else out

    add_case(fam, "F.adaptiveAvgPool1d", "8->4", [Inp("x", [2, 2, 8])], aap1, {"size": 4})
    add_case(fam, "F.adaptiveAvgPool1d", "7->3,transposed", [Inp("x", [2, 7, 3], layout="transposed")], aap1, {"size": 3})
    add_case(fam, "F.adaptiveAvgPool1d", "unbatched 5->7", [Inp("x", [2, 5])], aap1, {"size": 7})
    add_case(fam, "F.adaptiveAvgPool2d", "[4,6]->[2,3]", [Inp("x", [2, 2, 4, 6])], aap2, {"size": [2, 3]})
    add_case(fam, "F.adaptiveAvgPool2d", "[5,7]->[3,4]", [Inp("x", [1, 2, 5, 7], layout="sliced")], aap2, {"size": [3, 4]})
    add_case(fam, "F.adaptiveAvgPool2d", "->1 (global)", [Inp("x", [2, 3, 3, 5])], aap2, {"size": 1})
    add_case(fam, "F.adaptiveAvgPool2d", "[None,2],unbatched", [Inp("x", [2, 3, 5])], aap2, {"size": [None, 2]})
    add_case(fam, "F.adaptiveMaxPool2d", "[5,7]->[3,4],indices", [Inp("x", [2, 2, 5, 7])], amp2,
             {"size": [3, 4], "returnIndices": True})
    add_case(fam, "F.adaptiveMaxPool2d", "[4,4]->2,transposed", [Inp("x", [1, 2, 4, 4], layout="transposed")], amp2, {"size": 2})
    add_case(fam, "F.adaptiveMaxPool2d", "[3,5]->[4,2],unbatched,indices", [Inp("x", [2, 3, 5])], amp2,
             {"size": [4, 2], "returnIndices": True})


# ---------------------------------------------------------------- optimizers and schedulers

GEN = torch.Generator().manual_seed(4321)


def r32(shape, scale=1.0):
    return (torch.randn(*shape, generator=GEN) * scale).float()


def T(t):
    t = t.detach()
    out = {"shape": list(t.shape)}
    if t.dtype in (torch.int32, torch.int64):
        out["data"] = [int(v) for v in t.reshape(-1).tolist()]
        out["dtype"] = "int32"
    else:
        out["data"] = [float("%.9g" % v) for v in t.double().reshape(-1).tolist()]
    return out


STATE_NAMES = {"momentum_buffer": "momentumBuffer", "square_avg": "squareAvg", "grad_avg": "gradAvg",
               "sum": "sum", "step": "step"}
optim_cases = []


def optim_case(name, kind, opts, make):
    params0 = [r32([3, 4], 0.5), r32([5], 0.5)]
    steps = 5
    grads = [[r32(p.shape) for p in params0] for _ in range(steps)]
    params = [p.clone().requires_grad_(True) for p in params0]
    opt = make(params)
    history = []
    for s in range(steps):
        for p, g in zip(params, grads[s]):
            p.grad = g.clone()
        opt.step()
        history.append([T(p) for p in params])
    state = {}
    for i, p in enumerate(params):
        for k, v in opt.state[p].items():
            state["%d.%s" % (i, STATE_NAMES[k])] = T(v if torch.is_tensor(v) else torch.tensor(float(v)))
    optim_cases.append({"name": name, "optimizer": kind, "opts": opts, "params0": [T(p) for p in params0],
                        "grads": [[T(g) for g in gs] for gs in grads], "params": history, "state": state})


def gen_optim():
    O = torch.optim
    optim_case("RMSprop", "RMSprop", {}, lambda ps: O.RMSprop(ps))
    optim_case("RMSprop/alpha-eps-weightDecay", "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-4, "weightDecay": 0.1},
               lambda ps: O.RMSprop(ps, lr=0.02, alpha=0.9, eps=1e-4, weight_decay=0.1))
    optim_case("RMSprop/momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}, lambda ps: O.RMSprop(ps, lr=0.01, momentum=0.9))
    optim_case("RMSprop/centered", "RMSprop", {"lr": 0.01, "centered": True}, lambda ps: O.RMSprop(ps, lr=0.01, centered=True))
    optim_case("RMSprop/centered-momentum-maximize", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "maximize": True},
               lambda ps: O.RMSprop(ps, lr=0.01, centered=True, momentum=0.5, maximize=True))
    optim_case("Adagrad", "Adagrad", {}, lambda ps: O.Adagrad(ps))
    optim_case("Adagrad/lrDecay-weightDecay", "Adagrad", {"lr": 0.1, "lrDecay": 0.05, "weightDecay": 0.1},
               lambda ps: O.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1))
    optim_case("Adagrad/initialAccumulatorValue-eps-maximize", "Adagrad",
               {"lr": 0.05, "initialAccumulatorValue": 0.5, "eps": 1e-3, "maximize": True},
               lambda ps: O.Adagrad(ps, lr=0.05, initial_accumulator_value=0.5, eps=1e-3, maximize=True))


sched_cases = []


def sched_case(name, kind, args, make, steps, opt_kind="SGD", metrics=None):
    ps = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.01}]
    if opt_kind == "SGD":
        opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    sched = make(opt)

    def snap(metric=None):
        e = {"lrs": [g["lr"] for g in opt.param_groups]}
        e["momenta"] = [g["momentum"] if opt_kind == "SGD" else g["betas"][0] for g in opt.param_groups]
        if metric is not None:
            e["metric"] = metric
        return e

    seq = [snap()]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
            seq.append(snap(metrics[i]))
        else:
            sched.step()
            seq.append(snap())
    sched_cases.append({"name": name, "scheduler": kind, "optimizer": opt_kind, "args": args, "steps": seq})


def gen_schedulers():
    S = torch.optim.lr_scheduler
    sched_case("ExponentialLR", "ExponentialLR", {"gamma": 0.8}, lambda o: S.ExponentialLR(o, 0.8), 6)
    sched_case("MultiStepLR", "MultiStepLR", {"milestones": [2, 5, 5, 7], "gamma": 0.5},
               lambda o: S.MultiStepLR(o, [2, 5, 5, 7], gamma=0.5), 9)
    # the lambdas are named: the test has the same functions under these names
    sched_case("LambdaLR/power", "LambdaLR", {"lambda": "power"}, lambda o: S.LambdaLR(o, lambda e: 0.9 ** e), 6)
    sched_case("LambdaLR/per-group", "LambdaLR", {"lambda": ["power", "warmup"]},
               lambda o: S.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: min(1.0, (e + 1) / 4)]), 6)
    sched_case("CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts", {"t0": 3},
               lambda o: S.CosineAnnealingWarmRestarts(o, 3), 8)
    sched_case("CosineAnnealingWarmRestarts/tMult-etaMin", "CosineAnnealingWarmRestarts", {"t0": 2, "tMult": 2, "etaMin": 0.001},
               lambda o: S.CosineAnnealingWarmRestarts(o, 2, T_mult=2, eta_min=0.001), 12)
    sched_case("OneCycleLR/SGD", "OneCycleLR", {"maxLr": 1.0, "totalSteps": 10},
               lambda o: S.OneCycleLR(o, 1.0, total_steps=10), 10)
    sched_case("OneCycleLR/Adam-linear-threePhase", "OneCycleLR",
               {"maxLr": [0.5, 0.05], "epochs": 2, "stepsPerEpoch": 6, "pctStart": 0.25, "annealStrategy": "linear",
                "threePhase": True, "divFactor": 10, "finalDivFactor": 100, "baseMomentum": 0.8, "maxMomentum": 0.9},
               lambda o: S.OneCycleLR(o, [0.5, 0.05], epochs=2, steps_per_epoch=6, pct_start=0.25, anneal_strategy="linear",
                                      three_phase=True, div_factor=10, final_div_factor=100, base_momentum=0.8, max_momentum=0.9),
               12, opt_kind="Adam")
    sched_case("OneCycleLR/no cycleMomentum", "OneCycleLR", {"maxLr": 0.3, "totalSteps": 6, "cycleMomentum": False},
               lambda o: S.OneCycleLR(o, 0.3, total_steps=6, cycle_momentum=False), 6)
    m1 = [1.0, 0.9, 0.95, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    sched_case("ReduceLROnPlateau", "ReduceLROnPlateau", {"patience": 2}, lambda o: S.ReduceLROnPlateau(o, patience=2),
               len(m1), metrics=m1)
    sched_case("ReduceLROnPlateau/max-abs-cooldown-minLr", "ReduceLROnPlateau",
               {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.05, "thresholdMode": "abs", "cooldown": 2,
                "minLr": [0.02, 0.004]},
               lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs",
                                             cooldown=2, min_lr=[0.02, 0.004]), len(m1), metrics=m1)
    sched_case("SequentialLR", "SequentialLR",
               {"schedulers": [["LinearLR", {"startFactor": 0.25, "totalIters": 3}], ["ExponentialLR", {"gamma": 0.7}]],
                "milestones": [3]},
               lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, total_iters=3), S.ExponentialLR(o, 0.7)], [3]), 8)
    sched_case("SequentialLR/three", "SequentialLR",
               {"schedulers": [["LambdaLR", {"lambda": "half"}], ["StepLR", {"stepSize": 2, "gamma": 0.5}],
                               ["CosineAnnealingLR", {"tMax": 4}]], "milestones": [2, 5]},
               lambda o: S.SequentialLR(o, [S.LambdaLR(o, lambda e: 0.5), S.StepLR(o, 2, gamma=0.5), S.CosineAnnealingLR(o, 4)],
                                        [2, 5]), 10)


def write(name, obj):
    path = os.path.join(FIX, name)
    if "cases" in obj:
        mf.write_cases(path, "scripts/make_fixtures_breadth.py", obj["cases"])
    else:
        with open(path, "w") as f:
            json.dump(obj, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e3:.1f} kB)", file=sys.stderr)


def main():
    for fam, gen in [("losses", gen_losses), ("activations", gen_activations), ("norms", gen_norms), ("pooling", gen_pooling)]:
        start = len(mf.CASES)
        gen()
        write(f"breadth_{fam}.json", {"cases": mf.CASES[start:]})
    gen_optim()
    gen_schedulers()
    write("breadth_optim.json", {"generator": "scripts/make_fixtures_breadth.py", "torch": torch.__version__,
                                 "optim": optim_cases, "schedulers": sched_cases})


if __name__ == "__main__":
    main()
