// Rprop, ASGD, localResponseNorm, alphaDropout, pdist and channelShuffle against PyTorch 1.13
// (test/fixtures/breadth_misc2.json, written by scripts/make_fixtures_misc2.py) on every device;
// float64 gradchecks; optimizer state dicts; alpha dropout's statistics; errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { F, Tensor, availableDevices, manualSeed, nn, optim } from "../src/node.js";
import { type FTensor, assertTensorCloseAsync, fromFixture, num } from "./helpers.js";
import { S, gradcheck, startWebgpu } from "./breadth_helpers.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
interface OptimCase {
  name: string;
  optimizer: "Rprop" | "ASGD";
  opts: Record<string, any>;
  groups: ({ n: number } & Record<string, any>)[] | null;
  params0: FTensor[];
  grads: FTensor[][];
  params: FTensor[][];
  state: Record<string, FTensor>;
}
const fx = JSON.parse(readFileSync(new URL("../../test/fixtures/breadth_misc2.json", import.meta.url), "utf8")) as {
  optim: OptimCase[];
  lrn: { name: string; size: number; alpha: number; beta: number; k: number; input: FTensor; out: FTensor }[];
  pdist: { name: string; p: number | string; input: FTensor; out: FTensor }[];
  channelShuffle: { name: string; groups: number; input: FTensor; out: FTensor }[];
};
const CLASSES = { Rprop: optim.Rprop, ASGD: optim.ASGD } as Record<string, new (p: any, o?: any) => optim.Optimizer<any>>;
/* eslint-enable @typescript-eslint/no-explicit-any */

const TOL: [number, number] = [1e-6, 2e-5];
const webgpuSkip = await startWebgpu();
const devices = availableDevices();

function makeOptimizer(c: OptimCase, params: Tensor[], opts = c.opts): optim.Optimizer {
  if (!c.groups) return new CLASSES[c.optimizer](params, opts);
  let at = 0;
  return new CLASSES[c.optimizer](c.groups.map(({ n, ...over }) => ({ params: params.slice(at, (at += n)), ...over })), opts);
}
function stepWith(opt: optim.Optimizer, params: Tensor[], grads: FTensor[], device: string): void {
  params.forEach((p, i) => (p.grad = fromFixture(grads[i], device)));
  opt.step();
}
const values = async (t: Tensor) => Array.from(await t.toTypedArrayAsync());

describe("against PyTorch on every device", () => {
  it("runs on every device this machine has", () => {
    if (process.env.DLGRAD_REQUIRE_CPU === "1") assert.ok(devices.includes("cpu"), "cpu addon required");
    if (!webgpuSkip) assert.ok(devices.includes("webgpu"));
  });
  for (const device of devices) {
    for (const c of fx.optim) {
      it(`${c.name} on ${device}: 8 steps, then the state`, async () => {
        const params = c.params0.map((f) => fromFixture(f, device, true));
        const opt = makeOptimizer(c, params);
        for (const [s, gs] of c.grads.entries()) {
          stepWith(opt, params, gs, device);
          for (const [i, p] of params.entries()) await assertTensorCloseAsync(p, c.params[s][i], TOL, `step ${s + 1} param ${i}`);
        }
        const sd = opt.stateDict();
        assert.deepEqual(Object.keys(sd).filter((k) => k.startsWith("state.")).sort(), Object.keys(c.state).map((k) => `state.${k}`).sort());
        for (const [k, v] of Object.entries(c.state)) await assertTensorCloseAsync(sd[`state.${k}`], v, TOL, `state ${k}`);
        for (const k of Object.keys(c.state).filter((k) => /\.(step|eta|mu)$/.test(k))) {
          assert.equal(sd[`state.${k}`].item(), Math.fround(num(c.state[k].data[0])), `state ${k} exactly`);
        }
      });
    }
    for (const c of fx.lrn) {
      it(`localResponseNorm ${c.name} on ${device}`, async () => {
        const x = fromFixture(c.input, device);
        await assertTensorCloseAsync(F.localResponseNorm(x, c.size, { alpha: c.alpha, beta: c.beta, k: c.k }), c.out, TOL, "F");
        await assertTensorCloseAsync(new nn.LocalResponseNorm(c.size, c.alpha, c.beta, c.k).forward(x), c.out, TOL, "nn");
      });
    }
    for (const c of fx.pdist) {
      it(`pdist ${c.name} on ${device}`, async () => {
        const y = F.pdist(fromFixture(c.input, device), num(c.p));
        assert.deepEqual(y.shape, c.out.shape);
        await assertTensorCloseAsync(y, c.out, TOL, "pdist");
      });
    }
    for (const c of fx.channelShuffle) {
      it(`channelShuffle ${c.name} on ${device}`, async () => {
        const x = fromFixture(c.input, device);
        await assertTensorCloseAsync(F.channelShuffle(x, c.groups), c.out, [0, 1e-7], "F");
        await assertTensorCloseAsync(new nn.ChannelShuffle(c.groups).forward(x), c.out, [0, 1e-7], "nn");
      });
    }
    it(`alphaDropout on ${device}: mean and variance of a standard-normal input kept; eval is the identity`, async () => {
      manualSeed(7);
      const x = Tensor.randn([200000], { device });
      for (const p of [0.2, 0.5]) {
        const y = F.alphaDropout(x, p, true);
        const v = await values(y);
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
        assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.02, `p ${p}: mean ${mean}, variance ${variance}`);
        // dropped elements hold -λα(1-p)·a exactly; a share p of them
        const a = 1 / Math.sqrt((1.7580993408473766 ** 2 * p + 1) * (1 - p));
        const dropped = Math.fround(-1.7580993408473766 * a * (1 - p));
        const share = v.filter((e) => Math.abs(e - dropped) < 1e-5).length / v.length;
        assert.ok(Math.abs(share - p) < 0.01, `p ${p}: share dropped ${share}`);
      }
      const drop = new nn.AlphaDropout(0.3);
      drop.eval();
      assert.equal(drop.forward(x), x);
      assert.equal(F.alphaDropout(x, 0.3), x, "training defaults to false, as PyTorch's");
      assert.equal(F.alphaDropout(x, { p: 0, training: true }), x);
      assert.deepEqual((await values(F.alphaDropout(x.narrow(0, 0, 4), 1, true))).map(Math.abs), [0, 0, 0, 0], "p 1: zeros");
      drop.train();
      manualSeed(3);
      const y1 = await values(drop.forward(x.narrow(0, 0, 50)));
      manualSeed(3);
      assert.deepEqual(await values(F.alphaDropout(x.narrow(0, 0, 50), 0.3, true)), y1, "seeded by manualSeed");
    });
  }
});

