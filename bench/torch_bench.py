#!/usr/bin/python3
"""PyTorch bench worker for bench/run.ts: `/usr/bin/python3 bench/torch_bench.py THREADS`.

Speaks the protocol of bench/worker.ts: JSON requests on stdin, lines starting with "@@bench " on
stdout. The timing loop mirrors measure() in bench/common.ts. Thread counts are fixed at start
(OMP/OpenBLAS/MKL environment set by the driver, and torch.set_num_threads here).
"""
import gc
import json
import math
import os
import sys
import time

TAG = "@@bench "
MNIST_BATCHES, MNIST_BATCH = 16, 128
GPT = dict(vocab=65, ctx=128, layers=6, heads=4, width=128, batch=16, lr=1e-4)


def send(msg):
    sys.stdout.write(TAG + json.dumps(msg) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    from torch_blas import blas_label
except Exception as e:  # noqa: BLE001
    send({"ready": False, "skip": f"{sys.executable} cannot import torch ({type(e).__name__}: {e}); install Debian's python3-torch"})
    sys.exit(0)


def now_ms():
    return time.perf_counter() * 1000.0


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def measure(fn, target_ms, cap_ms, warmup=1, min_reps=3):
    start = now_ms()

    def once():
        t0 = now_ms()
        fn()
        return now_ms() - t0

    w = once()
    if w > cap_ms:
        return dict(medianMs=w, minMs=w, maxMs=w, reps=1, note="one run, warm-up included (slow)")
    i = 1
    while i < warmup and now_ms() - start < cap_ms / 3:
        w = once()
        i += 1
    if w < target_ms / 4:
        w = min(w, once())
    inner = 1
    if w < 1:
        t0, k = now_ms(), 0
        while now_ms() - t0 < 5:
            fn()
            k += 1
        w = (now_ms() - t0) / k
        inner = max(1, math.ceil(1 / max(w, 1e-6)))
    per = w * inner
    left = cap_ms - (now_ms() - start)
    reps = max(min_reps, min(500, round(target_ms / per)))
    reps = max(1, min(reps, math.floor(left / per)))
    samples = []
    for _ in range(reps):
        t0 = now_ms()
        for _ in range(inner):
            fn()
        samples.append((now_ms() - t0) / inner)
        if now_ms() - start > cap_ms:
            break
    out = dict(medianMs=median(samples), minMs=min(samples), maxMs=max(samples), reps=len(samples))
    if len(samples) < 3:
        out["note"] = f"{len(samples)} rep{'s' if len(samples) > 1 else ''} (slow)"
    return out


def load_mnist(path):
    raw = open(path, "rb").read()
    n_img = MNIST_BATCHES * MNIST_BATCH * 784
    n_lab = MNIST_BATCHES * MNIST_BATCH
    if len(raw) != 4 * (n_img + n_lab):
        raise ValueError(f"mnist batch file: expected {4 * (n_img + n_lab)} bytes, got {len(raw)}")
    buf = bytearray(raw)
    images = torch.frombuffer(buf, dtype=torch.float32, count=n_img).reshape(MNIST_BATCHES, MNIST_BATCH, 784).clone()
    labels = torch.frombuffer(buf, dtype=torch.int32, count=n_lab, offset=4 * n_img).reshape(MNIST_BATCHES, MNIST_BATCH).long()
    return images, labels


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.gelu = nn.GELU()
        self.fc_proj = nn.Linear(4 * c, c)

    def attn(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // self.h))
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, c))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.fc_proj(self.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    """The GPT of bench/gpt.ts: pre-LayerNorm blocks, hand-written causal attention, untied head."""

    def __init__(self, vocab, ctx, layers, heads, width):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(ctx, width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(ctx, ctx, dtype=torch.bool), 1))
        for name, p in self.named_parameters():
            if name.endswith(".bias"):
                nn.init.zeros_(p)
            elif not (name.startswith("ln") or ".ln" in name):
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, targets):
        b, t = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(t, device=idx.device))
        mask = self.mask[:t, :t]
        for blk in self.blocks:
            x = blk(x, mask)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(b * t, -1), targets.view(b * t))


def gpt_step(model, opt, idx, tgt):
    """One W5 training step; the loss read back (as dlgrad's loop reads it)."""
    opt.zero_grad()
    loss = model(idx, tgt)
    loss.backward()
    opt.step()
    return loss.item()


def prepare(cell, req):
    torch.manual_seed(0)
    w = cell.split(".")[0]
    if w == "W1":
        n = int(cell.split(".")[2])
        a, b = torch.randn(n, n), torch.randn(n, n)
        return lambda: a @ b
    if w in ("W2", "W3"):
        a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
        return {
            "W2.add": lambda: a + b,
            "W2.exp": lambda: a.exp(),
            "W3.sum": lambda: a.sum().item(),
            "W3.sum-1": lambda: a.sum(-1),
        }[cell]
    if cell == "W4.tiny-add":
        a, b = torch.rand(2, 3), torch.rand(2, 3)
        return lambda: a + b
    if cell == "W4.tiny-fwdbwd":
        a, b = torch.rand(2, 3, requires_grad=True), torch.rand(2, 3, requires_grad=True)
        return lambda: (a * b).sum().backward()
    if cell == "W4.mlp-step":
        xs, ys = load_mnist(req["mnist"])
        model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        state = {"i": 0}

        def step():
            i = state["i"] % MNIST_BATCHES
            state["i"] += 1
            opt.zero_grad()
            loss = F.cross_entropy(model(xs[i]), ys[i])
            loss.backward()
            opt.step()
            return loss.item()

        return step
    if cell == "W5.gpt-step":
        g = GPT
        model = Gpt(g["vocab"], g["ctx"], g["layers"], g["heads"], g["width"])
        opt = torch.optim.AdamW(model.parameters(), lr=g["lr"])
        idx = torch.randint(0, g["vocab"], (g["batch"], g["ctx"]))
        tgt = torch.randint(0, g["vocab"], (g["batch"], g["ctx"]))

        return lambda: gpt_step(model, opt, idx, tgt)
    if cell == "W5.gpt-step-sdpa":
        return "PyTorch 1.13 has no fused attention (W5.gpt-step is the same model)"
    return None


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    send({"ready": True, "version": f"{torch.__version__} ({threads} thread{'s' if threads > 1 else ''}, {blas_label()}, BLAS threads {blas})"})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        res = {"id": req["id"]}
        try:
            fn = prepare(req["cell"], req)
            if fn is None:
                res["skip"] = f"unknown cell {req['cell']}"
            elif isinstance(fn, str):
                res["skip"] = fn
            else:
                res.update(measure(fn, req["targetMs"], req["capMs"], req.get("warmup", 1), req.get("minReps", 3)))
        except Exception as e:  # noqa: BLE001
            res["error"] = f"{type(e).__name__}: {e}"[:300]
        fn = None
        gc.collect()
        send(res)


if __name__ == "__main__":
    main()
