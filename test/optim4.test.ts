// ConstantLR, MultiplicativeLR, PolynomialLR, CyclicLR, ChainedScheduler and LBFGS against PyTorch
// (test/fixtures/optim3_more.json, written by scripts/make_fixtures_optim3.py): the schedulers' lrs and
// momenta step by step over three groups, their state dicts; LBFGS's trajectories (with and without the
// strong-Wolfe line search) on every device, webgpu through stepAsync; its state dict; every refusal.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, availableDevices, optim } from "../src/node.js";
import { assertTensorCloseAsync, close } from "./helpers.js";
import { startWebgpu } from "./breadth_helpers.js";

const S = optim.lrScheduler;
type Sched = optim.lrScheduler.LRScheduler;
interface FT { shape: number[]; data: number[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
interface SchedCase { name: string; scheduler: string; optimizer: "SGD" | "Adam"; args: Record<string, any>; steps: { lrs: number[]; momenta: number[] }[] }
interface LBFGSCase {
  name: string; problem: "rosenbrock" | "lstsq"; dtype: "float32" | "float64"; opts: optim.LBFGSOptions;
  data: Record<string, FT>; params0: FT[]; steps: { loss: number; params: FT[]; funcEvals: number; nIter: number }[];
}
const fixtures = JSON.parse(readFileSync(new URL("../../test/fixtures/optim3_more.json", import.meta.url), "utf8")) as {
  schedulers: SchedCase[];
  lbfgs: LBFGSCase[];
};

// the functions the fixture script names
const LAMBDAS: Record<string, (x: number) => number> = {
  p95: () => 0.95,
  slow: (e) => 1 / (1 + 0.1 * e),
  halfsin: (x) => 0.5 * (1 + Math.sin((x * Math.PI) / 2)),
  decay: (x) => 1 / (1 + 0.05 * x),
};

function makeScheduler(kind: string, a: Record<string, any>, opt: optim.Optimizer): Sched {
  const lambda = (v: string | string[]) => (Array.isArray(v) ? v.map((n) => LAMBDAS[n]) : LAMBDAS[v]);
  switch (kind) {
    case "ConstantLR": return new S.ConstantLR(opt, a);
    case "MultiplicativeLR": return new S.MultiplicativeLR(opt, lambda(a.lambda));
    case "PolynomialLR": return new S.PolynomialLR(opt, a);
    case "ExponentialLR": return new S.ExponentialLR(opt, a.gamma);
    case "CyclicLR": {
      const { baseLr, maxLr, scaleFn, ...rest } = a;
      return new S.CyclicLR(opt, baseLr, maxLr, scaleFn ? { ...rest, scaleFn: LAMBDAS[scaleFn] } : rest);
    }
    case "ChainedScheduler": return new S.ChainedScheduler(a.schedulers.map(([k, args]: [string, any]) => makeScheduler(k, args, opt)));
    default: throw new Error(`optim4.test: unknown scheduler ${kind}`);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The fixture script's optimizer: three groups with lrs 0.1, 0.01, 0.05. */
function makeOpt(kind: "SGD" | "Adam"): optim.Optimizer {
  const p = () => Tensor.zeros([2], { requiresGrad: true });
  const groups = [{ params: [p()] }, { params: [p()], lr: 0.01 }, { params: [p()], lr: 0.05 }];
  return kind === "SGD" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1, betas: [0.9, 0.99] });
}

const momenta = (opt: optim.Optimizer) => opt.paramGroups.map((g) => {
  const r = g as unknown as { momentum?: number; betas?: number[] };
  return r.momentum ?? r.betas![0];
});

function near(got: number, want: number, what: string): void {
  assert.ok(close(got, want, 1e-15, 1e-12), `${what}: got ${got}, expected ${want}`);
}

describe("lr schedulers against PyTorch (three parameter groups)", () => {
  for (const c of fixtures.schedulers) {
    it(c.name, () => {
      const opt = makeOpt(c.optimizer);
      const sched = makeScheduler(c.scheduler, c.args, opt);
      c.steps.forEach((want, i) => {
        if (i > 0) {
          opt.step();
          sched.step();
        }
        const lrs = opt.paramGroups.map((g) => g.lr);
        lrs.forEach((lr, g) => near(lr, want.lrs[g], `step ${i} group ${g} lr`));
        momenta(opt).forEach((m, g) => near(m, want.momenta[g], `step ${i} group ${g} momentum`));
        assert.deepEqual(sched.getLastLr(), lrs, `step ${i}: getLastLr`);
      });
    });
  }

  it("CyclicLR cycles Adam's beta1 as SGD's momentum (PyTorch 2's extension; beta2 untouched)", () => {
    const c = fixtures.schedulers.find((x) => x.name === "CyclicLR/triangular2-per-group-momenta")!;
    const opt = makeOpt("Adam");
    const sched = makeScheduler(c.scheduler, c.args, opt);
    c.steps.forEach((want, i) => {
      if (i > 0) sched.step();
      opt.paramGroups.forEach((g, j) => {
        near(g.lr, want.lrs[j], `step ${i} group ${j} lr`);
        near((g as unknown as { betas: number[] }).betas[0], want.momenta[j], `step ${i} group ${j} beta1`);
        assert.equal((g as unknown as { betas: number[] }).betas[1], 0.99);
      });
    });
  });

  it("step(epoch) jumps with the closed form (ConstantLR, PolynomialLR)", () => {
    const opt = makeOpt("SGD");
    const c = new S.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
    c.step(2);
    assert.deepEqual(c.getLastLr(), [0.05, 0.005, 0.025]);
    c.step(4);
    assert.deepEqual(c.getLastLr(), [0.1, 0.01, 0.05]);
    const opt2 = makeOpt("SGD");
    const p = new S.PolynomialLR(opt2, { totalIters: 4, power: 2 });
    p.step(3);
    p.getLastLr().forEach((lr, i) => near(lr, [0.1, 0.01, 0.05][i] * 0.25 ** 2, `group ${i}`));
    p.step(9);
    assert.deepEqual(p.getLastLr(), [0, 0, 0]);
  });

  it("state dicts resume a schedule (through JSON), leaving out the functions", () => {
    const builds: [string, (o: optim.Optimizer) => Sched][] = [
      ["ConstantLR", (o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 6 })],
      ["MultiplicativeLR", (o) => new S.MultiplicativeLR(o, LAMBDAS.slow)],
      ["PolynomialLR", (o) => new S.PolynomialLR(o, { totalIters: 9, power: 1.5 })],
      ["CyclicLR", (o) => new S.CyclicLR(o, 0.01, [0.1, 0.2, 0.3], { stepSizeUp: 3, mode: "triangular2" })],
      ["CyclicLR/scaleFn", (o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 2, scaleFn: LAMBDAS.decay, scaleMode: "iterations" })],
      ["ChainedScheduler", (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.2, totalIters: 5 }), new S.ExponentialLR(o, 0.9)])],
    ];
    for (const [name, build] of builds) {
      const o1 = makeOpt("SGD"), s1 = build(o1);
      for (let i = 0; i < 4; i++) s1.step();
      const sd = s1.stateDict();
      assert.ok(!("lrLambdas" in sd) && !("scaleFn" in sd), `${name}: no functions in the state dict`);
      const o2 = makeOpt("SGD"), s2 = build(o2);
      o2.loadStateDict(o1.stateDict());
      s2.loadStateDict(JSON.parse(JSON.stringify(sd)));
      assert.deepEqual(s2.getLastLr(), s1.getLastLr(), `${name}: getLastLr restored`);
      for (let i = 4; i < 12; i++) {
        s1.step();
        s2.step();
        assert.deepEqual(s2.getLastLr(), s1.getLastLr(), `${name} after step ${i + 1}`);
        assert.deepEqual(momenta(o2), momenta(o1), `${name} momenta after step ${i + 1}`);
      }
    }
  });
});

