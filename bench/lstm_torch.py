"""PyTorch reference of examples/lstm.ts: the same character-level LSTM, data pipeline, optimizer,
clipping and evaluation, to compare the validation loss at the same step (and ms per step).

    npm run lstm -- --dump-text out/brown.txt          # the cleaned Brown corpus, as dlgrad sees it
    npm run lstm -- --json > out/lstm-dlgrad.json
    /usr/bin/python3 bench/lstm_torch.py --text out/brown.txt --json > out/lstm-torch.json

The batches and validation windows are the same as dlgrad's (the same seeded mulberry32 picks the
same windows in the same order); the initial weights are each library's own draw (PyTorch's
default initialisation, the same distributions as dlgrad's), so the comparison does not depend on
one seed's weights. `--init out/lstm.safetensors` starts from a dlgrad checkpoint instead (its
camelCased names converted back: lstm.weightIhL0 → lstm.weight_ih_l0), for the same weights too.
"""
import argparse
import json
import os
import re
import statistics
import sys

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--text", default="out/brown.txt")
p.add_argument("--steps", type=int, default=1000)
p.add_argument("--lr", type=float, default=3e-3)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--block-size", type=int, default=64)
p.add_argument("--eval-interval", type=int, default=250)
p.add_argument("--eval-iters", type=int, default=20)
p.add_argument("--grad-clip", type=float, default=1.0)
p.add_argument("--n-embd", type=int, default=32)
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--n-layer", type=int, default=1)
p.add_argument("--dropout", type=float, default=0.0)
p.add_argument("--seed", type=int, default=1337)
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


class CharLSTM(nn.Module):
    """examples/lstm.ts's model; the parameter names are dlgrad's, snake_cased."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, args.n_embd)
        self.lstm = nn.LSTM(args.n_embd, args.hidden, args.n_layer, dropout=args.dropout, batch_first=True)
        self.head = nn.Linear(args.hidden, vocab)

    def loss(self, x, y):
        out, _ = self.lstm(self.embed(x))
        logits = self.head(out)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def snake(name):
    """dlgrad's camelCase state-dict name → PyTorch's: lstm.weightIhL0Reverse → lstm.weight_ih_l0_reverse."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def main():
    text, chars, train_ids, val_ids = load_text(args.text)
    torch.manual_seed(args.seed)
    model = CharLSTM(len(chars))
    if args.init:
        sd, meta = load_safetensors(args.init)
        model.load_state_dict({snake(k): v for k, v in sd.items()})
        log(f"initial weights from {args.init} (step {meta.get('step', '?')})")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    nparams = sum(p.numel() for p in model.parameters())
    log(f"lstm_torch: {nparams:,} parameters, {len(text):,} characters ({len(chars)} distinct), "
        f"torch {torch.__version__}, {args.threads} thread(s)")
    history, step_ms, seconds = train(model, opt, train_ids, val_ids, args, log)
    summary = {**last_eval(history), "msPerStep": statistics.median(step_ms) if step_ms else float("nan"),
               "trainSeconds": seconds,
               "threads": args.threads, "torch": torch.__version__, "params": nparams, "history": history}
    if args.json:
        print(json.dumps(summary))


main()
