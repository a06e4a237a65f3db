#!/usr/bin/python3
"""Golden fixtures for F.ctcLoss (torch.nn.functional.ctc_loss), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_ctc.py

Writes test/fixtures/breadth_ctc.json in the case format of ops.json (see scripts/make_fixtures.py,
whose case builder this script reuses). The input "x" holds logits; the case applies log_softmax
over the classes first (as the test's dispatch does), because PyTorch's ctc_loss backward returns
exp(lp) - posterior, the gradient through a log_softmax, not the gradient of its own output. The
lengths travel in the args (number arrays); the targets are int32 inputs. Cases: batched and
unbatched, padded and concatenated targets, repeated labels, an empty target, a blank other than
0, an impossible alignment with zeroInfinity (the one without has no gradients: PyTorch's are NaN),
and every reduction.

Deterministic (fixed seeds); commit the output.
"""
import os
import sys

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its case builder; its main() does not run)
from make_fixtures import Inp, add_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FAM = "ctc"
OP = "F.ctcLoss"
REDS = ["mean", "sum", "none"]
LOOSE = mf.LOOSE


def idx(data):
    return Inp("targets", data=data, dtype="int32")


def ctc(x, t, inputLengths=None, targetLengths=None, blank=0, reduction="mean", zeroInfinity=False):
    return F.ctc_loss(x.log_softmax(-1), t, inputLengths, targetLengths, blank=blank, reduction=reduction,
                      zero_infinity=zeroInfinity)


def gen():
    padded = [[1, 2, 2], [3, 1, 0], [4, 0, 0]]  # repeated label 2, 2 in the first
    for r in REDS:
        add_case(FAM, OP, f"padded,{r}", [Inp("x", [6, 3, 5]), idx(padded)], ctc,
                 {"inputLengths": [6, 5, 4], "targetLengths": [3, 2, 1], "reduction": r}, tol=LOOSE)
        add_case(FAM, OP, f"concatenated,{r}", [Inp("x", [6, 3, 5]), idx([1, 2, 2, 3, 1, 4])], ctc,
                 {"inputLengths": [6, 5, 4], "targetLengths": [3, 2, 1], "reduction": r}, tol=LOOSE)
        add_case(FAM, OP, f"unbatched,{r}", [Inp("x", [5, 4]), idx([1, 1, 3])], ctc,
                 {"inputLengths": [5], "targetLengths": [3], "reduction": r}, tol=LOOSE)
    add_case(FAM, OP, "blank=2,empty target,sliced", [Inp("x", [5, 2, 4], layout="sliced"), idx([[0, 3, 3], [1, 1, 1]])], ctc,
             {"inputLengths": [5, 3], "targetLengths": [3, 0], "blank": 2, "reduction": "none"}, tol=LOOSE)
    add_case(FAM, OP, "all repeats,tight fit", [Inp("x", [5, 2, 3]), idx([[1, 1, 1], [2, 1, 2]])], ctc,
             {"inputLengths": [5, 3], "targetLengths": [3, 3]}, tol=LOOSE)
    # sequence 0 needs 3 frames for [1, 2, 3] but has 2: its loss is inf
    imp = [Inp("x", [4, 2, 5]), idx([[1, 2, 3], [2, 2, 0]])]
    lens = {"inputLengths": [2, 4], "targetLengths": [3, 2]}
    for r in REDS:
        add_case(FAM, OP, f"impossible,zeroInfinity,{r}", imp, ctc, {**lens, "zeroInfinity": True, "reduction": r}, tol=LOOSE)
        add_case(FAM, OP, f"impossible,{r}", imp, ctc, {**lens, "reduction": r}, tol=LOOSE, grads=False)


def main():
    gen()
    path = os.path.join(ROOT, "test", "fixtures", "breadth_ctc.json")
    mf.write_cases(path, "scripts/make_fixtures_ctc.py", mf.CASES)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(mf.CASES)} cases, {os.path.getsize(path) / 1e3:.1f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
