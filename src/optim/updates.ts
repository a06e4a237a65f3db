// The update rules, one function per optimizer, each changing a parameter and its state in place.
// Kept apart from the classes so a backend can swap in a fused kernel with the same contract.
// Each follows PyTorch's single-tensor (foreach=False) code, operation for operation, so float32
// results agree to rounding. Callers run them under noGrad.
import { adamStep } from "../fused.js";
import { Tensor } from "../tensor.js";

/** g + λp: PyTorch's L2 weight decay, grad.add(param, alpha=weight_decay), as is when λ = 0. */
export function withWeightDecay(p: Tensor, grad: Tensor, weightDecay: number): Tensor {
  return weightDecay !== 0 ? grad.add(p.mul(weightDecay)) : grad;
}

function clone(t: Tensor): Tensor {
  return Tensor.zeros(t.shape, { dtype: t.dtype, device: t.device }).assign(t);
}

/** SGD's hyperparameters, as each parameter group holds them. */
export interface SGDHyper {
  /** learning rate */
  lr: number;
  /** momentum factor μ (0: none) */
  momentum: number;
  /** dampening τ of the momentum */
  dampening: number;
  /** L2 penalty λ added to the gradient */
  weightDecay: number;
  /** Nesterov momentum */
  nesterov: boolean;
  /** ascend instead of descend */
  maximize: boolean;
}

/**
 * SGD: d = g + λp; with momentum b = μb + (1−τ)d (b = d at first), d = nesterov ? d + μb : b;
 * p ← p − lr·d.
 * The rule `SGD.step` applies, exposed for custom loops; call it under `noGrad`.
 * @example
 * const state = {};
 * noGrad(() => optim.sgdUpdate(p, p.grad!, state, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }));
 */
export function sgdUpdate(p: Tensor, grad: Tensor, state: { momentumBuffer?: Tensor }, h: SGDHyper): void {
  let d = h.maximize ? grad.neg() : grad;
  d = withWeightDecay(p, d, h.weightDecay);
  if (h.momentum !== 0) {
    let buf = state.momentumBuffer;
    if (!buf) {
      buf = state.momentumBuffer = clone(d);
    } else {
      buf.assign(buf.mul(h.momentum).add(d.mul(1 - h.dampening)));
    }
    d = h.nesterov ? d.add(buf.mul(h.momentum)) : buf;
  }
  p.assign(p.add(d.mul(-h.lr)));
}

/** Adam's and AdamW's hyperparameters, as each parameter group holds them. */
export interface AdamHyper {
  /** learning rate */
  lr: number;
  /** [β₁, β₂], decay rates of the moment averages */
  betas: [number, number];
  /** ε added to the denominator */
  eps: number;
  /** λ: L2 penalty (Adam) or decoupled decay (AdamW) */
  weightDecay: number;
  /** use the running maximum of the second moment */
  amsgrad: boolean;
  /** ascend instead of descend */
  maximize: boolean;
}

/** Adam's per-parameter state (created on the first update). */
export interface AdamState {
  /** updates done so far */
  step?: number;
  /** first moment m (PyTorch's exp_avg) */
  expAvg?: Tensor;
  /** second moment v (PyTorch's exp_avg_sq) */
  expAvgSq?: Tensor;
  /** running max of v, with amsgrad (PyTorch's max_exp_avg_sq) */
  maxExpAvgSq?: Tensor;
}

/**
 * Adam (decoupled = false) and AdamW (decoupled = true):
 * AdamW first decays p ← p·(1 − lr·λ); Adam instead adds λp to the gradient. Then
 * m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², and
 * p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)  (v replaced by its running max with amsgrad).
 * The rule `Adam.step`/`AdamW.step` apply, exposed for custom loops; call it under `noGrad`.
 * @example
 * const state: optim.AdamState = {};
 * noGrad(() => optim.adamUpdate(p, p.grad!, state, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, false));
 */
export function adamUpdate(p: Tensor, grad: Tensor, state: AdamState, h: AdamHyper, decoupled: boolean): void {
  const [beta1, beta2] = h.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
    state.expAvgSq = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
    if (h.amsgrad) state.maxExpAvgSq = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
  }
  const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
  const step = ++state.step;
  if (!h.amsgrad && !h.maximize &&
    adamStep(p, grad, expAvg, expAvgSq, { lr: h.lr, beta1, beta2, eps: h.eps, weightDecay: h.weightDecay, decoupled, step })) {
    return; // the backend's fused kernel did the same update in one pass
  }
  let g = h.maximize ? grad.neg() : grad;
  if (h.weightDecay !== 0) {
    if (decoupled) p.assign(p.mul(1 - h.lr * h.weightDecay));
    else g = g.add(p.mul(h.weightDecay));
  }
  expAvg.assign(expAvg.mul(beta1).add(g.mul(1 - beta1)));
  // PyTorch's addcmul_(g, g, value) computes (value·g)·g
  expAvgSq.assign(expAvgSq.mul(beta2).add(g.mul(1 - beta2).mul(g)));
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = h.lr / biasCorrection1;
  let v = expAvgSq;
  if (h.amsgrad) {
    if (!state.maxExpAvgSq) state.maxExpAvgSq = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
    v = state.maxExpAvgSq.assign(state.maxExpAvgSq.maximum(expAvgSq));
  }
  const denom = v.sqrt().div(biasCorrection2Sqrt).add(h.eps);
  // addcdiv_(m, denom, value) computes (value·m)/denom
  p.assign(p.add(expAvg.mul(-stepSize).div(denom)));
}

