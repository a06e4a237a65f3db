// Rprop and ASGD: PyTorch 1.13's single-tensor rules as composites of tensor ops (every device).
import { Tensor } from "../tensor.js";
import { type Args, checkScalar, given } from "../functional/args.js";
import { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { withWeightDecay } from "./updates.js";

/** Options of `Rprop` (PyTorch's keywords in camelCase). */
export interface RpropOptions {
  /** the initial step size of every element (default 1e-2) */
  lr?: number;
  /** η₋ and η₊, the factors of the step size when the gradient's sign flips or stays (default [0.5, 1.2]; 0 < η₋ < 1 < η₊) */
  etas?: [number, number];
  /** the smallest and largest step size (default [1e-6, 50]) */
  stepSizes?: [number, number];
}

/** Options of `ASGD` (PyTorch's keywords in camelCase). */
export interface ASGDOptions {
  /** learning rate η₀ (default 1e-2) */
  lr?: number;
  /** λ, the decay term (default 1e-4) */
  lambd?: number;
  /** α, the power of the learning-rate decay η = η₀/(1 + λη₀t)^α (default 0.75) */
  alpha?: number;
  /** the step after which averaging starts (default 1e6) */
  t0?: number;
  /** L2 penalty λ added to the gradient (default 0) */
  weightDecay?: number;
}

type RpropHyper = Required<RpropOptions>;
type ASGDHyper = Required<ASGDOptions>;

/**
 * `torch.optim.Rprop(params, lr=1e-2, etas=[0.5, 1.2], stepSizes=[1e-6, 50])`, positional or in an options
 * object: resilient backpropagation.
 * Per element, s = sign(g·prev); the step size is multiplied by η₊ where s > 0, by η₋ where s < 0,
 * and clamped to stepSizes; where s < 0 the gradient is taken as 0 (no step, and no flip next time);
 * p ← p − sign(g)·stepSize; prev ← g. State per parameter: `step`, `prev`, `stepSize` (starts at lr).
 * @throws Error for a negative lr, etas not 0 < η₋ < 1 < η₊, or an unknown option.
 * @example
 * const opt = new optim.Rprop(model.parameters(), { lr: 1e-2, etas: [0.5, 1.2] });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Rprop extends Optimizer<RpropHyper> {
  constructor(params: ParamsInput<RpropHyper>, opts?: RpropOptions);
  constructor(params: ParamsInput<RpropHyper>, ...args: Args<[lr: number, etas: [number, number], stepSizes: [number, number]], RpropOptions>);
  constructor(params: ParamsInput<RpropHyper>, ...args: unknown[]) {
    const o: RpropOptions = optimizerArgs("Rprop", args, ["lr", "etas", "stepSizes"], 3);
    // copies of the pairs, so that groups do not share the caller's arrays (a non-array is refused by validate)
    const pair = (v: unknown, d: [number, number]) => (Array.isArray(v) ? [...v] : given(v, d)) as [number, number];
    super(params, { lr: given(o.lr, 1e-2), etas: pair(o.etas, [0.5, 1.2]), stepSizes: pair(o.stepSizes, [1e-6, 50]) });
  }

  protected override validate(g: ParamGroup<RpropHyper>): void {
    super.validate(g);
    const [minus, plus] = g.etas;
    if (!(minus > 0 && minus < 1 && plus > 1)) throw new Error(`Rprop: invalid etas [${minus}, ${plus}] (must be 0 < etas[0] < 1 < etas[1])`);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<RpropHyper>): void {
    const [etaMinus, etaPlus] = h.etas;
    const [stepMin, stepMax] = h.stepSizes;
    if (state.step === undefined) {
      Object.assign(state, { step: 0, prev: Tensor.zerosLike(p), stepSize: Tensor.fullLike(p, h.lr) });
    }
    state.step = (state.step as number) + 1;
    const prev = state.prev as Tensor, stepSize = state.stepSize as Tensor;
    const s = grad.mul(prev).sign();
    const flipped = s.lt(0);
    // η₊ where s > 0, η₋ where s < 0, 1 where s is ±0, NaN where it is NaN (PyTorch's masked writes)
    const factor = Tensor.where(s.gt(0), etaPlus, Tensor.where(flipped, etaMinus, s.add(1)));
    stepSize.assign(stepSize.mul(factor).clamp(stepMin, stepMax));
    const g = Tensor.where(flipped, 0, grad);
    p.assign(p.sub(g.sign().mul(stepSize)));
    prev.assign(g);
  }
}

/** ASGD's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type ASGDArgs = Args<
  [lr: number, lambd: number, alpha: number, t0: number, weightDecay: number],
  ASGDOptions
>;

/**
 * `torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weightDecay=0)`, positional or in an
 * options object: averaged SGD.
 * g += λ_wd·p; p ← p·(1 − λη) − η·g; the average ax ← ax + μ(p − ax) (ax ← p while μ = 1); then
 * η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t0). The average is `stateDict()`'s `state.<i>.ax`.
 * State per parameter: `step`, `eta` and `mu` (float32 numbers, as PyTorch's 0-d tensors), `ax`.
 * @throws Error for a negative lr or weightDecay, a non-number option, or an unknown option.
 * @example
 * const opt = new optim.ASGD(model.parameters(), { lr: 1e-2, t0: 100 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class ASGD extends Optimizer<ASGDHyper> {
  constructor(params: ParamsInput<ASGDHyper>, opts?: ASGDOptions);
  constructor(params: ParamsInput<ASGDHyper>, ...args: ASGDArgs);
  constructor(params: ParamsInput<ASGDHyper>, ...args: unknown[]) {
    const o: ASGDOptions = optimizerArgs("ASGD", args, ["lr", "lambd", "alpha", "t0", "weightDecay"], 5);
    super(params, {
      lr: given(o.lr, 1e-2), lambd: given(o.lambd, 1e-4), alpha: given(o.alpha, 0.75), t0: given(o.t0, 1e6), weightDecay: given(o.weightDecay, 0),
    });
  }

  protected override validate(g: ParamGroup<ASGDHyper>): void {
    super.validate(g);
    checkScalar("ASGD", "weightDecay", g.weightDecay, (x) => x >= 0, "a number >= 0");
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<ASGDHyper>): void {
    if (state.step === undefined) Object.assign(state, { step: 0, eta: Math.fround(h.lr), mu: 1, ax: Tensor.zerosLike(p) });
    const step = (state.step as number) + 1;
    state.step = step;
    const eta = state.eta as number, mu = state.mu as number, ax = state.ax as Tensor;
    const g = withWeightDecay(p, grad, h.weightDecay);
    p.assign(p.mul(1 - h.lambd * eta).add(g.mul(-eta)));
    if (mu !== 1) ax.assign(ax.add(p.sub(ax).mul(mu)));
    else ax.assign(p);
    // PyTorch keeps both in float32 0-d tensors
    state.eta = Math.fround(h.lr / (1 + h.lambd * h.lr * step) ** h.alpha);
    state.mu = Math.fround(1 / Math.max(1, step - h.t0));
  }

  /**
   * As `Optimizer.loadStateDict`, also taking `state.<i>.eta` and `state.<i>.mu` (one number each,
   * as `stateDict()` writes them) where `ax` has the parameter's shape.
   * @throws Error (changing nothing) for keys, shapes or group layouts that do not match, or an
   * eta or mu that is not one number on a host device.
   * @example
   * opt.loadStateDict(load("opt.safetensors"));
   */
  override loadStateDict(sd: OptimizerStateDict | Map<string, Tensor>): void {
    this.loadStateDictWithNumbers(sd, ["eta", "mu"]);
  }
}
