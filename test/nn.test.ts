// nn: every layer against PyTorch (forward and gradients), Module's naming and state dicts, init, clipping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, getDefaultDevice, initDevice, manualSeed, nn, noGrad, optim } from "../src/node.js";
import { getBackend, registerBackend } from "../src/backend/backend.js";
import { assertClose, assertNear, ft, loadTrain, onHost, type LayerCase } from "./train_helpers.js";

type Call = (m: nn.Module, xs: Tensor[]) => [Tensor, Tensor | null];

function build(c: LayerCase): { m: nn.Module; call: Call } {
  const a = c.args;
  const plain: Call = (m, xs) => [m.forward(xs[0]), null];
  switch (c.layer) {
    case "Linear": return { m: new nn.Linear(a.in, a.out, { bias: a.bias }), call: plain };
    case "Embedding": return { m: new nn.Embedding(a.num, a.dim), call: plain };
    case "LayerNorm": return { m: new nn.LayerNorm(a.shape, { eps: a.eps, elementwiseAffine: a.elementwiseAffine }), call: plain };
    case "RMSNorm": return { m: new nn.RMSNorm(a.shape, { eps: a.eps }), call: plain };
    case "Sequential": return { m: new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 2)), call: plain };
    case "ReLU": return { m: new nn.ReLU(), call: plain };
    case "GELU": return { m: new nn.GELU({ approximate: a.approximate }), call: plain };
    case "Tanh": return { m: new nn.Tanh(), call: plain };
    case "Sigmoid": return { m: new nn.Sigmoid(), call: plain };
    case "SiLU": return { m: new nn.SiLU(), call: plain };
    case "LeakyReLU": return { m: new nn.LeakyReLU(a.negativeSlope), call: plain };
    case "Softmax": return { m: new nn.Softmax(a.dim), call: plain };
    case "LogSoftmax": return { m: new nn.LogSoftmax(a.dim), call: plain };
    case "Flatten": return { m: new nn.Flatten(a.startDim, a.endDim), call: plain };
    case "Conv2d":
      return { m: new nn.Conv2d(a.in, a.out, a.kernel, { stride: a.stride, padding: a.padding, bias: a.bias }), call: plain };
    case "MaxPool2d": return { m: new nn.MaxPool2d(a.kernel, a.stride, a.padding), call: plain };
    case "MultiheadAttention":
      return {
        m: new nn.MultiheadAttention(a.embedDim, a.numHeads, { batchFirst: a.batchFirst, bias: a.bias }),
        call: (m, xs) => {
          const [q, k, v] = a.cross ? xs : [xs[0], xs[0], xs[0]];
          return (m as nn.MultiheadAttention).forward(q, k, v, { isCausal: a.isCausal, needWeights: a.needWeights });
        },
      };
    default:
      throw new Error(`unknown layer ${c.layer}`);
  }
}

// the cases on the other devices too, webgpu included where it has an adapter (read back asynchronously)
await initDevice("webgpu").catch(() => null);

