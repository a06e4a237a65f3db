// The update rules, one function per optimizer, each changing a parameter and its state in place.
// Kept apart from the classes so a backend can swap in a fused kernel with the same contract.
// Each follows PyTorch's single-tensor (foreach=False) code, operation for operation, so float32
// results agree to rounding. Callers run them under noGrad.
import { adamStep } from "../fused.js";
import { Tensor } from "../tensor.js";

function clone(t: Tensor): Tensor {
  return Tensor.zeros(t.shape, { dtype: t.dtype, device: t.device }).assign(t);
}

export interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * SGD: d = g + λp; with momentum b = μb + (1−τ)d (b = d at first), d = nesterov ? d + μb : b;
 * p ← p − lr·d.
 */
export function sgdUpdate(p: Tensor, grad: Tensor, state: { momentumBuffer?: Tensor }, h: SGDHyper): void {
  let d = h.maximize ? grad.neg() : grad;
  if (h.weightDecay !== 0) d = d.add(p.mul(h.weightDecay));
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

export interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  step?: number;
  expAvg?: Tensor;
  expAvgSq?: Tensor;
  maxExpAvgSq?: Tensor;
}

/**
 * Adam (decoupled = false) and AdamW (decoupled = true):
 * AdamW first decays p ← p·(1 − lr·λ); Adam instead adds λp to the gradient. Then
 * m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², and
 * p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)  (v replaced by its running max with amsgrad).
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

export interface RMSpropHyper {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  step?: number;
  squareAvg?: Tensor;
  momentumBuffer?: Tensor;
  gradAvg?: Tensor;
}

/**
 * RMSprop: g += λp; v = αv + (1−α)g²; with centered, m = αm + (1−α)g and the denominator uses
 * v − m²; d = √(·) + ε; with momentum b = μb + g/d, p ← p − lr·b; else p ← p − lr·g/d.
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
  if (h.weightDecay !== 0) g = g.add(p.mul(h.weightDecay));
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

export interface AdagradHyper {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradState {
  step?: number;
  sum?: Tensor;
}

/** Adagrad: g += λp; s += g²; p ← p − (lr/(1 + (t−1)·lrDecay))·g/(√s + ε). */
export function adagradUpdate(p: Tensor, grad: Tensor, state: AdagradState, h: AdagradHyper): void {
  state.step ??= 0;
  state.sum ??= Tensor.full(p.shape, h.initialAccumulatorValue, { dtype: p.dtype, device: p.device });
  const step = ++state.step;
  let g = h.maximize ? grad.neg() : grad;
  if (h.weightDecay !== 0) g = g.add(p.mul(h.weightDecay));
  const clr = h.lr / (1 + (step - 1) * h.lrDecay);
  state.sum.assign(state.sum.add(g.mul(g)));
  const std = state.sum.sqrt().add(h.eps);
  p.assign(p.add(g.mul(-clr).div(std)));
}
