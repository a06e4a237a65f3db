// TransformerDecoderLayer, TransformerDecoder, Transformer, Bilinear and EmbeddingBag: PyTorch fixtures
// (test/fixtures/breadth_transformer2.json, from scripts/make_fixtures_transformer2.py: PyTorch's
// seeded weights loaded with a strict loadStateDict, forward values and the gradients of every
// parameter and float input) on every device through the async reads, float64 gradchecks of
// F.bilinear and F.embeddingBag, state-dict names, initialisation, and every refusal.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, manualSeed, nn, tensor } from "../src/node.js";
import { assertTensorCloseAsync, fromFixture, runAllAsync, type FTensor } from "./helpers.js";
import { S, gradcheck, loadBreadth, startWebgpu } from "./breadth_helpers.js";

interface Case {
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

const fixtures = loadBreadth("breadth_transformer2.json") as unknown as { cases: Case[] };
const webgpuSkip = await startWebgpu();

/** PyTorch's snake_case state-dict names camelCased segment by segment, as the fixture script does. */
const camel = (name: string) => name.split(".").map((s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(".");
/** A fixture's int32 attention mask (1 blocks, PyTorch's boolean) → dlgrad's (nonzero attends); float masks as they are. */
const attends = (m: Tensor | undefined) => (m && m.dtype === "int32" ? m.eq(0).int() : m);

function build(c: Case, device: string): { m: nn.Module; call: (x: Record<string, Tensor>) => Tensor[] } {
  const a = c.args;
  const decMasks = (x: Record<string, Tensor>) => ({
    tgtMask: attends(x.tgtMask), memoryMask: attends(x.memoryMask), tgtKeyPaddingMask: x.tgtKeyPaddingMask, memoryKeyPaddingMask: x.memoryKeyPaddingMask, ...c.forward,
  });
  switch (c.layer) {
    case "TransformerDecoderLayer": {
      const { dModel, nhead, ...opts } = a;
      const m = new nn.TransformerDecoderLayer(dModel, nhead, opts);
      return { m, call: (x) => [m.forward(x.tgt, x.memory, decMasks(x))] };
    }
    case "TransformerDecoder": {
      const layer = new nn.TransformerDecoderLayer(a.dModel, a.nhead, { dimFeedforward: a.dimFeedforward, dropout: a.dropout, batchFirst: a.batchFirst, normFirst: a.normFirst });
      const m = new nn.TransformerDecoder(layer, a.numLayers, a.norm ? new nn.LayerNorm(a.dModel) : null);
      return { m, call: (x) => [m.forward(x.tgt, x.memory, decMasks(x))] };
    }
    case "Transformer": {
      const m = new nn.Transformer(a);
      return {
        m,
        call: (x) => [m.forward(x.src, x.tgt, {
          srcMask: attends(x.srcMask), tgtMask: attends(x.tgtMask), memoryMask: attends(x.memoryMask),
          srcKeyPaddingMask: x.srcKeyPaddingMask, tgtKeyPaddingMask: x.tgtKeyPaddingMask, memoryKeyPaddingMask: x.memoryKeyPaddingMask,
        })],
      };
    }
    case "Bilinear": {
      const m = new nn.Bilinear(a.in1Features, a.in2Features, a.outFeatures, { bias: a.bias });
      return { m, call: (x) => [m.forward(x.x1, x.x2)] };
    }
    case "EmbeddingBag": {
      const { numEmbeddings, embeddingDim, ...opts } = a;
      const m = new nn.EmbeddingBag(numEmbeddings, embeddingDim, opts);
      // offsets are read on the host: numbers for webgpu, an int32 tensor on the (host) device elsewhere
      const off = c.inputs.offsets;
      const offsets = off ? (device === "webgpu" ? off.data.map(Number) : fromFixture(off, device, false, "int32")) : null;
      return { m, call: (x) => [m.forward(x.input, offsets, x.perSampleWeights ?? null)] };
    }
    default: throw new Error(`transformer2.test: no layer ${c.layer}`);
  }
}

async function runCase(c: Case, device: string): Promise<void> {
  const { m, call } = build(c, device);
  m.to(device);
  assert.deepEqual(Object.keys(m.stateDict()), c.torchNames.map(camel), "state-dict names are PyTorch's, camelCased, in its order");
  m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, fromFixture(v, device)])));
  const x: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) x[k] = fromFixture(v, device, k in c.grads, v.dtype);
  const outs = call(x);
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
    await assertTensorCloseAsync(t.grad ?? Tensor.zeros(t.shape, { device }), g, c.tol, `grad of ${k}`);
  }
}

