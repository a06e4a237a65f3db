"""What bench/gpt_torch.py and bench/lstm_torch.py share with examples/gpt/data.ts: the seeded
generator and batch sampler (bit for bit the TypeScript ones, so both sides train on the same
windows), the 90/10 split of the text, the training loop with its evaluation, and a safetensors
reader for starting from a dlgrad checkpoint. Import it after torch."""
import json
import math
import statistics
import struct
import time

import numpy as np
import torch


class Rng:
    """mulberry32, bit for bit the generator of examples/gpt/data.ts."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (self.s + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.s
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    def int(self, n):
        return math.floor(self.next() * n)


def get_batch(ids, batch, block, rng):
    starts = [rng.int(len(ids) - block) for _ in range(batch)]
    x = torch.stack([ids[s:s + block] for s in starts])
    y = torch.stack([ids[s + 1:s + block + 1] for s in starts])
    return x, y


def load_safetensors(path):
    """A minimal safetensors reader (F32/I32/F64), so no extra package is needed."""
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8:8 + n])
    out = {}
    dtypes = {"F32": np.float32, "I32": np.int32, "F64": np.float64}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        arr = np.frombuffer(buf[8 + n + a:8 + n + b], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, header.get("__metadata__", {})


def load_text(path):
    """The text, its sorted characters, and the 90/10 train/validation split of its ids."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    n = math.floor(len(ids) * 0.9)
    return text, chars, ids[:n], ids[n:]


def train(model, opt, train_ids, val_ids, args, log, progress_every=0):
    """The loop of the dlgrad examples: a batch from the seeded sampler, loss, backward, optional
    clipping, step; every eval_interval steps (and at the end) the mean training loss since the
    last evaluation and the validation loss over eval_iters windows of their own seeded sampler.
    Returns (history, per-step ms, seconds the loop took)."""

    def evaluate():
        rng = Rng(args.seed ^ 0x5EED)
        model.eval()
        with torch.no_grad():
            total = sum(model.loss(*get_batch(val_ids, args.batch_size, args.block_size, rng)).item() for _ in range(args.eval_iters))
        model.train()
        return total / args.eval_iters

    rng = Rng(args.seed)
    step_ms, recent, history = [], [], []
    t_start = time.perf_counter()
    for step in range(1, args.steps + 1):
        t0 = time.perf_counter()
        x, y = get_batch(train_ids, args.batch_size, args.block_size, rng)
        loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        recent.append(loss.item())
        step_ms.append((time.perf_counter() - t0) * 1000)
        if progress_every and step % progress_every == 0:
            print(f"step {step}/{args.steps}  loss {recent[-1]:.4f}  {statistics.median(step_ms):.0f} ms/step", flush=True)
        if step % args.eval_interval == 0 or step == args.steps:
            val = evaluate()
            history.append({"step": step, "trainLoss": sum(recent) / len(recent), "valLoss": val})
            recent = []
            log(f"step {step}: train loss {history[-1]['trainLoss']:.4f}, val loss {val:.4f}, "
                f"{statistics.median(step_ms):.0f} ms/step (median)")
    return history, step_ms, time.perf_counter() - t_start


def last_eval(history):
    """The last evaluation, or NaNs when none ran (--steps 0)."""
    return history[-1] if history else {"step": 0, "trainLoss": float("nan"), "valLoss": float("nan")}
