// Recurrent layers: RNNCell, LSTMCell, GRUCell and the multi-layer RNN, LSTM, GRU, with PyTorch's
// gate layouts, parameter names (camelCased: weight_ih_l0 → weightIhL0) and initialisation, as
// composites of existing ops (so they run on every device). Each layer projects the whole input
// sequence in one matmul, then steps through time with one small matmul per step.
import { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { type Args, checkBool, checkEnum, checkInt, checkScalar, given, parseArgs } from "../functional/args.js";
import { describe } from "../check.js";
import { fmt } from "../shape.js";
import { Module, Parameter, checkForward } from "./module.js";
import * as init from "./init.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/**
 * One time step given the input projection `gi` = x·W_ihᵀ + b_ih ([N, G·H]) and the state.
 * Returns the new hidden state and, for an LSTM, the new cell state.
 */
function step(mode: Mode, gi: Tensor, h: Tensor, c: Tensor | null, wHh: Tensor, bHh: Tensor | null): [Tensor, Tensor | null] {
  const gh = F.linear(h, wHh, bHh);
  switch (mode) {
    case "RNN_TANH": return [gi.add(gh).tanh(), null];
    case "RNN_RELU": return [gi.add(gh).relu(), null];
    case "LSTM": {
      // PyTorch's gate order: input, forget, cell, output
      const [i, f, g, o] = gi.add(gh).chunk(4, -1);
      const c2 = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      return [o.sigmoid().mul(c2.tanh()), c2];
    }
    case "GRU": {
      // reset, update, new; the reset gate multiplies W_hn·h + b_hn (PyTorch's form, not Cho's)
      const [ir, iz, inn] = gi.chunk(3, -1);
      const [hr, hz, hn] = gh.chunk(3, -1);
      const r = ir.add(hr).sigmoid(), z = iz.add(hz).sigmoid();
      const n = inn.add(r.mul(hn)).tanh();
      return [n.sub(n.mul(z)).add(z.mul(h)), null]; // (1 − z)·n + z·h
    }
  }
}

/** U(±1/√hiddenSize) for every parameter, PyTorch's reset_parameters for the recurrent layers. */
function resetUniform(params: Tensor[], hiddenSize: number): void {
  const k = 1 / Math.sqrt(hiddenSize);
  for (const p of params) init.uniform_(p, -k, k);
}

const CELL_NAMES = ["bias"];

/** Shared by RNNCell, LSTMCell and GRUCell: PyTorch's RNNCellBase (weightIh, weightHh, biasIh, biasHh). */
abstract class RNNCellBase extends Module {
  /** Features I of the input (PyTorch's input_size). */
  readonly inputSize: number;
  /** Features H of the hidden state (PyTorch's hidden_size). */
  readonly hiddenSize: number;
  /** Whether the cell has the biases biasIh and biasHh. */
  readonly bias: boolean;
  /** Input-to-hidden weights [G·H, I], G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n) (PyTorch's weight_ih). */
  weightIh: Tensor;
  /** Hidden-to-hidden weights [G·H, H], gates as weightIh (PyTorch's weight_hh). */
  weightHh: Tensor;
  /** Input-to-hidden bias [G·H], or null without bias (PyTorch's bias_ih). */
  biasIh: Tensor | null;
  /** Hidden-to-hidden bias [G·H], or null without bias (PyTorch's bias_hh). */
  biasHh: Tensor | null;
  protected abstract readonly mode: Mode;

  constructor(op: string, inputSize: number, hiddenSize: number, bias: boolean, gates: number) {
    super();
    this.inputSize = checkInt(op, "inputSize", inputSize, 1);
    this.hiddenSize = checkInt(op, "hiddenSize", hiddenSize, 1);
    this.bias = checkBool(op, "bias", bias);
    this.weightIh = Parameter(Tensor.empty([gates * hiddenSize, inputSize]));
    this.weightHh = Parameter(Tensor.empty([gates * hiddenSize, hiddenSize]));
    this.biasIh = bias ? Parameter(Tensor.empty([gates * hiddenSize])) : null;
    this.biasHh = bias ? Parameter(Tensor.empty([gates * hiddenSize])) : null;
    this.resetParameters();
  }

  /** Redraws every parameter from U(±1/√hiddenSize). */
  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  /** Checks input [N, inputSize] or [inputSize] and states of [N, hiddenSize] or [hiddenSize]; returns them batched. */
  protected prepare(op: string, input: unknown, states: unknown[], names: string[]): { x: Tensor; hs: (Tensor | null)[]; unbatched: boolean } {
    if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
    if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`${op}: Expected input to be 1D or 2D, got ${input.ndim}D (shape ${fmt(input.shape)})`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize} (input shape ${fmt(input.shape)})`);
    }
    const unbatched = input.ndim === 1;
    const x = unbatched ? input.unsqueeze(0) : input;
    const hs = states.map((h, i) => {
      if (h === undefined || h === null) return null;
      if (!(h instanceof Tensor)) throw new Error(`${op}: ${names[i]} must be a Tensor, got ${describe(h)}`);
      const want = unbatched ? [this.hiddenSize] : [x.shape[0], this.hiddenSize];
      if (h.ndim !== want.length || h.shape.some((d, j) => d !== want[j])) {
        throw new Error(`${op}: ${names[i]} must have shape ${fmt(want)} for input of shape ${fmt(input.shape)}, got ${fmt(h.shape)}`);
      }
      return unbatched ? h.unsqueeze(0) : h;
    });
    return { x, hs, unbatched };
  }

  protected zeros(x: Tensor): Tensor {
    return Tensor.zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? "" : ", bias=false"}`;
  }
}