// ---------------------------------------------------------------- LBFGS

const webgpuSkip = await startWebgpu();
const devices = availableDevices();

const tensorOf = (f: FT, dtype: string, device: string, requiresGrad = false) =>
  Tensor.from(dtype === "float64" ? Float64Array.from(f.data) : Float32Array.from(f.data), { shape: f.shape, dtype: dtype as "float32", device, requiresGrad });

/** The case's parameters on `device` and its closure's loss function. */
function problem(c: LBFGSCase, device: string): { params: Tensor[]; loss: () => Tensor } {
  const params = c.params0.map((f) => tensorOf(f, c.dtype, device, true));
  if (c.problem === "rosenbrock") {
    return {
      params,
      loss: () => {
        const x = Tensor.cat(params.map((p) => p.reshape([p.numel])));
        const a = x.narrow(0, 0, x.numel - 1), b = x.narrow(0, 1, x.numel - 1);
        return b.sub(a.square()).square().mul(100).add(a.neg().add(1).square()).sum();
      },
    };
  }
  const x = tensorOf(c.data.x, c.dtype, device), y = tensorOf(c.data.y, c.dtype, device);
  return { params, loss: () => x.matmul(params[0].t()).add(params[1]).sub(y).square().mean() };
}

const TOL: Record<string, [number, number]> = { float64: [1e-9, 1e-6], float32: [2e-4, 1e-4] };

