// Transformer encoder: TransformerEncoderLayer (self-attention and a feed-forward block, each with a
// residual connection and a LayerNorm, after or before) and TransformerEncoder (a stack of copies and
// an optional final norm), PyTorch's modules with PyTorch's sub-module names, so converted state
// dicts load. Composites of MultiheadAttention, Linear, LayerNorm and Dropout.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkBool, checkEnum, checkInt, checkScalar, given, parseArgs } from "../functional/args.js";
import { checkOptions, describe } from "../check.js";
import { fmt } from "../shape.js";
import * as init from "./init.js";
import { Module } from "./module.js";
import { Dropout, LayerNorm, Linear, ModuleList, MultiheadAttention } from "./layers.js";

/** "relu", "gelu", or a function of a tensor. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** Options of TransformerEncoderLayer (PyTorch's keyword arguments, camelCased). */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation (default "relu"). */
  activation?: TransformerActivation;
  /** eps of both LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Input and output [N, S, E] when true; [S, N, E] (PyTorch's default) when false. */
  batchFirst?: boolean;
  /** LayerNorm before attention and feed-forward (pre-norm) instead of after the residual adds (default false). */
  normFirst?: boolean;
}

/** The masks of a TransformerEncoderLayer's forward. */
export interface TransformerEncoderLayerForwardOptions {
  /** [S, S] or [N·nhead, S, S]: MultiheadAttention's attnMask (float: added; int32: nonzero attends). */
  srcMask?: Tensor | null;
  /** [N, S] ([S] unbatched): MultiheadAttention's keyPaddingMask (int32: nonzero marks padding; float: added). */
  srcKeyPaddingMask?: Tensor | null;
}

const LAYER_KEYS = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"];

/**
 * One encoder block, PyTorch's nn.TransformerEncoderLayer: self-attention then a feed-forward
 * block linear2(dropout(activation(linear1(x)))), each added to its input with dropout, and
 * LayerNorm after each add (post-norm, PyTorch's default) or before each block (`normFirst`).
 * Constructor `(dModel, nhead, dimFeedforward?, dropout?, activation?, layerNormEps?, batchFirst?, normFirst?)`,
 * any after nhead also by name in a trailing options object. Sub-modules: selfAttn, linear1,
 * dropout, linear2, norm1, norm2, dropout1, dropout2 (PyTorch's names).
 *
 * `forward(src, srcMask?, srcKeyPaddingMask?)` (the masks also as `{ srcMask, srcKeyPaddingMask }`):
 * src [S, N, E] ([N, S, E] with batchFirst) or unbatched [S, E]; returns the same shape.
 * The masks follow MultiheadAttention's (an int32 srcMask is nonzero where a query may attend,
 * the opposite of PyTorch's boolean mask; an int32 srcKeyPaddingMask is nonzero at padding, as PyTorch's).
 * Throws on bad shapes, an unknown option, or an activation other than relu, gelu or a function.
 * @example
 * const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true, normFirst: true });
 * const y = layer.forward(Tensor.randn([2, 5, 16]), { srcKeyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], { dtype: "int32" }) });
 */
export class TransformerEncoderLayer extends Module {
  /** Width E of the inputs and outputs (PyTorch's d_model). */
  readonly dModel: number;
  /** Attention heads; dModel is divisible by it. */
  readonly nhead: number;
  /** Width of the feed-forward block (PyTorch's dim_feedforward). */
  readonly dimFeedforward: number;
  /** The dropout probability of every Dropout in the layer (the constructor's `dropout`; the name `dropout` is the sub-module, as PyTorch's). */
  readonly dropoutP: number;
  /** The feed-forward block's activation: "relu", "gelu" or a function. */
  readonly activation: TransformerActivation;
  /** eps of norm1 and norm2 (PyTorch's layer_norm_eps). */
  readonly layerNormEps: number;
  /** Whether inputs and outputs are [N, S, E] (true) or [S, N, E] (PyTorch's batch_first). */
  readonly batchFirst: boolean;
  /** Whether LayerNorm comes before each block (pre-norm) rather than after each residual add (PyTorch's norm_first). */
  readonly normFirst: boolean;
  /** The self-attention block (PyTorch's self_attn), with dModel, nhead and the layer's dropout. */
  selfAttn: MultiheadAttention;
  /** The feed-forward block's first projection, dModel → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block, after the activation. */
  dropout: Dropout;
  /** The feed-forward block's second projection, dimFeedforward → dModel. */
  linear2: Linear;
  /** LayerNorm [dModel] of the attention block (after its residual add, or before the block with normFirst). */
  norm1: LayerNorm;
  /** LayerNorm [dModel] of the feed-forward block (after its residual add, or before the block with normFirst). */
  norm2: LayerNorm;
  /** Dropout on the attention output, before its residual add. */
  dropout1: Dropout;
  /** Dropout on the feed-forward output, before its residual add. */
  dropout2: Dropout;

