// Fused kernels of the webgpu backend: softmax/logSoftmax (scale, causal rows), layerNorm, exact
// GELU, the Adam/AdamW update, scaled dot-product attention (forward and backward), max-pooling's
// argmax and im2col/col2im, each one or two dispatches where the composite takes many.
// The views are contiguous float32 (the FusedKernels contract; attention's are strided 4-D); row
// kernels give each row one workgroup of RW threads that combine partial sums and maxima in shared
// memory. The js-fused reference in test/fused.test.ts spells out the arithmetic these follow.
import type { AdamStep, Backend, ConvWindow, DeviceBuffer, FusedKernels, View } from "../backend.js";
import { PRELUDE, type Scalar, WG } from "./kernels.js";

/** What the fused kernels need from index.ts (passed in, so the two files do not import each other). */
export interface FusedHost {
  dispatch(
    key: string, source: (decls: string) => string, views: { name: string; type: Scalar; buffer: GPUBuffer; write?: boolean }[],
    params: (w: Int32Array, base: number) => void, groups: [number, number, number],
  ): void;
  kv(name: string, v: View<DeviceBuffer>, write?: boolean): { name: string; type: Scalar; buffer: GPUBuffer; write?: boolean };
  at(v: View<DeviceBuffer>): number;
  grid(n: number, per?: number): [number, number, number];
  /** A contiguous float32 scratch tensor of `shape` on the device (pooled; freed when dropped). */
  scratch(shape: number[]): View<DeviceBuffer>;
}

const RW = 64;
const f32bits = (x: number) => new Int32Array(Float32Array.of(x).buffer)[0];
const numel = (v: View<DeviceBuffer>) => v.shape.reduce((a, b) => a * b, 1);
const lastDim = (v: View<DeviceBuffer>) => (v.shape.length ? v.shape[v.shape.length - 1] : 1);

/** Row loop and shared-memory sum / NaN-propagating max over the RW threads of a workgroup. */
const ROWS = /* wgsl */ `
var<workgroup> red: array<f32, ${RW}>;
fn wsum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  for (var h = ${RW / 2}u; h > 0u; h = h >> 1u) {
    workgroupBarrier();
    if (lid < h) { red[lid] = red[lid] + red[lid + h]; }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn maxn(a: f32, b: f32) -> f32 { return select(max(a, b), select(b, a, isnan_(a)), isnan_(a) || isnan_(b)); }
fn wmax(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  for (var h = ${RW / 2}u; h > 0u; h = h >> 1u) {
    workgroupBarrier();
    if (lid < h) { red[lid] = maxn(red[lid], red[lid + h]); }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

const rowMain = (body: string) => /* wgsl */ `
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nw: vec3<u32>) {
  let R = prm(0u); let n = prm(1u);
  for (var r = i32(wid.x + wid.y * nw.x); r < R; r += i32(nw.x * nw.y)) {
    let l = i32(lid);
    ${body}
  }
}`;

// softmax words: [R, n, causal L, log, scale, x, out]
const softmaxSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${rowMain(`
    let L = prm(2u); let isLog = prm(3u) != 0; let scale = prmf(4u);
    let xo = prm(5u) + r * n; let oo = prm(6u) + r * n;
    let v = select(n, min(n, (r % max(L, 1)) + 1), L > 0);
    var m = -inf_();
    for (var i = l; i < v; i += ${RW}) { m = maxn(m, scale * x_ld(xo + i)); }
    m = wmax(lid, m);
    var s = 0.0;
    for (var i = l; i < v; i += ${RW}) { s += exp(scale * x_ld(xo + i) - m); }
    s = wsum(lid, s);
    let ls = log(s);
    for (var i = l; i < n; i += ${RW}) {
      let z = scale * x_ld(xo + i) - m;
      var y: f32;
      if (i >= v) { y = select(0.0, -inf_(), isLog); } else if (isLog) { y = z - ls; } else { y = exp(z) / s; }
      out_st(oo + i, y);
    }`)}`;

