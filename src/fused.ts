// Fused fast paths: used when the tensor's backend offers the kernel and the shapes fit; each
// returns null otherwise and the caller runs its composite, which stays the reference.
import type { AdamStep, ConvWindow, FusedKernels, Storage, View } from "./backend/backend.js";
import { type GradOut, isGradEnabled } from "./graph.js";
import { Tensor, bumpVersion } from "./core.js";
import { grad } from "./engine.js";
import { windowCount } from "./shape.js";
import { scatterAdd } from "./ops.js";

function kernel<K extends keyof FusedKernels>(x: Tensor, name: K): FusedKernels<Storage>[K] | undefined {
  return x.dtype === "float32" && x.numel > 0 ? x.backend.fused?.[name] : undefined;
}

/**
 * Record a fused op. Its backward runs the fused backward kernel; but when a graph of the
 * backward is being built (grad with createGraph), it differentiates the composite instead, so
 * higher-order gradients still work without a hand-written Tensor-op rule per fused kernel.
 */
function track(
  op: string, out: Tensor, inputs: (Tensor | null)[], kernelBackward: (g: Tensor) => GradOut[],
  composite: (...xs: (Tensor | null)[]) => Tensor,
): Tensor {
  const parents = inputs.filter((t): t is Tensor => t !== null);
  return out.track(op, parents, (g) => {
    if (!isGradEnabled()) return kernelBackward(g);
    const need = parents.filter((p) => p.requiresGrad);
    const gs = grad(composite(...inputs), need, { gradOutputs: g, createGraph: true, allowUnused: true });
    return parents.map((p) => (p.requiresGrad ? gs[need.indexOf(p)] : null));
  });
}

const alloc = (like: Tensor) => Tensor.alloc(like.shape, like.dtype, like.device);

/**
 * softmax / logSoftmax of scale·x over the last dim, or null. causal: x is [..., L, S] attention
 * scores and row i keeps only entries j <= i (what scaledDotProductAttention's isCausal composite
 * does with a mul, a maskedFill and a softmax, without their two full-size temporaries).
 */
export function softmax(
  x: Tensor, dim: number, log: boolean, composite: (x: Tensor) => Tensor, scale = 1, causal = false,
): Tensor | null {
  const k = kernel(x, "softmax"), kb = kernel(x, "softmaxBackward");
  if (!k || !kb || x.ndim < (causal ? 2 : 1) || (dim !== -1 && dim !== x.ndim - 1)) return null;
  if (!(scale > 0 && Number.isFinite(scale))) return null;
  const xc = x.contiguous();
  const rows = causal ? xc.shape[xc.ndim - 2] : 0;
  const out = alloc(xc);
  k(out, xc, log, scale, rows);
  return track(causal ? "causalSoftmax" : log ? "logSoftmax" : "softmax", out, [xc], (g) => [() => {
    const gx = alloc(xc);
    kb(gx, g.contiguous(), out, log, scale, rows);
    return gx;
  }], (x) => composite(x!));
}

/** Exact GELU, or null. */
export function gelu(x: Tensor, composite: (x: Tensor) => Tensor): Tensor | null {
  const k = kernel(x, "gelu"), kb = kernel(x, "geluBackward");
  if (!k || !kb) return null;
  const xc = x.contiguous();
  const out = alloc(xc);
  k(out, xc);
  return track("gelu", out, [xc], (g) => [() => {
    const gx = alloc(xc);
    kb(gx, g.contiguous(), xc);
    return gx;
  }], (x) => composite(x!));
}

/** layerNorm over the last dim with optional 1-D weight and bias, or null. */
export function layerNorm(
  x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number,
  composite: (x: Tensor, w: Tensor | null, b: Tensor | null) => Tensor,
): Tensor | null {
  const k = kernel(x, "layerNorm"), kb = kernel(x, "layerNormBackward");
  if (!k || !kb || x.ndim === 0) return null;
  const n = x.shape[x.ndim - 1];
  for (const p of [weight, bias]) {
    if (p && (p.dtype !== "float32" || p.ndim !== 1 || p.shape[0] !== n || p.device !== x.device)) return null;
  }
  const xc = x.contiguous(), wc = weight?.contiguous() ?? null, bc = bias?.contiguous() ?? null;
  const rows = xc.numel / n;
  const out = alloc(xc);
  const mean = Tensor.alloc([rows], "float32", x.device), rstd = Tensor.alloc([rows], "float32", x.device);
  k(out, mean, rstd, xc, wc, bc, eps);
  return track("layerNorm", out, [xc, wc, bc], (g) => {
    const gx = alloc(xc);
    const gw = wc?.requiresGrad ? alloc(wc) : null, gb = bc?.requiresGrad ? alloc(bc) : null;
    kb(gx, gw, gb, g.contiguous(), xc, mean, rstd, wc);
    const res: GradOut[] = [gx];
    if (wc) res.push(gw);
    if (bc) res.push(gb);
    return res;
  }, (x, w, b) => composite(x!, w, b));
}

