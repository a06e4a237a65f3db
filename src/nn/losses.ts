// Loss and distance modules: each holds its options (class weights as buffers, saved in the state
// dict like PyTorch's) and calls its composite in nn.functional. forward(input, target).
import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, type Reduction, REDUCTIONS, checkArity, checkBool, checkEnum, checkFloat, checkScalar, describe, given, lossArgs, parseArgs } from "../functional/args.js";
import type {
  CtcLossOptions, GaussianNllOptions, MarginOptions, MultiMarginOptions, PoissonNllOptions, TripletMarginOptions, WeightedLossOptions,
} from "../functional/losses.js";
import { Module, checkForward } from "./module.js";

/** The reduction of a loss module, checked at construction. */
function reductionOf(layer: string, v: unknown): Reduction {
  return checkEnum(`nn.${layer}`, "reduction", given(v, "mean"), REDUCTIONS);
}


/** Base of the losses with a reduction, like PyTorch's _Loss. */
abstract class Loss extends Module {
  /** "mean" (the default), "sum" or "none" */
  readonly reduction: Reduction;

  protected constructor(reduction: unknown) {
    super();
    this.reduction = reductionOf(this.constructor.name, reduction);
  }

  /** The loss of `input` against `target`, reduced as `reduction` says (a 0-d tensor unless "none"). */
  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return `reduction=${JSON.stringify(this.reduction)}`;
  }
}

/** A registered buffer holding an optional tensor option (class weights, posWeight). */
function optionalBuffer(m: Module, layer: string, name: string, v: unknown): void {
  m.registerBuffer(name, v === undefined || v === null ? null : checkFloat(`nn.${layer}`, name, v));
}

/** Options of `nn.CrossEntropyLoss` (see `F.crossEntropy`). */
export interface CrossEntropyLossOptions {
  /** a rescaling weight for each class, [C] (a buffer, saved in the state dict) */
  weight?: Tensor | null;
  /** targets equal to this index add no loss (default -100) */
  ignoreIndex?: number;
  /** "mean" (default), "sum" or "none" */
  reduction?: Reduction;
  /** ε in [0, 1] mixing the target with the uniform distribution (default 0) */
  labelSmoothing?: number;
}

/**
 * torch.nn.CrossEntropyLoss(weight=null, sizeAverage=null, ignoreIndex=-100, reduce=null, reduction="mean",
 * labelSmoothing=0), positional in PyTorch's order or in an options object
 * (`new nn.CrossEntropyLoss({ weight, ignoreIndex, reduction, labelSmoothing })`); the deprecated
 * sizeAverage and reduce must be null.
 * forward(logits [N, C] or [N, C, d...], target int32 class indices [N] or probabilities) → the loss; see `F.crossEntropy`.
 * @throws Error for unknown options or a bad reduction (constructor), or inputs that do not fit (forward).
 * @example
 * const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(logits, labels);
 */
export class CrossEntropyLoss extends Loss {
  /** the class weights [C], or null (a buffer) */
  declare weight: Tensor | null;
  /** the ignored target index */
  readonly ignoreIndex: number;
  /** the label-smoothing ε */
  readonly labelSmoothing: number;

