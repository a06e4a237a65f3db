// RMSprop, Adagrad and the added lr schedulers (issue 12) against PyTorch (test/fixtures/breadth_optim.json,
// written by scripts/make_fixtures_breadth.py): parameters and state over 5 steps, resuming from a
// state dict, each scheduler's lrs (and momenta) step by step, and the errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, availableDevices, initDevice, optim } from "../src/node.js";
import { type FT, assertClose, assertNear, ft, onHost } from "./train_helpers.js";

interface OptimCase {
  name: string;
  optimizer: "RMSprop" | "Adagrad";
  opts: Record<string, number | boolean>;
  params0: FT[];
  grads: FT[][];
  params: FT[][];
  state: Record<string, FT>;
}

interface SchedCase {
  name: string;
  scheduler: string;
  optimizer: "SGD" | "Adam";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  steps: { lrs: number[]; momenta: number[]; metric?: number }[];
}

const fixtures = JSON.parse(readFileSync(new URL("../../test/fixtures/breadth_optim.json", import.meta.url), "utf8")) as {
  optim: OptimCase[];
  schedulers: SchedCase[];
};

const TOL: [number, number] = [1e-7, 2e-6];

function makeOptimizer(c: OptimCase, params: Tensor[]): optim.Optimizer {
  return c.optimizer === "RMSprop" ? new optim.RMSprop(params, c.opts) : new optim.Adagrad(params, c.opts);
}

function stepWith(opt: optim.Optimizer, params: Tensor[], grads: Tensor[]): void {
  opt.zeroGrad();
  params.forEach((p, i) => (p.grad = grads[i]));
  opt.step();
}

// webgpu too where it has an adapter, read back asynchronously
await initDevice("webgpu").catch(() => null);

describe("RMSprop and Adagrad against PyTorch (5 steps with given gradients)", () => {
  for (const device of availableDevices()) {
    for (const c of fixtures.optim) {
      it(`${c.name} on ${device}`, async () => {
        const on = (f: FT, g = false) => ft(f, g).to(device);
        const params = c.params0.map((p) => on(p).detach());
        params.forEach((p) => (p.requiresGrad = true));
        const opt = makeOptimizer(c, params);
        for (const [s, gs] of c.grads.entries()) {
          stepWith(opt, params, gs.map((g) => on(g)));
          for (const [i, p] of params.entries()) assertClose(await onHost(p), c.params[s][i], TOL, `${c.name} step ${s + 1} param ${i}`);
        }
        const sd = opt.stateDict();
        for (const [k, v] of Object.entries(c.state)) assertClose(await onHost(sd[`state.${k}`]), v, TOL, `${c.name} state ${k}`);
        assert.deepEqual(Object.keys(sd).filter((k) => k.startsWith("state.")).sort(), Object.keys(c.state).map((k) => `state.${k}`).sort());
      });
    }
  }

  it("resumes from its state dict: 3 steps + load + 2 steps = 5 steps", () => {
    for (const c of fixtures.optim) {
      const params = c.params0.map((p) => ft(p, true));
      const opt = makeOptimizer(c, params);
      for (let s = 0; s < 3; s++) stepWith(opt, params, c.grads[s].map((g) => ft(g)));
      const params2 = params.map((p) => Tensor.from(p.toTypedArray(), { shape: p.shape, requiresGrad: true }));
      const opt2 = makeOptimizer({ ...c, opts: { ...c.opts, lr: 123 } }, params2);
      opt2.loadStateDict(opt.stateDict());
      assert.equal(opt2.lr, opt.lr, `${c.name}: hyperparameters restored`);
      for (let s = 3; s < 5; s++) stepWith(opt2, params2, c.grads[s].map((g) => ft(g)));
      params2.forEach((p, i) => assertClose(p, c.params[4][i], TOL, `${c.name} resumed param ${i}`));
    }
  });

  it("Adagrad has its state from construction, like PyTorch's", () => {
    const p = Tensor.zeros([2], { requiresGrad: true });
    const sd = new optim.Adagrad([p], { initialAccumulatorValue: 0.5 }).stateDict();
    assert.deepEqual(sd["state.0.sum"].toArray(), [0.5, 0.5]);
    assert.equal(sd["state.0.step"].item(), 0);
  });

  it("rejects bad hyperparameters and unknown options", () => {
    const p = Tensor.zeros([2], { requiresGrad: true });
    assert.throws(() => new optim.RMSprop([p], { momentun: 0.9 } as never), /RMSprop: unknown option 'momentun'/);
    assert.throws(() => new optim.RMSprop([p], { alpha: -1 }), /RMSprop: alpha must be a number >= 0, got -1/);
    assert.throws(() => new optim.RMSprop([p], { lr: -1 }), /RMSprop: invalid learning rate -1/);
    assert.throws(() => new optim.Adagrad([p], { lrDecay: -0.1 }), /Adagrad: lrDecay must be a number >= 0, got -0.1/);
    assert.throws(() => new optim.Adagrad([p], { initial_accumulator_value: 1 } as never), /Adagrad: unknown option 'initial_accumulator_value'/);
  });
});

