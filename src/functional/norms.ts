// Batch, group and instance normalization as composites (the gradient through the batch
// statistics comes from the primitives), with PyTorch 1.13's running statistics: an exponential
// average of the batch mean and of the UNBIASED batch variance, updated in place without a graph.
import type { Tensor } from "../core.js";
import { noGrad } from "../graph.js";
import { fmt } from "../shape.js";
import { type Args, checkBool, checkFloat, checkInt, checkScalar, given, parseArgs } from "./args.js";
import { pad } from "./pad.js";

/** [1, C, 1, ...] for broadcasting a per-channel [C] tensor over an [N, C, ...] input. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((s, i) => (i === 1 ? s : 1));
}

function perChannel(op: string, name: string, t: unknown, c: number): Tensor | null {
  if (t === undefined || t === null) return null;
  const v = checkFloat(op, name, t);
  if (v.numel !== c) throw new Error(`${op}: ${name} should contain ${c} elements (one per channel), got shape ${fmt(v.shape)}`);
  return v;
}

/** weight·y + bias with per-channel weight and bias. */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape: number[]): Tensor {
  if (weight) y = y.mul(weight.reshape(shape));
  if (bias) y = y.add(bias.reshape(shape));
  return y;
}

/** (x - mean)/√(var + eps) with the biased variance over dims, and the statistics used (also the
 *  layerNorm composite's). Centred twice (the corrected two-pass form of layerNorm's kernels): for
 *  a channel of (nearly) equal values, the float mean's last bit, times 1/√(var + eps), was noise of
 *  up to 300 ulps at eps 1e-5, and devices that round the mean's sum differently disagreed; the
 *  deviations' own mean takes it out (PyTorch sums in double there). */
export function standardize(x: Tensor, dims: number[], eps: number): { y: Tensor; mean: Tensor; var: Tensor } {
  const mean = x.mean(dims, { keepdim: true });
  const d = x.sub(mean);
  // as a function of x the deviations' mean is 0 everywhere, and so is its derivative: a constant
  // to autograd (no backward pass for it)
  const xc = d.sub(noGrad(() => d.mean(dims, { keepdim: true })));
  const v = xc.square().mean(dims, { keepdim: true });
  return { y: xc.mul(v.add(eps).rsqrt()), mean, var: v };
}

/** running ← (1 - m)·running + m·batch, in place, where m is a number or a 0-d tensor. */
function updateRunning(running: Tensor, batch: Tensor, m: number | Tensor): void {
  noGrad(() => {
    const keep = typeof m === "number" ? 1 - m : m.neg().add(1);
    running.assign(batch.detach().reshape(running.shape).mul(m).add(running.mul(keep)));
  });
}

/** The shared body of F.batchNorm and nn.BatchNorm*d (whose cumulative average, momentum null,
 *  passes its factor 1/numBatchesTracked as a 0-d tensor so that nothing waits for a device). */
export function batchNormImpl(
  op: string, input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number | Tensor, eps: number,
): Tensor {
  if (input.ndim < 2) throw new Error(`${op}: expects an input [N, C, ...] with at least 2 dims, got shape ${fmt(input.shape)}`);
  const c = input.shape[1];
  const rm = perChannel(op, "runningMean", runningMean, c), rv = perChannel(op, "runningVar", runningVar, c);
  const w = perChannel(op, "weight", weight, c), b = perChannel(op, "bias", bias, c);
  const shape = channelShape(input);
  const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
  if (!training) {
    if (!rm || !rv) throw new Error(`${op}: runningMean and runningVar are needed when not training (training: false)`);
    const y = input.sub(rm.reshape(shape)).mul(rv.reshape(shape).add(eps).rsqrt());
    return affine(y, w, b, shape);
  }
  const n = input.numel / Math.max(c, 1);
  if (n <= 1) throw new Error(`${op}: expected more than 1 value per channel when training, got input of shape ${fmt(input.shape)}`);
  const { y, mean, var: v } = standardize(input, dims, eps);
  if (rm) updateRunning(rm, mean, momentum);
  if (rv) updateRunning(rv, v.mul(n / (n - 1)), momentum);
  return affine(y, w, b, shape);
}

/** Options of `F.batchNorm` (also accepted positionally, in PyTorch's order). */
export interface BatchNormOptions {
  /** Per-channel scale [C], or none. */
  weight?: Tensor | null;
  /** Per-channel shift [C], or none. */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the new batch statistic in the running ones, default 0.1. */
  momentum?: number;
  /** Added to the variance, default 1e-5. */
  eps?: number;
}