  constructor(
    dModel: number,
    nhead: number,
    ...args: Args<[dimFeedforward: number, dropout: number, activation: TransformerActivation, layerNormEps: number, batchFirst: boolean, normFirst: boolean], TransformerEncoderLayerOptions>
  ) {
    super();
    const op = "nn.TransformerEncoderLayer";
    const o = layerOptions(op, dModel, nhead, parseArgs(op, args, LAYER_KEYS));
    this.dModel = o.dModel;
    this.nhead = o.nhead;
    this.dimFeedforward = o.dimFeedforward;
    this.dropoutP = o.dropout;
    this.activation = o.activation;
    this.layerNormEps = o.layerNormEps;
    this.batchFirst = o.batchFirst;
    this.normFirst = o.normFirst;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: this.dropoutP, batchFirst: this.batchFirst });
    this.linear1 = new Linear(dModel, this.dimFeedforward);
    this.dropout = new Dropout(this.dropoutP);
    this.linear2 = new Linear(this.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.dropout1 = new Dropout(this.dropoutP);
    this.dropout2 = new Dropout(this.dropoutP);
  }

  /** src [S, N, E] ([N, S, E] with batchFirst) or [S, E], with optional srcMask and srcKeyPaddingMask → the same shape. */
  override forward(
    src: Tensor,
    ...masks: Args<[srcMask: Tensor | null, srcKeyPaddingMask: Tensor | null], TransformerEncoderLayerForwardOptions>
  ): Tensor {
    const op = "nn.TransformerEncoderLayer";
    const a = parseArgs(op, masks, ["srcMask", "srcKeyPaddingMask"]);
    // checked here so that the errors name the layer's arguments, not its MultiheadAttention's
    checkPair(op, "src", src, "src", src, this.dModel, this.batchFirst);
    const [S, N] = seqDims(src, this.batchFirst);
    checkMask(op, "srcMask", a.srcMask, S, S, N, this.nhead, src.ndim === 2, false);
    checkMask(op, "srcKeyPaddingMask", a.srcKeyPaddingMask, S, S, N, this.nhead, src.ndim === 2, true);
    const attnMask = (a.srcMask ?? undefined) as Tensor | undefined, keyPaddingMask = (a.srcKeyPaddingMask ?? undefined) as Tensor | undefined;
    const sa = (x: Tensor) => this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask, keyPaddingMask, needWeights: false })[0]);
    const ff = (x: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ff(x)));
    }
    return x;
  }

  private act(x: Tensor): Tensor {
    const a = this.activation;
    return a === "relu" ? F.relu(x) : a === "gelu" ? F.gelu(x) : a(x);
  }

  /** A new layer with the same options and a copy of this one's parameters (PyTorch's deepcopy, as TransformerEncoder makes). */
  copy(): TransformerEncoderLayer {
    const c = new TransformerEncoderLayer(this.dModel, this.nhead, {
      dimFeedforward: this.dimFeedforward, dropout: this.dropoutP, activation: this.activation,
      layerNormEps: this.layerNormEps, batchFirst: this.batchFirst, normFirst: this.normFirst,
    });
    const device = this.selfAttn.inProjWeight.device;
    c.to(device);
    c.loadStateDict(this.stateDict());
    return c.train(this.training);
  }

  override extraRepr(): string {
    const act = typeof this.activation === "function" ? "function" : `"${this.activation}"`;
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.dimFeedforward}, dropout=${this.dropoutP}, activation=${act}, batchFirst=${this.batchFirst}, normFirst=${this.normFirst}`;
  }
}

/** The masks of a TransformerEncoder's forward (PyTorch 1.13's names). */
export interface TransformerEncoderForwardOptions {
  /** Every layer's srcMask: [S, S] or [N·nhead, S, S] (float: added; int32: nonzero attends). */
  mask?: Tensor | null;
  /** Every layer's srcKeyPaddingMask: [N, S] ([S] unbatched; int32: nonzero marks padding; float: added). */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (each with its own copy of its parameters, as
 * PyTorch's deepcopy) and an optional final `norm`, PyTorch's nn.TransformerEncoder. Sub-modules
 * `layers.0`, `layers.1`, ... and `norm`, PyTorch's names.
 *
 * `forward(src, mask?, srcKeyPaddingMask?)` (or `{ mask, srcKeyPaddingMask }`): src as the layer's;
 * returns the same shape. PyTorch's inference fast path (nested tensors, which zero the outputs
 * at padded positions) is not taken: the outputs are those of its training path everywhere.
 * Throws on a numLayers that is not a positive integer, a layer that is not a TransformerEncoderLayer,
 * or an unknown option (PyTorch's enableNestedTensor and maskCheck are not taken).
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { batchFirst: true }), 2, { norm: new nn.LayerNorm(16) });
 * const y = enc.forward(Tensor.randn([2, 5, 16]));   // [2, 5, 16]
 */
export class TransformerEncoder extends Module {
  /** How many layers the stack has (PyTorch's num_layers). */
  readonly numLayers: number;
  /** The numLayers copies of the encoder layer, applied in order (state-dict keys `layers.0.…`, `layers.1.…`). */
  layers: ModuleList<TransformerEncoderLayer>;
  /** The final norm applied after the last layer, or null for none. */
  norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, ...args: Args<[norm: Module | null], { norm?: Module | null }>) {
    super();
    const op = "nn.TransformerEncoder";
    // a Module is an object too: read a positional norm before parseArgs takes it for options
    const a = args[0] instanceof Module ? { norm: args[0], ...parseArgs(op, args.slice(1), []) } : parseArgs(op, args, ["norm"]);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new Error(`${op}: encoderLayer must be an nn.TransformerEncoderLayer, got ${describe(encoderLayer)}`);
    this.numLayers = checkInt(op, "numLayers", numLayers, 1);
    if (a.norm !== undefined && a.norm !== null && !(a.norm instanceof Module)) throw new Error(`${op}: norm must be an nn.Module or null, got ${describe(a.norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.copy()));
    this.norm = (a.norm as Module | undefined) ?? null;
  }

  /** src through every layer (each with the same masks), then the final norm → the same shape. */
  override forward(src: Tensor, ...masks: Args<[mask: Tensor | null, srcKeyPaddingMask: Tensor | null], TransformerEncoderForwardOptions>): Tensor {
    const a = parseArgs("nn.TransformerEncoder", masks, ["mask", "srcKeyPaddingMask"]);
    const opts = { srcMask: (a.mask ?? null) as Tensor | null, srcKeyPaddingMask: (a.srcKeyPaddingMask ?? null) as Tensor | null };
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, opts);
    return this.norm ? this.norm.forward(x) : x;
  }
}