const LAMBDAS: Record<string, (e: number) => number> = {
  power: (e) => 0.9 ** e,
  warmup: (e) => Math.min(1, (e + 1) / 4),
  half: () => 0.5,
};

/* eslint-disable @typescript-eslint/no-explicit-any */
function makeScheduler(kind: string, a: any, opt: optim.Optimizer): optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau {
  const S = optim.lrScheduler;
  switch (kind) {
    case "ExponentialLR": return new S.ExponentialLR(opt, a.gamma);
    case "MultiStepLR": return new S.MultiStepLR(opt, a.milestones, { gamma: a.gamma });
    case "LambdaLR": return new S.LambdaLR(opt, Array.isArray(a.lambda) ? a.lambda.map((n: string) => LAMBDAS[n]) : LAMBDAS[a.lambda]);
    case "CosineAnnealingWarmRestarts": return new S.CosineAnnealingWarmRestarts(opt, a.t0, { tMult: a.tMult, etaMin: a.etaMin });
    case "OneCycleLR": {
      const { maxLr, ...rest } = a;
      return new S.OneCycleLR(opt, maxLr, rest);
    }
    case "ReduceLROnPlateau": return new S.ReduceLROnPlateau(opt, a);
    case "SequentialLR":
      return new S.SequentialLR(opt, a.schedulers.map(([k, args]: [string, any]) => makeScheduler(k, args, opt)), a.milestones);
    case "LinearLR": return new S.LinearLR(opt, a);
    case "StepLR": return new S.StepLR(opt, a.stepSize, { gamma: a.gamma });
    case "CosineAnnealingLR": return new S.CosineAnnealingLR(opt, a.tMax);
    default: throw new Error(`optim2.test: unknown scheduler ${kind}`);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function makeOpt(kind: "SGD" | "Adam"): optim.Optimizer {
  const groups = [{ params: [Tensor.zeros([2], { requiresGrad: true })] }, { params: [Tensor.zeros([2], { requiresGrad: true })], lr: 0.01 }];
  return kind === "SGD" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1, betas: [0.9, 0.99] });
}

function momenta(opt: optim.Optimizer): number[] {
  return opt.paramGroups.map((g) => {
    const r = g as unknown as { momentum?: number; betas?: number[] };
    return r.momentum ?? r.betas![0];
  });
}

