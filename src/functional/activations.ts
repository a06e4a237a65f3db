// Activations as composites of primitives, with PyTorch 1.13's values and its gradients at the
// kinks (which side of a `where` a boundary point takes is chosen to match aten's backward).
import type { Tensor } from "../core.js";
import { where } from "../ops.js";
import { fmt, normDim } from "../shape.js";
import { checkArity, checkNumber } from "../check.js";
import { type Args, activationInput, checkFloat, checkScalar, given, parseArgs } from "./args.js";

/** PyTorch's `inplace` argument of an activation: only false is accepted (dlgrad returns a new tensor). */
type Inplace = Args<[inplace: boolean], { inplace?: boolean }>;

/** Options of `F.hardtanh` (also accepted positionally: `hardtanh(x, minVal, maxVal)`). */
export interface HardtanhOptions {
  /** Lower bound, default -1. */
  minVal?: number;
  /** Upper bound, default 1. */
  maxVal?: number;
}

/**
 * Hardtanh: x clamped to [minVal, maxVal] (default [-1, 1]); the gradient is 0 at and outside
 * the bounds, like PyTorch's hardtanh_backward.
 * @throws Error if a bound is not a number or minVal > maxVal.
 * @example
 * F.hardtanh(x);                        // clamp to [-1, 1]
 * F.hardtanh(x, { minVal: 0, maxVal: 1 });
 */
export function hardtanh(input: Tensor, ...args: Args<[minVal: number, maxVal: number], HardtanhOptions>): Tensor {
  const a = parseArgs("hardtanh", args, ["minVal", "maxVal"]);
  checkFloat("hardtanh", "input", input);
  const lo = checkScalar("hardtanh", "minVal", given(a.minVal, -1)), hi = checkScalar("hardtanh", "maxVal", given(a.maxVal, 1));
  if (lo > hi) throw new Error(`hardtanh: minVal (${lo}) must be <= maxVal (${hi})`);
  return clip(input, lo, hi);
}

function clip(x: Tensor, lo: number, hi: number): Tensor {
  return where(x.le(lo), lo, where(x.ge(hi), hi, x));
}

/**
 * min(max(x, 0), 6): hardtanh(x, 0, 6).
 * torch.nn.functional.relu6(input, inplace=False): inplace, positional or `{ inplace }`, may only be false.
 * @example
 * const h = F.relu6(x);
 */
export function relu6(input: Tensor, ...args: Inplace): Tensor {
  activationInput("relu6", input, args);
  return clip(input, 0, 6);
}

/**
 * x for x > 0, α(eᵡ - 1) otherwise (α = 1 by default).
 * torch.nn.functional.elu; alpha positionally or as `{ alpha }`.
 * @example
 * const h = F.elu(x, 0.5);
 */
export function elu(input: Tensor, ...args: Args<[alpha: number], { alpha?: number }>): Tensor {
  const a = parseArgs("elu", args, ["alpha"]);
  checkFloat("elu", "input", input);
  return eluOf(input, checkScalar("elu", "alpha", given(a.alpha, 1)));
}