describe("layers against PyTorch (forward and gradients)", () => {
  for (const device of availableDevices().filter((d) => d !== getDefaultDevice())) {
    it(`every case on ${device}`, async () => {
      for (const c of loadTrain().layers) {
        const { m, call } = build(c);
        m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, ft(v)])));
        m.to(device);
        const xs = c.inputs.map((x) => Tensor.from(ft(x).toTypedArray(), { shape: x.shape, dtype: x.dtype ?? "float32", device, requiresGrad: x.dtype !== "int32" }));
        const [out, weights] = call(m, xs);
        assertClose(await onHost(out), c.out, c.tol, `${c.name} on ${device} output`);
        if (c.weights) assertClose(await onHost(weights), c.weights, c.tol, `${c.name} on ${device} attention weights`);
        out.mul(ft(c.g).to(device)).sum().backward();
        const named = new Map(m.namedParameters());
        for (const [k, g] of Object.entries(c.grads)) {
          const t = k.startsWith("input") ? xs[Number(k.slice(5))] : named.get(k);
          assert.ok(t, `${c.name}: no tensor ${k}`);
          assertClose(await onHost(t.grad), g, c.tol, `${c.name} on ${device} grad of ${k}`);
        }
      }
    });
  }

  for (const c of loadTrain().layers) {
    it(c.name, () => {
      const { m, call } = build(c);
      // Loading PyTorch's parameters strictly also checks that the parameter names agree.
      m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, ft(v)])));
      const xs = c.inputs.map((x) => ft(x, x.dtype !== "int32"));
      const [out, weights] = call(m, xs);
      assertClose(out, c.out, c.tol, `${c.name} output`);
      if (c.weights) assertClose(weights, c.weights, c.tol, `${c.name} attention weights`);
      else if (c.args.needWeights === false) assert.equal(weights, null);
      out.mul(ft(c.g)).sum().backward();
      const named = new Map(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads)) {
        const t = k.startsWith("input") ? xs[Number(k.slice(5))] : named.get(k);
        assert.ok(t, `${c.name}: no tensor ${k}`);
        assertClose(t.grad, g, c.tol, `${c.name} grad of ${k}`);
      }
    });
  }
});

class Block extends nn.Module {
  attn = new nn.Linear(4, 12);
  norm = new nn.LayerNorm(4);
  override forward(x: Tensor): Tensor {
    return this.norm.forward(x.add(this.attn.forward(x).slice([], [0, 4])));
  }
}

class Net extends nn.Module {
  embed = new nn.Embedding(10, 4);
  blocks = new nn.ModuleList([new Block(), new Block()]);
  heads = [new nn.Linear(4, 2), new nn.Linear(4, 3, { bias: false })];
  scale = nn.Parameter(Tensor.ones([1]));
  notAParam = Tensor.zeros([3]);
  config = { hidden: 4 };
  override forward(idx: Tensor): Tensor {
    let x = this.embed.forward(idx);
    for (const b of this.blocks) x = b.forward(x);
    return this.heads[0].forward(x).mul(this.scale);
  }
}

const NET_NAMES = [
  "scale",
  "embed.weight",
  "blocks.0.attn.weight", "blocks.0.attn.bias", "blocks.0.norm.weight", "blocks.0.norm.bias",
  "blocks.1.attn.weight", "blocks.1.attn.bias", "blocks.1.norm.weight", "blocks.1.norm.bias",
  "heads.0.weight", "heads.0.bias", "heads.1.weight",
];

describe("F.linear adds its bias inside the product", () => {
  it("N-D input, K over one packed slice, N not a multiple of 16, strided bias: values and gradients", async () => {
    manualSeed(5);
    const data = [Tensor.randn([3, 7, 300]), Tensor.randn([37, 300]), Tensor.randn([74])];
    for (const device of availableDevices()) {
      const run = (fusedBias: boolean) => {
        const [x, w, b2] = data.map((t) => {
          const c = t.to(device).detach();
          c.requiresGrad = true;
          return c;
        });
        const b = b2.slice([0, 74, 2]);
        const out = fusedBias ? F.linear(x, w, b) : x.matmul(w.T).add(b);
        out.mul(out).sum().backward();
        return [out, x.grad!, w.grad!, b2.grad!];
      };
      const fusedRun = run(true), ref = run(false);
      assert.equal(F.linear(data[0].to(device), data[1].to(device), data[2].to(device).slice([0, 74, 2])).shape.join(), "3,7,37");
      for (const [i, t] of fusedRun.entries()) {
        const a = await t.toTypedArrayAsync(), r = await ref[i].toTypedArrayAsync();
        for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - r[j]) <= 1e-3 * (1 + Math.abs(r[j])), `${device} tensor ${i}[${j}]: ${a[j]} vs ${r[j]}`);
      }
    }
  });
});