  constructor(
    ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, ignoreIndex: number, reduce: null | undefined, reduction: Reduction, labelSmoothing: number],
      CrossEntropyLossOptions>
  ) {
    const a = lossArgs("nn.CrossEntropyLoss", args, ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction", "labelSmoothing"]);
    super(a.reduction);
    optionalBuffer(this, "CrossEntropyLoss", "weight", a.weight);
    this.ignoreIndex = checkScalar("nn.CrossEntropyLoss", "ignoreIndex", given(a.ignoreIndex, -100), Number.isInteger, "an integer");
    this.labelSmoothing = checkScalar("nn.CrossEntropyLoss", "labelSmoothing", given(a.labelSmoothing, 0), (v) => v >= 0 && v <= 1, "a number in [0, 1]");
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Options of `nn.NLLLoss` (see `F.nllLoss`). */
export interface NLLLossOptions {
  /** a rescaling weight for each class, [C] (a buffer, saved in the state dict) */
  weight?: Tensor | null;
  /** targets equal to this index add no loss (default -100) */
  ignoreIndex?: number;
  /** "mean" (default), "sum" or "none" */
  reduction?: Reduction;
}

/**
 * torch.nn.NLLLoss(weight=null, sizeAverage=null, ignoreIndex=-100, reduce=null, reduction="mean") on
 * log-probabilities, positional or `new nn.NLLLoss({ weight, ignoreIndex, reduction })`; sizeAverage and reduce must be null.
 * forward(log-probabilities [N, C], int32 targets [N]); see `F.nllLoss`.
 * @example
 * const lossFn = new nn.NLLLoss();
 * const loss = lossFn.forward(logits.logSoftmax(1), labels);
 */
export class NLLLoss extends Loss {
  /** the class weights [C], or null (a buffer) */
  declare weight: Tensor | null;
  /** the ignored target index */
  readonly ignoreIndex: number;

  constructor(...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, ignoreIndex: number, reduce: null | undefined, reduction: Reduction], NLLLossOptions>) {
    const a = lossArgs("nn.NLLLoss", args, ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction"]);
    super(a.reduction);
    optionalBuffer(this, "NLLLoss", "weight", a.weight);
    this.ignoreIndex = checkScalar("nn.NLLLoss", "ignoreIndex", given(a.ignoreIndex, -100), Number.isInteger, "an integer");
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * torch.nn.BCELoss(weight=null, sizeAverage=null, reduce=null, reduction="mean") on probabilities,
 * positional or `new nn.BCELoss({ weight, reduction })`; sizeAverage and reduce must be null.
 * forward(probabilities, targets of the same shape); see `F.binaryCrossEntropy`.
 * @example
 * const loss = new nn.BCELoss().forward(probs, targets);
 */
export class BCELoss extends Loss {
  /** per-element weight broadcast to the input, or null (a buffer) */
  declare weight: Tensor | null;

  constructor(...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], { weight?: Tensor | null; reduction?: Reduction }>) {
    const a = lossArgs("nn.BCELoss", args, ["weight", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    optionalBuffer(this, "BCELoss", "weight", a.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * torch.nn.BCEWithLogitsLoss(weight=null, sizeAverage=null, reduce=null, reduction="mean", posWeight=null),
 * positional or `new nn.BCEWithLogitsLoss({ weight, reduction, posWeight })` (sizeAverage and reduce must be null); posWeight
 * weighs the positive term of each class (broadcast along the last dim).
 * forward(logits, targets of the same shape); see `F.binaryCrossEntropyWithLogits`.
 * @example
 * const lossFn = new nn.BCEWithLogitsLoss({ posWeight: Tensor.full([1], 3) });
 * const loss = lossFn.forward(logits, targets);
 */
export class BCEWithLogitsLoss extends Loss {
  /** per-element weight broadcast to the input, or null (a buffer) */
  declare weight: Tensor | null;
  /** weight of the positive term per class, or null (a buffer) */
  declare posWeight: Tensor | null;

  constructor(
    ...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction, posWeight: Tensor | null],
      { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null }>
  ) {
    const a = lossArgs("nn.BCEWithLogitsLoss", args, ["weight", "sizeAverage", "reduce", "reduction", "posWeight"]);
    super(a.reduction);
    optionalBuffer(this, "BCEWithLogitsLoss", "weight", a.weight);
    optionalBuffer(this, "BCEWithLogitsLoss", "posWeight", a.posWeight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    const posWeight = this.posWeight ?? undefined;
    if (!this.weight) return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, posWeight });
    // the elementwise weight multiplies the unreduced loss, as PyTorch's does
    const loss = F.binaryCrossEntropyWithLogits(input, target, { reduction: "none", posWeight }).mul(this.weight);
    return this.reduction === "none" ? loss : this.reduction === "sum" ? loss.sum() : loss.mean();
  }
}

/**
 * torch.nn.MSELoss: (x - y)²; `new nn.MSELoss(sizeAverage=null, reduce=null, reduction="mean")`, positional
 * or `{ reduction }` (sizeAverage and reduce are deprecated and must be null).
 * forward(input, target of the same shape); see `F.mseLoss`.
 * @example
 * const loss = new nn.MSELoss().forward(pred, y);
 */
export class MSELoss extends Loss {
  constructor(...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], { reduction?: Reduction }>) {
    super(lossArgs("nn.MSELoss", args, ["sizeAverage", "reduce", "reduction"]).reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * torch.nn.L1Loss: |x - y|; `new nn.L1Loss(sizeAverage=null, reduce=null, reduction="mean")`, positional
 * or `{ reduction }` (sizeAverage and reduce are deprecated and must be null).
 * forward(input, target of the same shape); see `F.l1Loss`.
 * @example
 * const loss = new nn.L1Loss({ reduction: "sum" }).forward(pred, y);
 */
export class L1Loss extends Loss {
  constructor(...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], { reduction?: Reduction }>) {
    super(lossArgs("nn.L1Loss", args, ["sizeAverage", "reduce", "reduction"]).reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * torch.nn.SmoothL1Loss(sizeAverage=null, reduce=null, reduction="mean", beta=1), positional or
 * `{ reduction, beta }` (sizeAverage and reduce must be null): quadratic below beta, linear above.
 * See `F.smoothL1Loss`.
 * @example
 * const loss = new nn.SmoothL1Loss({ beta: 0.5 }).forward(pred, y);
 */
export class SmoothL1Loss extends Loss {
  /** the quadratic-to-linear threshold β */
  readonly beta: number;

  constructor(...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction, beta: number], { reduction?: Reduction; beta?: number }>) {
    const a = lossArgs("nn.SmoothL1Loss", args, ["sizeAverage", "reduce", "reduction", "beta"]);
    super(a.reduction);
    this.beta = checkScalar("nn.SmoothL1Loss", "beta", given(a.beta, 1), (v) => v >= 0, "a non-negative number");
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * torch.nn.HuberLoss(reduction="mean", delta=1), positional or `{ reduction, delta }`: quadratic
 * below delta, delta-scaled linear above.
 * See `F.huberLoss`.
 * @example
 * const loss = new nn.HuberLoss({ delta: 2 }).forward(pred, y);
 */
export class HuberLoss extends Loss {
  /** the quadratic-to-linear threshold δ */
  readonly delta: number;

  constructor(...args: Args<[reduction: Reduction, delta: number], { reduction?: Reduction; delta?: number }>) {
    const a = parseArgs("nn.HuberLoss", args, ["reduction", "delta"]);
    super(a.reduction);
    this.delta = checkScalar("nn.HuberLoss", "delta", given(a.delta, 1), (v) => v > 0, "a positive number");
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * torch.nn.KLDivLoss(sizeAverage=null, reduce=null, reduction="mean", logTarget=false) of
 * log-probabilities, positional or `new nn.KLDivLoss({ reduction: "batchmean", logTarget })`
 * (sizeAverage and reduce must be null).
 * forward(log-probabilities, target); see `F.klDiv`.
 * @example
 * const kl = new nn.KLDivLoss({ reduction: "batchmean" });
 * const loss = kl.forward(student.logSoftmax(1), teacher.softmax(1));
 */
export class KLDivLoss extends Module {
  /** "mean" (default, as PyTorch; "batchmean" gives the true KL divergence), "sum", "none" or "batchmean" */
  readonly reduction: Reduction | "batchmean";
  /** the target holds log-probabilities */
  readonly logTarget: boolean;

  constructor(
    ...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction | "batchmean", logTarget: boolean],
      { reduction?: Reduction | "batchmean"; logTarget?: boolean }>
  ) {
    super();
    const a = lossArgs("nn.KLDivLoss", args, ["sizeAverage", "reduce", "reduction", "logTarget"]);
    this.reduction = checkEnum("nn.KLDivLoss", "reduction", given(a.reduction, "mean"), [...REDUCTIONS, "batchmean"] as const);
    this.logTarget = checkBool("nn.KLDivLoss", "logTarget", given(a.logTarget, false));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }

  override extraRepr(): string {
    return `reduction=${JSON.stringify(this.reduction)}, logTarget=${this.logTarget}`;
  }
}

/**
 * torch.nn.CosineSimilarity(dim=1, eps=1e-8).
 * forward(x1, x2) → similarity along dim; see `F.cosineSimilarity`.
 * @example
 * const sim = new nn.CosineSimilarity({ dim: -1 }).forward(a, b);
 */
export class CosineSimilarity extends Module {
  /** the dim compared along (default 1) */
  readonly dim: number;
  /** lower bound on each norm (default 1e-8) */
  readonly eps: number;

  constructor(...args: Args<[dim: number, eps: number], { dim?: number; eps?: number }>) {
    super();
    const a = parseArgs("nn.CosineSimilarity", args, ["dim", "eps"]);
    this.dim = checkScalar("nn.CosineSimilarity", "dim", given(a.dim, 1), Number.isInteger, "an integer");
    this.eps = checkScalar("nn.CosineSimilarity", "eps", given(a.eps, 1e-8), (v) => v > 0, "a positive number");
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    checkForward(this, arguments, ["x1", "x2"]);
    return F.cosineSimilarity(x1, x2, { dim: this.dim, eps: this.eps });
  }

  override extraRepr(): string {
    return `dim=${this.dim}, eps=${this.eps}`;
  }
}

/**
 * torch.nn.PairwiseDistance(p=2, eps=1e-6, keepdim=False).
 * forward(x1, x2) → distance over the last dim; see `F.pairwiseDistance`.
 * @example
 * const d = new nn.PairwiseDistance().forward(a, b); // [N, D] → [N]
 */
export class PairwiseDistance extends Module {
  /** the norm's order (default 2) */
  readonly p: number;
  /** added to the difference (default 1e-6) */
  readonly eps: number;
  /** keep the reduced last dim (default false) */
  readonly keepdim: boolean;

  constructor(...args: Args<[p: number, eps: number, keepdim: boolean], { p?: number; eps?: number; keepdim?: boolean }>) {
    super();
    const a = parseArgs("nn.PairwiseDistance", args, ["p", "eps", "keepdim"]);
    this.p = checkScalar("nn.PairwiseDistance", "p", given(a.p, 2), (v) => v >= 0, "a non-negative number or Infinity");
    this.eps = checkScalar("nn.PairwiseDistance", "eps", given(a.eps, 1e-6));
    this.keepdim = checkBool("nn.PairwiseDistance", "keepdim", given(a.keepdim, false));
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    checkForward(this, arguments, ["x1", "x2"]);
    return F.pairwiseDistance(x1, x2, { p: this.p, eps: this.eps, keepdim: this.keepdim });
  }

  override extraRepr(): string {
    return `p=${this.p}, eps=${this.eps}, keepdim=${this.keepdim}`;
  }
}

/** Base of the losses of three tensors (two inputs and a target; anchor, positive and negative; input, target and var). */
abstract class Loss3 extends Module {
  /** "mean" (the default), "sum" or "none" */
  readonly reduction: Reduction;

  protected constructor(reduction: unknown) {
    super();
    this.reduction = reductionOf(this.constructor.name, reduction);
  }

  /** The loss of the three tensors, reduced as `reduction` says (a 0-d tensor unless "none"). */
  abstract override forward(a: Tensor, b: Tensor, c: Tensor): Tensor;

  override extraRepr(): string {
    return `reduction=${JSON.stringify(this.reduction)}`;
  }
}

/** A margin option of a loss module, checked at construction. */
function marginOf(layer: string, v: unknown, defaultMargin: number): number {
  return checkScalar(`nn.${layer}`, "margin", given(v, defaultMargin));
}

/**
 * torch.nn.MarginRankingLoss(margin=0, sizeAverage=null, reduce=null, reduction="mean"), positional or
 * `new nn.MarginRankingLoss({ margin, reduction })` (sizeAverage and reduce must be null).
 * forward(input1, input2, target ±1, all of one shape) → max(0, -y·(x1 - x2) + margin); see `F.marginRankingLoss`.
 * @throws Error for unknown options, a bad margin or reduction (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.MarginRankingLoss({ margin: 0.5 }).forward(scoreA, scoreB, y);
 */
export class MarginRankingLoss extends Loss3 {
  /** the margin */
  readonly margin: number;

  constructor(...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions>) {
    const a = lossArgs("nn.MarginRankingLoss", args, ["margin", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    this.margin = marginOf("MarginRankingLoss", a.margin, 0);
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input1", "input2", "target"]);
    return F.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * torch.nn.HingeEmbeddingLoss(margin=1, sizeAverage=null, reduce=null, reduction="mean"), positional or
 * `new nn.HingeEmbeddingLoss({ margin, reduction })` (sizeAverage and reduce must be null).
 * forward(distances, target ±1 of the same shape); see `F.hingeEmbeddingLoss`.
 * @throws Error for unknown options, a bad margin or reduction (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.HingeEmbeddingLoss({ margin: 2 }).forward(dist, y);
 */
export class HingeEmbeddingLoss extends Loss {
  /** the margin */
  readonly margin: number;

  constructor(...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions>) {
    const a = lossArgs("nn.HingeEmbeddingLoss", args, ["margin", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    this.margin = marginOf("HingeEmbeddingLoss", a.margin, 1);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * torch.nn.CosineEmbeddingLoss(margin=0, sizeAverage=null, reduce=null, reduction="mean"), positional or
 * `new nn.CosineEmbeddingLoss({ margin, reduction })` (sizeAverage and reduce must be null).
 * forward(input1 [N, D], input2 [N, D], target ±1 [N]); see `F.cosineEmbeddingLoss`.
 * @throws Error for unknown options, a bad margin or reduction (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.CosineEmbeddingLoss({ margin: 0.2 }).forward(a, b, y);
 */
export class CosineEmbeddingLoss extends Loss3 {
  /** the margin */
  readonly margin: number;

  constructor(...args: Args<[margin: number, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MarginOptions>) {
    const a = lossArgs("nn.CosineEmbeddingLoss", args, ["margin", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    this.margin = marginOf("CosineEmbeddingLoss", a.margin, 0);
  }

  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input1", "input2", "target"]);
    return F.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * torch.nn.TripletMarginLoss(margin=1, p=2, eps=1e-6, swap=false, sizeAverage=null, reduce=null,
 * reduction="mean"), positional or `new nn.TripletMarginLoss({ margin, p, eps, swap, reduction })`
 * (sizeAverage and reduce must be null).
 * forward(anchor, positive, negative [N, D]); see `F.tripletMarginLoss`.
 * @throws Error for unknown or bad options (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.TripletMarginLoss({ margin: 0.5 }).forward(anchor, positive, negative);
 */
export class TripletMarginLoss extends Loss3 {
  /** the margin */
  readonly margin: number;
  /** the distance's norm order */
  readonly p: number;
  /** added to each difference before the norm */
  readonly eps: number;
  /** use the smaller of d(anchor, negative) and d(positive, negative) */
  readonly swap: boolean;

  constructor(
    ...args: Args<[margin: number, p: number, eps: number, swap: boolean, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], TripletMarginOptions>
  ) {
    const layer = "nn.TripletMarginLoss";
    const a = lossArgs(layer, args, ["margin", "p", "eps", "swap", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    this.margin = marginOf("TripletMarginLoss", a.margin, 1);
    this.p = checkScalar(layer, "p", given(a.p, 2), (v) => v >= 0, "a non-negative number or Infinity");
    this.eps = checkScalar(layer, "eps", given(a.eps, 1e-6));
    this.swap = checkBool(layer, "swap", given(a.swap, false));
  }

  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    checkForward(this, arguments, ["anchor", "positive", "negative"]);
    return F.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

/**
 * torch.nn.SoftMarginLoss: log(1 + e^(-y·x)); `new nn.SoftMarginLoss(sizeAverage=null, reduce=null, reduction="mean")`, positional
 * or `{ reduction }` (sizeAverage and reduce are deprecated and must be null).
 * forward(input, target ±1 of the same shape); see `F.softMarginLoss`.
 * @example
 * const loss = new nn.SoftMarginLoss().forward(scores, y);
 */
export class SoftMarginLoss extends Loss {
  constructor(...args: Args<[sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], { reduction?: Reduction }>) {
    super(lossArgs("nn.SoftMarginLoss", args, ["sizeAverage", "reduce", "reduction"]).reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * torch.nn.MultiLabelSoftMarginLoss(weight=null, sizeAverage=null, reduce=null, reduction="mean"), positional
 * or `new nn.MultiLabelSoftMarginLoss({ weight, reduction })` (sizeAverage and reduce must be null).
 * forward(logits [N, C], 0/1 targets [N, C]); see `F.multiLabelSoftMarginLoss`.
 * @example
 * const loss = new nn.MultiLabelSoftMarginLoss().forward(logits, labels01);
 */
export class MultiLabelSoftMarginLoss extends Loss {
  /** per-class (broadcast) weight, or null (a buffer) */
  declare weight: Tensor | null;

  constructor(...args: Args<[weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], WeightedLossOptions>) {
    const a = lossArgs("nn.MultiLabelSoftMarginLoss", args, ["weight", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    optionalBuffer(this, "MultiLabelSoftMarginLoss", "weight", a.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.multiLabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * torch.nn.MultiMarginLoss(p=1, margin=1, weight=null, sizeAverage=null, reduce=null, reduction="mean"),
 * positional or `new nn.MultiMarginLoss({ p, margin, weight, reduction })` (p 1 or 2; sizeAverage and
 * reduce must be null).
 * forward(scores [N, C], int32 targets [N]); see `F.multiMarginLoss`.
 * @throws Error for unknown or bad options (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.MultiMarginLoss({ p: 2 }).forward(scores, labels);
 */
export class MultiMarginLoss extends Loss {
  /** the class weights [C], or null (a buffer) */
  declare weight: Tensor | null;
  /** the hinge's power, 1 or 2 */
  readonly p: number;
  /** the margin */
  readonly margin: number;

  constructor(
    ...args: Args<[p: number, margin: number, weight: Tensor | null, sizeAverage: null | undefined, reduce: null | undefined, reduction: Reduction], MultiMarginOptions>
  ) {
    const a = lossArgs("nn.MultiMarginLoss", args, ["p", "margin", "weight", "sizeAverage", "reduce", "reduction"]);
    super(a.reduction);
    this.p = checkScalar("nn.MultiMarginLoss", "p", given(a.p, 1), (v) => v === 1 || v === 2, "1 or 2");
    this.margin = marginOf("MultiMarginLoss", a.margin, 1);
    optionalBuffer(this, "MultiMarginLoss", "weight", a.weight);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/**
 * torch.nn.PoissonNLLLoss(logInput=true, full=false, sizeAverage=null, eps=1e-8, reduce=null, reduction="mean"),
 * positional or `new nn.PoissonNLLLoss({ logInput, full, eps, reduction })` (sizeAverage and reduce must be null).
 * forward(log-rates (or rates), counts of the same shape); see `F.poissonNllLoss`.
 * @throws Error for unknown or bad options (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.PoissonNLLLoss({ full: true }).forward(logRate, counts);
 */
export class PoissonNLLLoss extends Loss {
  /** the input holds log-rates */
  readonly logInput: boolean;
  /** add Stirling's term */
  readonly full: boolean;
  /** added to the rate inside the log when logInput is false */
  readonly eps: number;

  constructor(
    ...args: Args<[logInput: boolean, full: boolean, sizeAverage: null | undefined, eps: number, reduce: null | undefined, reduction: Reduction], PoissonNllOptions>
  ) {
    const layer = "nn.PoissonNLLLoss";
    const a = lossArgs(layer, args, ["logInput", "full", "sizeAverage", "eps", "reduce", "reduction"]);
    super(a.reduction);
    this.logInput = checkBool(layer, "logInput", given(a.logInput, true));
    this.full = checkBool(layer, "full", a.full ?? false);
    this.eps = checkScalar(layer, "eps", given(a.eps, 1e-8), (v) => v >= 0, "a non-negative number");
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target"]);
    return F.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/**
 * torch.nn.GaussianNLLLoss: `new nn.GaussianNLLLoss({ full, eps, reduction })` (defaults false, 1e-6, "mean";
 * keyword-only in PyTorch, so options only).
 * forward(means, targets, variances); see `F.gaussianNllLoss` for the shapes and the clamp at eps.
 * @throws Error for unknown or bad options (constructor), or inputs that do not fit (forward).
 * @example
 * const loss = new nn.GaussianNLLLoss().forward(mean, y, variance);
 */
export class GaussianNLLLoss extends Loss3 {
  /** add the constant ½·log(2π) */
  readonly full: boolean;
  /** the lower clamp of the variances */
  readonly eps: number;

  constructor(opts: GaussianNllOptions = {}) {
    const layer = "nn.GaussianNLLLoss";
    checkArity(layer, arguments, ["options"]);
    if (opts === null || typeof opts !== "object") throw new Error(`${layer}: expected an options object { full, eps, reduction }, got ${describe(opts)}`);
    const a = parseArgs(layer, [opts], ["full", "eps", "reduction"]);
    super(a.reduction);
    this.full = checkBool(layer, "full", a.full ?? false);
    this.eps = checkScalar(layer, "eps", given(a.eps, 1e-6), (v) => v >= 0, "a non-negative number");
  }

  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    checkForward(this, arguments, ["input", "target", "variance"]);
    return F.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/**
 * torch.nn.CTCLoss(blank=0, reduction="mean", zeroInfinity=false), positional or
 * `new nn.CTCLoss({ blank, reduction, zeroInfinity })`.
 * forward(logProbs [T, N, C] or [T, C], targets, inputLengths, targetLengths); see `F.ctcLoss`.
 * @throws Error for unknown or bad options (constructor), or inputs that do not fit (forward).
 * @example
 * const ctc = new nn.CTCLoss({ zeroInfinity: true });
 * const loss = ctc.forward(F.logSoftmax(logits, 2), targets, [50, 40], [4, 2]);
 */
export class CTCLoss extends Module {
  /** the blank class index */
  readonly blank: number;
  /** "mean" (the default), "sum" or "none" */
  readonly reduction: Reduction;
  /** infinite losses and their gradients become 0 */
  readonly zeroInfinity: boolean;

  constructor(...args: Args<[blank: number, reduction: Reduction, zeroInfinity: boolean], CtcLossOptions>) {
    const layer = "nn.CTCLoss";
    const a = parseArgs(layer, args, ["blank", "reduction", "zeroInfinity"]);
    super();
    this.blank = checkScalar(layer, "blank", given(a.blank, 0), (v) => Number.isInteger(v) && v >= 0, "a non-negative integer");
    this.reduction = reductionOf("CTCLoss", a.reduction);
    this.zeroInfinity = checkBool(layer, "zeroInfinity", a.zeroInfinity ?? false);
  }

  /** The CTC loss of `logProbs` against `targets` with the sequences' lengths; see `F.ctcLoss`. */
  override forward(
    logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[] | number, targetLengths: Tensor | readonly number[] | number,
  ): Tensor {
    checkForward(this, arguments, ["logProbs", "targets", "inputLengths", "targetLengths"]);
    return F.ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity });
  }

  override extraRepr(): string {
    return `blank=${this.blank}, reduction=${JSON.stringify(this.reduction)}, zeroInfinity=${this.zeroInfinity}`;
  }
}
