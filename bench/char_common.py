"""What bench/gpt_torch.py and bench/lstm_torch.py share with examples/gpt/data.ts: the seeded
generator and batch sampler (bit for bit the TypeScript ones, so both sides train on the same
windows) and a safetensors reader for starting from a dlgrad checkpoint. Import it after torch."""
import json
import math
import struct

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