describe("Module", () => {
  it("names parameters with dotted paths in field order (own tensors first, then children)", () => {
    const net = new Net();
    assert.deepEqual(net.namedParameters().map(([n]) => n), NET_NAMES);
    assert.equal(net.parameters().length, NET_NAMES.length);
    assert.deepEqual(Object.keys(net.stateDict()), NET_NAMES);
    assert.deepEqual(net.namedChildren().map(([n]) => n), ["embed", "blocks", "heads.0", "heads.1"]);
    assert.equal(net.children().length, 4);
    assert.deepEqual(net.namedModules().map(([n]) => n), [
      "", "embed", "blocks", "blocks.0", "blocks.0.attn", "blocks.0.norm", "blocks.1", "blocks.1.attn", "blocks.1.norm", "heads.0", "heads.1",
    ]);
  });

  it("counts a shared (tied) parameter once in parameters() but under every name in stateDict()", () => {
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3);
      b = new nn.Linear(3, 3);
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
    }
    const t = new Tied();
    assert.deepEqual(t.namedParameters().map(([n]) => n), ["a.weight", "a.bias", "b.bias"]);
    assert.deepEqual(Object.keys(t.stateDict()), ["a.weight", "a.bias", "b.weight", "b.bias"]);
  });

  it("keeps a frozen Parameter a parameter, and ignores plain tensors unless registered as buffers", () => {
    const lin = new nn.Linear(2, 2);
    lin.weight.requiresGrad = false;
    assert.deepEqual(lin.namedParameters().map(([n]) => n), ["weight", "bias"]);
    class WithBuffer extends nn.Module {
      w = nn.Parameter(Tensor.ones([2]));
      cache = Tensor.zeros([2]);
      constructor() {
        super();
        this.registerBuffer("runningMean", Tensor.full([2], 3));
        this.registerBuffer("scratch", Tensor.zeros([1]), { persistent: false });
      }
    }
    const m = new WithBuffer();
    assert.deepEqual(m.namedParameters().map(([n]) => n), ["w"]);
    assert.deepEqual(m.namedBuffers().map(([n]) => n), ["runningMean", "scratch"]);
    assert.deepEqual(Object.keys(m.stateDict()), ["w", "runningMean"]);
  });

  it("refuses a registerBuffer call PyTorch's register_buffer refuses, and takes persistent positionally", () => {
    class Declared extends nn.Module {
      w = nn.Parameter(Tensor.ones([2]));
      mean!: Tensor | null; // a declared field reads undefined until registered
      constructor() {
        super();
        this.registerBuffer("mean", Tensor.zeros([2]));
        this.registerBuffer("scratch", Tensor.zeros([1]), false);
      }
    }
    const m = new Declared();
    assert.deepEqual(m.namedBuffers().map(([n]) => n), ["mean", "scratch"]);
    assert.deepEqual(Object.keys(m.stateDict()), ["w", "mean"]);
    m.registerBuffer("mean", null); // re-registering a buffer is allowed, as in PyTorch
    const bad = (f: () => void, re: RegExp) => assert.throws(f, re);
    const R = (...a: unknown[]) => () => (m.registerBuffer as (...x: unknown[]) => void)(...a);
    bad(R("a.b", null), /Module\.registerBuffer: name must be a non-empty string without '\.', got the string 'a\.b'/);
    bad(R("", null), /name must be a non-empty string/);
    bad(R(3, null), /name must be a non-empty string without '\.', got 3/);
    bad(R("w", Tensor.zeros([2])), /attribute 'w' already exists \(and is not a buffer\)/);
    bad(R("forward", null), /attribute 'forward' already exists/);
    bad(R("x", 5), /tensor must be a Tensor or null, got 5/);
    bad(R("x", [1, 2]), /tensor must be a Tensor or null, got an array/);
    bad(R("x", null, { persist: true }), /unknown option 'persist' \(expected 'persistent'\)/);
    bad(R("x", null, { persistent: 1 }), /persistent must be true or false, got 1/);
    bad(R("x", null, false, 1), /expected at most 3 arguments \(name, tensor, persistent\), got 4/);
    assert.equal("x" in m, false); // nothing was registered by a refused call
  });

  it("round-trips a state dict into a fresh model, copying in place", () => {
    manualSeed(1);
    const a = new Net();
    manualSeed(2);
    const b = new Net();
    const before = b.parameters()[1];
    const storage = before.data;
    const res = b.loadStateDict(a.stateDict());
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    assert.equal(b.parameters()[1], before, "the same tensor object");
    assert.equal(b.parameters()[1].data, storage, "the same storage");
    for (const [[n, p], [, q]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]] as const)) {
      assert.deepEqual(q.toArray(), p.toArray(), n);
    }
    const idx = Tensor.from(new Int32Array([1, 2, 3]), { shape: [3], dtype: "int32" });
    assert.deepEqual(b.forward(idx).toArray(), a.forward(idx).toArray());
  });

  it("stateDict values share storage with the parameters and carry no gradient history", () => {
    const lin = new nn.Linear(2, 2);
    const sd = lin.stateDict();
    assert.equal(sd.weight.data, lin.weight.data);
    assert.equal(sd.weight.requiresGrad, false);
  });

  it("strict loading lists every missing, unexpected and mis-shaped key, and changes nothing", () => {
    const net = new Net();
    const sd = net.stateDict();
    const orig = net.embed.weight.toArray();
    delete sd["blocks.1.norm.bias"];
    delete sd["heads.1.weight"];
    sd["blocks.2.attn.weight"] = Tensor.zeros([12, 4]);
    sd["embed.weight"] = Tensor.zeros([11, 4]);
    assert.throws(() => net.loadStateDict(sd), (e: Error) => {
      assert.match(e.message, /Error\(s\) in loading state dict for Net/);
      assert.match(e.message, /missing keys: "blocks\.1\.norm\.bias", "heads\.1\.weight"/);
      assert.match(e.message, /unexpected keys: "blocks\.2\.attn\.weight"/);
      assert.match(e.message, /size mismatch for embed\.weight: copying a tensor of shape \[11, 4\] .* the shape in the current model is \[10, 4\]/);
      return true;
    });
    assert.deepEqual(net.embed.weight.toArray(), orig, "nothing was copied");
  });

  it("non-strict loading reports missing and unexpected keys but still fails on shape mismatches", () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd["heads.1.weight"];
    sd["extra"] = Tensor.zeros([1]);
    assert.deepEqual(net.loadStateDict(sd, { strict: false }), { missingKeys: ["heads.1.weight"], unexpectedKeys: ["extra"] });
    sd["scale"] = Tensor.zeros([2]);
    assert.throws(() => net.loadStateDict(sd, { strict: false }), /size mismatch for scale/);
    const bad = net.stateDict();
    bad["scale"] = Tensor.from(new Int32Array([1]), { shape: [1], dtype: "int32" });
    assert.throws(() => net.loadStateDict(bad), /scale: the state dict holds int32, the current model float32/);
    bad["scale"] = Tensor.from(new Float64Array([0.5]), { shape: [1], dtype: "float64" });
    net.loadStateDict(bad);
    assert.deepEqual(net.scale.toArray(), [0.5]);
  });

  it("train()/eval() set training on the whole tree; Dropout follows it", () => {
    const seq = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.5));
    assert.equal(seq.training, true);
    seq.eval();
    assert.ok(seq.modules().every((m) => !m.training));
    const x = Tensor.ones([4, 3]);
    assert.deepEqual(seq[1].forward(x).toArray(), x.toArray());
    seq.train();
    assert.ok(seq.modules().every((m) => m.training));
  });

  it("zeroGrad() sets every gradient to null", () => {
    const net = new Net();
    net.forward(Tensor.from(new Int32Array([0, 1]), { shape: [2], dtype: "int32" })).sum().backward();
    assert.ok(net.embed.weight.grad !== null);
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });

  it("call() is forward(); a Module without forward says so; to() keeps parameters", () => {
    const lin = new nn.Linear(2, 3);
    const x = Tensor.ones([1, 2]);
    assert.deepEqual(lin.call(x).toArray(), lin.forward(x).toArray());
    assert.throws(() => new nn.Module().forward(x), /Module: forward\(\) is not implemented/);
    const w = lin.weight;
    assert.equal(lin.to(w.device), lin);
    assert.equal(lin.weight, w);
  });

  it("to(device) moves parameters and buffers, keeping names, ties and leafness", () => {
    // a second device for this process only: the js kernels under another name
    registerBackend({ ...getBackend("js"), name: "js-copy" });
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3);
      b = new nn.Linear(3, 2);
      head = new nn.Linear(3, 3, { bias: false });
      constructor() {
        super();
        this.head.weight = this.a.weight;
        this.registerBuffer("mask", Tensor.ones([3]));
      }
      override forward(x: Tensor): Tensor {
        return this.b.forward(this.head.forward(this.a.forward(x)).mul((this as unknown as { mask: Tensor }).mask));
      }
    }
    const m = new Tied();
    const x = Tensor.randn([4, 3]);
    const want = m.forward(x).toArray();
    const names = m.namedParameters().map(([n]) => n);
    const sd = m.stateDict();
    m.a.weight.requiresGrad = false;
    assert.equal(m.to("js-copy"), m);
    assert.ok([...m.parameters(), ...m.namedBuffers().map(([, b]) => b)].every((p) => p.device === "js-copy"));
    assert.deepEqual(m.namedParameters().map(([n]) => n), names);
    assert.equal(m.head.weight, m.a.weight, "still tied");
    assert.equal(m.a.weight.requiresGrad, false, "a frozen parameter stays frozen");
    assert.ok(m.b.weight.isLeaf && m.b.weight.requiresGrad);
    assert.deepEqual(m.forward(x.to("js-copy")).toArray(), want);
    m.loadStateDict(sd); // tensors on another device are copied across
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    m.forward(x.to("js-copy")).sum().backward();
    opt.step();
    assert.equal(m.b.weight.device, "js-copy");
  });

  it("ModuleList and Sequential index, iterate and check their elements", () => {
    const list = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
    assert.equal(list.length, 2);
    assert.ok(list[1] instanceof nn.Tanh);
    assert.ok(list.at(-1) instanceof nn.Tanh);
    list.append(new nn.Sigmoid());
    assert.equal([...list].length, 3);
    assert.throws(() => list.append(42 as unknown as nn.Module), /element 3 is not an nn\.Module/);
    const seq = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
    assert.deepEqual(seq.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "2.weight", "2.bias"]);
    assert.deepEqual(seq.forward(Tensor.ones([5, 2])).shape, [5, 1]);
  });

  it("exposes the functional composites as nn.functional", () => {
    assert.equal(typeof nn.functional.conv2d, "function");
    assert.equal(typeof nn.functional.crossEntropy, "function");
  });

  it("prints a PyTorch-style tree", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU());
    assert.equal(String(seq), "Sequential(\n  (0): Linear(inFeatures=2, outFeatures=4, bias=true)\n  (1): ReLU()\n)");
  });
});

