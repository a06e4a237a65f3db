// Losses and distances as composites of primitives (no backward code): nllLoss and crossEntropy
// with class weights, binaryCrossEntropy, l1, smoothL1, huber, klDiv, cosineSimilarity and
// pairwiseDistance, the margin, ranking and embedding losses, and the Poisson and Gaussian NLLs,
// each with PyTorch 1.13's formulas, reductions and gradients.
import { Tensor } from "../core.js";
import { noGrad } from "../graph.js";
import { cat, gatherChecked, stack, where } from "../ops.js";
import { norm } from "../tensor_ops.js";
import { broadcastShapes, fmt, normDim } from "../shape.js";
import { hostReadable } from "../backend/backend.js";
import { logsigmoid, softplus } from "./activations.js";
import {
  type Args, type Reduction, REDUCTIONS, checkBool, checkEnum, checkFloat, checkScalar, checkOptions, checkSameShape,
  checkTensor, lossArgs, given, parseArgs, reduceLoss,
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
// PyTorch's positional order (sizeAverage and reduce, deprecated there, must be null)
const NLL_ARGS = ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction"] as const;
const CE_ARGS = [...NLL_ARGS, "labelSmoothing"] as const;
const WEIGHTED_ARGS = ["weight", "sizeAverage", "reduce", "reduction"] as const;
const REDUCTION_ARGS = ["sizeAverage", "reduce", "reduction"] as const;


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
  const reduction = checkEnum(op, "reduction", given(opts.reduction, "mean"), REDUCTIONS);
  const ignoreIndex = checkScalar(op, "ignoreIndex", given(opts.ignoreIndex, -100), Number.isInteger, "an integer");
  const ls = checkScalar(op, "labelSmoothing", given(opts.labelSmoothing, 0), (v) => v >= 0 && v <= 1, "a number in [0, 1]");
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
 * Target: [N] (or [], or [N, d...]) int32 class indices in [0, C) or ignoreIndex. The arguments
 * after target come in PyTorch's order (weight, sizeAverage, ignoreIndex, reduce, reduction) or by
 * name; sizeAverage and reduce, deprecated in PyTorch, must be null.
 * @throws Error for a non-float input, target indices out of range, shapes that do not fit, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.nllLoss(F.logSoftmax(logits, 1), labels); // [N, C], [N]
 * const weighted = F.nllLoss(logp, labels, classWeights);  // PyTorch's positional weight
 */
export function nllLoss(
  input: Tensor, target: Tensor,
  ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, ignoreIndex: number, reduce: null | undefined, reduction: Reduction], NllOptions | undefined>
): Tensor {
  const o = lossArgs("nllLoss", args, NLL_ARGS) as NllOptions;
  checkFloat("nllLoss", "input", input);
  checkTensor("nllLoss", "target", target);
  return nll("nllLoss", input, target, o);
}

/**
 * Cross-entropy of logits [N, C] (or [C], or [N, C, d...]) against int32 class indices, or against
 * class probabilities of the input's shape: -Σ_c w[c]·p[c]·log q[c], smoothed toward uniform and
 * averaged over the N·d elements (torch.nn.functional.cross_entropy).
 * The arguments after target come in PyTorch's order (weight, sizeAverage, ignoreIndex, reduce,
 * reduction, labelSmoothing) or by name; sizeAverage and reduce, deprecated in PyTorch, must be null.
 * @throws Error for a non-float input, class indices out of range, a probability target of another
 *   shape, a non-null sizeAverage or reduce, too many arguments, or unknown options.
 * @example
 * const loss = F.crossEntropy(logits, labels);                       // [N, C], int32 [N]
 * const smooth = F.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * const weighted = F.crossEntropy(logits, labels, classWeights);    // PyTorch's positional weight [C]
 */
export function crossEntropy(
  input: Tensor, target: Tensor,
  ...args: Args<
    [weight: Tensor | null, sizeAverage: null | undefined, ignoreIndex: number, reduce: null | undefined, reduction: Reduction, labelSmoothing: number],
    CrossEntropyOptions | undefined
  >
): Tensor {
  const op = "crossEntropy";
  const o = lossArgs(op, args, CE_ARGS) as CrossEntropyOptions;
  checkFloat(op, "input", input);
  checkTensor(op, "target", target);
  const classDim = input.ndim === 1 ? 0 : 1;
  if (target.dtype === "int32") return nll(op, input.logSoftmax(classDim), target, o);
  if (input.ndim === 0 || target.shape.join() !== input.shape.join()) {
    throw new Error(`${op}: probability targets must have the input's shape ${fmt(input.shape)}, got ${fmt(target.shape)} (class indices must be int32)`);
  }
  if (o.ignoreIndex !== undefined && o.ignoreIndex !== -100) throw new Error(`${op}: ignoreIndex is not supported for probability (floating-point) targets`);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  const eps = checkScalar(op, "labelSmoothing", given(o.labelSmoothing, 0), (v) => v >= 0 && v <= 1, "a number in [0, 1]");
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
 * The arguments after target come in PyTorch's order (weight, sizeAverage, reduce, reduction) or by
 * name; sizeAverage and reduce, deprecated in PyTorch, must be null.
 * @throws Error if the shapes differ, weight does not broadcast, for a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.binaryCrossEntropy(F.sigmoid(logits), targets);
 */
export function binaryCrossEntropy(
  input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], WeightedLossOptions | undefined>
): Tensor {
  const op = "binaryCrossEntropy";
  const o = lossArgs(op, args, WEIGHTED_ARGS) as WeightedLossOptions;
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  let loss = target.mul(clampedLog(input)).add(target.neg().add(1).mul(clampedLog(input.neg().add(1)))).neg();
  if (o.weight != null) {
    const w = checkFloat(op, "weight", o.weight);
    broadcastTo(op, "weight", w, input.shape);
    loss = loss.mul(w);
  }
  return reduceLoss(loss, reduction);
}