/**
 * Batch normalization of [N, C, ...] over every dim but the channels (dim 1), like
 * torch.nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training=False,
 * momentum=0.1, eps=1e-5). Training updates runningMean and runningVar (when given) in place.
 * @throws Error for fewer than 2 dims, parameters not of shape [C], no running statistics when not training, or only one value per channel when training.
 * @example
 * const y = F.batchNorm(x, runMean, runVar, { training: true }); // x [N, C, H, W]
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  ...args: Args<[weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number], BatchNormOptions>
): Tensor {
  const op = "batchNorm";
  const a = parseArgs(op, args, ["weight", "bias", "training", "momentum", "eps"]);
  checkFloat(op, "input", input);
  const training = checkBool(op, "training", given(a.training, false));
  const momentum = checkScalar(op, "momentum", given(a.momentum, 0.1));
  const eps = checkScalar(op, "eps", given(a.eps, 1e-5), (v) => v >= 0, "a non-negative number");
  return batchNormImpl(op, input, runningMean, runningVar, a.weight as Tensor | null, a.bias as Tensor | null, training, momentum, eps);
}

/** Options of `F.groupNorm` (also accepted positionally). */
export interface GroupNormOptions {
  /** Per-channel scale [C], or none. */
  weight?: Tensor | null;
  /** Per-channel shift [C], or none. */
  bias?: Tensor | null;
  /** Added to the variance, default 1e-5. */
  eps?: number;
}

/**
 * Normalizes each of numGroups groups of channels of [N, C, ...] over its channels and positions,
 * then a per-channel affine (torch.nn.functional.group_norm(input, num_groups, weight, bias, eps)).
 * @throws Error for fewer than 2 dims, C not divisible by numGroups, or weight/bias not of shape [C].
 * @example
 * const y = F.groupNorm(x, 4); // x [N, 16, H, W]: 4 groups of 4 channels
 */
export function groupNorm(
  input: Tensor, numGroups: number, ...args: Args<[weight: Tensor | null, bias: Tensor | null, eps: number], GroupNormOptions>
): Tensor {
  const op = "groupNorm";
  const a = parseArgs(op, args, ["weight", "bias", "eps"]);
  checkFloat(op, "input", input);
  const g = checkInt(op, "numGroups", numGroups, 1);
  const eps = checkScalar(op, "eps", given(a.eps, 1e-5), (v) => v >= 0, "a non-negative number");
  if (input.ndim < 2) throw new Error(`${op}: expects an input [N, C, ...] with at least 2 dims, got shape ${fmt(input.shape)}`);
  const [n, c] = input.shape;
  if (c % g !== 0) throw new Error(`${op}: the ${c} channels of input ${fmt(input.shape)} cannot be split into ${g} groups`);
  const w = perChannel(op, "weight", a.weight, c), b = perChannel(op, "bias", a.bias, c);
  const grouped = input.reshape([n, g, -1]);
  const { y } = standardize(grouped, [2], eps);
  return affine(y.reshape(input.shape), w, b, channelShape(input));
}

/** Options of `F.instanceNorm` (also accepted positionally, in PyTorch's order). */
export interface InstanceNormOptions {
  /** Per-channel scale [C], or none. */
  weight?: Tensor | null;
  /** Per-channel shift [C], or none. */
  bias?: Tensor | null;
  /** Normalize with each instance's statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Weight of the new statistic in the running ones, default 0.1. */
  momentum?: number;
  /** Added to the variance, default 1e-5. */
  eps?: number;
}

/**
 * Normalizes each channel of each sample of [N, C, ...] over its positions (torch.nn.functional.
 * instance_norm(input, running_mean, running_var, weight, bias, use_input_stats=True, momentum,
 * eps)); with useInputStats, given running statistics move toward the batch means of the
 * per-instance means and unbiased variances.
 * @throws Error for fewer than 3 dims, parameters not of shape [C], or a single spatial element when using the input's statistics.
 * @example
 * const y = F.instanceNorm(x); // x [N, C, H, W]
 */