describe("gradcheck (float64, js)", () => {
  it("localResponseNorm", () => {
    gradcheck("lrn3", [S([2, 5, 3])], ([x]) => F.localResponseNorm(x, 3, 0.5, 0.75, 1));
    gradcheck("lrn4", [S([1, 4, 2, 2])], ([x]) => F.localResponseNorm(x, 2, { alpha: 0.3, beta: 1.3, k: 2 }));
  });
  it("pdist", () => {
    for (const p of [2, 1, 3, 0.7]) gradcheck(`pdist ${p}`, [S([4, 3], "spread")], ([x]) => F.pdist(x, p));
  });
  it("alphaDropout (a fixed mask)", () => {
    gradcheck("alphaDropout", [S([20])], ([x]) => {
      manualSeed(5);
      return F.alphaDropout(x, 0.4, true);
    });
  });
  it("pdist's gradient is 0 at a zero distance (as PyTorch's)", () => {
    const x = Tensor.from([[1, 2], [1, 2], [0, 5]], { dtype: "float64", requiresGrad: true });
    F.pdist(x).narrow(0, 0, 1).sum().backward();
    assert.deepEqual(Array.from(x.grad!.toTypedArray()), [0, 0, 0, 0, 0, 0]);
  });
});

describe("optimizer state dicts", () => {
  for (const device of devices) {
    it(`round trip and resume on ${device}: 4 steps + loadStateDict into a fresh optimizer + 4 steps`, async () => {
      for (const c of fx.optim) {
        const params = c.params0.map((f) => fromFixture(f, device, true));
        const opt = makeOptimizer(c, params);
        for (let s = 0; s < 4; s++) stepWith(opt, params, c.grads[s], device);
        const sd = opt.stateDict();
        const params2 = params.map((p) => {
          const q = p.detach().clone();
          q.requiresGrad = true;
          return q;
        });
        const opt2 = makeOptimizer(c, params2, { ...c.opts, lr: 123 });
        opt2.loadStateDict(sd);
        const strip = (o: optim.Optimizer) => o.paramGroups.map(({ params: _, ...h }) => h);
        assert.deepEqual(strip(opt2), strip(opt), `${c.name}: hyperparameters restored`);
        const sd2 = opt2.stateDict();
        assert.deepEqual(Object.keys(sd2).sort(), Object.keys(sd).sort());
        for (const k of Object.keys(sd)) assert.deepEqual(await values(sd2[k]), await values(sd[k]), `${c.name}: ${k}`);
        for (let s = 4; s < 8; s++) {
          stepWith(opt, params, c.grads[s], device);
          stepWith(opt2, params2, c.grads[s], device);
        }
        for (const [i, p] of params2.entries()) await assertTensorCloseAsync(p, c.params[7][i], TOL, `${c.name}: resumed param ${i}`);
      }
    });
  }
  it("ASGD refuses an eta or mu that is not one number", () => {
    const p = Tensor.zeros([3], { requiresGrad: true });
    const opt = new optim.ASGD([p]);
    assert.throws(() => opt.loadStateDict({ "state.0.eta": Tensor.zeros([2]) }), /^Error: ASGD\.loadStateDict: state\.0\.eta must hold one number, got shape \[2\]$/);
    assert.throws(() => opt.loadStateDict({ "state.5.mu": Tensor.zeros([]) }), /^Error: ASGD\.loadStateDict: state\.5\.mu names parameter 5, which does not exist \(this optimizer has 1\)$/);
  });
});