describe("layer shapes, defaults and errors", () => {
  it("every layer gives PyTorch's output shape", () => {
    const cases: [nn.Module, number[], number[]][] = [
      [new nn.Linear(5, 3), [2, 7, 5], [2, 7, 3]],
      [new nn.LayerNorm(5), [2, 5], [2, 5]],
      [new nn.RMSNorm([2, 5]), [3, 2, 5], [3, 2, 5]],
      [new nn.Dropout(0.1), [4, 4], [4, 4]],
      [new nn.Flatten(), [2, 3, 4, 5], [2, 60]],
      [new nn.Unflatten(1, [3, 4, 5]), [2, 60], [2, 3, 4, 5]],
      [new nn.Unflatten(-1, [2, -1]), [3, 6], [3, 2, 3]],
      [new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }), [2, 3, 9, 9], [2, 8, 5, 5]],
      [new nn.Conv2d(3, 8, [1, 3]), [3, 5, 6], [8, 5, 4]],
      [new nn.MaxPool2d(2), [2, 3, 9, 8], [2, 3, 4, 4]],
      [new nn.MaxPool2d(3, 1), [1, 2, 5, 5], [1, 2, 3, 3]],
      [new nn.Softmax(0), [3, 2], [3, 2]],
    ];
    for (const [m, inShape, outShape] of cases) {
      assert.deepEqual(m.forward(Tensor.randn(inShape)).shape, outShape, String(m));
    }
    const emb = new nn.Embedding(7, 3).forward(Tensor.from(new Int32Array(6), { shape: [2, 3], dtype: "int32" }));
    assert.deepEqual(emb.shape, [2, 3, 3]);
    const mha = new nn.MultiheadAttention(8, 4);
    const [o, w] = mha.forward(Tensor.randn([5, 2, 8]), Tensor.randn([6, 2, 8]), Tensor.randn([6, 2, 8]));
    assert.deepEqual(o.shape, [5, 2, 8]);
    assert.deepEqual(w?.shape, [2, 5, 6]);
    const [, wAll] = mha.forward(Tensor.randn([5, 2, 8]), Tensor.randn([6, 2, 8]), Tensor.randn([6, 2, 8]), { averageAttnWeights: false });
    assert.deepEqual(wAll?.shape, [2, 4, 5, 6]);
  });

  it("MultiheadAttention's needWeights=false path (scaledDotProductAttention) equals the explicit one", () => {
    const mha = new nn.MultiheadAttention(6, 2, { batchFirst: true });
    const x = Tensor.randn([2, 4, 6]);
    const mask = Tensor.from(new Int32Array([1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]), { shape: [4, 4], dtype: "int32" });
    for (const opts of [{ isCausal: true }, { attnMask: mask }, { attnMask: Tensor.randn([4, 4]) }]) {
      const [a] = mha.forward(x, x, x, opts);
      const [b, none] = mha.forward(x, x, x, { ...opts, needWeights: false });
      assert.equal(none, null);
      assertClose(b, { data: Array.from(a.toTypedArray()), shape: [...a.shape] }, [1e-6, 1e-5], JSON.stringify(Object.keys(opts)));
    }
  });

  it("initialises like PyTorch: Linear/Conv2d U(±1/√fanIn), Embedding N(0,1), norms ones/zeros, MHA xavier/zeros", () => {
    manualSeed(0);
    const lin = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    const w = lin.weight.toTypedArray(), b = lin.bias!.toTypedArray();
    assert.ok(w.every((v) => Math.abs(v) <= bound) && b.every((v) => Math.abs(v) <= bound));
    assertNear(lin.weight.std().item(), bound / Math.sqrt(3), [0, 0.02], "Linear weight std");
    assertNear(Math.max(...w), bound, [0, 0.01], "Linear weight reaches its bound");
    const conv = new nn.Conv2d(16, 32, 3);
    const cb = 1 / Math.sqrt(16 * 9);
    assert.ok(conv.weight.toTypedArray().every((v) => Math.abs(v) <= cb));
    assert.ok(conv.bias!.toTypedArray().every((v) => Math.abs(v) <= cb));
    assertNear(conv.weight.std().item(), cb / Math.sqrt(3), [0, 0.05], "Conv2d weight std");
    const emb = new nn.Embedding(1000, 64);
    assertNear(emb.weight.mean().item(), 0, [0.02, 0], "Embedding mean");
    assertNear(emb.weight.std().item(), 1, [0, 0.02], "Embedding std");
    const ln = new nn.LayerNorm([2, 3]);
    assert.ok(ln.weight!.toTypedArray().every((v) => v === 1) && ln.bias!.toTypedArray().every((v) => v === 0));
    assert.ok(new nn.RMSNorm(4).weight!.toTypedArray().every((v) => v === 1));
    const mha = new nn.MultiheadAttention(64, 4);
    const xb = Math.sqrt(6 / (64 + 192));
    assert.ok(mha.inProjWeight.toTypedArray().every((v) => Math.abs(v) <= xb));
    assert.ok(mha.inProjBias!.toTypedArray().every((v) => v === 0));
    assert.ok(mha.outProj.bias!.toTypedArray().every((v) => v === 0));
  });

  it("initialisation is seeded by manualSeed", () => {
    manualSeed(42);
    const a = new nn.Linear(3, 2).weight.toArray();
    manualSeed(42);
    assert.deepEqual(new nn.Linear(3, 2).weight.toArray(), a);
  });

  it("Dropout zeroes about p of the elements and scales the rest by 1/(1−p) in training", () => {
    manualSeed(3);
    const y = new nn.Dropout(0.25).forward(Tensor.ones([4000])).toTypedArray();
    const zeros = y.filter((v) => v === 0).length;
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
    assertNear(zeros / 4000, 0.25, [0.03, 0], "dropped fraction");
    assert.throws(() => new nn.Dropout(1.5), /p must be a probability in \[0, 1\], got 1.5/);
    assert.throws(() => new nn.Unflatten(1.5, [2]), /Unflatten: dim must be an integer, got 1.5/);
    assert.throws(() => new nn.Unflatten(1, []), /Unflatten: unflattenedSize must be a non-empty array/);
    assert.throws(() => new nn.Unflatten(1, [2, -3]), /Unflatten: unflattenedSize must be a non-empty array/);
    assert.throws(() => new nn.Unflatten(1, [4, 4]).forward(Tensor.zeros([2, 12])), /unflatten/);
    assert.equal(String(new nn.Unflatten(1, [3, 4])), "Unflatten(dim=1, unflattenedSize=[3, 4])");
  });

  it("rejects bad constructor arguments and shapes with clear messages", () => {
    assert.throws(() => new nn.Linear(0, 3), /nn\.Linear: inFeatures must be a positive integer, got 0/);
    assert.throws(() => new nn.MultiheadAttention(10, 3), /embedDim \(10\) must be divisible by numHeads \(3\)/);
    assert.throws(() => new nn.Conv2d(3, 4, 0), /kernelSize must be a positive integer/);
    assert.throws(() => new nn.Linear(4, 2).forward(Tensor.ones([3, 5])), /nn\.Linear: input must be \[\.\.\., inFeatures\] with inFeatures = 4, got \[3, 5\]/);
    assert.throws(
      () => new nn.MultiheadAttention(4, 2).forward(Tensor.ones([3, 2, 5]), Tensor.ones([3, 2, 5]), Tensor.ones([3, 2, 5])),
      /query must be \[L, N, E\] with E = 4, got \[3, 2, 5\]/,
    );
  });
});