/** `t` (returned) must broadcast to `shape`, else an error naming it. */
export function broadcastTo(op: string, name: string, t: Tensor, shape: readonly number[]): Tensor {
  const ok = (() => {
    try {
      return broadcastShapes(op, t.shape, shape).join() === shape.join();
    } catch {
      return false;
    }
  })();
  if (!ok) throw new Error(`${op}: ${name} of shape ${fmt(t.shape)} cannot broadcast to the input's shape ${fmt(shape)}`);
  return t;
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
 * Input and target have the same shape. Reduction in PyTorch's place (after sizeAverage and reduce,
 * deprecated there, which must be null) or by name.
 * @throws Error if the shapes differ, for a bad reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.l1Loss(pred, y, { reduction: "sum" });
 */
export function l1Loss(input: Tensor, target: Tensor, ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], ReductionOptions | undefined>): Tensor {
  const o = lossArgs("l1Loss", args, REDUCTION_ARGS) as ReductionOptions;
  elementwise("l1Loss", input, target);
  return reduceLoss(input.sub(target).abs(), checkEnum("l1Loss", "reduction", given(o.reduction, "mean"), REDUCTIONS));
}

/**
 * 0.5·d²/β where |d| < β, else |d| - 0.5·β, with d = x - y (torch.nn.functional.smooth_l1_loss; β = 0 is l1).
 * Input and target have the same shape; β defaults to 1. The arguments after target in PyTorch's
 * order (sizeAverage, reduce, reduction, beta; the first two, deprecated there, must be null) or by name.
 * @throws Error if the shapes differ, β < 0, for a bad reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.smoothL1Loss(pred, y, { beta: 0.5 });
 */
export function smoothL1Loss(
  input: Tensor, target: Tensor,
  ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction, beta: number], (ReductionOptions & { beta?: number }) | undefined>
): Tensor {
  const op = "smoothL1Loss";
  const o = lossArgs(op, args, [...REDUCTION_ARGS, "beta"]) as ReductionOptions & { beta?: number };
  elementwise(op, input, target);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  const beta = checkScalar(op, "beta", given(o.beta, 1), (v) => v >= 0, "a non-negative number");
  const z = input.sub(target).abs();
  // β = 0 would put z²/0 into the unused branch of where, and inf·0 = NaN into the gradient
  const loss = beta === 0 ? z : where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  return reduceLoss(loss, reduction);
}

/**
 * 0.5·d² where |d| < δ, else δ·(|d| - 0.5·δ) (torch.nn.functional.huber_loss).
 * Input and target have the same shape; δ defaults to 1. reduction and delta positionally (PyTorch's
 * order) or by name.
 * @throws Error if the shapes differ, δ <= 0, for a bad reduction, too many arguments or unknown options.
 * @example
 * const loss = F.huberLoss(pred, y, { delta: 2 });
 */
export function huberLoss(
  input: Tensor, target: Tensor, ...args: Args<[reduction: Reduction, delta: number], (ReductionOptions & { delta?: number }) | undefined>
): Tensor {
  const op = "huberLoss";
  const o = parseArgs(op, args, ["reduction", "delta"]) as ReductionOptions & { delta?: number };
  elementwise(op, input, target);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  const delta = checkScalar(op, "delta", given(o.delta, 1), (v) => v > 0, "a positive number");
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
 * The options come positionally in PyTorch's order (sizeAverage, reduce, reduction, logTarget) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error if the shapes do not broadcast, or for an unknown reduction.
 * @example
 * const loss = F.klDiv(F.logSoftmax(student, 1), F.softmax(teacher, 1), { reduction: "batchmean" });
 */
export function klDiv(
  input: Tensor, target: Tensor,
  ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction | "batchmean", logTarget: boolean], KlDivOptions | undefined>
): Tensor {
  const op = "klDiv";
  const o = lossArgs(op, args, ["sizeAverage", "reduce", "reduction", "logTarget"]) as KlDivOptions;
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), [...REDUCTIONS, "batchmean"] as const);
  const logTarget = checkBool(op, "logTarget", given(o.logTarget, false));
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
  const dim = normDim(op, checkScalar(op, "dim", given(a.dim, 1), Number.isInteger, "an integer"), shape.length);
  const eps = checkScalar(op, "eps", given(a.eps, 1e-8), (v) => v > 0, "a positive number");
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
  const p = checkScalar(op, "p", given(a.p, 2), (v) => v >= 0, "a non-negative number or Infinity");
  const eps = checkScalar(op, "eps", given(a.eps, 1e-6));
  const keepdim = checkBool(op, "keepdim", given(a.keepdim, false));
  const d = x1.sub(x2).add(eps);
  if (d.ndim === 0) throw new Error(`${op}: expects inputs with at least 1 dim, got shapes ${fmt(x1.shape)} and ${fmt(x2.shape)}`);
  return norm(d, p, { dim: -1, keepdim });
}

