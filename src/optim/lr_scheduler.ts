// Learning-rate schedulers: StepLR, CosineAnnealingLR, LinearLR, with PyTorch's (chainable) update formulas.
import type { Optimizer } from "./optimizer.js";

/** A scheduler's state: plain numbers, JSON-serialisable. */
export interface SchedulerState {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  [key: string]: unknown;
}

/**
 * Base class. Construction records each group's `initialLr` and applies the schedule's value for
 * epoch 0; each `step()` (call it after `optimizer.step()`) advances one epoch and writes the new
 * learning rates into the optimizer's groups.
 */
export abstract class LRScheduler {
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

  /** Advances one epoch and updates the optimizer's learning rates. */
  step(): void {
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.#lastLr = lrs;
  }

  /** The learning rates the last `step()` set, one per group. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's numbers, to resume with `loadStateDict`. */
  stateDict(): SchedulerState {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== "optimizer") out[k] = Array.isArray(v) ? [...v] : v;
    return { ...out, lastLr: this.getLastLr() } as SchedulerState;
  }

  /** Restores what `stateDict` returned (the optimizer's learning rates come from its own state dict). */
  loadStateDict(state: SchedulerState): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === "lastLr") this.#lastLr = [...(v as number[])];
      else if (k === "baseLrs") this.baseLrs.splice(0, this.baseLrs.length, ...(v as number[]));
      else if (k in self && k !== "optimizer") self[k] = v;
    }
  }
}

/** Multiplies the learning rate by `gamma` every `stepSize` epochs: lr = base·γ^⌊epoch/stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, opts: { gamma?: number } = {}) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from the base lr down to `etaMin` over `tMax` epochs, then back up (SGDR
 * without restarts): lr = ηmin + (base − ηmin)(1 + cos(π·epoch/tMax))/2, computed recursively as PyTorch does.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, opts: { etaMin?: number } = {}) {
    super(optimizer);
    if (!(tMax > 0)) throw new Error(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = opts.etaMin ?? 0;
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
}

/**
 * Scales the base lr by a factor going linearly from `startFactor` (default 1/3) to `endFactor`
 * (default 1) over `totalIters` epochs (default 5), then keeps it.
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) {
      throw new Error(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    }
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, f = this.endFactor, n = this.totalIters;
    const lrs = this.currentLrs();
    if (e === 0) return lrs.map((lr) => lr * s);
    if (e > n) return lrs;
    return lrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

/** Python's %, whose result has the sign of the divisor. */
function pyMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
