// A character-level GPT (pre-LayerNorm transformer decoder) written with nn.Module and the public
// API only, with an optional KV cache for incremental decoding.
import { Tensor, F, nn, noGrad } from "../../src/node.js";

export interface GPTConfig {
  vocabSize: number;
  /** Context length: the number of positions. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Dropout after attention, MLP and embeddings while training (0: none, the default). */
  dropout?: number;
  /** "torch" (the default): the layers' own initialisation, PyTorch's (Linear U(±1/√fanIn),
   *  Embedding N(0, 1), LayerNorm 1 and 0); "gpt2": N(0, 0.02) weights, zero biases, residual
   *  projections scaled by 1/√(2·nLayer). */
  init?: "gpt2" | "torch";
}

/** dlgrad's GPT: context 128, 6 layers, 4 heads, width 128 (about 1.2M parameters with 85 characters). */
export const DEFAULT_CONFIG: Omit<GPTConfig, "vocabSize"> = { blockSize: 128, nLayer: 6, nHead: 4, nEmbd: 128, dropout: 0, init: "torch" };

/** One layer's cached keys and values, [B, nHead, positions so far, headDim] each. */
export interface LayerCache {
  k: Tensor | null;
  v: Tensor | null;
}

/**
 * The keys and values of every layer for the positions decoded so far. Pass the same cache to
 * successive `forward` calls with only the new tokens: each call attends to everything cached.
 */
export class KVCache {
  readonly layers: LayerCache[];
  constructor(nLayer: number) {
    this.layers = Array.from({ length: nLayer }, () => ({ k: null, v: null }));
  }
  /** Positions cached so far. */
  get length(): number {
    const k = this.layers[0]?.k;
    return k ? k.shape[2] : 0;
  }
  clear(): void {
    for (const l of this.layers) l.k = l.v = null;
  }
}

/** Multi-head causal self-attention: one Linear for q, k and v, one for the output. */
export class CausalSelfAttention extends nn.Module {
  readonly nHead: number;
  readonly nEmbd: number;
  readonly dropout: number;
  qkv: nn.Linear;
  proj: nn.Linear;

  constructor(cfg: GPTConfig) {
    super();
    if (cfg.nEmbd % cfg.nHead !== 0) throw new Error(`GPT: nEmbd (${cfg.nEmbd}) must be a multiple of nHead (${cfg.nHead})`);
    this.nHead = cfg.nHead;
    this.nEmbd = cfg.nEmbd;
    this.dropout = cfg.dropout ?? 0;
    this.qkv = new nn.Linear(cfg.nEmbd, 3 * cfg.nEmbd);
    this.proj = new nn.Linear(cfg.nEmbd, cfg.nEmbd);
  }

  /** x: [B·T, C] rows, batch-major (2-D, so every Linear is one matrix product). */
  override forward(x: Tensor, b: number, t: number, cache?: LayerCache): Tensor {
    const c = this.nEmbd;
    const hd = c / this.nHead;
    // [B·T, 3C] -> three [B, nHead, T, hd] views
    const heads = (u: Tensor) => u.reshape(b, t, this.nHead, hd).transpose(1, 2);
    const [q, kNew, vNew] = this.qkv.forward(x).reshape(b, t, 3 * c).split(c, -1).map(heads);
    let k = kNew, v = vNew;
    const past = cache?.k ? cache.k.shape[2] : 0;
    if (cache) {
      if (cache.k && cache.v) {
        k = Tensor.cat([cache.k, kNew], 2);
        v = Tensor.cat([cache.v, vNew], 2);
      }
      cache.k = k.detach();
      cache.v = v.detach();
    }
    const opts: F.AttentionOptions = { dropoutP: this.dropout, training: this.training };
    if (past === 0) opts.isCausal = t > 1;
    // new query i (at position past + i) may attend to keys 0 .. past + i
    else if (t > 1) opts.attnMask = Tensor.ones([t, past + t], { dtype: "int32", device: x.device }).tril(past);
    const y = F.scaledDotProductAttention(q, k, v, opts); // [B, nHead, T, hd]
    const out = this.proj.forward(y.transpose(1, 2).reshape(b * t, c));
    return F.dropout(out, this.dropout, this.training);
  }
}

