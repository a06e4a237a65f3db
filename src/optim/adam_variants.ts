// Adamax, NAdam and RAdam: PyTorch 1.13's single-tensor rules as composites of tensor ops (every device).
import { Tensor } from "../tensor.js";
import { type Args, checkScalar, given } from "../functional/args.js";
import { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { withWeightDecay } from "./updates.js";

/** Options of `Adamax` and `RAdam` (PyTorch's keywords in camelCase). */
export interface AdamaxOptions {
  /** learning rate (default 2e-3 for Adamax, 1e-3 for RAdam) */
  lr?: number;
  /** β₁ and β₂, the decay rates of the first moment and of the infinity norm (Adamax) or second moment (RAdam); default [0.9, 0.999] */
  betas?: [number, number];
  /** added to the denominator (default 1e-8) */
  eps?: number;
  /** L2 penalty λ added to the gradient (default 0) */
  weightDecay?: number;
}

/** Options of `RAdam`: the same as Adamax's (its lr defaults to 1e-3). */
export type RAdamOptions = AdamaxOptions;

/** Options of `NAdam` (PyTorch's keywords in camelCase). */
export interface NAdamOptions extends AdamaxOptions {
  /** ψ, how fast the momentum schedule μₜ = β₁(1 − 0.5·0.96^(tψ)) rises to β₁ (default 4e-3) */
  momentumDecay?: number;
}

type AdamaxHyper = Required<AdamaxOptions>;
/** Adamax's and RAdam's arguments after params: PyTorch's positionals, then an options object. */
type AdamaxArgs = Args<[lr: number, betas: [number, number], eps: number, weightDecay: number], AdamaxOptions>;
const ADAMAX_KEYS = ["lr", "betas", "eps", "weightDecay"];
type NAdamHyper = Required<NAdamOptions>;

function hyper(o: AdamaxOptions, lr: number): AdamaxHyper {
  // a copy of betas, so that groups do not share the caller's array (a non-array is refused by validate)
  const betas = (Array.isArray(o.betas) ? [...o.betas] : given(o.betas, [0.9, 0.999])) as [number, number];
  return { lr: given(o.lr, lr), betas, eps: given(o.eps, 1e-8), weightDecay: given(o.weightDecay, 0) };
}

/** PyTorch's range checks of the Adam family (lr and the value kinds are the base class's). */
function validateAdamLike(name: string, g: AdamaxHyper): void {
  checkScalar(name, "eps", g.eps, (x) => x >= 0, "a number >= 0");
  g.betas.forEach((b, i) => checkScalar(name, `betas[${i}]`, b, (x) => x >= 0 && x < 1, "a number in [0, 1)"));
  checkScalar(name, "weightDecay", g.weightDecay, (x) => x >= 0, "a number >= 0");
}

/**
 * `torch.optim.Adamax(params, lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0)`, positional or in an
 * options object: Adam with the
 * infinity norm. g += λp; m = β₁m + (1−β₁)g; u = max(β₂u, |g| + ε); p ← p − (lr/(1−β₁ᵗ))·m/u.
 * State per parameter: `step`, `expAvg` (m), `expInf` (u).
 * @throws Error for a negative lr, eps or weightDecay, betas outside [0, 1), or an unknown option.
 * @example
 * const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adamax extends Optimizer<AdamaxHyper> {
  constructor(params: ParamsInput<AdamaxHyper>, opts?: AdamaxOptions);
  constructor(params: ParamsInput<AdamaxHyper>, ...args: AdamaxArgs);
  constructor(params: ParamsInput<AdamaxHyper>, ...args: unknown[]) {
    super(params, hyper(optimizerArgs("Adamax", args, ADAMAX_KEYS, 4), 2e-3));
  }

  protected override validate(g: ParamGroup<AdamaxHyper>): void {
    super.validate(g);
    validateAdamLike("Adamax", g);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<AdamaxHyper>): void {
    const [beta1, beta2] = h.betas;
    if (state.step === undefined) Object.assign(state, { step: 0, expAvg: Tensor.zerosLike(p), expInf: Tensor.zerosLike(p) });
    const step = (state.step as number) + 1;
    state.step = step;
    const expAvg = state.expAvg as Tensor, expInf = state.expInf as Tensor;
    const g = withWeightDecay(p, grad, h.weightDecay);
    expAvg.assign(expAvg.mul(beta1).add(g.mul(1 - beta1)));
    // torch.amax over the pair: NaN propagates, as maximum's does
    expInf.assign(expInf.mul(beta2).maximum(g.abs().add(h.eps)));
    const clr = h.lr / (1 - beta1 ** step);
    // addcdiv_(m, u, value) computes (value·m)/u
    p.assign(p.add(expAvg.mul(-clr).div(expInf)));
  }
}

/** NAdam's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type NAdamArgs = Args<
  [lr: number, betas: [number, number], eps: number, weightDecay: number, momentumDecay: number],
  NAdamOptions
>;

/**
 * `torch.optim.NAdam(params, lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, momentumDecay=4e-3)`,
 * positional or in an options object:
 * Adam with Nesterov momentum and Dozat's momentum schedule μₜ = β₁(1 − 0.5·0.96^(tψ)).
 * g += λp; m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; d = √(v/(1−β₂ᵗ)) + ε;
 * p ← p − lr(1−μₜ)/(1−Πμ)·g/d − lr·μₜ₊₁/(1−Πμ·μₜ₊₁)·m/d.
 * State per parameter: `step`, `muProduct` (Πμ, a float32 number as PyTorch's 0-d tensor), `expAvg`, `expAvgSq`.
 * @throws Error for a negative lr, eps, weightDecay or momentumDecay, betas outside [0, 1), or an unknown option.
 * @example
 * const opt = new optim.NAdam(model.parameters(), { lr: 2e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class NAdam extends Optimizer<NAdamHyper> {
  constructor(params: ParamsInput<NAdamHyper>, opts?: NAdamOptions);
  constructor(params: ParamsInput<NAdamHyper>, ...args: NAdamArgs);
  constructor(params: ParamsInput<NAdamHyper>, ...args: unknown[]) {
    const o: NAdamOptions = optimizerArgs("NAdam", args, [...ADAMAX_KEYS, "momentumDecay"], 5);
    super(params, { ...hyper(o, 2e-3), momentumDecay: given(o.momentumDecay, 4e-3) });
  }

  protected override validate(g: ParamGroup<NAdamHyper>): void {
    super.validate(g);
    validateAdamLike("NAdam", g);
    checkScalar("NAdam", "momentumDecay", g.momentumDecay, (x) => x >= 0, "a number >= 0");
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<NAdamHyper>): void {
    const [beta1, beta2] = h.betas;
    if (state.step === undefined) Object.assign(state, { step: 0, expAvg: Tensor.zerosLike(p), expAvgSq: Tensor.zerosLike(p) });
    state.muProduct ??= 1;
    const step = (state.step as number) + 1;
    state.step = step;
    const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
    const g = withWeightDecay(p, grad, h.weightDecay);
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * h.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * h.momentumDecay));
    // PyTorch keeps the product in a float32 tensor and multiplies by the scalars rounded to float32
    const f = Math.fround;
    const muProduct = (state.muProduct = f(f(state.muProduct as number) * f(mu)));
    const muProductNext = f(f(muProduct * f(mu)) * f(muNext));
    expAvg.assign(expAvg.mul(beta1).add(g.mul(1 - beta1)));
    expAvgSq.assign(expAvgSq.mul(beta2).add(g.mul(1 - beta2).mul(g)));
    const denom = expAvgSq.div(1 - beta2 ** step).sqrt().add(h.eps);
    p.assign(p.add(g.mul((-h.lr * (1 - mu)) / (1 - muProduct)).div(denom))
      .add(expAvg.mul((-h.lr * muNext) / (1 - muProductNext)).div(denom)));
  }

  /**
   * As `Optimizer.loadStateDict`, also taking `state.<i>.muProduct` (one number, as `stateDict()`
   * writes it) where the other state tensors have the parameter's shape.
   * @throws Error (changing nothing) for keys, shapes or group layouts that do not match, or a
   * muProduct that is not one number on a host device.
   * @example
   * opt.loadStateDict(load("opt.safetensors"));
   */
  override loadStateDict(sd: OptimizerStateDict | Map<string, Tensor>): void {
    this.loadStateDictWithNumbers(sd, ["muProduct"]);
  }
}

