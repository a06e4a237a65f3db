// optim: SGD/Adam/AdamW against PyTorch over several steps, state dicts and resuming, schedulers, errors, a tiny training run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor, availableDevices, getDefaultDevice, initDevice, load, manualSeed, nn, optim, save } from "../src/node.js";
import { assertClose, assertNear, ft, loadTrain, onHost, type OptimCase, type SchedCase } from "./train_helpers.js";

const TOL: [number, number] = [1e-7, 2e-6];

function makeOptimizer(c: OptimCase, params: Tensor[]): optim.Optimizer {
  const o = c.opts;
  if (c.optimizer === "SGD") return new optim.SGD(params, o as optim.SGDOptions);
  if (c.optimizer === "Adam") return new optim.Adam(params, o);
  return new optim.AdamW(params, o);
}

/** One step where each parameter's gradient is exactly G: the gradient of sum(p·G). */
function stepWith(opt: optim.Optimizer, params: Tensor[], grads: Tensor[]): void {
  opt.zeroGrad();
  params.map((p, i) => p.mul(grads[i]).sum()).reduce((a, b) => a.add(b)).backward();
  opt.step();
}

// every device: the C kernels (cpu, wasm), WGSL's (webgpu, read back asynchronously: onHost) and js's
await initDevice("webgpu").catch(() => null);

