// The layers: thin modules holding parameters, whose forward calls the composites in functional.ts.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { Module, Parameter, checkForward, checkNoArgs } from "./module.js";
import * as init from "./init.js";
import { noGrad } from "../graph.js";
import { fmt } from "../shape.js";
import { type Args, checkArity, checkBool, checkEnum, checkFloat, checkInplace, checkInt, checkOptions, checkScalar, checkTensor, describe, embeddingPaddingIdx, given, inplaceOnly, parseArgs } from "../functional/args.js";

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

function checkPositiveInt(layer: string, name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`nn.${layer}: ${name} must be a positive integer, got ${describe(v)}`);
}


/** The `p` and PyTorch's `inplace` (only false) of a dropout layer, positional or by name. */
function dropoutP(op: string, args: readonly unknown[]): number {
  const a = parseArgs(op, args, ["p", "inplace"]);
  checkInplace(op, a.inplace);
  return checkScalar(op, "p", given(a.p, 0.5), (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
}

/** PyTorch's default for Linear and Conv2d: weight kaiming-uniform(a=√5) = U(±1/√fanIn), bias U(±1/√fanIn). */
function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound);
  }
}

/**
 * y = x Wᵀ + b, W: [outFeatures, inFeatures].
 * torch.nn.Linear(inFeatures, outFeatures, bias?): input [..., inFeatures] → [..., outFeatures];
 * bias false (positional or `{ bias: false }`) drops the bias.
 * @throws Error (constructor) unless both sizes are positive integers and bias a boolean, or on an unknown option.
 * @example
 * const fc = new nn.Linear(784, 10);
 * const y = fc.forward(x); // [32, 784] → [32, 10]
 */
export class Linear extends Module {
  /** size of each input's last dim */
  readonly inFeatures: number;
  /** size of each output's last dim */
  readonly outFeatures: number;
  /** [outFeatures, inFeatures], kaiming-uniform at start (PyTorch's init) */
  weight: Tensor;
  /** [outFeatures], U(±1/√inFeatures) at start; null with `{ bias: false }` */
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, ...args: Args<[bias: boolean], { bias?: boolean }>) {
    super();
    checkPositiveInt("Linear", "inFeatures", inFeatures);
    checkPositiveInt("Linear", "outFeatures", outFeatures);
    const bias = checkBool("nn.Linear", "bias", given(parseArgs("nn.Linear", args, ["bias"]).bias, true));
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = Parameter(Tensor.empty([outFeatures, inFeatures]));
    this.bias = bias ? Parameter(Tensor.empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** Re-draw weight and bias with PyTorch's default initialisation (U(±1/√inFeatures)). */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    // checked here so that the error names the layer and its inFeatures (F.linear's names the weight)
    if (checkFloat("nn.Linear", "input", x).ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`nn.Linear: input must be [..., inFeatures] with inFeatures = ${this.inFeatures}, got ${fmt(x.shape)}`);
    }
    return F.linear(x, this.weight, this.bias ?? undefined);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** The weight Embedding.fromPretrained hands to the constructor. */
let pretrained: Tensor | null = null;

/** The options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** A row (negative counts from the end) initialised to zeros whose lookups pass no gradient: the padding token's. */
  paddingIdx?: number | null;
}

/** The options of {@link Embedding.fromPretrained}. */
export interface FromPretrainedOptions extends EmbeddingOptions {
  /** Keep the weights fixed (requiresGrad false; default true). */
  freeze?: boolean;
}

/**
 * A lookup table (torch.nn.Embedding): int32 indices of any shape → rows of `weight`
 * [numEmbeddings, embeddingDim], N(0, 1) at start. With `paddingIdx`, that row starts as zeros
 * and lookups of it pass no gradient, so it stays what it is while training.
 *
 * `new nn.Embedding(num, dim, paddingIdx)` is PyTorch's positional form of `{ paddingIdx }` (null: none).
 *
 * @throws on non-positive sizes, a paddingIdx outside [-numEmbeddings, numEmbeddings), an unknown option
 * @example
 * ```ts
 * const emb = new nn.Embedding(100, 16, { paddingIdx: 0 });
 * emb.forward(tensor([[5, 0, 0]], { dtype: "int32" })).shape; // [1, 3, 16]
 * ```
 */