/** Options of RNNCell. */
export interface RNNCellOptions {
  /** Learnt biases biasIh and biasHh (default true). */
  bias?: boolean;
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/**
 * An Elman RNN cell: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu), PyTorch's nn.RNNCell.
 * Parameters weightIh [H, I], weightHh [H, H], biasIh [H], biasHh [H], all U(±1/√H) at start.
 *
 * `forward(input, hx?)`: input [N, I] or [I]; hx [N, H] or [H] (zeros when omitted); returns h' of hx's shape.
 * Throws on an input whose last dim is not inputSize or an hx of the wrong shape.
 * @example
 * const cell = new nn.RNNCell(3, 5);
 * let h = cell.forward(Tensor.randn([2, 3]));   // [2, 5]
 * h = cell.forward(Tensor.randn([2, 3]), h);
 */
export class RNNCell extends RNNCellBase {
  /** The activation of the new hidden state: "tanh" (default) or "relu". */
  readonly nonlinearity: "tanh" | "relu";
  protected readonly mode: Mode;

  constructor(inputSize: number, hiddenSize: number, ...args: Args<[bias: boolean, nonlinearity: "tanh" | "relu"], RNNCellOptions>) {
    const a = parseArgs("nn.RNNCell", args, ["bias", "nonlinearity"]);
    super("nn.RNNCell", inputSize, hiddenSize, given(a.bias, true) as boolean, 1);
    this.nonlinearity = checkEnum("nn.RNNCell", "nonlinearity", given(a.nonlinearity, "tanh"), ["tanh", "relu"] as const);
    this.mode = this.nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU";
  }

  /** One step: input [N, I] or [I], hx [N, H] or [H] (zeros when omitted) → h' like hx. */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    checkForward(this, arguments, ["input", "hx"]);
    const { x, hs, unbatched } = this.prepare("nn.RNNCell", input, [hx], ["hx"]);
    const [h] = step(this.mode, F.linear(x, this.weightIh, this.biasIh), hs[0] ?? this.zeros(x), null, this.weightHh, this.biasHh);
    return unbatched ? h.squeeze(0) : h;
  }

  /** `inputSize, hiddenSize`, then bias and nonlinearity where not the defaults (for toString). */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "tanh" ? "" : `, nonlinearity="relu"`);
  }
}

/**
 * A long short-term memory cell, PyTorch's nn.LSTMCell. Gates (in this order in the weights)
 * i, f, g, o = σ, σ, tanh, σ of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh; c' = f·c + i·g, h' = o·tanh(c').
 * Parameters weightIh [4H, I], weightHh [4H, H], biasIh [4H], biasHh [4H], all U(±1/√H).
 *
 * `forward(input, [h, c]?)`: input [N, I] or [I]; h, c [N, H] or [H] (zeros when omitted); returns `[h', c']`.
 * Throws on an input whose last dim is not inputSize or states of the wrong shape.
 * @example
 * const cell = new nn.LSTMCell(3, 5);
 * const [h, c] = cell.forward(Tensor.randn([2, 3]));
 * const [h2, c2] = cell.forward(Tensor.randn([2, 3]), [h, c]);
 */
