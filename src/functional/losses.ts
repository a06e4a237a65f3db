// Losses and distances as composites of primitives (no backward code): nllLoss and crossEntropy
// with class weights, binaryCrossEntropy, l1, smoothL1, huber, klDiv, cosineSimilarity and
// pairwiseDistance, each with PyTorch 1.13's formulas, reductions and gradients.
import { Tensor } from "../core.js";
import { noGrad } from "../graph.js";
import { gatherChecked, where } from "../ops.js";
import { norm } from "../tensor_ops.js";
import { broadcastShapes, fmt, normDim } from "../shape.js";
import { hostReadable } from "../backend/backend.js";
import {
  type Args, type Reduction, REDUCTIONS, checkBool, checkEnum, checkFloat, checkScalar, checkOptions, checkSameShape,
  checkTensor, parseArgs, reduceLoss,
} from "./args.js";

/** Options of `F.nllLoss` and `nn.NLLLoss` (PyTorch's keywords in camelCase). */
export interface NllOptions {
  /** A rescaling weight for each class, [C]. */
  weight?: Tensor | null;
  /** Targets equal to this class index add no loss and no count to the mean. Default -100. */
  ignoreIndex?: number;
  /** "mean" (default; weighted by the targets' class weights), "sum" or "none". */
  reduction?: Reduction;
}
/** Options of `F.crossEntropy` and `nn.CrossEntropyLoss`. */
export interface CrossEntropyOptions extends NllOptions {
  /** ε in [0, 1]: the target is mixed with the uniform distribution, (1 - ε)·target + ε/C. Default 0. */
  labelSmoothing?: number;
}
const NLL_KEYS = ["weight", "ignoreIndex", "reduction"] as const;
const CE_KEYS = [...NLL_KEYS, "labelSmoothing"] as const;

function classWeight(op: string, weight: unknown, nClass: number): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const w = checkFloat(op, "weight", weight);
  if (w.ndim !== 1 || w.shape[0] !== nClass) {
    throw new Error(`${op}: weight must hold one value for each of the ${nClass} classes, got shape ${fmt(w.shape)}`);
  }
  return w;
}

/**
 * Negative log-likelihood of class indices with class weights w, ignoreIndex and label smoothing ε
 * (PyTorch's cross_entropy_loss_label_smoothing): per element
 * loss = (1-ε)·w[y]·(-logp[y]) + (ε/C)·Σ_c w[c]·(-logp[c]), 0 where y = ignoreIndex;
 * "mean" divides the sum by Σ w[y] over the elements not ignored (by their count without weights).
 */
function nll(op: string, logp: Tensor, target: Tensor, opts: CrossEntropyOptions): Tensor {
  const reduction = checkEnum(op, "reduction", opts.reduction ?? "mean", REDUCTIONS);
  const ignoreIndex = checkScalar(op, "ignoreIndex", opts.ignoreIndex ?? -100, Number.isInteger, "an integer");
  const ls = checkScalar(op, "labelSmoothing", opts.labelSmoothing ?? 0, (v) => v >= 0 && v <= 1, "a number in [0, 1]");
  if (target.dtype !== "int32") throw new Error(`${op}: target must hold int32 class indices, got ${target.dtype} (shape ${fmt(target.shape)})`);
  if (logp.ndim === 0) throw new Error(`${op}: input must have a class dim, got shape ${fmt(logp.shape)}`);
  const classDim = logp.ndim === 1 ? 0 : 1;
  const nClass = logp.shape[classDim];
  const weight = classWeight(op, opts.weight, nClass);
  const expected = logp.shape.filter((_, i) => i !== classDim);
  if (target.shape.join() !== expected.join()) {
    throw new Error(`${op}: target shape ${fmt(target.shape)} does not match input shape ${fmt(logp.shape)} (expected ${fmt(expected)})`);
  }
  const fast = weight === null && ls === 0 && reduction === "mean" && logp.ndim === 2 ? meanNllOfIndices(op, logp, target, ignoreIndex) : null;
  if (fast) return fast;
  // classes last: [..., C]
  const lp = classDim === 1 && logp.ndim > 2 ? logp.movedim(1, -1) : logp;
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0);
  if (safe.numel > 0 && hostReadable(safe.data)) { // on webgpu the gather below checks on the device
    const lo = noGrad(() => safe.min().item()), hi = noGrad(() => safe.max().item());
    checkTargetRange(op, lo, hi, nClass);
  }
  // w[y] (0 where ignored): the per-element factor and, summed, the mean's denominator
  const wy = weight ? weight.indexSelect(0, safe.reshape(-1)).reshape(safe.shape).mul(valid) : valid;
  let loss = lp.gather(-1, safe.unsqueeze(-1)).squeeze(-1).neg().mul(wy);
  if (ls > 0) {
    const smooth = (weight ? lp.mul(weight) : lp).sum(-1).neg();
    loss = loss.mul(1 - ls).add(smooth.mul(ls / nClass));
  }
  // ignored rows are selected out (where), not only multiplied by 0: their log-probabilities may
  // be NaN or -inf (masked padding), and PyTorch's loss stays finite then
  loss = where(valid, loss, 0);
  if (reduction !== "mean") return reduceLoss(loss, reduction);
  // nothing counted (all ignored): NaN like PyTorch's 0/0, with its zero gradient instead of 0·inf
  const den = wy.sum(), none = den.eq(0);
  return where(none, NaN, loss.sum().div(where(none, 1, den)));
}