// softmaxBackward words: [R, n, L, log, scale, gx, g, y]
const softmaxBackSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${rowMain(`
    let L = prm(2u); let isLog = prm(3u) != 0; let scale = prmf(4u);
    let xo = prm(5u) + r * n; let go = prm(6u) + r * n; let yo = prm(7u) + r * n;
    let v = select(n, min(n, (r % max(L, 1)) + 1), L > 0);
    var s = 0.0;
    for (var i = l; i < v; i += ${RW}) { s += select(g_ld(go + i) * y_ld(yo + i), g_ld(go + i), isLog); }
    s = wsum(lid, s);
    for (var i = l; i < n; i += ${RW}) {
      let gi = g_ld(go + i); let yi = y_ld(yo + i);
      var d = 0.0;
      if (i < v) { d = scale * select(yi * (gi - s), gi - exp(yi) * s, isLog); }
      gx_st(xo + i, d);
    }`)}`;

// layerNorm words: [R, n, hasW, hasB, eps, x, out, mean, rstd, w, b]
const layerNormSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${rowMain(`
    let hasW = prm(2u) != 0; let hasB = prm(3u) != 0; let eps = prmf(4u);
    let xo = prm(5u) + r * n; let oo = prm(6u) + r * n; let wo = prm(9u); let bo = prm(10u);
    var s = 0.0;
    for (var i = l; i < n; i += ${RW}) { s += x_ld(xo + i); }
    let mu = wsum(lid, s) / f32(n);
    // the corrected two-pass form, as in the C kernels: the deviations from the float mean mu have
    // their own mean dm (mu's rounding), which comes out of xhat and of the variance, so a row of
    // equal values gives exactly 0 and one whose spread is tiny beside its mean stays accurate
    // (plain float32 gave the mean's last bit times 1/sqrt(var + eps))
    var q = 0.0;
    var sd = 0.0;
    for (var i = l; i < n; i += ${RW}) { let d = x_ld(xo + i) - mu; sd += d; q += d * d; }
    let dm = wsum(lid, sd) / f32(n);
    // squares past float32's range: the variance is inf (rs 0, as js's composite has it) or NaN;
    // subtracting dm·dm (inf too) gave NaN, which max(·, 0) turned into 0: rs = 1/sqrt(eps), and a
    // row of 3e38 and ordinary values came out as -4e37 where js has 0
    let q2 = wsum(lid, q) / f32(n);
    let rs = 1.0 / sqrt(select(max(q2 - dm * dm, 0.0), q2, !finite_(q2)) + eps);
    if (lid == 0u) { mean_st(prm(7u) + r, mu + dm); rstd_st(prm(8u) + r, rs); }
    for (var i = l; i < n; i += ${RW}) {
      var y = ((x_ld(xo + i) - mu) - dm) * rs;
      if (hasW) { y = y * w_ld(wo + i); }
      if (hasB) { y = y + b_ld(bo + i); }
      out_st(oo + i, y);
    }`)}`;

// layerNormBackward (gx, one row per workgroup) words: [R, n, hasW, hasDm, _, gx, g, x, mean, rstd, w, dm]
const layerNormBackSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${rowMain(`
    let hasW = prm(2u) != 0;
    let xo = prm(7u) + r * n; let go = prm(6u) + r * n; let gxo = prm(5u) + r * n; let wo = prm(10u);
    let mu = mean_ld(prm(8u) + r); let rs = rstd_ld(prm(9u) + r);
    // x - mean corrected by its own mean, as in the forward (the saved mean is rounded to float)
    var sd = 0.0;
    for (var i = l; i < n; i += ${RW}) { sd += x_ld(xo + i) - mu; }
    let dm = wsum(lid, sd) / f32(n);
    // kept for the weight gradient's kernel (layerNormParams), which takes a column per workgroup
    if (prm(3u) != 0 && lid == 0u) { dm_st(prm(11u) + r, dm); }
    var s1 = 0.0; var s2 = 0.0;
    for (var i = l; i < n; i += ${RW}) {
      let xh = ((x_ld(xo + i) - mu) - dm) * rs;
      let dxh = g_ld(go + i) * select(1.0, w_ld(wo + i), hasW);
      s1 += dxh; s2 += dxh * xh;
    }
    s1 = wsum(lid, s1) / f32(n);
    s2 = wsum(lid, s2) / f32(n);
    // an inf in g·w: the whole row NaN, as in the C kernels and PyTorch (its true value is inf − inf)
    let bad = !finite_(s1) || !finite_(s2);
    for (var i = l; i < n; i += ${RW}) {
      let xh = ((x_ld(xo + i) - mu) - dm) * rs;
      let dxh = g_ld(go + i) * select(1.0, w_ld(wo + i), hasW);
      gx_st(gxo + i, select(rs * (dxh - s1 - xh * s2), nan_(), bad));
    }`)}`;

// layerNorm weight/bias gradients (one column per workgroup) words: [n, R, hasGw, hasGb, _, gw, gb, g, x, mean, rstd, dm].
// xhat corrected as in the rows' kernels, by each row's dm that layerNormBackward wrote (from the
// saved mean alone, a row whose spread is ~1e-4 of its mean gave a share of gw ~3e-4 off).
const layerNormParamSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prm(0u); let R = prm(1u);
  for (var c = i32(wid.x + wid.y * nw.x); c < n; c += i32(nw.x * nw.y)) {
    var sw = 0.0; var sb = 0.0;
    for (var r = i32(lid); r < R; r += ${RW}) {
      let gi = g_ld(prm(7u) + r * n + c);
      sw += gi * ((x_ld(prm(8u) + r * n + c) - mean_ld(prm(9u) + r)) - dm_ld(prm(11u) + r)) * rstd_ld(prm(10u) + r);
      sb += gi;
    }
    sw = wsum(lid, sw);
    sb = wsum(lid, sb);
    if (lid == 0u) {
      if (prm(2u) != 0) { gw_st(prm(5u) + c, sw); }
      if (prm(3u) != 0) { gb_st(prm(6u) + c, sb); }
    }
  }
}`;