/** RMSprop's hyperparameters, as each parameter group holds them. */
export interface RMSpropHyper {
  /** learning rate (default 0.01) */
  lr: number;
  /** smoothing constant α of the squared-gradient average (default 0.99) */
  alpha: number;
  /** ε added to the denominator (default 1e-8) */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0) */
  weightDecay: number;
  /** momentum factor μ (default 0) */
  momentum: number;
  /** normalise by the variance estimate v − m² instead of v (default false) */
  centered: boolean;
  /** ascend instead of descend (default false) */
  maximize: boolean;
}

/** RMSprop's per-parameter state (created on the first update). */
export interface RMSpropState {
  /** updates done so far */
  step?: number;
  /** running average of g² (PyTorch's square_avg) */
  squareAvg?: Tensor;
  /** momentum buffer b, with momentum > 0 */
  momentumBuffer?: Tensor;
  /** running average of g, when centered (PyTorch's grad_avg) */
  gradAvg?: Tensor;
}

/**
 * RMSprop: g += λp; v = αv + (1−α)g²; with centered, m = αm + (1−α)g and the denominator uses
 * v − m²; d = √(·) + ε; with momentum b = μb + g/d, p ← p − lr·b; else p ← p − lr·g/d.
 * The rule `RMSprop.step` applies, exposed for custom loops; call it under `noGrad`.
 * @example
 * const state: optim.RMSpropState = {};
 * noGrad(() => optim.rmspropUpdate(p, p.grad!, state, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }));
 */
export function rmspropUpdate(p: Tensor, grad: Tensor, state: RMSpropState, h: RMSpropHyper): void {
  if (state.step === undefined) {
    state.step = 0;
    state.squareAvg = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
    if (h.momentum > 0) state.momentumBuffer = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
    if (h.centered) state.gradAvg = Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device });
  }
  state.step++;
  let g = h.maximize ? grad.neg() : grad;
  g = withWeightDecay(p, g, h.weightDecay);
  const squareAvg = state.squareAvg as Tensor;
  squareAvg.assign(squareAvg.mul(h.alpha).add(g.mul(1 - h.alpha).mul(g)));
  let avg: Tensor;
  if (h.centered) {
    const gradAvg = (state.gradAvg ??= Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device }));
    gradAvg.assign(gradAvg.mul(h.alpha).add(g.mul(1 - h.alpha)));
    avg = squareAvg.add(gradAvg.mul(-1).mul(gradAvg)).sqrt();
  } else {
    avg = squareAvg.sqrt();
  }
  avg = avg.add(h.eps);
  if (h.momentum > 0) {
    const buf = (state.momentumBuffer ??= Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device }));
    buf.assign(buf.mul(h.momentum).add(g.div(avg)));
    p.assign(p.add(buf.mul(-h.lr)));
  } else {
    p.assign(p.add(g.mul(-h.lr).div(avg)));
  }
}

/** Adagrad's hyperparameters, as each parameter group holds them. */
export interface AdagradHyper {
  /** learning rate (default 0.01) */
  lr: number;
  /** learning-rate decay per step (default 0) */
  lrDecay: number;
  /** L2 penalty λ added to the gradient (default 0) */
  weightDecay: number;
  /** starting value of the sum of squares (default 0) */
  initialAccumulatorValue: number;
  /** ε added to the denominator (default 1e-10) */
  eps: number;
  /** ascend instead of descend (default false) */
  maximize: boolean;
}

/** Adagrad's per-parameter state. */
export interface AdagradState {
  /** updates done so far */
  step?: number;
  /** accumulated sum of g² */
  sum?: Tensor;
}

/**
 * Adagrad: g += λp; s += g²; p ← p − (lr/(1 + (t−1)·lrDecay))·g/(√s + ε).
 * The rule `Adagrad.step` applies, exposed for custom loops; call it under `noGrad`.
 * @example
 * const state: optim.AdagradState = {};
 * noGrad(() => optim.adagradUpdate(p, p.grad!, state, { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }));
 */
export function adagradUpdate(p: Tensor, grad: Tensor, state: AdagradState, h: AdagradHyper): void {
  state.step ??= 0;
  state.sum ??= Tensor.full(p.shape, h.initialAccumulatorValue, { dtype: p.dtype, device: p.device });
  const step = ++state.step;
  let g = h.maximize ? grad.neg() : grad;
  g = withWeightDecay(p, g, h.weightDecay);
  const clr = h.lr / (1 + (step - 1) * h.lrDecay);
  state.sum.assign(state.sum.add(g.mul(g)));
  const std = state.sum.sqrt().add(h.eps);
  p.assign(p.add(g.mul(-clr).div(std)));
}