describe("lr schedulers against PyTorch", () => {
  for (const c of fixtures.schedulers) {
    it(c.name, () => {
      const opt = makeOpt(c.optimizer);
      const sched = makeScheduler(c.scheduler, c.args, opt);
      c.steps.forEach((want, i) => {
        if (i > 0) {
          opt.step();
          if (sched instanceof optim.lrScheduler.ReduceLROnPlateau) sched.step(want.metric!);
          else sched.step();
        }
        const lrs = opt.paramGroups.map((g) => g.lr);
        lrs.forEach((lr, g) => assertNear(lr, want.lrs[g], [1e-15, 1e-12], `${c.name} step ${i} group ${g} lr`));
        momenta(opt).forEach((m, g) => assertNear(m, want.momenta[g], [1e-15, 1e-12], `${c.name} step ${i} group ${g} momentum`));
        assert.deepEqual(sched.getLastLr(), lrs, `${c.name} step ${i}: getLastLr`);
      });
    });
  }

  it("state dicts resume a schedule (through JSON)", () => {
    const S = optim.lrScheduler;
    const builds: [string, (o: optim.Optimizer) => optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau][] = [
      ["CosineAnnealingWarmRestarts", (o) => new S.CosineAnnealingWarmRestarts(o, 2, { tMult: 2 })],
      ["OneCycleLR", (o) => new S.OneCycleLR(o, 1, { totalSteps: 12 })],
      ["SequentialLR", (o) => new S.SequentialLR(o, [new S.LinearLR(o), new S.ExponentialLR(o, 0.5)], [3])],
      ["LambdaLR", (o) => new S.LambdaLR(o, (e) => 1 / (e + 1))],
      ["ReduceLROnPlateau", (o) => new S.ReduceLROnPlateau(o, { patience: 1 })],
    ];
    for (const [name, build] of builds) {
      const o1 = makeOpt("SGD"), s1 = build(o1);
      const tick = (o: optim.Optimizer, s: typeof s1, i: number) => {
        o.step();
        if (s instanceof S.ReduceLROnPlateau) s.step(1 + (i % 3 === 0 ? 0 : 1));
        else s.step();
      };
      for (let i = 0; i < 4; i++) tick(o1, s1, i);
      const o2 = makeOpt("SGD"), s2 = build(o2);
      o2.loadStateDict(o1.stateDict());
      s2.loadStateDict(JSON.parse(JSON.stringify(s1.stateDict())));
      for (let i = 4; i < 7; i++) {
        tick(o1, s1, i);
        tick(o2, s2, i);
        assert.deepEqual(s2.getLastLr(), s1.getLastLr(), `${name} after step ${i + 1}`);
        assert.deepEqual(momenta(o2), momenta(o1), `${name} momenta after step ${i + 1}`);
      }
    }
  });

  it("validates its arguments", () => {
    const S = optim.lrScheduler;
    const opt = makeOpt("SGD");
    assert.throws(() => new S.MultiStepLR(opt, [2, -1]), /MultiStepLR: milestones must be an integer >= 0, got -1/);
    assert.throws(() => new S.MultiStepLR(opt, [2], { gama: 0.1 } as never), /MultiStepLR: unknown option 'gama'/);
    assert.throws(() => new S.LambdaLR(opt, [(e) => e]), /LambdaLR: expected 2 lrLambda functions \(one per parameter group\), got 1/);
    assert.throws(() => new S.CosineAnnealingWarmRestarts(opt, 0), /CosineAnnealingWarmRestarts: t0 must be an integer >= 1, got 0/);
    assert.throws(() => new S.CosineAnnealingWarmRestarts(opt, 2, { tMult: 1.5 }), /CosineAnnealingWarmRestarts: tMult must be an integer >= 1, got 1.5/);
    assert.throws(() => new S.OneCycleLR(opt, 1), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
    assert.throws(() => new S.OneCycleLR(opt, [1, 2, 3], { totalSteps: 5 }), /OneCycleLR: expected 2 values of maxLr \(one per parameter group\), got 3/);
    assert.throws(() => new S.OneCycleLR(new optim.Adagrad([Tensor.zeros([1], { requiresGrad: true })]), 1, { totalSteps: 5 }),
      /OneCycleLR: the optimizer has neither momentum nor betas; pass cycleMomentum: false/);
    const oc = new S.OneCycleLR(makeOpt("SGD"), 1, { totalSteps: 2 });
    oc.step();
    oc.step();
    assert.throws(() => oc.step(), /OneCycleLR: tried to step 3 times; the cycle has totalSteps = 2/);
    assert.throws(() => new S.ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor must be a number < 1, got 1/);
    assert.throws(() => new S.ReduceLROnPlateau(opt, { verbose: true } as never), /ReduceLROnPlateau: unknown option 'verbose'/);
    assert.throws(() => new S.SequentialLR(opt, [new S.ExponentialLR(opt, 0.5)], [1]), /SequentialLR: expects 0 milestones for 1 schedulers/);
    assert.throws(() => new S.SequentialLR(opt, [new S.ExponentialLR(makeOpt("SGD"), 0.5)], []), /SequentialLR: schedulers\[0\] belongs to another optimizer/);
  });
});