/** Class indices from lo to hi must name one of nClass classes. */
function checkTargetRange(op: string, lo: number, hi: number, nClass: number): void {
  if (lo < 0 || hi >= nClass) throw new Error(`${op}: target ${lo < 0 ? lo : hi} is out of range for ${nClass} classes`);
}

/**
 * The usual case of nll (no class weights, no smoothing, "mean", logp [N, C] with N > 0, no target
 * equal to ignoreIndex): -Σ logp[i, y_i] / N as a gather, a sum and one division, instead of the
 * general path's masks and weighted count (about fifteen more ops each way, all of them exact
 * no-ops here: ×1, where(true), a count of N). The values are the general path's bit for bit: the
 * gathered values are summed in the same layout and order, and Σ(-v)/N = (Σv)/(-N) exactly, as is
 * the gradient, 1/(-N) = -(1/N). One host pass over the targets checks their range and looks for
 * ignored ones; null (take the general path) when there is one, or the targets are not on the host.
 */
function meanNllOfIndices(op: string, logp: Tensor, target: Tensor, ignoreIndex: number): Tensor | null {
  const n = target.numel;
  if (n === 0 || !hostReadable(target.data)) return null;
  const y = target.backend.read(target)!;
  let lo = y[0], hi = y[0];
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v === ignoreIndex) return null;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  checkTargetRange(op, lo, hi, logp.shape[1]);
  return gatherChecked(logp, 1, target.unsqueeze(-1)).squeeze(-1).sum().div(-n);
}

/**
 * NLL of log-probabilities (the output of logSoftmax) [N, C], [C] or [N, C, d...] against int32
 * class indices (torch.nn.functional.nll_loss).
 * Target: [N] (or [], or [N, d...]) int32 class indices in [0, C) or ignoreIndex.
 * @throws Error for a non-float input, target indices out of range, shapes that do not fit, or unknown options.
 * @example
 * const loss = F.nllLoss(F.logSoftmax(logits, 1), labels); // [N, C], [N]
 */
export function nllLoss(input: Tensor, target: Tensor, opts?: NllOptions): Tensor {
  const o = checkOptions("nllLoss", opts, NLL_KEYS);
  checkFloat("nllLoss", "input", input);
  checkTensor("nllLoss", "target", target);
  return nll("nllLoss", input, target, o);
}