/** Position-wise MLP: Linear(C, 4C), GELU, Linear(4C, C). */
export class MLP extends nn.Module {
  readonly dropout: number;
  fc: nn.Linear;
  proj: nn.Linear;
  constructor(cfg: GPTConfig) {
    super();
    this.dropout = cfg.dropout ?? 0;
    this.fc = new nn.Linear(cfg.nEmbd, 4 * cfg.nEmbd);
    this.proj = new nn.Linear(4 * cfg.nEmbd, cfg.nEmbd);
  }
  override forward(x: Tensor): Tensor {
    return F.dropout(this.proj.forward(F.gelu(this.fc.forward(x))), this.dropout, this.training);
  }
}

/** Pre-LayerNorm block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
export class Block extends nn.Module {
  ln1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln2: nn.LayerNorm;
  mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln1 = new nn.LayerNorm(cfg.nEmbd);
    this.attn = new CausalSelfAttention(cfg);
    this.ln2 = new nn.LayerNorm(cfg.nEmbd);
    this.mlp = new MLP(cfg);
  }
  /** x: [B·T, C]. */
  override forward(x: Tensor, b: number, t: number, cache?: LayerCache): Tensor {
    x = x.add(this.attn.forward(this.ln1.forward(x), b, t, cache));
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

/** Token and position embeddings, nLayer blocks, a final LayerNorm and an untied linear head. */
export class GPT extends nn.Module {
  readonly config: GPTConfig;
  wte: nn.Embedding;
  wpe: nn.Embedding;
  blocks: Block[];
  lnF: nn.LayerNorm;
  head: nn.Linear;

  constructor(config: GPTConfig) {
    super();
    this.config = { dropout: 0, ...config };
    const cfg = this.config;
    this.wte = new nn.Embedding(cfg.vocabSize, cfg.nEmbd);
    this.wpe = new nn.Embedding(cfg.blockSize, cfg.nEmbd);
    this.blocks = Array.from({ length: cfg.nLayer }, () => new Block(cfg));
    this.lnF = new nn.LayerNorm(cfg.nEmbd);
    this.head = new nn.Linear(cfg.nEmbd, cfg.vocabSize, { bias: false });
    if (cfg.init === "gpt2") this.initWeights();
    else if ((cfg.init ?? "torch") !== "torch") throw new Error(`GPT: init must be "gpt2" or "torch", got ${JSON.stringify(cfg.init)}`);
  }

  /** GPT-2's initialisation: N(0, 0.02) weights and embeddings, zero biases, residual projections
   *  scaled by 1/√(2·nLayer). */
  initWeights(): void {
    const std = 0.02;
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith(".bias")) nn.init.zeros_(p);
      else if (/^blocks\.\d+\.ln|^lnF/.test(name)) nn.init.ones_(p);
      else if (/\.proj\.weight$/.test(name)) nn.init.normal_(p, 0, std / Math.sqrt(2 * this.config.nLayer));
      else nn.init.normal_(p, 0, std);
    }
  }

  /** Number of parameters. */
  numParams(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /**
   * Logits [B, T, vocab] for int32 ids [B, T]. With a cache, `idx` holds only the new tokens: they
   * sit at positions cache.length ... cache.length + T - 1, and the cache grows by T.
   */
  override forward(idx: Tensor, cache?: KVCache): Tensor {
    const [b, t] = idx.shape;
    const past = cache?.length ?? 0;
    if (past + t > this.config.blockSize) {
      throw new Error(`GPT: ${past + t} positions exceed the context of ${this.config.blockSize}`);
    }
    const pos = Tensor.arange(past, past + t, 1, { dtype: "int32", device: idx.device });
    // activations are [B·T, C] rows from here on: each Linear is then a single matrix product
    let x = this.wte.forward(idx.reshape(b * t)).reshape(b, t, -1).add(this.wpe.forward(pos)).reshape(b * t, -1);
    x = F.dropout(x, this.config.dropout ?? 0, this.training);
    this.blocks.forEach((blk, i) => (x = blk.forward(x, b, t, cache?.layers[i])));
    return this.head.forward(this.lnF.forward(x)).reshape(b, t, -1);
  }

  /** Mean cross-entropy of the next-character predictions. */
  loss(idx: Tensor, targets: Tensor): Tensor {
    const logits = this.forward(idx);
    const [b, t, v] = logits.shape;
    return logits.reshape(b * t, v).crossEntropy(targets.reshape(b * t));
  }
}

