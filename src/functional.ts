// Composite ops (nn.functional): a few lines of primitives each, no backward code of their own.
import { Tensor } from "./core.js";
import { broadcastShapes, fmt, normDims, sameShape } from "./shape.js";
import { checkArity, checkInt, checkNumber, checkOptions, describe, INT32_MAX } from "./check.js";
import { checkIndex, linear as linearOp, where } from "./ops.js";
import { noGrad } from "./graph.js";
import * as fused from "./fused.js";
import { softplus } from "./functional/activations.js";
import { standardize } from "./functional/norms.js";
import { pad } from "./functional/pad.js";
import {
  type Args, REDUCTIONS, activationInput, checkBool, checkEnum, checkFloat, checkInplace, checkSameShape, checkScalar, checkTensor,
  embeddingPaddingIdx, lossArgs, given, parseArgs, reduceLoss,
} from "./functional/args.js";
import { broadcastTo } from "./functional/losses.js";
import { hostReadable } from "./backend/backend.js";

// the composites that live in their own files
export {
  binaryCrossEntropy, cosineSimilarity, crossEntropy, huberLoss, klDiv, l1Loss, nllLoss, pairwiseDistance, smoothL1Loss,
  type CosineSimilarityOptions, type CrossEntropyOptions, type KlDivOptions, type NllOptions, type PairwiseDistanceOptions,
  type ReductionOptions, type WeightedLossOptions,
  cosineEmbeddingLoss, gaussianNllLoss, hingeEmbeddingLoss, marginRankingLoss, multiLabelSoftMarginLoss, multiMarginLoss,
  poissonNllLoss, softMarginLoss, tripletMarginLoss, type GaussianNllOptions, type MarginOptions, type MultiMarginOptions,
  ctcLoss, type CtcLossOptions,
  type PoissonNllOptions, type TripletMarginOptions,
} from "./functional/losses.js";
export {
  celu, elu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, selu, softmin, softplus, softshrink, softsign,
  tanhshrink, threshold, type HardtanhOptions, type SoftplusOptions, type ThresholdOptions,
} from "./functional/activations.js";
export { normalize, type NormalizeOptions } from "./tensor_ops.js";
export {
  batchNorm, groupNorm, instanceNorm, localResponseNorm, type BatchNormOptions, type GroupNormOptions, type InstanceNormOptions,
  type LocalResponseNormOptions,
} from "./functional/norms.js";
export {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool1d, avgPool2d, maxPool1d, type MaxPool1dOptions, maxPool2d, type MaxPool2dOptions,
  adaptiveAvgPool3d, adaptiveMaxPool1d, adaptiveMaxPool3d, avgPool3d, maxPool3d, type MaxPool3dOptions,
} from "./functional/pooling.js";
// convolution, padding, resizing and embeddings
export { pad, type PadMode, type PadOptions } from "./functional/pad.js";
export { interpolate, pixelShuffle, pixelUnshuffle, type InterpolateMode, type InterpolateOptions } from "./functional/resize.js";
export {
  conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, type ConvOptions, type ConvPadding, type ConvTransposeOptions,
} from "./functional/conv.js";
export { affineGrid, fold, gridSample, unfold, type AffineGridOptions, type GridSampleMode, type GridSampleOptions, type GridSamplePadding, type UnfoldOptions } from "./functional/sampling.js";

/** How a loss reduces its per-element values: their mean (the default), their sum, or "none" (the unreduced tensor). */
export type Reduction = "mean" | "sum" | "none";
/** Options of `mseLoss` and `binaryCrossEntropyWithLogits` (PyTorch's `reduction=` keyword). */
export interface LossOptions {
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

// ---- activations ---------------------------------------------------------------------------

/** PyTorch's `inplace` argument of an activation: only false is accepted (dlgrad returns a new tensor). */
type Inplace = Args<[inplace: boolean], { inplace?: boolean }>;

/**
 * max(x, 0), elementwise (torch.nn.functional.relu(input, inplace=False)); the same as `x.relu()`.
 * `inplace` (positional or `{ inplace }`) may only be false.
 * @throws Error if input is not a Tensor, or for inplace true.
 * @example
 * const h = F.relu(x.matmul(w));
 */
export function relu(x: Tensor, ...args: Inplace): Tensor {
  return activationInput("relu", x, args, false).relu();
}
/**
 * 1 / (1 + e^-x), elementwise (torch.sigmoid); the same as `x.sigmoid()`.
 * @throws Error if input is not a Tensor, or for any further argument.
 * @example
 * const p = F.sigmoid(logits);
 */
export function sigmoid(x: Tensor): Tensor {
  checkArity("sigmoid", arguments, ["input"]);
  return checkTensor("sigmoid", "input", x).sigmoid();
}
/**
 * Hyperbolic tangent, elementwise (torch.tanh); the same as `x.tanh()`.
 * @throws Error if input is not a Tensor, or for any further argument.
 * @example
 * const h = F.tanh(x);
 */
export function tanh(x: Tensor): Tensor {
  checkArity("tanh", arguments, ["input"]);
  return checkTensor("tanh", "input", x).tanh();
}

/**
 * GELU: x Φ(x) with the exact erf form (PyTorch's default), or the tanh approximation with
 * approximate "tanh" (torch.nn.functional.gelu(input, approximate='none'): positionally or as
 * `{ approximate }`). Any shape.
 * @throws Error if input is not a floating-point tensor, or approximate is not "none" or "tanh".
 * @example
 * const h = F.gelu(x);
 * const g = F.gelu(x, { approximate: "tanh" }); // or F.gelu(x, "tanh")
 */
export function gelu(x: Tensor, ...args: Args<[approximate: "none" | "tanh"], { approximate?: "none" | "tanh" } | undefined>): Tensor {
  const a = parseArgs("gelu", args, ["approximate"]);
  checkFloat("gelu", "input", x);
  if (checkEnum("gelu", "approximate", given(a.approximate, "none"), ["none", "tanh"] as const) === "tanh") {
    // t = tanh(√(2/π)·(x + 0.044715·x³)); gelu = x·(1 + t)/2, d/dx = (1 + t)/2 + x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²)/2
    const c = Math.sqrt(2 / Math.PI), t = (x: Tensor) => x.add(x.pow(3).mul(0.044715)).mul(c).tanh();
    return withDerivative("gelu", x, (x) => x.mul(0.5).mul(t(x).add(1)), (x) => {
      const tx = t(x);
      return tx.add(1).mul(0.5).add(x.mul(tx.square().neg().add(1)).mul(x.square().mul(3 * 0.044715).add(1)).mul(0.5 * c));
    });
  }
  return fused.gelu(x, geluExact) ?? geluExact(x);
}

/** x·Φ(x), Φ(x) = (1 + erf(x/√2))/2 formed as PyTorch forms it; d/dx = Φ(x) + x·φ(x) */
function geluExact(x: Tensor): Tensor {
  return withDerivative("gelu", x, (x) => x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1)), (x) => {
    const pdf = x.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
    return x.mul(Math.SQRT1_2).erf().add(1).mul(0.5).add(x.mul(pdf));
  });
}

