// Recurrent and transformer layers: PyTorch fixtures (test/fixtures/rnn.json, from
// scripts/make_fixtures_rnn.py: PyTorch's seeded weights loaded with loadStateDict, forward values
// and the gradients of every parameter and input) on every device, float64 gradchecks of the cells
// and layers, dropout between layers, initialisation, and the errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, availableDevices, initDevice, manualSeed, nn } from "../src/node.js";
import { assertTensorCloseAsync, fromFixture, runAllAsync, type FTensor } from "./helpers.js";
import { S, gradcheck } from "./breadth_helpers.js";

interface RnnCase {
  name: string;
  layer: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward: Record<string, any>;
  torchNames: string[];
  stateDict: Record<string, FTensor>;
  inputs: Record<string, FTensor>;
  outs: FTensor[];
  gs: FTensor[];
  grads: Record<string, FTensor>;
  tol: [number, number];
}

const fixtures = JSON.parse(readFileSync(new URL("../../test/fixtures/rnn.json", import.meta.url), "utf8")) as { cases: RnnCase[] };

// webgpu when an adapter exists (DLGRAD_REQUIRE_WEBGPU=1 makes its absence a failure)
let webgpuError: string | null = null;
try {
  await initDevice("webgpu");
} catch (e) {
  webgpuError = e instanceof Error ? e.message : String(e);
}
test("webgpu is available where DLGRAD_REQUIRE_WEBGPU=1 asks for it", { skip: process.env.DLGRAD_REQUIRE_WEBGPU === "1" ? false : "DLGRAD_REQUIRE_WEBGPU is not set" }, () => {
  assert.equal(webgpuError, null, `initDevice("webgpu") failed: ${webgpuError}`);
});

/** PyTorch's snake_case state-dict names camelCased segment by segment, as the fixture script does. */
const camel = (name: string) => name.split(".").map((s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(".");

const attends = (m: Tensor | undefined) => (m && m.dtype === "int32" ? m.eq(0).int() : m);

/** The module of a case and how to call it on the case's inputs, returning every output. */
function build(c: RnnCase): { m: nn.Module; call: (m: nn.Module, x: Record<string, Tensor>) => Tensor[] } {
  const a = c.args;
  const [I, H] = [c.stateDict.weightIh ?? c.stateDict.weightIhL0, c.stateDict.weightHh ?? c.stateDict.weightHhL0].map((t) => t?.shape);
  const hidden = H?.[1] ?? 0, input = I?.[1] ?? 0;
  switch (c.layer) {
    case "RNNCell": return { m: new nn.RNNCell(input, hidden, a), call: (m, x) => [(m as nn.RNNCell).forward(x.x, x.h0)] };
    case "GRUCell": return { m: new nn.GRUCell(input, hidden, a), call: (m, x) => [(m as nn.GRUCell).forward(x.x, x.h0)] };
    case "LSTMCell": return { m: new nn.LSTMCell(input, hidden, a), call: (m, x) => (m as nn.LSTMCell).forward(x.x, x.h0 ? [x.h0, x.c0] : undefined) };
    case "RNN": return { m: new nn.RNN(input, hidden, a), call: (m, x) => (m as nn.RNN).forward(x.x, x.h0) };
    case "GRU": return { m: new nn.GRU(input, hidden, a), call: (m, x) => (m as nn.GRU).forward(x.x, x.h0) };
    case "LSTM":
      return {
        m: new nn.LSTM(input, hidden, a),
        call: (m, x) => {
          const [out, [h, cc]] = (m as nn.LSTM).forward(x.x, x.h0 ? [x.h0, x.c0] : undefined);
          return [out, h, cc];
        },
      };
    // int32 attention masks: PyTorch's boolean (1 blocks) → dlgrad's (nonzero attends); padding masks as PyTorch's
    case "MultiheadAttention":
      return {
        m: new nn.MultiheadAttention(a.embedDim, a.numHeads, { batchFirst: a.batchFirst }),
        call: (m, x) => {
          const [out, w] = (m as nn.MultiheadAttention).forward(x.x, x.x, x.x, { attnMask: attends(x.attnMask), keyPaddingMask: x.keyPaddingMask, ...c.forward });
          return [out, w!];
        },
      };
    case "TransformerEncoderLayer": {
      const { dModel, nhead, ...opts } = a;
      return {
        m: new nn.TransformerEncoderLayer(dModel, nhead, opts),
        call: (m, x) => [(m as nn.TransformerEncoderLayer).forward(x.x, { srcMask: attends(x.srcMask), srcKeyPaddingMask: x.srcKeyPaddingMask })],
      };
    }
    case "TransformerEncoder": {
      const layer = new nn.TransformerEncoderLayer(a.dModel, a.nhead, { dimFeedforward: a.dimFeedforward, dropout: a.dropout, batchFirst: a.batchFirst, normFirst: a.normFirst });
      return {
        m: new nn.TransformerEncoder(layer, a.numLayers, a.norm ? new nn.LayerNorm(a.dModel) : null),
        call: (m, x) => [(m as nn.TransformerEncoder).forward(x.x, attends(x.mask) ?? null, x.srcKeyPaddingMask ?? null)],
      };
    }
    default: throw new Error(`rnn.test: no layer ${c.layer}`);
  }
}

async function runCase(c: RnnCase, device: string): Promise<void> {
  const { m, call } = build(c);
  m.to(device);
  // PyTorch's weights, names converted: a strict load also checks the names and the shapes
  assert.deepEqual(Object.keys(c.stateDict), c.torchNames.map(camel));
  m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, fromFixture(v, device)])));
  const x: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) x[k] = fromFixture(v, device, k in c.grads, v.dtype);
  const outs = call(m, x);
  assert.equal(outs.length, c.outs.length);
  for (let i = 0; i < outs.length; i++) {
    assert.equal(outs[i].device, device);
    await assertTensorCloseAsync(outs[i], c.outs[i], c.tol, `out[${i}]`);
  }
  outs.map((o, i) => o.mul(fromFixture(c.gs[i], device)).sum()).reduce((p, q) => p.add(q)).backward();
  const params = new Map(m.namedParameters());
  for (const [k, g] of Object.entries(c.grads)) {
    const t = params.get(k) ?? x[k];
    assert.ok(t, `no tensor ${k}`);
    await assertTensorCloseAsync(t.grad, g, c.tol, `grad of ${k}`);
  }
}