/** Options of TransformerDecoderLayer: those of TransformerEncoderLayer (PyTorch's keyword arguments, camelCased). */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/** The masks of a TransformerDecoderLayer's or TransformerDecoder's forward (PyTorch's names, camelCased). */
export interface TransformerDecoderForwardOptions {
  /** [T, T] or [N·nhead, T, T]: the self-attention's attnMask (float: added; int32: nonzero attends). */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·nhead, T, S]: the cross-attention's attnMask over memory (float: added; int32: nonzero attends). */
  memoryMask?: Tensor | null;
  /** [N, T] ([T] unbatched): padding of tgt (int32: nonzero marks padding; float: added). */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S] ([S] unbatched): padding of memory (int32: nonzero marks padding; float: added). */
  memoryKeyPaddingMask?: Tensor | null;
  /** Also mask out keys after each query in the self-attention (PyTorch 2's tgt_is_causal; here applied, not a hint). Default false. */
  tgtIsCausal?: boolean;
}

const DECODER_KEYS = ["tgtMask", "memoryMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask", "tgtIsCausal"];

/** The options shared by the encoder and decoder layers and nn.Transformer, checked with the op's name. */
function layerOptions(op: string, dModel: unknown, nhead: unknown, a: Record<string, unknown>) {
  const d = checkInt(op, "dModel", dModel, 1), h = checkInt(op, "nhead", nhead, 1);
  if (d % h !== 0) throw new Error(`${op}: dModel (${d}) must be divisible by nhead (${h})`);
  const act = given(a.activation, "relu");
  return {
    dModel: d, nhead: h,
    dimFeedforward: checkInt(op, "dimFeedforward", given(a.dimFeedforward, 2048), 1),
    dropout: checkScalar(op, "dropout", given(a.dropout, 0.1), (p) => p >= 0 && p <= 1, "a probability in [0, 1]"),
    activation: typeof act === "function" ? (act as (x: Tensor) => Tensor) : checkEnum(op, "activation", act, ["relu", "gelu"] as const),
    layerNormEps: checkScalar(op, "layerNormEps", given(a.layerNormEps, 1e-5), (v) => v >= 0, "a non-negative number"),
    batchFirst: checkBool(op, "batchFirst", a.batchFirst ?? false),
    normFirst: checkBool(op, "normFirst", a.normFirst ?? false),
  };
}