const flatMain = (body: string) => /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prm(0u);
  for (var i = i32(gid.x + gid.y * nw.x * ${WG}u); i < n; i += i32(nw.x * nw.y * ${WG}u)) {
    ${body}
  }
}`;

// gelu words: [n, x, out]; backward: [n, x, g, gx]
const geluSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`
    let v = x_ld(prm(1u) + i);
    out_st(prm(2u) + i, 0.5 * v * (1.0 + erf_(v * 0.7071067811865476)));`)}`;
const geluBackSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`
    let v = x_ld(prm(1u) + i);
    let cdf = 0.5 * (1.0 + erf_(v * 0.7071067811865476));
    let pdf = exp(-0.5 * v * v) * 0.3989422804014327;
    gx_st(prm(3u) + i, g_ld(prm(2u) + i) * (cdf + v * pdf));`)}`;

// adam words: [n, p, g, m, v, 1 - lr·weightDecay, beta1, beta2, eps, weightDecay, decoupled, lr/bc1,
// sqrt(bc2), 1 - beta1, 1 - beta2]. The differences come from the host, computed in double and then
// rounded, as the C kernels and the composite have them: 1 - float32(0.999) is 1.3e-5 off 0.001,
// which made every step's update ~6e-6 off PyTorch's
const adamSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`
    let b1 = prmf(6u); let b2 = prmf(7u); let eps = prmf(8u); let wd = prmf(9u);
    var pi = p_ld(prm(1u) + i); var gi = g_ld(prm(2u) + i);
    if (wd != 0.0) {
      if (prm(10u) != 0) { pi = pi * prmf(5u); } else { gi = gi + wd * pi; }
    }
    let mi = b1 * m_ld(prm(3u) + i) + prmf(13u) * gi;
    let vi = b2 * v_ld(prm(4u) + i) + prmf(14u) * gi * gi;
    m_st(prm(3u) + i, mi);
    v_st(prm(4u) + i, vi);
    p_st(prm(1u) + i, pi - prmf(11u) * mi / (sqrt(vi) / prmf(12u) + eps));`)}`;


// ---- scaled dot-product attention ----------------------------------------------------------
// One workgroup per row of a head's matrix. Views are 4-D [B1, B2, rows, cols] with a contiguous
// last dim: each is 4 words (offset, stride0, stride1, stride2) from word `b` on.
const VIX = /* wgsl */ `
fn vix(b: u32, b1: i32, b2: i32, r: i32, c: i32) -> i32 { return prm(b) + b1 * prm(b + 1u) + b2 * prm(b + 2u) + r * prm(b + 3u) + c; }`;