export class Embedding extends Module {
  /** number of rows (the vocabulary size) */
  readonly numEmbeddings: number;
  /** size of each row */
  readonly embeddingDim: number;
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null;
  /** [numEmbeddings, embeddingDim], N(0, 1) at start (the padding row zeros) */
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, ...args: Args<[paddingIdx: number | null], EmbeddingOptions>) {
    super();
    checkPositiveInt("Embedding", "numEmbeddings", numEmbeddings);
    checkPositiveInt("Embedding", "embeddingDim", embeddingDim);
    const opts = parseArgs("nn.Embedding", args, ["paddingIdx"]) as EmbeddingOptions;
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = opts.paddingIdx == null ? null : embeddingPaddingIdx("nn.Embedding", opts.paddingIdx, numEmbeddings);
    if (pretrained) {
      this.weight = pretrained; // fromPretrained: no random draw, as PyTorch's _weight
      return;
    }
    this.weight = Parameter(Tensor.empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** Re-draws the weight from N(0, 1), the padding row zeros (PyTorch's reset_parameters). */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.slice(this.paddingIdx!).assign(0));
  }

  /**
   * An Embedding holding `embeddings` [num, dim] as its weight (torch.nn.Embedding.from_pretrained):
   * the same tensor, frozen (requiresGrad false) unless `freeze: false`; the padding row is left as given.
   * PyTorch's positional form `fromPretrained(embeddings, freeze, paddingIdx)` is taken too.
   *
   * @throws on a weight that is not a 2-D float tensor, a bad paddingIdx, an unknown option
   * @example
   * ```ts
   * const emb = nn.Embedding.fromPretrained(tensor([[1, 2.3, 3], [4, 5.1, 6.3]]));
   * emb.forward(tensor([1], { dtype: "int32" })); // [[4, 5.1, 6.3]]
   * ```
   */
  static fromPretrained(embeddings: Tensor, ...args: Args<[freeze: boolean, paddingIdx: number | null], FromPretrainedOptions>): Embedding {
    const opts = parseArgs("nn.Embedding.fromPretrained", args, ["freeze", "paddingIdx"]) as FromPretrainedOptions;
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2 || embeddings.dtype === "int32") {
      throw new Error(`nn.Embedding.fromPretrained: embeddings must be a 2-D floating-point tensor, got ${embeddings instanceof Tensor ? `${embeddings.dtype} ${fmt(embeddings.shape)}` : describe(embeddings)}`);
    }
    const freeze = checkBool("nn.Embedding.fromPretrained", "freeze", given(opts.freeze, true));
    const [num, dim] = embeddings.shape;
    pretrained = Parameter(embeddings, !freeze);
    try {
      return new Embedding(num, dim, { paddingIdx: opts.paddingIdx });
    } finally {
      pretrained = null;
    }
  }

  /** int32 indices of any shape → [...indices.shape, embeddingDim]. */
  override forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

/** A normalized shape: one positive integer or an array of them. */
function shapeOf(op: string, s: unknown): number[] {
  const arr = typeof s === "number" ? [s] : Array.isArray(s) ? [...(s as unknown[])] : null;
  if (!arr || arr.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 1)) {
    throw new Error(`${op}: normalizedShape must be a positive integer or an array of them, got ${describe(s)}`);
  }
  return arr as number[];
}

/**
 * Normalises over the trailing `normalizedShape` dims: (x − mean)/√(var + eps)·weight + bias (weight 1, bias 0 at start).
 * torch.nn.LayerNorm(normalizedShape, eps?, elementwiseAffine?, bias?): eps (1e-5), elementwiseAffine (true),
 * bias (true), positional or by name. Input [..., *normalizedShape], same shape out.
 * @throws Error (constructor) on a bad size, eps or flag, or an unknown option.
 * @example
 * const ln = new nn.LayerNorm(512);
 * const y = ln.forward(x); // [b, t, 512]
 */
export class LayerNorm extends Module {
  /** the trailing shape normalised over */
  readonly normalizedShape: number[];
  /** added to the variance (default 1e-5) */
  readonly eps: number;
  /** scale of the normalized shape (ones at start); null with `{ elementwiseAffine: false }` */
  weight: Tensor | null;
  /** shift of the normalized shape (zeros at start); null with `{ elementwiseAffine: false }` or `{ bias: false }` */
  bias: Tensor | null;