function eluOf(x: Tensor, alpha: number): Tensor {
  // exp sees only x <= 0: a large x would make inf in the unused branch, and inf·0 = NaN in the gradient
  return where(x.gt(0), x, x.clamp(null, 0).exp().sub(1).mul(alpha));
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * scale·elu(x, α) with the self-normalising constants α ≈ 1.6733, scale ≈ 1.0507.
 * torch.nn.functional.selu(input, inplace=False): inplace, positional or `{ inplace }`, may only be false.
 * @example
 * const h = F.selu(x);
 */
export function selu(input: Tensor, ...args: Inplace): Tensor {
  activationInput("selu", input, args);
  return eluOf(input, SELU_ALPHA).mul(SELU_SCALE);
}

/** Options of `F.softplus` (also accepted positionally: `softplus(x, beta, threshold)`). */
export interface SoftplusOptions {
  /** β in log(1 + e^(βx))/β, default 1. */
  beta?: number;
  /** Above βx > threshold the result is x itself, default 20. */
  threshold?: number;
}

/**
 * log(1 + e^(βx))/β, and x itself where βx > threshold (torch.nn.functional.softplus(x, beta=1,
 * threshold=20)). The exp only ever sees clamped inputs, so the unused branch of `where` never
 * puts inf·0 = NaN into gradients.
 * @example
 * const y = F.softplus(x);
 * const sharp = F.softplus(x, { beta: 2 });
 */
export function softplus(input: Tensor, ...args: Args<[beta: number, threshold: number], SoftplusOptions>): Tensor {
  const a = parseArgs("softplus", args, ["beta", "threshold"]);
  checkFloat("softplus", "input", input);
  const beta = checkScalar("softplus", "beta", given(a.beta, 1)), threshold = checkScalar("softplus", "threshold", given(a.threshold, 20));
  return softplusOf(input, beta, threshold);
}

function softplusOf(x: Tensor, beta: number, threshold: number): Tensor {
  const bx = beta === 1 ? x : x.mul(beta);
  const soft = bx.clamp(null, threshold).exp().log1p();
  return where(bx.gt(threshold), x, beta === 1 ? soft : soft.div(beta));
}

/**
 * x·tanh(softplus(x)).
 * torch.nn.functional.mish(input, inplace=False): inplace, positional or `{ inplace }`, may only be false.
 * @example
 * const h = F.mish(x);
 */
export function mish(input: Tensor, ...args: Inplace): Tensor {
  activationInput("mish", input, args);
  return input.mul(softplusOf(input, 1, 20).tanh());
}

/**
 * log σ(x) = -softplus(-x): exact for any x, smooth at 0.
 * torch.nn.functional.logsigmoid.
 * @example
 * const lp = F.logsigmoid(logits);
 */
export function logsigmoid(input: Tensor): Tensor {
  checkArity("logsigmoid", arguments, ["input"]);
  checkFloat("logsigmoid", "input", input);
  return softplusOf(input.neg(), 1, 20).neg();
}

/**
 * Gated linear unit: a·σ(b), where a and b are the two halves of dim (default -1).
 * torch.nn.functional.glu: input [..., 2n, ...] → [..., n, ...] along dim.
 * @throws Error if the size of dim is odd.
 * @example
 * F.glu(x);          // x [b, 2n] → [b, n]
 * F.glu(x, { dim: 1 });
 */
export function glu(input: Tensor, ...args: Args<[dim: number], { dim?: number }>): Tensor {
  const a = parseArgs("glu", args, ["dim"]);
  checkFloat("glu", "input", input);
  if (input.ndim === 0) throw new Error("glu: does not support 0-d (scalar) inputs");
  const dim = normDim("glu", checkScalar("glu", "dim", given(a.dim, -1), Number.isInteger, "an integer"), input.ndim);
  const n = input.shape[dim];
  if (n % 2 !== 0) throw new Error(`glu: the halved dim must have an even size, but dim ${dim} of shape ${fmt(input.shape)} has ${n}`);
  const [x, g] = input.split(n / 2, dim);
  return x.mul(g.sigmoid());
}

/**
 * x·relu6(x + 3)/6. The gradient (2x + 3)/6 holds on the closed [-3, 3], like PyTorch's.
 * torch.nn.functional.hardswish(input, inplace=False): inplace, positional or `{ inplace }`, may only be false.
 * @example
 * const h = F.hardswish(x);
 */
export function hardswish(input: Tensor, ...args: Inplace): Tensor {
  activationInput("hardswish", input, args);
  return where(input.lt(-3), 0, where(input.gt(3), input, input.mul(input.add(3)).div(6)));
}

/**
 * relu6(x + 3)/6. The gradient 1/6 holds on the open (-3, 3), like PyTorch's.
 * torch.nn.functional.hardsigmoid(input, inplace=False): inplace, positional or `{ inplace }`, may only be false.
 * @example
 * const h = F.hardsigmoid(x);
 */
export function hardsigmoid(input: Tensor, ...args: Inplace): Tensor {
  activationInput("hardsigmoid", input, args);
  return where(input.le(-3), 0, where(input.ge(3), 1, input.div(6).add(0.5)));
}

/**
 * x for x > 0, w·x otherwise, with one learnt slope per channel (dim 1) or one for all.
 * torch.nn.functional.prelu: weight has 1 or C elements (C = input.shape[1]).
 * @throws Error if weight has another number of elements.
 * @example
 * const y = F.prelu(x, Tensor.full([1], 0.25));
 */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkArity("prelu", arguments, ["input", "weight"]);
  checkFloat("prelu", "input", input);
  checkFloat("prelu", "weight", weight);
  const channels = input.ndim >= 2 ? input.shape[1] : 1;
  if (weight.numel !== 1 && weight.numel !== channels) {
    throw new Error(`prelu: weight must have 1 element or one per channel (${channels}, dim 1 of input ${fmt(input.shape)}), got shape ${fmt(weight.shape)}`);
  }
  // a per-channel slope broadcasts along dim 1
  const w = weight.numel === 1 ? weight.reshape([]) : weight.reshape([channels, ...Array<number>(input.ndim - 2).fill(1)]);
  return where(input.gt(0), input, input.mul(w));
}

/**
 * x / (1 + |x|).
 * torch.nn.functional.softsign; any shape. PyTorch's own composite, so ±inf give inf/inf = NaN as
 * there, and the gradient at 0 is 1.
 * @throws Error if input is not a floating-point tensor.
 * @example
 * F.softsign(tensor([-3, 0, 1])); // [-0.75, 0, 0.5]
 */
export function softsign(input: Tensor): Tensor {
  checkArity("softsign", arguments, ["input"]);
  checkFloat("softsign", "input", input);
  return input.div(input.abs().add(1));
}

/**
 * x - tanh(x).
 * torch.nn.functional.tanhshrink; any shape (±inf give ±inf, with gradient 1).
 * @throws Error if input is not a floating-point tensor.
 * @example
 * const y = F.tanhshrink(x);
 */
export function tanhshrink(input: Tensor): Tensor {
  checkArity("tanhshrink", arguments, ["input"]);
  checkFloat("tanhshrink", "input", input);
  return input.sub(input.tanh());
}