/**
 * Cross-entropy of logits [N, C] (or [C], or [N, C, d...]) against int32 class indices, or against
 * class probabilities of the input's shape: -Σ_c w[c]·p[c]·log q[c], smoothed toward uniform and
 * averaged over the N·d elements (torch.nn.functional.cross_entropy).
 * @throws Error for a non-float input, class indices out of range, a probability target of another shape, or unknown options.
 * @example
 * const loss = F.crossEntropy(logits, labels);                       // [N, C], int32 [N]
 * const smooth = F.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, opts?: CrossEntropyOptions): Tensor {
  const op = "crossEntropy";
  const o = checkOptions(op, opts, CE_KEYS);
  checkFloat(op, "input", input);
  checkTensor(op, "target", target);
  const classDim = input.ndim === 1 ? 0 : 1;
  if (target.dtype === "int32") return nll(op, input.logSoftmax(classDim), target, o);
  if (input.ndim === 0 || target.shape.join() !== input.shape.join()) {
    throw new Error(`${op}: probability targets must have the input's shape ${fmt(input.shape)}, got ${fmt(target.shape)} (class indices must be int32)`);
  }
  if (o.ignoreIndex !== undefined && o.ignoreIndex !== -100) throw new Error(`${op}: ignoreIndex is not supported for probability (floating-point) targets`);
  const reduction = checkEnum(op, "reduction", o.reduction ?? "mean", REDUCTIONS);
  const eps = checkScalar(op, "labelSmoothing", o.labelSmoothing ?? 0, (v) => v >= 0 && v <= 1, "a number in [0, 1]");
  const nClass = input.shape[classDim];
  const weight = classWeight(op, o.weight, nClass);
  const p = eps > 0 ? target.mul(1 - eps).add(eps / nClass) : target;
  let terms = input.logSoftmax(classDim).mul(p);
  if (weight) terms = terms.mul(classDim === 0 ? weight : weight.reshape([nClass, ...Array<number>(input.ndim - 2).fill(1)]));
  return reduceLoss(terms.sum(classDim).neg(), reduction);
}

/** Options of `F.binaryCrossEntropy`. */
export interface WeightedLossOptions {
  /** Multiplies each element's loss (broadcast to the input's shape). */
  weight?: Tensor | null;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/** log(x) clamped to >= -100 as PyTorch's binary_cross_entropy does, with no NaN in its gradient at
 *  x = 0. A NaN or negative x gives NaN (`ne`, not `gt`, picks the log: NaN > 0 is false, and such
 *  an x gave -100, a finite loss, where PyTorch refuses input outside [0, 1]). */
function clampedLog(x: Tensor): Tensor {
  const nz = x.ne(0);
  return where(nz, where(nz, x, 1).log().clamp(-100), -100);
}

/**
 * -w·(y·log x + (1-y)·log(1-x)) of probabilities x against targets y, logs clamped at -100
 * (torch.nn.functional.binary_cross_entropy).
 * Input and target have the same shape; input values in [0, 1]: a NaN or an input outside [0, 1]
 * gives NaN there (PyTorch raises; checking the values would need a read of the device).
 * @throws Error if the shapes differ, or weight does not broadcast.
 * @example
 * const loss = F.binaryCrossEntropy(F.sigmoid(logits), targets);
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: WeightedLossOptions): Tensor {
  const op = "binaryCrossEntropy";
  const o = checkOptions(op, opts, ["weight", "reduction"]);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
  const reduction = checkEnum(op, "reduction", o.reduction ?? "mean", REDUCTIONS);
  let loss = target.mul(clampedLog(input)).add(target.neg().add(1).mul(clampedLog(input.neg().add(1)))).neg();
  if (o.weight != null) {
    const w = checkFloat(op, "weight", o.weight);
    broadcastTo(op, "weight", w, input.shape);
    loss = loss.mul(w);
  }
  return reduceLoss(loss, reduction);
}

function broadcastTo(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  const ok = (() => {
    try {
      return broadcastShapes(op, t.shape, shape).join() === shape.join();
    } catch {
      return false;
    }
  })();
  if (!ok) throw new Error(`${op}: ${name} of shape ${fmt(t.shape)} cannot broadcast to the input's shape ${fmt(shape)}`);
}

/** Options of the elementwise losses (`l1Loss`, `smoothL1Loss`, `huberLoss`). */
export interface ReductionOptions {
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

function elementwise(op: string, input: Tensor, target: Tensor): void {
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
}

/**
 * |x - y| (torch.nn.functional.l1_loss).
 * Input and target have the same shape.
 * @throws Error if the shapes differ.
 * @example
 * const loss = F.l1Loss(pred, y, { reduction: "sum" });
 */
export function l1Loss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor {
  const o = checkOptions("l1Loss", opts, ["reduction"]);
  elementwise("l1Loss", input, target);
  return reduceLoss(input.sub(target).abs(), checkEnum("l1Loss", "reduction", o.reduction ?? "mean", REDUCTIONS));
}

/**
 * 0.5·d²/β where |d| < β, else |d| - 0.5·β, with d = x - y (torch.nn.functional.smooth_l1_loss; β = 0 is l1).
 * Input and target have the same shape; β defaults to 1.
 * @throws Error if the shapes differ or β < 0.
 * @example
 * const loss = F.smoothL1Loss(pred, y, { beta: 0.5 });
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: ReductionOptions & { beta?: number }): Tensor {
  const op = "smoothL1Loss";
  const o = checkOptions(op, opts, ["reduction", "beta"]);
  elementwise(op, input, target);
  const reduction = checkEnum(op, "reduction", o.reduction ?? "mean", REDUCTIONS);
  const beta = checkScalar(op, "beta", o.beta ?? 1, (v) => v >= 0, "a non-negative number");
  const z = input.sub(target).abs();
  // β = 0 would put z²/0 into the unused branch of where, and inf·0 = NaN into the gradient
  const loss = beta === 0 ? z : where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  return reduceLoss(loss, reduction);
}

/**
 * 0.5·d² where |d| < δ, else δ·(|d| - 0.5·δ) (torch.nn.functional.huber_loss).
 * Input and target have the same shape; δ defaults to 1.
 * @throws Error if the shapes differ or δ <= 0.
 * @example
 * const loss = F.huberLoss(pred, y, { delta: 2 });
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: ReductionOptions & { delta?: number }): Tensor {
  const op = "huberLoss";
  const o = checkOptions(op, opts, ["reduction", "delta"]);
  elementwise(op, input, target);
  const reduction = checkEnum(op, "reduction", o.reduction ?? "mean", REDUCTIONS);
  const delta = checkScalar(op, "delta", o.delta ?? 1, (v) => v > 0, "a positive number");
  const z = input.sub(target).abs();
  return reduceLoss(where(z.lt(delta), z.square().mul(0.5), z.sub(0.5 * delta).mul(delta)), reduction);
}

/** Options of `F.klDiv` and `nn.KLDivLoss`. */
export interface KlDivOptions {
  /** "batchmean" divides the sum by the batch size (the first dim): the KL divergence itself. */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities too. */
  logTarget?: boolean;
}

/**
 * KL divergence of log-probabilities x from targets y: y·(log y - x) (0 where y = 0), or with
 * logTarget e^y·(y - x) (torch.nn.functional.kl_div). Input and target broadcast.
 * @throws Error if the shapes do not broadcast, or for an unknown reduction.
 * @example
 * const loss = F.klDiv(F.logSoftmax(student, 1), F.softmax(teacher, 1), { reduction: "batchmean" });
 */
export function klDiv(input: Tensor, target: Tensor, opts?: KlDivOptions): Tensor {
  const op = "klDiv";
  const o = checkOptions(op, opts, ["reduction", "logTarget"]);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  const reduction = checkEnum(op, "reduction", o.reduction ?? "mean", [...REDUCTIONS, "batchmean"] as const);
  const logTarget = checkBool(op, "logTarget", o.logTarget ?? false);
  broadcastShapes(op, input.shape, target.shape);
  let loss: Tensor;
  if (logTarget) loss = target.exp().mul(target.sub(input));
  else {
    // xlogy(y, y) - y·x: 0·log 0 = 0, a negative y gives NaN like PyTorch's
    const zero = target.eq(0);
    loss = where(zero, 0, target.mul(where(zero, 1, target).log())).sub(target.mul(input));
  }
  if (reduction === "batchmean") return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]);
  return reduceLoss(loss, reduction);
}