for (const device of availableDevices()) {
  test(`decoder, transformer, bilinear and embedding bag against PyTorch on ${device} (${fixtures.cases.length} cases)`,
    { skip: device === "webgpu" && webgpuSkip }, async () => {
      await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCase(c, device));
    });
}

test("the fixtures cover every new module", () => {
  assert.deepEqual([...new Set(fixtures.cases.map((c) => c.layer))].sort(), ["Bilinear", "EmbeddingBag", "Transformer", "TransformerDecoder", "TransformerDecoderLayer"]);
});

describe("gradcheck (float64, js)", () => {
  const ints = (v: number[], shape = [v.length]) => Tensor.from(Int32Array.from(v), { shape, dtype: "int32", device: "js" });
  test("F.bilinear with bias, batched", () => {
    gradcheck("bilinear", [S([2, 3, 3]), S([2, 3, 4]), S([2, 3, 4]), S([2])], ([a, b, w, bias]) => F.bilinear(a, b, w, bias));
  });
  test("F.bilinear without bias, unbatched", () => {
    gradcheck("bilinear unbatched", [S([2]), S([3]), S([4, 2, 3])], ([a, b, w]) => F.bilinear(a, b, w));
  });
  const idx = ints([1, 0, 2, 0, 0, 3, 4, 4, 2]);
  const offsets = [0, 2, 2, 4, 5];
  test("F.embeddingBag sum with offsets, an empty bag and perSampleWeights", () => {
    gradcheck("embeddingBag sum", [S([5, 3]), S([9])], ([w, psw]) => F.embeddingBag(idx, w, offsets, { mode: "sum", perSampleWeights: psw }));
  });
  test("F.embeddingBag mean with paddingIdx (a padding-only bag)", () => {
    gradcheck("embeddingBag mean", [S([5, 3])], ([w]) => F.embeddingBag(idx, w, offsets, { paddingIdx: 0 }));
  });
  test("F.embeddingBag max with paddingIdx, distinct values (no ties)", () => {
    gradcheck("embeddingBag max", [S([5, 3], "spread")], ([w]) => F.embeddingBag(idx, w, offsets, { mode: "max", paddingIdx: 0 }));
  });
  test("F.embeddingBag 2-D input, max and mean", () => {
    const two = ints([1, 2, 4, 0, 3, 1], [2, 3]);
    gradcheck("embeddingBag 2-D max", [S([5, 2], "spread")], ([w]) => F.embeddingBag(two, w, { mode: "max" }));
    gradcheck("embeddingBag 2-D mean", [S([5, 2])], ([w]) => F.embeddingBag(two, w));
  });
});

