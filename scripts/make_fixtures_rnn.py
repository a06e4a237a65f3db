#!/usr/bin/python3
"""Golden fixtures for the recurrent and transformer layers (nn.RNNCell, LSTMCell, GRUCell, RNN, LSTM,
GRU, MultiheadAttention with masks, TransformerEncoderLayer, TransformerEncoder), computed by PyTorch.

Run with Debian's PyTorch (never a python3 without torch):

    /usr/bin/python3 scripts/make_fixtures_rnn.py

Writes test/fixtures/rnn.json:

  cases: [{name, layer, args (the dlgrad constructor's options), forward (the dlgrad forward's options),
           torchNames: [PyTorch's state-dict names, in order], stateDict: {dlgradName: T},
           inputs: {name: T}, outs: [T], gs: [T], grads: {dlgradName | input name: T}, tol}]

The modules' parameters are drawn here (seeded, float32-exact) and exported as the state dict,
with PyTorch's names camelCased segment by segment (weight_ih_l0_reverse → weightIhL0Reverse,
self_attn.in_proj_weight → selfAttn.inProjWeight): the test loads them with loadStateDict.
Outputs are computed in float64 from float32-exact values; `grads` are the gradients of
sum_i (outs[i] * gs[i]).sum() with respect to every parameter and every float input.
Masks are int32 (0/1, 1 = blocked, as PyTorch's boolean masks) or float. Deterministic: commit the output.
"""
import json
import os
import re

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")
GEN = torch.Generator().manual_seed(2024)


def r32(shape, scale=1.0):
    """Random values exactly representable in float32, as float64."""
    return (torch.randn(*shape, generator=GEN, dtype=torch.float64) * scale).float().double()


def T(t):
    t = t.detach()
    out = {"shape": list(t.shape)}
    if t.dtype in (torch.int32, torch.int64, torch.bool):
        out["data"] = [int(v) for v in t.reshape(-1).tolist()]
        out["dtype"] = "int32"
    else:
        out["data"] = [float("%.9g" % v) for v in t.double().reshape(-1).tolist()]
    return out


def camel(name):
    """PyTorch's snake_case state-dict name → dlgrad's camelCase, segment by segment."""
    def seg(s):
        parts = s.split("_")
        return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return ".".join(seg(s) for s in name.split("."))


cases = []


