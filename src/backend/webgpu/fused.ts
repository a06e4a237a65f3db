// Fused kernels of the webgpu backend: softmax/logSoftmax (scale, causal rows), layerNorm, exact
// GELU and the Adam/AdamW update, each one or two dispatches where the composite takes many.
// The views are contiguous float32 (the FusedKernels contract); row kernels give each row one
// workgroup of RW threads that combine partial sums and maxima in shared memory. The js-fused
// reference in test/fused.test.ts spells out the arithmetic these follow.
import type { AdamStep, Backend, DeviceBuffer, FusedKernels, View } from "../backend.js";
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
    var q = 0.0;
    for (var i = l; i < n; i += ${RW}) { let d = x_ld(xo + i) - mu; q += d * d; }
    let rs = 1.0 / sqrt(wsum(lid, q) / f32(n) + eps);
    if (lid == 0u) { mean_st(prm(7u) + r, mu); rstd_st(prm(8u) + r, rs); }
    for (var i = l; i < n; i += ${RW}) {
      var y = (x_ld(xo + i) - mu) * rs;
      if (hasW) { y = y * w_ld(wo + i); }
      if (hasB) { y = y + b_ld(bo + i); }
      out_st(oo + i, y);
    }`)}`;

// layerNormBackward (gx, one row per workgroup) words: [R, n, hasW, _, _, gx, g, x, mean, rstd, w]
const layerNormBackSrc = (decls: string) => /* wgsl */ `${PRELUDE}
${decls}
${ROWS}
${rowMain(`
    let hasW = prm(2u) != 0;
    let xo = prm(7u) + r * n; let go = prm(6u) + r * n; let gxo = prm(5u) + r * n; let wo = prm(10u);
    let mu = mean_ld(prm(8u) + r); let rs = rstd_ld(prm(9u) + r);
    var s1 = 0.0; var s2 = 0.0;
    for (var i = l; i < n; i += ${RW}) {
      let xh = (x_ld(xo + i) - mu) * rs;
      let dxh = g_ld(go + i) * select(1.0, w_ld(wo + i), hasW);
      s1 += dxh; s2 += dxh * xh;
    }
    s1 = wsum(lid, s1) / f32(n);
    s2 = wsum(lid, s2) / f32(n);
    for (var i = l; i < n; i += ${RW}) {
      let xh = (x_ld(xo + i) - mu) * rs;
      let dxh = g_ld(go + i) * select(1.0, w_ld(wo + i), hasW);
      gx_st(gxo + i, rs * (dxh - s1 - xh * s2));
    }`)}`;

// layerNorm weight/bias gradients (one column per workgroup) words: [n, R, hasGw, hasGb, _, gw, gb, g, x, mean, rstd]
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
      sw += gi * (x_ld(prm(8u) + r * n + c) - mean_ld(prm(9u) + r)) * rstd_ld(prm(10u) + r);
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

// adam words: [n, p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, lr/bc1, sqrt(bc2)]
const adamSrc = (decls: string) => `${PRELUDE}\n${decls}\n${flatMain(`
    let lr = prmf(5u); let b1 = prmf(6u); let b2 = prmf(7u); let eps = prmf(8u); let wd = prmf(9u);
    var pi = p_ld(prm(1u) + i); var gi = g_ld(prm(2u) + i);
    if (wd != 0.0) {
      if (prm(10u) != 0) { pi = pi * (1.0 - lr * wd); } else { gi = gi + wd * pi; }
    }
    let mi = b1 * m_ld(prm(3u) + i) + (1.0 - b1) * gi;
    let vi = b2 * v_ld(prm(4u) + i) + (1.0 - b2) * gi * gi;
    m_st(prm(3u) + i, mi);
    v_st(prm(4u) + i, vi);
    p_st(prm(1u) + i, pi - prmf(11u) * mi / (sqrt(vi) / prmf(12u) + eps));`)}`;

export function installFused(b: Backend<DeviceBuffer>, h: FusedHost): void {
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
      h.dispatch("layerNormBackward", layerNormBackSrc, [h.kv("gx", gx, true), ...stats, h.kv("w", weight ?? x)], (w, o) => {
        w.set([R, n, weight ? 1 : 0, 0, 0, h.at(gx), h.at(g), h.at(x), h.at(mean), h.at(rstd), weight ? h.at(weight) : 0], o);
      }, h.grid(R, 1));
      if (!gw && !gb) return;
      h.dispatch("layerNormParams", layerNormParamSrc, [h.kv("gw", gw ?? gb!, true), h.kv("gb", gb ?? gw!, true), ...stats], (w, o) => {
        w.set([n, R, gw ? 1 : 0, gb ? 1 : 0, 0, gw ? h.at(gw) : 0, gb ? h.at(gb) : 0, h.at(g), h.at(x), h.at(mean), h.at(rstd)], o);
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
    adam(p, g, m, v, hp: AdamStep) {
      const n = numel(p);
      const bc1 = 1 - hp.beta1 ** hp.step, bc2s = Math.sqrt(1 - hp.beta2 ** hp.step);
      const views = [h.kv("p", p, true), h.kv("g", g), h.kv("m", m, true), h.kv("v", v, true)];
      h.dispatch("adam", adamSrc, views, (w, o) => {
        w.set([n, h.at(p), h.at(g), h.at(m), h.at(v), ...[hp.lr, hp.beta1, hp.beta2, hp.eps, hp.weightDecay].map(f32bits),
          hp.decoupled ? 1 : 0, f32bits(hp.lr / bc1), f32bits(bc2s)], o);
      }, h.grid(n));
    },
  };
  b.fused = fused;
}
