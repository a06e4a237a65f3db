"""PyTorch reference of examples/gpt.ts: the same char-level GPT, data pipeline, optimizer and
evaluation, to compare ms per training step and the loss curve side by side.

    npm run gpt -- --dump-text out/brown.txt          # the cleaned Brown corpus, as dlgrad sees it
    /usr/bin/python3 bench/gpt_torch.py --text out/brown.txt --steps 1000 --json

The batches are the same as dlgrad's: the same seeded generator (mulberry32) picks the same
windows, train and validation, in the same order. `--init out/gpt.safetensors` starts from a
dlgrad checkpoint (e.g. one written by `npm run gpt -- --train --steps 0`), so both runs start
from the very same weights too.
"""
import argparse
import json
import math
import os
import statistics
import sys

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--text", default="out/brown.txt")
p.add_argument("--steps", type=int, default=1500)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--batch-size", type=int, default=16)
p.add_argument("--eval-interval", type=int, default=250)
p.add_argument("--eval-iters", type=int, default=20)
p.add_argument("--weight-decay", type=float, default=0.01)
p.add_argument("--grad-clip", type=float, default=0.0)
p.add_argument("--seed", type=int, default=1337)
p.add_argument("--block-size", type=int, default=128)
p.add_argument("--n-layer", type=int, default=6)
p.add_argument("--n-head", type=int, default=4)
p.add_argument("--n-embd", type=int, default=128)
p.add_argument("--init-scheme", choices=["torch", "gpt2"], default="torch", help="torch: the layers' defaults; gpt2: N(0, 0.02) (as in examples/gpt.ts)")
p.add_argument("--threads", type=int, default=1, help="torch and OpenBLAS threads (default 1)")
p.add_argument("--init", help="start from the weights of a dlgrad checkpoint (safetensors)")
p.add_argument("--json", action="store_true", help="last line: one JSON object")
args = p.parse_args()

os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_common import last_eval, load_safetensors, load_text, train  # noqa: E402

torch.set_num_threads(args.threads)
log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json else (lambda s: print(s, flush=True))


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c.n_head
        self.qkv = nn.Linear(c.n_embd, 3 * c.n_embd)
        self.proj = nn.Linear(c.n_embd, c.n_embd)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=-1)
        q, k, v = (u.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for u in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else None
        if y is None:  # PyTorch < 2.0: the same computation by hand
            att = (q @ k.transpose(-1, -2)) / math.sqrt(k.shape[-1])
            att = att.masked_fill(torch.ones(t, t, dtype=torch.bool).tril().logical_not(), float("-inf"))
            y = att.softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Linear(c.n_embd, 4 * c.n_embd)
        self.proj = nn.Linear(4 * c.n_embd, c.n_embd)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1 = nn.LayerNorm(c.n_embd)
        self.attn = CausalSelfAttention(c)
        self.ln2 = nn.LayerNorm(c.n_embd)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Parameter names match examples/gpt/model.ts, so dlgrad checkpoints load as they are."""

    def __init__(self, c, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, c.n_embd)
        self.wpe = nn.Embedding(c.block_size, c.n_embd)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.n_layer)])
        self.lnF = nn.LayerNorm(c.n_embd)
        self.head = nn.Linear(c.n_embd, vocab, bias=False)
        for name, prm in self.named_parameters() if c.init_scheme == "gpt2" else []:  # GPT-2's initialisation, as in model.ts
            if name.endswith(".bias"):
                nn.init.zeros_(prm)
            elif name.startswith("lnF") or ".ln" in name:
                nn.init.ones_(prm)
            elif name.endswith(".proj.weight"):
                nn.init.normal_(prm, 0.0, 0.02 / math.sqrt(2 * c.n_layer))
            else:
                nn.init.normal_(prm, 0.0, 0.02)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnF(x))

    def loss(self, x, y):
        logits = self(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def main():
    text, chars, train_ids, val_ids = load_text(args.text)
    torch.manual_seed(args.seed)
    model = GPT(args, len(chars))
    if args.init:
        sd, meta = load_safetensors(args.init)
        model.load_state_dict(sd)
        log(f"initial weights from {args.init} (step {meta.get('step', '?')})")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    nparams = sum(p.numel() for p in model.parameters())
    log(f"gpt_torch: {nparams:,} parameters, {len(text):,} characters ({len(chars)} distinct), "
        f"torch {torch.__version__}, {args.threads} thread(s)")
    history, step_ms, _ = train(model, opt, train_ids, val_ids, args, log, progress_every=0 if args.json else 10)
    summary = {**last_eval(history), "msPerStep": statistics.median(step_ms) if step_ms else float("nan"),
               "msPerStepMean": statistics.fmean(step_ms) if step_ms else float("nan"),
               "threads": args.threads, "torch": torch.__version__, "params": nparams, "history": history}
    if args.json:
        print(json.dumps(summary))


main()
