// Activation modules over the composites in nn.functional: Hardtanh, ReLU6, ELU, SELU, Softplus,
// Mish, GLU, LogSigmoid, Hardswish, Hardsigmoid, Softsign, Tanhshrink, Softmin, Softmax2d,
// Threshold, CELU, Hardshrink, Softshrink (no state) and PReLU (a learnt slope).
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkInplace, checkInt, checkScalar, describe, given, inplaceOnly, parseArgs } from "../functional/args.js";
import { checkNumber } from "../check.js";
import { Module, Parameter, checkForward, checkNoArgs } from "./module.js";

/**
 * torch.nn.Hardtanh(minVal=-1, maxVal=1, inplace=false): inplace only false (dlgrad returns a new tensor).
 * Any shape; see `F.hardtanh`.
 * @example
 * const act = new nn.Hardtanh(0, 1);
 */
export class Hardtanh extends Module {
  /** lower bound (default -1) */
  readonly minVal: number;
  /** upper bound (default 1) */
  readonly maxVal: number;

  constructor(...args: Args<[minVal: number, maxVal: number, inplace: boolean], { minVal?: number; maxVal?: number; inplace?: boolean }>) {
    super();
    const a = parseArgs("nn.Hardtanh", args, ["minVal", "maxVal", "inplace"]);
    checkInplace("nn.Hardtanh", a.inplace);
    this.minVal = checkScalar("nn.Hardtanh", "minVal", given(a.minVal, -1));
    this.maxVal = checkScalar("nn.Hardtanh", "maxVal", given(a.maxVal, 1));
    if (this.minVal > this.maxVal) throw new Error(`nn.Hardtanh: minVal (${this.minVal}) must be <= maxVal (${this.maxVal})`);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/**
 * torch.nn.ReLU6(inplace=false): min(max(x, 0), 6); inplace only false.
 * Any shape.
 * @example
 * const act = new nn.ReLU6();
 */
export class ReLU6 extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.ReLU6", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.relu6(x);
  }
}

/**
 * torch.nn.ELU(alpha=1, inplace=false): inplace only false.
 * Any shape; see `F.elu`.
 * @example
 * const act = new nn.ELU({ alpha: 0.5 });
 */
export class ELU extends Module {
  /** α, the negative saturation value (default 1) */
  readonly alpha: number;

  constructor(...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    super();
    const a = parseArgs("nn.ELU", args, ["alpha", "inplace"]);
    checkInplace("nn.ELU", a.inplace);
    this.alpha = checkScalar("nn.ELU", "alpha", given(a.alpha, 1));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * torch.nn.SELU(inplace=false): inplace only false.
 * Any shape; see `F.selu`.
 * @example
 * const act = new nn.SELU();
 */
export class SELU extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.SELU", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.selu(x);
  }
}

/**
 * torch.nn.Softplus(beta=1, threshold=20).
 * Any shape; see `F.softplus`.
 * @example
 * const act = new nn.Softplus({ beta: 2 });
 */
export class Softplus extends Module {
  /** β (default 1) */
  readonly beta: number;
  /** above βx > threshold the output is x (default 20) */
  readonly threshold: number;

  constructor(...args: Args<[beta: number, threshold: number], { beta?: number; threshold?: number }>) {
    super();
    const a = parseArgs("nn.Softplus", args, ["beta", "threshold"]);
    this.beta = checkScalar("nn.Softplus", "beta", given(a.beta, 1));
    this.threshold = checkScalar("nn.Softplus", "threshold", given(a.threshold, 20));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * torch.nn.Mish(inplace=false): x·tanh(softplus(x)); inplace only false.
 * Any shape.
 * @example
 * const act = new nn.Mish();
 */
export class Mish extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.Mish", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.mish(x);
  }
}

/**
 * torch.nn.GLU(dim=-1): a·σ(b) over the two halves of dim.
 * Halves the size of dim; see `F.glu`.
 * @example
 * new nn.GLU().forward(Tensor.zeros([4, 6])); // shape [4, 3]
 */