export class LSTMCell extends RNNCellBase {
  protected readonly mode: Mode = "LSTM";

  constructor(inputSize: number, hiddenSize: number, ...args: Args<[bias: boolean], { bias?: boolean }>) {
    const a = parseArgs("nn.LSTMCell", args, CELL_NAMES);
    super("nn.LSTMCell", inputSize, hiddenSize, given(a.bias, true) as boolean, 4);
  }

  /** One step: input [N, I] or [I], states [h, c] of [N, H] or [H] (zeros when omitted) → [h', c']. */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    checkForward(this, arguments, ["input", "hx"]);
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new Error(`nn.LSTMCell: hx must be an array [h, c] of two Tensors, got ${describe(hx)}`);
    }
    const { x, hs, unbatched } = this.prepare("nn.LSTMCell", input, [hx?.[0], hx?.[1]], ["h", "c"]);
    const [h, c] = step("LSTM", F.linear(x, this.weightIh, this.biasIh), hs[0] ?? this.zeros(x), hs[1] ?? this.zeros(x), this.weightHh, this.biasHh);
    return unbatched ? [h.squeeze(0), c!.squeeze(0)] : [h, c!];
  }
}

/**
 * A gated recurrent unit cell, PyTorch's nn.GRUCell: r, z = σ(x·W_i{r,z}ᵀ + b + h·W_h{r,z}ᵀ + b),
 * n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)), h' = (1 − z)·n + z·h.
 * Parameters weightIh [3H, I], weightHh [3H, H], biasIh [3H], biasHh [3H] (gate order r, z, n), all U(±1/√H).
 *
 * `forward(input, hx?)`: input [N, I] or [I]; hx [N, H] or [H] (zeros when omitted); returns h'.
 * Throws on an input whose last dim is not inputSize or an hx of the wrong shape.
 * @example
 * const cell = new nn.GRUCell(3, 5);
 * const h = cell.forward(Tensor.randn([2, 3]));   // [2, 5]
 */
export class GRUCell extends RNNCellBase {
  protected readonly mode: Mode = "GRU";

  constructor(inputSize: number, hiddenSize: number, ...args: Args<[bias: boolean], { bias?: boolean }>) {
    const a = parseArgs("nn.GRUCell", args, CELL_NAMES);
    super("nn.GRUCell", inputSize, hiddenSize, given(a.bias, true) as boolean, 3);
  }

  /** One step: input [N, I] or [I], hx [N, H] or [H] (zeros when omitted) → h' like hx. */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    checkForward(this, arguments, ["input", "hx"]);
    const { x, hs, unbatched } = this.prepare("nn.GRUCell", input, [hx], ["hx"]);
    const [h] = step("GRU", F.linear(x, this.weightIh, this.biasIh), hs[0] ?? this.zeros(x), null, this.weightHh, this.biasHh);
    return unbatched ? h.squeeze(0) : h;
  }
}

/** Options of RNN, LSTM and GRU (PyTorch's keyword arguments, camelCased). */
export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learnt biases (default true). */
  bias?: boolean;
  /** Input and output are [N, L, ·] when true; [L, N, ·] (PyTorch's default) when false. The states are always [layers·D, N, H]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second pass from the end of the sequence and concatenate both (default false). */
  bidirectional?: boolean;
  /** RNN only: "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
  /** LSTM with projections is not supported: any value but 0 is refused. */
  projSize?: number;
}

const RNN_POSITIONAL = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"];
type RNNArgs = Args<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], RNNOptions>;

/**
 * Shared by RNN, LSTM and GRU: PyTorch's RNNBase. The parameters are fields named as PyTorch's
 * (camelCased) in PyTorch's order, layer by layer, the forward direction then the reverse:
 * weightIhL0, weightHhL0, biasIhL0, biasHhL0, weightIhL0Reverse, ...
 */
abstract class RNNBase extends Module {
  /** The recurrence, as PyTorch's `mode`: "RNN_TANH" or "RNN_RELU" (nn.RNN by its nonlinearity), "LSTM" or "GRU". */
  readonly mode: Mode;
  /** Features I of the input (PyTorch's input_size). */
  readonly inputSize: number;
  /** Features H of each hidden state (PyTorch's hidden_size). */
  readonly hiddenSize: number;
  /** Stacked layers (PyTorch's num_layers). */
  readonly numLayers: number;
  /** Whether every layer has the biases biasIhL*, biasHhL*. */
  readonly bias: boolean;
  /** Whether input and output are [N, L, ·] (true) or [L, N, ·] (PyTorch's batch_first); the states are [layers·D, N, H] either way. */
  readonly batchFirst: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode. */
  readonly dropout: number;
  /** Whether each layer also runs from the end of the sequence (D = 2, outputs concatenated). */
  readonly bidirectional: boolean;
  readonly #op: string;