/** t as a 4-D attention view [B1, B2, rows, cols] (leading 1s for 2-D and 3-D tensors). */
function view4(t: Tensor): View<Storage> {
  const lead = 4 - t.ndim;
  return {
    data: t.data,
    shape: [...Array<number>(lead).fill(1), ...t.shape],
    // a size-1 last dim reads one element: its stride does not matter
    strides: [...Array<number>(lead).fill(0), ...t.strides.slice(0, -1), 1],
    offset: t.offset,
  };
}

/** A fresh [.., rows, cols] tensor laid out as [B1, rows, B2, cols] when 4-D: attention's
 *  outputs and gradients then come out in the [batch, time, heads, dim] order that multi-head
 *  code reshapes to and from, so those reshapes are views instead of copies. */
function allocHeadsMajor(like: Tensor, rows: number, cols: number): Tensor {
  if (like.ndim !== 4) return Tensor.alloc([...like.shape.slice(0, -2), rows, cols], "float32", like.device);
  const [b1, b2] = like.shape;
  return Tensor.alloc([b1, rows, b2, cols], "float32", like.device).transpose(1, 2);
}

/**
 * Scaled dot-product attention without a mask (or with the causal one), or null: one kernel does
 * the scores, the softmax and the product with v head by head, another the three gradients. q, k
 * and v are read through their strides (the split heads of one qkv projection need no copies);
 * batch dims must match exactly (no broadcasting).
 */
export function attention(
  q: Tensor, k: Tensor, v: Tensor, scale: number, causal: boolean,
  composite: (q: Tensor, k: Tensor, v: Tensor) => Tensor,
): Tensor | null {
  const kf = kernel(q, "attention"), kb = kernel(q, "attentionBackward");
  if (!kf || !kb || !(scale > 0 && Number.isFinite(scale))) return null;
  const nd = q.ndim;
  if (nd < 2 || nd > 4 || k.ndim !== nd || v.ndim !== nd) return null;
  for (const t of [k, v]) if (t.dtype !== "float32" || t.device !== q.device || t.numel === 0) return null;
  for (let d = 0; d < nd - 2; d++) if (k.shape[d] !== q.shape[d] || v.shape[d] !== q.shape[d]) return null;
  const lastContiguous = (t: Tensor) => (t.shape[nd - 1] <= 1 || t.strides[nd - 1] === 1 ? t : t.contiguous());
  const [qc, kc, vc] = [q, k, v].map(lastContiguous);
  const L = q.shape[nd - 2], S = k.shape[nd - 2], Ev = v.shape[nd - 1];
  const out = allocHeadsMajor(qc, L, Ev);
  const p = Tensor.alloc([...q.shape.slice(0, -2), L, S], "float32", q.device);
  kf(view4(out), view4(p), view4(qc), view4(kc), view4(vc), scale, causal);
  return track(causal ? "causalAttention" : "attention", out, [qc, kc, vc], (g) => {
    const gq = allocHeadsMajor(qc, L, qc.shape[nd - 1]), gk = allocHeadsMajor(kc, S, kc.shape[nd - 1]);
    const gv = allocHeadsMajor(vc, S, Ev);
    kb(view4(gq), view4(gk), view4(gv), view4(lastContiguous(g)), view4(p), view4(qc), view4(kc), view4(vc), scale, causal);
    return [gq, gk, gv];
  }, (q, k, v) => composite(q!, k!, v!));
}

/** The most elements of one image's columns (C·kh·kw·OH·OW) for the fused convolution: its
 *  kernels keep them (and their gradient) in a per-thread scratch block meant to stay in L2. */