describe("nn.init", () => {
  it("calculateGain and fans follow PyTorch", () => {
    assert.equal(nn.init.calculateGain("relu"), Math.SQRT2);
    assert.equal(nn.init.calculateGain("tanh"), 5 / 3);
    assert.equal(nn.init.calculateGain("linear"), 1);
    assert.equal(nn.init.calculateGain("leakyRelu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(nn.init.calculateGain("leaky_relu", Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.equal(nn.init.calculateGain("selu"), 0.75);
    assert.deepEqual(nn.init.calculateFanInAndFanOut(Tensor.empty([8, 3, 5, 5])), [75, 200]);
    assert.throws(() => nn.init.calculateFanInAndFanOut(Tensor.empty([5])), /at least 2 dims, got shape \[5\]/);
  });

  it("fills in place with the requested distribution", () => {
    manualSeed(7);
    const t = Tensor.empty([200, 100]);
    const data = t.data;
    assert.equal(nn.init.kaimingNormal_(t, { mode: "fanOut", nonlinearity: "relu" }), t);
    assert.equal(t.data, data, "same storage");
    assertNear(t.std().item(), Math.SQRT2 / Math.sqrt(200), [0, 0.03], "kaimingNormal_ std");
    nn.init.kaimingUniform_(t, { nonlinearity: "relu" });
    const kb = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(100);
    assert.ok(t.toTypedArray().every((v) => Math.abs(v) <= kb * (1 + 1e-6)));
    nn.init.xavierNormal_(t, 2);
    assertNear(t.std().item(), 2 * Math.sqrt(2 / 300), [0, 0.03], "xavierNormal_ std");
    nn.init.xavierUniform_(t);
    assert.ok(t.toTypedArray().every((v) => Math.abs(v) <= Math.sqrt(6 / 300) * (1 + 1e-6)));
    nn.init.normal_(t, 3, 0.5);
    assertNear(t.mean().item(), 3, [0.01, 0], "normal_ mean");
    nn.init.uniform_(t, -2, -1);
    assert.ok(t.toTypedArray().every((v) => v >= -2 && v <= -1));
    nn.init.constant_(t, 0.5);
    assert.ok(t.toTypedArray().every((v) => v === 0.5));
    nn.init.zeros_(t);
    assert.equal(t.abs().sum().item(), 0);
    nn.init.ones_(t);
    assert.equal(t.sum().item(), 20000);
  });

  it("works on a parameter without recording a graph", () => {
    const p = nn.Parameter(Tensor.empty([3, 3]));
    nn.init.kaimingUniform_(p);
    assert.ok(p.isLeaf && p.requiresGrad && p.gradFn === null);
  });
});

describe("nn.utils.clipGradNorm against PyTorch", () => {
  for (const device of availableDevices().filter((d) => d !== getDefaultDevice())) {
    it(`every case on ${device}`, async () => {
      for (const c of loadTrain().clip) {
        const ps = c.grads.map((g) => {
          const p = Tensor.zeros(g.shape, { device, requiresGrad: true });
          p.grad = ft(g).to(device);
          return p;
        });
        const total = nn.utils.clipGradNorm(ps, c.maxNorm, c.normType === "Infinity" ? Infinity : c.normType);
        assertNear((await total.toTypedArrayAsync())[0], c.total, [1e-6, 1e-5], `${c.name} on ${device} total norm`);
        for (const [i, p] of ps.entries()) assertClose(await onHost(p.grad), c.clipped[i], [1e-6, 1e-5], `${c.name} on ${device} clipped grad ${i}`);
      }
    });
  }

  for (const c of loadTrain().clip) {
    it(c.name, () => {
      const ps = c.grads.map((g) => {
        const p = Tensor.zeros(g.shape, { requiresGrad: true });
        p.grad = ft(g);
        return p;
      });
      const normType = c.normType === "Infinity" ? Infinity : c.normType;
      const total = nn.utils.clipGradNorm(ps, c.maxNorm, normType);
      assert.deepEqual(total.shape, []);
      assertNear(total.item(), c.total, [1e-6, 1e-5], "total norm");
      ps.forEach((p, i) => assertClose(p.grad, c.clipped[i], [1e-6, 1e-5], `clipped grad ${i}`));
    });
  }

  it("skips parameters without gradients and clamps values with clipGradValue", () => {
    const a = Tensor.zeros([2], { requiresGrad: true });
    const b = Tensor.zeros([2], { requiresGrad: true });
    a.grad = Tensor.from([3, -4]);
    assert.equal(nn.utils.clipGradNorm([a, b], 10).item(), 5);
    nn.utils.clipGradValue([a, b], 3.5);
    assert.deepEqual(a.grad.toArray(), [3, -3.5]);
    noGrad(() => assert.equal(nn.utils.clipGradNorm([b], 1).item(), 0));
  });
});
