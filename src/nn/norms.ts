// Normalization layers: BatchNorm1d/2d/3d (running statistics as buffers, PyTorch's names and
// update rule), GroupNorm and InstanceNorm1d/2d/3d, over the composites in src/functional/norms.ts.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import * as F from "../functional.js";
import { batchNormImpl } from "../functional/norms.js";
import { type Args, checkBool, checkInt, checkScalar, given, parseArgs } from "../functional/args.js";
import { fmt } from "../shape.js";
import { Module, Parameter } from "./module.js";

/** Options of `nn.BatchNorm1d`, `nn.BatchNorm2d` and `nn.BatchNorm3d`. */
export interface BatchNormOptions {
  /** added to the variance (default 1e-5) */
  eps?: number;
  /** Weight of the newest batch in the running averages (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learnt per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); false normalizes with the batch's in both modes. */
  trackRunningStats?: boolean;
}

const BN_KEYS = ["eps", "momentum", "affine", "trackRunningStats"];

/** PyTorch's positionals after numFeatures, then an optional options object:
 *  `(3, 1e-3, 0.01, false)` is `(3, { eps: 1e-3, momentum: 0.01, affine: false })`. */
type BatchNormArgs = Args<[eps: number, momentum: number | null, affine: boolean, trackRunningStats: boolean], BatchNormOptions>;

/**
 * What BatchNorm and InstanceNorm share, like PyTorch's _NormBase: the options, the affine
 * weight and bias, and the running statistics as buffers (PyTorch's names).
 */
abstract class NormBase extends Module {
  /** the number of channels C */
  readonly numFeatures: number;
  /** added to the variance */
  readonly eps: number;
  /** weight of the newest batch in the running averages; null: a cumulative average */
  readonly momentum: number | null;
  /** whether weight and bias are learnt */
  readonly affine: boolean;
  /** whether running statistics are kept for eval mode */
  readonly trackRunningStats: boolean;
  /** per-channel scale [C] (ones at start), or null without affine */
  weight: Tensor | null;
  /** per-channel shift [C] (zeros at start), or null without affine */
  bias: Tensor | null;
  /** running mean [C] (a buffer, PyTorch's running_mean), or null without trackRunningStats */
  declare runningMean: Tensor | null;
  /** running (unbiased) variance [C] (a buffer, PyTorch's running_var), or null without trackRunningStats */
  declare runningVar: Tensor | null;
  /** int32 count of training batches seen (a buffer), or null without trackRunningStats */
  declare numBatchesTracked: Tensor | null;

  /** `args`: PyTorch's positionals after numFeatures (eps, momentum, affine, trackRunningStats), then
   *  an options object; `defaults`: affine and trackRunningStats when not given; momentum null only where `cumulative`. */
  constructor(name: string, numFeatures: number, args: readonly unknown[], defaults: { affine: boolean; track: boolean; cumulative: boolean }) {
    super();
    const a = parseArgs(name, args, BN_KEYS);
    this.numFeatures = checkInt(name, "numFeatures", numFeatures, 1);
    // a null is refused (only BatchNorm's momentum may be null), not taken as the default
    this.eps = checkScalar(name, "eps", given(a.eps, 1e-5), (v) => v >= 0, "a non-negative number");
    this.momentum = a.momentum === null && defaults.cumulative ? null : checkScalar(name, "momentum", given(a.momentum, 0.1));
    this.affine = checkBool(name, "affine", given(a.affine, defaults.affine));
    this.trackRunningStats = checkBool(name, "trackRunningStats", given(a.trackRunningStats, defaults.track));
    this.weight = this.affine ? Parameter(Tensor.ones([numFeatures])) : null;
    this.bias = this.affine ? Parameter(Tensor.zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.registerBuffer("runningMean", track ? Tensor.zeros([numFeatures]) : null);
    this.registerBuffer("runningVar", track ? Tensor.ones([numFeatures]) : null);
    this.registerBuffer("numBatchesTracked", track ? Tensor.zeros([], { dtype: "int32" }) : null);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Base of BatchNorm1d/2d, like PyTorch's _BatchNorm. Training normalizes with the batch's statistics
 * (biased variance) and moves runningMean/runningVar toward them (unbiased variance), counting
 * batches in numBatchesTracked; eval mode normalizes with the running statistics.
 */
abstract class BatchNorm extends NormBase {
  constructor(numFeatures: number, args: readonly unknown[], private readonly dims: readonly number[]) {
    super(`nn.${new.target.name}`, numFeatures, args, { affine: true, track: true, cumulative: true });
  }

  /**
   * Running statistics back to mean 0, variance 1, no batches.
   * @example
   * bn.resetRunningStats();
   */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.assign(0);
      this.runningVar?.assign(1);
      this.numBatchesTracked?.assign(0);
    });
  }