// ---- ranking, margin and embedding losses, the Poisson and Gaussian NLLs (PyTorch 1.13's formulas,
// aten/src/ATen/native/Loss.cpp and torch/nn/functional.py, and their gradients at the kinks: a
// clamp at 0 passes the gradient at the boundary, as aten's clamp_min does)

/** Options of `F.marginRankingLoss`, `F.hingeEmbeddingLoss` and `F.cosineEmbeddingLoss`. */
export interface MarginOptions {
  /** The margin: default 0 (marginRankingLoss, cosineEmbeddingLoss) or 1 (hingeEmbeddingLoss). */
  margin?: number;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}
const MARGIN_ARGS = ["margin", "sizeAverage", "reduce", "reduction"] as const;

function marginOptions(op: string, args: readonly unknown[], defaultMargin: number): { margin: number; reduction: Reduction } {
  const o = lossArgs(op, args, MARGIN_ARGS) as MarginOptions;
  return {
    margin: checkScalar(op, "margin", given(o.margin, defaultMargin)),
    reduction: checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS),
  };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The broadcast shape of the named arguments' shapes, or an error naming them. */
function broadcastNamed(op: string, args: [name: string, shape: readonly number[]][]): number[] {
  try {
    return args.reduce<number[]>((s, [, t]) => broadcastShapes(op, s, t), []);
  } catch {
    throw new Error(`${op}: ${args.map(([n, t]) => `${n} ${fmt(t)}`).join(", ")} cannot broadcast together`);
  }
}