  constructor(
    normalizedShape: number | readonly number[],
    ...args: Args<[eps: number, elementwiseAffine: boolean, bias: boolean], { eps?: number; elementwiseAffine?: boolean; bias?: boolean }>
  ) {
    super();
    const op = "nn.LayerNorm";
    const a = parseArgs(op, args, ["eps", "elementwiseAffine", "bias"]);
    this.normalizedShape = shapeOf(op, normalizedShape);
    this.eps = checkScalar(op, "eps", given(a.eps, 1e-5));
    const affine = checkBool(op, "elementwiseAffine", given(a.elementwiseAffine, true));
    const bias = checkBool(op, "bias", given(a.bias, true));
    this.weight = affine ? Parameter(Tensor.ones(this.normalizedShape)) : null;
    this.bias = affine && bias ? Parameter(Tensor.zeros(this.normalizedShape)) : null;
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    checkTensor("nn.LayerNorm", "input", x);
    return F.layerNorm(x, this.normalizedShape, this.weight ?? undefined, this.bias ?? undefined, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/**
 * x / √(mean(x²) + eps) · weight over the trailing dims. eps defaults to float32's machine epsilon, like PyTorch.
 * torch.nn.RMSNorm(normalizedShape, eps?, elementwiseAffine?): eps (null: the default), elementwiseAffine (true),
 * positional or by name. Input [..., *normalizedShape], same shape out.
 * @throws Error (constructor) on a bad size, eps or flag, or an unknown option.
 * @example
 * const norm = new nn.RMSNorm(64);
 * const y = norm.forward(x);
 */
export class RMSNorm extends Module {
  /** the trailing shape normalised over */
  readonly normalizedShape: number[];
  /** added to mean(x²); undefined means float32's machine epsilon */
  readonly eps: number | undefined;
  /** scale of the normalized shape (ones at start); null with `{ elementwiseAffine: false }` */
  weight: Tensor | null;

  constructor(
    normalizedShape: number | readonly number[],
    ...args: Args<[eps: number | null, elementwiseAffine: boolean], { eps?: number | null; elementwiseAffine?: boolean }>
  ) {
    super();
    const op = "nn.RMSNorm";
    const a = parseArgs(op, args, ["eps", "elementwiseAffine"]);
    this.normalizedShape = shapeOf(op, normalizedShape);
    this.eps = a.eps == null ? undefined : checkScalar(op, "eps", a.eps);
    this.weight = checkBool(op, "elementwiseAffine", given(a.elementwiseAffine, true)) ? Parameter(Tensor.ones(this.normalizedShape)) : null;
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.rmsNorm(x, this.normalizedShape, this.weight ?? undefined, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(", ")}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1−p); identity in eval mode.
 * torch.nn.Dropout(p?, inplace?): p (0.5) positional or `{ p }`; inplace only false (dlgrad returns a new tensor). Any shape.
 * @throws Error (constructor) unless 0 <= p <= 1, or for inplace true.
 * @example
 * const drop = new nn.Dropout(0.1);
 * model.eval(); // drop.forward(x) is now x
 */
export class Dropout extends Module {
  /** probability of zeroing each element */
  readonly p: number;

  constructor(...args: Args<[p: number, inplace: boolean], { p?: number; inplace?: boolean }>) {
    super();
    this.p = dropoutP("nn.Dropout", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    checkTensor("nn.Dropout", "input", x);
    return F.dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Channel dropout over [N, C, L] or unbatched [C, L]: in training mode zeroes each whole channel
 * x[n, c] with probability p and scales the rest by 1/(1−p); identity in eval mode.
 * torch.nn.Dropout1d(p=0.5, inplace=false); see `F.dropout1d`.
 * @throws Error (constructor) unless 0 <= p <= 1; (forward) unless the input is 2-D or 3-D.
 * @example
 * const drop = new nn.Dropout1d(0.2);
 * const h = drop.forward(x); // x [N, C, L]
 */
export class Dropout1d extends Module {
  /** probability of zeroing each channel */
  readonly p: number;

  constructor(...args: Args<[p: number, inplace: boolean], { p?: number; inplace?: boolean }>) {
    super();
    this.p = dropoutP("nn.Dropout1d", args);
  }

  override forward(x: Tensor): Tensor {
    return F.dropout1d(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Channel dropout over [N, C, H, W]: in training mode zeroes each whole feature map x[n, c] with
 * probability p and scales the rest by 1/(1−p); identity in eval mode. A 3-D input is read as
 * [N, C, L], as PyTorch 1.13 does.
 * torch.nn.Dropout2d(p=0.5, inplace=false); see `F.dropout2d`.
 * @throws Error (constructor) unless 0 <= p <= 1; (forward) unless the input is 3-D or 4-D.
 * @example
 * const drop = new nn.Dropout2d(0.1);
 * const h = drop.forward(features); // features [N, C, H, W]
 */
export class Dropout2d extends Module {
  /** probability of zeroing each channel */
  readonly p: number;

  constructor(...args: Args<[p: number, inplace: boolean], { p?: number; inplace?: boolean }>) {
    super();
    this.p = dropoutP("nn.Dropout2d", args);
  }

  override forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * A list of sub-modules, indexable like an array (`list[0]`, `list.length`, `for..of`), named
 * `0`, `1`, ... in the state dict (`blocks.0.attn.weight`).
 * torch.nn.ModuleList(modules?): an array or iterable of modules, or null.
 * @throws Error (constructor, append) for an element that is not an nn.Module.
 * @example
 * const blocks = new nn.ModuleList([new Block(), new Block()]);
 * for (const b of blocks) x = b.forward(x);
 */
export class ModuleList<T extends Module = Module> extends Module {
  [index: number]: T;
  #length = 0;

  constructor(modules: Iterable<T> | null = []) {
    super();
    checkArity(`nn.${new.target.name}`, arguments, ["modules"]);
    if (modules == null) return;
    if (typeof (modules as Partial<Iterable<T>>)[Symbol.iterator] !== "function") {
      throw new Error(`nn.${new.target.name}: modules must be an array or iterable of nn.Modules, got ${describe(modules)}`);
    }
    for (const m of modules) this.append(m);
  }

  /** Number of modules in the list. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds a module at the end.
   * @example
   * blocks.append(new nn.Linear(8, 8));
   */
  append(m: T): this {
    if (!(m instanceof Module)) throw new Error(`nn.${this.constructor.name}: element ${this.#length} is not an nn.Module`);
    this[this.#length++] = m;
    return this;
  }

  /**
   * Adds several modules at the end.
   * @example
   * blocks.extend([new nn.ReLU(), new nn.Linear(8, 1)]);
   */
  extend(ms: Iterable<T>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  /**
   * The module at index i (negative counts from the end).
   * @example
   * const last = blocks.at(-1);
   */
  at(i: number): T | undefined {
    return this[i < 0 ? this.#length + i : i];
  }

  /** The modules in order (`for (const m of list)`). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this[i];
  }
}

/**
 * Applies its modules in order: `new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 1))`.
 * torch.nn.Sequential; forward passes a tensor through each module in turn.
 * @example
 * const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * const logits = mlp.forward(x);
 */
export class Sequential extends ModuleList<Module> {
  constructor(...layers: Module[]) {
    super(layers);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    for (const m of this) x = m.forward(x);
    return x;
  }
}

/**
 * Returns its input.
 * torch.nn.Identity: a placeholder layer (its constructor ignores any argument, as PyTorch's).
 * @example
 * const skip = new nn.Identity();
 */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return x;
  }
}

/**
 * max(x, 0).
 * torch.nn.ReLU(inplace?); any shape. inplace only false: dlgrad returns a new tensor.
 * @example
 * const act = new nn.ReLU();
 */
export class ReLU extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.ReLU", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    checkTensor("nn.ReLU", "input", x);
    return F.relu(x);
  }
}

/**
 * x·Φ(x), or its tanh approximation with `{ approximate: "tanh" }`.
 * torch.nn.GELU(approximate?): "none" (default) or "tanh", positional or `{ approximate }`; any shape.
 * @throws Error (constructor) for another approximate or an unknown option.
 * @example
 * const act = new nn.GELU("tanh"); // or new nn.GELU({ approximate: "tanh" })
 */
export class GELU extends Module {
  /** "none" (exact erf form) or "tanh" */
  readonly approximate: "none" | "tanh";

  constructor(...args: Args<[approximate: "none" | "tanh"], { approximate?: "none" | "tanh" }>) {
    super();
    const a = parseArgs("nn.GELU", args, ["approximate"]);
    this.approximate = checkEnum("nn.GELU", "approximate", given(a.approximate, "none"), ["none", "tanh"] as const);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return this.approximate === "none" ? "" : `approximate=${JSON.stringify(this.approximate)}`;
  }
}

/**
 * x·sigmoid(x).
 * torch.nn.SiLU(inplace?); any shape. inplace only false: dlgrad returns a new tensor.
 * @example
 * const act = new nn.SiLU();
 */
export class SiLU extends Module {
  constructor(...args: Args<[inplace: boolean], { inplace?: boolean }>) {
    super();
    inplaceOnly("nn.SiLU", args);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    checkTensor("nn.SiLU", "input", x);
    return F.silu(x);
  }
}

/**
 * tanh(x).
 * torch.nn.Tanh() (no arguments); any shape.
 * @example
 * const act = new nn.Tanh();
 */
export class Tanh extends Module {
  constructor() {
    super();
    checkNoArgs("nn.Tanh", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return checkTensor("nn.Tanh", "input", x).tanh();
  }
}

/**
 * 1/(1 + e^−x).
 * torch.nn.Sigmoid() (no arguments); any shape.
 * @example
 * const act = new nn.Sigmoid();
 */
export class Sigmoid extends Module {
  constructor() {
    super();
    checkNoArgs("nn.Sigmoid", arguments);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return checkTensor("nn.Sigmoid", "input", x).sigmoid();
  }
}

/**
 * x for x ≥ 0, negativeSlope·x otherwise.
 * torch.nn.LeakyReLU(negativeSlope?, inplace?): negativeSlope 0.01 by default; inplace only false. Any shape.
 * @throws Error (constructor) unless negativeSlope is a number, or for inplace true.
 * @example
 * const act = new nn.LeakyReLU(0.2);
 */
export class LeakyReLU extends Module {
  /** slope for negative inputs (default 0.01) */
  readonly negativeSlope: number;

  constructor(...args: Args<[negativeSlope: number, inplace: boolean], { negativeSlope?: number; inplace?: boolean }>) {
    super();
    const a = parseArgs("nn.LeakyReLU", args, ["negativeSlope", "inplace"]);
    checkInplace("nn.LeakyReLU", a.inplace);
    this.negativeSlope = checkScalar("nn.LeakyReLU", "negativeSlope", given(a.negativeSlope, 0.01));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * softmax along `dim` (default −1).
 * torch.nn.Softmax(dim?); same shape out (dlgrad has no implicit dim: the default is −1).
 * @example
 * const sm = new nn.Softmax(1);
 */
export class Softmax extends Module {
  /** the dim softmax runs along */
  readonly dim: number;

  constructor(dim = -1) {
    super();
    checkArity("nn.Softmax", arguments, ["dim"]);
    this.dim = checkInt("nn.Softmax", "dim", dim);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log-softmax along `dim` (default −1).
 * torch.nn.LogSoftmax(dim?); same shape out (dlgrad has no implicit dim: the default is −1).
 * @example
 * const lsm = new nn.LogSoftmax(-1);
 */
export class LogSoftmax extends Module {
  /** the dim log-softmax runs along */
  readonly dim: number;

  constructor(dim = -1) {
    super();
    checkArity("nn.LogSoftmax", arguments, ["dim"]);
    this.dim = checkInt("nn.LogSoftmax", "dim", dim);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Flattens dims startDim..endDim (default 1..−1, keeping the batch dim).
 * torch.nn.Flatten(startDim?, endDim?), positional or by name: [N, C, H, W] → [N, C·H·W] by default.
 * @throws Error (constructor) unless both dims are integers.
 * @example
 * const flat = new nn.Flatten();
 * flat.forward(Tensor.zeros([8, 1, 28, 28])); // shape [8, 784]
 */
export class Flatten extends Module {
  /** first dim merged (default 1) */
  readonly startDim: number;
  /** last dim merged (default -1) */
  readonly endDim: number;

  constructor(...args: Args<[startDim: number, endDim: number], { startDim?: number; endDim?: number }>) {
    super();
    const a = parseArgs("nn.Flatten", args, ["startDim", "endDim"]);
    this.startDim = checkInt("nn.Flatten", "startDim", given(a.startDim, 1));
    this.endDim = checkInt("nn.Flatten", "endDim", given(a.endDim, -1));
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return checkTensor("nn.Flatten", "input", x).flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (torch.nn.Unflatten; the inverse of {@link Flatten}): a
 * view where the layout allows. One size may be −1, inferred from the others.
 * @throws (in forward) when dim is out of range or the sizes' product is not that dim's size
 * @example
 * const unflat = new nn.Unflatten(1, [1, 28, 28]);
 * unflat.forward(Tensor.zeros([8, 784])); // shape [8, 1, 28, 28]
 */
export class Unflatten extends Module {
  /** the dim split */
  readonly dim: number;
  /** the sizes it becomes */
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    checkArity("nn.Unflatten", arguments, ["dim", "unflattenedSize"]);
    if (!Number.isInteger(dim)) throw new Error(`nn.Unflatten: dim must be an integer, got ${describe(dim)}`);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((v) => Number.isInteger(v) && v >= -1)) {
      throw new Error(`nn.Unflatten: unflattenedSize must be a non-empty array of sizes (integers >= -1), got ${describe(unflattenedSize)}`);
    }
    this.dim = dim;
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return checkTensor("nn.Unflatten", "input", x).unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${fmt(this.unflattenedSize)}`;
  }
}

/** Options of `nn.MultiheadAttention`'s constructor (PyTorch's keyword arguments, camelCased). */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** PyTorch's add_bias_kv: not supported, only false is taken. */
  addBiasKv?: boolean;
  /** PyTorch's add_zero_attn: not supported, only false is taken. */
  addZeroAttn?: boolean;
  /** Width of the keys: only null or embedDim is supported. */
  kdim?: number | null;
  /** Width of the values: only null or embedDim is supported. */
  vdim?: number | null;
  /** Inputs and output are [batch, seq, embed] when true; [seq, batch, embed] (PyTorch's default) when false. */
  batchFirst?: boolean;
}

const MHA_POSITIONAL = ["dropout", "bias", "addBiasKv", "addZeroAttn", "kdim", "vdim", "batchFirst"];

/** Options of `nn.MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /**
   * [L, S] or [batch·numHeads, L, S], as in F.scaledDotProductAttention: a float mask is added to
   * the scores (−Infinity blocks); an int32 mask lets query i attend to key j where it is nonzero.
   * (PyTorch's MultiheadAttention takes a boolean mask the other way round: true blocks.)
   */
  attnMask?: Tensor | null;
  /**
   * [batch, S] ([S] for unbatched input), PyTorch's key_padding_mask: an int32 mask marks the
   * padding keys that no query attends to where it is nonzero (as PyTorch's true); a float mask is
   * added to every query's scores of that key.
   */
  keyPaddingMask?: Tensor | null;
  /** Masks out keys j > i (query i attends to keys 0..i). */
  isCausal?: boolean;
  /** Return the attention weights too (default true, like PyTorch). */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
}

// PyTorch's positional order of forward's arguments after query, key, value
const MHA_FORWARD_KEYS = ["keyPaddingMask", "needWeights", "attnMask", "averageAttnWeights", "isCausal"];

/**
 * PyTorch's nn.MultiheadAttention (kdim = vdim = embedDim): softmax(QKᵀ/√d + mask)V per head, then
 * `outProj`. Parameters: inProjWeight [3E, E] (xavier-uniform), inProjBias [3E] (zeros),
 * outProj (Linear, bias zeros) — PyTorch's in_proj_weight, in_proj_bias, out_proj.
 * Constructor `(embedDim, numHeads, dropout?, bias?, addBiasKv?, addZeroAttn?, kdim?, vdim?, batchFirst?)`,
 * PyTorch's order, any after numHeads also by name in a trailing options object; addBiasKv and
 * addZeroAttn must be false, kdim and vdim null or embedDim.
 * `forward(q, k, v, keyPaddingMask?, needWeights?, attnMask?, averageAttnWeights?, isCausal?)`
 * (PyTorch's order; or by name: `{ attnMask, keyPaddingMask, isCausal, needWeights, averageAttnWeights }`)
 * returns `[output, weights | null]`: output like q, weights [N, L, S] averaged over heads (or
 * [N, H, L, S]). With needWeights false it calls F.scaledDotProductAttention, whose fused kernel
 * runs where there is no mask. Throws on inputs whose last dim is not embedDim, masks of the
 * wrong shape, a flag that is not a boolean, an unsupported constructor argument or an unknown option.
 * @example
 * const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
 * const x = Tensor.randn([2, 5, 8]);
 * const pad = tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], { dtype: "int32" }); // 1: padding
 * const [out, weights] = mha.forward(x, x, x, { keyPaddingMask: pad });      // [2, 5, 8], [2, 5, 5]
 */
export class MultiheadAttention extends Module {
  /** model width E */
  readonly embedDim: number;
  /** number of heads H (E must be divisible by H) */
  readonly numHeads: number;
  /** E / H */
  readonly headDim: number;
  /** inputs are [batch, seq, E] when true, [seq, batch, E] when false (the default) */
  readonly batchFirst: boolean;
  /** dropout probability on the attention weights in training mode */
  readonly dropout: number;
  /** the query, key and value projections stacked: shape [3E, E] (PyTorch's in_proj_weight) */
  inProjWeight: Tensor;
  /** [3E] (PyTorch's in_proj_bias); null with `{ bias: false }` */
  inProjBias: Tensor | null;
  /** the output projection E → E (PyTorch's out_proj) */
  outProj: Linear;

  constructor(
    embedDim: number,
    numHeads: number,
    ...args: Args<[dropout: number, bias: boolean, addBiasKv: boolean, addZeroAttn: boolean, kdim: number | null, vdim: number | null, batchFirst: boolean], MultiheadAttentionOptions>
  ) {
    super();
    const op = "nn.MultiheadAttention";
    checkPositiveInt("MultiheadAttention", "embedDim", embedDim);
    checkPositiveInt("MultiheadAttention", "numHeads", numHeads);
    if (embedDim % numHeads !== 0) {
      throw new Error(`${op}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    }
    const a = parseArgs(op, args, MHA_POSITIONAL);
    for (const k of ["addBiasKv", "addZeroAttn"]) {
      if (checkBool(op, k, given(a[k], false))) throw new Error(`${op}: ${k}=true is not supported (only false)`);
    }
    for (const k of ["kdim", "vdim"]) {
      if (a[k] != null && a[k] !== embedDim) throw new Error(`${op}: ${k} must be null or embedDim (${embedDim}): other key/value widths are not supported, got ${describe(a[k])}`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.batchFirst = checkBool(op, "batchFirst", given(a.batchFirst, false));
    this.dropout = checkScalar(op, "dropout", given(a.dropout, 0), (p) => p >= 0 && p <= 1, "a probability in [0, 1]");
    const bias = checkBool(op, "bias", given(a.bias, true));
    this.inProjWeight = Parameter(Tensor.empty([3 * embedDim, embedDim]));
    this.inProjBias = bias ? Parameter(Tensor.zeros([3 * embedDim])) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias });
    init.xavierUniform_(this.inProjWeight);
    if (this.outProj.bias) init.zeros_(this.outProj.bias);
  }

  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    ...args: Args<
      [keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean, isCausal: boolean],
      MultiheadAttentionForwardOptions
    >
  ): [Tensor, Tensor | null] {
    const op = "nn.MultiheadAttention";
    const opts = parseArgs(op, args, MHA_FORWARD_KEYS) as MultiheadAttentionForwardOptions;
    const needWeights = checkBool(op, "needWeights", given(opts.needWeights, true));
    const isCausal = checkBool(op, "isCausal", opts.isCausal ?? false);
    const average = checkBool(op, "averageAttnWeights", given(opts.averageAttnWeights, true));
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const unbatched = query instanceof Tensor && query.ndim === 2;
    for (const [n, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if (!(t instanceof Tensor) || t.ndim !== (unbatched ? 2 : 3) || t.shape[t.ndim - 1] !== E) {
        throw new Error(
          `${op}: ${n} must be [${unbatched ? "L, E" : this.batchFirst ? "N, L, E" : "L, N, E"}] ` +
            `with E = ${E}, got ${t instanceof Tensor ? fmt(t.shape) : describe(t)}`,
        );
      }
    }
    // Work in [N, L, E].
    const toBatchFirst = (t: Tensor) => (unbatched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = toBatchFirst(query), k0 = toBatchFirst(key), v0 = toBatchFirst(value);
    const [N, L] = q0.shape, S = k0.shape[1];
    let q: Tensor, k: Tensor, v: Tensor;
    if (query === key && key === value) {
      [q, k, v] = F.linear(q0, this.inProjWeight, this.inProjBias ?? undefined).chunk(3, -1);
    } else {
      const w = (i: number) => this.inProjWeight.slice([i * E, (i + 1) * E]);
      const b = (i: number) => this.inProjBias?.slice([i * E, (i + 1) * E]);
      q = F.linear(q0, w(0), b(0));
      k = F.linear(k0, w(1), b(1));
      v = F.linear(v0, w(2), b(2));
    }
    const heads = (t: Tensor, len: number) => t.reshape([N, len, H, D]).transpose(1, 2); // [N, H, len, D]
    q = heads(q, L);
    k = heads(k, S);
    v = heads(v, S);
    const mask = this.#mask(op, opts, N, L, S, unbatched, q);
    const dropoutP = this.training ? this.dropout : 0;
    let weights: Tensor | null = null;
    let attended: Tensor; // [N, H, L, D]
    if (!needWeights) {
      // without a mask this is the fused kernel where the device has one
      attended = F.scaledDotProductAttention(q, k, v, { attnMask: mask ?? undefined, isCausal, dropoutP, training: this.training });
    } else {
      // F.scaledDotProductAttention's steps, keeping the weights
      let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(D)); // [N, H, L, S]
      if (isCausal) scores = scores.maskedFill(Tensor.ones([L, S], { device: q.device }).triu(1), -Infinity);
      if (mask) scores = mask.dtype === "int32" ? scores.maskedFill(mask.eq(0), -Infinity) : scores.add(mask);
      weights = scores.softmax(-1);
      if (dropoutP > 0) weights = F.dropout(weights, dropoutP, true);
      attended = weights.matmul(v);
    }
    let out = attended.transpose(1, 2).reshape([N, L, E]);
    out = this.outProj.forward(out);
    out = unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    let w: Tensor | null = null;
    if (weights) {
      w = average ? weights.mean(1) : weights;
      if (unbatched) w = w.squeeze(0);
    }
    return [out, w];
  }

  /**
   * attnMask and keyPaddingMask checked and merged into one mask for the [N, H, L, S] scores: the
   * attnMask as given (int32 or float) when there is no keyPaddingMask, else one additive float mask.
   */
  #mask(op: string, opts: MultiheadAttentionForwardOptions, N: number, L: number, S: number, unbatched: boolean, like: Tensor): Tensor | null {
    const H = this.numHeads;
    let mask = opts.attnMask ?? null;
    if (mask) {
      const ok = mask instanceof Tensor && ((mask.ndim === 2 && mask.shape[0] === L && mask.shape[1] === S) ||
        (mask.ndim === 3 && mask.shape[0] === N * H && mask.shape[1] === L && mask.shape[2] === S));
      if (!ok) throw new Error(`${op}: attnMask must be [${L}, ${S}] or [${N * H}, ${L}, ${S}] (batch·numHeads, L, S), got ${mask instanceof Tensor ? fmt(mask.shape) : describe(mask)}`);
      if (mask.ndim === 3) mask = mask.reshape([N, H, L, S]);
    }
    const kpm = opts.keyPaddingMask;
    if (kpm === undefined || kpm === null) return mask;
    const want = unbatched ? [S] : [N, S];
    if (!(kpm instanceof Tensor) || kpm.ndim !== want.length || kpm.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${op}: keyPaddingMask must be ${fmt(want)} (${unbatched ? "S" : "batch, S"}), got ${kpm instanceof Tensor ? fmt(kpm.shape) : describe(kpm)}`);
    }
    const float = { dtype: like.dtype, device: like.device };
    const additive = (m: Tensor, blocked: Tensor) => Tensor.zeros(m.shape, float).maskedFill(blocked, -Infinity);
    const pad = (kpm.dtype === "int32" ? additive(kpm, kpm.ne(0)) : kpm).reshape([N, 1, 1, S]);
    if (!mask) return pad;
    return (mask.dtype === "int32" ? additive(mask, mask.eq(0)) : mask).add(pad);
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}

/**
 * y = x1ᵀ A_o x2 + b_o for every output o (torch.nn.Bilinear): input1 [..., in1Features] and
 * input2 [..., in2Features] with the same leading dims → [..., outFeatures]. weight
 * [outFeatures, in1Features, in2Features] and bias [outFeatures] start as U(±1/√in1Features),
 * PyTorch's initialisation; `{ bias: false }` drops the bias. See `F.bilinear`.
 * @throws Error (constructor) unless the three sizes are positive integers, or on an unknown option;
 *   (forward) on inputs that do not fit, as `F.bilinear`.
 * @example
 * const bl = new nn.Bilinear(3, 5, 2);
 * const y = bl.forward(Tensor.randn([8, 3]), Tensor.randn([8, 5])); // [8, 2]
 */
export class Bilinear extends Module {
  /** size of the first input's last dim */
  readonly in1Features: number;
  /** size of the second input's last dim */
  readonly in2Features: number;
  /** size of the output's last dim */
  readonly outFeatures: number;
  /** [outFeatures, in1Features, in2Features], U(±1/√in1Features) at start */
  weight: Tensor;
  /** [outFeatures], U(±1/√in1Features) at start; null with `{ bias: false }` */
  bias: Tensor | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    checkPositiveInt("Bilinear", "in1Features", in1Features);
    checkPositiveInt("Bilinear", "in2Features", in2Features);
    checkPositiveInt("Bilinear", "outFeatures", outFeatures);
    checkOptions("nn.Bilinear", opts, ["bias"]);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    this.weight = Parameter(Tensor.empty([outFeatures, in1Features, in2Features]));
    this.bias = checkBool("nn.Bilinear", "bias", given(opts.bias, true)) ? Parameter(Tensor.empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** Re-draws weight and bias from U(±1/√in1Features) (PyTorch's reset_parameters: the bound uses weight.size(1)). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  /** input1 [..., in1Features], input2 [..., in2Features] → [..., outFeatures]. */
  override forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** The options of {@link EmbeddingBag}. */
export interface EmbeddingBagOptions {
  /** "sum", "mean" (the default, as PyTorch) or "max" of each bag's rows. */
  mode?: F.EmbeddingBagMode;
  /** offsets has B + 1 entries, the last the end of the last bag (default false). */
  includeLastOffset?: boolean;
  /** A row (negative counts from the end) initialised to zeros and left out of every bag: the padding token's. */
  paddingIdx?: number | null;
}

/** The inputs of {@link EmbeddingBag}'s forward given by name. */
export interface EmbeddingBagForwardOptions {
  /** Where each bag of a 1-D input starts: numbers or an int32 tensor on a host device (see `F.embeddingBag`); null for 2-D input. */
  offsets?: Tensor | readonly number[] | null;
  /** Float weights shaped as the input, scaling each row before the sum (mode "sum" only). */
  perSampleWeights?: Tensor | null;
}

/**
 * Sums, means or maxima of bags of embedding rows (torch.nn.EmbeddingBag): `weight`
 * [numEmbeddings, embeddingDim], N(0, 1) at start (the padding row zeros). `forward(input, offsets?,
 * perSampleWeights?)` (or `{ offsets, perSampleWeights }`): a 1-D input [N] cut into bags by
 * offsets, or a 2-D input [B, L] of B bags → [B, embeddingDim]. See `F.embeddingBag` (offsets are read on
 * the host: pass numbers for a webgpu input). PyTorch's maxNorm, scaleGradByFreq, sparse and
 * fromPretrained are not taken.
 * @throws on non-positive sizes, a bad mode, includeLastOffset or paddingIdx, an unknown option; in
 *   forward, as `F.embeddingBag`
 * @example
 * ```ts
 * const bag = new nn.EmbeddingBag(10, 3, { mode: "sum" });
 * bag.forward(tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: "int32" }), [0, 4]).shape; // [2, 3]
 * ```
 */
export class EmbeddingBag extends Module {
  /** number of rows (the vocabulary size) */
  readonly numEmbeddings: number;
  /** size of each row */
  readonly embeddingDim: number;
  /** how each bag is reduced */
  readonly mode: F.EmbeddingBagMode;
  /** whether offsets carry the end of the last bag */
  readonly includeLastOffset: boolean;
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null;
  /** [numEmbeddings, embeddingDim], N(0, 1) at start (the padding row zeros) */
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingBagOptions = {}) {
    super();
    const op = "nn.EmbeddingBag";
    checkPositiveInt("EmbeddingBag", "numEmbeddings", numEmbeddings);
    checkPositiveInt("EmbeddingBag", "embeddingDim", embeddingDim);
    checkOptions(op, opts, ["mode", "includeLastOffset", "paddingIdx"]);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.mode = checkEnum(op, "mode", given(opts.mode, "mean"), ["sum", "mean", "max"] as const);
    this.includeLastOffset = checkBool(op, "includeLastOffset", given(opts.includeLastOffset, false));
    this.paddingIdx = opts.paddingIdx == null ? null : embeddingPaddingIdx(op, opts.paddingIdx, numEmbeddings);
    this.weight = Parameter(Tensor.empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** Re-draws the weight from N(0, 1), the padding row zeros (PyTorch's reset_parameters). */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.slice(this.paddingIdx!).assign(0));
  }

  /** input [N] with offsets, or [B, L] → [B, embeddingDim]. */
  override forward(input: Tensor, ...args: Args<[offsets: Tensor | readonly number[] | null, perSampleWeights: Tensor | null], EmbeddingBagForwardOptions>): Tensor {
    const a = parseArgs("nn.EmbeddingBag", args, ["offsets", "perSampleWeights"]);
    return F.embeddingBag(input, this.weight, {
      offsets: (a.offsets ?? null) as Tensor | number[] | null, perSampleWeights: (a.perSampleWeights ?? null) as Tensor | null,
      mode: this.mode, includeLastOffset: this.includeLastOffset, paddingIdx: this.paddingIdx,
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode="${this.mode}"${this.paddingIdx === null ? "" : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

/**
 * Alpha dropout for SELU networks: in training mode drops each element with probability p to SELU's
 * saturation value and rescales affinely so that a standard-normal input keeps mean 0 and variance 1;
 * identity in eval mode. torch.nn.AlphaDropout(p=0.5, inplace=false); see `F.alphaDropout`.
 * @throws Error (constructor) unless 0 <= p <= 1.
 * @example
 * const drop = new nn.AlphaDropout(0.1);
 * const h = drop.forward(F.selu(x));
 */
export class AlphaDropout extends Module {
  /** probability of dropping each element */
  readonly p: number;

  constructor(...args: Args<[p: number, inplace: boolean], { p?: number; inplace?: boolean }>) {
    super();
    this.p = dropoutP("nn.AlphaDropout", args);
  }

  override forward(x: Tensor): Tensor {
    return F.alphaDropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Interleaves the channels of [N, C, ...] from `groups` groups (ShuffleNet's channel shuffle).
 * torch.nn.ChannelShuffle(groups); see `F.channelShuffle`.
 * @throws Error (constructor) unless groups is a positive integer; (forward) for fewer than 3 dims or
 * C not divisible by groups.
 * @example
 * const shuffle = new nn.ChannelShuffle(2);
 * const y = shuffle.forward(x); // x [N, 4, H, W]: channels 0, 2, 1, 3
 */
export class ChannelShuffle extends Module {
  /** the number of channel groups */
  readonly groups: number;

  constructor(groups: number) {
    super();
    checkArity("nn.ChannelShuffle", arguments, ["groups"]);
    this.groups = checkInt("nn.ChannelShuffle", "groups", groups, 1);
  }

  override forward(x: Tensor): Tensor {
    checkForward(this, arguments);
    return F.channelShuffle(x, this.groups);
  }

  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}
