// nn.init: in-place initialisers with PyTorch's gain and fan rules, drawn from the global generator.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import { given } from "../functional/args.js";

/** A nonlinearity `calculateGain` knows, in camelCase or PyTorch's snake_case. */
export type Nonlinearity =
  | "linear" | "identity" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "leaky_relu" | "selu"
  | "conv1d" | "conv2d" | "conv3d";
/** Which fan kaiming initialisation preserves, in camelCase or PyTorch's snake_case. */
export type FanMode = "fanIn" | "fanOut" | "fan_in" | "fan_out";

/**
 * Recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`): relu √2, tanh 5/3, leakyRelu √(2/(1+a²)).
 * @example
 * nn.init.calculateGain("relu"); // √2
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "identity": case "sigmoid": case "conv1d": case "conv2d": case "conv3d":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu": case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new Error(`nn.init.calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * [fanIn, fanOut] of a weight: fanIn = shape[1]·receptive field, fanOut = shape[0]·receptive field.
 * @throws Error for a tensor with fewer than 2 dims.
 * @example
 * nn.init.calculateFanInAndFanOut(Tensor.empty([16, 3, 3, 3])); // [27, 144]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(`nn.init: fan in and fan out need a tensor of at least 2 dims, got shape [${t.shape.join(", ")}]`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() => t.assign(make()));
  return t;
}

const like = (t: Tensor) => ({ dtype: t.dtype, device: t.device });

/**
 * Fills `t` with U(a, b).
 * In place, returns t (torch.nn.init.uniform_).
 * @example
 * nn.init.uniform_(w, -0.1, 0.1);
 */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return fill(t, () => Tensor.uniform(t.shape, a, b, like(t)));
}

/**
 * Fills `t` with N(mean, std²).
 * In place, returns t (torch.nn.init.normal_).
 * @example
 * nn.init.normal_(emb.weight, 0, 0.02);
 */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, () => Tensor.randn(t.shape, like(t)).mul(std).add(mean));
}

/**
 * Fills `t` with `value`.
 * In place, returns t (torch.nn.init.constant_).
 * @example
 * nn.init.constant_(bn.weight!, 0.5);
 */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.assign(value));
  return t;
}

/**
 * Fills `t` with 0.
 * In place, returns t (torch.nn.init.zeros_).
 * @example
 * nn.init.zeros_(fc.bias!);
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * Fills `t` with 1.
 * In place, returns t (torch.nn.init.ones_).
 * @example
 * nn.init.ones_(ln.weight!);
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Glorot uniform: U(±gain·√(6/(fanIn+fanOut))).
 * In place, returns t (torch.nn.init.xavier_uniform_). t needs at least 2 dims.
 * @example
 * nn.init.xavierUniform_(fc.weight);
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/**
 * Glorot normal: N(0, gain²·2/(fanIn+fanOut)).
 * In place, returns t (torch.nn.init.xavier_normal_). t needs at least 2 dims.
 * @example
 * nn.init.xavierNormal_(fc.weight, nn.init.calculateGain("tanh"));
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of `kaimingUniform_` and `kaimingNormal_` (PyTorch's a, mode, nonlinearity). */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (used when nonlinearity is leakyRelu). Default 0. */
  a?: number;
  /** Which fan to preserve: fanIn (forward pass, default) or fanOut (backward pass). */
  mode?: FanMode;
  /** Default leakyRelu, like PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const mode = given(opts.mode, "fanIn");
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  let fan: number;
  if (mode === "fanIn" || mode === "fan_in") fan = fanIn;
  else if (mode === "fanOut" || mode === "fan_out") fan = fanOut;
  else throw new Error(`nn.init: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
  // a null `a` is PyTorch's None: calculateGain's default slope 0.01
  return calculateGain(given(opts.nonlinearity, "leakyRelu"), given(opts.a, 0)) / Math.sqrt(fan);
}

/**
 * He uniform: U(±√3·gain/√fan). With a=√5 (nn.Linear's default) the bound is 1/√fanIn.
 * In place, returns t (torch.nn.init.kaiming_uniform_). t needs at least 2 dims.
 * @example
 * nn.init.kaimingUniform_(conv.weight, { nonlinearity: "relu" });
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound);
}

/**
 * He normal: N(0, gain²/fan).
 * In place, returns t (torch.nn.init.kaiming_normal_). t needs at least 2 dims.
 * @example
 * nn.init.kaimingNormal_(fc.weight, { mode: "fanOut", nonlinearity: "relu" });
 */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts));
}