/**
 * f(x) with the gradient g·f'(x), as PyTorch's own backward for f computes it, rather than the
 * chain rule through f's composite: at an infinite upstream gradient (rsqrt(gelu(0))'s, say) a
 * product x·Φ(x) would pass inf·0 = NaN to the factor that is 0 where PyTorch (and the fused
 * kernels) give inf·f'(x). The derivative is itself built from Tensor ops, so it is recorded,
 * and differentiated, when a graph of the backward is built.
 */
function withDerivative(op: string, x: Tensor, f: (x: Tensor) => Tensor, df: (x: Tensor) => Tensor): Tensor {
  return noGrad(() => f(x)).track(op, [x], (g) => [g.mul(df(x))]);
}

/**
 * SiLU (swish): x σ(x), elementwise (torch.nn.functional.silu(input, inplace=False)); `inplace` may only be false.
 * @throws Error if input is not a floating-point tensor, or for inplace true.
 * @example
 * const h = F.silu(x);
 */
export function silu(x: Tensor, ...args: Inplace): Tensor {
  activationInput("silu", x, args);
  return x.mul(x.sigmoid());
}

/**
 * Leaky ReLU: x if x > 0 else negativeSlope·x, elementwise
 * (torch.nn.functional.leaky_relu(input, negative_slope=0.01, inplace=False): positionally or by
 * name; `inplace` may only be false).
 * @throws Error if input is not a floating-point tensor, negativeSlope not a number, or for inplace true.
 * @example
 * const h = F.leakyRelu(x, 0.2);
 */
export function leakyRelu(x: Tensor, ...args: Args<[negativeSlope: number, inplace: boolean], { negativeSlope?: number; inplace?: boolean }>): Tensor {
  const op = "leakyRelu";
  const a = parseArgs(op, args, ["negativeSlope", "inplace"]);
  checkFloat(op, "input", x);
  const slope = checkScalar(op, "negativeSlope", given(a.negativeSlope, 0.01));
  checkInplace(op, a.inplace);
  return where(x.gt(0), x, x.mul(slope));
}

/** Options of `F.softmax` and `F.logSoftmax`: PyTorch's `dtype` keyword. */
export interface SoftmaxOptions {
  /** Cast the input to this floating dtype first (an int32 input needs it); absent or null: the input's own. */
  dtype?: "float32" | "float64" | null;
}

/**
 * Softmax along `dim` (negative counts from the end): exp(x - max) / sum(exp(x - max)); subtracting
 * the max keeps exp from overflowing (torch.softmax(input, dim, dtype=None); the dim is required).
 * Same shape as x; with `{ dtype }` the input is cast to it first.
 * @throws Error if input is not a floating-point tensor (without a dtype) or for a dim out of range.
 * @example
 * F.softmax(tensor([1, 2, 3]), 0); // [0.090, 0.245, 0.665]
 * F.softmax(labels, 0, { dtype: "float32" }); // an int32 tensor, cast first
 */
export function softmax(x: Tensor, dim: number, options?: SoftmaxOptions): Tensor {
  checkArity("softmax", arguments, ["input", "dim", "options"]);
  [x, dim] = softmaxArgs("softmax", x, dim, options);
  return fused.softmax(x, dim, false, (x) => softmaxComposite(x, -1)) ?? softmaxComposite(x, dim);
}

/** A softmax-like op's input, cast to options.dtype first, and dim, checked with the op's name (as
 *  PyTorch, an integer input is refused); size 0 is allowed (empty result). */