/** The tolerance of a case on a device. Rosenbrock amplifies rounding: its second fixed-step step already
 *  shows the order of a dot product's sum (1e-7), and webgpu, which sums in another order in float32,
 *  moves its first line search by 1e-3 (the iteration and evaluation counts stay PyTorch's). */
function tolOf(c: LBFGSCase, device: string): [number, number] {
  if (c.name === "rosenbrock/f64") return [1e-6, 1e-5];
  return device === "webgpu" && c.problem === "rosenbrock" ? [3e-3, 3e-3] : TOL[c.dtype];
}

function closureOf(opt: optim.LBFGS, loss: () => Tensor): () => Tensor {
  return () => {
    opt.zeroGrad();
    const l = loss();
    l.backward();
    return l;
  };
}

async function checkStep(c: LBFGSCase, s: number, opt: optim.LBFGS, params: Tensor[], loss: number, device = "js"): Promise<void> {
  const want = c.steps[s], tol = tolOf(c, device);
  assert.ok(close(loss, want.loss, tol[0], tol[1]), `step ${s + 1}: loss ${loss}, expected ${want.loss}`);
  const st = opt.state.get(params[0])!;
  assert.deepEqual([st.funcEvals, st.nIter], [want.funcEvals, want.nIter], `step ${s + 1}: closure evaluations and iterations`);
  for (const [i, p] of params.entries()) await assertTensorCloseAsync(p, want.params[i], tol, `step ${s + 1} param ${i}`);
}

describe("LBFGS against PyTorch (Rosenbrock and a least-squares model)", () => {
  it("runs on every device this machine has", () => {
    if (process.env.DLGRAD_REQUIRE_CPU === "1") assert.ok(devices.includes("cpu"), "cpu addon required");
    if (!webgpuSkip) assert.ok(devices.includes("webgpu"));
  });

  for (const device of devices) {
    for (const c of fixtures.lbfgs) {
      if (device === "webgpu" && c.dtype === "float64") continue; // webgpu has no float64
      const sync = device !== "webgpu";
      it(`${c.name} on ${device}${sync ? "" : " (stepAsync)"}`, async () => {
        const { params, loss } = problem(c, device);
        const opt = new optim.LBFGS(params, c.opts);
        const closure = closureOf(opt, loss);
        for (let s = 0; s < c.steps.length; s++) await checkStep(c, s, opt, params, sync ? opt.step(closure) : await opt.stepAsync(closure), device);
      });
    }
  }

  it("stepAsync (with an async closure) gives step's trajectory exactly", async () => {
    const c = fixtures.lbfgs.find((x) => x.name === "lstsq/strong_wolfe/f64")!;
    const a = problem(c, "js"), b = problem(c, "js");
    const oa = new optim.LBFGS(a.params, c.opts), ob = new optim.LBFGS(b.params, c.opts);
    const cb = closureOf(ob, b.loss);
    for (let s = 0; s < c.steps.length; s++) {
      const la = oa.step(closureOf(oa, a.loss));
      const lb = await ob.stepAsync(async () => cb());
      assert.equal(lb, la);
      b.params.forEach((p, i) => assert.deepEqual(p.toArray(), a.params[i].toArray()));
    }
    await checkStep(c, c.steps.length - 1, ob, b.params, c.steps[c.steps.length - 1].loss);
  });

  it("stops at once where the gradient is already below toleranceGrad, returning the loss", () => {
    const p = Tensor.from(new Float64Array([1, 1]), { shape: [2], dtype: "float64", requiresGrad: true });
    const opt = new optim.LBFGS([p]);
    let calls = 0;
    const loss = opt.step(() => {
      calls++;
      opt.zeroGrad();
      const l = p.sub(1).square().sum().add(3);
      l.backward();
      return l;
    });
    assert.deepEqual([loss, calls, opt.state.get(p)!.nIter], [3, 1, 0]);
  });

  it("a state dict resumes the run: 1 step + load into a fresh LBFGS + the rest = PyTorch's steps", () => {
    for (const name of ["lstsq/f64", "rosenbrock/strong_wolfe/f64"]) {
      const c = fixtures.lbfgs.find((x) => x.name === name)!;
      const a = problem(c, "js");
      const oa = new optim.LBFGS(a.params, c.opts);
      oa.step(closureOf(oa, a.loss));
      const sd = oa.stateDict();
      assert.deepEqual(Object.keys(sd).filter((k) => k.startsWith("state.")).sort(),
        ["d", "funcEvals", "hDiag", "nIter", "oldDirs", "oldStps", "prevFlatGrad", "prevLoss", "ro", "t"].map((k) => `state.0.${k}`));
      const b = problem(c, "js");
      b.params.forEach((p, i) => p.assign(a.params[i].detach()));
      const ob = new optim.LBFGS(b.params, { ...c.opts, lr: 123 });
      ob.loadStateDict(sd);
      assert.equal(ob.lr, oa.lr, `${name}: hyperparameters restored`);
      for (let s = 1; s < c.steps.length; s++) {
        ob.step(closureOf(ob, b.loss));
        const want = c.steps[s];
        assert.deepEqual([ob.state.get(b.params[0])!.funcEvals, ob.state.get(b.params[0])!.nIter], [want.funcEvals, want.nIter]);
        b.params.forEach((p, i) => (p.toTypedArray() as Float64Array).forEach((v, j) =>
          assert.ok(close(v, want.params[i].data[j], 1e-9, 1e-6), `${name} resumed step ${s + 1} param ${i}[${j}]: ${v} vs ${want.params[i].data[j]}`)));
      }
      // and the round trip writes the same keys and values
      const sd2 = ob.stateDict(), sd3 = new optim.LBFGS(problem(c, "js").params, c.opts);
      sd3.loadStateDict(sd2);
      const sd4 = sd3.stateDict();
      assert.deepEqual(Object.keys(sd4).sort(), Object.keys(sd2).sort());
      for (const k of Object.keys(sd2)) assert.deepEqual(sd4[k].toArray(), sd2[k].toArray(), k);
    }
  });
});