// ---- sampling --------------------------------------------------------------------------------

export interface SampleOptions {
  /** Divides the logits (default 1; smaller is more conservative). */
  temperature?: number;
  /** Keep only the k most likely characters (default: all). */
  topK?: number;
}

/** Draws one id from logits [vocab] (any array of numbers) with temperature and top-k, using `rand` in [0, 1). */
export function sampleFromLogits(logits: ArrayLike<number>, rand: () => number, opts: SampleOptions = {}): number {
  const temperature = opts.temperature ?? 1;
  const n = logits.length;
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let order = Array.from({ length: n }, (_, i) => i);
  if (opts.topK !== undefined && opts.topK > 0 && opts.topK < n) {
    order.sort((a, b) => logits[b] - logits[a] || a - b);
    order = order.slice(0, opts.topK);
  }
  let max = -Infinity;
  for (const i of order) max = Math.max(max, logits[i] / temperature);
  const w = order.map((i) => Math.exp(logits[i] / temperature - max));
  const total = w.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let j = 0; j < order.length; j++) {
    r -= w[j];
    if (r < 0) return order[j];
  }
  return order[order.length - 1];
}

export interface GenerateOptions extends SampleOptions {
  /** Use the KV cache (default true): each new token costs one position instead of a full forward. */
  cache?: boolean;
}

/**
 * Continues `prompt` (ids, at least one) forever, one id per `next()`, drawing with `rand`. With the
 * cache, each id costs one position; when the context is full, the last half of it is re-encoded
 * into a fresh cache (so about two positions per id on average). Without it, every id runs the
 * model over the last blockSize ids. Asynchronous because the last position's logits are read
 * back with `toTypedArrayAsync`, which works on every device (on webgpu it waits for the GPU).
 */
export async function* generateIds(model: GPT, prompt: ArrayLike<number>, rand: () => number, opts: GenerateOptions = {}): AsyncGenerator<number, never> {
  if (prompt.length === 0) throw new Error("generate: the prompt needs at least one token");
  const { blockSize, nLayer } = model.config;
  const device = model.wte.weight.device;
  const ids = Array.from(prompt);
  const useCache = opts.cache ?? true;
  const cache = new KVCache(nLayer);
  const lastLogits = (input: number[], c?: KVCache): Promise<Float32Array> =>
    noGrad(() => {
      const x = Tensor.from(Int32Array.from(input), { shape: [1, input.length], dtype: "int32", device });
      return model.forward(x, c).slice(0, -1).toTypedArrayAsync() as Promise<Float32Array>;
    });
  model.eval();
  let pending = ids.slice(-blockSize); // what the next forward with the cache must encode
  for (;;) {
    let logits: Float32Array;
    if (useCache) {
      if (cache.length + pending.length > blockSize) {
        cache.clear();
        pending = ids.slice(-Math.max(1, Math.floor(blockSize / 2)));
      }
      logits = await lastLogits(pending, cache);
    } else {
      logits = await lastLogits(ids.slice(-blockSize));
    }
    const id = sampleFromLogits(logits, rand, opts);
    ids.push(id);
    pending = [id];
    yield id;
  }
}

/** The first `maxTokens` ids of `generateIds` (the model is left in eval mode). */
export async function generate(model: GPT, prompt: ArrayLike<number>, maxTokens: number, rand: () => number, opts: GenerateOptions = {}): Promise<number[]> {
  const out: number[] = [];
  if (maxTokens <= 0) return out;
  for await (const id of generateIds(model, prompt, rand, opts)) {
    out.push(id);
    if (out.length >= maxTokens) break;
  }
  return out;
}