/**
 * max(0, -y·(x1 - x2) + margin): ranks x1 above x2 where y = 1, below where y = -1
 * (torch.nn.functional.margin_ranking_loss).
 * input1, input2 and target have one shape (no broadcasting, as PyTorch's newer check); the target
 * may be int32.
 * The options come positionally in PyTorch's order (margin, sizeAverage, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error if the shapes differ, for a non-float input, a bad margin or reduction, or unknown options.
 * @example
 * const loss = F.marginRankingLoss(scoreA, scoreB, y, { margin: 0.5 }); // [N], [N], ±1 [N]
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions | undefined>): Tensor {
  const op = "marginRankingLoss";
  const { margin, reduction } = marginOptions(op, args, 0);
  checkFloat(op, "input1", input1);
  checkFloat(op, "input2", input2);
  checkTensor(op, "target", target);
  if (!sameShape(input1.shape, input2.shape) || !sameShape(input1.shape, target.shape)) {
    throw new Error(`${op}: input1, input2 and target must have the same shape, got ${fmt(input1.shape)}, ${fmt(input2.shape)} and ${fmt(target.shape)}`);
  }
  return reduceLoss(input1.sub(input2).mul(target).neg().add(margin).clamp(0), reduction);
}

/**
 * x where y = 1, max(0, margin - x) where y = -1 (both terms for any other y), for distances x
 * (torch.nn.functional.hinge_embedding_loss). Input and target have the same shape; the target
 * may be int32.
 * The options come positionally in PyTorch's order (margin, sizeAverage, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error if the shapes differ, for a non-float input, a bad margin or reduction, or unknown options.
 * @example
 * const loss = F.hingeEmbeddingLoss(dist, y, { margin: 2 }); // y holds 1 (similar) or -1 (dissimilar)
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, ...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions | undefined>): Tensor {
  const op = "hingeEmbeddingLoss";
  const { margin, reduction } = marginOptions(op, args, 1);
  checkFloat(op, "input", input);
  checkSameShape(op, input, checkTensor(op, "target", target));
  const loss = where(target.ne(1), input.neg().add(margin).clamp(0), 0).add(where(target.ne(-1), input, 0));
  return reduceLoss(loss, reduction);
}

/**
 * 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, 0 for any other y
 * (torch.nn.functional.cosine_embedding_loss), with PyTorch's cosine Σx1·x2 / √((Σx1² + 1e-12)(Σx2² + 1e-12)).
 * Shapes: inputs [N, D] (broadcasting with each other) with target [N], or inputs [D] with a 0-d target.
 * The options come positionally in PyTorch's order (margin, sizeAverage, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error for a target of 2 or more dims, inputs of the wrong rank for the target, shapes that
 *   do not broadcast, a non-float input, a bad margin or reduction, or unknown options.
 * @example
 * const loss = F.cosineEmbeddingLoss(a, b, y, { margin: 0.2 }); // [N, D], [N, D], ±1 [N]
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions | undefined>): Tensor {
  const op = "cosineEmbeddingLoss";
  const { margin, reduction } = marginOptions(op, args, 0);
  checkFloat(op, "input1", input1);
  checkFloat(op, "input2", input2);
  checkTensor(op, "target", target);
  if (target.ndim > 1) throw new Error(`${op}: target must be 0-d or 1-d (one label per pair), got shape ${fmt(target.shape)}`);
  const d = target.ndim; // the feature dim: 1 for [N, D] inputs, 0 for [D]
  if (input1.ndim !== d + 1 || input2.ndim !== d + 1) {
    throw new Error(`${op}: a ${d}-d target expects ${d + 1}-d inputs, got shapes ${fmt(input1.shape)} and ${fmt(input2.shape)}`);
  }
  const pairs = broadcastNamed(op, [["input1", input1.shape], ["input2", input2.shape]]);
  broadcastNamed(op, [["the pairs of input1 and input2", pairs.slice(0, d)], ["target", target.shape]]);
  const prod = input1.mul(input2).sum(d);
  const mag1 = input1.mul(input1).sum(d).add(1e-12), mag2 = input2.mul(input2).sum(d).add(1e-12);
  const cos = prod.div(mag1.mul(mag2).sqrt());
  const loss = where(target.eq(1), cos.neg().add(1), 0).add(where(target.eq(-1), cos.sub(margin).clamp(0), 0));
  return reduceLoss(loss, reduction);
}

/** Options of `F.tripletMarginLoss` and `nn.TripletMarginLoss`. */
export interface TripletMarginOptions {
  /** The margin between the two distances, default 1. */
  margin?: number;
  /** The distance's norm order (as `F.pairwiseDistance`), default 2. */
  p?: number;
  /** Added to each difference before the norm (as `F.pairwiseDistance`), default 1e-6. */
  eps?: number;
  /** Use the smaller of d(anchor, negative) and d(positive, negative) (the "distance swap"). Default false. */
  swap?: boolean;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/**
 * max(0, d(a, p) - d(a, n) + margin) with d = `F.pairwiseDistance` (p-norm over the last dim, eps
 * added to the difference); with swap, d(a, n) is min(d(a, n), d(p, n))
 * (torch.nn.functional.triplet_margin_loss).
 * Shapes: anchor, positive and negative [N, D] (or [D]), of one rank, broadcasting with each other.
 * The options come positionally in PyTorch's order (margin, p, eps, swap, sizeAverage, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error for inputs of different ranks or 0-d, shapes that do not broadcast, a non-float input,
 *   a bad margin, p, eps or reduction, or unknown options.
 * @example
 * const loss = F.tripletMarginLoss(anchor, positive, negative, { margin: 0.5, swap: true });
 */
export function tripletMarginLoss(
  anchor: Tensor, positive: Tensor, negative: Tensor,
  ...args: Args<
    [margin: number, p: number, eps: number, swap: boolean, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction],
    TripletMarginOptions | undefined
  >
): Tensor {
  const op = "tripletMarginLoss";
  const o = lossArgs(op, args, ["margin", "p", "eps", "swap", "sizeAverage", "reduce", "reduction"]) as TripletMarginOptions;
  const margin = checkScalar(op, "margin", given(o.margin, 1));
  const p = checkScalar(op, "p", given(o.p, 2), (v) => v >= 0, "a non-negative number or Infinity");
  const eps = checkScalar(op, "eps", given(o.eps, 1e-6));
  const swap = checkBool(op, "swap", given(o.swap, false));
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  checkFloat(op, "anchor", anchor);
  checkFloat(op, "positive", positive);
  checkFloat(op, "negative", negative);
  if (anchor.ndim !== positive.ndim || anchor.ndim !== negative.ndim || anchor.ndim === 0) {
    throw new Error(`${op}: anchor, positive and negative must have the same number of dims (at least 1), got shapes ${fmt(anchor.shape)}, ${fmt(positive.shape)} and ${fmt(negative.shape)}`);
  }
  broadcastNamed(op, [["anchor", anchor.shape], ["positive", positive.shape], ["negative", negative.shape]]);
  const dist = (x: Tensor, y: Tensor) => pairwiseDistance(x, y, { p, eps });
  const dNeg = swap ? dist(anchor, negative).minimum(dist(positive, negative)) : dist(anchor, negative);
  return reduceLoss(dist(anchor, positive).add(margin).sub(dNeg).clamp(0), reduction);
}

/**
 * log(1 + e^(-y·x)), computed as softplus(-y·x) so that it neither overflows nor loses the small
 * values (torch.nn.functional.soft_margin_loss). Input and target (±1) have the same shape.
 * Reduction in PyTorch's place (after sizeAverage and reduce, deprecated there, which must be null) or by name.
 * @throws Error if the shapes differ, for a non-float tensor, a bad reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.softMarginLoss(scores, y); // y holds 1 or -1
 */
export function softMarginLoss(input: Tensor, target: Tensor, ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], ReductionOptions | undefined>): Tensor {
  const op = "softMarginLoss";
  const o = lossArgs(op, args, REDUCTION_ARGS) as ReductionOptions;
  elementwise(op, input, target);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  return reduceLoss(softplus(input.mul(target).neg()), reduction);
}

/**
 * -(y·log σ(x) + (1 - y)·log σ(-x)), times weight, averaged over the classes (the last dim): one
 * loss per sample, then reduced (torch.nn.functional.multilabel_soft_margin_loss).
 * Shapes: input and target [N, C] (or [C], or [..., C]); weight broadcasts to the input's shape.
 * The arguments after target in PyTorch's order (weight, sizeAverage, reduce, reduction; sizeAverage
 * and reduce, deprecated there, must be null) or by name.
 * @throws Error for a 0-d input, shapes that differ, a weight that does not broadcast, a non-float
 *   tensor, a bad reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.multiLabelSoftMarginLoss(logits, labels01); // [N, C], 0/1 [N, C]
 */