/** ‖x‖₂ over dim (kept): Tensor.norm's, with PyTorch's zero gradient at x = 0 instead of 0/0. */
function norm2(x: Tensor, dim: number): Tensor {
  return norm(x, 2, { dim, keepdim: true });
}

/** Options of `F.cosineSimilarity` (also accepted positionally: `cosineSimilarity(x1, x2, dim, eps)`). */
export interface CosineSimilarityOptions {
  /** The dim to compare along, default 1. */
  dim?: number;
  /** Lower bound on each norm, default 1e-8. */
  eps?: number;
}

/**
 * Σ (x1/‖x1‖)·(x2/‖x2‖) over dim, each norm clamped below at eps (x1 and x2 broadcast), like
 * torch.nn.functional.cosine_similarity(x1, x2, dim=1, eps=1e-8). Below eps the gradient is
 * PyTorch's: its norm is clamped in place, so d‖x‖/dx = x/eps there.
 * The result has the broadcast shape without dim.
 * @example
 * const sim = F.cosineSimilarity(a, b);        // [N, D], [N, D] → [N]
 * const s = F.cosineSimilarity(a, b, { dim: -1 });
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, ...args: Args<[dim: number, eps: number], CosineSimilarityOptions>): Tensor {
  const op = "cosineSimilarity";
  const a = parseArgs(op, args, ["dim", "eps"]);
  checkFloat(op, "x1", x1);
  checkFloat(op, "x2", x2);
  const shape = broadcastShapes(op, x1.shape, x2.shape);
  const dim = normDim(op, checkScalar(op, "dim", a.dim ?? 1, Number.isInteger, "an integer"), shape.length);
  const eps = checkScalar(op, "eps", a.eps ?? 1e-8, (v) => v > 0, "a positive number");
  const clamped = (x: Tensor) => {
    const n = norm2(x, dim);
    const small = n.detach().lt(eps);
    const scaled = n.mul(n.detach().div(eps)); // value n²/eps, gradient x/eps
    return where(small, scaled.add(scaled.detach().neg().add(eps)), n); // value eps where small
  };
  const u = x1.expand(shape), v = x2.expand(shape);
  return u.div(clamped(u)).mul(v.div(clamped(v))).sum(dim);
}

/** Options of `F.pairwiseDistance` (also accepted positionally: `pairwiseDistance(x1, x2, p, eps, keepdim)`). */
export interface PairwiseDistanceOptions {
  /** The norm's order: any p >= 0, or Infinity. Default 2. */
  p?: number;
  /** Added to the difference before the norm, default 1e-6. */
  eps?: number;
  /** Keep the last dim with size 1. Default false. */
  keepdim?: boolean;
}