  constructor(op: string, mode: Mode | "RNN", inputSize: number, hiddenSize: number, args: RNNArgs) {
    super();
    const names = [...RNN_POSITIONAL, "projSize", ...(mode === "RNN" ? ["nonlinearity"] : [])];
    const a = parseArgs(op, args, names);
    if (a.projSize !== undefined && a.projSize !== 0) {
      throw new Error(`${op}: projSize is not supported (an LSTM with projections); got projSize ${describe(a.projSize)}`);
    }
    this.#op = op;
    this.mode = mode === "RNN" ? (checkEnum(op, "nonlinearity", given(a.nonlinearity, "tanh"), ["tanh", "relu"] as const) === "tanh" ? "RNN_TANH" : "RNN_RELU") : mode;
    this.inputSize = checkInt(op, "inputSize", inputSize, 1);
    this.hiddenSize = checkInt(op, "hiddenSize", hiddenSize, 1);
    this.numLayers = checkInt(op, "numLayers", given(a.numLayers, 1), 1);
    this.bias = checkBool(op, "bias", given(a.bias, true));
    this.batchFirst = checkBool(op, "batchFirst", given(a.batchFirst, false));
    this.dropout = checkScalar(op, "dropout", given(a.dropout, 0), (p) => p >= 0 && p <= 1, "a probability in [0, 1]");
    this.bidirectional = checkBool(op, "bidirectional", given(a.bidirectional, false));
    const G = GATES[this.mode] * hiddenSize, D = this.bidirectional ? 2 : 1;
    const fields = this as unknown as Record<string, Tensor>;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * D;
      for (let d = 0; d < D; d++) {
        const n = RNNBase.paramNames(l, d);
        fields[n.weightIh] = Parameter(Tensor.empty([G, inSize]));
        fields[n.weightHh] = Parameter(Tensor.empty([G, hiddenSize]));
        if (this.bias) {
          fields[n.biasIh] = Parameter(Tensor.empty([G]));
          fields[n.biasHh] = Parameter(Tensor.empty([G]));
        }
      }
    }
    this.resetParameters();
  }

  /** The field names of layer `layer`'s parameters in direction `dir` (0 forward, 1 reverse). */
  static paramNames(layer: number, dir: number): {
    /** Input-to-hidden weights [G·H, I] (layer 0) or [G·H, D·H], e.g. "weightIhL0". */
    weightIh: string;
    /** Hidden-to-hidden weights [G·H, H], e.g. "weightHhL0". */
    weightHh: string;
    /** Input-to-hidden bias [G·H], e.g. "biasIhL0". */
    biasIh: string;
    /** Hidden-to-hidden bias [G·H], e.g. "biasHhL0Reverse". */
    biasHh: string;
  } {
    const s = `L${layer}${dir ? "Reverse" : ""}`;
    return { weightIh: `weightIh${s}`, weightHh: `weightHh${s}`, biasIh: `biasIh${s}`, biasHh: `biasHh${s}` };
  }

  /** Redraws every parameter from U(±1/√hiddenSize). */
  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  /**
   * The parameters by layer and direction, PyTorch's `all_weights`: `[[weightIhL0, weightHhL0,
   * biasIhL0, biasHhL0], [..L0Reverse], [..L1], ...]` (no biases when bias is false).
   */
  get allWeights(): Tensor[][] {
    const p = this as unknown as Record<string, Tensor | undefined>;
    const out: Tensor[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < this.D; d++) out.push(Object.values(RNNBase.paramNames(l, d)).flatMap((n) => (p[n] ? [p[n]] : [])));
    }
    return out;
  }

  /** Checks the input and the initial states; returns the input as [L, N, I] and the states as [layers·D, N, H]. */
  protected prepare(input: unknown, states: unknown[], names: string[]): { x: Tensor; hs: (Tensor | null)[]; unbatched: boolean } {
    const op = this.#op;
    if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`${op}: Expected input to be 2D (unbatched [L, I]) or 3D (${this.batchFirst ? "[N, L, I]" : "[L, N, I]"}), got ${input.ndim}D (shape ${fmt(input.shape)})`);
    }
    if (input.dtype === "int32") throw new Error(`${op}: input must be a floating-point tensor, got int32`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${input.shape[input.ndim - 1]} (input shape ${fmt(input.shape)})`);
    }
    const unbatched = input.ndim === 2;
    const x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
    const want = unbatched ? [this.numLayers * this.D, this.hiddenSize] : [this.numLayers * this.D, x.shape[1], this.hiddenSize];
    const hs = states.map((h, i) => {
      if (h === undefined || h === null) return null;
      if (!(h instanceof Tensor)) throw new Error(`${op}: ${names[i]} must be a Tensor, got ${describe(h)}`);
      if (h.ndim !== want.length || h.shape.some((d, j) => d !== want[j])) {
        throw new Error(`${op}: Expected ${names[i]} of shape ${fmt(want)} (numLayers·directions${unbatched ? "" : ", batch"}, hiddenSize) for input of shape ${fmt(input.shape)}, got ${fmt(h.shape)}`);
      }
      return unbatched ? h.unsqueeze(1) : h;
    });
    return { x, hs, unbatched };
  }

  /** 2 when bidirectional, else 1. */
  protected get D(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Runs every layer and direction over x [L, N, I] from states h0 (and c0) [layers·D, N, H];
   * returns the last layer's output [L, N, D·H] and the final states [layers·D, N, H].
   */
  protected run(x: Tensor, h0: Tensor | null, c0: Tensor | null): { out: Tensor; hN: Tensor; cN: Tensor | null } {
    const [L, N] = x.shape, H = this.hiddenSize, D = this.D;
    const zeros = () => Tensor.zeros([N, H], { dtype: x.dtype, device: x.device });
    const p = this as unknown as Record<string, Tensor | undefined>;
    const lstm = this.mode === "LSTM";
    const hN: Tensor[] = [], cN: Tensor[] = [];
    let layerIn = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerIn = F.dropout(layerIn, this.dropout, true);
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const n = RNNBase.paramNames(l, d);
        const gi = F.linear(layerIn, p[n.weightIh]!, p[n.biasIh] ?? null); // [L, N, G·H], every step at once
        let h = h0 ? h0.slice(l * D + d) : zeros();
        let c = lstm ? (c0 ? c0.slice(l * D + d) : zeros()) : null;
        const hs: Tensor[] = new Array(L);
        for (let s = 0; s < L; s++) {
          const t = d === 0 ? s : L - 1 - s;
          [h, c] = step(this.mode, gi.slice(t), h, c, p[n.weightHh]!, p[n.biasHh] ?? null);
          hs[t] = h;
        }
        outs.push(L > 0 ? Tensor.stack(hs, 0) : Tensor.zeros([0, N, H], { dtype: x.dtype, device: x.device }));
        hN.push(h);
        if (c) cN.push(c);
      }
      layerIn = D === 1 ? outs[0] : Tensor.cat(outs, -1);
    }
    return { out: layerIn, hN: Tensor.stack(hN, 0), cN: lstm ? Tensor.stack(cN, 0) : null };
  }

  /** Output [L, N, D·H] back to the caller's layout. */
  protected finish(out: Tensor, unbatched: boolean): Tensor {
    return unbatched ? out.squeeze(1) : this.batchFirst ? out.transpose(0, 1) : out;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, numLayers=${this.numLayers}`;
    if (this.mode === "RNN_RELU") s += `, nonlinearity="relu"`;
    if (!this.bias) s += ", bias=false";
    if (this.batchFirst) s += ", batchFirst=true";
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ", bidirectional=true";
    return s;
  }
}