export function multiLabelSoftMarginLoss(
  input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], WeightedLossOptions | undefined>
): Tensor {
  const op = "multiLabelSoftMarginLoss";
  const o = lossArgs(op, args, WEIGHTED_ARGS) as WeightedLossOptions;
  elementwise(op, input, target);
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dim (the last), got shape ${fmt(input.shape)}`);
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  let loss = logsigmoid(input).mul(target).add(logsigmoid(input.neg()).mul(target.neg().add(1))).neg();
  if (o.weight != null) {
    const w = checkFloat(op, "weight", o.weight);
    broadcastTo(op, "weight", w, input.shape);
    loss = loss.mul(w);
  }
  return reduceLoss(loss.sum(-1).div(input.shape[input.ndim - 1]), reduction);
}

/** Options of `F.multiMarginLoss` and `nn.MultiMarginLoss`. */
export interface MultiMarginOptions {
  /** The hinge's power: 1 (default) or 2. */
  p?: number;
  /** The margin, default 1. */
  margin?: number;
  /** A rescaling weight for each class, [C]: the terms of a sample are weighted by its class's weight. */
  weight?: Tensor | null;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/**
 * The multi-class hinge loss: per sample Σ_{j ≠ y} w[y]·max(0, margin - x[y] + x[j])^p / C
 * (torch.nn.functional.multi_margin_loss; the sum is divided by the number of classes C).
 * Shapes: input [N, C] with int32 target [N], or input [C] with a target of one element ([] or [1]).
 * The options come positionally in PyTorch's order (p, margin, weight, sizeAverage, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error for p other than 1 or 2, an input of another rank, a non-int32 target or one of the
 *   wrong shape, target classes out of range, a weight that is not [C], a bad margin or reduction,
 *   or unknown options.
 * @example
 * const loss = F.multiMarginLoss(scores, labels, { margin: 0.5 }); // [N, C], int32 [N]
 */
export function multiMarginLoss(
  input: Tensor, target: Tensor,
  ...args: Args<
    [p: number, margin: number, weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction],
    MultiMarginOptions | undefined
  >
): Tensor {
  const op = "multiMarginLoss";
  const o = lossArgs(op, args, ["p", "margin", "weight", "sizeAverage", "reduce", "reduction"]) as MultiMarginOptions;
  const p = checkScalar(op, "p", given(o.p, 1), (v) => v === 1 || v === 2, "1 or 2");
  const margin = checkScalar(op, "margin", given(o.margin, 1));
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  checkFloat(op, "input", input);
  checkTensor(op, "target", target);
  if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`${op}: input must be [C] or [N, C], got shape ${fmt(input.shape)}`);
  if (target.dtype !== "int32") throw new Error(`${op}: target must hold int32 class indices, got ${target.dtype} (shape ${fmt(target.shape)})`);
  const single = input.ndim === 1;
  if (single ? target.numel !== 1 || target.ndim > 1 : !sameShape(target.shape, input.shape.slice(0, 1))) {
    throw new Error(`${op}: target shape ${fmt(target.shape)} does not fit input shape ${fmt(input.shape)} (expected ${single ? "[] or [1]" : fmt(input.shape.slice(0, 1))})`);
  }
  const nClass = input.shape[input.ndim - 1];
  const weight = classWeight(op, o.weight, nClass);
  if (target.numel > 0 && hostReadable(target.data)) { // on webgpu the gather below checks on the device
    checkTargetRange(op, noGrad(() => target.min().item()), noGrad(() => target.max().item()), nClass);
  }
  const x = single ? input.unsqueeze(0) : input, y = target.reshape([-1, 1]); // [N, C], [N, 1]
  // z = margin - x[y] + x[j]; the term counts where z > 0 and j ≠ y (aten's strict test: no gradient at z = 0)
  const z = gatherChecked(x, 1, y).neg().add(margin).add(x);
  const on = z.gt(0).mul(Tensor.arange(nClass, { device: x.device }).ne(y));
  let h = where(on, p === 1 ? z : z.square(), 0);
  if (weight) h = h.mul(weight.indexSelect(0, y.reshape(-1)).unsqueeze(1));
  const loss = h.sum(1).div(nClass);
  return reduceLoss(single ? loss.reshape(target.shape) : loss, reduction);
}

/** Options of `F.poissonNllLoss` and `nn.PoissonNLLLoss`. */
export interface PoissonNllOptions {
  /** The input is the log of the rate (default true): loss e^x - y·x; else x - y·log(x + eps). */
  logInput?: boolean;
  /** Add Stirling's approximation of log(y!), y·log y - y + ½·log(2πy), where y > 1. Default false. */
  full?: boolean;
  /** Added to the rate inside the log when logInput is false, default 1e-8. */
  eps?: number;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/**
 * The negative log-likelihood of counts y under Poisson rates: e^x - y·x for log-rates x (logInput,
 * the default), or x - y·log(x + eps) for rates x; with full, Stirling's term
 * y·log y - y + ½·log(2πy) is added where y > 1 (torch.nn.functional.poisson_nll_loss).
 * Input and target have the same shape.
 * The options come positionally in PyTorch's order (logInput, full, sizeAverage, eps, reduce, reduction) or by name; sizeAverage and reduce, deprecated there, must be null.
 * @throws Error if the shapes differ, for a non-float tensor, bad options (logInput, full, eps,
 *   reduction) or unknown ones.
 * @example
 * const loss = F.poissonNllLoss(logRate, counts, { full: true });
 */
export function poissonNllLoss(
  input: Tensor, target: Tensor,
  ...args: Args<
    [logInput: boolean, full: boolean, sizeAverage: null | undefined, eps: number, reduce: null | undefined, reduction: Reduction],
    PoissonNllOptions | undefined
  >
): Tensor {
  const op = "poissonNllLoss";
  const o = lossArgs(op, args, ["logInput", "full", "sizeAverage", "eps", "reduce", "reduction"]) as PoissonNllOptions;
  const logInput = checkBool(op, "logInput", given(o.logInput, true));
  const full = checkBool(op, "full", given(o.full, false));
  const eps = checkScalar(op, "eps", given(o.eps, 1e-8), (v) => v >= 0, "a non-negative number");
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  elementwise(op, input, target);
  let loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(eps).log()));
  if (full) {
    // the term is computed on y where y > 1 and on 2 elsewhere (then dropped), so that log(0) does
    // not put a NaN into a target's gradient
    const big = target.gt(1), y = where(big, target, 2);
    const stirling = y.mul(y.log()).sub(y).add(y.mul(2 * Math.PI).log().mul(0.5));
    loss = loss.add(where(big, stirling, 0));
  }
  return reduceLoss(loss, reduction);
}

/** Options of `F.gaussianNllLoss` and `nn.GaussianNLLLoss`. */
export interface GaussianNllOptions {
  /** Add the constant ½·log(2π). Default false. */
  full?: boolean;
  /** The variances are clamped below at eps (default 1e-6); the gradient passes the clamp unchanged. */
  eps?: number;
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/**
 * The negative log-likelihood of targets y under Gaussians of means x and variances v:
 * ½·(log v + (x - y)²/v), plus ½·log(2π) with full (torch.nn.functional.gaussian_nll_loss).
 * v is clamped below at eps as PyTorch does it (in place, under no_grad): the value is max(v, eps)
 * and the gradient is the one at that value, passed to v unmasked.
 * Shapes: target broadcasts to the input's shape; var has the input's shape, or that shape without
 * its last dim, or with last dim 1 (one variance for a row). Var must be non-negative: checked on
 * the host devices; on webgpu (no synchronous read) a negative variance gives NaN there instead.
 * The options come positionally in PyTorch's order (full, eps, reduction) or by name.
 * @throws Error for a var or target of another shape, a negative variance, a non-float tensor,
 *   a bad full, eps or reduction, or unknown options.
 * @example
 * const loss = F.gaussianNllLoss(mean, y, variance); // [N, D], [N, D], [N, D] or [N, 1] or [N]
 */
export function gaussianNllLoss(
  input: Tensor, target: Tensor, variance: Tensor, ...args: Args<[full: boolean, eps: number, reduction: Reduction], GaussianNllOptions | undefined>
): Tensor {
  const op = "gaussianNllLoss";
  const o = parseArgs(op, args, ["full", "eps", "reduction"]) as GaussianNllOptions;
  const full = checkBool(op, "full", o.full ?? false);
  const eps = checkScalar(op, "eps", given(o.eps, 1e-6), (v) => v >= 0, "a non-negative number");
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  let v = checkFloat(op, "var", variance);
  broadcastTo(op, "target", target, input.shape);
  const rows = input.shape.slice(0, -1);
  if (!sameShape(v.shape, input.shape)) {
    if (sameShape(v.shape, rows)) v = v.unsqueeze(-1);
    else if (!(v.ndim > 0 && v.shape[v.ndim - 1] === 1 && sameShape(v.shape.slice(0, -1), rows))) {
      throw new Error(`${op}: var must have the input's shape ${fmt(input.shape)}, or that shape without its last dim or with last dim 1, got ${fmt(v.shape)}`);
    }
  }
  const host = hostReadable(v.data);
  if (host && v.numel > 0 && noGrad(() => v.min().item()) < 0) throw new Error(`${op}: var must be non-negative, got a negative entry`);
  // the clamp with PyTorch's gradient: eps + (v - v) where v < eps (value eps, gradient 1)
  const vd = v.detach(), vc = where(vd.lt(eps), v.sub(vd).add(eps), v);
  let loss = vc.log().add(input.sub(target).square().div(vc)).mul(0.5);
  if (full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  if (!host) loss = where(vd.lt(0), NaN, loss);
  return reduceLoss(loss, reduction);
}