function softmaxArgs(op: string, x: Tensor, dim: number, options: SoftmaxOptions | undefined): [Tensor, number] {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}`);
  const { dtype } = checkOptions(op, options, ["dtype"]);
  if (dtype !== undefined && dtype !== null) x = x.cast(checkEnum(op, "dtype", dtype, ["float32", "float64"]));
  if (x.dtype === "int32") throw new Error(`${op}: input must be a floating-point tensor, got int32 (shape ${fmt(x.shape)}): cast it first or give a floating dtype ("float32" or "float64")`);
  return [x, normDims(op, checkInt(op, "dim", dim), x.ndim)[0] ?? 0];
}

/** max over dims for shifting exp: 0 where the reduced size is 0 (nothing to shift). */
function shiftMax(x: Tensor, dims: number[]): Tensor {
  if (dims.some((d) => x.shape[d] === 0)) return Tensor.zeros(x.shape.map((s, i) => (dims.includes(i) ? 1 : s)), { dtype: x.dtype, device: x.device });
  return x.amax(dims, { keepdim: true }).detach();
}

function softmaxComposite(x: Tensor, dim: number): Tensor {
  const e = x.sub(shiftMax(x, normDims("softmax", dim, x.ndim))).exp();
  return e.div(e.sum(dim, { keepdim: true }));
}

/**
 * log(softmax(x)) along `dim`, computed stably as (x - max) - log(sum(exp(x - max)))
 * (torch.log_softmax(input, dim, dtype=None)); with `{ dtype }` the input is cast to it first.
 * @throws Error if input is not a floating-point tensor (without a dtype) or for a dim out of range.
 * @example
 * const logp = F.logSoftmax(logits, -1);
 */
export function logSoftmax(x: Tensor, dim: number, options?: SoftmaxOptions): Tensor {
  checkArity("logSoftmax", arguments, ["input", "dim", "options"]);
  [x, dim] = softmaxArgs("logSoftmax", x, dim, options);
  return fused.softmax(x, dim, true, (x) => logSoftmaxComposite(x, -1)) ?? logSoftmaxComposite(x, dim);
}

function logSoftmaxComposite(x: Tensor, dim: number): Tensor {
  const z = x.sub(shiftMax(x, normDims("logSoftmax", dim, x.ndim)));
  return z.sub(z.exp().sum(dim, { keepdim: true }).log());
}

/** The dims of a reduction: an int or a list of them (null, absent or an empty list: every dim). */
function reduceDims(op: string, x: Tensor, dim: unknown): number[] {
  if (dim == null || (Array.isArray(dim) && dim.length === 0)) return normDims(op, undefined, x.ndim);
  for (const d of Array.isArray(dim) ? dim : [dim]) checkInt(op, "dim", d);
  return normDims(op, dim as number | number[], x.ndim);
}

/**
 * log(sum(exp(x))) over `dim` (an int or a list; all dims when omitted) that never overflows: the max
 * is taken out first (and infinities left alone) (torch.logsumexp(input, dim, keepdim=False)):
 * dim and keepdim positionally or as `{ dim, keepdim }`; keepdim keeps the reduced dims with size 1.
 * @throws Error if input is not a Tensor, dim is not an integer (list) in range, or keepdim not a boolean.
 * @example
 * const lse = F.logsumexp(logits, 1); // [n, C] → [n]
 * const kept = F.logsumexp(logits, 1, true); // [n, 1]
 */
export function logsumexp(x: Tensor, ...args: Args<[dim: number | readonly number[] | null | undefined, keepdim: boolean], { dim?: number | readonly number[] | null | undefined; keepdim?: boolean }>): Tensor {
  const op = "logsumexp";
  const a = parseArgs(op, args, ["dim", "keepdim"]);
  checkTensor(op, "input", x);
  const dims = reduceDims(op, x, a.dim);
  const keepdim = checkBool(op, "keepdim", given(a.keepdim, false));
  const m0 = shiftMax(x, dims);
  const m = where(m0.abs().eq(Infinity), 0, m0);
  const out = x.sub(m).exp().sum(dims, { keepdim: true }).log().add(m);
  return keepdim ? out : out.squeeze(dims);
}

/** Options of `F.variance` and `F.std`: PyTorch's keywords (dim, unbiased and keepdim may also come positionally). */
export interface VarianceOptions {
  /** The dims to reduce: an int or a list (all dims when omitted or null). */
  dim?: number | readonly number[] | null | undefined;
  /** Subtracted from the element count in the divisor: 1 (Bessel's correction, the default) or 0 for the population variance. */
  correction?: number;
  /** PyTorch 1.x's form of correction: true is correction 1, false is 0. Give at most one of the two. */
  unbiased?: boolean;
  /** Keep each reduced dim with size 1. Default false. */
  keepdim?: boolean;
}

/** var/std's arguments: torch.var(input, dim, unbiased, keepdim), torch.var(input, unbiased), keyword correction. */
function varianceArgs(op: string, x: Tensor, args: readonly unknown[]): { dims: number[]; correction: number; keepdim: boolean } {
  const a = parseArgs(op, args, ["dim", "unbiased", "keepdim"], ["correction"]);
  checkTensor(op, "input", x);
  // torch.var(input, unbiased): a lone boolean in the dim's place
  if (typeof a.dim === "boolean" && a.unbiased === undefined) [a.unbiased, a.dim] = [a.dim, undefined];
  if (a.unbiased !== undefined && a.correction !== undefined) throw new Error(`${op}: give unbiased or correction, not both`);
  const correction = a.unbiased !== undefined ? (checkBool(op, "unbiased", a.unbiased) ? 1 : 0) : checkNumber(op, "correction", a.correction ?? 1, true);
  return { dims: reduceDims(op, x, a.dim), correction, keepdim: checkBool(op, "keepdim", given(a.keepdim, false)) };
}

function varianceOf(x: Tensor, dims: number[], correction: number, keepdim: boolean): Tensor {
  const n = dims.reduce((s, d) => s * x.shape[d], 1);
  const xc = x.sub(x.mean(dims, { keepdim: true }));
  return xc.square().sum(dims, { keepdim }).div(Math.max(0, n - correction));
}

/**
 * Variance over `dim` (all dims when omitted) with Bessel's correction by default (correction 1),
 * like torch.var; the same as `x.var(dim, opts)`. PyTorch's forms: `variance(x, dim, unbiased, keepdim)`,
 * `variance(x, unbiased)`, and any of dim, unbiased, keepdim and correction by name.
 * @throws Error if input is not a Tensor, for a dim out of range, a non-boolean unbiased or keepdim,
 *   a correction that is not a finite number, both unbiased and correction, or unknown options.
 * @example
 * const v = F.variance(x, 0, { correction: 0 });
 * const p = F.variance(x, 1, false, true); // population variance over dim 1, kept
 */
export function variance(x: Tensor, ...args: Args<[dim: number | readonly number[] | null | undefined, unbiased: boolean, keepdim: boolean], VarianceOptions> | [unbiased: boolean]): Tensor {
  const { dims, correction, keepdim } = varianceArgs("variance", x, args);
  return varianceOf(x, dims, correction, keepdim);
}

/** Standard deviation: sqrt(var). Where the variance is 0 the gradient is 0 (PyTorch's), not the
 *  0·∞ = NaN of the plain chain rule: sqrt sees 1 there and the result is masked back to 0.
 *  torch.std; the same as `x.std(dim, opts)`; the arguments as {@link variance}'s
 *  (`std(x, dim, unbiased, keepdim)`, `std(x, unbiased)`, or by name).
 *  @throws Error as {@link variance}.
 *  @example
 *  const s = F.std(x, -1, { keepdim: true });
 */
export function std(x: Tensor, ...args: Args<[dim: number | readonly number[] | null | undefined, unbiased: boolean, keepdim: boolean], VarianceOptions> | [unbiased: boolean]): Tensor {
  const { dims, correction, keepdim } = varianceArgs("std", x, args);
  const v = varianceOf(x, dims, correction, keepdim);
  const zero = v.eq(0);
  return where(zero, 0, where(zero, 1, v).sqrt());
}

// ---- losses --------------------------------------------------------------------------------


/** Options of `F.binaryCrossEntropyWithLogits` (PyTorch's keywords in camelCase). */
export interface BceWithLogitsOptions extends LossOptions {
  /** Multiplies each element's loss (broadcast to the input's shape). */
  weight?: Tensor | null;
  /** Weights the positive term, 1 + (posWeight - 1)·target (broadcast to the input's shape, e.g. one per class). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits(input,
 * target, weight, size_average, reduce, reduction, pos_weight)): (1 - y)·x + softplus(-x), stable for
 * any |x| and smooth at 0 (PyTorch's form). `target` has the input's shape (values in [0, 1]);
 * `weight` multiplies each element's loss and `posWeight` weights the positive term (both broadcast
 * against the input, e.g. one per class); `reduction` as for every loss. The arguments come in
 * PyTorch's order or by name (sizeAverage and reduce, deprecated in PyTorch, must be null).
 * @throws Error if target's shape differs from the input's, a weight does not broadcast, for a bad
 *   reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.binaryCrossEntropyWithLogits(logits, targets); // both [n, k]
 * const w = F.binaryCrossEntropyWithLogits(logits, targets, { posWeight: Tensor.full([k], 3) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor, target: Tensor,
  ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction, posWeight: Tensor | null], BceWithLogitsOptions | undefined>
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const a = lossArgs(op, args, ["weight", "sizeAverage", "reduce", "reduction", "posWeight"]);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
  const reduction = checkEnum(op, "reduction", given(a.reduction, "mean"), REDUCTIONS);
  const [weight, posWeight] = (["weight", "posWeight"] as const).map((k) => {
    if (a[k] == null) return null;
    if (!(a[k] instanceof Tensor)) throw new Error(`${op}: ${k} must be a Tensor or null, got ${describe(a[k])}`);
    return broadcastTo(op, k, checkFloat(op, k, a[k]), input.shape);
  });
  let sp = softplus(input.neg());
  if (posWeight) sp = sp.mul(posWeight.sub(1).mul(target).add(1)); // 1 + (w - 1)·y
  const loss = target.neg().add(1).mul(input).add(sp);
  return reduceLoss(weight ? loss.mul(weight) : loss, reduction);
}

/**
 * Mean squared error: mean((input - target)²) (torch.nn.functional.mse_loss(input, target,
 * size_average, reduce, reduction)); `target` has the input's shape (no broadcasting), reduction
 * "mean" (default), "sum" or "none", in PyTorch's place (`mseLoss(x, y, null, null, "sum")`) or by
 * name; sizeAverage and reduce, deprecated in PyTorch, must be null.
 * @throws Error if the shapes differ, for a non-float tensor, a bad reduction, a non-null sizeAverage or reduce, or unknown options.
 * @example
 * const loss = F.mseLoss(pred, y);
 * const total = F.mseLoss(pred, y, { reduction: "sum" });
 */
export function mseLoss(input: Tensor, target: Tensor, ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], LossOptions | undefined>): Tensor {
  const op = "mseLoss";
  const a = lossArgs(op, args, ["sizeAverage", "reduce", "reduction"]);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
  return reduceLoss(input.sub(target).square(), checkEnum(op, "reduction", given(a.reduction, "mean"), REDUCTIONS));
}

// ---- layers --------------------------------------------------------------------------------

/**
 * x Wᵀ + b (torch.nn.functional.linear(input, weight, bias=None)): input [..., in], weight
 * [out, in], bias [out] or none → [..., out]; Wᵀ is a view, never a copy. A 1-D weight [in] gives
 * x·w [...] (PyTorch's too), with a 0-d bias.
 * @throws Error for a non-float input or weight, a bias that is not a Tensor or null or not [out],
 *   an input whose last dim does not match the weight's, or a fourth argument.
 * @example
 * const y = F.linear(x, w, b); // [32, 784]·[10, 784]ᵀ → [32, 10]
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = "linear";
  checkArity(op, arguments, ["input", "weight", "bias"]);
  checkFloat(op, "input", input);
  checkFloat(op, "weight", weight);
  if (bias != null && !(bias instanceof Tensor)) throw new Error(`${op}: bias must be a Tensor or null, got ${describe(bias)}`);
  if (bias != null) checkFloat(op, "bias", bias);
  const inF = weight.shape[weight.ndim - 1];
  if (weight.ndim < 1 || weight.ndim > 2 || input.ndim === 0 || input.shape[input.ndim - 1] !== inF) {
    throw new Error(`${op}: input ${fmt(input.shape)} does not match weight ${fmt(weight.shape)} (expected a weight [out, in] or [in] and an input [..., in])`);
  }
  const biasShape = weight.ndim === 2 ? [weight.shape[0]] : [];
  if (bias != null && !sameShape(bias.shape, biasShape)) throw new Error(`${op}: bias must have shape ${fmt(biasShape)} for weight ${fmt(weight.shape)}, got ${fmt(bias.shape)}`);
  if (weight.ndim === 1) {
    const y = input.matmul(weight);
    return bias != null ? y.add(bias) : y;
  }
  return linearOp(input, weight, bias);
}

/** The options of {@link embedding}. */
export interface EmbeddingOptions {
  /** A row index (negative counts from the end) whose lookups get no gradient: the padding token's. */
  paddingIdx?: number | null;
}

/**
 * Rows of weight [num, dim] picked by int32 indices of any shape (torch.nn.functional.embedding).
 * With `paddingIdx`, lookups of that row pass no gradient to it (its value is returned as it is).
 *
 * @param input int32 indices in [0, num), any shape
 * @param weight [num, dim]
 * @returns [...input.shape, dim]
 * @throws on non-int32 indices, an index out of range, a weight that is not 2-D, a paddingIdx
 *   outside [-num, num), or an unknown option
 * @example
 * ```ts
 * const w = Tensor.randn([10, 4], { requiresGrad: true });
 * F.embedding(tensor([[0, 3], [3, 0]], { dtype: "int32" }), w, { paddingIdx: 0 }).sum().backward();
 * w.grad!.slice(0); // zeros: the padding row gets no gradient
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, ...args: Args<[paddingIdx: number | null], EmbeddingOptions>): Tensor {
  if (!(input instanceof Tensor) || input.dtype !== "int32") {
    throw new Error(`embedding: indices must be an int32 tensor, got ${input instanceof Tensor ? `${input.dtype} (shape ${fmt(input.shape)})` : describe(input)}`);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 2) throw new Error(`embedding: weight must be a 2-D tensor, got ${weight instanceof Tensor ? fmt(weight.shape) : describe(weight)}`);
  const p = parseArgs("embedding", args, ["paddingIdx"]).paddingIdx;
  const pad = p == null ? null : embeddingPaddingIdx("embedding", p, weight.shape[0]);
  checkIndex("embedding", input, weight.shape[0], 0);
  const rows = weight.indexSelect(0, input.reshape(-1));
  // the padding row's lookups are cut from the graph: the same values, no gradient into that row
  const out = pad === null ? rows : where(input.reshape(-1, 1).eq(pad), rows.detach(), rows);
  return out.reshape([...input.shape, weight.shape[1]]);
}