export function instanceNorm(
  input: Tensor,
  ...args: Args<[runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
    useInputStats: boolean, momentum: number, eps: number], InstanceNormOptions & { runningMean?: Tensor | null; runningVar?: Tensor | null }>
): Tensor {
  const op = "instanceNorm";
  const a = parseArgs(op, args, ["runningMean", "runningVar", "weight", "bias", "useInputStats", "momentum", "eps"]);
  checkFloat(op, "input", input);
  const useInputStats = checkBool(op, "useInputStats", given(a.useInputStats, true));
  const momentum = checkScalar(op, "momentum", given(a.momentum, 0.1));
  const eps = checkScalar(op, "eps", given(a.eps, 1e-5), (v) => v >= 0, "a non-negative number");
  if (input.ndim < 3) throw new Error(`${op}: expects an input [N, C, ...] with at least one spatial dim, got shape ${fmt(input.shape)}`);
  const c = input.shape[1];
  const rm = perChannel(op, "runningMean", a.runningMean, c), rv = perChannel(op, "runningVar", a.runningVar, c);
  const w = perChannel(op, "weight", a.weight, c), b = perChannel(op, "bias", a.bias, c);
  const shape = channelShape(input);
  if (!useInputStats) {
    if (!rm || !rv) throw new Error(`${op}: runningMean and runningVar are needed when useInputStats is false`);
    return affine(input.sub(rm.reshape(shape)).mul(rv.reshape(shape).add(eps).rsqrt()), w, b, shape);
  }
  const dims = input.shape.map((_, i) => i).slice(2);
  const n = input.numel / Math.max(input.shape[0] * c, 1);
  if (n <= 1) throw new Error(`${op}: expected more than 1 spatial element when training, got input of shape ${fmt(input.shape)}`);
  const { y, mean, var: v } = standardize(input, dims, eps);
  // PyTorch runs batch norm on [1, N·C, ...] with the running stats repeated N times, then
  // averages the N updated copies: the same as one update toward the means over the batch
  if (rm) updateRunning(rm, mean.mean(0), momentum);
  if (rv) updateRunning(rv, v.mul(n / (n - 1)).mean(0), momentum);
  return affine(y, w, b, shape);
}

/** Options of `F.localResponseNorm` (also accepted positionally, in PyTorch's order). */
export interface LocalResponseNormOptions {
  /** the scale α of the windowed mean of squares (default 1e-4) */
  alpha?: number;
  /** the exponent β (default 0.75) */
  beta?: number;
  /** the additive constant k (default 1) */
  k?: number;
}

/**
 * Local response normalization over the channels of [N, C, ...] (at least 3 dims)
 * (torch.nn.functional.local_response_norm): y = x / (k + α·mean(x²))^β, the mean over a window of
 * `size` neighbouring channels, c − ⌊size/2⌋ to c + ⌊(size−1)/2⌋, zero-padded at the ends (always
 * divided by size, as PyTorch's average pool with padding).
 * @throws Error for fewer than 3 dims, a size that is not a positive integer, or alpha, beta, k not numbers.
 * @example
 * const y = F.localResponseNorm(x, 5, { alpha: 1e-4, beta: 0.75, k: 2 }); // x [N, C, H, W]
 */
export function localResponseNorm(
  input: Tensor, size: number, ...args: Args<[alpha: number, beta: number, k: number], LocalResponseNormOptions>
): Tensor {
  const op = "localResponseNorm";
  const a = parseArgs(op, args, ["alpha", "beta", "k"]);
  checkFloat(op, "input", input);
  const n = checkInt(op, "size", size, 1);
  const alpha = checkScalar(op, "alpha", given(a.alpha, 1e-4));
  const beta = checkScalar(op, "beta", given(a.beta, 0.75));
  const k = checkScalar(op, "k", given(a.k, 1));
  if (input.ndim < 3) throw new Error(`${op}: expects an input [N, C, ...] with at least 3 dims, got shape ${fmt(input.shape)}`);
  if (input.numel === 0) return input;
  const c = input.shape[1];
  // the squares padded with ⌊size/2⌋ zero channels before and ⌊(size−1)/2⌋ after: window c is channels c .. c+size−1
  const pads = [...Array<number>(2 * (input.ndim - 2)).fill(0), Math.floor(n / 2), Math.floor((n - 1) / 2)];
  const sq = pad(input.square(), pads);
  let sum = sq.narrow(1, 0, c);
  for (let i = 1; i < n; i++) sum = sum.add(sq.narrow(1, i, c));
  return input.div(sum.mul(alpha / n).add(k).pow(beta));
}