// ---- CTC (connectionist temporal classification, PyTorch 1.13's ctc_loss)

/** Options of `F.ctcLoss` and `nn.CTCLoss`. */
export interface CtcLossOptions {
  /** The blank class index, in [0, C). Default 0. */
  blank?: number;
  /** "mean" (default: each loss divided by its target length, at least 1, then the mean over the batch), "sum" or "none". */
  reduction?: Reduction;
  /** Infinite losses (alignments that cannot exist) and their gradients become 0. Default false. */
  zeroInfinity?: boolean;
}

/** Sequence lengths read on the host: a number, a number array or an int32 tensor of n values in [0, max]. */
function ctcLengths(op: string, name: string, v: unknown, n: number, max: number): number[] {
  let arr: unknown[];
  if (v instanceof Tensor) {
    if (v.dtype !== "int32") throw new Error(`${op}: ${name} must be an int32 tensor or an array of integers, got a ${v.dtype} tensor`);
    if (!hostReadable(v.data)) {
      throw new Error(`${op}: ${name} is on ${v.device}, which cannot be read synchronously: pass the lengths as a number array (await lengths.toArrayAsync())`);
    }
    if (v.ndim > 1) throw new Error(`${op}: ${name} must be 0-d or 1-D, got shape ${fmt(v.shape)}`);
    arr = noGrad(() => v.reshape([-1]).toArray()) as number[];
  } else if (typeof v === "number") arr = [v];
  else if (Array.isArray(v)) arr = v;
  else throw new Error(`${op}: ${name} must be an int32 tensor or an array of integers, got ${v === null ? "null" : typeof v}`);
  if (arr.length !== n) throw new Error(`${op}: ${name} must hold one length for each of the ${n} sequences, got ${arr.length}`);
  return arr.map((x) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > max) {
      throw new Error(`${op}: ${name} must hold integers in [0, ${max}], got ${String(x)}`);
    }
    return x;
  });
}