/**
 * y = x1ᵀ A_o x2 + b_o for every output o (torch.nn.functional.bilinear): input1 [..., in1] and
 * input2 [..., in2] with the same leading dims, weight [out, in1, in2], bias [out] → [..., out].
 * @throws on a weight that is not 3-D, inputs whose last dims are not in1 and in2 or whose leading
 *   dims differ, a bias that is not [out], an int32 tensor, or a fifth argument
 * @example
 * const y = F.bilinear(Tensor.randn([8, 3]), Tensor.randn([8, 5]), Tensor.randn([2, 3, 5])); // [8, 2]
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = "bilinear";
  checkArity(op, arguments, ["input1", "input2", "weight", "bias"]);
  for (const [n, t] of [["input1", input1], ["input2", input2], ["weight", weight]] as const) checkFloat(op, n, t);
  if (weight.ndim !== 3) throw new Error(`${op}: weight must be 3-D [out, in1, in2], got shape ${fmt(weight.shape)}`);
  const [O, I1, I2] = weight.shape;
  for (const [n, t, size] of [["input1", input1, I1], ["input2", input2, I2]] as const) {
    if (t.ndim === 0 || t.shape[t.ndim - 1] !== size) throw new Error(`${op}: ${n} must be [..., ${size}] to match weight ${fmt(weight.shape)}, got ${fmt(t.shape)}`);
  }
  const lead = input1.shape.slice(0, -1);
  if (input2.ndim !== input1.ndim || input2.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
    throw new Error(`${op}: input1 ${fmt(input1.shape)} and input2 ${fmt(input2.shape)} must have the same dims but the last`);
  }
  if (bias != null && (checkFloat(op, "bias", bias).ndim !== 1 || bias.shape[0] !== O)) throw new Error(`${op}: bias must be [${O}] (out), got ${fmt(bias.shape)}`);
  const M = lead.reduce((a, b) => a * b, 1);
  // every output at once: x1 times A as [in1, out·in2] → [M, out, in2], then one batched product with x2
  const t = input1.reshape([M, I1]).matmul(weight.permute([1, 0, 2]).reshape([I1, O * I2])).reshape([M, O, I2]);
  const y = t.matmul(input2.reshape([M, I2, 1])).reshape([M, O]);
  return (bias != null ? y.add(bias) : y).reshape([...lead, O]);
}

/** How {@link embeddingBag} reduces each bag's rows. */
export type EmbeddingBagMode = "sum" | "mean" | "max";