for (const device of availableDevices()) {
  test(`recurrent and transformer layers against PyTorch on ${device} (${fixtures.cases.length} cases)`, async () => {
    await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCase(c, device));
  });
}

/** Sets a module's parameter fields (dotted paths) to the given float64 tensors, in namedParameters() order. */
function withParams<M extends nn.Module>(m: M, ps: Tensor[]): M {
  m.namedParameters().forEach(([name], i) => {
    const path = name.split(".");
    let owner = m as unknown as Record<string, unknown>;
    for (const k of path.slice(0, -1)) owner = owner[k] as Record<string, unknown>;
    owner[path[path.length - 1]] = ps[i];
  });
  return m;
}

const shapes = (m: nn.Module) => m.parameters().map((p) => S([...p.shape]));

describe("gradcheck (float64, js)", () => {
  const rnnCell = new nn.RNNCell(3, 2), reluCell = new nn.RNNCell(2, 3, { nonlinearity: "relu" });
  const lstmCell = new nn.LSTMCell(3, 2), gruCell = new nn.GRUCell(2, 3, false);
  const lstm = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true }), gru = new nn.GRU(2, 2, { batchFirst: true });
  const rnn = new nn.RNN(2, 3, { bidirectional: true, nonlinearity: "tanh" });
  const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
  const encLayer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 3, dropout: 0, batchFirst: true });
  const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 1, 3, 0, "gelu", { normFirst: true }), 2, new nn.LayerNorm(4));
  const padding = Tensor.from(new Int32Array([0, 0, 1, 0, 0, 0]), { shape: [2, 3], dtype: "int32" });
  const lower = Tensor.ones([3, 3], { dtype: "int32" }).tril();
  const checks: [string, nn.Module, Parameters<typeof gradcheck>[1], (m: nn.Module, xs: Tensor[]) => Tensor | Tensor[]][] = [
    ["RNNCell tanh", rnnCell, [S([2, 3]), S([2, 2])], (m, [x, h]) => (m as nn.RNNCell).forward(x, h)],
    ["RNNCell relu", reluCell, [S([2, 2]), S([2, 3], "spread")], (m, [x, h]) => (m as nn.RNNCell).forward(x, h)],
    ["LSTMCell", lstmCell, [S([2, 3]), S([2, 2]), S([2, 2])], (m, [x, h, c]) => (m as nn.LSTMCell).forward(x, [h, c])],
    ["GRUCell no bias", gruCell, [S([2, 2]), S([2, 3])], (m, [x, h]) => (m as nn.GRUCell).forward(x, h)],
    ["LSTM 2 layers bidirectional", lstm, [S([3, 1, 2]), S([4, 1, 2]), S([4, 1, 2])], (m, [x, h, c]) => {
      const [out, [hN, cN]] = (m as nn.LSTM).forward(x, [h, c]);
      return [out, hN, cN];
    }],
    ["GRU batchFirst", gru, [S([2, 3, 2]), S([1, 2, 2])], (m, [x, h]) => (m as nn.GRU).forward(x, h)],
    ["RNN bidirectional unbatched", rnn, [S([3, 2])], (m, [x]) => (m as nn.RNN).forward(x)],
    ["MultiheadAttention keyPaddingMask and int32 attnMask", mha, [S([2, 3, 4])], (m, [x]) => {
      const [out, w] = (m as nn.MultiheadAttention).forward(x, x, x, { keyPaddingMask: padding.to("js"), attnMask: lower.to("js") });
      return [out, w!];
    }],
    ["TransformerEncoderLayer post-norm, padding", encLayer, [S([2, 3, 4])], (m, [x]) =>
      (m as nn.TransformerEncoderLayer).forward(x, { srcKeyPaddingMask: padding.to("js") })],
    ["TransformerEncoder pre-norm gelu, float mask, final norm", encoder, [S([3, 1, 4]), S([3, 3])], (m, [x, mask]) =>
      (m as nn.TransformerEncoder).forward(x, mask)],
  ];
  for (const [name, m, inputs, f] of checks) {
    test(name, () => {
      const n = inputs.length;
      gradcheck(name, [...inputs, ...shapes(m)], (xs) => f(withParams(m, xs.slice(n)), xs.slice(0, n)));
    });
  }
});

