// Composite ops (nn.functional): a few lines of primitives each, no backward code of their own.
import { Tensor } from "./core.js";
import { fmt, normDims, windowCount } from "./shape.js";
import { checkInt, checkOptions, describe } from "./check.js";
import { checkIndex, im2col, linear as linearOp, narrow, unfold, where } from "./ops.js";
import { noGrad } from "./graph.js";
import * as fused from "./fused.js";
import { softplus } from "./functional/activations.js";

// the composites that live in their own files
export {
  binaryCrossEntropy, cosineSimilarity, crossEntropy, huberLoss, klDiv, l1Loss, nllLoss, pairwiseDistance, smoothL1Loss,
  type CosineSimilarityOptions, type CrossEntropyOptions, type KlDivOptions, type NllOptions, type PairwiseDistanceOptions,
  type ReductionOptions, type WeightedLossOptions,
} from "./functional/losses.js";
export {
  elu, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, selu, softplus, type HardtanhOptions, type SoftplusOptions,
} from "./functional/activations.js";
export { batchNorm, groupNorm, instanceNorm, type BatchNormOptions, type GroupNormOptions, type InstanceNormOptions } from "./functional/norms.js";
export {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool1d, avgPool2d, maxPool1d, type MaxPool1dOptions,
} from "./functional/pooling.js";

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  reduction?: Reduction;
}
function reduce(loss: Tensor, reduction: Reduction = "mean", op = "loss"): Tensor {
  if (reduction === "none") return loss;
  if (reduction === "sum") return loss.sum();
  if (reduction === "mean") return loss.mean();
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
}

// ---- activations ---------------------------------------------------------------------------

export const relu = (x: Tensor): Tensor => x.relu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();