/** The options of {@link embeddingBag}. */
export interface EmbeddingBagOptions {
  /**
   * Where each bag starts in a 1-D input (PyTorch's offsets): numbers, or an int32 tensor on a host
   * device (js, cpu, wasm; they are read on the host to lay the bags out). For a webgpu input pass
   * the numbers (`await offsets.toArrayAsync()`). Must be null or absent for 2-D input.
   */
  offsets?: Tensor | readonly number[] | null;
  /** "sum", "mean" (the default, as PyTorch) or "max" of each bag's rows. */
  mode?: EmbeddingBagMode;
  /** A float tensor shaped as the input: each row is scaled by its weight before the sum (mode "sum" only). */
  perSampleWeights?: Tensor | null;
  /** offsets has B + 1 entries, the last the end of the last bag (default false: B entries, the last bag ends at the input's end). */
  includeLastOffset?: boolean;
  /** Entries of this index (negative counts from the end) are left out of their bag: no value, no count, no gradient. */
  paddingIdx?: number | null;
}

const BAG_KEYS = ["offsets", "mode", "perSampleWeights", "includeLastOffset", "paddingIdx"];

/**
 * Sums, means or maxima of bags of embedding rows without materialising each lookup's row per bag
 * entry (torch.nn.functional.embedding_bag). A 2-D input [B, L] is B bags of L indices; a 1-D input
 * [N] is cut into bags by `offsets` (bag b is input[offsets[b] .. offsets[b + 1])). Empty bags (and bags
 * of padding only) give zeros. Built from gathers and masked reductions over the bags laid out as
 * [B, longest bag, dim], so memory grows with B × the longest bag.
 *
 * @param input int32 indices in [0, num): [N] with offsets, or [B, L]
 * @param weight [num, dim] floating point
 * @returns [B, dim]
 * @throws on non-int32 or out-of-range indices, a weight that is not 2-D floating point, a 1-D input
 *   without offsets or a 2-D input with them or with no columns, offsets that do not start at 0, decrease,
 *   pass the input's end or sit on webgpu, perSampleWeights not shaped as the input or with a mode
 *   other than "sum", a bad mode or paddingIdx, more than one positional argument, or an unknown option
 * @example
 * ```ts
 * const w = Tensor.randn([10, 4], { requiresGrad: true });
 * const idx = tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: "int32" });
 * F.embeddingBag(idx, w, [0, 4], { mode: "sum" }); // [2, 4]: rows 1+2+4+5 and 4+3+2+9
 * ```
 */
export function embeddingBag(input: Tensor, weight: Tensor, ...args: Args<[offsets: Tensor | readonly number[] | null], EmbeddingBagOptions>): Tensor {
  const op = "embeddingBag";
  // PyTorch's positional max_norm etc. are not taken: only offsets may come before the options
  const last = args[args.length - 1];
  const positional = args.length - (typeof last === "object" && last !== null && !(last instanceof Tensor) && !Array.isArray(last) ? 1 : 0);
  if (positional > 1) throw new Error(`${op}: expected at most 1 argument after input and weight (offsets; the rest by name in an options object), got ${positional}`);
  const a = parseArgs(op, args, BAG_KEYS);
  if (!(input instanceof Tensor) || input.dtype !== "int32") {
    throw new Error(`${op}: input must be an int32 tensor of indices, got ${input instanceof Tensor ? `${input.dtype} (shape ${fmt(input.shape)})` : describe(input)}`);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 2 || weight.dtype === "int32") {
    throw new Error(`${op}: weight must be a 2-D floating-point tensor [num, dim], got ${weight instanceof Tensor ? `${weight.dtype} ${fmt(weight.shape)}` : describe(weight)}`);
  }
  const [num, D] = weight.shape;
  const mode = checkEnum(op, "mode", given(a.mode, "mean"), ["sum", "mean", "max"] as const);
  const lastOffset = checkBool(op, "includeLastOffset", given(a.includeLastOffset, false));
  const pad = a.paddingIdx == null ? null : embeddingPaddingIdx(op, a.paddingIdx, num);
  const psw = (a.perSampleWeights ?? null) as Tensor | null;
  if (psw !== null) {
    if (!(psw instanceof Tensor) || psw.dtype === "int32" || psw.ndim !== input.ndim || psw.shape.some((d, i) => d !== input.shape[i])) {
      throw new Error(`${op}: perSampleWeights must be a floating-point tensor of the input's shape ${fmt(input.shape)}, got ${psw instanceof Tensor ? `${psw.dtype} ${fmt(psw.shape)}` : describe(psw)}`);
    }
    if (mode !== "sum") throw new Error(`${op}: perSampleWeights is only supported for mode 'sum', got mode '${mode}'`);
  }
  checkIndex(op, input, num, 0);
  const offsets = a.offsets ?? null;
  // the bags laid out as [B, M]: idx the row of each slot, keep (0/1, null: all) whether it holds an entry
  let B: number, M: number, idx: Tensor, keep: Tensor | null = null, w = psw;
  if (input.ndim === 2) {
    if (offsets !== null) throw new Error(`${op}: offsets must be null for 2-D input (each row is a bag), got ${describe(offsets)}`);
    [B, M] = input.shape;
    if (M === 0) throw new Error(`${op}: 2-D input must have at least one column, got shape ${fmt(input.shape)}`);
    idx = input.reshape(-1);
  } else if (input.ndim === 1) {
    const o = bagOffsets(op, offsets, input.shape[0], lastOffset);
    const N = input.shape[0];
    B = o.length - 1;
    M = 1;
    for (let b = 0; b < B; b++) M = Math.max(M, o[b + 1] - o[b]);
    const pos = new Int32Array(B * M), valid = new Float32Array(B * M);
    for (let b = 0; b < B; b++) for (let j = 0; o[b] + j < o[b + 1]; j++) (pos[b * M + j] = o[b] + j), (valid[b * M + j] = 1);
    const device = input.device;
    const posT = Tensor.from(pos, { shape: [B * M], dtype: "int32", device });
    // an empty input has no entry to point the empty slots at: every slot is then masked anyway
    idx = N === 0 ? Tensor.zeros([B * M], { dtype: "int32", device }) : input.indexSelect(0, posT);
    w = psw && (N === 0 ? Tensor.zeros([B * M], { dtype: psw.dtype, device }) : psw.indexSelect(0, posT));
    keep = Tensor.from(valid, { shape: [B * M], device });
  } else {
    throw new Error(`${op}: input must be 1-D (bags given by offsets) or 2-D [B, L] (one bag per row), got shape ${fmt(input.shape)}`);
  }
  if (pad !== null) keep = keep ? keep.mul(idx.ne(pad)) : idx.ne(pad);
  let rows = weight.indexSelect(0, idx).reshape([B, M, D]);
  if (w) rows = rows.mul(w.reshape([B, M, 1]));
  const k = keep?.reshape([B, M, 1]);
  // where, not a product with the mask: a left-out row holding inf or NaN must not leak into its bag
  if (mode === "max") {
    const m = (k ? where(k, rows, -Infinity) : rows).max(1).values;
    return k ? where(k.sum(1).gt(0), m, 0) : m;
  }
  const s = (k ? where(k, rows, 0) : rows).sum(1);
  return mode === "sum" ? s : s.div(k ? k.sum(1).clamp(1) : M);
}