def case(name, layer, args, module, inputs, call, forward=None, tol=(2e-5, 2e-4), scale=0.5):
    """inputs: {name: tensor}; call(module, **leaves) -> list of output tensors."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(r32(p.shape, scale))
    params = dict(module.named_parameters())
    leaves = {}
    for k, x in inputs.items():
        leaves[k] = x.clone().requires_grad_(True) if x.dtype.is_floating_point and not k.lower().endswith("mask") else x
    outs = [o for o in call(module, **leaves)]
    gs = [r32(o.shape) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, gs)).backward()
    grads = {camel(k): T(p.grad) for k, p in params.items()}
    for k, x in leaves.items():
        if x.requires_grad:
            grads[k] = T(x.grad if x.grad is not None else torch.zeros_like(x))
    cases.append({
        "name": name, "layer": layer, "args": args, "forward": forward or {},
        "torchNames": list(module.state_dict().keys()),
        "stateDict": {camel(k): T(p) for k, p in params.items()},
        "inputs": {k: T(x) for k, x in inputs.items()},
        "outs": [T(o) for o in outs], "gs": [T(g) for g in gs], "grads": grads, "tol": list(tol),
    })


# ---- cells ------------------------------------------------------------------------------------

case("RNNCell/tanh", "RNNCell", {}, nn.RNNCell(3, 4), {"x": r32([2, 3]), "h0": r32([2, 4])},
     lambda m, x, h0: [m(x, h0)])
case("RNNCell/relu-nobias-unbatched-noState", "RNNCell", {"nonlinearity": "relu", "bias": False},
     nn.RNNCell(3, 4, bias=False, nonlinearity="relu"), {"x": r32([3])}, lambda m, x: [m(x)])
case("LSTMCell/states", "LSTMCell", {}, nn.LSTMCell(3, 4), {"x": r32([2, 3]), "h0": r32([2, 4]), "c0": r32([2, 4])},
     lambda m, x, h0, c0: list(m(x, (h0, c0))))
case("LSTMCell/unbatched-noState", "LSTMCell", {}, nn.LSTMCell(2, 3), {"x": r32([2])}, lambda m, x: list(m(x)))
case("GRUCell/state", "GRUCell", {}, nn.GRUCell(3, 4), {"x": r32([2, 3]), "h0": r32([2, 4])},
     lambda m, x, h0: [m(x, h0)])
case("GRUCell/nobias", "GRUCell", {"bias": False}, nn.GRUCell(3, 2, bias=False), {"x": r32([3, 3])}, lambda m, x: [m(x)])

# ---- multi-layer ------------------------------------------------------------------------------


def seq(m, x, h0=None):
    out, h = m(x, h0)
    return [out, h]


def lstm_seq(m, x, h0=None, c0=None):
    out, (h, c) = m(x, None if h0 is None else (h0, c0))
    return [out, h, c]


case("RNN/2-layers-tanh-h0", "RNN", {"numLayers": 2}, nn.RNN(3, 4, 2),
     {"x": r32([5, 2, 3]), "h0": r32([2, 2, 4])}, seq)
case("RNN/relu-bidirectional-batchFirst", "RNN", {"nonlinearity": "relu", "bidirectional": True, "batchFirst": True},
     nn.RNN(3, 4, nonlinearity="relu", bidirectional=True, batch_first=True), {"x": r32([2, 4, 3])}, seq)
case("LSTM/2-layers-bidirectional-batchFirst-states", "LSTM", {"numLayers": 2, "bidirectional": True, "batchFirst": True},
     nn.LSTM(3, 4, 2, bidirectional=True, batch_first=True),
     {"x": r32([2, 4, 3]), "h0": r32([4, 2, 4]), "c0": r32([4, 2, 4])}, lstm_seq)
case("LSTM/unbatched-nobias", "LSTM", {"bias": False}, nn.LSTM(3, 5, bias=False), {"x": r32([4, 3])}, lstm_seq)
case("LSTM/1-layer-seqFirst", "LSTM", {}, nn.LSTM(2, 3), {"x": r32([6, 3, 2])}, lstm_seq)
case("GRU/2-layers-h0", "GRU", {"numLayers": 2}, nn.GRU(3, 4, 2), {"x": r32([4, 2, 3]), "h0": r32([2, 2, 4])}, seq)
case("GRU/bidirectional-unbatched-h0", "GRU", {"bidirectional": True}, nn.GRU(2, 3, bidirectional=True),
     {"x": r32([5, 2]), "h0": r32([2, 3])}, seq)

# ---- attention and transformer ----------------------------------------------------------------

kpm = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], dtype=torch.int32)  # 1: padding (blocked)
causal_bool = torch.triu(torch.ones(5, 5, dtype=torch.int32), 1)


def mha(m, x, keyPaddingMask=None, attnMask=None, **_):
    out, w = m(x, x, x, key_padding_mask=None if keyPaddingMask is None else keyPaddingMask.bool(),
               attn_mask=None if attnMask is None else (attnMask.bool() if attnMask.dtype == torch.int32 else attnMask))
    return [out, w]


case("MultiheadAttention/keyPaddingMask-batchFirst", "MultiheadAttention", {"embedDim": 4, "numHeads": 2, "batchFirst": True},
     nn.MultiheadAttention(4, 2, batch_first=True), {"x": r32([2, 5, 4]), "keyPaddingMask": kpm}, mha)
case("MultiheadAttention/boolAttnMask-keyPaddingMask", "MultiheadAttention", {"embedDim": 4, "numHeads": 1},
     nn.MultiheadAttention(4, 1), {"x": r32([5, 2, 4]), "keyPaddingMask": kpm, "attnMask": causal_bool}, mha)
case("MultiheadAttention/floatAttnMask-perHead", "MultiheadAttention", {"embedDim": 4, "numHeads": 2, "batchFirst": True},
     nn.MultiheadAttention(4, 2, batch_first=True), {"x": r32([2, 3, 4]), "attnMask": r32([4, 3, 3])},
     lambda m, x, attnMask: list(m(x, x, x, attn_mask=attnMask, average_attn_weights=False)),
     forward={"averageAttnWeights": False})


def enc(m, x, srcMask=None, srcKeyPaddingMask=None, mask=None):
    """TransformerEncoderLayer's mask is src_mask, TransformerEncoder's is mask (PyTorch 1.13's names)."""
    mask = srcMask if mask is None else mask
    if mask is not None and mask.dtype == torch.int32:
        mask = mask.bool()
    kpm = None if srcKeyPaddingMask is None else srcKeyPaddingMask.bool()
    if isinstance(m, nn.TransformerEncoder):
        return [m(x, mask=mask, src_key_padding_mask=kpm)]
    return [m(x, src_mask=mask, src_key_padding_mask=kpm)]


def layer(d, h, ff, **kw):
    return nn.TransformerEncoderLayer(d, h, ff, dropout=0.0, **kw)


case("TransformerEncoderLayer/relu-postNorm-batchFirst-keyPadding", "TransformerEncoderLayer",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 6, "dropout": 0, "batchFirst": True},
     layer(4, 2, 6, batch_first=True), {"x": r32([2, 5, 4]), "srcKeyPaddingMask": kpm}, enc)