/**
 * A multi-layer Elman RNN (tanh or relu), PyTorch's nn.RNN. Constructor:
 * `(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?)`, any of them
 * after the sizes also by name in a trailing options object, plus `nonlinearity`.
 *
 * `forward(input, h0?)`: input [L, N, I] ([N, L, I] with batchFirst) or unbatched [L, I];
 * h0 [numLayers·D, N, H] (or [numLayers·D, H]), zeros when omitted (D = 2 when bidirectional).
 * Returns `[output, hN]`: output [L, N, D·H] (batchFirst: [N, L, D·H]), hN like h0.
 * Parameters weightIhL{k}, weightHhL{k}, biasIhL{k}, biasHhL{k} (and ...Reverse), U(±1/√H).
 * Throws on a wrong input rank or size, a wrong h0 shape, an unknown option or projSize.
 * @example
 * const rnn = new nn.RNN(4, 8, { numLayers: 2, batchFirst: true });
 * const [out, hN] = rnn.forward(Tensor.randn([3, 5, 4]));   // out [3, 5, 8], hN [2, 3, 8]
 */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs) {
    super("nn.RNN", "RNN", inputSize, hiddenSize, args);
  }

  /** The whole sequence: input [L, N, I] ([N, L, I] with batchFirst) or [L, I], h0 [layers·D, N, H] → [output, hN]. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    checkForward(this, arguments, ["input", "hx"]);
    const { x, hs, unbatched } = this.prepare(input, [h0], ["h0"]);
    const { out, hN } = this.run(x, hs[0], null);
    return [this.finish(out, unbatched), unbatched ? hN.squeeze(1) : hN];
  }
}

/**
 * A multi-layer long short-term memory RNN, PyTorch's nn.LSTM (without projections). Constructor:
 * `(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?)`, any of them
 * after the sizes also by name in a trailing options object. Each layer is an LSTMCell's step.
 *
 * `forward(input, [h0, c0]?)`: input [L, N, I] ([N, L, I] with batchFirst) or unbatched [L, I];
 * h0, c0 [numLayers·D, N, H] (or [numLayers·D, H]), zeros when omitted.
 * Returns `[output, [hN, cN]]`: output [L, N, D·H] (batchFirst: [N, L, D·H]).
 * Parameters weightIhL{k} [4H, ·], weightHhL{k} [4H, H], biasIhL{k}, biasHhL{k} (and ...Reverse), U(±1/√H).
 * Throws on a wrong input rank or size, wrong state shapes, an unknown option or projSize ≠ 0.
 * @example
 * const lstm = new nn.LSTM(4, 8, 2, { dropout: 0.1 });
 * const [out, [hN, cN]] = lstm.forward(Tensor.randn([5, 3, 4]));   // out [5, 3, 8], hN and cN [2, 3, 8]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs) {
    super("nn.LSTM", "LSTM", inputSize, hiddenSize, args);
  }

  /** The whole sequence: input [L, N, I] ([N, L, I] with batchFirst) or [L, I], [h0, c0] [layers·D, N, H] → [output, [hN, cN]]. */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    checkForward(this, arguments, ["input", "hx"]);
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new Error(`nn.LSTM: hx must be an array [h0, c0] of two Tensors, got ${describe(hx)}`);
    }
    const { x, hs, unbatched } = this.prepare(input, [hx?.[0], hx?.[1]], ["h0", "c0"]);
    const { out, hN, cN } = this.run(x, hs[0], hs[1]);
    return [this.finish(out, unbatched), unbatched ? [hN.squeeze(1), cN!.squeeze(1)] : [hN, cN!]];
  }
}