/**
 * `torch.optim.RAdam(params, lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0)`, positional or in an
 * options object: Adam with the
 * variance of its adaptive rate rectified. g += λp; m, v as Adam's; ρ∞ = 2/(1−β₂) − 1,
 * ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ); while ρₜ ≤ 5 (the first steps) p ← p − lr·m/(1−β₁ᵗ) (SGD with momentum),
 * then p ← p − lr·m/(1−β₁ᵗ)·r·√(1−β₂ᵗ)/(√v + ε) with r = √((ρₜ−4)(ρₜ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρₜ)).
 * State per parameter: `step`, `expAvg`, `expAvgSq`.
 * @throws Error for a negative lr, eps or weightDecay, betas outside [0, 1), or an unknown option.
 * @example
 * const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RAdam extends Optimizer<AdamaxHyper> {
  constructor(params: ParamsInput<AdamaxHyper>, opts?: RAdamOptions);
  constructor(params: ParamsInput<AdamaxHyper>, ...args: AdamaxArgs);
  constructor(params: ParamsInput<AdamaxHyper>, ...args: unknown[]) {
    super(params, hyper(optimizerArgs("RAdam", args, ADAMAX_KEYS, 4), 1e-3));
  }

  protected override validate(g: ParamGroup<AdamaxHyper>): void {
    super.validate(g);
    validateAdamLike("RAdam", g);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<AdamaxHyper>): void {
    const [beta1, beta2] = h.betas;
    if (state.step === undefined) Object.assign(state, { step: 0, expAvg: Tensor.zerosLike(p), expAvgSq: Tensor.zerosLike(p) });
    const step = (state.step as number) + 1;
    state.step = step;
    const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
    const g = withWeightDecay(p, grad, h.weightDecay);
    expAvg.assign(expAvg.mul(beta1).add(g.mul(1 - beta1)));
    expAvgSq.assign(expAvgSq.mul(beta2).add(g.mul(1 - beta2).mul(g)));
    const bc2 = 1 - beta2 ** step;
    const corrected = expAvg.div(1 - beta1 ** step).mul(h.lr);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
    if (rhoT > 5) {
      const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      // PyTorch's float / tensor is reciprocal(tensor)·float
      const adaptiveLr = expAvgSq.sqrt().add(h.eps).reciprocal().mul(Math.sqrt(bc2));
      p.assign(p.sub(corrected.mul(adaptiveLr).mul(rect)));
    } else {
      p.assign(p.sub(corrected));
    }
  }
}