/** embeddingBag's offsets read on the host and checked, with the end of the last bag appended. */
function bagOffsets(op: string, offsets: unknown, N: number, includeLast: boolean): number[] {
  if (offsets === null) throw new Error(`${op}: offsets must be given for 1-D input (where each bag starts), got null`);
  let o: number[];
  if (offsets instanceof Tensor) {
    if (offsets.dtype !== "int32" || offsets.ndim !== 1) throw new Error(`${op}: offsets must be a 1-D int32 tensor, got ${offsets.dtype} ${fmt(offsets.shape)}`);
    if (!hostReadable(offsets.data)) throw new Error(`${op}: offsets must be numbers or a tensor on a host device (js, cpu, wasm), got a ${offsets.device} tensor: pass await offsets.toArrayAsync()`);
    o = Array.from(offsets.toTypedArray() as Int32Array);
  } else if (Array.isArray(offsets) && offsets.every((v) => Number.isInteger(v))) {
    o = [...(offsets as number[])];
  } else {
    throw new Error(`${op}: offsets must be an array of integers or a 1-D int32 tensor, got ${describe(offsets)}`);
  }
  if (o.length > 0 && o[0] !== 0) throw new Error(`${op}: offsets must start at 0, got offsets[0] = ${o[0]}`);
  for (let i = 1; i < o.length; i++) if (o[i] < o[i - 1]) throw new Error(`${op}: offsets must be non-decreasing, got ${o[i]} after ${o[i - 1]} at ${i}`);
  if (o.length > 0 && o[o.length - 1] > N) throw new Error(`${op}: offsets must not pass the input's length ${N}, got ${o[o.length - 1]}`);
  if (includeLast) return o.length === 0 ? [0] : o;
  return [...o, N];
}

/** The options of `F.dropout` (also accepted positionally: `dropout(x, p, training, inplace)`). */
export interface DropoutOptions extends FeatureDropoutOptions {
  /** PyTorch's in-place flag: only false (dlgrad returns a new tensor). */
  inplace?: boolean;
}

/**
 * Zero a fraction p of elements and scale the rest by 1/(1-p) while `training` (default true);
 * the input itself when not training (torch.nn.functional.dropout(input, p=0.5, training=True,
 * inplace=False): positionally or by name; inplace may only be false). Seeded by `manualSeed`.
 * @throws Error unless input is a floating-point tensor, p a number in [0, 1], training a boolean and inplace false.
 * @example
 * const h = F.dropout(x, 0.1, model.training);
 * const g = F.dropout(x, { p: 0.1, training: model.training });
 */