/**
 * x and y as a query/memory pair of a transformer: both [*, N, E] ([N, *, E] with batchFirst) with
 * one batch size N, or both unbatched [*, E], with E = dModel.
 */
function checkPair(op: string, xName: string, x: unknown, yName: string, y: unknown, dModel: number, batchFirst: boolean): void {
  for (const [n, t] of [[xName, x], [yName, y]] as const) if (!(t instanceof Tensor)) throw new Error(`${op}: ${n} must be a Tensor, got ${describe(t)}`);
  const a = x as Tensor, b = y as Tensor;
  if ((a.ndim !== 2 && a.ndim !== 3) || a.shape[a.ndim - 1] !== dModel) {
    throw new Error(`${op}: ${xName} must be [L, N, E] ([N, L, E] with batchFirst) or unbatched [L, E], with E = dModel = ${dModel}, got ${fmt(a.shape)}`);
  }
  const bd = batchFirst ? 0 : 1;
  if (b.ndim !== a.ndim || b.shape[b.ndim - 1] !== dModel || (a.ndim === 3 && b.shape[bd] !== a.shape[bd])) {
    throw new Error(`${op}: ${yName} ${fmt(b.shape)} does not fit ${xName} ${fmt(a.shape)}: it needs ${a.ndim} dims, the last dModel = ${dModel}${a.ndim === 3 ? `, and the same batch size at dim ${bd}` : ""}`);
  }
}

/** [length, batch] of a [L, N, E] ([N, L, E] with batchFirst) or unbatched [L, E] sequence (batch 1). */
const seqDims = (x: Tensor, batchFirst: boolean): [number, number] => (x.ndim === 2 ? [x.shape[0], 1] : batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]]);

/**
 * A mask of queries of length L over keys of length S, checked here so that the error names the
 * transformer's argument (MultiheadAttention would name its own): an attention mask is [L, S] or
 * [N·nhead, L, S], a padding mask [N, S] ([S] unbatched).
 */
function checkMask(op: string, name: string, m: unknown, L: number, S: number, N: number, H: number, unbatched: boolean, padding: boolean): void {
  if (m === undefined || m === null) return;
  const shapes = padding ? [unbatched ? [S] : [N, S]] : [[L, S], [N * H, L, S]];
  if (!(m instanceof Tensor) || !shapes.some((s) => s.length === m.ndim && s.every((d, i) => d === m.shape[i]))) {
    throw new Error(`${op}: ${name} must be ${shapes.map((s) => fmt(s)).join(" or ")}, got ${m instanceof Tensor ? fmt(m.shape) : describe(m)}`);
  }
}

/** A decoder's four masks checked against tgt and memory. */
function checkDecoderMasks(op: string, a: Record<string, unknown>, tgt: Tensor, memory: Tensor, H: number, batchFirst: boolean): void {
  const [T, N] = seqDims(tgt, batchFirst), [S] = seqDims(memory, batchFirst), u = tgt.ndim === 2;
  checkMask(op, "tgtMask", a.tgtMask, T, T, N, H, u, false);
  checkMask(op, "memoryMask", a.memoryMask, T, S, N, H, u, false);
  checkMask(op, "tgtKeyPaddingMask", a.tgtKeyPaddingMask, T, T, N, H, u, true);
  checkMask(op, "memoryKeyPaddingMask", a.memoryKeyPaddingMask, T, S, N, H, u, true);
}

/**
 * One decoder block, PyTorch's nn.TransformerDecoderLayer: self-attention over tgt, attention from
 * tgt to memory (the encoder's output), then a feed-forward block linear2(dropout(activation(linear1(x)))),
 * each added to its input with dropout, and LayerNorm after each add (post-norm, the default) or
 * before each block (`normFirst`).
 * Constructor `(dModel, nhead, dimFeedforward?, dropout?, activation?, layerNormEps?, batchFirst?, normFirst?)`,
 * any after nhead also by name in a trailing options object. Sub-modules: selfAttn, multiheadAttn,
 * linear1, dropout, linear2, norm1, norm2, norm3, dropout1, dropout2, dropout3 (PyTorch's names).
 *
 * `forward(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?, tgtIsCausal?)`
 * (or the masks by name): tgt [T, N, E] ([N, T, E] with batchFirst) or unbatched [T, E], memory
 * [S, N, E] likewise; returns tgt's shape. The masks are MultiheadAttention's (an int32 mask is
 * nonzero where a query may attend, the opposite of PyTorch's boolean mask; an int32 padding mask
 * is nonzero at padding, as PyTorch's).
 * Throws on a dModel not divisible by nhead, tgt or memory of the wrong shape, masks of the wrong
 * shape, an activation other than relu, gelu or a function, or an unknown option.
 * @example
 * const layer = new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * const y = layer.forward(Tensor.randn([2, 5, 16]), Tensor.randn([2, 7, 16]), { tgtIsCausal: true }); // [2, 5, 16]
 */
