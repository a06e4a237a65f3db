// The fused kernels of the C side, as one table shared by the two backends built from
// native/kernels (cpu, the addon; wasm, the module): how each FusedKernels call becomes the C
// kernel's name, its arrays in binding.c's order and its scalars. The backends differ only in how
// they pass a call on (N-API or wasm memory) and how they read attention's 4-D views.
import type { FusedKernels, View } from "./backend.js";
import type { FusedKernel } from "../prims.js";

/** One window-kernel call: the kernel, its arrays (null where optional and left out), its scalars. */
export type FusedCall = (kind: FusedKernel, views: (View | null)[], scalars: number[]) => void;
/** attention forward (out, p, q, k, v) or backward (gq, gk, gv, g, p, q, k, v). */
export type AttentionCall = (backward: boolean, views: View[], scale: number, causal: boolean) => void;

/** FUSED_KERNELS (the list binding.c and the wasm glue check at compile time) names exactly the
 *  window kernels of FusedKernels; attention has its own entry point. */
type WindowKernel = Exclude<keyof FusedKernels, "attention" | "attentionBackward">;
const fusedNamesMatch: [FusedKernel, WindowKernel] extends [WindowKernel, FusedKernel] ? true : never = true;
void fusedNamesMatch;

export function cFusedKernels(call: FusedCall, attention: AttentionCall): FusedKernels {
  return {
    softmax: (out, x, log, scale = 1, causal = 0) => call("softmax", [out, x], [log ? 1 : 0, scale, causal]),
    softmaxBackward: (gx, g, y, log, scale = 1, causal = 0) => call("softmaxBackward", [gx, g, y], [log ? 1 : 0, scale, causal]),
    layerNorm: (out, mean, rstd, x, w, b, eps) => call("layerNorm", [out, mean, rstd, x, w, b], [eps]),
    layerNormBackward: (gx, gw, gb, g, x, mean, rstd, w) => call("layerNormBackward", [gx, gw, gb, g, x, mean, rstd, w], []),
    gelu: (out, x) => call("gelu", [out, x], []),
    geluBackward: (gx, g, x) => call("geluBackward", [gx, g, x], []),
    adam: (p, g, m, v, h) => call("adam", [p, g, m, v], [h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled ? 1 : 0, h.step]),
    maxPoolIndices: (idx, x, kh, kw, sh, sw, vals) => call("maxPoolIndices", [idx, x, vals ?? null], [x.shape[1], x.shape[2], kh, kw, sh, sw]),
    im2col: (cols, x, w) => call("im2col", [cols, x], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw]),
    col2im: (x, cols, w) => call("col2im", [x, cols], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw]),
    conv2d: (y, x, wt, b, w) => call("conv2d", [y, x, wt, b], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw, wt.shape[0]]),
    conv2dBackward: (gx, gw, gb, g, x, wt, w) =>
      call("conv2dBackward", [gx, gw, gb, g, x, wt], [...x.shape, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw, wt.shape[0]]),
    attention: (out, p, q, k, v, scale, causal) => attention(false, [out, p, q, k, v], scale, causal),
    attentionBackward: (gq, gk, gv, g, p, q, k, v, scale, causal) => attention(true, [gq, gk, gv, g, p, q, k, v], scale, causal),
  };
}