/**
 * ‖x1 - x2 + eps‖_p over the last dim (x1 and x2 broadcast), like
 * torch.nn.functional.pairwise_distance(x1, x2, p=2, eps=1e-6, keepdim=False).
 * The result has the broadcast shape without the last dim (unless keepdim).
 * @throws Error for 0-d inputs.
 * @example
 * const d = F.pairwiseDistance(a, b); // [N, D], [N, D] → [N]
 */
export function pairwiseDistance(
  x1: Tensor, x2: Tensor, ...args: Args<[p: number, eps: number, keepdim: boolean], PairwiseDistanceOptions>
): Tensor {
  const op = "pairwiseDistance";
  const a = parseArgs(op, args, ["p", "eps", "keepdim"]);
  checkFloat(op, "x1", x1);
  checkFloat(op, "x2", x2);
  const p = checkScalar(op, "p", a.p ?? 2, (v) => v >= 0, "a non-negative number or Infinity");
  const eps = checkScalar(op, "eps", a.eps ?? 1e-6);
  const keepdim = checkBool(op, "keepdim", a.keepdim ?? false);
  const d = x1.sub(x2).add(eps);
  if (d.ndim === 0) throw new Error(`${op}: expects inputs with at least 1 dim, got shapes ${fmt(x1.shape)} and ${fmt(x2.shape)}`);
  return norm(d, p, { dim: -1, keepdim });
}