describe("refusals name the class, the argument and what was expected", () => {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const throwsMsg = (f: () => unknown, msg: string) => assert.throws(f, new RegExp(`^Error: ${esc(msg)}$`));
  const p = () => Tensor.zeros([2], { requiresGrad: true });

  it("ConstantLR, MultiplicativeLR, PolynomialLR", () => {
    const opt = makeOpt("SGD");
    throwsMsg(() => new S.ConstantLR(opt, { factor: 1.5 }), "ConstantLR: factor must be a number in [0, 1], got 1.5");
    throwsMsg(() => new S.ConstantLR(opt, { totalIters: 2.5 }), "ConstantLR: totalIters must be an integer >= 0, got 2.5");
    throwsMsg(() => new S.ConstantLR(opt, { total_iters: 3 } as never), "ConstantLR: unknown option 'total_iters' (expected 'factor', 'totalIters', 'lastEpoch')");
    throwsMsg(() => new S.MultiplicativeLR(opt, [() => 1]), "MultiplicativeLR: expected 3 lrLambda functions (one per parameter group), got 1");
    throwsMsg(() => new S.MultiplicativeLR(opt, [() => 1, 0.5, () => 1] as never), "MultiplicativeLR: lrLambda[1] must be a function, got 0.5");
    throwsMsg(() => new S.MultiplicativeLR(opt, 0.95 as never), "MultiplicativeLR: lrLambda must be a function, got 0.95");
    throwsMsg(() => new S.PolynomialLR(opt, { totalIters: 0 }), "PolynomialLR: totalIters must be an integer >= 1, got 0");
    throwsMsg(() => new S.PolynomialLR(opt, { power: "2" } as never), "PolynomialLR: power must be a number, got the string '2'");
    throwsMsg(() => new S.PolynomialLR(opt, { gamma: 2 } as never), "PolynomialLR: unknown option 'gamma' (expected 'totalIters', 'power', 'lastEpoch')");
  });

  it("CyclicLR", () => {
    const opt = makeOpt("SGD");
    throwsMsg(() => new S.CyclicLR(null as never, 0.1, 1), "CyclicLR: expected an optimizer, got null");
    throwsMsg(() => new S.CyclicLR(opt, [0.1, 0.2], 1), "CyclicLR: expected 3 values of baseLr (one per parameter group), got 2");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, [1, 2, 3, 4]), "CyclicLR: expected 3 values of maxLr (one per parameter group), got 4");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { stepSizeUp: 0 }), "CyclicLR: stepSizeUp must be a positive number, got 0");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { stepSizeDown: -2 }), "CyclicLR: stepSizeDown must be a positive number, got -2");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { mode: "cosine" } as never), "CyclicLR: mode must be 'triangular' or 'triangular2' or 'exp_range', got the string 'cosine'");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { scaleFn: 2 } as never), "CyclicLR: scaleFn must be a function, got 2");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { scaleFn: () => 1, scaleMode: "epoch" } as never), "CyclicLR: scaleMode must be 'cycle' or 'iterations', got the string 'epoch'");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { baseMomentum: [0.8] }), "CyclicLR: expected 3 values of baseMomentum (one per parameter group), got 1");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { cycleMomentum: 1 } as never), "CyclicLR: cycleMomentum must be true or false, got 1");
    throwsMsg(() => new S.CyclicLR(opt, 0.1, 1, { step_size_up: 4 } as never),
      "CyclicLR: unknown option 'step_size_up' (expected 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'lastEpoch')");
    throwsMsg(() => new S.CyclicLR(new optim.Adagrad([p()]), 0.1, 1), "CyclicLR: the optimizer has neither momentum nor betas; pass cycleMomentum: false");
    new S.CyclicLR(new optim.Adagrad([p()]), 0.1, 1, { cycleMomentum: false });
  });

  it("ChainedScheduler", () => {
    const opt = makeOpt("SGD");
    throwsMsg(() => new S.ChainedScheduler([]), "ChainedScheduler: expects a non-empty array of schedulers, got an array []");
    throwsMsg(() => new S.ChainedScheduler([new S.ExponentialLR(opt, 0.5), {} as never]), "ChainedScheduler: schedulers[1] is not an lr scheduler (got Object)");
    throwsMsg(() => new S.ChainedScheduler([new S.ExponentialLR(opt, 0.5), new S.ExponentialLR(makeOpt("SGD"), 0.5)]),
      "ChainedScheduler: schedulers[1] belongs to another optimizer than schedulers[0]");
  });

  it("LBFGS's options, groups and parameters", () => {
    assert.deepEqual((({ params: _, ...h }) => h)(new optim.LBFGS([p()]).paramGroups[0]),
      { lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null });
    assert.equal(new optim.LBFGS([p()], { maxIter: 7 }).paramGroups[0].maxEval, 8);
    throwsMsg(() => new optim.LBFGS([p()], { line_search_fn: "strong_wolfe" } as never),
      "LBFGS: unknown option 'line_search_fn' (expected 'lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn')");
    throwsMsg(() => new optim.LBFGS([p()], { lineSearchFn: "backtracking" } as never), "LBFGS: lineSearchFn must be null or 'strong_wolfe', got the string 'backtracking'");
    throwsMsg(() => new optim.LBFGS([p()], { lr: -1 }), "LBFGS: lr must be a number >= 0, got -1");
    throwsMsg(() => new optim.LBFGS([p()], { maxIter: 0 }), "LBFGS: maxIter must be an integer >= 1, got 0");
    throwsMsg(() => new optim.LBFGS([p()], { maxEval: 2.5 }), "LBFGS: maxEval must be an integer >= 1, got 2.5");
    throwsMsg(() => new optim.LBFGS([p()], { historySize: 0 }), "LBFGS: historySize must be an integer >= 1, got 0");
    throwsMsg(() => new optim.LBFGS([p()], { toleranceGrad: -1e-7 }), "LBFGS: toleranceGrad must be a number >= 0, got -1e-7");
    throwsMsg(() => new optim.LBFGS([p()], { toleranceChange: NaN }), "LBFGS: toleranceChange must be a number >= 0, got NaN");
    throwsMsg(() => new optim.LBFGS([{ params: [p()] }, { params: [p()] }]),
      "LBFGS: supports one parameter group only (PyTorch's LBFGS has no per-parameter options); pass one list of parameters");
    throwsMsg(() => new optim.LBFGS([Tensor.zeros([2], { device: "js", requiresGrad: true }), Tensor.zeros([2], { dtype: "float64", device: "js", requiresGrad: true })]),
      "LBFGS: all parameters must be on one device with one dtype; params[1] is float64 on 'js', params[0] float32 on 'js'");
    new optim.LBFGS([{ params: [p()], lr: 0.5 }]);
  });

  it("LBFGS.step's closure, and webgpu's synchronous step", async () => {
    const x = p();
    const opt = new optim.LBFGS([x]);
    throwsMsg(() => opt.step(), "LBFGS.step: expects a closure that re-evaluates the model and returns the loss, got undefined");
    throwsMsg(() => opt.step("loss" as never), "LBFGS.step: expects a closure that re-evaluates the model and returns the loss, got the string 'loss'");
    throwsMsg(() => opt.step(() => x.add(1)), "LBFGS.step: the closure must return the loss as a one-element Tensor or a number, got a Tensor of shape [2]");
    throwsMsg(() => opt.step(() => "1" as never), "LBFGS.step: the closure must return the loss as a one-element Tensor or a number, got the string '1'");
    await assert.rejects(opt.stepAsync(() => null as never), /^Error: LBFGS\.stepAsync: the closure must return the loss as a one-element Tensor or a number, got null$/);
    await assert.rejects(async () => opt.stepAsync(undefined as never), /^Error: LBFGS\.stepAsync: expects a closure that re-evaluates the model and returns the loss, got undefined$/);
    if (devices.includes("webgpu")) {
      const g = Tensor.zeros([2], { device: "webgpu", requiresGrad: true });
      const og = new optim.LBFGS([g]);
      throwsMsg(() => og.step(() => g.sum()), "LBFGS.step: the parameters are on 'webgpu', whose values cannot be read synchronously; use `await opt.stepAsync(closure)`");
    }
  });

  it("LBFGS.loadStateDict (changing nothing when it refuses)", () => {
    const x = Tensor.from(new Float32Array([1, 2]), { shape: [2], requiresGrad: true });
    const opt = new optim.LBFGS([x], { maxIter: 3 });
    opt.step(() => {
      opt.zeroGrad();
      const l = x.square().sum();
      l.backward();
      return l;
    });
    const sd = opt.stateDict(), before = opt.state.get(x);
    const bad = (key: string, t: unknown) => ({ ...sd, [key]: t as Tensor });
    throwsMsg(() => opt.loadStateDict(bad("state.0.momentumBuffer", Tensor.ones([2]))),
      "LBFGS.loadStateDict: unexpected key \"state.0.momentumBuffer\" (expected state.0.<funcEvals|nIter|t|hDiag|prevLoss|d|prevFlatGrad|oldDirs|oldStps|ro> or paramGroups.0.<name>)");
    throwsMsg(() => opt.loadStateDict(bad("state.0.d", Tensor.ones([3]))), "LBFGS.loadStateDict: state.0.d has shape [3]; the parameters have 2 elements in all, so it must be [2]");
    throwsMsg(() => opt.loadStateDict(bad("state.0.oldDirs", Tensor.ones([2]))), "LBFGS.loadStateDict: state.0.oldDirs has shape [2]; it must be [k, 2] (k past steps of the 2 elements)");
    throwsMsg(() => opt.loadStateDict(bad("state.0.oldDirs", Tensor.ones([5, 2]))),
      "LBFGS.loadStateDict: oldDirs, oldStps and ro must have one entry per past step each; got 5, 1 and 1");
    throwsMsg(() => opt.loadStateDict(bad("state.0.t", Tensor.ones([2]))), "LBFGS.loadStateDict: state.0.t must hold one number, got shape [2]");
    throwsMsg(() => opt.loadStateDict(bad("state.0.t", 1)), "LBFGS.loadStateDict: state.0.t is not a Tensor");
    throwsMsg(() => opt.loadStateDict(bad("paramGroups.1.lr", Tensor.ones([]))), "LBFGS.loadStateDict: paramGroups.1.lr: group 1 does not exist (this optimizer has 1)");
    if (devices.includes("webgpu")) {
      throwsMsg(() => opt.loadStateDict(bad("state.0.t", Tensor.ones([], { device: "webgpu" }))),
        "LBFGS.loadStateDict: state.0.t is on 'webgpu' and cannot be read synchronously; load the state dict on a host device");
    }
    assert.equal(opt.state.get(x), before, "a refused load changes nothing");
  });
});