describe("optimizers against PyTorch (5 steps with given gradients)", () => {
  for (const c of loadTrain().optim) {
    it(c.name, () => {
      const params = c.params0.map((p) => ft(p, true));
      const storages = params.map((p) => p.data);
      const opt = makeOptimizer(c, params);
      c.grads.forEach((gs, s) => {
        stepWith(opt, params, gs.map((g) => ft(g)));
        params.forEach((p, i) => assertClose(p, c.params[s][i], TOL, `${c.name} step ${s + 1} param ${i}`));
      });
      // in place, without a graph
      params.forEach((p, i) => {
        assert.equal(p.data, storages[i], "updated in place");
        assert.ok(p.isLeaf && p.requiresGrad, "still a leaf that requires grad");
      });
      const sd = opt.stateDict();
      for (const [k, v] of Object.entries(c.state)) assertClose(sd[`state.${k}`] ?? null, v, TOL, `${c.name} state ${k}`);
      const stateKeys = Object.keys(sd).filter((k) => k.startsWith("state.")).sort();
      assert.deepEqual(stateKeys, Object.keys(c.state).map((k) => `state.${k}`).sort());
    });
  }

  for (const device of availableDevices().filter((d) => d !== getDefaultDevice())) {
    it(`every case on ${device}`, async () => {
      for (const c of loadTrain().optim) {
        const params = c.params0.map((p) => Tensor.from(ft(p).toTypedArray(), { shape: p.shape, device, requiresGrad: true }));
        const opt = makeOptimizer(c, params);
        for (const [s, gs] of c.grads.entries()) {
          stepWith(opt, params, gs.map((g) => ft(g).to(device)));
          for (const [i, p] of params.entries()) assertClose(await onHost(p), c.params[s][i], TOL, `${c.name} on ${device} step ${s + 1} param ${i}`);
        }
      }
    });
  }

  it("resumes from a state dict saved as safetensors: 3 steps + save/load + 2 steps = 5 steps", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlgrad-optim-"));
    try {
      for (const c of loadTrain().optim.filter((c) => ["SGD/nesterov-weightDecay", "Adam/amsgrad", "AdamW/weightDecay-betas"].includes(c.name))) {
        const params = c.params0.map((p) => ft(p, true));
        const opt = makeOptimizer(c, params);
        for (let s = 0; s < 3; s++) stepWith(opt, params, c.grads[s].map((g) => ft(g)));
        const file = join(dir, "opt.safetensors");
        save(opt.stateDict(), file);
        // a fresh optimizer with other hyperparameters over copies of the parameters
        const params2 = params.map((p) => Tensor.from(p.toTypedArray(), { shape: p.shape, requiresGrad: true }));
        const opt2 = makeOptimizer({ ...c, opts: { ...c.opts, lr: 123 } }, params2);
        opt2.loadStateDict(load(file));
        assert.equal(opt2.lr, c.opts.lr, "hyperparameters restored");
        for (let s = 3; s < 5; s++) stepWith(opt2, params2, c.grads[s].map((g) => ft(g)));
        params2.forEach((p, i) => assertClose(p, c.params[4][i], TOL, `${c.name} resumed param ${i}`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names its state dict keys state.<i>.<name> and paramGroups.<g>.<name>", () => {
    const p = Tensor.zeros([2], { requiresGrad: true });
    const q = Tensor.zeros([3], { requiresGrad: true });
    const opt = new optim.Adam([{ params: [p] }, { params: [q], lr: 0.5 }], { betas: [0.8, 0.9] });
    p.grad = Tensor.ones([2]);
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(Object.keys(sd).sort(), [
      "paramGroups.0.amsgrad", "paramGroups.0.betas", "paramGroups.0.eps", "paramGroups.0.lr", "paramGroups.0.maximize",
      "paramGroups.0.params", "paramGroups.0.weightDecay",
      "paramGroups.1.amsgrad", "paramGroups.1.betas", "paramGroups.1.eps", "paramGroups.1.lr", "paramGroups.1.maximize",
      "paramGroups.1.params", "paramGroups.1.weightDecay",
      "state.0.expAvg", "state.0.expAvgSq", "state.0.step",
    ]);
    assert.equal(sd["state.0.step"].item(), 1);
    assert.equal(sd["paramGroups.1.lr"].item(), 0.5);
    assert.deepEqual(sd["paramGroups.1.params"].toArray(), [1]);
    assert.deepEqual(sd["paramGroups.0.betas"].toArray(), [0.8, 0.9]);
    const other = new optim.Adam([{ params: [p] }, { params: [q] }]);
    other.loadStateDict(sd);
    assert.equal(other.paramGroups[1].lr, 0.5);
    assert.deepEqual(other.paramGroups[0].betas, [0.8, 0.9]);
    assert.equal(other.paramGroups[0].amsgrad, false);
    assert.throws(() => new optim.Adam([p]).loadStateDict(sd), /group 1 does not exist/);
    assert.throws(() => new optim.Adam([q, p]).loadStateDict({ "state.0.expAvg": Tensor.zeros([2]) }), /state\.0\.expAvg has shape \[2\] but parameter 0 has shape \[3\]/);
    assert.throws(() => other.loadStateDict({ bogus: Tensor.zeros([1]) }), /unexpected key "bogus"/);
  });
});

describe("optimizer behaviour and errors", () => {
  it("every optimizer agrees with js on every device over infinities, NaN, float32's extremes and subnormals", async () => {
    // 4,096 values: the fused kernels (C, WGSL) run, not the composite; three steps, so the
    // states (momenta, squares, maxima) carry the special values on
    const gv = [0, -0, 1e-30, 1e30, Infinity, -Infinity, NaN, 3.4e38, -2, 1e-45];
    const pv = [1, -1, 0, 1e30, -3.4e38, 2, NaN, 0.5, Infinity, 1e-40];
    const n = 4096, P = Float32Array.from({ length: n }, (_, i) => pv[i % 10]);
    const G = Float32Array.from({ length: n }, (_, i) => gv[(7 * i + (i >> 4)) % 10]);
    const make: [string, (p: Tensor[]) => optim.Optimizer][] = [
      ["Adam", (p) => new optim.Adam(p, { lr: 0.01 })],
      ["Adam weightDecay", (p) => new optim.Adam(p, { lr: 0.01, weightDecay: 0.1 })],
      ["AdamW", (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.1 })],
      ["Adam amsgrad maximize", (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true, maximize: true })],
      ["SGD nesterov", (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
      ["RMSprop centered", (p) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
      ["Adagrad", (p) => new optim.Adagrad(p, { lr: 0.01 })],
    ];
    const run = async (device: string, opt: (p: Tensor[]) => optim.Optimizer) => {
      const p = Tensor.from(P, { device, requiresGrad: true }), o = opt([p]);
      for (let s = 0; s < 3; s++) {
        p.grad = Tensor.from(G, { device });
        o.step();
      }
      return p.toTypedArrayAsync();
    };
    for (const [name, opt] of make) {
      const want = await run("js", opt);
      for (const device of availableDevices().filter((d) => d !== "js")) {
        const got = await run(device, opt);
        for (let i = 0; i < n; i++) {
          const same = Object.is(got[i], want[i]) || (got[i] === want[i]) || Math.abs(got[i] - want[i]) <= 1e-6 * Math.abs(want[i]);
          assert.ok(same, `${name} on ${device}: element ${i} (p ${P[i]}, g ${G[i]}) is ${got[i]}, js ${want[i]}`);
        }
      }
    }
  });

  it("param groups get their own learning rates; lr sets them all", () => {
    const a = Tensor.ones([2], { requiresGrad: true });
    const b = Tensor.ones([2], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = Tensor.ones([2]);
    b.grad = Tensor.ones([2]);
    opt.step();
    assert.deepEqual(Array.from(a.toTypedArray()), [0.8999999761581421, 0.8999999761581421]);
    assert.deepEqual(a.toArray(), [0.8999999761581421, 0.8999999761581421]);
    assert.deepEqual(b.toArray(), [0.5, 0.5]);
    opt.lr = 0.25;
    assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.25, 0.25]);
  });

  it("skips parameters without a gradient, and zeroGrad sets gradients to null", () => {
    const a = Tensor.ones([2], { requiresGrad: true });
    const b = Tensor.ones([2], { requiresGrad: true });
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.grad = Tensor.ones([2]);
    opt.step();
    assert.deepEqual(b.toArray(), [1, 1]);
    assert.equal(opt.state.has(b), false);
    opt.zeroGrad();
    assert.equal(a.grad, null);
  });

  it("step(closure) returns the closure's loss", () => {
    const a = Tensor.ones([1], { requiresGrad: true });
    const opt = new optim.SGD([a], { lr: 0.5 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = a.square().sum();
      l.backward();
      return l.item();
    });
    assert.equal(loss, 1);
    assert.deepEqual(a.toArray(), [0]);
  });

  it("rejects bad parameters and hyperparameters with clear messages", () => {
    const p = Tensor.zeros([2], { requiresGrad: true });
    assert.throws(() => new optim.SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
    assert.throws(() => new optim.Adam([p, 3 as unknown as Tensor]), /Adam: params\[1\] is not a Tensor \(got number\)/);
    assert.throws(
      () => new optim.Adam([Tensor.zeros([2], { dtype: "int32" })]),
      /Adam: params\[0\] has dtype int32; only floating-point tensors can be optimized/,
    );
    assert.throws(() => new optim.AdamW([p.mul(2)]), /params\[0\] is not a leaf tensor/);
    assert.throws(() => new optim.SGD([p, p], { lr: 1 }), /params\[1\] appears more than once/);
    assert.throws(() => new optim.SGD(p as unknown as Tensor[], { lr: 1 }), /got a single Tensor/);
    assert.throws(() => new optim.SGD([p], {} as optim.SGDOptions), /SGD: lr is required/);
    assert.throws(() => new optim.SGD([p], { lr: -1 }), /invalid learning rate -1/);
    assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /nesterov momentum requires a momentum > 0 and dampening = 0/);
    assert.throws(() => new optim.Adam([p], { betas: [0.9, 1] }), /invalid beta at index 1: 1/);
    assert.throws(() => new optim.Adam([{ params: [p] }, { params: [] }]), /parameter group 1 has an empty parameter list/);
  });
});

function makeScheduler(c: SchedCase, opt: optim.Optimizer): optim.lrScheduler.LRScheduler {
  const a = c.args;
  const S = optim.lrScheduler;
  if (c.scheduler === "StepLR") return new S.StepLR(opt, a.stepSize, { gamma: a.gamma });
  if (c.scheduler === "CosineAnnealingLR") return new S.CosineAnnealingLR(opt, a.tMax, { etaMin: a.etaMin });
  return new S.LinearLR(opt, a);
}

describe("lr schedulers against PyTorch", () => {
  for (const c of loadTrain().schedulers) {
    it(c.name, () => {
      const opt = new optim.SGD([{ params: [Tensor.zeros([2], { requiresGrad: true })] }, { params: [Tensor.zeros([2], { requiresGrad: true })], lr: 0.01 }], { lr: 0.1 });
      const sched = makeScheduler(c, opt);
      const got = [sched.getLastLr()];
      for (let i = 1; i < c.lrs.length; i++) {
        opt.step();
        sched.step();
        got.push(sched.getLastLr());
      }
      got.forEach((lrs, i) => lrs.forEach((lr, g) => assertNear(lr, c.lrs[i][g], [1e-15, 1e-12], `${c.name} step ${i} group ${g}`)));
      assert.deepEqual(opt.paramGroups.map((g) => g.lr), got[got.length - 1]);
    });
  }

  it("a scheduler's state dict resumes its schedule", () => {
    const mk = () => new optim.SGD([Tensor.zeros([1], { requiresGrad: true })], { lr: 1 });
    const o1 = mk();
    const s1 = new optim.lrScheduler.CosineAnnealingLR(o1, 6);
    for (let i = 0; i < 3; i++) s1.step();
    const o2 = mk();
    const s2 = new optim.lrScheduler.CosineAnnealingLR(o2, 6);
    s2.loadStateDict(JSON.parse(JSON.stringify(s1.stateDict())));
    o2.lr = o1.lr;
    s1.step();
    s2.step();
    assert.equal(s2.lastEpoch, 4);
    assert.deepEqual(s2.getLastLr(), s1.getLastLr());
  });

  it("validates its arguments", () => {
    const opt = new optim.SGD([Tensor.zeros([1], { requiresGrad: true })], { lr: 1 });
    assert.throws(() => new optim.lrScheduler.StepLR(opt, 0), /stepSize must be a positive integer, got 0/);
    assert.throws(() => new optim.lrScheduler.LinearLR(opt, { startFactor: 0 }), /startFactor must be in \(0, 1\], got 0/);
    assert.throws(() => new optim.lrScheduler.CosineAnnealingLR(opt, 0), /tMax must be positive/);
  });
});

describe("training", () => {
  it("a seeded 2-layer MLP learns XOR-quadrant labels (loss falls below 0.15)", () => {
    manualSeed(0);
    const n = 256;
    const x = Tensor.uniform([n, 2], -1, 1);
    const xs = x.toTypedArray();
    const y = Tensor.from(Int32Array.from({ length: n }, (_, i) => (xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0)), { shape: [n], dtype: "int32" });
    const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 2));
    const opt = new optim.Adam(model.parameters(), { lr: 0.03 });
    const sched = new optim.lrScheduler.StepLR(opt, 100, { gamma: 0.5 });
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      opt.zeroGrad();
      const loss = model.forward(x).crossEntropy(y);
      loss.backward();
      nn.utils.clipGradNorm(model.parameters(), 5);
      opt.step();
      sched.step();
      losses.push(loss.item());
    }
    assert.ok(losses[0] > 0.5, `initial loss ${losses[0]}`);
    assert.ok(losses[losses.length - 1] < 0.15, `final loss ${losses[losses.length - 1]}`);
    const acc = model.forward(x).argmax(-1).eq(y).mean().item();
    assert.ok(acc > 0.95, `accuracy ${acc}`);
  });
});