/** rows: words [R, B2, rowsPerHead, ...]: row w of the grid is (b1, b2, i). */
const headRows = (body: string) => /* wgsl */ `
@compute @workgroup_size(${RW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nw: vec3<u32>) {
  let R = prm(0u); let B2 = prm(1u); let rows = prm(2u);
  let L = prm(3u); let S = prm(4u); let E = prm(5u); let Ev = prm(6u); let causal = prm(7u) != 0;
  for (var w = i32(wid.x + wid.y * nw.x); w < R; w += i32(nw.x * nw.y)) {
    let r = w % rows; let b2 = (w / rows) % B2; let b1 = w / rows / B2;
    let l = i32(lid);
    ${body}
  }
}`;

// attention words: [R, B2, L, L, S, E, Ev, causal, scale, out@9, p@13, q@17, k@21, v@25]
const attentionSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${VIX}
${headRows(`
    let i = r; let scale = prmf(8u);
    let n = select(S, min(i + 1, S), causal); // the keys row i sees
    var m = -inf_();
    for (var j = l; j < n; j += ${RW}) {
      var d = 0.0;
      for (var e = 0; e < E; e++) { d += q_ld(vix(17u, b1, b2, i, e)) * k_ld(vix(21u, b1, b2, j, e)); }
      p_st(vix(13u, b1, b2, i, j), scale * d);
      m = maxn(m, scale * d);
    }
    m = wmax(lid, m);
    var z = 0.0;
    for (var j = l; j < n; j += ${RW}) { z += exp(p_ld(vix(13u, b1, b2, i, j)) - m); }
    z = wsum(lid, z);
    for (var j = l; j < S; j += ${RW}) {
      var y = 0.0;
      if (j < n) { y = exp(p_ld(vix(13u, b1, b2, i, j)) - m) / z; }
      p_st(vix(13u, b1, b2, i, j), y);
    }
    storageBarrier(); // the row of p, written by every thread, is read by every thread below
    for (var e = l; e < Ev; e += ${RW}) {
      var o = 0.0;
      for (var j = 0; j < n; j++) { o += p_ld(vix(13u, b1, b2, i, j)) * v_ld(vix(25u, b1, b2, j, e)); }
      out_st(vix(9u, b1, b2, i, e), o);
    }
    storageBarrier();`)}`;

// attentionBackward, pass 1 (query rows): ds = scale·p∘(dp − Σ p∘dp), gq = ds·k.
// words: [R, B2, L, L, S, E, Ev, causal, scale, gq@9, g@13, p@17, k@21, v@25, ds@29]
const attentionBackQSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${VIX}
${headRows(`
    let i = r; let scale = prmf(8u);
    let n = select(S, min(i + 1, S), causal);
    var t = 0.0;
    for (var j = l; j < n; j += ${RW}) {
      var d = 0.0;
      for (var e = 0; e < Ev; e++) { d += g_ld(vix(13u, b1, b2, i, e)) * v_ld(vix(25u, b1, b2, j, e)); }
      ds_st(vix(29u, b1, b2, i, j), d);
      t += p_ld(vix(17u, b1, b2, i, j)) * d;
    }
    let dot = wsum(lid, t);
    for (var j = l; j < S; j += ${RW}) {
      var y = 0.0;
      if (j < n) { y = scale * p_ld(vix(17u, b1, b2, i, j)) * (ds_ld(vix(29u, b1, b2, i, j)) - dot); }
      ds_st(vix(29u, b1, b2, i, j), y);
    }
    storageBarrier();
    for (var e = l; e < E; e += ${RW}) {
      var a = 0.0;
      for (var j = 0; j < n; j++) { a += ds_ld(vix(29u, b1, b2, i, j)) * k_ld(vix(21u, b1, b2, j, e)); }
      gq_st(vix(9u, b1, b2, i, e), a);
    }
    storageBarrier();`)}`;