export function dropout(input: Tensor, ...args: Args<[p: number, training: boolean, inplace: boolean], DropoutOptions>): Tensor {
  const op = "dropout";
  const a = parseArgs(op, args, ["p", "training", "inplace"]);
  checkFloat(op, "input", input);
  const p = checkScalar(op, "p", given(a.p, 0.5), (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
  const training = checkBool(op, "training", given(a.training, true));
  checkInplace(op, a.inplace);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const keep = Tensor.rand(input.shape, { device: input.device }).lt(1 - p);
  return input.mul(keep.mul(1 / (1 - p)));
}

/** The options of `F.dropout1d` and `F.dropout2d` (also accepted positionally: `dropout2d(x, p, training)`). */
export interface FeatureDropoutOptions {
  /** Probability of zeroing each channel, default 0.5. */
  p?: number;
  /** Whether to drop at all (default true); pass `model.training`. */
  training?: boolean;
}

/**
 * Channel dropout: while `training` (default true), zeroes each whole channel `input[n, c]` with
 * probability p (default 0.5) and scales the others by 1/(1-p); the input itself otherwise.
 * torch.nn.functional.dropout1d: input [N, C, L] or unbatched [C, L]. Seeded by `manualSeed`.
 * @throws Error if input is not a 2-D or 3-D floating-point tensor, p is not in [0, 1] or training not a boolean.
 * @example
 * const h = F.dropout1d(x, 0.2, model.training); // x [N, C, L]: whole rows x[n, c] dropped
 */
export function dropout1d(input: Tensor, ...args: Args<[p: number, training: boolean], FeatureDropoutOptions>): Tensor {
  return featureDropout("dropout1d", input, args);
}

/**
 * Channel dropout for images: while `training` (default true), zeroes each whole channel
 * `input[n, c]` (an H×W map) with probability p (default 0.5) and scales the others by 1/(1-p);
 * the input itself otherwise. torch.nn.functional.dropout2d: input [N, C, H, W]; a 3-D input is
 * read as [N, C, L] (one mask value per x[n, c]), as PyTorch 1.13 does (it warns there: use
 * `F.dropout1d` for that). Seeded by `manualSeed`.
 * @throws Error if input is not a 3-D or 4-D floating-point tensor, p is not in [0, 1] or training not a boolean.
 * @example
 * const h = F.dropout2d(feature, { p: 0.1, training: model.training }); // feature [N, C, H, W]
 */
export function dropout2d(input: Tensor, ...args: Args<[p: number, training: boolean], FeatureDropoutOptions>): Tensor {
  return featureDropout("dropout2d", input, args);
}

/** PyTorch's feature_dropout: one Bernoulli(1 - p) draw per [n, c] (per c for unbatched dropout1d),
 *  broadcast over the rest, so a channel is kept or dropped whole. */
function featureDropout(op: "dropout1d" | "dropout2d", input: Tensor, args: readonly unknown[]): Tensor {
  const a = parseArgs(op, args, ["p", "training"]);
  checkFloat(op, "input", input);
  const p = checkScalar(op, "p", given(a.p, 0.5), (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
  const training = checkBool(op, "training", given(a.training, true));
  const ranks = op === "dropout1d" ? [2, 3] : [3, 4];
  if (!ranks.includes(input.ndim)) {
    const forms = op === "dropout1d" ? "2-D [C, L] or 3-D [N, C, L]" : "3-D [N, C, L] or 4-D [N, C, H, W]";
    throw new Error(`${op}: input must be ${forms}, got shape ${fmt(input.shape)}`);
  }
  if (!training || p === 0 || input.numel === 0) return input;
  if (p === 1) return input.mul(0);
  const channelDims = op === "dropout1d" && input.ndim === 2 ? 1 : 2;
  const keep = Tensor.rand(input.shape.map((s, d) => (d < channelDims ? s : 1)), { device: input.device }).lt(1 - p);
  return input.mul(keep.mul(1 / (1 - p)));
}

/** The options of `F.alphaDropout` (also accepted positionally: `alphaDropout(x, p, training)`). */
export interface AlphaDropoutOptions {
  /** Probability of dropping each element, default 0.5. */
  p?: number;
  /** Whether to drop at all; default false, as PyTorch's F.alpha_dropout (pass `model.training`). */
  training?: boolean;
}

/**
 * Alpha dropout, for SELU networks (torch.nn.functional.alpha_dropout): while `training` (default
 * false, as in PyTorch), each element is dropped with probability p, set to SELU's negative
 * saturation value α' = −λα ≈ −1.7581, and the result is transformed affinely, y = a·(x or α') + b
 * with a = ((1 − p)(1 + pα'²))^(−1/2) and b = −a·α'·p, so that an input of mean 0 and variance 1
 * keeps them. The input itself when not training or p = 0; zeros for p = 1. Seeded by `manualSeed`.
 * @throws Error if input is not a floating-point tensor, p is not in [0, 1] or training not a boolean.
 * @example
 * const h = F.alphaDropout(F.selu(x), 0.1, model.training);
 */
export function alphaDropout(input: Tensor, ...args: Args<[p: number, training: boolean], AlphaDropoutOptions>): Tensor {
  const op = "alphaDropout";
  const a = parseArgs(op, args, ["p", "training"]);
  checkFloat(op, "input", input);
  const p = checkScalar(op, "p", given(a.p, 0.5), (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
  const training = checkBool(op, "training", given(a.training, false));
  if (!training || p === 0 || input.numel === 0) return input;
  if (p === 1) return input.mul(0);
  // ATen's _dropout_impl: alpha = λα of SELU, a = 1/√((α²p + 1)(1 − p)); y = x·keep·a + (keep − 1)·αa + αap
  const alpha = 1.7580993408473766;
  const scale = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
  const keep = Tensor.rand(input.shape, { device: input.device }).lt(1 - p);
  return input.mul(keep.mul(scale)).add(keep.sub(1).mul(alpha * scale).add(alpha * scale * p));
}

/** The options of `F.pdist` (also accepted positionally: `pdist(x, p)`). */
export interface PdistOptions {
  /** The order of the norm, a number >= 0 or Infinity (default 2). */
  p?: number;
}

/**
 * The p-norm distances between every pair of rows of [N, M] (torch.nn.functional.pdist): the upper
 * triangle of the distance matrix, row by row, ‖x[i] − x[j]‖_p for i < j, as a vector of N(N−1)/2.
 * p = 0 counts the differing coordinates (no gradient), p = Infinity takes the largest difference.
 * At a zero difference the gradient is 0, as in PyTorch.
 * @throws Error unless input is a 2-D floating-point tensor and p a number >= 0.
 * @example
 * const d = F.pdist(points); // points [N, M] → d [N(N−1)/2]
 */
export function pdist(input: Tensor, ...args: Args<[p: number], PdistOptions>): Tensor {
  const op = "pdist";
  const a = parseArgs(op, args, ["p"]);
  checkFloat(op, "input", input);
  const p = checkScalar(op, "p", given(a.p, 2), (v) => v >= 0, "a number >= 0");
  if (input.ndim !== 2) throw new Error(`${op}: input must be 2-D [N, M], got shape ${fmt(input.shape)}`);
  const n = input.shape[0];
  if (n < 2) return input.reshape(-1).narrow(0, 0, 0);
  const count = (n * (n - 1)) / 2;
  const rows = new Int32Array(count), cols = new Int32Array(count);
  for (let i = 0, at = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, at++) {
      rows[at] = i;
      cols[at] = j;
    }
  }
  const index = (ix: Int32Array) => Tensor.from(ix, { shape: [count], dtype: "int32", device: input.device });
  return input.indexSelect(0, index(rows)).sub(input.indexSelect(0, index(cols))).norm(p, { dim: 1 });
}

/**
 * Splits the channels of [N, C, ...] into `groups` groups and interleaves them
 * (torch.nn.functional.channel_shuffle, ShuffleNet): channel g·(C/groups) + i moves to i·groups + g.
 * @throws Error for fewer than 3 dims, groups not a positive integer, C not divisible by groups, or a third argument.
 * @example
 * const y = F.channelShuffle(x, 2); // x [N, 4, H, W]: channels 0, 2, 1, 3
 */
export function channelShuffle(input: Tensor, groups: number): Tensor {
  const op = "channelShuffle";
  checkArity(op, arguments, ["input", "groups"]);
  checkTensor(op, "input", input);
  const g = checkInt(op, "groups", groups, 1);
  if (input.ndim < 3) throw new Error(`${op}: expects an input [N, C, ...] with at least 3 dims, got shape ${fmt(input.shape)}`);
  const [n, c, ...rest] = input.shape;
  if (c % g !== 0) throw new Error(`${op}: the ${c} channels of input ${fmt(input.shape)} cannot be split into ${g} groups`);
  return input.reshape([n, g, c / g, ...rest]).transpose(1, 2).reshape(input.shape);
}

function normDimsOf(op: string, input: Tensor, normalizedShape: number | readonly number[]): number[] {
  checkFloat(op, "input", input);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (!shape || shape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0)) {
    throw new Error(`${op}: normalizedShape must be an integer or an array of integers, got ${describe(normalizedShape)}`);
  }
  const tail = input.shape.slice(input.ndim - shape.length);
  if (shape.length > input.ndim || tail.join() !== shape.join()) {
    throw new Error(`${op}: normalizedShape ${fmt(shape)} does not match the last dims of input ${fmt(input.shape)}`);
  }
  return shape.map((_, i) => input.ndim - shape.length + i);
}

/** A norm's weight and bias must have the normalized shape. */
function checkAffine(op: string, input: Tensor, dims: number[], params: Record<string, Tensor | null | undefined>): void {
  const want = dims.map((d) => input.shape[d]);
  for (const [name, p] of Object.entries(params)) {
    if (p == null) continue;
    if (!(p instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor or null, got ${describe(p)}`);
    if (!sameShape(p.shape, want)) throw new Error(`${op}: ${name} of shape ${fmt(p.shape)} does not match the normalized shape ${fmt(want)}`);
  }
}

/**
 * Layer normalisation (torch.nn.functional.layer_norm): (x - mean) / sqrt(var + eps) · weight + bias
 * over the last dims, which must equal `normalizedShape` (biased variance). weight and bias, when
 * given, have the normalized shape.
 * Arguments as PyTorch's layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05).
 * @throws Error for a non-float input, a normalizedShape that is not the input's trailing shape,
 *   weight/bias of another shape, an eps that is not a number, or a sixth argument.
 * @example
 * const y = F.layerNorm(x, [512], gamma, beta); // x [b, t, 512]
 */
export function layerNorm(
  input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5,
): Tensor {
  checkArity("layerNorm", arguments, ["input", "normalizedShape", "weight", "bias", "eps"]);
  const dims = normDimsOf("layerNorm", input, normalizedShape);
  eps = checkScalar("layerNorm", "eps", eps); // null refused, as PyTorch refuses None
  checkAffine("layerNorm", input, dims, { weight, bias });
  if (dims.length === 1) {
    const f = fused.layerNorm(input, weight ?? null, bias ?? null, eps, (x, w, b) => layerNormComposite(x, dims, w, b, eps));
    if (f) return f;
  }
  return layerNormComposite(input, dims, weight, bias, eps);
}

function layerNormComposite(input: Tensor, dims: number[], weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number): Tensor {
  // batchNorm's standardisation over the last dims (the corrected two-pass form, as in the C and
  // WGSL kernels: a row of equal values normalises to exactly 0)
  let y = standardize(input, dims, eps).y;
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/**
 * RMS normalisation (torch.nn.functional.rms_norm): x / sqrt(mean(x²) + eps) · weight over the last
 * dims, which must equal `normalizedShape`; eps (null or omitted: float32's machine epsilon, like
 * PyTorch) as in PyTorch's rms_norm(input, normalized_shape, weight=None, eps=None).
 * @throws Error for a non-float input, a normalizedShape that is not the input's trailing shape,
 *   a weight of another shape, an eps that is not a number, or a fifth argument.
 * @example
 * const y = F.rmsNorm(x, 64, w);
 */
export function rmsNorm(input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, eps?: number | null): Tensor {
  checkArity("rmsNorm", arguments, ["input", "normalizedShape", "weight", "eps"]);
  const dims = normDimsOf("rmsNorm", input, normalizedShape);
  checkAffine("rmsNorm", input, dims, { weight });
  const e = checkScalar("rmsNorm", "eps", eps ?? 1.1920928955078125e-7);
  const y = input.mul(input.square().mean(dims, { keepdim: true }).add(e).rsqrt());
  return weight ? y.mul(weight) : y;
}

/** Options of `F.scaledDotProductAttention`. */
export interface AttentionOptions {
  /** int32: nonzero = may attend (PyTorch's boolean mask); float: added to the scores. Broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Mask out keys after each query (query i sees keys 0..i). Default false. */
  isCausal?: boolean;
  /** Dropout probability on the attention weights. Default 0. */
  dropoutP?: number;
  /** Multiplies q kᵀ; default 1/sqrt(E). */
  scale?: number;
  /** Whether dropoutP applies (default true); pass false at evaluation (PyTorch always applies dropout_p). */
  training?: boolean;
}

/**
 * softmax(q kᵀ · scale + mask) v over [..., L, E] queries, [..., S, E] keys and [..., S, Ev] values
 * → [..., L, Ev] (torch.nn.functional.scaled_dot_product_attention(query, key, value,
 * attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None)). Leading dims broadcast.
 * attnMask, dropoutP and isCausal come positionally or by name; scale and training only by name.
 * @throws Error for non-float q, k or v, shapes that do not fit, an attnMask that is not a Tensor or
 *   does not broadcast to [..., L, S], dropoutP outside [0, 1], a non-boolean isCausal or training,
 *   a scale that is not a number, too many arguments, or unknown options.
 * @example
 * const y = F.scaledDotProductAttention(q, k, v, { isCausal: true }); // [b, h, t, d]
 * const z = F.scaledDotProductAttention(q, k, v, mask);              // PyTorch's positional attn_mask
 */
export function scaledDotProductAttention(
  q: Tensor, k: Tensor, v: Tensor, ...args: Args<[attnMask: Tensor | null, dropoutP: number, isCausal: boolean], AttentionOptions>
): Tensor {
  const op = "scaledDotProductAttention";
  const a = parseArgs(op, args, ["attnMask", "dropoutP", "isCausal"], ["scale", "training"]);
  for (const [n, t] of [["query", q], ["key", k], ["value", v]] as const) checkFloat(op, n, t);
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1] || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new Error(`${op}: q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} do not fit [..., L, E], [..., S, E], [..., S, Ev]`);
  }
  const [l, s] = [q.shape[q.ndim - 2], k.shape[k.ndim - 2]];
  const m = a.attnMask == null ? null : checkTensor(op, "attnMask", a.attnMask);
  if (m) {
    const scores = [...broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2)), l, s];
    let fits = m.ndim <= scores.length;
    try {
      fits &&= sameShape(broadcastShapes(op, m.shape, scores), scores);
    } catch {
      fits = false;
    }
    if (!fits) throw new Error(`${op}: attnMask of shape ${fmt(m.shape)} cannot broadcast to the attention scores' shape ${fmt(scores)} ([..., L, S])`);
  }
  const opts = {
    dropoutP: checkScalar(op, "dropoutP", given(a.dropoutP, 0), (x) => x >= 0 && x <= 1, "a probability in [0, 1]"),
    isCausal: checkBool(op, "isCausal", given(a.isCausal, false)),
    training: checkBool(op, "training", given(a.training, true)),
  };
  const scale = a.scale == null ? 1 / Math.sqrt(q.shape[q.ndim - 1]) : checkNumber(op, "scale", a.scale);
  const weights = (raw: Tensor): Tensor => {
    let scores = raw.mul(scale);
    if (opts.isCausal) scores = scores.maskedFill(Tensor.ones([l, s], { device: q.device }).tril().eq(0), -Infinity);
    if (m) scores = m.dtype === "int32" ? scores.maskedFill(m.eq(0), -Infinity) : scores.add(m);
    return scores.softmax(-1);
  };
  const composite = (q: Tensor, k: Tensor, v: Tensor): Tensor => {
    const raw = q.matmul(k.transpose(-1, -2));
    let attn = (opts.isCausal && !m ? fused.softmax(raw, -1, false, weights, scale, true) : null) ?? weights(raw);
    if (opts.dropoutP) attn = dropout(attn, opts.dropoutP, opts.training ?? true);
    return attn.matmul(v);
  };
  const noDropout = !opts.dropoutP || opts.training === false;
  return (!m && noDropout ? fused.attention(q, k, v, scale, opts.isCausal ?? false, composite) : null) ?? composite(q, k, v);
}

/**
 * One-hot int32 encoding: [...input.shape, numClasses] (torch.nn.functional.one_hot(tensor,
 * num_classes=-1)); numClasses is inferred from the max when omitted or -1.
 * @throws Error for non-int32 input, an index out of [0, numClasses), a numClasses that is not an
 *   integer in [-1, 2147483647], or a third argument.
 * @example
 * F.oneHot(tensor([0, 2], { dtype: "int32" }), 3); // [[1,0,0],[0,0,1]]
 */
export function oneHot(input: Tensor, numClasses?: number): Tensor {
  checkArity("oneHot", arguments, ["input", "numClasses"]);
  checkTensor("oneHot", "input", input);
  if (numClasses !== undefined && checkInt("oneHot", "numClasses", numClasses, -1, INT32_MAX) === -1) numClasses = undefined;
  if (input.dtype !== "int32") throw new Error(`oneHot: expects int32 indices, got ${input.dtype}`);
  // inferring numClasses reads the values: a tensor in device memory (webgpu) cannot do that synchronously
  if (numClasses === undefined && input.numel && !ArrayBuffer.isView(input.data)) {
    throw new Error(`oneHot: numClasses must be given for a tensor on '${input.device}' (inferring it would read the values back: \`await input.max().itemAsync() + 1\`)`);
  }
  const n = numClasses ?? (input.numel ? input.max().item() + 1 : 0);
  checkInt("oneHot", "numClasses", n, 0);
  if (input.numel > 0) checkIndex("oneHot", input, n, 0);
  return input.unsqueeze(-1).eq(Tensor.arange(n, undefined, 1, { device: input.device })).int();
}