/** GELU: x Φ(x) with the exact erf form (PyTorch's default), or the tanh approximation. */
export function gelu(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  if (opts.approximate === "tanh") {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  return fused.gelu(x, geluExact) ?? geluExact(x);
}

function geluExact(x: Tensor): Tensor {
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}

/** SiLU (swish): x σ(x). */
export function silu(x: Tensor): Tensor {
  return x.mul(x.sigmoid());
}

/** x if x > 0 else slope x. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/** exp(x - max) / sum(exp(x - max)): subtracting the max keeps exp from overflowing. */
export function softmax(x: Tensor, dim: number): Tensor {
  dim = softmaxDim("softmax", x, dim);
  return fused.softmax(x, dim, false, (x) => softmaxComposite(x, -1)) ?? softmaxComposite(x, dim);
}

/** The dim of a softmax-like op, checked with the op's name; size 0 is allowed (empty result). */
function softmaxDim(op: string, x: Tensor, dim: number): number {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}`);
  return normDims(op, checkInt(op, "dim", dim), x.ndim)[0] ?? 0;
}

/** max over dims for shifting exp: 0 where the reduced size is 0 (nothing to shift). */
function shiftMax(x: Tensor, dims: number[]): Tensor {
  if (dims.some((d) => x.shape[d] === 0)) return Tensor.zeros(x.shape.map((s, i) => (dims.includes(i) ? 1 : s)), { dtype: x.dtype, device: x.device });
  return x.max(dims, { keepdim: true }).detach();
}

function softmaxComposite(x: Tensor, dim: number): Tensor {
  const e = x.sub(shiftMax(x, normDims("softmax", dim, x.ndim))).exp();
  return e.div(e.sum(dim, { keepdim: true }));
}

/** (x - max) - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  dim = softmaxDim("logSoftmax", x, dim);
  return fused.softmax(x, dim, true, (x) => logSoftmaxComposite(x, -1)) ?? logSoftmaxComposite(x, dim);
}

function logSoftmaxComposite(x: Tensor, dim: number): Tensor {
  const z = x.sub(shiftMax(x, normDims("logSoftmax", dim, x.ndim)));
  return z.sub(z.exp().sum(dim, { keepdim: true }).log());
}

/** log(sum(exp(x))) that never overflows: the max is taken out first (and infinities left alone). */
export function logsumexp(x: Tensor, dim?: number | readonly number[], opts: { keepdim?: boolean } = {}): Tensor {
  const dims = normDims("logsumexp", dim, x.ndim);
  const m0 = shiftMax(x, dims);
  const m = where(m0.abs().eq(Infinity), 0, m0);
  const out = x.sub(m).exp().sum(dims, { keepdim: true }).log().add(m);
  return opts.keepdim ? out : out.squeeze(dims);
}

/** Variance with Bessel's correction by default (correction=1), like torch.var. */
export function variance(x: Tensor, dim?: number | readonly number[], opts: { keepdim?: boolean; correction?: number } = {}): Tensor {
  const dims = normDims("var", dim, x.ndim);
  const n = dims.reduce((s, d) => s * x.shape[d], 1);
  const xc = x.sub(x.mean(dims, { keepdim: true }));
  return xc.square().sum(dims, { keepdim: opts.keepdim }).div(Math.max(0, n - (opts.correction ?? 1)));
}

/** Standard deviation: sqrt(var). Where the variance is 0 the gradient is 0 (PyTorch's), not the
 *  0·∞ = NaN of the plain chain rule: sqrt sees 1 there and the result is masked back to 0. */
export function std(x: Tensor, dim?: number | readonly number[], opts: { keepdim?: boolean; correction?: number } = {}): Tensor {
  const v = variance(x, dim, opts);
  const zero = v.eq(0);
  return where(zero, 0, where(zero, 1, v).sqrt());
}

// ---- losses --------------------------------------------------------------------------------

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (!(b instanceof Tensor) || a.shape.join() !== b.shape.join()) {
    throw new Error(`${op}: target shape ${b instanceof Tensor ? fmt(b.shape) : typeof b} must match input shape ${fmt(a.shape)}`);
  }
}

/** (1 - y)·x + softplus(-x): stable for any |x| and smooth at 0 (PyTorch's form, with posWeight). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: LossOptions & { posWeight?: Tensor } = {}): Tensor {
  sameShape("binaryCrossEntropyWithLogits", input, target);
  let sp = softplus(input.neg());
  if (opts.posWeight) sp = sp.mul(opts.posWeight.sub(1).mul(target).add(1)); // 1 + (w - 1)·y
  const loss = target.neg().add(1).mul(input).add(sp);
  return reduce(loss, opts.reduction, "binaryCrossEntropyWithLogits");
}

export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  sameShape("mseLoss", input, target);
  return reduce(input.sub(target).square(), opts.reduction, "mseLoss");
}

// ---- layers --------------------------------------------------------------------------------

/** x W^T + b with W [out, in]; W^T is a view, never a copy. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2 || input.ndim === 0 || input.shape[input.ndim - 1] !== weight.shape[1]) {
    throw new Error(`linear: input ${fmt(input.shape)} does not match weight ${fmt(weight.shape)} (expected [..., ${weight.shape[1]}])`);
  }
  return linearOp(input, weight, bias);
}

/** Rows of weight [num, dim] picked by int32 indices of any shape: [...input.shape, dim]. */
export function embedding(input: Tensor, weight: Tensor): Tensor {
  if (input.dtype !== "int32") throw new Error(`embedding: indices must be int32, got ${input.dtype} (shape ${fmt(input.shape)})`);
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D, got ${fmt(weight.shape)}`);
  checkIndex("embedding", input, weight.shape[0], 0);
  return weight.indexSelect(0, input.reshape(-1)).reshape([...input.shape, weight.shape[1]]);
}