/** log Σ exp(x) over the last dim, -inf (with a zero gradient, not NaN) where every term is -inf. */
function ctcLogSumExp(x: Tensor): Tensor {
  const m = x.detach().amax(-1, { keepdim: true });
  const mSafe = where(m.eq(-Infinity), 0, m);
  const s = x.sub(mSafe).exp().sum(-1);
  const pos = s.gt(0);
  return where(pos, where(pos, s, 1).log().add(mSafe.squeeze(-1)), -Infinity);
}

/**
 * The connectionist temporal classification loss: -log of the total probability of the alignments
 * of each target sequence to its input frames (torch.nn.functional.ctc_loss). A composite: the
 * forward variable α over the target with blanks interleaved (2S+1 states) is advanced frame by
 * frame with a log-sum-exp of the allowed transitions, and autograd gives the gradient.
 *
 * Shapes: logProbs [T, N, C] (log-softmaxed, e.g. by `F.logSoftmax(x, 2)`) or [T, C] unbatched;
 * targets int32 [N, S] padded, or 1-D with the N targets concatenated (unbatched: 1-D [S], S the target length);
 * inputLengths and targetLengths hold N lengths (number arrays, or int32 tensors on a device the
 * host reads: for a webgpu tensor pass `await lengths.toArrayAsync()`). Returns [N] with reduction
 * "none" (0-d unbatched), else a 0-d tensor. An impossible alignment (too few frames) gives an
 * infinite loss, with a zero gradient (PyTorch's is NaN) unless zeroInfinity turns both into 0.
 * The options come positionally in PyTorch's order (blank, reduction, zeroInfinity) or by name.
 * @throws Error for shapes or lengths that do not fit, non-int32 targets or targets out of
 *   [0, C), lengths on webgpu, a bad blank or reduction, or unknown options.
 * @example
 * const logProbs = F.logSoftmax(Tensor.randn([50, 2, 20]), 2);        // T = 50, N = 2, C = 20
 * const targets = Tensor.from([[1, 2, 2, 3], [4, 5, 0, 0]], { dtype: "int32" });
 * const loss = F.ctcLoss(logProbs, targets, [50, 40], [4, 2]);
 */
