// Learning-rate schedulers with PyTorch 1.13's (chainable) update formulas: StepLR, MultiStepLR,
// ExponentialLR, LambdaLR, MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR, CosineAnnealingLR,
// CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, SequentialLR, ChainedScheduler, and
// ReduceLROnPlateau (driven by a metric).
import { Tensor } from "../tensor.js";
import { type Args, checkArity, checkBool, checkEnum, checkInt, checkScalar, describe, given } from "../functional/args.js";
import { type Optimizer, optimizerArgs } from "./optimizer.js";

/**
 * PyTorch's last_epoch: only -1 (a fresh schedule) is supported; a schedule is resumed with
 * `loadStateDict`, not by constructing it at a later epoch.
 */
function freshSchedule(op: string, lastEpoch: unknown): void {
  if (lastEpoch !== undefined && lastEpoch !== -1) {
    throw new Error(`${op}: lastEpoch must be -1 (resuming at another epoch is not supported; restore the schedule with loadStateDict), got ${describe(lastEpoch)}`);
  }
}

/** A scheduler's state: plain numbers, JSON-serialisable. */
export interface SchedulerState {
  /** the epoch last stepped to */
  lastEpoch: number;
  /** each group's learning rate when the schedule started */
  baseLrs: number[];
  /** the learning rates the last step set */
  lastLr: number[];
  [key: string]: unknown;
}

/**
 * Base class. Construction records each group's `initialLr` and applies the schedule's value for
 * epoch 0; each `step()` (call it after `optimizer.step()`) advances one epoch and writes the new
 * learning rates into the optimizer's groups.
 * torch.optim.lr_scheduler.LRScheduler. Extend it (override getLr) for a new schedule.
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, 10);
 * for (let epoch = 0; epoch < 30; epoch++) { train(); opt.step(); sched.step(); }
 */
export abstract class LRScheduler {
  /** the optimizer whose groups' learning rates this scheduler sets */
  readonly optimizer: Optimizer;
  /** Each group's learning rate when the schedule started. */
  readonly baseLrs: number[];
  /** The epoch last stepped to (0 right after construction). */
  lastEpoch = -1;
  #lastLr: number[] = [];