const CONV_COLS_MAX = 1 << 18;

/**
 * A convolution with groups 1, or null: x [N, C, H, W] (padded as the window says, any stride
 * and dilation), weight [OC, C·kh·kw], bias [OC] or null. The backend runs it image by image,
 * each image's columns built and multiplied in cache, and writes y [N, OC, OH, OW] in place of
 * the composite's im2col, matmul, transpose and bias add; its backward gives the three gradients
 * in one call the same way. Only where an image's columns fit CONV_COLS_MAX: larger ones are
 * GEMM-bound, and one product over the whole batch does them better.
 */
export function conv2d(
  x: Tensor, weight: Tensor, bias: Tensor | null, win: ConvWindow,
  composite: (x: Tensor, w: Tensor, b: Tensor | null) => Tensor,
): Tensor | null {
  const k = kernel(x, "conv2d"), kb = kernel(x, "conv2dBackward");
  if (!k || !kb || x.ndim !== 4 || weight.ndim !== 2) return null;
  for (const t of [weight, bias]) if (t && (t.dtype !== "float32" || t.device !== x.device || t.numel === 0)) return null;
  const [n, c, h, w] = x.shape, oc = weight.shape[0];
  const oh = windowCount(h, win.dh * (win.kh - 1) + 1, win.sh, win.ph), ow = windowCount(w, win.dw * (win.kw - 1) + 1, win.sw, win.pw);
  if (c * win.kh * win.kw * oh * ow > CONV_COLS_MAX) return null;
  const xc = x.contiguous(), wc = weight.contiguous(), bc = bias?.contiguous() ?? null;
  const y = Tensor.alloc([n, oc, oh, ow], "float32", x.device);
  k(y, xc, wc, bc, win);
  return track("conv2d", y, [xc, wc, bc], (g) => {
    const gx = xc.requiresGrad ? alloc(xc) : null, gw = wc.requiresGrad ? alloc(wc) : null;
    const gb = bc?.requiresGrad ? alloc(bc) : null;
    kb(gx, gw, gb, g.contiguous(), xc, wc, win);
    return bc ? [gx, gw, gb] : [gx, gw];
  }, (x, w, b) => composite(x!, w!, b));
}

/** t can be an operand of p's fused Adam step: float32, contiguous, on p's device, p's size. */
function adamOperand(p: Tensor, t: Tensor): boolean {
  return t.dtype === "float32" && t.isContiguous() && t.device === p.device && t.numel === p.numel;
}

/** One in-place Adam/AdamW step through the fused kernel; false when it does not apply. */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamStep): boolean {
  const k = kernel(p, "adam");
  if (!k || !adamOperand(p, g) || !adamOperand(p, m) || !adamOperand(p, v) || !adamOperand(p, p)) return false;
  k(p, g, m, v, h);
  bumpVersion(p);
  bumpVersion(m);
  bumpVersion(v);
  return true;
}

/**
 * maxPool2d over [N, C, H, W] (already padded), or null: the backend finds each window's first
 * maximum (or else its last NaN, as PyTorch's scan), its value and its int32 index, in one pass; the gradient is gather's (a scatter-add to
 * the maxima), so higher orders work without a backward of its own.
 */
export function maxPool2d(x: Tensor, kh: number, kw: number, sh: number, sw: number): Tensor | null {
  const k = kernel(x, "maxPoolIndices");
  if (!k || x.ndim !== 4) return null;
  const [n, c, h, w] = x.shape;
  const oh = windowCount(h, kh, sh), ow = windowCount(w, kw, sw);
  const planes = x.contiguous().reshape(n * c, h * w);
  const idx = Tensor.alloc([n * c, oh * ow], "int32", x.device);
  const out = Tensor.alloc([n * c, oh * ow], "float32", x.device);
  // the maxima come out of the same pass as their indices (what gathering planes at idx gives)
  k(idx, planes.reshape(n * c, h, w), kh, kw, sh, sw, out);
  // the backward is gather's: the gradient scattered to the indices (in range: no check)
  const y = isGradEnabled() && planes.requiresGrad
    ? out.track("maxPool2d", [planes], (g) => [() => scatterAdd(planes.shape, 1, idx, g)])
    : out;
  return y.reshape(n, c, oh, ow);
}