export class TransformerDecoderLayer extends Module {
  /** Width E of the inputs and outputs (PyTorch's d_model). */
  readonly dModel: number;
  /** Attention heads of both attention blocks; dModel is divisible by it. */
  readonly nhead: number;
  /** Width of the feed-forward block (PyTorch's dim_feedforward). */
  readonly dimFeedforward: number;
  /** The dropout probability of every Dropout in the layer (the constructor's `dropout`; the name `dropout` is the sub-module, as PyTorch's). */
  readonly dropoutP: number;
  /** The feed-forward block's activation: "relu", "gelu" or a function. */
  readonly activation: TransformerActivation;
  /** eps of norm1, norm2 and norm3 (PyTorch's layer_norm_eps). */
  readonly layerNormEps: number;
  /** Whether inputs and outputs are [N, T, E] (true) or [T, N, E] (PyTorch's batch_first). */
  readonly batchFirst: boolean;
  /** Whether LayerNorm comes before each block (pre-norm) rather than after each residual add (PyTorch's norm_first). */
  readonly normFirst: boolean;
  /** The self-attention block over tgt (PyTorch's self_attn). */
  selfAttn: MultiheadAttention;
  /** The attention block from tgt to memory (PyTorch's multihead_attn). */
  multiheadAttn: MultiheadAttention;
  /** The feed-forward block's first projection, dModel → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block, after the activation. */
  dropout: Dropout;
  /** The feed-forward block's second projection, dimFeedforward → dModel. */
  linear2: Linear;
  /** LayerNorm [dModel] of the self-attention block. */
  norm1: LayerNorm;
  /** LayerNorm [dModel] of the attention to memory. */
  norm2: LayerNorm;
  /** LayerNorm [dModel] of the feed-forward block. */
  norm3: LayerNorm;
  /** Dropout on the self-attention output, before its residual add. */
  dropout1: Dropout;
  /** Dropout on the attention to memory's output, before its residual add. */
  dropout2: Dropout;
  /** Dropout on the feed-forward output, before its residual add. */
  dropout3: Dropout;