case("TransformerEncoderLayer/gelu-normFirst-seqFirst-boolMask", "TransformerEncoderLayer",
     {"dModel": 4, "nhead": 1, "dimFeedforward": 5, "dropout": 0, "activation": "gelu", "normFirst": True, "layerNormEps": 1e-6},
     layer(4, 1, 5, activation="gelu", norm_first=True, layer_norm_eps=1e-6),
     {"x": r32([5, 2, 4]), "srcMask": causal_bool}, enc)
case("TransformerEncoderLayer/floatMask-unbatched", "TransformerEncoderLayer",
     {"dModel": 6, "nhead": 3, "dimFeedforward": 4, "dropout": 0},
     layer(6, 3, 4), {"x": r32([3, 6]), "srcMask": r32([3, 3])}, enc)

enc2 = nn.TransformerEncoder(layer(4, 2, 6, batch_first=True, norm_first=True), 2, norm=nn.LayerNorm(4))
case("TransformerEncoder/2-layers-finalNorm-masks", "TransformerEncoder",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 6, "dropout": 0, "batchFirst": True, "normFirst": True, "numLayers": 2, "norm": True},
     enc2, {"x": r32([2, 5, 4]), "srcKeyPaddingMask": kpm, "mask": causal_bool}, enc)
case("TransformerEncoder/1-layer-noNorm", "TransformerEncoder",
     {"dModel": 4, "nhead": 2, "dimFeedforward": 3, "dropout": 0, "numLayers": 1},
     nn.TransformerEncoder(layer(4, 2, 3), 1), {"x": r32([3, 2, 4])}, enc)

# ---- the state-dict names must be PyTorch's, camelCased
for c in cases:
    assert [camel(n) for n in c["torchNames"]] == list(c["stateDict"].keys()), c["name"]
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9.]*", k) for k in c["stateDict"]), c["name"]

os.makedirs(FIX, exist_ok=True)
with open(os.path.join(FIX, "rnn.json"), "w") as f:
    json.dump({"version": 1, "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote %d cases to test/fixtures/rnn.json" % len(cases))