/** Zero a fraction p of elements and scale the rest by 1/(1-p) while training. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const keep = Tensor.rand(input.shape, { device: input.device }).lt(1 - p);
  return input.mul(keep.mul(1 / (1 - p)));
}

function normDimsOf(op: string, input: Tensor, normalizedShape: number | readonly number[]): number[] {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
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
    if (fmt(p.shape) !== fmt(want)) throw new Error(`${op}: ${name} of shape ${fmt(p.shape)} does not match the normalized shape ${fmt(want)}`);
  }
}

/** (x - mean) / sqrt(var + eps) · weight + bias over the last dims (biased variance). */
export function layerNorm(
  input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5,
): Tensor {
  const dims = normDimsOf("layerNorm", input, normalizedShape);
  checkAffine("layerNorm", input, dims, { weight, bias });
  if (dims.length === 1) {
    const f = fused.layerNorm(input, weight ?? null, bias ?? null, eps, (x, w, b) => layerNormComposite(x, dims, w, b, eps));
    if (f) return f;
  }
  return layerNormComposite(input, dims, weight, bias, eps);
}

function layerNormComposite(input: Tensor, dims: number[], weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number): Tensor {
  const xc = input.sub(input.mean(dims, { keepdim: true }));
  let y = xc.mul(xc.square().mean(dims, { keepdim: true }).add(eps).rsqrt());
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/** x / sqrt(mean(x²) + eps) · weight; eps defaults to float32's machine epsilon like PyTorch. */
export function rmsNorm(input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, eps?: number): Tensor {
  const dims = normDimsOf("rmsNorm", input, normalizedShape);
  checkAffine("rmsNorm", input, dims, { weight });
  const y = input.mul(input.square().mean(dims, { keepdim: true }).add(eps ?? 1.1920928955078125e-7).rsqrt());
  return weight ? y.mul(weight) : y;
}

/** Constant padding: pads = [before, after] for each of the last dims, last dim first (torch.nn.functional.pad). */
export function pad(input: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > input.ndim || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`pad: pads ${fmt(pads)} must be non-negative pairs for at most ${input.ndim} dims`);
  }
  const shape = [...input.shape];
  const starts = shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = input.ndim - 1 - i;
    starts[d] = pads[2 * i];
    shape[d] += pads[2 * i] + pads[2 * i + 1];
  }
  const out = Tensor.full(shape, value, { dtype: input.dtype, device: input.device });
  let window = out;
  shape.forEach((_, d) => (window = narrow(window, d, starts[d], input.shape[d])));
  if (input.numel > 0) noGrad(() => window.assign(input));
  // the backward of padding is the window it was written into
  return out.track("pad", [input], (g) => {
    let gw = g;
    shape.forEach((_, d) => (gw = narrow(gw, d, starts[d], input.shape[d])));
    return [gw];
  });
}