export class GLU extends Module {
  /** the dim split in halves (default -1) */
  readonly dim: number;

  constructor(...args: Args<[dim: number], { dim?: number }>) {
    super();
    this.dim = checkScalar("nn.GLU", "dim", given(parseArgs("nn.GLU", args, ["dim"]).dim, -1), Number.isInteger, "an integer");
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.glu(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * torch.nn.LogSigmoid() (no arguments): log σ(x).
 * Any shape.
 * @example
 * const act = new nn.LogSigmoid();
 */
export class LogSigmoid extends Module {
  constructor() {
    super();
    checkNoArgs("nn.LogSigmoid", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.logsigmoid(x);
  }
}

/**
 * torch.nn.Hardswish(inplace=false): x·relu6(x + 3)/6; inplace only false.
 * Any shape.
 * @example
 * const act = new nn.Hardswish();
 */
export class Hardswish extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.Hardswish", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.hardswish(x);
  }
}

/**
 * torch.nn.Hardsigmoid(inplace=false): relu6(x + 3)/6; inplace only false.
 * Any shape.
 * @example
 * const act = new nn.Hardsigmoid();
 */
export class Hardsigmoid extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.Hardsigmoid", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.hardsigmoid(x);
  }
}

/**
 * torch.nn.PReLU(numParameters=1, init=0.25): x for x > 0, weight·x otherwise, with one learnt
 * slope for all channels or one per channel (dim 1).
 * @throws Error (forward) if numParameters is neither 1 nor the input's channel count.
 * @example
 * const act = new nn.PReLU({ numParameters: 16 }); // for [N, 16, H, W]
 */
export class PReLU extends Module {
  /** 1 (one slope for all channels) or the number of channels */
  readonly numParameters: number;
  /** the learnt slopes [numParameters], `init` (0.25) at start */
  weight: Tensor;

  constructor(...args: Args<[numParameters: number, init: number], { numParameters?: number; init?: number }>) {
    super();
    const a = parseArgs("nn.PReLU", args, ["numParameters", "init"]);
    this.numParameters = checkInt("nn.PReLU", "numParameters", given(a.numParameters, 1), 1);
    this.weight = Parameter(Tensor.full([this.numParameters], checkScalar("nn.PReLU", "init", given(a.init, 0.25))));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}

/**
 * torch.nn.Softsign() (no arguments): x / (1 + |x|).
 * Any shape; see `F.softsign`.
 * @example
 * const act = new nn.Softsign();
 */
export class Softsign extends Module {
  constructor() {
    super();
    checkNoArgs("nn.Softsign", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.softsign(x);
  }
}

/**
 * torch.nn.Tanhshrink() (no arguments): x - tanh(x).
 * Any shape; see `F.tanhshrink`.
 * @example
 * const act = new nn.Tanhshrink();
 */
export class Tanhshrink extends Module {
  constructor() {
    super();
    checkNoArgs("nn.Tanhshrink", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.tanhshrink(x);
  }
}

/**
 * torch.nn.Softmin(dim): softmax(-x) along `dim`. The default dim is -1, as dlgrad's `nn.Softmax`
 * (PyTorch's None picks a dim by a deprecated rule, with a warning: dlgrad refuses null, like `nn.Softmax`).
 * Same shape out; see `F.softmin`.
 * @throws Error (constructor) if dim is not an integer; (forward) if it is out of range.
 * @example
 * const sm = new nn.Softmin(1);
 */
export class Softmin extends Module {
  /** the dim softmin runs along */
  readonly dim: number;