  constructor(
    dModel: number,
    nhead: number,
    ...args: Args<[dimFeedforward: number, dropout: number, activation: TransformerActivation, layerNormEps: number, batchFirst: boolean, normFirst: boolean], TransformerDecoderLayerOptions>
  ) {
    super();
    const op = "nn.TransformerDecoderLayer";
    const o = layerOptions(op, dModel, nhead, parseArgs(op, args, LAYER_KEYS));
    this.dModel = o.dModel;
    this.nhead = o.nhead;
    this.dimFeedforward = o.dimFeedforward;
    this.dropoutP = o.dropout;
    this.activation = o.activation;
    this.layerNormEps = o.layerNormEps;
    this.batchFirst = o.batchFirst;
    this.normFirst = o.normFirst;
    const attn = () => new MultiheadAttention(dModel, nhead, { dropout: this.dropoutP, batchFirst: this.batchFirst });
    this.selfAttn = attn();
    this.multiheadAttn = attn();
    this.linear1 = new Linear(dModel, this.dimFeedforward);
    this.dropout = new Dropout(this.dropoutP);
    this.linear2 = new Linear(this.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: this.layerNormEps });
    this.dropout1 = new Dropout(this.dropoutP);
    this.dropout2 = new Dropout(this.dropoutP);
    this.dropout3 = new Dropout(this.dropoutP);
  }

  /** tgt [T, N, E] ([N, T, E] with batchFirst) or [T, E] and memory [S, N, E] or [S, E], with optional masks → tgt's shape. */
  override forward(
    tgt: Tensor,
    memory: Tensor,
    ...masks: Args<[tgtMask: Tensor | null, memoryMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null, tgtIsCausal: boolean], TransformerDecoderForwardOptions>
  ): Tensor {
    const op = "nn.TransformerDecoderLayer";
    const a = parseArgs(op, masks, DECODER_KEYS);
    checkPair(op, "tgt", tgt, "memory", memory, this.dModel, this.batchFirst);
    checkDecoderMasks(op, a, tgt, memory, this.nhead, this.batchFirst);
    const isCausal = checkBool(op, "tgtIsCausal", a.tgtIsCausal ?? false);
    const m = (k: string) => (a[k] ?? undefined) as Tensor | undefined;
    const sa = (x: Tensor) =>
      this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: m("tgtMask"), keyPaddingMask: m("tgtKeyPaddingMask"), isCausal, needWeights: false })[0]);
    const ca = (x: Tensor) =>
      this.dropout2.forward(this.multiheadAttn.forward(x, memory, memory, { attnMask: m("memoryMask"), keyPaddingMask: m("memoryKeyPaddingMask"), needWeights: false })[0]);
    const ff = (x: Tensor) => this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ca(this.norm2.forward(x)));
      x = x.add(ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ca(x)));
      x = this.norm3.forward(x.add(ff(x)));
    }
    return x;
  }

  private act(x: Tensor): Tensor {
    const a = this.activation;
    return a === "relu" ? F.relu(x) : a === "gelu" ? F.gelu(x) : a(x);
  }

  /** A new layer with the same options and a copy of this one's parameters (PyTorch's deepcopy, as TransformerDecoder makes). */
  copy(): TransformerDecoderLayer {
    const c = new TransformerDecoderLayer(this.dModel, this.nhead, {
      dimFeedforward: this.dimFeedforward, dropout: this.dropoutP, activation: this.activation,
      layerNormEps: this.layerNormEps, batchFirst: this.batchFirst, normFirst: this.normFirst,
    });
    c.to(this.selfAttn.inProjWeight.device);
    c.loadStateDict(this.stateDict());
    return c.train(this.training);
  }

  override extraRepr(): string {
    const act = typeof this.activation === "function" ? "function" : `"${this.activation}"`;
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.dimFeedforward}, dropout=${this.dropoutP}, activation=${act}, batchFirst=${this.batchFirst}, normFirst=${this.normFirst}`;
  }
}

/**
 * A stack of `numLayers` copies of `decoderLayer` (each with its own copy of its parameters, as
 * PyTorch's deepcopy) and an optional final `norm`, PyTorch's nn.TransformerDecoder. Sub-modules
 * `layers.0`, `layers.1`, ... and `norm`, PyTorch's names.
 *
 * `forward(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?, tgtIsCausal?)`
 * (or by name): every layer gets the same memory and masks; returns tgt's shape.
 * Throws on a numLayers that is not a positive integer, a layer that is not a TransformerDecoderLayer,
 * a norm that is not a Module, or an unknown option; in forward, as the layer.
 * @example
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 4, { batchFirst: true }), 2, { norm: new nn.LayerNorm(16) });
 * const y = dec.forward(Tensor.randn([2, 5, 16]), Tensor.randn([2, 7, 16]));   // [2, 5, 16]
 */
export class TransformerDecoder extends Module {
  /** How many layers the stack has (PyTorch's num_layers). */
  readonly numLayers: number;
  /** The numLayers copies of the decoder layer, applied in order (state-dict keys `layers.0.…`, `layers.1.…`). */
  layers: ModuleList<TransformerDecoderLayer>;
  /** The final norm applied after the last layer, or null for none. */
  norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, ...args: Args<[norm: Module | null], { norm?: Module | null }>) {
    super();
    const op = "nn.TransformerDecoder";
    // a Module is an object too: read a positional norm before parseArgs takes it for options
    const a = args[0] instanceof Module ? { norm: args[0], ...parseArgs(op, args.slice(1), []) } : parseArgs(op, args, ["norm"]);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new Error(`${op}: decoderLayer must be an nn.TransformerDecoderLayer, got ${describe(decoderLayer)}`);
    this.numLayers = checkInt(op, "numLayers", numLayers, 1);
    if (a.norm !== undefined && a.norm !== null && !(a.norm instanceof Module)) throw new Error(`${op}: norm must be an nn.Module or null, got ${describe(a.norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.copy()));
    this.norm = (a.norm as Module | undefined) ?? null;
  }

  /** tgt and memory through every layer (each with the same masks), then the final norm → tgt's shape. */
  override forward(
    tgt: Tensor,
    memory: Tensor,
    ...masks: Args<[tgtMask: Tensor | null, memoryMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null, tgtIsCausal: boolean], TransformerDecoderForwardOptions>
  ): Tensor {
    const op = "nn.TransformerDecoder", l0 = this.layers[0];
    const opts = parseArgs(op, masks, DECODER_KEYS) as TransformerDecoderForwardOptions;
    // checked here too, so that a mistake is named by the module called
    checkPair(op, "tgt", tgt, "memory", memory, l0.dModel, l0.batchFirst);
    checkDecoderMasks(op, opts as Record<string, unknown>, tgt, memory, l0.nhead, l0.batchFirst);
    checkBool(op, "tgtIsCausal", opts.tgtIsCausal ?? false);
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, opts);
    return this.norm ? this.norm.forward(x) : x;
  }
}