export function ctcLoss(
  logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[] | number,
  targetLengths: Tensor | readonly number[] | number,
  ...args: Args<[blank: number, reduction: Reduction, zeroInfinity: boolean], CtcLossOptions | undefined>
): Tensor {
  const op = "ctcLoss";
  const o = parseArgs(op, args, ["blank", "reduction", "zeroInfinity"]) as CtcLossOptions;
  const reduction = checkEnum(op, "reduction", given(o.reduction, "mean"), REDUCTIONS);
  const zeroInfinity = checkBool(op, "zeroInfinity", given(o.zeroInfinity, false));
  checkFloat(op, "logProbs", logProbs);
  checkTensor(op, "targets", targets);
  if (logProbs.ndim !== 2 && logProbs.ndim !== 3) {
    throw new Error(`${op}: logProbs must be [T, N, C] or [T, C] (unbatched), got shape ${fmt(logProbs.shape)}`);
  }
  if (targets.dtype !== "int32") throw new Error(`${op}: targets must hold int32 class indices, got ${targets.dtype}`);
  const batched = logProbs.ndim === 3;
  const lp = batched ? logProbs : logProbs.unsqueeze(1);
  const [T, N, C] = lp.shape;
  const blank = checkScalar(op, "blank", given(o.blank, 0), (v) => Number.isInteger(v) && v >= 0 && v < C, `an integer in [0, ${C})`);
  const il = ctcLengths(op, "inputLengths", inputLengths, N, T);
  const tl = ctcLengths(op, "targetLengths", targetLengths, N, Number.MAX_SAFE_INTEGER);
  const sMax = Math.max(0, ...tl);
  // where target k of sequence b lies in targets, flattened
  let at: (b: number, k: number) => number;
  if (!batched && targets.ndim !== 1) throw new Error(`${op}: unbatched logProbs [T, C] take 1-D targets [S], got shape ${fmt(targets.shape)}`);
  if (targets.ndim === 2) {
    if (targets.shape[0] !== N) throw new Error(`${op}: padded targets must be [${N}, S], got shape ${fmt(targets.shape)}`);
    const S = targets.shape[1];
    if (sMax > S) throw new Error(`${op}: a target length of ${sMax} does not fit padded targets of shape ${fmt(targets.shape)}`);
    at = (b, k) => b * S + k;
  } else if (targets.ndim === 1) {
    const offsets = tl.map((_, b) => tl.slice(0, b).reduce((a, x) => a + x, 0));
    const total = tl.reduce((a, x) => a + x, 0);
    if (total !== targets.shape[0]) {
      throw new Error(`${op}: 1-D targets must hold the sum of targetLengths (${total}) labels, got ${targets.shape[0]}`);
    }
    at = (b, k) => offsets[b] + k;
  } else {
    throw new Error(`${op}: targets must be [${N}, S] (padded) or 1-D (concatenated), got shape ${fmt(targets.shape)}`);
  }
  const dev = { device: lp.device };
  const L = 2 * sMax + 1;
  // the extended labels [N, L]: blank, y1, blank, y2, ..., blank (blank past each target's length)
  let ext = Tensor.full([N, L], blank, { dtype: "int32", ...dev });
  let skip: Tensor | null = null; // [N, L - 2]: state s may be reached from s - 2 (a label unlike the one before)
  if (sMax > 0) {
    const pos: number[] = [], used: number[] = [];
    for (let b = 0; b < N; b++) for (let k = 0; k < sMax; k++) {
      pos.push(k < tl[b] ? at(b, k) : 0);
      used.push(k < tl[b] ? 1 : 0);
    }
    if (hostReadable(targets.data)) {
      const y = noGrad(() => targets.reshape([-1]).toArray()) as number[];
      for (let i = 0; i < pos.length; i++) {
        if (used[i] && (y[pos[i]] < 0 || y[pos[i]] >= C)) throw new Error(`${op}: target ${y[pos[i]]} is out of range for ${C} classes`);
      }
    }
    const picked = targets.reshape([-1]).indexSelect(0, Tensor.from(pos, { dtype: "int32", ...dev })).reshape([N, sMax, 1]);
    const labels = where(Tensor.from(used, { dtype: "int32", ...dev }).reshape([N, sMax, 1]).ne(0), picked, blank);
    const pairs = cat([Tensor.full([N, sMax, 1], blank, { dtype: "int32", ...dev }), labels], 2).reshape([N, 2 * sMax]);
    ext = cat([pairs, Tensor.full([N, 1], blank, { dtype: "int32", ...dev })], 1);
    skip = ext.narrow(1, 2, L - 2).ne(ext.narrow(1, 0, L - 2));
  }
  const ninf = (n: number) => Tensor.full([N, n], -Infinity, { dtype: lp.dtype, ...dev });
  // log-probabilities of the extended labels at each frame [T, N, L]
  const lpe = lp.gather(2, ext.unsqueeze(0).expand([T, N, L]));
  const frames = Tensor.from(il, { dtype: "int32", ...dev }).reshape([N, 1]);
  // α before the first frame: log 1 at a virtual state that leads to states 0 and 1 (state 0 itself here)
  let alpha = cat([Tensor.zeros([N, 1], { dtype: lp.dtype, ...dev }), ninf(L - 1)], 1);
  const tMax = Math.max(0, ...il);
  for (let t = 0; t < tMax; t++) {
    const terms = [alpha];
    if (L > 1) terms.push(cat([ninf(1), alpha.narrow(1, 0, L - 1)], 1));
    if (skip) terms.push(cat([ninf(2), where(skip, alpha.narrow(1, 0, L - 2), -Infinity)], 1));
    const next = ctcLogSumExp(stack(terms, -1)).add(lpe.narrow(0, t, 1).squeeze(0));
    alpha = where(frames.gt(t), next, alpha); // frozen past each sequence's input length
  }
  // the likelihood: the last two states (the last label, and the blank after it)
  const ends = Tensor.from(tl.map((l) => [2 * l, Math.max(2 * l - 1, 0)]), { dtype: "int32", ...dev });
  const hasTwo = Tensor.from(tl.map((l) => [1, l > 0 ? 1 : 0]), { dtype: "int32", ...dev }).ne(0);
  let loss = ctcLogSumExp(where(hasTwo, alpha.gather(1, ends), -Infinity)).neg();
  if (zeroInfinity) loss = where(loss.eq(Infinity), 0, loss);
  if (reduction === "mean") return loss.div(Tensor.from(tl.map((l) => Math.max(l, 1)), { dtype: lp.dtype, ...dev })).mean();
  if (reduction === "sum") return loss.sum();
  return batched ? loss : loss.reshape([]);
}