function pair(op: string, v: number | readonly number[] | undefined, dflt: number): [number, number] {
  const p: number[] = v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : [...v];
  if (p.length !== 2 || p.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`${op}: expected a non-negative integer or a pair, got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

export interface Conv2dOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
}

/** 2-D convolution (cross-correlation) of input [N, C, H, W] with weight [OC, C, kh, kw], as
 *  im2col and one GEMM: the columns [C·kh·kw, N·OH·OW] (rows in the weight's order) make the
 *  forward, the weight gradient and the input gradient one large matmul each over all N·OH·OW
 *  positions. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const unbatched = input.ndim === 3;
  const x = unbatched ? input.unsqueeze(0) : input;
  if (x.ndim !== 4 || weight.ndim !== 4 || x.shape[1] !== weight.shape[1]) {
    throw new Error(`conv2d: input ${fmt(input.shape)} and weight ${fmt(weight.shape)} do not match (expected [N, C, H, W] and [OC, C, kh, kw])`);
  }
  checkOptions("conv2d", opts, ["stride", "padding"]);
  const [sh, sw] = pair("conv2d", opts.stride, 1), [ph, pw] = pair("conv2d", opts.padding, 0);
  if (sh === 0 || sw === 0) throw new Error("conv2d: stride must be positive");
  const [n, c, h, w] = x.shape, [oc, , kh, kw] = weight.shape;
  if (bias != null && (!(bias instanceof Tensor) || fmt(bias.shape) !== fmt([oc]))) {
    throw new Error(`conv2d: bias must have shape [${oc}] (one per output channel), got ${bias instanceof Tensor ? fmt(bias.shape) : describe(bias)}`);
  }
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    throw new Error(`conv2d: kernel ${fmt([kh, kw])} is larger than the padded input ${fmt([h + 2 * ph, w + 2 * pw])}`);
  }
  const oh = windowCount(h, kh, sh, ph), ow = windowCount(w, kw, sw, pw);
  const cols = im2col(x, kh, kw, sh, sw, ph, pw); // [C·kh·kw, N·OH·OW], padding included
  const out = weight.reshape(oc, c * kh * kw).matmul(cols).reshape(oc, n, oh, ow).transpose(0, 1); // [N, OC, OH, OW]
  const y = bias ? out.add(bias.reshape(1, oc, 1, 1)) : out.contiguous(); // contiguous, like PyTorch's
  return unbatched ? y.squeeze(0) : y;
}

/** Max over kernel windows; the gradient goes to the first maximum of each window, like PyTorch. */
export function maxPool2d(
  input: Tensor, kernelSize: number | readonly number[], stride?: number | readonly number[] | null, padding: number | readonly number[] = 0,
): Tensor {
  const unbatched = input.ndim === 3;
  const x = unbatched ? input.unsqueeze(0) : input;
  if (x.ndim !== 4) throw new Error(`maxPool2d: expects [N, C, H, W] or [C, H, W], got ${fmt(input.shape)}`);
  const [kh, kw] = pair("maxPool2d", kernelSize, 1);
  const [sh, sw] = pair("maxPool2d", stride ?? [kh, kw], 1), [ph, pw] = pair("maxPool2d", padding, 0);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1) throw new Error(`maxPool2d: kernelSize and stride must be positive, got ${fmt([kh, kw])} and ${fmt([sh, sw])}`);
  if (ph * 2 > kh || pw * 2 > kw) throw new Error(`maxPool2d: padding ${fmt([ph, pw])} must be at most half the kernel ${fmt([kh, kw])}`);
  const xp = ph || pw ? pad(x, [pw, pw, ph, ph], -Infinity) : x;
  if (xp.shape[2] < kh || xp.shape[3] < kw) throw new Error(`maxPool2d: kernel ${fmt([kh, kw])} is larger than the input ${fmt(xp.shape.slice(2))}`);
  const out = fused.maxPool2d(xp, kh, kw, sh, sw) ?? maxPoolComposite(xp, kh, kw, sh, sw);
  return unbatched ? out.squeeze(0) : out;
}

/** The reference: each window's first argmax picks its value (a gather over window views). */
function maxPoolComposite(xp: Tensor, kh: number, kw: number, sh: number, sw: number): Tensor {
  const win = unfold(unfold(xp, 2, kh, sh), 3, kw, sw);
  const flat = win.reshape(...win.shape.slice(0, 4), kh * kw);
  return flat.gather(-1, flat.argmax(-1, { keepdim: true })).squeeze(-1);
}

export interface AttentionOptions {
  /** int32: nonzero = may attend (PyTorch's boolean mask); float: added to the scores. */
  attnMask?: Tensor | null;
  isCausal?: boolean;
  dropoutP?: number;
  scale?: number;
  training?: boolean;
}

/** softmax(q kᵀ · scale + mask) v over [..., L, E] queries and [..., S, E] keys. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1] || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new Error(`scaledDotProductAttention: q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} do not fit [..., L, E], [..., S, E], [..., S, Ev]`);
  }
  const [l, s] = [q.shape[q.ndim - 2], k.shape[k.ndim - 2]];
  const scale = opts.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]), m = opts.attnMask;
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

/** One-hot int32 encoding with numClasses (inferred from the max when omitted). */
export function oneHot(input: Tensor, numClasses?: number): Tensor {
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