  /**
   * Running statistics and the affine parameters back to their initial values.
   * @example
   * bn.resetParameters();
   */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.assign(1);
      this.bias?.assign(0);
    });
  }

  override forward(x: Tensor): Tensor {
    const name = `nn.${this.constructor.name}`;
    if (!(x instanceof Tensor) || !this.dims.includes(x.ndim)) {
      throw new Error(`${name}: expected ${this.dims.map((d) => `${d}-D`).join(" or ")} input, got ${x instanceof Tensor ? `shape ${fmt(x.shape)}` : typeof x}`);
    }
    let factor: number | Tensor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.assign(nbt.add(1)));
      // a cumulative average: the k-th batch weighs 1/k (a 0-d tensor, so nothing waits for a device)
      if (this.momentum === null) factor = noGrad(() => nbt.reciprocal());
    }
    // running statistics are used in eval mode, and updated in training mode when tracked
    const useBatchStats = this.training || !this.runningMean;
    return batchNormImpl(name, x, this.runningMean, this.runningVar, this.weight, this.bias, useBatchStats, factor, this.eps);
  }

}

/**
 * torch.nn.BatchNorm1d(numFeatures, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true), positional
 * or in an options object, over [N, C] or [N, C, L].
 * @throws Error (forward) for another rank or channel count, or one value per channel when training.
 * @example
 * const bn = new nn.BatchNorm1d(128);
 * const y = bn.forward(x); // x [N, 128]
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) {
    super(numFeatures, args, [2, 3]);
  }
}

/**
 * torch.nn.BatchNorm2d(numFeatures, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true), positional
 * or in an options object, over [N, C, H, W].
 * @throws Error (forward) for another rank or channel count, or one value per channel when training.
 * @example
 * const bn = new nn.BatchNorm2d(16, { momentum: 0.01 });
 * const y = bn.forward(x); // x [N, 16, H, W]
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) {
    super(numFeatures, args, [4]);
  }
}

/**
 * torch.nn.BatchNorm3d(numFeatures, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true), positional
 * or in an options object, over [N, C, D, H, W].
 * @throws Error (forward) for another rank or channel count, or one value per channel when training.
 * @example
 * const bn = new nn.BatchNorm3d(8);
 * const y = bn.forward(x); // x [N, 8, D, H, W]
 */
export class BatchNorm3d extends BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) {
    super(numFeatures, args, [5]);
  }
}

/**
 * torch.nn.GroupNorm(numGroups, numChannels, eps=1e-5, affine=true), eps and affine positional or in an
 * options object: per-sample statistics over groups of channels.
 * Any [N, C, ...] input, same shape out; see `F.groupNorm`.
 * @throws Error (constructor) unless numGroups divides numChannels.
 * @example
 * const gn = new nn.GroupNorm(4, 16);
 * const y = gn.forward(x); // x [N, 16, H, W]
 */
export class GroupNorm extends Module {
  /** number of channel groups (must divide numChannels) */
  readonly numGroups: number;
  /** the number of channels C */
  readonly numChannels: number;
  /** added to the variance (default 1e-5) */
  readonly eps: number;
  /** whether weight and bias are learnt (default true) */
  readonly affine: boolean;
  /** per-channel scale [C] (ones at start), or null without affine */
  weight: Tensor | null;
  /** per-channel shift [C] (zeros at start), or null without affine */
  bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, ...args: Args<[eps: number, affine: boolean], { eps?: number; affine?: boolean }>) {
    super();
    const a = parseArgs("nn.GroupNorm", args, ["eps", "affine"]);
    this.numGroups = checkInt("nn.GroupNorm", "numGroups", numGroups, 1);
    this.numChannels = checkInt("nn.GroupNorm", "numChannels", numChannels, 1);
    if (numChannels % numGroups !== 0) throw new Error(`nn.GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = checkScalar("nn.GroupNorm", "eps", "eps" in a ? a.eps : 1e-5, (v) => v >= 0, "a non-negative number");
    this.affine = checkBool("nn.GroupNorm", "affine", "affine" in a ? a.affine : true);
    this.weight = this.affine ? Parameter(Tensor.ones([numChannels])) : null;
    this.bias = this.affine ? Parameter(Tensor.zeros([numChannels])) : null;
  }

  override forward(x: Tensor): Tensor {
    if (x instanceof Tensor && (x.ndim < 2 || x.shape[1] !== this.numChannels)) {
      throw new Error(`nn.GroupNorm: expected an input [N, ${this.numChannels}, ...], got shape ${fmt(x.shape)}`);
    }
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

/** Options of `nn.InstanceNorm1d`, `nn.InstanceNorm2d` and `nn.InstanceNorm3d`. */
export interface InstanceNormOptions {
  /** added to the variance (default 1e-5) */
  eps?: number;
  /** Weight of the newest batch in the running averages (default 0.1). */
  momentum?: number;
  /** Learnt per-channel weight and bias (default false). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default false). */
  trackRunningStats?: boolean;
}

/** PyTorch's positionals after numFeatures (eps, momentum, affine, trackRunningStats), then an optional options object. */
type InstanceNormArgs = Args<[eps: number, momentum: number, affine: boolean, trackRunningStats: boolean], InstanceNormOptions>;

/**
 * Base of InstanceNorm1d/2d/3d, like PyTorch's _InstanceNorm: each channel of each sample of
 * [N, C, ...nd dims] (or unbatched [C, ...]) normalized over its positions, see `F.instanceNorm`.
 */
abstract class InstanceNorm extends NormBase {
  constructor(numFeatures: number, args: readonly unknown[], private readonly nd: number) {
    super(`nn.${new.target.name}`, numFeatures, args, { affine: false, track: false, cumulative: false });
  }

  override forward(x: Tensor): Tensor {
    const name = `nn.${this.constructor.name}`, nd = this.nd;
    if (!(x instanceof Tensor) || (x.ndim !== nd + 1 && x.ndim !== nd + 2)) {
      throw new Error(`${name}: expected ${nd + 1}-D (unbatched) or ${nd + 2}-D input, got ${x instanceof Tensor ? `shape ${fmt(x.shape)}` : typeof x}`);
    }
    const unbatched = x.ndim === nd + 1;
    const xb = unbatched ? x.unsqueeze(0) : x;
    if (this.affine && xb.shape[1] !== this.numFeatures) {
      throw new Error(`${name}: expected input's size at dim ${unbatched ? 0 : 1} to match numFeatures (${this.numFeatures}), got shape ${fmt(x.shape)}`);
    }
    // (numBatchesTracked is registered as PyTorch does, and like PyTorch's never counts)
    const y = F.instanceNorm(xb, {
      runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum!, eps: this.eps, // never null here (cumulative: false)
    });
    return unbatched ? y.squeeze(0) : y;
  }
}