  constructor(optimizer: Optimizer) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) {
      throw new Error(`${this.constructor.name}: expected an optimizer, got ${optimizer === null ? "null" : typeof optimizer}`);
    }
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** Subclasses call this at the end of their constructor (PyTorch's `_initial_step`). */
  protected initialStep(): void {
    this.step();
  }

  /** The learning rates for `lastEpoch`, from the groups' current ones. */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` from the base ones alone (PyTorch's _get_closed_form_lr),
   *  where the schedule has such a form: used by `step(epoch)`. */
  protected closedFormLr?(): number[];

  /**
   * Advances one epoch and updates the optimizer's learning rates. `step(epoch)` jumps to that
   * epoch instead (PyTorch's deprecated form, which SequentialLR uses to restart a schedule):
   * the closed form where there is one, else the chainable rule.
   * @example
   * sched.step();
   */
  step(epoch?: number): void {
    if (epoch === undefined) {
      this.lastEpoch += 1;
    } else {
      this.lastEpoch = checkScalar(`${this.constructor.name}.step`, "epoch", epoch, (v) => v >= 0, "a non-negative number");
    }
    const lrs = epoch !== undefined && this.closedFormLr ? this.closedFormLr() : this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.#lastLr = lrs;
  }

  /** For schedulers whose step() is their own (SequentialLR, CosineAnnealingWarmRestarts). */
  protected setLastLr(lrs: number[]): void {
    this.#lastLr = [...lrs];
  }

  /**
   * The learning rates the last `step()` set, one per group.
   * @example
   * console.log(sched.getLastLr()); // e.g. [0.01]
   */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The scheduler's numbers, to resume with `loadStateDict`.
   * @example
   * const s = JSON.stringify(sched.stateDict());
   */
  stateDict(): SchedulerState {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== "optimizer") out[k] = Array.isArray(v) ? [...v] : v;
    return { ...out, lastLr: this.getLastLr() } as SchedulerState;
  }

  /**
   * Restores what `stateDict` returned (the optimizer's learning rates come from its own state dict).
   * @example
   * sched.loadStateDict(JSON.parse(s));
   */
  loadStateDict(state: SchedulerState): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === "lastLr") this.#lastLr = [...(v as number[])];
      else if (k === "baseLrs") this.baseLrs.splice(0, this.baseLrs.length, ...(v as number[]));
      else if (k in self && k !== "optimizer") self[k] = v;
    }
  }
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs: lr = base·γ^⌊epoch/stepSize⌋.
 * torch.optim.lr_scheduler.StepLR(optimizer, stepSize, gamma=0.1, lastEpoch=-1): gamma and lastEpoch
 * positional or in an options object; lastEpoch must be -1.
 * @throws Error unless stepSize is a positive integer; for a non-number gamma, an unknown option or a lastEpoch other than -1.
 * @example
 * const sched = new optim.lrScheduler.StepLR(opt, 30, 0.1); // or (opt, 30, { gamma: 0.1 })
 */
export class StepLR extends LRScheduler {
  /** epochs between decays */
  readonly stepSize: number;
  /** decay factor γ (default 0.1) */
  readonly gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, ...args: Args<[gamma: number, lastEpoch: number], { gamma?: number; lastEpoch?: number }>) {
    const a = optimizerArgs("StepLR", args, ["gamma", "lastEpoch"], undefined, "stepSize");
    freshSchedule("StepLR", a.lastEpoch);
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = checkScalar("StepLR", "gamma", given(a.gamma, 0.1));
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Cosine annealing from the base lr down to `etaMin` over `tMax` epochs, then back up (SGDR
 * without restarts): lr = ηmin + (base − ηmin)(1 + cos(π·epoch/tMax))/2, computed recursively as PyTorch does.
 * torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, tMax, etaMin=0, lastEpoch=-1): etaMin and
 * lastEpoch positional or in an options object; lastEpoch must be -1.
 * @throws Error unless tMax is positive; for a non-number etaMin, an unknown option or a lastEpoch other than -1.
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, 100, 1e-5); // or (opt, 100, { etaMin: 1e-5 })
 */
export class CosineAnnealingLR extends LRScheduler {
  /** epochs of one half cosine period */
  readonly tMax: number;
  /** the minimum learning rate (default 0) */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, ...args: Args<[etaMin: number, lastEpoch: number], { etaMin?: number; lastEpoch?: number }>) {
    const a = optimizerArgs("CosineAnnealingLR", args, ["etaMin", "lastEpoch"], undefined, "tMax");
    freshSchedule("CosineAnnealingLR", a.lastEpoch);
    super(optimizer);
    if (!(typeof tMax === "number" && tMax > 0)) throw new Error(`CosineAnnealingLR: tMax must be positive, got ${describe(tMax)}`);
    this.tMax = tMax;
    this.etaMin = checkScalar("CosineAnnealingLR", "etaMin", given(a.etaMin, 0));
    this.initialStep();
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, etaMin = this.etaMin;
    const lrs = this.currentLrs();
    if (e === 0) return lrs;
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return lrs.map(
      (lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * Scales the base lr by a factor going linearly from `startFactor` (default 1/3) to `endFactor`
 * (default 1) over `totalIters` epochs (default 5), then keeps it.
 * torch.optim.lr_scheduler.LinearLR(optimizer, startFactor=1/3, endFactor=1, totalIters=5, lastEpoch=-1)
 * (a warm-up): positional or in an options object; lastEpoch must be -1.
 * @throws Error for a startFactor outside (0, 1], an endFactor outside [0, 1], a totalIters that is
 * not an integer >= 1, an unknown option or a lastEpoch other than -1.
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(opt, 0.1, 1, 5); // or (opt, { startFactor: 0.1, totalIters: 5 })
 */
export class LinearLR extends LRScheduler {
  /** factor of the base lr at epoch 0 */
  readonly startFactor: number;
  /** factor of the base lr from totalIters on */
  readonly endFactor: number;
  /** epochs the factor takes to reach endFactor */
  readonly totalIters: number;

  constructor(
    optimizer: Optimizer,
    ...args: Args<[startFactor: number, endFactor: number, totalIters: number, lastEpoch: number],
      { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number }>
  ) {
    const a = optimizerArgs("LinearLR", args, ["startFactor", "endFactor", "totalIters", "lastEpoch"], undefined, "optimizer");
    freshSchedule("LinearLR", a.lastEpoch);
    super(optimizer);
    this.startFactor = checkScalar("LinearLR", "startFactor", given(a.startFactor, 1 / 3), (v) => v > 0 && v <= 1, "in (0, 1]");
    this.endFactor = checkScalar("LinearLR", "endFactor", given(a.endFactor, 1), (v) => v >= 0 && v <= 1, "in [0, 1]");
    this.totalIters = checkInt("LinearLR", "totalIters", given(a.totalIters, 5), 1);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, f = this.endFactor, n = this.totalIters;
    const lrs = this.currentLrs();
    if (e === 0) return lrs.map((lr) => lr * s);
    if (e > n) return lrs;
    return lrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const s = this.startFactor, f = this.endFactor, n = this.totalIters;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/** Python's %, whose result has the sign of the divisor. */
function pyMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** Python's bisect.bisect_right: the number of entries of sorted `a` that are <= x. */
function bisectRight(a: readonly number[], x: number): number {
  let n = 0;
  while (n < a.length && a[n] <= x) n++;
  return n;
}

/**
 * Multiplies the learning rate by `gamma` every epoch: lr = base·γ^epoch.
 * torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma, lastEpoch=-1); lastEpoch must be -1.
 * @example
 * const sched = new optim.lrScheduler.ExponentialLR(opt, 0.95);
 */
export class ExponentialLR extends LRScheduler {
  /** decay factor γ per epoch */
  readonly gamma: number;

  constructor(optimizer: Optimizer, gamma: number, ...args: Args<[lastEpoch: number], { lastEpoch?: number }>) {
    freshSchedule("ExponentialLR", optimizerArgs("ExponentialLR", args, ["lastEpoch"], undefined, "gamma").lastEpoch);
    super(optimizer);
    this.gamma = checkScalar("ExponentialLR", "gamma", gamma);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.currentLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Multiplies the learning rate by `gamma` at each milestone epoch (a milestone listed twice, twice).
 * torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1, lastEpoch=-1): gamma and
 * lastEpoch positional or in an options object; lastEpoch must be -1.
 * @example
 * const sched = new optim.lrScheduler.MultiStepLR(opt, [30, 80], 0.1); // or (opt, [30, 80], { gamma: 0.1 })
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats. */
  readonly milestones: number[];
  /** decay factor γ per milestone (default 0.1) */
  readonly gamma: number;

  constructor(optimizer: Optimizer, milestones: readonly number[], ...args: Args<[gamma: number, lastEpoch: number], { gamma?: number; lastEpoch?: number }>) {
    const o = optimizerArgs("MultiStepLR", args, ["gamma", "lastEpoch"], undefined, "milestones");
    freshSchedule("MultiStepLR", o.lastEpoch);
    super(optimizer);
    if (!Array.isArray(milestones)) throw new Error(`MultiStepLR: milestones must be an array of epochs, got ${describe(milestones)}`);
    this.milestones = milestones.map((m) => checkInt("MultiStepLR", "milestones", m, 0)).sort((a, b) => a - b);
    this.gamma = checkScalar("MultiStepLR", "gamma", given(o.gamma, 0.1));
    this.initialStep();
  }

  protected override getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.currentLrs().map((lr) => (hits ? lr * this.gamma ** hits : lr));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.milestones, this.lastEpoch));
  }
}

/**
 * lr = base·lrLambda(epoch), with one function for every group or one per group. The functions are
 * not part of the state dict (as in PyTorch, where only callable objects are saved).
 * torch.optim.lr_scheduler.LambdaLR(optimizer, lrLambda, lastEpoch=-1); lastEpoch must be -1.
 * @example
 * const sched = new optim.lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  /** one factor function per group */
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: Optimizer, lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[], ...args: Args<[lastEpoch: number], { lastEpoch?: number }>
  ) {
    freshSchedule("LambdaLR", optimizerArgs("LambdaLR", args, ["lastEpoch"], undefined, "lrLambda").lastEpoch);
    super(optimizer);
    const n = optimizer.paramGroups.length;
    const fs = Array.isArray(lrLambda) ? [...lrLambda] : Array<(epoch: number) => number>(n).fill(lrLambda as (epoch: number) => number);
    if (fs.length !== n) throw new Error(`LambdaLR: expected ${n} lrLambda functions (one per parameter group), got ${fs.length}`);
    fs.forEach((f, i) => {
      if (typeof f !== "function") throw new Error(`LambdaLR: lrLambda${Array.isArray(lrLambda) ? `[${i}]` : ""} must be a function, got ${describe(f)}`);
    });
    this.lrLambdas = fs;
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }

  override stateDict(): SchedulerState {
    const { lrLambdas: _, ...rest } = super.stateDict();
    return rest as SchedulerState;
  }
}

/**
 * SGDR: cosine annealing from the base lr to `etaMin` over t0 epochs, then a restart, each period
 * tMult times the last: lr = ηmin + (base − ηmin)(1 + cos(π·tCur/tI))/2. `step(epoch)` takes
 * fractional epochs (`sched.step(epoch + i / iters)` inside an epoch), as PyTorch's does.
 * torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, t0, tMult=1, etaMin=0, lastEpoch=-1):
 * tMult, etaMin and lastEpoch positional or in an options object; lastEpoch must be -1.
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, 10, 2); // or (opt, 10, { tMult: 2 })
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** epochs of the first period */
  readonly t0: number;
  /** growth factor of each period (default 1) */
  readonly tMult: number;
  /** the minimum learning rate (default 0) */
  readonly etaMin: number;
  /** The length of the current period. */
  tI: number;
  /** Epochs since the last restart. */
  tCur: number;

  constructor(
    optimizer: Optimizer, t0: number,
    ...args: Args<[tMult: number, etaMin: number, lastEpoch: number], { tMult?: number; etaMin?: number; lastEpoch?: number }>
  ) {
    const o = optimizerArgs("CosineAnnealingWarmRestarts", args, ["tMult", "etaMin", "lastEpoch"], undefined, "t0");
    freshSchedule("CosineAnnealingWarmRestarts", o.lastEpoch);
    super(optimizer);
    this.t0 = checkInt("CosineAnnealingWarmRestarts", "t0", t0, 1);
    this.tMult = checkInt("CosineAnnealingWarmRestarts", "tMult", given(o.tMult, 1), 1);
    this.etaMin = checkScalar("CosineAnnealingWarmRestarts", "etaMin", given(o.etaMin, 0));
    this.tI = this.t0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      checkScalar("CosineAnnealingWarmRestarts.step", "epoch", epoch, (v) => v >= 0, "a non-negative number");
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = epoch % this.t0;
        } else {
          const n = Math.floor(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.setLastLr(lrs);
  }
}

/** Options of `OneCycleLR` (PyTorch's keywords in camelCase). */
export interface OneCycleLROptions {
  /** The number of steps in the cycle, or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** epochs of training (with stepsPerEpoch, instead of totalSteps) */
  epochs?: number;
  /** batches per epoch (with epochs, instead of totalSteps) */
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear" annealing */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** the lowest momentum, reached at the peak lr (default 0.85) */
  baseMomentum?: number;
  /** the highest momentum, at the start and end (default 0.95) */
  maxMomentum?: number;
  /** The initial lr is maxLr/divFactor (default 25)... */
  divFactor?: number;
  /** ...and the final one initialLr/finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, annihilate) instead of two (up, down to the minimum). */
  threePhase?: boolean;
  /** PyTorch's last_epoch: only -1 (the default) is supported */
  lastEpoch?: number;
}

const ONE_CYCLE_KEYS = ["totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum", "baseMomentum", "maxMomentum",
  "divFactor", "finalDivFactor", "threePhase", "lastEpoch"];

type Group = Record<string, unknown> & { lr: number };

/**
 * The 1cycle policy (torch.optim.lr_scheduler.OneCycleLR(optimizer, maxLr, totalSteps=null, epochs=null,
 * stepsPerEpoch=null, pctStart=0.3, annealStrategy="cos", cycleMomentum=true, baseMomentum=0.85,
 * maxMomentum=0.95, divFactor=25, finalDivFactor=1e4, threePhase=false, lastEpoch=-1), the options
 * positional in PyTorch's order or in an options object; lastEpoch must be -1): the lr rises from maxLr/divFactor to
 * maxLr over pctStart of the steps, then anneals to initialLr/finalDivFactor, while the momentum
 * moves the other way between maxMomentum and baseMomentum. Step it after every batch. Each
 * group gets initialLr, maxLr, minLr (and maxMomentum, baseMomentum) entries, as in PyTorch.
 * @throws Error without totalSteps (or epochs and stepsPerEpoch), or with cycleMomentum on an optimizer without momentum or betas.
 * @example
 * const sched = new optim.lrScheduler.OneCycleLR(opt, 0.1, { epochs: 10, stepsPerEpoch: loader.length });
 * // after every batch: opt.step(); sched.step();
 */
export class OneCycleLR extends LRScheduler {
  /** steps in the cycle */
  readonly totalSteps: number;
  /** "cos" or "linear" */
  readonly annealStrategy: "cos" | "linear";
  /** whether the momentum (or beta1) is cycled */
  readonly cycleMomentum: boolean;
  /** true when the optimizer has betas (Adam): beta1 is cycled instead of momentum */
  readonly useBeta1: boolean;
  /** the phases of the cycle: the step each ends at and the group keys its lr and momentum move between */
  readonly phases: {
    /** the step this phase ends at */
    endStep: number;
    /** the group key of the lr the phase starts from ("initialLr", "maxLr" or "minLr") */
    startLr: string;
    /** the group key of the lr the phase ends at */
    endLr: string;
    /** the group key of the momentum the phase starts from */
    startMomentum: string;
    /** the group key of the momentum the phase ends at */
    endMomentum: string;
  }[];

  constructor(
    optimizer: Optimizer, maxLr: number | readonly number[],
    ...args: Args<[totalSteps: number | null, epochs: number | null, stepsPerEpoch: number | null, pctStart: number, annealStrategy: "cos" | "linear",
      cycleMomentum: boolean, baseMomentum: number, maxMomentum: number, divFactor: number, finalDivFactor: number, threePhase: boolean, lastEpoch: number],
      OneCycleLROptions>
  ) {
    const op = "OneCycleLR";
    // null (PyTorch's None) for totalSteps, epochs or stepsPerEpoch means not given
    const optional = ["totalSteps", "epochs", "stepsPerEpoch"];
    const o = Object.fromEntries(Object.entries(optimizerArgs(op, args, ONE_CYCLE_KEYS, undefined, "maxLr"))
      .filter(([k, v]) => v !== null || !optional.includes(k))) as OneCycleLROptions;
    freshSchedule(op, o.lastEpoch);
    super(optimizer);
    if (o.totalSteps !== undefined) this.totalSteps = checkInt(op, "totalSteps", o.totalSteps, 1);
    else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      this.totalSteps = checkInt(op, "epochs", o.epochs, 1) * checkInt(op, "stepsPerEpoch", o.stepsPerEpoch, 1);
    } else throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch`);
    const pct = checkScalar(op, "pctStart", given(o.pctStart, 0.3), (v) => v >= 0 && v <= 1, "a number in [0, 1]");
    this.annealStrategy = checkEnum(op, "annealStrategy", given(o.annealStrategy, "cos"), ["cos", "linear"] as const);
    this.cycleMomentum = checkBool(op, "cycleMomentum", given(o.cycleMomentum, true));
    const div = checkScalar(op, "divFactor", given(o.divFactor, 25)), finalDiv = checkScalar(op, "finalDivFactor", given(o.finalDivFactor, 1e4));
    const n = this.totalSteps;
    this.phases = checkBool(op, "threePhase", o.threePhase ?? false)
      ? [
        { endStep: pct * n - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: 2 * pct * n - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        { endStep: n - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
      ]
      : [
        { endStep: pct * n - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: n - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
      ];
    const groups = optimizer.paramGroups as unknown as Group[];
    const maxLrs = perGroup(op, "maxLr", maxLr, groups.length);
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / div;
      g.maxLr = maxLrs[i];
      g.minLr = (g.initialLr as number) / finalDiv;
    });
    this.baseLrs.splice(0, this.baseLrs.length, ...groups.map((g) => g.initialLr as number));
    const defaults = optimizer.defaults as unknown as Record<string, unknown>;
    this.useBeta1 = "betas" in defaults;
    if (this.cycleMomentum) {
      if (!("momentum" in defaults) && !this.useBeta1) throw new Error(`${op}: the optimizer has neither momentum nor betas; pass cycleMomentum: false`);
      const maxM = perGroup(op, "maxMomentum", given(o.maxMomentum, 0.95), groups.length);
      const baseM = perGroup(op, "baseMomentum", given(o.baseMomentum, 0.85), groups.length);
      groups.forEach((g, i) => {
        this.setMomentum(g, maxM[i]);
        g.maxMomentum = maxM[i];
        g.baseMomentum = baseM[i];
      });
    }
    this.initialStep();
  }

  private setMomentum(g: Group, m: number): void {
    if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
    else g.momentum = m;
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === "cos" ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }

  protected override getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${step} times; the cycle has totalSteps = ${this.totalSteps}`);
    }
    return (this.optimizer.paramGroups as unknown as Group[]).map((g) => {
      let start = 0;
      for (const [i, ph] of this.phases.entries()) {
        if (step <= ph.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          if (this.cycleMomentum) this.setMomentum(g, this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct));
          return this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
        }
        start = ph.endStep;
      }
      throw new Error("OneCycleLR: unreachable");
    });
  }
}

function perGroup(op: string, name: string, v: number | readonly number[], n: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw new Error(`${op}: expected ${n} values of ${name} (one per parameter group), got ${v.length}`);
    return v.map((x) => checkScalar(op, name, x));
  }
  return Array<number>(n).fill(checkScalar(op, name, v));
}

/**
 * Runs `schedulers` one after another, switching at each of the `milestones` epochs (one fewer
 * than schedulers); each later scheduler restarts its schedule at its milestone.
 * torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers, milestones, lastEpoch=-1); lastEpoch must be -1.
 * @throws Error unless there is one milestone fewer than schedulers, all on the same optimizer.
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const sched = new optim.lrScheduler.SequentialLR(opt, [warmup, new optim.lrScheduler.CosineAnnealingLR(opt, 95)], [5]);
 */
export class SequentialLR extends LRScheduler {
  /** the schedulers, in order */
  readonly schedulers: LRScheduler[];
  /** the epochs at which the next scheduler takes over */
  readonly milestones: number[];

  constructor(optimizer: Optimizer, schedulers: readonly LRScheduler[], milestones: readonly number[], ...args: Args<[lastEpoch: number], { lastEpoch?: number }>) {
    freshSchedule("SequentialLR", optimizerArgs("SequentialLR", args, ["lastEpoch"], undefined, "milestones").lastEpoch);
    super(optimizer);
    const op = "SequentialLR";
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error(`${op}: expects at least one scheduler, got ${describe(schedulers)}`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new Error(`${op}: schedulers[${i}] is not an lr scheduler (got ${describe(s)})`);
      if (s.optimizer !== optimizer) throw new Error(`${op}: schedulers[${i}] belongs to another optimizer than the one passed in`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`${op}: expects ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${describe(milestones)}`);
    }
    this.schedulers = [...schedulers];
    this.milestones = milestones.map((m) => checkInt(op, "milestones", m, 0));
    this.lastEpoch = 0;
    // undo the initial steps the schedulers made when they were built, then start the first
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].step();
    this.setLastLr(this.schedulers[0].getLastLr());
  }

  protected override getLr(): number[] {
    return this.currentLrs();
  }

  override step(): void {
    this.lastEpoch += 1;
    const i = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[i];
    if (i > 0 && this.milestones[i - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.setLastLr(s.getLastLr());
  }

  override stateDict(): SchedulerState {
    const { schedulers: _, ...rest } = super.stateDict();
    return { ...rest, schedulers: this.schedulers.map((s) => s.stateDict()) } as SchedulerState;
  }

  override loadStateDict(state: SchedulerState): void {
    const { schedulers, ...rest } = state;
    super.loadStateDict(rest as SchedulerState);
    (schedulers as SchedulerState[] | undefined)?.forEach((s, i) => this.schedulers[i]?.loadStateDict(s));
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's keywords in camelCase). */
export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": rise (an accuracy). */
  mode?: "min" | "max";
  /** New lr = lr·factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** the least change that counts as an improvement (default 1e-4) */
  threshold?: number;
  /** "rel": improvement means beating best·(1 ∓ threshold); "abs": best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again. */
  cooldown?: number;
  /** A lower bound for every group, or one per group. */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/**
 * Reduces each group's lr by `factor` once the metric passed to `step(metric)` has not improved
 * for `patience` epochs (torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.1,
 * patience=10, threshold=1e-4, thresholdMode="rel", cooldown=0, minLr=0, eps=1e-8), the options
 * positional in PyTorch's order or in an options object). Not a chainable scheduler:
 * call `step(valLoss)` once per epoch.
 * @example
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 3 });
 * sched.step(valLoss); // once per epoch
 */
export class ReduceLROnPlateau {
  /** the optimizer whose learning rates are reduced */
  readonly optimizer: Optimizer;
  /** "min" (the metric should fall) or "max" */
  readonly mode: "min" | "max";
  /** new lr = lr·factor */
  readonly factor: number;
  /** epochs without improvement before a reduction */
  readonly patience: number;
  /** the least change that counts as an improvement */
  readonly threshold: number;
  /** "rel" or "abs" */
  readonly thresholdMode: "rel" | "abs";
  /** epochs to wait after a reduction */
  readonly cooldown: number;
  /** the lower bound of each group's lr */
  readonly minLrs: number[];
  /** reductions smaller than this are skipped */
  readonly eps: number;
  /** the best metric so far */
  best: number;
  /** epochs since the best metric */
  numBadEpochs = 0;
  /** cooldown epochs left */
  cooldownCounter = 0;
  /** the number of step() calls */
  lastEpoch = 0;
  #lastLr: number[];

  constructor(
    optimizer: Optimizer,
    ...args: Args<[mode: "min" | "max", factor: number, patience: number, threshold: number, thresholdMode: "rel" | "abs", cooldown: number,
      minLr: number | readonly number[], eps: number], ReduceLROnPlateauOptions>
  ) {
    const op = "ReduceLROnPlateau";
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw new Error(`${op}: expected an optimizer, got ${describe(optimizer)}`);
    const keys = ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"];
    const o = optimizerArgs(op, args, keys, undefined, "optimizer") as ReduceLROnPlateauOptions;
    this.optimizer = optimizer;
    this.mode = checkEnum(op, "mode", given(o.mode, "min"), ["min", "max"] as const);
    this.factor = checkScalar(op, "factor", given(o.factor, 0.1), (v) => v < 1, "a number < 1");
    this.patience = checkInt(op, "patience", given(o.patience, 10), 0);
    this.threshold = checkScalar(op, "threshold", given(o.threshold, 1e-4));
    this.thresholdMode = checkEnum(op, "thresholdMode", given(o.thresholdMode, "rel"), ["rel", "abs"] as const);
    this.cooldown = checkInt(op, "cooldown", given(o.cooldown, 0), 0);
    this.minLrs = perGroup(op, "minLr", given(o.minLr, 0), optimizer.paramGroups.length);
    this.eps = checkScalar(op, "eps", given(o.eps, 1e-8));
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.#lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  #isBetter(a: number): boolean {
    const t = this.threshold, best = this.best;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /**
   * One epoch's metric (a number or a one-element tensor, which is read).
   * @example
   * sched.step(valLoss); // after each epoch's validation
   */
  step(metric: number | Tensor): void {
    if (metric instanceof Tensor && !ArrayBuffer.isView(metric.data)) {
      throw new Error(`ReduceLROnPlateau.step: a metric on '${metric.device}' cannot be read synchronously; pass a number: step(await metric.itemAsync())`);
    }
    const current = metric instanceof Tensor ? metric.item() : checkScalar("ReduceLROnPlateau.step", "metric", metric);
    this.lastEpoch += 1;
    if (this.#isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const lr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The learning rates after the last step, one per group.
   * @example
   * const [lr] = sched.getLastLr();
   */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /**
   * Plain numbers (JSON-serialisable), to resume with `loadStateDict`.
   * @example
   * const s = JSON.stringify(sched.stateDict());
   */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== "optimizer") out[k] = Array.isArray(v) ? [...v] : v;
    return { ...out, lastLr: this.getLastLr() };
  }

  /**
   * Restores what `stateDict` returned.
   * @example
   * sched.loadStateDict(JSON.parse(s));
   */
  loadStateDict(state: Record<string, unknown>): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === "lastLr") this.#lastLr = [...(v as number[])];
      // JSON writes the initial ±Infinity as null
      else if (k === "best" && v === null) this.best = this.mode === "min" ? Infinity : -Infinity;
      else if (k in self && k !== "optimizer") self[k] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** One factor function per group, from one function for all or an array (LambdaLR's and MultiplicativeLR's argument). */
function lambdasPerGroup(op: string, lrLambda: unknown, n: number): ((epoch: number) => number)[] {
  const fs = Array.isArray(lrLambda) ? [...lrLambda] : Array<unknown>(n).fill(lrLambda);
  if (fs.length !== n) throw new Error(`${op}: expected ${n} lrLambda functions (one per parameter group), got ${fs.length}`);
  fs.forEach((f, i) => {
    if (typeof f !== "function") throw new Error(`${op}: lrLambda${Array.isArray(lrLambda) ? `[${i}]` : ""} must be a function, got ${describe(f)}`);
  });
  return fs as ((epoch: number) => number)[];
}

/** Options of `ConstantLR` (PyTorch's keywords in camelCase). */
export interface ConstantLROptions {
  /** the factor the lr is multiplied by until totalIters (default 1/3) */
  factor?: number;
  /** epochs with the reduced lr (default 5) */
  totalIters?: number;
  /** PyTorch's last_epoch: only -1 (the default) is supported */
  lastEpoch?: number;
}

/**
 * Multiplies the base lr by `factor` for the first `totalIters` epochs, then restores it
 * (torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1/3, totalIters=5, lastEpoch=-1), positional or in an
 * options object; chainable, like PyTorch's, so other changes to the lr meanwhile are kept).
 * @throws Error for a factor outside [0, 1], a totalIters that is not an integer >= 0, an unknown option or a lastEpoch other than -1.
 * @example
 * const sched = new optim.lrScheduler.ConstantLR(opt, 0.5, 4); // or (opt, { factor: 0.5, totalIters: 4 })
 */
export class ConstantLR extends LRScheduler {
  /** the factor of the lr until totalIters */
  readonly factor: number;
  /** the epoch at which the lr is restored */
  readonly totalIters: number;

  constructor(optimizer: Optimizer, ...args: Args<[factor: number, totalIters: number, lastEpoch: number], ConstantLROptions>) {
    const op = "ConstantLR";
    const o = optimizerArgs(op, args, ["factor", "totalIters", "lastEpoch"], undefined, "optimizer");
    freshSchedule(op, o.lastEpoch);
    super(optimizer);
    this.factor = checkScalar(op, "factor", given(o.factor, 1 / 3), (v) => v >= 0 && v <= 1, "a number in [0, 1]");
    this.totalIters = checkInt(op, "totalIters", given(o.totalIters, 5), 0);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/**
 * Multiplies each group's current lr by `lrLambda(epoch)` at every step after the first: one
 * function for every group, or one per group. The functions are not part of the state dict.
 * torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lrLambda, lastEpoch=-1); lastEpoch must be -1.
 * @throws Error unless lrLambda is a function or an array of one function per group.
 * @example
 * const sched = new optim.lrScheduler.MultiplicativeLR(opt, () => 0.95);
 */
export class MultiplicativeLR extends LRScheduler {
  /** one factor function per group */
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: Optimizer, lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[], ...args: Args<[lastEpoch: number], { lastEpoch?: number }>
  ) {
    freshSchedule("MultiplicativeLR", optimizerArgs("MultiplicativeLR", args, ["lastEpoch"], undefined, "lrLambda").lastEpoch);
    super(optimizer);
    this.lrLambdas = lambdasPerGroup("MultiplicativeLR", lrLambda, optimizer.paramGroups.length);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.currentLrs();
    return this.lastEpoch > 0 ? lrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch)) : lrs;
  }

  override stateDict(): SchedulerState {
    const { lrLambdas: _, ...rest } = super.stateDict();
    return rest as SchedulerState;
  }
}

/** Options of `PolynomialLR` (PyTorch's keywords in camelCase). */
export interface PolynomialLROptions {
  /** epochs over which the lr decays to 0 (default 5) */
  totalIters?: number;
  /** the power of the polynomial (default 1) */
  power?: number;
  /** PyTorch's last_epoch: only -1 (the default) is supported */
  lastEpoch?: number;
}

/**
 * Decays the lr to 0 over `totalIters` epochs: lr = base·(1 − min(epoch, totalIters)/totalIters)^power,
 * computed step by step as PyTorch does. torch.optim.lr_scheduler.PolynomialLR(optimizer, totalIters=5,
 * power=1, lastEpoch=-1), positional or in an options object.
 * @throws Error unless totalIters is an integer >= 1 and power a number; for an unknown option or a lastEpoch other than -1.
 * @example
 * const sched = new optim.lrScheduler.PolynomialLR(opt, 100, 2); // or (opt, { totalIters: 100, power: 2 })
 */
export class PolynomialLR extends LRScheduler {
  /** epochs until the lr reaches 0 */
  readonly totalIters: number;
  /** the power of the polynomial */
  readonly power: number;

  constructor(optimizer: Optimizer, ...args: Args<[totalIters: number, power: number, lastEpoch: number], PolynomialLROptions>) {
    const op = "PolynomialLR";
    const o = optimizerArgs(op, args, ["totalIters", "power", "lastEpoch"], undefined, "optimizer");
    freshSchedule(op, o.lastEpoch);
    super(optimizer);
    this.totalIters = checkInt(op, "totalIters", given(o.totalIters, 5), 1);
    this.power = checkScalar(op, "power", given(o.power, 1));
    this.initialStep();
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch, n = this.totalIters;
    const lrs = this.currentLrs();
    if (e === 0 || e > n) return lrs;
    const decay = ((1 - e / n) / (1 - (e - 1) / n)) ** this.power;
    return lrs.map((lr) => lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/** Options of `CyclicLR` (PyTorch's keywords in camelCase). */
export interface CyclicLROptions {
  /** steps in the rising half of a cycle (default 2000) */
  stepSizeUp?: number;
  /** steps in the falling half (default stepSizeUp) */
  stepSizeDown?: number;
  /** "triangular" (default): constant amplitude; "triangular2": halved each cycle; "exp_range": scaled by gamma^step */
  mode?: "triangular" | "triangular2" | "exp_range";
  /** the base of "exp_range"'s scaling (default 1) */
  gamma?: number;
  /** a custom amplitude scale, in (0, 1] for every argument; replaces mode */
  scaleFn?: (x: number) => number;
  /** what scaleFn is given: the cycle number from 1 ("cycle", default) or the step ("iterations") */
  scaleMode?: "cycle" | "iterations";
  /** cycle the momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr (default true) */
  cycleMomentum?: boolean;
  /** the lowest momentum, at the peak lr; one for all groups or one per group (default 0.8) */
  baseMomentum?: number | readonly number[];
  /** the highest momentum, at the base lr (default 0.9) */
  maxMomentum?: number | readonly number[];
  /** PyTorch's last_epoch: only -1 (the default) is supported */
  lastEpoch?: number;
}

const CYCLIC_KEYS = ["stepSizeUp", "stepSizeDown", "mode", "gamma", "scaleFn", "scaleMode", "cycleMomentum", "baseMomentum", "maxMomentum", "lastEpoch"];

/**
 * The cyclical learning rate policy (torch.optim.lr_scheduler.CyclicLR(optimizer, baseLr, maxLr,
 * stepSizeUp=2000, stepSizeDown=null, mode="triangular", gamma=1, scaleFn=null, scaleMode="cycle",
 * cycleMomentum=true, baseMomentum=0.8, maxMomentum=0.9, lastEpoch=-1), the options positional in
 * PyTorch's order or in an options object; lastEpoch must be -1): the lr goes from
 * `baseLr` up to `maxLr` over stepSizeUp steps and back over stepSizeDown, the amplitude scaled
 * by the mode (or scaleFn); with cycleMomentum the momentum moves the other way between
 * maxMomentum and baseMomentum. Step it after every batch. Construction sets each group's lr to
 * baseLr. Where PyTorch 1.13 cycles only `momentum`, an optimizer with betas (Adam) gets beta1
 * cycled, as PyTorch 2 does. `scaleFn` is not part of the state dict.
 * @throws Error for a baseLr or maxLr array without one value per group, a non-positive step
 * size, an unknown mode or option, or cycleMomentum on an optimizer without momentum or betas.
 * @example
 * const sched = new optim.lrScheduler.CyclicLR(opt, 0.01, 0.1, { stepSizeUp: 200, mode: "triangular2" });
 * // after every batch: opt.step(); sched.step();
 */
export class CyclicLR extends LRScheduler {
  /** each group's upper lr */
  readonly maxLrs: number[];
  /** steps in one cycle (stepSizeUp + stepSizeDown) */
  readonly totalSize: number;
  /** the fraction of a cycle spent rising */
  readonly stepRatio: number;
  /** the mode (ignored when scaleFn is given) */
  readonly mode: "triangular" | "triangular2" | "exp_range";
  /** the base of "exp_range"'s scaling */
  readonly gamma: number;
  /** the custom scale function, or null */
  readonly scaleFn: ((x: number) => number) | null;
  /** whether the scale is a function of the cycle or of the step */
  readonly scaleMode: "cycle" | "iterations";
  /** whether the momentum (or beta1) is cycled */
  readonly cycleMomentum: boolean;
  /** true when the optimizer has betas (Adam): beta1 is cycled instead of momentum */
  readonly useBeta1: boolean;
  /** each group's lowest momentum (with cycleMomentum) */
  readonly baseMomentums: number[] = [];
  /** each group's highest momentum (with cycleMomentum) */
  readonly maxMomentums: number[] = [];

  constructor(
    optimizer: Optimizer, baseLr: number | readonly number[], maxLr: number | readonly number[],
    ...args: Args<[stepSizeUp: number, stepSizeDown: number | null, mode: CyclicLROptions["mode"], gamma: number, scaleFn: ((x: number) => number) | null,
      scaleMode: CyclicLROptions["scaleMode"], cycleMomentum: boolean, baseMomentum: number | readonly number[], maxMomentum: number | readonly number[],
      lastEpoch: number], CyclicLROptions>
  ) {
    const op = "CyclicLR";
    const o = optimizerArgs(op, args, CYCLIC_KEYS, undefined, "maxLr") as CyclicLROptions;
    freshSchedule(op, o.lastEpoch);
    super(CyclicLR.#setBaseLr(optimizer, baseLr));
    // the base lrs are baseLr even where an earlier scheduler had recorded another initialLr (as PyTorch)
    this.baseLrs.splice(0, this.baseLrs.length, ...optimizer.paramGroups.map((g) => g.lr));
    const groups = optimizer.paramGroups as unknown as Group[];
    this.maxLrs = perGroup(op, "maxLr", maxLr, groups.length);
    const up = checkScalar(op, "stepSizeUp", given(o.stepSizeUp, 2000), (v) => v > 0, "a positive number");
    const down = checkScalar(op, "stepSizeDown", o.stepSizeDown ?? up, (v) => v > 0, "a positive number");
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = checkEnum(op, "mode", given(o.mode, "triangular"), ["triangular", "triangular2", "exp_range"] as const);
    this.gamma = checkScalar(op, "gamma", given(o.gamma, 1));
    if (o.scaleFn !== undefined && typeof o.scaleFn !== "function") throw new Error(`${op}: scaleFn must be a function, got ${describe(o.scaleFn)}`);
    this.scaleFn = o.scaleFn ?? null;
    this.scaleMode = this.scaleFn ? checkEnum(op, "scaleMode", given(o.scaleMode, "cycle"), ["cycle", "iterations"] as const)
      : this.mode === "exp_range" ? "iterations" : "cycle";
    this.cycleMomentum = checkBool(op, "cycleMomentum", given(o.cycleMomentum, true));
    const defaults = optimizer.defaults as unknown as Record<string, unknown>;
    this.useBeta1 = !("momentum" in defaults) && "betas" in defaults;
    if (this.cycleMomentum) {
      if (!("momentum" in defaults) && !this.useBeta1) throw new Error(`${op}: the optimizer has neither momentum nor betas; pass cycleMomentum: false`);
      this.baseMomentums = perGroup(op, "baseMomentum", given(o.baseMomentum, 0.8), groups.length);
      this.maxMomentums = perGroup(op, "maxMomentum", given(o.maxMomentum, 0.9), groups.length);
    }
    this.initialStep();
  }

  /** PyTorch sets each group's lr to baseLr before the base class records it as initialLr. */
  static #setBaseLr(optimizer: Optimizer, baseLr: number | readonly number[]): Optimizer {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw new Error(`CyclicLR: expected an optimizer, got ${describe(optimizer)}`);
    const lrs = perGroup("CyclicLR", "baseLr", baseLr, optimizer.paramGroups.length);
    optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    return optimizer;
  }

  #scale(x: number): number {
    if (this.scaleFn) return this.scaleFn(x);
    return this.mode === "triangular" ? 1 : this.mode === "triangular2" ? 1 / 2 ** (x - 1) : this.gamma ** x;
  }

  protected override getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.#scale(this.scaleMode === "cycle" ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scaleFactor * s);
    if (this.cycleMomentum) {
      (this.optimizer.paramGroups as unknown as Group[]).forEach((g, i) => {
        const m = this.maxMomentums[i] - (this.maxMomentums[i] - this.baseMomentums[i]) * scaleFactor * s;
        if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
        else g.momentum = m;
      });
    }
    return lrs;
  }

  override stateDict(): SchedulerState {
    const { scaleFn: _, ...rest } = super.stateDict();
    return rest as SchedulerState;
  }
}

/**
 * Steps several chainable schedulers of one optimizer together, each applying its change on top
 * of the others' (torch.optim.lr_scheduler.ChainedScheduler). getLastLr is the groups' lrs after all of them.
 * @throws Error for an empty list, an entry that is not an lr scheduler, or schedulers of different optimizers.
 * @example
 * const S = optim.lrScheduler;
 * const sched = new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(opt, 0.9)]);
 */
export class ChainedScheduler extends LRScheduler {
  /** the schedulers, stepped in order */
  readonly schedulers: LRScheduler[];

  constructor(schedulers: readonly LRScheduler[]) {
    checkArity("ChainedScheduler", arguments, ["schedulers"]);
    super(ChainedScheduler.#check(schedulers));
    this.schedulers = [...schedulers];
    this.setLastLr(this.currentLrs());
  }

  static #check(schedulers: readonly LRScheduler[]): Optimizer {
    const op = "ChainedScheduler";
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error(`${op}: expects a non-empty array of schedulers, got ${describe(schedulers)}`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new Error(`${op}: schedulers[${i}] is not an lr scheduler (got ${describe(s)})`);
      if (s.optimizer !== schedulers[0].optimizer) throw new Error(`${op}: schedulers[${i}] belongs to another optimizer than schedulers[0]`);
    });
    return schedulers[0].optimizer;
  }

  protected override getLr(): number[] {
    return this.currentLrs();
  }

  /**
   * Steps every scheduler once, in order.
   * @example
   * sched.step();
   */
  override step(): void {
    this.lastEpoch += 1;
    for (const s of this.schedulers) s.step();
    this.setLastLr(this.currentLrs());
  }

  override stateDict(): SchedulerState {
    const { schedulers: _, ...rest } = super.stateDict();
    return { ...rest, schedulers: this.schedulers.map((s) => s.stateDict()) } as SchedulerState;
  }

  override loadStateDict(state: SchedulerState): void {
    const { schedulers, ...rest } = state;
    super.loadStateDict(rest as SchedulerState);
    (schedulers as SchedulerState[] | undefined)?.forEach((s, i) => this.schedulers[i]?.loadStateDict(s));
  }
}