describe("bad input", () => {
  const x = Tensor.zeros([2, 4, 3]);
  const p = () => [Tensor.zeros([2], { requiresGrad: true })];
  const cases: [string, () => unknown, RegExp][] = [
    ["Rprop etas", () => new optim.Rprop(p(), { etas: [1.2, 0.5] }), /^Error: Rprop: invalid etas \[1\.2, 0\.5\] \(must be 0 < etas\[0\] < 1 < etas\[1\]\)$/],
    ["Rprop lr", () => new optim.Rprop(p(), { lr: -1 }), /^Error: Rprop: invalid learning rate -1 \(must be >= 0\)$/],
    ["Rprop stepSizes kind", () => new optim.Rprop(p(), { stepSizes: 3 as never }), /^Error: Rprop: stepSizes must be an array of 2 numbers, got 3$/],
    ["Rprop unknown key", () => new optim.Rprop(p(), { momentum: 0.9 } as never), /^Error: Rprop: unknown option 'momentum' \(expected 'lr', 'etas', 'stepSizes'\)$/],
    ["ASGD weightDecay", () => new optim.ASGD(p(), { weightDecay: -1 }), /^Error: ASGD: weightDecay must be a number >= 0, got -1$/],
    ["ASGD t0 kind", () => new optim.ASGD(p(), { t0: "1" as never }), /^Error: ASGD: t0 must be a number, got the string '1'$/],
    ["ASGD unknown key", () => new optim.ASGD(p(), { eps: 1 } as never), /^Error: ASGD: unknown option 'eps' \(expected 'lr', 'lambd', 'alpha', 't0', 'weightDecay'\)$/],
    ["lrn rank", () => F.localResponseNorm(Tensor.zeros([2, 3]), 2), /^Error: localResponseNorm: expects an input \[N, C, \.\.\.\] with at least 3 dims, got shape \[2, 3\]$/],
    ["lrn size", () => F.localResponseNorm(x, 0), /^Error: localResponseNorm: size must be an integer >= 1, got 0$/],
    ["lrn beta", () => F.localResponseNorm(x, 2, { beta: "x" as never }), /^Error: localResponseNorm: beta must be a number, got the string 'x'$/],
    ["lrn unknown key", () => F.localResponseNorm(x, 2, { kk: 1 } as never), /^Error: localResponseNorm: unknown option 'kk' \(expected 'alpha', 'beta', 'k'\)$/],
    ["lrn int32", () => F.localResponseNorm(Tensor.zeros([1, 2, 2], { dtype: "int32" }), 2), /^Error: localResponseNorm: input must be a floating-point tensor, got int32 \(shape \[1, 2, 2\]\)$/],
    ["nn.LocalResponseNorm size", () => new nn.LocalResponseNorm(1.5), /^Error: nn\.LocalResponseNorm: size must be an integer >= 1, got 1\.5$/],
    ["alphaDropout p", () => F.alphaDropout(x, 1.5, true), /^Error: alphaDropout: p must be a probability in \[0, 1\], got 1\.5$/],
    ["alphaDropout training", () => F.alphaDropout(x, 0.5, 1 as never), /^Error: alphaDropout: training must be true or false, got 1$/],
    ["alphaDropout unknown key", () => F.alphaDropout(x, { q: 1 } as never), /^Error: alphaDropout: unknown option 'q' \(expected 'p', 'training'\)$/],
    ["nn.AlphaDropout p", () => new nn.AlphaDropout(-0.1), /^Error: nn\.AlphaDropout: p must be a probability in \[0, 1\], got -0\.1$/],
    ["pdist rank", () => F.pdist(x), /^Error: pdist: input must be 2-D \[N, M\], got shape \[2, 4, 3\]$/],
    ["pdist p", () => F.pdist(Tensor.zeros([3, 2]), -1), /^Error: pdist: p must be a number >= 0, got -1$/],
    ["pdist unknown key", () => F.pdist(Tensor.zeros([3, 2]), { q: 1 } as never), /^Error: pdist: unknown option 'q' \(expected 'p'\)$/],
    ["channelShuffle rank", () => F.channelShuffle(Tensor.zeros([2, 4]), 2), /^Error: channelShuffle: expects an input \[N, C, \.\.\.\] with at least 3 dims, got shape \[2, 4\]$/],
    ["channelShuffle divisible", () => F.channelShuffle(x, 3), /^Error: channelShuffle: the 4 channels of input \[2, 4, 3\] cannot be split into 3 groups$/],
    ["channelShuffle groups", () => F.channelShuffle(x, 0), /^Error: channelShuffle: groups must be an integer >= 1, got 0$/],
    ["nn.ChannelShuffle groups", () => new nn.ChannelShuffle(2.5), /^Error: nn\.ChannelShuffle: groups must be an integer >= 1, got 2\.5$/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      assert.throws(f, (e: Error) => {
        assert.match(`${e.name}: ${e.message}`, re);
        return true;
      });
    });
  }
});