/** Options of nn.Transformer (PyTorch's keyword arguments, camelCased). */
export interface TransformerOptions {
  /** Width E of every input and output (default 512). */
  dModel?: number;
  /** Attention heads (default 8); dModel is divisible by it. */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Width of every feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability of every Dropout (default 0.1). */
  dropout?: number;
  /** The feed-forward blocks' activation (default "relu"). */
  activation?: TransformerActivation;
  /** eps of every LayerNorm (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output [N, S, E] when true; [S, N, E] (the default) when false. */
  batchFirst?: boolean;
  /** Pre-norm layers (default false). */
  normFirst?: boolean;
}

/** The masks of nn.Transformer's forward (PyTorch's names, camelCased). */
export interface TransformerForwardOptions {
  /** [S, S] or [N·nhead, S, S]: the encoder's attention mask (float: added; int32: nonzero attends). */
  srcMask?: Tensor | null;
  /** [T, T] or [N·nhead, T, T]: the decoder's self-attention mask. */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·nhead, T, S]: the decoder's attention mask over memory. */
  memoryMask?: Tensor | null;
  /** [N, S] ([S] unbatched): padding of src (int32: nonzero marks padding; float: added). */
  srcKeyPaddingMask?: Tensor | null;
  /** [N, T] ([T] unbatched): padding of tgt. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S] ([S] unbatched): padding of memory (usually srcKeyPaddingMask again). */
  memoryKeyPaddingMask?: Tensor | null;
  /** Also mask out keys after each query in the decoder's self-attention (PyTorch 2's tgt_is_causal, applied). Default false. */
  tgtIsCausal?: boolean;
}

const TRANSFORMER_POSITIONAL = ["dModel", "nhead", "numEncoderLayers", "numDecoderLayers", "dimFeedforward", "dropout", "activation"];
const TRANSFORMER_FORWARD_KEYS = ["srcMask", "tgtMask", "memoryMask", "srcKeyPaddingMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask", "tgtIsCausal"];

/**
 * PyTorch's nn.Transformer: a TransformerEncoder of numEncoderLayers layers with a final LayerNorm
 * over src, and a TransformerDecoder of numDecoderLayers layers with a final LayerNorm from tgt to
 * the encoder's output. Every parameter with more than one dim is redrawn xavier-uniform, as
 * PyTorch's _reset_parameters. Sub-modules `encoder` and `decoder`, so state-dict keys are PyTorch's
 * camelCased (`encoder.layers.0.selfAttn.inProjWeight`, `decoder.norm.weight`).
 * Constructor `(dModel?, nhead?, numEncoderLayers?, numDecoderLayers?, dimFeedforward?, dropout?, activation?)`,
 * any also by name in a trailing options object with layerNormEps, batchFirst and normFirst.
 * PyTorch's customEncoder and customDecoder are not taken.
 *
 * `forward(src, tgt, srcMask?, tgtMask?, memoryMask?, srcKeyPaddingMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?, tgtIsCausal?)`
 * (or the masks by name): src [S, N, E], tgt [T, N, E] ([N, S, E], [N, T, E] with batchFirst; or
 * unbatched [S, E], [T, E]) → [T, N, E] (tgt's shape). Masks as TransformerEncoderLayer's and TransformerDecoderLayer's.
 * Throws on bad options, src and tgt of different batch sizes or a last dim other than dModel, bad masks, or an unknown option.
 * @example
 * const model = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32, batchFirst: true });
 * const tgtMask = nn.Transformer.generateSquareSubsequentMask(5);
 * const y = model.forward(Tensor.randn([2, 7, 16]), Tensor.randn([2, 5, 16]), { tgtMask }); // [2, 5, 16]
 */
export class Transformer extends Module {
  /** Width E of the inputs and outputs (PyTorch's d_model). */
  readonly dModel: number;
  /** Attention heads of every layer. */
  readonly nhead: number;
  /** Whether inputs and outputs are [N, S, E] (true) or [S, N, E] (PyTorch's batch_first). */
  readonly batchFirst: boolean;
  /** The encoder: numEncoderLayers layers and a final LayerNorm. */
  encoder: TransformerEncoder;
  /** The decoder: numDecoderLayers layers and a final LayerNorm. */
  decoder: TransformerDecoder;