describe("nn.RNN, LSTM, GRU and the cells", () => {
  test("parameters are PyTorch's (camelCased), in PyTorch's order, drawn from U(±1/√hiddenSize)", () => {
    manualSeed(3);
    const m = new nn.GRU(3, 16, 2, { bidirectional: true, bias: true });
    const names = m.namedParameters().map(([n]) => n);
    const torchOrder = [0, 1].flatMap((l) => ["", "_reverse"].flatMap((s) => ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map((w) => `${w}_l${l}${s}`)));
    assert.deepEqual(names, torchOrder.map(camel));
    assert.deepEqual(m.stateDict().weightIhL1Reverse.shape, [48, 32]);
    assert.deepEqual(m.allWeights.map((ws) => ws.length), [4, 4, 4, 4]);
    assert.equal(m.allWeights[3][1], m.parameters()[13]);
    assert.deepEqual(Object.keys(m.stateDict()), names);
    for (const p of m.parameters()) {
      const v = p.toTypedArray();
      assert.ok(v.every((x) => Math.abs(x) <= 0.25), "|w| <= 1/√16");
      assert.ok(Math.max(...v) > 0.2 && Math.min(...v) < -0.2, "spread over the whole range");
    }
    assert.deepEqual(new nn.LSTMCell(2, 3, { bias: false }).namedParameters().map(([n]) => n), ["weightIh", "weightHh"]);
    assert.equal(String(new nn.LSTM(2, 3, 2, { batchFirst: true })), "LSTM(2, 3, numLayers=2, batchFirst=true)");
  });

  test("dropout acts between layers in training mode only; eval mode is deterministic", () => {
    manualSeed(1);
    const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = Tensor.randn([5, 2, 3]);
    const ref = new nn.LSTM(3, 4, { numLayers: 2 });
    ref.loadStateDict(m.stateDict());
    m.eval();
    assert.deepEqual(m.forward(x)[0].toArray(), ref.forward(x)[0].toArray());
    m.train();
    const [a] = m.forward(x), [b] = m.forward(x);
    assert.notDeepEqual(a.toArray(), b.toArray());
    // a one-layer LSTM has no layer to drop between
    const one = new nn.LSTM(3, 4, { dropout: 0.9 });
    assert.deepEqual(one.forward(x)[0].toArray(), one.forward(x)[0].toArray());
  });

  test("the final states are the last steps of the output (both directions), batchFirst transposes only input and output", () => {
    manualSeed(2);
    const m = new nn.GRU(2, 3, { bidirectional: true, batchFirst: true });
    const x = Tensor.randn([2, 4, 2]);
    const [out, hN] = m.forward(x);
    assert.deepEqual(out.shape, [2, 4, 6]);
    assert.deepEqual(hN.shape, [2, 2, 3]);
    const close = (a: Tensor, b: Tensor) => a.toTypedArray().forEach((v, i) => assert.ok(Math.abs(v - b.toTypedArray()[i]) < 1e-6));
    close(hN.slice(0), out.slice([], -1, [0, 3]));
    close(hN.slice(1), out.slice([], 0, [3, 6]));
  });

  test("strided views as input and states give the values and gradients of contiguous copies, on every device as on js", async () => {
    manualSeed(9);
    const ref = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const xBase = Tensor.randn([2, 5, 3]), hBase = Tensor.randn([4, 2, 8]), cBase = Tensor.randn([4, 2, 4]);
    const run = (device: string, views: boolean) => {
      const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }).to(device);
      m.loadStateDict(ref.stateDict());
      const leaf = (t: Tensor) => {
        const l = t.to(device).detach();
        l.requiresGrad = true;
        return l;
      };
      const [xb, hb, cb] = [leaf(xBase), leaf(hBase), leaf(cBase)];
      // [L, N, I] as a transpose of [N, L, I]; h0 as every other column of a wider tensor
      const x = views ? xb.transpose(0, 1) : xb.transpose(0, 1).contiguous();
      const h = views ? hb.slice([], [], [null, null, 2]) : hb.slice([], [], [null, null, 2]).contiguous();
      const [out, [hN, cN]] = m.forward(x, [h, cb]);
      out.sum().add(hN.mul(2).sum()).add(cN.mul(cN).sum()).backward();
      return [out, hN, cN, xb.grad!, hb.grad!, cb.grad!, m.allWeights[3][1].grad!];
    };
    const expected = run("js", false);
    for (const device of availableDevices()) {
      const got = run(device, true);
      for (let i = 0; i < got.length; i++) {
        const e = await expected[i].toTypedArrayAsync();
        await assertTensorCloseAsync(got[i], { data: Array.from(e), shape: [...expected[i].shape] }, [1e-5, 1e-4], `${device} tensor ${i}`);
      }
    }
  });

  test("bad input is refused with the layer's name", () => {
    const lstm = new nn.LSTM(3, 4, 2);
    const gru = new nn.GRU(3, 4, { batchFirst: true });
    const cell = new nn.LSTMCell(3, 4);
    const rows: [() => unknown, RegExp][] = [
      [() => lstm.forward(Tensor.zeros([5, 2, 3, 1])), /nn\.LSTM: Expected input to be 2D .* got 4D/],
      [() => lstm.forward(Tensor.zeros([5, 2, 2])), /nn\.LSTM: input\.size\(-1\) must be equal to inputSize\. Expected 3, got 2/],
      [() => lstm.forward(Tensor.zeros([5, 2, 3]), [Tensor.zeros([1, 2, 4]), Tensor.zeros([2, 2, 4])]), /nn\.LSTM: Expected h0 of shape \[2, 2, 4\].*got \[1, 2, 4\]/],
      [() => lstm.forward(Tensor.zeros([5, 2, 3]), [Tensor.zeros([2, 2, 4]), Tensor.zeros([2, 3, 4])]), /nn\.LSTM: Expected c0 of shape \[2, 2, 4\].*got \[2, 3, 4\]/],
      [() => lstm.forward(Tensor.zeros([5, 2, 3]), Tensor.zeros([2, 2, 4]) as never), /nn\.LSTM: hx must be an array \[h0, c0\]/],
      [() => gru.forward(Tensor.zeros([2, 5, 3]), Tensor.zeros([1, 5, 4])), /nn\.GRU: Expected h0 of shape \[1, 2, 4\]/],
      [() => gru.forward(Tensor.zeros([2, 5, 3], { dtype: "int32" })), /nn\.GRU: input must be a floating-point tensor/],
      [() => cell.forward(Tensor.zeros([2, 2])), /nn\.LSTMCell: input has inconsistent input_size: got 2 expected 3/],
      [() => cell.forward(Tensor.zeros([2, 3, 1])), /nn\.LSTMCell: Expected input to be 1D or 2D, got 3D/],
      [() => cell.forward(Tensor.zeros([2, 3]), [Tensor.zeros([2, 4]), Tensor.zeros([4])]), /nn\.LSTMCell: c must have shape \[2, 4\]/],
      [() => new nn.GRUCell(3, 4).forward(Tensor.zeros([3]), Tensor.zeros([1, 4])), /nn\.GRUCell: hx must have shape \[4\]/],
      [() => new nn.LSTM(3, 4, { projSize: 2 }), /nn\.LSTM: projSize is not supported/],
      [() => new nn.GRU(3, 4, { projSize: 2 }), /nn\.GRU: projSize is not supported/],
      [() => new nn.LSTM(3, 4, { numLayer: 2 } as never), /nn\.LSTM: unknown option 'numLayer'/],
      [() => new nn.LSTM(3, 4, { nonlinearity: "relu" } as never), /nn\.LSTM: unknown option 'nonlinearity'/],
      [() => new nn.RNN(3, 4, { nonlinearity: "sigmoid" as never }), /nn\.RNN: nonlinearity must be 'tanh' or 'relu'/],
      [() => new nn.RNNCell(3, 4, { nonlinearity: "gelu" as never }), /nn\.RNNCell: nonlinearity must be 'tanh' or 'relu'/],
      [() => new nn.LSTMCell(3, 4, { batchFirst: true } as never), /nn\.LSTMCell: unknown option 'batchFirst'/],
      [() => new nn.GRU(3, 0), /nn\.GRU: hiddenSize must be an integer >= 1, got 0/],
      [() => new nn.RNN(3, 4, 0), /nn\.RNN: numLayers must be an integer >= 1, got 0/],
      [() => new nn.LSTM(3, 4, { dropout: 1.5 }), /nn\.LSTM: dropout must be a probability in \[0, 1\], got 1.5/],
      [() => new nn.LSTM(3, 4, { bidirectional: 1 as never }), /nn\.LSTM: bidirectional must be true or false/],
    ];
    lstm.forward(Tensor.zeros([2, 3])); // unbatched input is fine
    for (const [f, re] of rows) assert.throws(f, re);
  });
});

