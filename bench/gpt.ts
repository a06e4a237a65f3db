// W5's GPT, written with dlgrad's nn.Module: token + position embeddings, pre-LayerNorm blocks with
// hand-written causal attention (matmul, maskedFill −∞, softmax, matmul) and a 4× GELU MLP, a final
// LayerNorm and an untied head. Weights N(0, 0.02) as in nanoGPT.
import { F, Tensor, nn } from "../src/node.js";

export interface GptConfig {
  vocab: number;
  ctx: number;
  layers: number;
  heads: number;
  width: number;
}

function init02(m: nn.Module): void {
  for (const [name, p] of m.namedParameters()) {
    if (name.endsWith(".bias")) nn.init.zeros_(p);
    else if (!/ln\w*\.weight$/.test(name)) nn.init.normal_(p, 0, 0.02);
  }
}

class CausalSelfAttention extends nn.Module {
  qkv: nn.Linear;
  proj: nn.Linear;
  constructor(readonly cfg: GptConfig, readonly fused: boolean) {
    super();
    this.qkv = new nn.Linear(cfg.width, 3 * cfg.width);
    this.proj = new nn.Linear(cfg.width, cfg.width);
  }
  override forward(x: Tensor, mask: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const H = this.cfg.heads, D = C / H;
    const [q, k, v] = this.qkv.forward(x).split(C, 2).map((t) => t.reshape([B, T, H, D]).transpose(1, 2));
    let att: Tensor;
    if (this.fused) att = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    else att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(D)).maskedFill(mask, -Infinity).softmax(-1).matmul(v);
    const y = att.transpose(1, 2).reshape([B, T, C]);
    return this.proj.forward(y);
  }
}

class Block extends nn.Module {
  ln1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln2: nn.LayerNorm;
  fc: nn.Linear;
  gelu: nn.GELU;
  fcProj: nn.Linear;
  constructor(cfg: GptConfig, fused: boolean) {
    super();
    this.ln1 = new nn.LayerNorm(cfg.width);
    this.attn = new CausalSelfAttention(cfg, fused);
    this.ln2 = new nn.LayerNorm(cfg.width);
    this.fc = new nn.Linear(cfg.width, 4 * cfg.width);
    this.gelu = new nn.GELU();
    this.fcProj = new nn.Linear(4 * cfg.width, cfg.width);
  }
  override forward(x: Tensor, mask: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln1.forward(x), mask));
    return x.add(this.fcProj.forward(this.gelu.forward(this.fc.forward(this.ln2.forward(x)))));
  }
}

export class Gpt extends nn.Module {
  wte: nn.Embedding;
  wpe: nn.Embedding;
  blocks: nn.ModuleList<Block>;
  lnF: nn.LayerNorm;
  head: nn.Linear;
  /** 1 above the diagonal: the future positions a token may not attend to. */
  mask: Tensor;
  pos: Tensor;
  /** opts.fusedAttention: F.scaledDotProductAttention (causal) in place of the hand-written attention. */
  constructor(readonly cfg: GptConfig, opts: { fusedAttention?: boolean } = {}) {
    super();
    this.wte = new nn.Embedding(cfg.vocab, cfg.width);
    this.wpe = new nn.Embedding(cfg.ctx, cfg.width);
    this.blocks = new nn.ModuleList(Array.from({ length: cfg.layers }, () => new Block(cfg, opts.fusedAttention ?? false)));
    this.lnF = new nn.LayerNorm(cfg.width);
    this.head = new nn.Linear(cfg.width, cfg.vocab, { bias: false });
    this.mask = Tensor.ones([cfg.ctx, cfg.ctx]).triu(1);
    this.pos = Tensor.arange(0, cfg.ctx, 1, { dtype: "int32" });
    init02(this);
  }
  /** Mean cross-entropy of the next-token logits: idx, targets int32 [B, T]. */
  override forward(idx: Tensor, targets: Tensor): Tensor {
    const [B, T] = idx.shape;
    let x = this.wte.forward(idx).add(this.wpe.forward(this.pos.slice([0, T])));
    const mask = this.mask.slice([0, T], [0, T]);
    for (const b of this.blocks) x = b.forward(x, mask);
    const logits = this.head.forward(this.lnF.forward(x));
    return logits.reshape([B * T, this.cfg.vocab]).crossEntropy(targets.reshape([B * T]));
  }
}
