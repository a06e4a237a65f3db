#!/usr/bin/python3
"""Golden fixtures for the margin, ranking and embedding losses and the Poisson and Gaussian NLLs
(marginRankingLoss, hingeEmbeddingLoss, cosineEmbeddingLoss, tripletMarginLoss, softMarginLoss,
multiLabelSoftMarginLoss, multiMarginLoss, poissonNllLoss, gaussianNllLoss), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_losses2.py

Writes test/fixtures/breadth_losses2.json in the case format of ops.json (see
scripts/make_fixtures.py, whose case builder this script reuses: float32-exact inputs, float64
references, random upstream gradients, transposed/sliced/expanded layouts). The args use dlgrad's
option names. Cases at the kinks (a hinge exactly at 0) pin which side PyTorch's gradient takes.

Deterministic (fixed seeds); commit the output.
"""
import math
import os
import sys

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, add_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FAM = "losses2"
REDS = ["mean", "sum", "none"]


def idx(data, shape=None):
    return Inp("target", data=data, shape=shape, dtype="int32")


def signs(name, data):
    """A ±1 (or other label) target given by value, no gradient."""
    return Inp(name, data=data, grad=False)


def gen():
    # ---- marginRankingLoss: max(0, -y·(x1 - x2) + margin)
    def mrl(a, b, t, margin=0.0, reduction="mean"):
        return F.margin_ranking_loss(a, b, t, margin=margin, reduction=reduction)

    y5 = [1.0, -1.0, -1.0, 1.0, 1.0]
    for r in REDS:
        add_case(FAM, "F.marginRankingLoss", f"margin=0.3,{r}", [Inp("x1", [5]), Inp("x2", [5]), signs("target", y5)], mrl,
                 {"margin": 0.3, "reduction": r})
    add_case(FAM, "F.marginRankingLoss", "default,[3,4],transposed",
             [Inp("x1", [3, 4], layout="transposed"), Inp("x2", [3, 4]), signs("target", [[1.0, -1.0, 1.0, -1.0]] * 3)], mrl)
    add_case(FAM, "F.marginRankingLoss", "int32 target", [Inp("x1", [4]), Inp("x2", [4]), idx([1, -1, -1, 1])], mrl,
             {"margin": 0.5})
    # -y·(x1 - x2) + margin = 0 exactly: clamp_min passes the gradient at the boundary
    add_case(FAM, "F.marginRankingLoss", "at the kink",
             [Inp("x1", data=[1.0, 0.5, 2.0]), Inp("x2", data=[0.5, 1.0, 1.0]), signs("target", [1.0, -1.0, 1.0])], mrl,
             {"margin": 0.5, "reduction": "sum"})

    # ---- hingeEmbeddingLoss: x where y = 1, max(0, margin - x) where y = -1
    def hel(x, t, margin=1.0, reduction="mean"):
        return F.hinge_embedding_loss(x, t, margin=margin, reduction=reduction)

    y34 = [[1.0, -1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]]
    for r in REDS:
        add_case(FAM, "F.hingeEmbeddingLoss", f"{r}", [Inp("x", [3, 4], "pos"), signs("target", y34)], hel, {"reduction": r})
    add_case(FAM, "F.hingeEmbeddingLoss", "margin=0.8,sliced", [Inp("x", [3, 4], layout="sliced"), signs("target", y34)], hel,
             {"margin": 0.8})
    # a label 0 takes both terms; x = margin with y = -1 is the kink
    add_case(FAM, "F.hingeEmbeddingLoss", "label 0 and the kink",
             [Inp("x", data=[0.5, 1.5, -0.5, 0.25]), signs("target", [0.0, -1.0, -1.0, 1.0])], hel,
             {"margin": 1.5, "reduction": "none"})
    add_case(FAM, "F.hingeEmbeddingLoss", "int32 target", [Inp("x", [5], "pos"), idx([1, -1, -1, 1, -1])], hel, {"reduction": "sum"})

    # ---- cosineEmbeddingLoss: 1 - cos where y = 1, max(0, cos - margin) where y = -1
    def cel(a, b, t, margin=0.0, reduction="mean"):
        return F.cosine_embedding_loss(a, b, t, margin=margin, reduction=reduction)

    for r in REDS:
        add_case(FAM, "F.cosineEmbeddingLoss", f"{r}", [Inp("x1", [4, 5]), Inp("x2", [4, 5]), signs("target", [1.0, -1.0, -1.0, 1.0])],
                 cel, {"reduction": r})
    add_case(FAM, "F.cosineEmbeddingLoss", "margin=-0.2,transposed",
             [Inp("x1", [4, 3], layout="transposed"), Inp("x2", [4, 3]), signs("target", [-1.0, -1.0, 1.0, -1.0])], cel,
             {"margin": -0.2})
    add_case(FAM, "F.cosineEmbeddingLoss", "1-d,0-d target",
             [Inp("x1", [5]), Inp("x2", [5]), Inp("target", data=-1.0, shape=[], grad=False)], cel, {"margin": -0.5})
    add_case(FAM, "F.cosineEmbeddingLoss", "x2 broadcast,label 0",
             [Inp("x1", [3, 4]), Inp("x2", [1, 4]), signs("target", [1.0, 0.0, -1.0])], cel, {"reduction": "none"})

    # ---- tripletMarginLoss: max(0, d(a, p) - d(a, n) + margin), d = pairwise_distance
    def tml(a, p_, n, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
        return F.triplet_margin_loss(a, p_, n, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)

    def trip(layout="contiguous"):
        return [Inp("anchor", [4, 5], layout=layout), Inp("positive", [4, 5]), Inp("negative", [4, 5])]

    for r in REDS:
        add_case(FAM, "F.tripletMarginLoss", f"{r}", trip(), tml, {"reduction": r})
    add_case(FAM, "F.tripletMarginLoss", "swap", trip(), tml, {"swap": True, "reduction": "none"})
    add_case(FAM, "F.tripletMarginLoss", "p=1,margin=0.5,transposed", trip("transposed"), tml, {"p": 1.0, "margin": 0.5})
    add_case(FAM, "F.tripletMarginLoss", "p=3,eps=0.1,swap", trip(), tml, {"p": 3.0, "eps": 0.1, "swap": True, "reduction": "sum"})
    add_case(FAM, "F.tripletMarginLoss", "1-d", [Inp("anchor", [5]), Inp("positive", [5]), Inp("negative", [5])], tml,
             {"margin": 2.0})
    add_case(FAM, "F.tripletMarginLoss", "negative broadcast",
             [Inp("anchor", [3, 4]), Inp("positive", [3, 4]), Inp("negative", [1, 4])], tml, {"margin": 3.0, "reduction": "none"})

    # ---- softMarginLoss: log(1 + exp(-y·x))
    def sml(x, t, reduction="mean"):
        return F.soft_margin_loss(x, t, reduction=reduction)

    for r in REDS:
        add_case(FAM, "F.softMarginLoss", f"{r}", [Inp("x", [3, 4]), signs("target", y34)], sml, {"reduction": r})
    # large |y·x|: log(1 + e^40) = 40 to float precision, e^-40 below float32's epsilon
    add_case(FAM, "F.softMarginLoss", "large margins",
             [Inp("x", data=[40.0, -40.0, 25.5, -30.25, 0.0, 1e-3]), signs("target", [-1.0, -1.0, 1.0, 1.0, 1.0, -1.0])], sml,
             {"reduction": "none"})
    add_case(FAM, "F.softMarginLoss", "soft target,expanded", [Inp("x", [3, 4], layout="expanded"), Inp("target", [3, 4], grad=False)], sml)

    # ---- multiLabelSoftMarginLoss: -(y·logσ(x) + (1-y)·logσ(-x))·w, mean over the classes
    def mlsml(x, t, w=None, reduction="mean"):
        return F.multilabel_soft_margin_loss(x, t, weight=w, reduction=reduction)

    for r in REDS:
        add_case(FAM, "F.multiLabelSoftMarginLoss", f"{r}", [Inp("x", [3, 4]), Inp("target", [3, 4], "mask", grad=False)], mlsml,
                 {"reduction": r})
        add_case(FAM, "F.multiLabelSoftMarginLoss", f"weight,soft target,{r}",
                 [Inp("x", [3, 4]), Inp("target", [3, 4], "unit"), Inp("w", [4], "pos", grad=False)], mlsml, {"reduction": r})
    add_case(FAM, "F.multiLabelSoftMarginLoss", "1-d", [Inp("x", [5]), Inp("target", [5], "mask", grad=False)], mlsml,
             {"reduction": "none"})
    add_case(FAM, "F.multiLabelSoftMarginLoss", "3-d,weight [3,4],sliced",
             [Inp("x", [2, 3, 4], layout="sliced"), Inp("target", [2, 3, 4], "mask", grad=False), Inp("w", [3, 4], "pos", grad=False)],
             mlsml, {"reduction": "none"})
    add_case(FAM, "F.multiLabelSoftMarginLoss", "large logits",
             [Inp("x", data=[[40.0, -40.0, 30.0], [-25.0, 0.5, 50.0]]), Inp("target", data=[[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]], grad=False)],
             mlsml, {"reduction": "none"})

    # ---- multiMarginLoss: Σ_{j≠y} w[y]·max(0, margin - x[y] + x[j])^p / C
    def mml(x, t, w=None, p=1, margin=1.0, reduction="mean"):
        return F.multi_margin_loss(x, t, p=p, margin=margin, weight=w, reduction=reduction)

    t4 = [1, 0, 4, 2]
    for r in REDS:
        add_case(FAM, "F.multiMarginLoss", f"{r}", [Inp("x", [4, 5]), idx(t4)], mml, {"reduction": r})
        add_case(FAM, "F.multiMarginLoss", f"p=2,weight,{r}", [Inp("x", [4, 5]), idx(t4), Inp("w", [5], "pos", grad=False)], mml,
                 {"p": 2, "reduction": r})
    add_case(FAM, "F.multiMarginLoss", "margin=0.4,weight,transposed",
             [Inp("x", [4, 5], layout="transposed"), idx([3, 3, 0, 1]), Inp("w", [5], "pos", grad=False)], mml, {"margin": 0.4})
    add_case(FAM, "F.multiMarginLoss", "1-d,0-d target", [Inp("x", [5]), idx(2, shape=[])], mml, {"reduction": "none"})
    add_case(FAM, "F.multiMarginLoss", "1-d,[1] target,p=2", [Inp("x", [5]), idx([4])], mml, {"p": 2, "reduction": "none"})
    # z = margin - x[y] + x[j] = 0 exactly for j = 0 (no term, no gradient: aten's z > 0), and for
    # j = 2 with p = 2
    add_case(FAM, "F.multiMarginLoss", "at the kink",
             [Inp("x", data=[[1.0, 2.0, 3.0], [2.5, 1.0, 1.5]]), idx([1, 0])], mml, {"reduction": "none"})
    add_case(FAM, "F.multiMarginLoss", "at the kink,p=2",
             [Inp("x", data=[[1.0, 2.0, 3.0], [2.5, 1.0, 1.5]]), idx([1, 0])], mml, {"p": 2, "reduction": "none"})

    # ---- poissonNllLoss: e^x - y·x, or x - y·log(x + eps); full adds Stirling's term where y > 1
    def pnl(x, t, logInput=True, full=False, eps=1e-8, reduction="mean"):
        return F.poisson_nll_loss(x, t, log_input=logInput, full=full, eps=eps, reduction=reduction)

    counts = [[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 1.0, 7.0], [4.0, 2.0, 0.0, 1.5]]
    for r in REDS:
        add_case(FAM, "F.poissonNllLoss", f"{r}", [Inp("x", [3, 4]), signs("target", counts)], pnl, {"reduction": r})
        add_case(FAM, "F.poissonNllLoss", f"full,{r}", [Inp("x", [3, 4]), signs("target", counts)], pnl, {"full": True, "reduction": r})
    add_case(FAM, "F.poissonNllLoss", "rates,target grad", [Inp("x", [3, 4], "pos"), Inp("target", [3, 4], "pos")], pnl,
             {"logInput": False, "reduction": "none"})
    add_case(FAM, "F.poissonNllLoss", "rates,full,eps=0.5,transposed",
             [Inp("x", [3, 4], "unit", layout="transposed"), signs("target", counts)], pnl,
             {"logInput": False, "full": True, "eps": 0.5})
    add_case(FAM, "F.poissonNllLoss", "full,target grad", [Inp("x", [3, 4]), Inp("target", [3, 4], "pos")], pnl,
             {"full": True, "reduction": "sum"})

    # ---- gaussianNllLoss: ½(log max(v, eps) + (x - y)²/max(v, eps)) (+ ½log 2π)
    def gnl(x, t, v, full=False, eps=1e-6, reduction="mean"):
        return F.gaussian_nll_loss(x, t, v, full=full, eps=eps, reduction=reduction)

    for r in REDS:
        add_case(FAM, "F.gaussianNllLoss", f"{r}", [Inp("x", [4, 3]), Inp("target", [4, 3]), Inp("var", [4, 3], "pos")], gnl,
                 {"reduction": r})
    add_case(FAM, "F.gaussianNllLoss", "var [4] (one per row),full",
             [Inp("x", [4, 3]), Inp("target", [4, 3]), Inp("var", [4], "pos")], gnl, {"full": True, "reduction": "none"})
    add_case(FAM, "F.gaussianNllLoss", "var [4,1],target broadcast",
             [Inp("x", [4, 3]), Inp("target", [3]), Inp("var", [4, 1], "pos")], gnl, {"reduction": "sum"})
    add_case(FAM, "F.gaussianNllLoss", "var [2,3,1],sliced",
             [Inp("x", [2, 3, 4], layout="sliced"), Inp("target", [2, 3, 4]), Inp("var", [2, 3, 1], "pos")], gnl)
    # variances below eps (and 0): clamped under no_grad, so the gradient is the one at eps, unmasked
    add_case(FAM, "F.gaussianNllLoss", "var below eps",
             [Inp("x", data=[0.5, -0.25, 1.0, 0.125]), Inp("target", data=[0.0, 0.0, 0.5, 0.5]),
              Inp("var", data=[0.0, 0.001, 0.5, 0.0625])], gnl, {"eps": 0.01, "reduction": "none"})
    add_case(FAM, "F.gaussianNllLoss", "1-d,0-d var", [Inp("x", [5]), Inp("target", [5]), Inp("var", data=0.75, shape=[])], gnl)


def main():
    gen()
    path = os.path.join(ROOT, "test", "fixtures", "breadth_losses2.json")
    mf.write_cases(path, "scripts/make_fixtures_losses2.py", mf.CASES)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(mf.CASES)} cases, {os.path.getsize(path) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