  constructor(...args: Args<[dim: number], { dim?: number }>) {
    super();
    this.dim = checkScalar("nn.Softmin", "dim", given(parseArgs("nn.Softmin", args, ["dim"]).dim, -1), Number.isInteger, "an integer");
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.softmin(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * torch.nn.Softmax2d() (no arguments): softmax over the channels at each location, i.e. along dim -3 of an
 * [N, C, H, W] or unbatched [C, H, W] input. Same shape out.
 * @throws Error (forward) if the input is not 3-D or 4-D.
 * @example
 * const probs = new nn.Softmax2d().forward(logits); // logits [N, C, H, W]
 */
export class Softmax2d extends Module {
  constructor() {
    super();
    checkNoArgs("nn.Softmax2d", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
      throw new Error(`nn.Softmax2d: input must be a 3-D [C, H, W] or 4-D [N, C, H, W] tensor, got ${x instanceof Tensor ? `shape [${x.shape.join(", ")}]` : describe(x)}`);
    }
    return F.softmax(x, -3);
  }
}

/**
 * torch.nn.Threshold(threshold, value, inplace=false) (inplace only false): x where x > threshold, value elsewhere (both required).
 * Any shape; see `F.threshold`.
 * @throws Error (constructor) if threshold or value is missing or not a number.
 * @example
 * const act = new nn.Threshold(0.1, 20);
 */
export class Threshold extends Module {
  /** elements at or below it are replaced */
  readonly threshold: number;
  /** what replaces them */
  readonly value: number;

  constructor(...args: Args<[threshold: number, value: number, inplace: boolean], { threshold?: number; value?: number; inplace?: boolean }>) {
    super();
    const a = parseArgs("nn.Threshold", args, ["threshold", "value", "inplace"]);
    checkInplace("nn.Threshold", a.inplace);
    this.threshold = checkNumber("nn.Threshold", "threshold", a.threshold);
    this.value = checkNumber("nn.Threshold", "value", a.value);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.threshold(x, this.threshold, this.value);
  }

  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

/**
 * torch.nn.CELU(alpha=1, inplace=false) (inplace only false): max(0, x) + min(0, α(e^(x/α) - 1)).
 * Any shape; see `F.celu`.
 * @throws Error (constructor) if alpha is 0 or not a number.
 * @example
 * const act = new nn.CELU({ alpha: 0.5 });
 */
export class CELU extends Module {
  /** α (default 1) */
  readonly alpha: number;

  constructor(...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    super();
    const a = parseArgs("nn.CELU", args, ["alpha", "inplace"]);
    checkInplace("nn.CELU", a.inplace);
    this.alpha = checkScalar("nn.CELU", "alpha", given(a.alpha, 1), (v) => v !== 0, "a nonzero number");
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.celu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * torch.nn.Hardshrink(lambd=0.5): 0 on [-λ, λ], x elsewhere.
 * Any shape; see `F.hardshrink`.
 * @throws Error (constructor) if lambd is not a number.
 * @example
 * const act = new nn.Hardshrink(0.3);
 */
export class Hardshrink extends Module {
  /** λ (default 0.5) */
  readonly lambd: number;

  constructor(...args: Args<[lambd: number], { lambd?: number }>) {
    super();
    this.lambd = checkScalar("nn.Hardshrink", "lambd", given(parseArgs("nn.Hardshrink", args, ["lambd"]).lambd, 0.5));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.hardshrink(x, this.lambd);
  }

  override extraRepr(): string {
    return `lambd=${this.lambd}`;
  }
}

/**
 * torch.nn.Softshrink(lambd=0.5): x - λ above λ, x + λ below -λ, 0 between.
 * Any shape; see `F.softshrink`.
 * @throws Error (constructor) if lambd is negative or not a number.
 * @example
 * const act = new nn.Softshrink({ lambd: 0.3 });
 */
export class Softshrink extends Module {
  /** λ >= 0 (default 0.5) */
  readonly lambd: number;

  constructor(...args: Args<[lambd: number], { lambd?: number }>) {
    super();
    this.lambd = checkScalar("nn.Softshrink", "lambd", given(parseArgs("nn.Softshrink", args, ["lambd"]).lambd, 0.5), (v) => v >= 0, "a number >= 0");
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.softshrink(x, this.lambd);
  }

  override extraRepr(): string {
    return `lambd=${this.lambd}`;
  }
}