/**
 * softmax(-x) along `dim` (negative counts from the end): exp(-x)/Σexp(-x), the small values
 * weighted most. torch.nn.functional.softmin; like `F.softmax` the dim is required. Same shape as input.
 * @throws Error if input is not a floating-point tensor or dim is not an integer in range.
 * @example
 * F.softmin(tensor([1, 2, 3]), 0); // [0.665, 0.245, 0.090]
 */
export function softmin(input: Tensor, dim: number): Tensor {
  checkArity("softmin", arguments, ["input", "dim"]);
  checkFloat("softmin", "input", input);
  normDim("softmin", checkScalar("softmin", "dim", dim, Number.isInteger, "an integer"), input.ndim);
  return input.neg().softmax(dim);
}

/** Options of `F.threshold` (also accepted positionally: `threshold(x, threshold, value)`). */
export interface ThresholdOptions {
  /** Elements at or below it are replaced (required). */
  threshold?: number;
  /** What replaces them (required). */
  value?: number;
}

/**
 * x where x > threshold, `value` elsewhere (a NaN stays NaN, as no comparison holds for it); the
 * gradient is 0 at and below the threshold, like PyTorch's threshold_backward.
 * torch.nn.functional.threshold(input, threshold, value): both are required; any shape.
 * @throws Error if input is not a floating-point tensor or threshold or value is missing or not a number.
 * @example
 * F.threshold(tensor([-1, 0.1, 2]), 0.1, 20); // [20, 20, 2]
 * F.threshold(x, { threshold: 0, value: -1 });
 */
export function threshold(input: Tensor, ...args: Args<[threshold: number, value: number], ThresholdOptions>): Tensor {
  const a = parseArgs("threshold", args, ["threshold", "value"]);
  checkFloat("threshold", "input", input);
  const t = checkNumber("threshold", "threshold", a.threshold), v = checkNumber("threshold", "value", a.value);
  return where(input.le(t), v, input);
}

/**
 * max(0, x) + min(0, α(e^(x/α) - 1)) (α = 1 by default): ELU with the exponent scaled by 1/α, so the
 * function is continuously differentiable for any α.
 * torch.nn.functional.celu; alpha positionally or as `{ alpha }`; any shape.
 * @throws Error if input is not a floating-point tensor or alpha is 0 or not a number.
 * @example
 * const h = F.celu(x, 0.5);
 */
export function celu(input: Tensor, ...args: Args<[alpha: number], { alpha?: number }>): Tensor {
  const a = parseArgs("celu", args, ["alpha"]);
  checkFloat("celu", "input", input);
  const alpha = checkScalar("celu", "alpha", given(a.alpha, 1), (v) => v !== 0, "a nonzero number");
  const neg = input.le(0);
  // the exp branch reads 0 where it is not used (x > 0, +inf, NaN): an overflow there would be
  // inf·0 = NaN in the gradient; NaN stays NaN with gradient 1, as PyTorch's elu_backward (x <= 0 fails)
  const xn = where(neg, input, 0);
  return where(neg, xn.div(alpha).expm1().mul(alpha), input);
}

/**
 * 0 where -λ <= x <= λ, x elsewhere (λ = `lambd`, default 0.5); the gradient is 0 on the closed
 * [-λ, λ], like PyTorch's. NaN stays NaN (with gradient 1).
 * torch.nn.functional.hardshrink; lambd positionally or as `{ lambd }`; any shape.
 * @throws Error if input is not a floating-point tensor or lambd is not a number.
 * @example
 * F.hardshrink(tensor([-1, 0.5, 0.2, 2])); // [-1, 0, 0, 2]
 */
export function hardshrink(input: Tensor, ...args: Args<[lambd: number], { lambd?: number }>): Tensor {
  const a = parseArgs("hardshrink", args, ["lambd"]);
  checkFloat("hardshrink", "input", input);
  const lambd = checkScalar("hardshrink", "lambd", given(a.lambd, 0.5));
  // |NaN| <= λ is false: NaN passes through as in PyTorch (a `gt` mask would have made it 0)
  return where(input.abs().le(lambd), 0, input);
}

/**
 * x - λ where x > λ, x + λ where x < -λ, 0 elsewhere (λ = `lambd` >= 0, default 0.5); the gradient
 * is 0 on the closed [-λ, λ]. NaN gives 0, as in PyTorch (no comparison holds for it).
 * torch.nn.functional.softshrink; lambd positionally or as `{ lambd }`; any shape.
 * @throws Error if input is not a floating-point tensor or lambd is negative or not a number.
 * @example
 * F.softshrink(tensor([-1, 0.2, 2])); // [-0.5, 0, 1.5]
 */
export function softshrink(input: Tensor, ...args: Args<[lambd: number], { lambd?: number }>): Tensor {
  const a = parseArgs("softshrink", args, ["lambd"]);
  checkFloat("softshrink", "input", input);
  const lambd = checkScalar("softshrink", "lambd", given(a.lambd, 0.5), (v) => v >= 0, "a number >= 0");
  return where(input.gt(lambd), input.sub(lambd), where(input.lt(-lambd), input.add(lambd), 0));
}