describe("nn.Transformer, TransformerDecoder and TransformerDecoderLayer", () => {
  test("state-dict names are PyTorch's camelCased, the layers copies; matrices redrawn xavier-uniform", () => {
    manualSeed(11);
    const tr = fixtures.cases.find((c) => c.name.startsWith("Transformer/2-encoder"))!;
    const m = new nn.Transformer(tr.args);
    assert.deepEqual(Object.keys(m.stateDict()), tr.torchNames.map(camel));
    const [w0, w1] = [m.encoder.layers[0].linear1.weight, m.encoder.layers[1].linear1.weight];
    assert.notDeepEqual(w0.toArray(), w1.toArray(), "xavier redraws each layer's copy");
    const bound = Math.sqrt(6 / (4 + 6)); // linear1: fanIn 4, fanOut 6
    assert.ok(w0.toTypedArray().every((v) => Math.abs(v) <= bound));
    assert.deepEqual(m.decoder.layers[0].norm3.weight!.toArray(), [1, 1, 1, 1], "vectors keep their initialisation");
    assert.equal(String(m).split("\n")[0], "Transformer(");
  });

  test("defaults are PyTorch's (dModel 512, nhead 8, 6 + 6 layers, feed-forward 2048) and positional arguments read in its order", () => {
    const layer = new nn.TransformerDecoderLayer(8, 2, 16, 0.2, "gelu", 1e-6, true, true);
    assert.deepEqual([layer.dimFeedforward, layer.dropoutP, layer.activation, layer.layerNormEps, layer.batchFirst, layer.normFirst], [16, 0.2, "gelu", 1e-6, true, true]);
    const m = new nn.Transformer(8, 2, 1, 3, 16, 0);
    assert.deepEqual([m.dModel, m.nhead, m.encoder.numLayers, m.decoder.numLayers, m.decoder.layers[0].dimFeedforward], [8, 2, 1, 3, 16]);
    // each default on a small model (the full default one takes a second to initialise)
    const wide = new nn.Transformer({ numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 });
    const deep = new nn.Transformer({ dModel: 4, nhead: 2, dimFeedforward: 4 });
    const dflt = new nn.TransformerDecoderLayer(4, 2);
    assert.deepEqual([wide.dModel, wide.nhead, deep.encoder.numLayers, deep.decoder.numLayers, dflt.dimFeedforward, dflt.dropoutP, dflt.activation, dflt.layerNormEps, dflt.batchFirst, dflt.normFirst],
      [512, 8, 6, 6, 2048, 0.1, "relu", 1e-5, false, false]);
  });

  test("generateSquareSubsequentMask is PyTorch's causal float mask, and tgtIsCausal applies the same", () => {
    assert.deepEqual(nn.Transformer.generateSquareSubsequentMask(3).toArray(), [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    assert.equal(nn.Transformer.generateSquareSubsequentMask(2, { dtype: "float64" }).dtype, "float64");
    manualSeed(12);
    const layer = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, batchFirst: true });
    const tgt = Tensor.randn([2, 3, 4]), mem = Tensor.randn([2, 5, 4]);
    const a = layer.forward(tgt, mem, { tgtMask: nn.Transformer.generateSquareSubsequentMask(3) }).toTypedArray();
    const b = layer.forward(tgt, mem, { tgtIsCausal: true }).toTypedArray();
    const c = layer.forward(tgt, mem).toTypedArray();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5));
    assert.ok(a.some((v, i) => Math.abs(v - c[i]) > 1e-3), "the mask changes the output");
  });

  test("TransformerDecoder's layers are separate copies; dropout only in training mode", () => {
    manualSeed(13);
    const layer = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5 });
    const dec = new nn.TransformerDecoder(layer, 2);
    assert.equal(dec.parameters().length, 2 * layer.parameters().length);
    assert.notEqual(dec.layers[0].multiheadAttn.inProjWeight, dec.layers[1].multiheadAttn.inProjWeight);
    assert.deepEqual(dec.layers[1].linear2.weight.toArray(), layer.linear2.weight.toArray());
    const tgt = Tensor.randn([3, 2, 4]), mem = Tensor.randn([4, 2, 4]);
    assert.notDeepEqual(dec.forward(tgt, mem).toArray(), dec.forward(tgt, mem).toArray());
    dec.eval();
    assert.deepEqual(dec.forward(tgt, mem).toArray(), dec.forward(tgt, mem).toArray());
  });
});