describe("nn.MultiheadAttention masks, TransformerEncoderLayer and TransformerEncoder", () => {
  const close = (a: Tensor, b: Tensor, tol = 1e-5) => {
    assert.deepEqual(a.shape, b.shape);
    const x = a.toTypedArray(), y = b.toTypedArray();
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= tol * (1 + Math.abs(y[i])), `[${i}] ${v} vs ${y[i]}`));
  };

  test("keyPaddingMask: int32 nonzero and float −Infinity block the same keys; needWeights=false agrees; padded keys get weight 0", () => {
    manualSeed(4);
    const mha = new nn.MultiheadAttention(6, 2, { batchFirst: true });
    const x = Tensor.randn([2, 4, 6]);
    const pad = Tensor.from(new Int32Array([0, 0, 0, 1, 0, 1, 0, 0]), { shape: [2, 4], dtype: "int32" });
    const padF = Tensor.zeros([2, 4]).maskedFill(pad.ne(0), -Infinity);
    const causal = Tensor.ones([4, 4], { dtype: "int32" }).tril();
    const [a, w] = mha.forward(x, x, x, { keyPaddingMask: pad });
    const [b] = mha.forward(x, x, x, { keyPaddingMask: padF });
    const [c, none] = mha.forward(x, x, x, { keyPaddingMask: pad, needWeights: false });
    close(b, a);
    close(c, a);
    assert.equal(none, null);
    const wv = w!.toArray() as number[][][];
    for (let i = 0; i < 4; i++) assert.ok(wv[0][i][3] === 0 && wv[1][i][1] === 0 && wv[1][i][3] > 0);
    // with an attention mask too: both paths, and the mask still applies
    const [d, wd] = mha.forward(x, x, x, { keyPaddingMask: pad, attnMask: causal });
    const [e] = mha.forward(x, x, x, { keyPaddingMask: pad, attnMask: causal, needWeights: false });
    close(e, d);
    assert.equal((wd!.toArray() as number[][][])[0][0][1], 0);
  });

  test("TransformerEncoder's layers are copies: same values, separate tensors; dropout only in training mode", () => {
    manualSeed(6);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5 });
    const enc = new nn.TransformerEncoder(layer, 2);
    assert.deepEqual(enc.namedParameters().map(([n]) => n).slice(0, 3), ["layers.0.selfAttn.inProjWeight", "layers.0.selfAttn.inProjBias", "layers.0.selfAttn.outProj.weight"]);
    assert.equal(enc.parameters().length, 2 * layer.parameters().length);
    assert.notEqual(enc.layers[0].linear1.weight, enc.layers[1].linear1.weight);
    assert.deepEqual(enc.layers[1].linear1.weight.toArray(), layer.linear1.weight.toArray());
    const x = Tensor.randn([3, 2, 4]);
    assert.notDeepEqual(enc.forward(x).toArray(), enc.forward(x).toArray());
    enc.eval();
    assert.deepEqual(enc.forward(x).toArray(), enc.forward(x).toArray());
    assert.equal(String(layer).split("\n")[0], "TransformerEncoderLayer(");
  });

  test("an activation function is called as the feed-forward activation", () => {
    manualSeed(7);
    const relu = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
    const fn = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, activation: (t: Tensor) => t.relu() });
    fn.loadStateDict(relu.stateDict());
    const x = Tensor.randn([3, 2, 4]);
    close(fn.forward(x), relu.forward(x));
  });

  test("bad input is refused with the module's name", () => {
    const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
    const x = Tensor.zeros([2, 3, 4]);
    const layer = new nn.TransformerEncoderLayer(4, 2, { batchFirst: true });
    const rows: [() => unknown, RegExp][] = [
      [() => mha.forward(x, x, x, { keyPaddingMask: Tensor.zeros([2, 4], { dtype: "int32" }) }), /nn\.MultiheadAttention: keyPaddingMask must be \[2, 3\]/],
      [() => mha.forward(x, x, x, { attnMask: Tensor.zeros([3, 4]) }), /nn\.MultiheadAttention: attnMask must be \[3, 3\] or \[4, 3, 3\]/],
      [() => mha.forward(x, x, x, { keyPadingMask: Tensor.zeros([2, 3]) } as never), /nn\.MultiheadAttention: unknown option 'keyPadingMask'/],
      [() => mha.forward(Tensor.zeros([2, 3, 5]), x, x), /nn\.MultiheadAttention: query must be \[N, L, E\] with E = 4, got \[2, 3, 5\]/],
      [() => layer.forward(x, { srcKeyPaddingMask: Tensor.zeros([3, 2]) }), /nn\.TransformerEncoderLayer: srcKeyPaddingMask must be \[2, 3\]/],
      [() => layer.forward(x, { src_mask: null } as never), /nn\.TransformerEncoderLayer: unknown option 'src_mask'/],
      [() => new nn.TransformerEncoderLayer(4, 3), /nn\.TransformerEncoderLayer: dModel \(4\) must be divisible by nhead \(3\)/],
      [() => new nn.TransformerEncoderLayer(4, 2, { activation: "tanh" as never }), /nn\.TransformerEncoderLayer: activation must be 'relu' or 'gelu'/],
      [() => new nn.TransformerEncoderLayer(4, 2, { dropout: -0.1 }), /nn\.TransformerEncoderLayer: dropout must be a probability/],
      [() => new nn.TransformerEncoderLayer(4, 2, { normFirst: true, bias: false } as never), /nn\.TransformerEncoderLayer: unknown option 'bias'/],
      [() => new nn.TransformerEncoder(layer, 0), /nn\.TransformerEncoder: numLayers must be an integer >= 1/],
      [() => new nn.TransformerEncoder(new nn.Linear(4, 4) as never, 2), /nn\.TransformerEncoder: encoderLayer must be an nn\.TransformerEncoderLayer/],
      [() => new nn.TransformerEncoder(layer, 2, { enableNestedTensor: false } as never), /nn\.TransformerEncoder: unknown option 'enableNestedTensor'/],
      [() => new nn.TransformerEncoder(layer, 1).forward(x, { srcMask: null } as never), /nn\.TransformerEncoder: unknown option 'srcMask'/],
    ];
    for (const [f, re] of rows) assert.throws(f, re);
  });
});