// attentionBackward, pass 2 (key rows j): gk = dsᵀ·q, gv = pᵀ·g over the query rows that see j.
// words: [R, B2, S, L, S, E, Ev, causal, _, gk@9, gv@13, ds@17, p@21, q@25, g@29]
const attentionBackKVSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${VIX}
${headRows(`
    let j = r;
    let i0 = select(0, j, causal); // causal: rows i < j do not see key j
    for (var e = l; e < E; e += ${RW}) {
      var a = 0.0;
      for (var i = i0; i < L; i++) { a += ds_ld(vix(17u, b1, b2, i, j)) * q_ld(vix(25u, b1, b2, i, e)); }
      gk_st(vix(9u, b1, b2, j, e), a);
    }
    for (var e = l; e < Ev; e += ${RW}) {
      var a = 0.0;
      for (var i = i0; i < L; i++) { a += p_ld(vix(21u, b1, b2, i, j)) * g_ld(vix(29u, b1, b2, i, e)); }
      gv_st(vix(13u, b1, b2, j, e), a);
    }`)}`;

// ---- pooling and convolution -----------------------------------------------------------------

// maxPoolIndices words: [n, H, W, OW, nOut, kh, kw, sh, sw, x, idx, vals]; withVals: also stores the maxima
const maxPoolSrc = (withVals: boolean) => (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`
    let H = prm(1u); let W = prm(2u); let OW = prm(3u); let nOut = prm(4u);
    let kh = prm(5u); let kw = prm(6u);
    let o = i % nOut;
    let i0 = (o / OW) * prm(7u); let j0 = (o % OW) * prm(8u);
    let base = prm(9u) + (i / nOut) * H * W;
    // the window in row-major order, PyTorch's scan: the first maximum, or else the last NaN
    var bi = i0 * W + j0;
    var best = x_ld(base + bi);
    for (var a = i0; a < i0 + kh; a++) {
      for (var b = j0; b < j0 + kw; b++) {
        let v = x_ld(base + a * W + b);
        if (v > best || isnan_(v)) { best = v; bi = a * W + b; }
      }
    }
    idx_st(prm(10u) + i, bi);${withVals ? "\n    vals_st(prm(11u) + i, best);" : ""}`)}`;
const maxPoolIdxSrc = maxPoolSrc(false), maxPoolValsSrc = maxPoolSrc(true);

// im2col / col2im words: [n, N, C, H, W, kh, kw, sh, sw, ph, pw, OH, OW, dh, dw, x, cols]
const convDims = /* wgsl */ `
    let N = prm(1u); let C = prm(2u); let H = prm(3u); let W = prm(4u); let kh = prm(5u); let kw = prm(6u);
    let sh = prm(7u); let sw = prm(8u); let ph = prm(9u); let pw = prm(10u); let OH = prm(11u); let OW = prm(12u);
    let dh = prm(13u); let dw = prm(14u);
    let Lc = N * OH * OW;`;

// one thread per column element: row (c, ki, kj), column (b, oh, ow)
const im2colSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`${convDims}
    let row = i / Lc; let col = i % Lc;
    let kj = row % kw; let ki = (row / kw) % kh; let c = row / (kw * kh);
    let ow = col % OW; let oh = (col / OW) % OH; let b = col / (OW * OH);
    let hh = oh * sh + ki * dh - ph; let ww = ow * sw + kj * dw - pw;
    var y = 0.0;
    if (hh >= 0 && hh < H && ww >= 0 && ww < W) { y = x_ld(prm(15u) + ((b * C + c) * H + hh) * W + ww); }
    cols_st(prm(16u) + i, y);`)}`;

// one thread per input element: the sum of the taps that read it, in tap order (ki, kj), so there
// are no concurrent writes (WGSL has no float atomics)
const col2imSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`${convDims}
    let ww = i % W; let hh = (i / W) % H; let c = (i / (W * H)) % C; let b = i / (W * H * C);
    var acc = 0.0;
    for (var ki = 0; ki < kh; ki++) {
      let t = hh + ph - ki * dh;
      if (t < 0 || t % sh != 0 || t / sh >= OH) { continue; }
      for (var kj = 0; kj < kw; kj++) {
        let u = ww + pw - kj * dw;
        if (u < 0 || u % sw != 0 || u / sw >= OW) { continue; }
        acc += cols_ld(prm(16u) + ((c * kh + ki) * kw + kj) * Lc + (b * OH + t / sh) * OW + u / sw);
      }
    }
    x_st(prm(15u) + i, acc);`)}`;