/**
 * A multi-layer gated recurrent unit RNN, PyTorch's nn.GRU. Constructor:
 * `(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?)`, any of them
 * after the sizes also by name in a trailing options object. Each layer is a GRUCell's step.
 *
 * `forward(input, h0?)`: as RNN's; returns `[output, hN]`.
 * Parameters weightIhL{k} [3H, ·], weightHhL{k} [3H, H], biasIhL{k}, biasHhL{k} (and ...Reverse), U(±1/√H).
 * Throws on a wrong input rank or size, a wrong h0 shape, an unknown option or projSize.
 * @example
 * const gru = new nn.GRU(4, 8, { bidirectional: true });
 * const [out, hN] = gru.forward(Tensor.randn([5, 3, 4]));   // out [5, 3, 16], hN [2, 3, 8]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs) {
    super("nn.GRU", "GRU", inputSize, hiddenSize, args);
  }

  /** The whole sequence: input [L, N, I] ([N, L, I] with batchFirst) or [L, I], h0 [layers·D, N, H] → [output, hN]. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    checkForward(this, arguments, ["input", "hx"]);
    const { x, hs, unbatched } = this.prepare(input, [h0], ["h0"]);
    const { out, hN } = this.run(x, hs[0], null);
    return [this.finish(out, unbatched), unbatched ? hN.squeeze(1) : hN];
  }
}