  constructor(
    ...args: Args<[dModel: number, nhead: number, numEncoderLayers: number, numDecoderLayers: number, dimFeedforward: number, dropout: number, activation: TransformerActivation], TransformerOptions>
  ) {
    super();
    const op = "nn.Transformer";
    // only PyTorch's first seven arguments are positional here (its customEncoder and customDecoder come next)
    const last = args[args.length - 1];
    const positional = args.length - (typeof last === "object" && last !== null ? 1 : 0);
    if (positional > TRANSFORMER_POSITIONAL.length) throw new Error(`${op}: expected at most 7 arguments (${TRANSFORMER_POSITIONAL.join(", ")}; the rest by name in an options object), got ${positional}`);
    const a = parseArgs(op, args, [...TRANSFORMER_POSITIONAL, "layerNormEps", "batchFirst", "normFirst"]);
    const o = layerOptions(op, given(a.dModel, 512), given(a.nhead, 8), a);
    const nEnc = checkInt(op, "numEncoderLayers", given(a.numEncoderLayers, 6), 1), nDec = checkInt(op, "numDecoderLayers", given(a.numDecoderLayers, 6), 1);
    this.dModel = o.dModel;
    this.nhead = o.nhead;
    this.batchFirst = o.batchFirst;
    const layer = { dimFeedforward: o.dimFeedforward, dropout: o.dropout, activation: o.activation, layerNormEps: o.layerNormEps, batchFirst: o.batchFirst, normFirst: o.normFirst };
    this.encoder = new TransformerEncoder(new TransformerEncoderLayer(o.dModel, o.nhead, layer), nEnc, new LayerNorm(o.dModel, { eps: o.layerNormEps }));
    this.decoder = new TransformerDecoder(new TransformerDecoderLayer(o.dModel, o.nhead, layer), nDec, new LayerNorm(o.dModel, { eps: o.layerNormEps }));
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }

  /** src and tgt, with optional masks → tgt's shape: the decoder's output over the encoder's output of src. */
  override forward(
    src: Tensor,
    tgt: Tensor,
    ...masks: Args<
      [srcMask: Tensor | null, tgtMask: Tensor | null, memoryMask: Tensor | null, srcKeyPaddingMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null, tgtIsCausal: boolean],
      TransformerForwardOptions
    >
  ): Tensor {
    const op = "nn.Transformer";
    const a = parseArgs(op, masks, TRANSFORMER_FORWARD_KEYS) as TransformerForwardOptions;
    checkPair(op, "src", src, "tgt", tgt, this.dModel, this.batchFirst);
    const [S, N] = seqDims(src, this.batchFirst);
    checkMask(op, "srcMask", a.srcMask, S, S, N, this.nhead, src.ndim === 2, false);
    checkMask(op, "srcKeyPaddingMask", a.srcKeyPaddingMask, S, S, N, this.nhead, src.ndim === 2, true);
    checkDecoderMasks(op, a as Record<string, unknown>, tgt, src, this.nhead, this.batchFirst);
    checkBool(op, "tgtIsCausal", a.tgtIsCausal ?? false);
    const memory = this.encoder.forward(src, { mask: a.srcMask ?? null, srcKeyPaddingMask: a.srcKeyPaddingMask ?? null });
    return this.decoder.forward(tgt, memory, {
      tgtMask: a.tgtMask, memoryMask: a.memoryMask, tgtKeyPaddingMask: a.tgtKeyPaddingMask,
      memoryKeyPaddingMask: a.memoryKeyPaddingMask, tgtIsCausal: a.tgtIsCausal,
    });
  }

  /**
   * The causal mask [sz, sz] for a sequence of sz: 0 on and below the diagonal, −Infinity above
   * (a float mask, added to the scores), PyTorch's Transformer.generate_square_subsequent_mask.
   * `opts`: the tensor's device and float dtype (defaults as Tensor.full's).
   * @throws on a size that is not a non-negative integer or an unknown option
   * @example
   * nn.Transformer.generateSquareSubsequentMask(3); // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(sz: number, opts: { device?: string; dtype?: "float32" | "float64" } = {}): Tensor {
    const op = "nn.Transformer.generateSquareSubsequentMask";
    checkOptions(op, opts, ["device", "dtype"]);
    checkInt(op, "sz", sz, 0);
    if (opts.dtype !== undefined) checkEnum(op, "dtype", opts.dtype, ["float32", "float64"] as const);
    return Tensor.full([sz, sz], -Infinity, opts).triu(1);
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, batchFirst=${this.batchFirst}`;
  }
}
