// Transformer encoder: TransformerEncoderLayer (self-attention and a feed-forward block, each with a
// residual connection and a LayerNorm, after or before) and TransformerEncoder (a stack of copies and
// an optional final norm), PyTorch's modules with PyTorch's sub-module names, so converted state
// dicts load. Composites of MultiheadAttention, Linear, LayerNorm and Dropout.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkBool, checkEnum, checkInt, checkScalar, parseArgs } from "../functional/args.js";
import { describe } from "../check.js";
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
    const a = parseArgs(op, args, LAYER_KEYS);
    this.dModel = checkInt(op, "dModel", dModel, 1);
    this.nhead = checkInt(op, "nhead", nhead, 1);
    if (dModel % nhead !== 0) throw new Error(`${op}: dModel (${dModel}) must be divisible by nhead (${nhead})`);
    this.dimFeedforward = checkInt(op, "dimFeedforward", a.dimFeedforward ?? 2048, 1);
    this.dropoutP = checkScalar(op, "dropout", a.dropout ?? 0.1, (p) => p >= 0 && p <= 1, "a probability in [0, 1]");
    const act = a.activation ?? "relu";
    this.activation = typeof act === "function" ? (act as (x: Tensor) => Tensor) : checkEnum(op, "activation", act, ["relu", "gelu"] as const);
    this.layerNormEps = checkScalar(op, "layerNormEps", a.layerNormEps ?? 1e-5, (v) => v >= 0, "a non-negative number");
    this.batchFirst = checkBool(op, "batchFirst", a.batchFirst ?? false);
    this.normFirst = checkBool(op, "normFirst", a.normFirst ?? false);
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
    const a = parseArgs("nn.TransformerEncoderLayer", masks, ["srcMask", "srcKeyPaddingMask"]);
    if (!(src instanceof Tensor)) throw new Error(`nn.TransformerEncoderLayer: src must be a Tensor, got ${describe(src)}`);
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
