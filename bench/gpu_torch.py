#!/usr/bin/python3
"""PyTorch CUDA reference for bench/gpu.ts, run on the same GPU machine:

    python3 bench/gpu_torch.py [--json out.json]

matmul 4096² in float32 (TF32 off: the same arithmetic as a WGSL kernel; and TF32 on, for scale)
and W5's GPT training step (bench/torch_bench.py's model, batch 16, AdamW, loss.item() each step as
dlgrad's loop awaits itemAsync()), with the hand-written attention and with
F.scaled_dot_product_attention. Medians of repeated timings after warm-up.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_bench as tb  # noqa: E402

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--json", help="write the results here")
p.add_argument("--steps", type=int, default=50)
args = p.parse_args()
dev = torch.device("cuda")
res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}


def timed(fn, reps, inner=1):
    """median ms of one fn() over reps timings of `inner` calls each, synchronised."""
    out = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        torch.cuda.synchronize()
        out.append((time.perf_counter() - t0) * 1e3 / inner)
    return statistics.median(out)


n = 4096
a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
for tf32 in (False, True):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    timed(lambda: a @ b, 3, 4)
    ms = timed(lambda: a @ b, 7, 10)
    res[f"matmul4096_{'tf32' if tf32 else 'fp32'}_gflops"] = 2 * n**3 / ms / 1e6
torch.backends.cuda.matmul.allow_tf32 = False


class SdpaBlock(tb.Block):
    def attn(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


g = tb.GPT
for name, block in (("gpt_step", tb.Block), ("gpt_step_sdpa", SdpaBlock)):
    torch.manual_seed(0)
    tb.Block, saved = block, tb.Block
    model = tb.Gpt(g["vocab"], g["ctx"], g["layers"], g["heads"], g["width"]).to(dev)
    tb.Block = saved
    opt = torch.optim.AdamW(model.parameters(), lr=g["lr"])
    idx = torch.randint(0, g["vocab"], (g["batch"], g["ctx"]), device=dev)
    tgt = torch.randint(0, g["vocab"], (g["batch"], g["ctx"]), device=dev)

    def step():
        return tb.gpt_step(model, opt, idx, tgt)

    for _ in range(10):
        step()
    ts = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1e3)
    res[f"{name}_ms"] = statistics.median(ts)

print(json.dumps(res, indent=1))
if args.json:
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1)
