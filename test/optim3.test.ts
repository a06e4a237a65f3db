// Adamax, NAdam, RAdam and Adadelta against PyTorch (test/fixtures/optim2_more.json, written by
// scripts/make_fixtures_optim2.py) on every device: 8 steps with given gradients over param groups,
// the state after the last step, special values; state dicts (round trip, resuming, safetensors); errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor, availableDevices, load, optim, save } from "../src/node.js";
import { type FTensor, assertTensorCloseAsync, fromFixture } from "./helpers.js";
import { startWebgpu } from "./breadth_helpers.js";

type Kind = "Adamax" | "NAdam" | "RAdam" | "Adadelta";
/* eslint-disable @typescript-eslint/no-explicit-any */
interface OptimCase {
  name: string;
  optimizer: Kind;
  opts: Record<string, any>;
  groups: ({ n: number } & Record<string, any>)[] | null;
  params0: FTensor[];
  grads: (FTensor | null)[][];
  params: FTensor[][];
  state: Record<string, FTensor>;
}
interface SpecialCase {
  name: string;
  optimizer: Kind;
  opts: Record<string, any>;
  param0: FTensor;
  grad: FTensor;
  param: FTensor;
  state: Record<string, FTensor>;
}
const CLASSES: Record<Kind, new (params: optim.ParamsInput<any>, opts?: any) => optim.Optimizer<any>> = {
  Adamax: optim.Adamax, NAdam: optim.NAdam, RAdam: optim.RAdam, Adadelta: optim.Adadelta,
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const fixtures = JSON.parse(readFileSync(new URL("../../test/fixtures/optim2_more.json", import.meta.url), "utf8")) as {
  optim: OptimCase[];
  specials: SpecialCase[];
};

const TOL: [number, number] = [1e-7, 2e-6];

/** The case's optimizer over `params`, split into its groups (with their overrides) when it has them. */
function makeOptimizer(c: OptimCase, params: Tensor[], opts = c.opts): optim.Optimizer {
  if (!c.groups) return new CLASSES[c.optimizer](params, opts);
  let at = 0;
  const groups = c.groups.map(({ n, ...over }) => ({ params: params.slice(at, (at += n)), ...over }));
  return new CLASSES[c.optimizer](groups, opts);
}

/** One step with the given gradients (null: the parameter has none, and is skipped). */
function stepWith(opt: optim.Optimizer, params: Tensor[], grads: (FTensor | null)[], device: string): void {
  opt.zeroGrad();
  params.forEach((p, i) => (p.grad = grads[i] ? fromFixture(grads[i]!, device) : null));
  opt.step();
}

const leaves = (c: OptimCase, device: string) => c.params0.map((f) => fromFixture(f, device, true));

/** A tensor's values, read asynchronously (webgpu's too). */
const values = async (t: Tensor) => Array.from(await t.toTypedArrayAsync());

// webgpu too (lavapipe without a GPU; DLGRAD_REQUIRE_WEBGPU=1 makes a missing adapter an error), read back asynchronously
const webgpuSkip = await startWebgpu();
const devices = availableDevices();

describe("Adamax, NAdam, RAdam and Adadelta against PyTorch (8 steps with given gradients)", () => {
  it("runs on every device this machine has", () => {
    if (process.env.DLGRAD_REQUIRE_CPU === "1") assert.ok(devices.includes("cpu"), "cpu addon required");
    if (!webgpuSkip) assert.ok(devices.includes("webgpu"));
    assert.ok(devices.includes("js"), devices.join(", "));
  });

  for (const device of devices) {
    for (const c of fixtures.optim) {
      it(`${c.name} on ${device}`, async () => {
        const params = leaves(c, device);
        const storages = params.map((p) => p.data);
        const opt = makeOptimizer(c, params);
        for (const [s, gs] of c.grads.entries()) {
          stepWith(opt, params, gs, device);
          for (const [i, p] of params.entries()) await assertTensorCloseAsync(p, c.params[s][i], TOL, `step ${s + 1} param ${i}`);
        }
        params.forEach((p, i) => {
          assert.equal(p.data, storages[i], "updated in place");
          assert.ok(p.isLeaf && p.requiresGrad && p.device === device, "still a leaf on its device that requires grad");
        });
        const sd = opt.stateDict();
        const stateKeys = Object.keys(sd).filter((k) => k.startsWith("state.")).sort();
        assert.deepEqual(stateKeys, Object.keys(c.state).map((k) => `state.${k}`).sort());
        for (const [k, v] of Object.entries(c.state)) await assertTensorCloseAsync(sd[`state.${k}`], v, TOL, `state ${k}`);
        // the numbers exactly: NAdam's muProduct is a float32 product, as PyTorch's 0-d tensor
        for (const k of Object.keys(c.state).filter((k) => /\.(step|muProduct)$/.test(k))) {
          assert.equal(sd[`state.${k}`].item(), Math.fround(c.state[k].data[0] as number), `state ${k}`);
        }
      });
    }

    for (const c of fixtures.specials) {
      it(`${c.name} on ${device}: NaN, ±inf, ±0, subnormals and float32's extremes as PyTorch`, async () => {
        const p = fromFixture(c.param0, device, true);
        const opt = new CLASSES[c.optimizer]([p], c.opts);
        for (let s = 0; s < 8; s++) {
          p.grad = fromFixture(c.grad, device);
          opt.step();
        }
        // NaN and ±inf exactly; an atol of 1e-37 lets a device flush subnormal results to zero
        await assertTensorCloseAsync(p, c.param, [1e-37, 2e-6], "param");
        const sd = opt.stateDict();
        for (const [k, v] of Object.entries(c.state)) await assertTensorCloseAsync(sd[`state.0.${k}`], v, [1e-37, 2e-6], `state ${k}`);
      });
    }
  }
});

describe("their state dicts", () => {
  for (const device of devices) {
    it(`round trip and resume on ${device}: 4 steps + loadStateDict into a fresh optimizer + 4 steps = 8 steps, identically`, async () => {
      for (const c of fixtures.optim) {
        const params = leaves(c, device);
        const opt = makeOptimizer(c, params);
        for (let s = 0; s < 4; s++) stepWith(opt, params, c.grads[s], device);
        const sd = opt.stateDict();
        // a fresh optimizer with another lr over copies of the parameters
        const params2 = params.map((p) => {
          const q = p.detach().clone();
          q.requiresGrad = true;
          return q;
        });
        const opt2 = makeOptimizer(c, params2, { ...c.opts, lr: 123 });
        opt2.loadStateDict(sd);
        const strip = (o: optim.Optimizer) => o.paramGroups.map(({ params: _, ...h }) => h);
        assert.deepEqual(strip(opt2), strip(opt), `${c.name}: hyperparameters restored`);
        // the round trip: the same keys and values
        const sd2 = opt2.stateDict();
        assert.deepEqual(Object.keys(sd2).sort(), Object.keys(sd).sort(), `${c.name}: keys`);
        for (const k of Object.keys(sd)) assert.deepEqual(await values(sd2[k]), await values(sd[k]), `${c.name}: ${k}`);
        // the state was copied, not shared: stepping one does not move the other
        for (let s = 4; s < 8; s++) {
          stepWith(opt, params, c.grads[s], device);
          stepWith(opt2, params2, c.grads[s], device);
        }
        for (const [i, p] of params2.entries()) {
          assert.deepEqual(await values(p), await values(params[i]), `${c.name}: resumed param ${i} equals the uninterrupted run's`);
          await assertTensorCloseAsync(p, c.params[7][i], TOL, `${c.name}: resumed param ${i}`);
        }
      }
    });
  }

  it("go through safetensors (NAdam's muProduct a float32 0-d tensor, as PyTorch's)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlgrad-optim3-"));
    try {
      for (const c of fixtures.optim) {
        const params = leaves(c, "js");
        const opt = makeOptimizer(c, params);
        for (let s = 0; s < 4; s++) stepWith(opt, params, c.grads[s], "js");
        const file = join(dir, "opt.safetensors");
        save(opt.stateDict(), file);
        const params2 = params.map((p) => Tensor.from(p.toTypedArray(), { shape: p.shape, device: "js", requiresGrad: true }));
        const opt2 = makeOptimizer(c, params2, { ...c.opts, lr: 123 });
        opt2.loadStateDict(load(file));
        for (let s = 4; s < 8; s++) stepWith(opt2, params2, c.grads[s], "js");
        for (const [i, q] of params2.entries()) await assertTensorCloseAsync(q, c.params[7][i], TOL, `${c.name}: resumed param ${i}`);
      }
      const mu = new optim.NAdam([Tensor.zeros([2], { requiresGrad: true })]);
      mu.paramGroups[0].params[0].grad = Tensor.ones([2]);
      mu.step();
      const sd = mu.stateDict();
      assert.deepEqual([sd["state.0.muProduct"].shape, sd["state.0.muProduct"].dtype], [[], "float32"]);
      assert.equal(sd["state.0.muProduct"].item(), Math.fround(0.9 * (1 - 0.5 * 0.96 ** 0.004)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("NAdam.loadStateDict refuses a bad muProduct, and a refused load changes nothing", () => {
    const p = Tensor.zeros([2], { requiresGrad: true });
    const opt = new optim.NAdam([p]);
    p.grad = Tensor.ones([2]);
    opt.step();
    const before = opt.state.get(p)!.muProduct;
    const sd = opt.stateDict();
    const bad = (key: string, t: unknown) => ({ ...sd, [key]: t as Tensor });
    assert.throws(() => opt.loadStateDict(bad("state.0.muProduct", Tensor.ones([2]))),
      /^Error: NAdam\.loadStateDict: state\.0\.muProduct must hold one number, got shape \[2\]$/);
    assert.throws(() => opt.loadStateDict(bad("state.1.muProduct", Tensor.ones([]))),
      /^Error: NAdam\.loadStateDict: state\.1\.muProduct names parameter 1, which does not exist \(this optimizer has 1\)$/);
    assert.throws(() => opt.loadStateDict(bad("state.0.muProduct", 0.5)), /^Error: NAdam\.loadStateDict: state\.0\.muProduct is not a Tensor$/);
    if (devices.includes("webgpu")) {
      assert.throws(() => opt.loadStateDict(bad("state.0.muProduct", Tensor.ones([], { device: "webgpu" }))),
        /^Error: NAdam\.loadStateDict: state\.0\.muProduct is on 'webgpu' and cannot be read synchronously; load the optimizer's state dict on a host device$/);
    }
    // a good muProduct beside a bad moment buffer: the base class refuses the whole load
    const mixed = { ...bad("state.0.muProduct", Tensor.from(new Float32Array([0.25]), { shape: [] })), "state.0.expAvg": Tensor.ones([3]) };
    assert.throws(() => opt.loadStateDict(mixed), /^Error: NAdam\.loadStateDict: state\.0\.expAvg has shape \[3\] but parameter 0 has shape \[2\]$/);
    assert.equal(opt.state.get(p)!.muProduct, before);
    opt.loadStateDict(bad("state.0.muProduct", Tensor.from(new Float32Array([0.25]), { shape: [] })));
    assert.equal(opt.state.get(p)!.muProduct, 0.25);
  });
});

describe("their options", () => {
  const p = () => Tensor.zeros([2], { requiresGrad: true });
  const err = (re: string) => new RegExp(`^Error: ${re.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  const throwsMsg = (f: () => unknown, msg: string) => assert.throws(f, (e: unknown) => {
    assert.match(String(e), err(msg));
    return true;
  });

  it("default to PyTorch's", () => {
    const hyper = (o: optim.Optimizer) => (({ params: _, ...h }) => h)(o.paramGroups[0]);
    assert.deepEqual(hyper(new optim.Adamax([p()])), { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    assert.deepEqual(hyper(new optim.NAdam([p()])), { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 });
    assert.deepEqual(hyper(new optim.RAdam([p()])), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    assert.deepEqual(hyper(new optim.Adadelta([p()])), { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 });
    const betas: [number, number] = [0.5, 0.6];
    const o = new optim.Adamax([{ params: [p()] }, { params: [p()] }], { betas });
    betas[0] = 0.1;
    assert.deepEqual(o.paramGroups.map((g) => g.betas), [[0.5, 0.6], [0.5, 0.6]], "betas copied from the caller's array");
  });

  it("refuse unknown options, naming the ones there are", () => {
    throwsMsg(() => new optim.Adamax([p()], { maximize: true } as never), "Adamax: unknown option 'maximize' (expected 'lr', 'betas', 'eps', 'weightDecay')");
    throwsMsg(() => new optim.NAdam([p()], { momentum_decay: 0.1 } as never),
      "NAdam: unknown option 'momentum_decay' (expected 'lr', 'betas', 'eps', 'weightDecay', 'momentumDecay')");
    throwsMsg(() => new optim.RAdam([p()], { foreach: true } as never), "RAdam: unknown option 'foreach' (expected 'lr', 'betas', 'eps', 'weightDecay')");
    throwsMsg(() => new optim.Adadelta([p()], { maximize: false } as never), "Adadelta: unknown option 'maximize' (expected 'lr', 'rho', 'eps', 'weightDecay')");
    throwsMsg(() => new optim.Adadelta([{ params: [p()] }, { params: [p()], momentum: 0.9 } as never]),
      "Adadelta parameter group 1: unknown option 'momentum' (expected 'params', 'initialLr', 'lr', 'rho', 'eps', 'weightDecay')");
    throwsMsg(() => new optim.RAdam([p()], 0.01, [0.9, 0.99], 1e-8, 0, true as never), "RAdam: expected at most 4 arguments after params (lr, betas, eps, weightDecay), got 5");
  });

  it("refuse values out of PyTorch's ranges, naming the class, the option and the range", () => {
    for (const name of ["Adamax", "NAdam", "RAdam", "Adadelta"] as const) {
      const C = CLASSES[name];
      throwsMsg(() => new C([p()], { lr: -1 }), `${name}: invalid learning rate -1 (must be >= 0)`);
      throwsMsg(() => new C([p()], { eps: -1e-8 }), `${name}: eps must be a number >= 0, got -1e-8`);
      throwsMsg(() => new C([p()], { weightDecay: -0.1 }), `${name}: weightDecay must be a number >= 0, got -0.1`);
      throwsMsg(() => new C([p()], { eps: "1e-8" }), `${name}: eps must be a number, got the string '1e-8'`);
      throwsMsg(() => new C([p()], { lr: NaN }), `${name}: lr must be a number, got NaN`);
      if (name === "Adadelta") continue;
      throwsMsg(() => new C([p()], { betas: [1, 0.9] }), `${name}: betas[0] must be a number in [0, 1), got 1`);
      throwsMsg(() => new C([p()], { betas: [0.9, -0.5] }), `${name}: betas[1] must be a number in [0, 1), got -0.5`);
      throwsMsg(() => new C([p()], { betas: [0.9] }), `${name}: betas must be an array of 2 numbers, got an array [0.9]`);
      throwsMsg(() => new C([{ params: [p()] }, { params: [p()], betas: [0.9, 1] }]), `${name}: betas[1] must be a number in [0, 1), got 1`);
    }
    throwsMsg(() => new optim.NAdam([p()], { momentumDecay: -4e-3 }), "NAdam: momentumDecay must be a number >= 0, got -0.004");
    throwsMsg(() => new optim.Adadelta([p()], { rho: 1.5 }), "Adadelta: rho must be a number in [0, 1], got 1.5");
    throwsMsg(() => new optim.Adadelta([p()], { rho: -0.1 }), "Adadelta: rho must be a number in [0, 1], got -0.1");
    throwsMsg(() => new optim.Adadelta([{ params: [p()] }, { params: [p()], rho: 2 }]), "Adadelta: rho must be a number in [0, 1], got 2");
    // the edges PyTorch allows
    new optim.Adadelta([p()], { rho: 1, eps: 0, lr: 0 });
    new optim.RAdam([p()], { betas: [0, 0], eps: 0 });
  });
});