export function installFused(b: Backend<DeviceBuffer>, h: FusedHost): void {
  /** a 4-D attention view's words: offset and the strides of its first three dims */
  const vw = (v: View<DeviceBuffer>) => [h.at(v), v.strides[0], v.strides[1], v.strides[2]];
  /** [N, C, H, W] of the input, the window, the output size OH, OW, and the dilation */
  const convWords = (x: View<DeviceBuffer>, w: ConvWindow) => {
    const [N, C, H, W] = x.shape;
    const OH = Math.floor((H + 2 * w.ph - w.dh * (w.kh - 1) - 1) / w.sh) + 1, OW = Math.floor((W + 2 * w.pw - w.dw * (w.kw - 1) - 1) / w.sw) + 1;
    return [N, C, H, W, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, OH, OW, w.dh, w.dw];
  };
  const rows = (v: View<DeviceBuffer>) => (numel(v) === 0 ? 0 : numel(v) / lastDim(v));
  const fused: Partial<FusedKernels<DeviceBuffer>> = {
    softmax(out, x, log, scale = 1, causal = 0) {
      const R = rows(x), n = lastDim(x);
      if (R === 0) return;
      h.dispatch("softmax", softmaxSrc, [h.kv("x", x), h.kv("out", out, true)], (w, o) => {
        w.set([R, n, causal, log ? 1 : 0, f32bits(scale), h.at(x), h.at(out)], o);
      }, h.grid(R, 1));
    },
    softmaxBackward(gx, g, y, log, scale = 1, causal = 0) {
      const R = rows(y), n = lastDim(y);
      if (R === 0) return;
      h.dispatch("softmaxBackward", softmaxBackSrc, [h.kv("gx", gx, true), h.kv("g", g), h.kv("y", y)], (w, o) => {
        w.set([R, n, causal, log ? 1 : 0, f32bits(scale), h.at(gx), h.at(g), h.at(y)], o);
      }, h.grid(R, 1));
    },
    layerNorm(out, mean, rstd, x, weight, bias, eps) {
      const R = rows(x), n = lastDim(x);
      if (R === 0) return;
      const views = [h.kv("x", x), h.kv("out", out, true), h.kv("mean", mean, true), h.kv("rstd", rstd, true), h.kv("w", weight ?? x), h.kv("b", bias ?? x)];
      h.dispatch("layerNorm", layerNormSrc, views, (w, o) => {
        w.set([R, n, weight ? 1 : 0, bias ? 1 : 0, f32bits(eps), h.at(x), h.at(out), h.at(mean), h.at(rstd), weight ? h.at(weight) : 0, bias ? h.at(bias) : 0], o);
      }, h.grid(R, 1));
    },
    layerNormBackward(gx, gw, gb, g, x, mean, rstd, weight) {
      const R = rows(x), n = lastDim(x);
      if (R === 0) return;
      const stats = [h.kv("g", g), h.kv("x", x), h.kv("mean", mean), h.kv("rstd", rstd)];
      const dm = gw ? h.scratch([R]) : null; // each row's correction of the saved mean, for gw
      h.dispatch("layerNormBackward", layerNormBackSrc, [h.kv("gx", gx, true), ...stats, h.kv("w", weight ?? x), h.kv("dm", dm ?? gx, true)], (w, o) => {
        w.set([R, n, weight ? 1 : 0, dm ? 1 : 0, 0, h.at(gx), h.at(g), h.at(x), h.at(mean), h.at(rstd), weight ? h.at(weight) : 0, dm ? h.at(dm) : 0], o);
      }, h.grid(R, 1));
      if (!gw && !gb) return;
      h.dispatch("layerNormParams", layerNormParamSrc, [h.kv("gw", gw ?? gb!, true), h.kv("gb", gb ?? gw!, true), ...stats, h.kv("dm", dm ?? mean)], (w, o) => {
        w.set([n, R, gw ? 1 : 0, gb ? 1 : 0, 0, gw ? h.at(gw) : 0, gb ? h.at(gb) : 0, h.at(g), h.at(x), h.at(mean), h.at(rstd), dm ? h.at(dm) : 0], o);
      }, h.grid(n, 1));
    },
    gelu(out, x) {
      const n = numel(x);
      h.dispatch("gelu", geluSrc, [h.kv("x", x), h.kv("out", out, true)], (w, o) => w.set([n, h.at(x), h.at(out)], o), h.grid(n));
    },
    geluBackward(gx, g, x) {
      const n = numel(x);
      h.dispatch("geluBackward", geluBackSrc, [h.kv("x", x), h.kv("g", g), h.kv("gx", gx, true)], (w, o) => {
        w.set([n, h.at(x), h.at(g), h.at(gx)], o);
      }, h.grid(n));
    },
    attention(out, p, q, k, v, scale, causal) {
      const [B1, B2, L, E] = q.shape, S = k.shape[2], Ev = v.shape[3];
      const R = B1 * B2 * L;
      if (R === 0) return;
      const views = [h.kv("out", out, true), h.kv("p", p, true), h.kv("q", q), h.kv("k", k), h.kv("v", v)];
      h.dispatch("attention", attentionSrc, views, (w, o) => {
        w.set([R, B2, L, L, S, E, Ev, causal ? 1 : 0, f32bits(scale), ...[out, p, q, k, v].flatMap(vw)], o);
      }, h.grid(R, 1));
    },
    attentionBackward(gq, gk, gv, g, p, q, k, v, scale, causal) {
      const [B1, B2, L, E] = q.shape, S = k.shape[2], Ev = v.shape[3];
      if (B1 * B2 === 0) return;
      const ds = h.scratch([B1, B2, L, S]);
      if (L > 0) {
        const views = [h.kv("gq", gq, true), h.kv("ds", ds, true), h.kv("g", g), h.kv("p", p), h.kv("k", k), h.kv("v", v)];
        h.dispatch("attentionBackQ", attentionBackQSrc, views, (w, o) => {
          w.set([B1 * B2 * L, B2, L, L, S, E, Ev, causal ? 1 : 0, f32bits(scale), ...[gq, g, p, k, v, ds].flatMap(vw)], o);
        }, h.grid(B1 * B2 * L, 1));
      }
      if (S > 0) {
        const views = [h.kv("gk", gk, true), h.kv("gv", gv, true), h.kv("ds", ds), h.kv("p", p), h.kv("q", q), h.kv("g", g)];
        h.dispatch("attentionBackKV", attentionBackKVSrc, views, (w, o) => {
          w.set([B1 * B2 * S, B2, S, L, S, E, Ev, causal ? 1 : 0, 0, ...[gk, gv, ds, p, q, g].flatMap(vw)], o);
        }, h.grid(B1 * B2 * S, 1));
      }
    },
    maxPoolIndices(idx, x, kh, kw, sh, sw, vals) {
      const [P, H, W] = x.shape, OW = Math.floor((W - kw) / sw) + 1, nOut = lastDim(idx), n = P * nOut;
      if (n === 0) return;
      const views = [h.kv("x", x), h.kv("idx", idx, true), ...(vals ? [h.kv("vals", vals, true)] : [])];
      h.dispatch(vals ? "maxPoolValues" : "maxPoolIndices", vals ? maxPoolValsSrc : maxPoolIdxSrc, views, (w, o) => {
        w.set([n, H, W, OW, nOut, kh, kw, sh, sw, h.at(x), h.at(idx), vals ? h.at(vals) : 0], o);
      }, h.grid(n));
    },
    im2col(cols, x, win) {
      const n = numel(cols);
      if (n === 0) return;
      h.dispatch("im2col", im2colSrc, [h.kv("x", x), h.kv("cols", cols, true)], (w, o) => w.set([n, ...convWords(x, win), h.at(x), h.at(cols)], o), h.grid(n));
    },
    col2im(x, cols, win) {
      const n = numel(x);
      if (n === 0 || numel(cols) === 0) return;
      h.dispatch("col2im", col2imSrc, [h.kv("x", x, true), h.kv("cols", cols)], (w, o) => w.set([n, ...convWords(x, win), h.at(x), h.at(cols)], o), h.grid(n));
    },
    adam(p, g, m, v, hp: AdamStep) {
      const n = numel(p);
      const bc1 = 1 - hp.beta1 ** hp.step, bc2s = Math.sqrt(1 - hp.beta2 ** hp.step);
      const views = [h.kv("p", p, true), h.kv("g", g), h.kv("m", m, true), h.kv("v", v, true)];
      h.dispatch("adam", adamSrc, views, (w, o) => {
        w.set([n, h.at(p), h.at(g), h.at(m), h.at(v), ...[1 - hp.lr * hp.weightDecay, hp.beta1, hp.beta2, hp.eps, hp.weightDecay].map(f32bits),
          hp.decoupled ? 1 : 0, ...[hp.lr / bc1, bc2s, 1 - hp.beta1, 1 - hp.beta2].map(f32bits)], o);
      }, h.grid(n));
    },
  };
  b.fused = fused;
}