describe("nn.Bilinear and nn.EmbeddingBag", () => {
  test("Bilinear: PyTorch's names and U(±1/√in1Features) initialisation", () => {
    manualSeed(14);
    const m = new nn.Bilinear(4, 9, 30);
    assert.deepEqual(Object.keys(m.stateDict()), ["weight", "bias"]);
    assert.deepEqual(m.weight.shape, [30, 4, 9]);
    for (const p of m.parameters()) {
      const v = p.toTypedArray();
      assert.ok(v.every((x) => Math.abs(x) <= 0.5) && Math.max(...v) > 0.4 && Math.min(...v) < -0.4, "spread over ±1/√4");
    }
    assert.deepEqual(Object.keys(new nn.Bilinear(2, 2, 2, { bias: false }).stateDict()), ["weight"]);
  });

  test("EmbeddingBag: the padding row starts at zeros and gets no gradient; offsets as numbers or a tensor agree", () => {
    manualSeed(15);
    const m = new nn.EmbeddingBag(6, 3, { mode: "sum", paddingIdx: -1 });
    assert.equal(m.paddingIdx, 5);
    assert.deepEqual(m.weight.slice(5).toArray(), [0, 0, 0]);
    const idx = tensor([5, 1, 5, 2, 2], { dtype: "int32" });
    const a = m.forward(idx, [0, 2]);
    const b = m.forward(idx, tensor([0, 2], { dtype: "int32" }));
    assert.deepEqual(a.toArray(), b.toArray());
    a.mul(tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
    assert.deepEqual(m.weight.grad!.toArray(), [[0, 0, 0], [1, 2, 3], [8, 10, 12], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(F.embeddingBag(idx, m.weight, [], { mode: "max" }).shape, [0, 3], "no offsets: no bags");
  });
});

describe("bad input is refused, naming the op, the argument and what was expected", () => {
  const i32 = (v: number[], shape = [v.length]) => Tensor.from(Int32Array.from(v), { shape, dtype: "int32" });
  const w = Tensor.zeros([5, 3]);
  const idx = i32([0, 1, 2]);
  const layer = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, batchFirst: true });
  const tgt = Tensor.zeros([2, 3, 4]), mem = Tensor.zeros([2, 5, 4]);
  const tr = new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 });
  const rows: [string, () => unknown, RegExp][] = [
    // F.bilinear / nn.Bilinear
    ["bilinear int input", () => F.bilinear(i32([1, 2, 3]), Tensor.zeros([2]), Tensor.zeros([1, 3, 2])), /^bilinear: input1 must be a floating-point tensor, got int32 \(shape \[3\]\)$/],
    ["bilinear 2-D weight", () => F.bilinear(Tensor.zeros([3]), Tensor.zeros([2]), Tensor.zeros([3, 2])), /^bilinear: weight must be 3-D \[out, in1, in2\], got shape \[3, 2\]$/],
    ["bilinear input1 size", () => F.bilinear(Tensor.zeros([2, 5]), Tensor.zeros([2, 4]), Tensor.zeros([2, 3, 4])), /^bilinear: input1 must be \[\.\.\., 3\] to match weight \[2, 3, 4\], got \[2, 5\]$/],
    ["bilinear input2 size", () => F.bilinear(Tensor.zeros([2, 3]), Tensor.zeros([2, 5]), Tensor.zeros([2, 3, 4])), /^bilinear: input2 must be \[\.\.\., 4\] to match weight \[2, 3, 4\], got \[2, 5\]$/],
    ["bilinear leading dims", () => F.bilinear(Tensor.zeros([2, 3]), Tensor.zeros([3, 4]), Tensor.zeros([2, 3, 4])), /^bilinear: input1 \[2, 3\] and input2 \[3, 4\] must have the same dims but the last$/],
    ["bilinear bias", () => F.bilinear(Tensor.zeros([3]), Tensor.zeros([4]), Tensor.zeros([2, 3, 4]), Tensor.zeros([3])), /^bilinear: bias must be \[2\] \(out\), got \[3\]$/],
    ["Bilinear size", () => new nn.Bilinear(3, 0, 2), /^nn\.Bilinear: in2Features must be a positive integer, got 0$/],
    ["Bilinear option", () => new nn.Bilinear(3, 2, 2, { biass: false } as never), /^nn\.Bilinear: unknown option 'biass' \(expected 'bias'\)$/],
    // F.embeddingBag / nn.EmbeddingBag
    ["bag float input", () => F.embeddingBag(Tensor.zeros([3]), w, [0]), /^embeddingBag: input must be an int32 tensor of indices, got float32 \(shape \[3\]\)$/],
    ["bag 3-D input", () => F.embeddingBag(i32([0], [1, 1, 1]), w), /^embeddingBag: input must be 1-D \(bags given by offsets\) or 2-D \[B, L\] \(one bag per row\), got shape \[1, 1, 1\]$/],
    ["bag weight", () => F.embeddingBag(idx, Tensor.zeros([5]), [0]), /^embeddingBag: weight must be a 2-D floating-point tensor \[num, dim\], got float32 \[5\]$/],
    ["bag mode", () => F.embeddingBag(idx, w, [0], { mode: "min" as never }), /^embeddingBag: mode must be 'sum' or 'mean' or 'max', got the string 'min'$/],
    ["bag includeLastOffset", () => F.embeddingBag(idx, w, [0], { includeLastOffset: 1 as never }), /^embeddingBag: includeLastOffset must be true or false, got 1$/],
    ["bag paddingIdx", () => F.embeddingBag(idx, w, [0], { paddingIdx: 5 }), /^embeddingBag: paddingIdx must be an integer in \[-5, 4\], got 5$/],
    ["bag index range", () => F.embeddingBag(i32([0, 9]), w, [0]), /^embeddingBag: index 9 is out of range for dim 0 with size 5$/],
    ["bag psw shape", () => F.embeddingBag(idx, w, [0], { mode: "sum", perSampleWeights: Tensor.zeros([2]) }), /^embeddingBag: perSampleWeights must be a floating-point tensor of the input's shape \[3\], got float32 \[2\]$/],
    ["bag psw mode", () => F.embeddingBag(idx, w, [0], { perSampleWeights: Tensor.zeros([3]) }), /^embeddingBag: perSampleWeights is only supported for mode 'sum', got mode 'mean'$/],
    ["bag 2-D offsets", () => F.embeddingBag(i32([0, 1], [1, 2]), w, [0]), /^embeddingBag: offsets must be null for 2-D input \(each row is a bag\), got an array \[0\]$/],
    ["bag 2-D empty", () => F.embeddingBag(i32([], [2, 0]), w), /^embeddingBag: 2-D input must have at least one column, got shape \[2, 0\]$/],
    ["bag no offsets", () => F.embeddingBag(idx, w), /^embeddingBag: offsets must be given for 1-D input \(where each bag starts\), got null$/],
    ["bag float offsets", () => F.embeddingBag(idx, w, Tensor.zeros([2])), /^embeddingBag: offsets must be a 1-D int32 tensor, got float32 \[2\]$/],
    ["bag fractional offsets", () => F.embeddingBag(idx, w, [0, 1.5]), /^embeddingBag: offsets must be an array of integers or a 1-D int32 tensor, got an array \[0, 1\.5\]$/],
    ["bag offsets start", () => F.embeddingBag(idx, w, [1, 2]), /^embeddingBag: offsets must start at 0, got offsets\[0\] = 1$/],
    ["bag offsets order", () => F.embeddingBag(idx, w, [0, 3, 1]), /^embeddingBag: offsets must be non-decreasing, got 1 after 3 at 2$/],
    ["bag offsets end", () => F.embeddingBag(idx, w, [0, 5]), /^embeddingBag: offsets must not pass the input's length 3, got 5$/],
    ["bag positional", () => (F.embeddingBag as (...a: unknown[]) => Tensor)(idx, w, [0], null, 2), /^embeddingBag: expected at most 1 argument after input and weight \(offsets; the rest by name in an options object\), got 3$/],
    ["bag option", () => F.embeddingBag(idx, w, [0], { maxNorm: 1 } as never), /^embeddingBag: unknown option 'maxNorm' \(expected 'offsets', 'mode', 'perSampleWeights', 'includeLastOffset', 'paddingIdx'\)$/],
    ["EmbeddingBag size", () => new nn.EmbeddingBag(0, 3), /^nn\.EmbeddingBag: numEmbeddings must be a positive integer, got 0$/],
    ["EmbeddingBag mode", () => new nn.EmbeddingBag(4, 3, { mode: "min" as never }), /^nn\.EmbeddingBag: mode must be 'sum' or 'mean' or 'max', got the string 'min'$/],
    ["EmbeddingBag paddingIdx", () => new nn.EmbeddingBag(4, 3, { paddingIdx: -5 }), /^nn\.EmbeddingBag: paddingIdx must be an integer in \[-4, 3\], got -5$/],
    ["EmbeddingBag option", () => new nn.EmbeddingBag(4, 3, { sparse: true } as never), /^nn\.EmbeddingBag: unknown option 'sparse' \(expected 'mode', 'includeLastOffset', 'paddingIdx'\)$/],
    ["EmbeddingBag forward option", () => new nn.EmbeddingBag(4, 3).forward(idx, { offset: [0] } as never), /^nn\.EmbeddingBag: unknown option 'offset' \(expected 'offsets', 'perSampleWeights'\)$/],
    // TransformerDecoderLayer
    ["decoder layer heads", () => new nn.TransformerDecoderLayer(4, 3), /^nn\.TransformerDecoderLayer: dModel \(4\) must be divisible by nhead \(3\)$/],
    ["decoder layer dModel", () => new nn.TransformerDecoderLayer(0, 1), /^nn\.TransformerDecoderLayer: dModel must be an integer >= 1, got 0$/],
    ["decoder layer activation", () => new nn.TransformerDecoderLayer(4, 2, { activation: "tanh" as never }), /^nn\.TransformerDecoderLayer: activation must be 'relu' or 'gelu', got the string 'tanh'$/],
    ["decoder layer dropout", () => new nn.TransformerDecoderLayer(4, 2, { dropout: 2 }), /^nn\.TransformerDecoderLayer: dropout must be a probability in \[0, 1\], got 2$/],
    ["decoder layer option", () => new nn.TransformerDecoderLayer(4, 2, { bias: false } as never), /^nn\.TransformerDecoderLayer: unknown option 'bias' \(expected 'dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst'\)$/],
    ["decoder layer tgt", () => layer.forward(Tensor.zeros([2, 3, 5]), mem), /^nn\.TransformerDecoderLayer: tgt must be \[L, N, E\] \(\[N, L, E\] with batchFirst\) or unbatched \[L, E\], with E = dModel = 4, got \[2, 3, 5\]$/],
    ["decoder layer memory batch", () => layer.forward(tgt, Tensor.zeros([3, 5, 4])), /^nn\.TransformerDecoderLayer: memory \[3, 5, 4\] does not fit tgt \[2, 3, 4\]: it needs 3 dims, the last dModel = 4, and the same batch size at dim 0$/],
    ["decoder layer memory type", () => layer.forward(tgt, null as never), /^nn\.TransformerDecoderLayer: memory must be a Tensor, got null$/],
    ["decoder layer tgtMask", () => layer.forward(tgt, mem, { tgtMask: Tensor.zeros([3, 5]) }), /^nn\.TransformerDecoderLayer: tgtMask must be \[3, 3\] or \[4, 3, 3\], got \[3, 5\]$/],
    ["decoder layer memoryMask", () => layer.forward(tgt, mem, { memoryMask: Tensor.zeros([3, 3]) }), /^nn\.TransformerDecoderLayer: memoryMask must be \[3, 5\] or \[4, 3, 5\], got \[3, 3\]$/],
    ["decoder layer tgt padding", () => layer.forward(tgt, mem, { tgtKeyPaddingMask: Tensor.zeros([2, 5]) }), /^nn\.TransformerDecoderLayer: tgtKeyPaddingMask must be \[2, 3\], got \[2, 5\]$/],
    ["decoder layer memory padding", () => layer.forward(tgt, mem, { memoryKeyPaddingMask: Tensor.zeros([2, 3]) }), /^nn\.TransformerDecoderLayer: memoryKeyPaddingMask must be \[2, 5\], got \[2, 3\]$/],
    ["decoder layer tgtIsCausal", () => layer.forward(tgt, mem, { tgtIsCausal: "yes" as never }), /^nn\.TransformerDecoderLayer: tgtIsCausal must be true or false, got the string 'yes'$/],
    ["decoder layer forward option", () => layer.forward(tgt, mem, { tgt_mask: null } as never), /^nn\.TransformerDecoderLayer: unknown option 'tgt_mask' \(expected 'tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal'\)$/],
    // TransformerDecoder
    ["decoder numLayers", () => new nn.TransformerDecoder(layer, 0), /^nn\.TransformerDecoder: numLayers must be an integer >= 1, got 0$/],
    ["decoder layer type", () => new nn.TransformerDecoder(new nn.TransformerEncoderLayer(4, 2) as never, 1), /^nn\.TransformerDecoder: decoderLayer must be an nn\.TransformerDecoderLayer, got TransformerEncoderLayer$/],
    ["decoder norm", () => new nn.TransformerDecoder(layer, 1, { norm: 3 } as never), /^nn\.TransformerDecoder: norm must be an nn\.Module or null, got 3$/],
    ["decoder option", () => new nn.TransformerDecoder(layer, 1, { normm: null } as never), /^nn\.TransformerDecoder: unknown option 'normm' \(expected 'norm'\)$/],
    ["decoder memory", () => new nn.TransformerDecoder(layer, 1).forward(tgt, Tensor.zeros([2, 5])), /^nn\.TransformerDecoder: memory \[2, 5\] does not fit tgt \[2, 3, 4\]: it needs 3 dims, the last dModel = 4, and the same batch size at dim 0$/],
    ["decoder mask", () => new nn.TransformerDecoder(layer, 1).forward(tgt, mem, { memoryKeyPaddingMask: Tensor.zeros([5]) }), /^nn\.TransformerDecoder: memoryKeyPaddingMask must be \[2, 5\], got \[5\]$/],
    ["decoder forward option", () => new nn.TransformerDecoder(layer, 1).forward(tgt, mem, { mask: null } as never), /^nn\.TransformerDecoder: unknown option 'mask' \(expected 'tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal'\)$/],
    // Transformer
    ["transformer heads", () => new nn.Transformer({ dModel: 6, nhead: 4 }), /^nn\.Transformer: dModel \(6\) must be divisible by nhead \(4\)$/],
    ["transformer layers", () => new nn.Transformer({ dModel: 4, nhead: 2, numDecoderLayers: 0 }), /^nn\.Transformer: numDecoderLayers must be an integer >= 1, got 0$/],
    ["transformer batchFirst", () => new nn.Transformer({ dModel: 4, nhead: 2, batchFirst: 1 as never }), /^nn\.Transformer: batchFirst must be true or false, got 1$/],
    ["transformer positional", () => new (nn.Transformer as unknown as new (...a: unknown[]) => nn.Transformer)(4, 2, 1, 1, 4, 0, "relu", null), /^nn\.Transformer: expected at most 7 arguments \(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation; the rest by name in an options object\), got 8$/],
    ["transformer option", () => new nn.Transformer({ dModel: 4, nhead: 2, customEncoder: null } as never), /^nn\.Transformer: unknown option 'customEncoder' \(expected 'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst'\)$/],
    ["transformer batch", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 3, 4])), /^nn\.Transformer: tgt \[3, 3, 4\] does not fit src \[5, 2, 4\]: it needs 3 dims, the last dModel = 4, and the same batch size at dim 1$/],
    ["transformer dModel", () => tr.forward(Tensor.zeros([5, 2, 3]), Tensor.zeros([3, 2, 3])), /^nn\.Transformer: src must be \[L, N, E\] \(\[N, L, E\] with batchFirst\) or unbatched \[L, E\], with E = dModel = 4, got \[5, 2, 3\]$/],
    ["transformer srcMask", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 2, 4]), { srcMask: Tensor.zeros([3, 3]) }), /^nn\.Transformer: srcMask must be \[5, 5\] or \[4, 5, 5\], got \[3, 3\]$/],
    ["transformer src padding", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 2, 4]), { srcKeyPaddingMask: Tensor.zeros([5, 2]) }), /^nn\.Transformer: srcKeyPaddingMask must be \[2, 5\], got \[5, 2\]$/],
    ["transformer memoryMask", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 2, 4]), { memoryMask: Tensor.zeros([3, 3]) }), /^nn\.Transformer: memoryMask must be \[3, 5\] or \[4, 3, 5\], got \[3, 3\]$/],
    ["transformer tgtIsCausal", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 2, 4]), { tgtIsCausal: 1 as never }), /^nn\.Transformer: tgtIsCausal must be true or false, got 1$/],
    ["transformer forward option", () => tr.forward(Tensor.zeros([5, 2, 4]), Tensor.zeros([3, 2, 4]), { mask: null } as never), /^nn\.Transformer: unknown option 'mask' \(expected 'srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal'\)$/],
    ["mask size", () => nn.Transformer.generateSquareSubsequentMask(-1), /^nn\.Transformer\.generateSquareSubsequentMask: sz must be an integer >= 0, got -1$/],
    ["mask dtype", () => nn.Transformer.generateSquareSubsequentMask(2, { dtype: "int32" as never }), /^nn\.Transformer\.generateSquareSubsequentMask: dtype must be 'float32' or 'float64', got the string 'int32'$/],
    ["mask option", () => nn.Transformer.generateSquareSubsequentMask(2, { devise: "js" } as never), /^nn\.Transformer\.generateSquareSubsequentMask: unknown option 'devise' \(expected 'device', 'dtype'\)$/],
  ];
  /** The whole message (not String(error), which starts "Error: ") matches. */
  const throwsMessage = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => (assert.match(e.message, re), true));
  for (const [name, f, re] of rows) test(name, () => throwsMessage(f, re));

  test("webgpu offsets tensors are refused: they cannot be read synchronously", { skip: webgpuSkip || !availableDevices().includes("webgpu") }, () => {
    const g = (t: Tensor) => t.to("webgpu");
    throwsMessage(() => F.embeddingBag(g(idx), g(w), g(i32([0, 1]))),
      /^embeddingBag: offsets must be numbers or a tensor on a host device \(js, cpu, wasm\), got a webgpu tensor: pass await offsets\.toArrayAsync\(\)$/);
  });
});