/**
 * torch.nn.InstanceNorm1d(numFeatures, eps=1e-5, momentum=0.1, affine=false, trackRunningStats=false), positional
 * or in an options object,
 * over [N, C, L] or [C, L]: each channel of each sample normalized over its positions.
 * @throws Error (forward) for another rank, or (with affine) another channel count.
 * @example
 * const inorm = new nn.InstanceNorm1d(8);
 * const y = inorm.forward(x); // x [N, 8, L]
 */
export class InstanceNorm1d extends InstanceNorm {
  constructor(numFeatures: number, ...args: InstanceNormArgs) {
    super(numFeatures, args, 1);
  }
}

/**
 * torch.nn.InstanceNorm2d(numFeatures, eps=1e-5, momentum=0.1, affine=false, trackRunningStats=false), positional
 * or in an options object,
 * over [N, C, H, W] or [C, H, W]: each channel of each sample normalized over its positions.
 * @throws Error (forward) for another rank, or (with affine) another channel count.
 * @example
 * const inorm = new nn.InstanceNorm2d(3, { affine: true });
 * const y = inorm.forward(x); // x [N, 3, H, W]
 */
export class InstanceNorm2d extends InstanceNorm {
  constructor(numFeatures: number, ...args: InstanceNormArgs) {
    super(numFeatures, args, 2);
  }
}

/**
 * torch.nn.InstanceNorm3d(numFeatures, eps=1e-5, momentum=0.1, affine=false, trackRunningStats=false), positional
 * or in an options object,
 * over [N, C, D, H, W] or [C, D, H, W]: each channel of each sample normalized over its positions.
 * @throws Error (forward) for another rank, or (with affine) another channel count.
 * @example
 * const inorm = new nn.InstanceNorm3d(4, { affine: true, trackRunningStats: true });
 * const y = inorm.forward(x); // x [N, 4, D, H, W]
 */
export class InstanceNorm3d extends InstanceNorm {
  constructor(numFeatures: number, ...args: InstanceNormArgs) {
    super(numFeatures, args, 3);
  }
}

/**
 * Local response normalization over the channels of [N, C, ...] (at least 3 dims):
 * y = x / (k + α·mean over `size` neighbouring channels of x²)^β.
 * torch.nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1); see `F.localResponseNorm`.
 * @throws Error (constructor) for a size that is not a positive integer, or alpha, beta, k not numbers;
 * (forward) for an input of fewer than 3 dims.
 * @example
 * const lrn = new nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
 * const y = lrn.forward(x); // x [N, C, H, W]
 */
export class LocalResponseNorm extends Module {
  /** the number of neighbouring channels in the window */
  readonly size: number;
  /** the scale α (default 1e-4) */
  readonly alpha: number;
  /** the exponent β (default 0.75) */
  readonly beta: number;
  /** the additive constant k (default 1) */
  readonly k: number;

  constructor(size: number, ...args: Args<[alpha: number, beta: number, k: number], F.LocalResponseNormOptions>) {
    super();
    const op = "nn.LocalResponseNorm";
    const a = parseArgs(op, args, ["alpha", "beta", "k"]);
    this.size = checkInt(op, "size", size, 1);
    this.alpha = checkScalar(op, "alpha", given(a.alpha, 1e-4));
    this.beta = checkScalar(op, "beta", given(a.beta, 0.75));
    this.k = checkScalar(op, "k", given(a.k, 1));
  }

  override forward(x: Tensor): Tensor {
    return F.localResponseNorm(x, this.size, this.alpha, this.beta, this.k);
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
