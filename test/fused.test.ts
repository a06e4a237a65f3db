// The fused fast paths (src/fused.ts) against their composites: a backend "js-fused" made of the
// js kernels plus plain-TypeScript fused kernels, which also spell out what a C version must do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, grad, manualSeed, nn, optim, registerBackend, F } from "../src/node.js";
import { jsBackend, erf } from "../src/backend/js.js";
import type { AdamStep, Backend, ConvWindow, FusedKernels, View } from "../src/backend/backend.js";

const rowsOf = (v: View) => v.data.length === 0 ? 0 : v.shape.reduce((a, b) => a * b, 1) / v.shape[v.shape.length - 1];
const lastDim = (v: View) => v.shape[v.shape.length - 1];

const fusedJs: FusedKernels = {
  softmax(out, x, log, scale = 1, causal = 0) {
    const n = lastDim(x), R = rowsOf(x);
    for (let r = 0; r < R; r++) {
      const xo = x.offset + r * n, oo = out.offset + r * n;
      const v = causal ? Math.min(n, (r % causal) + 1) : n; // entries kept in this row
      let m = -Infinity;
      for (let i = 0; i < v; i++) m = Math.max(m, scale * x.data[xo + i]);
      let s = 0;
      for (let i = 0; i < v; i++) s += Math.exp(scale * x.data[xo + i] - m);
      for (let i = 0; i < n; i++) {
        const z = scale * x.data[xo + i] - m;
        out.data[oo + i] = i >= v ? (log ? -Infinity : 0) : log ? z - Math.log(s) : Math.exp(z) / s;
      }
    }
  },
  softmaxBackward(gx, g, y, log, scale = 1, causal = 0) {
    const n = lastDim(y), R = rowsOf(y);
    for (let r = 0; r < R; r++) {
      const o = r * n, v = causal ? Math.min(n, (r % causal) + 1) : n;
      let s = 0;
      for (let i = 0; i < v; i++) s += log ? g.data[g.offset + o + i] : g.data[g.offset + o + i] * y.data[y.offset + o + i];
      for (let i = 0; i < n; i++) {
        const gi = g.data[g.offset + o + i], yi = y.data[y.offset + o + i];
        gx.data[gx.offset + o + i] = i >= v ? 0 : scale * (log ? gi - Math.exp(yi) * s : yi * (gi - s));
      }
    }
  },
  layerNorm(out, mean, rstd, x, w, b, eps) {
    const n = lastDim(x), R = rowsOf(x);
    for (let r = 0; r < R; r++) {
      let mu = 0, v = 0;
      for (let i = 0; i < n; i++) mu += x.data[x.offset + r * n + i];
      mu /= n;
      for (let i = 0; i < n; i++) v += (x.data[x.offset + r * n + i] - mu) ** 2;
      const rs = 1 / Math.sqrt(v / n + eps);
      mean.data[mean.offset + r] = mu;
      rstd.data[rstd.offset + r] = rs;
      for (let i = 0; i < n; i++) {
        const xh = (x.data[x.offset + r * n + i] - mu) * rs;
        out.data[out.offset + r * n + i] = xh * (w ? w.data[w.offset + i] : 1) + (b ? b.data[b.offset + i] : 0);
      }
    }
  },
  layerNormBackward(gx, gw, gb, g, x, mean, rstd, w) {
    const n = lastDim(x), R = rowsOf(x);
    if (gw) gw.data.fill(0, gw.offset, gw.offset + n);
    if (gb) gb.data.fill(0, gb.offset, gb.offset + n);
    for (let r = 0; r < R; r++) {
      const mu = mean.data[mean.offset + r], rs = rstd.data[rstd.offset + r];
      // dxhat = g·w; gx = rstd·(dxhat - mean(dxhat) - xhat·mean(dxhat·xhat))
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        const xh = (x.data[x.offset + r * n + i] - mu) * rs, gi = g.data[g.offset + r * n + i];
        const dxh = gi * (w ? w.data[w.offset + i] : 1);
        s1 += dxh;
        s2 += dxh * xh;
        if (gw) gw.data[gw.offset + i] += gi * xh;
        if (gb) gb.data[gb.offset + i] += gi;
      }
      for (let i = 0; i < n; i++) {
        const xh = (x.data[x.offset + r * n + i] - mu) * rs;
        const dxh = g.data[g.offset + r * n + i] * (w ? w.data[w.offset + i] : 1);
        gx.data[gx.offset + r * n + i] = rs * (dxh - s1 / n - xh * s2 / n);
      }
    }
  },
  gelu(out, x) {
    const n = x.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      const v = x.data[x.offset + i];
      out.data[out.offset + i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
    }
  },
  geluBackward(gx, g, x) {
    const n = x.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      const v = x.data[x.offset + i];
      const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2)), pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
      gx.data[gx.offset + i] = g.data[g.offset + i] * (cdf + v * pdf);
    }
  },
  adam(p, g, m, v, h: AdamStep) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const bc1 = 1 - h.beta1 ** h.step, bc2s = Math.sqrt(1 - h.beta2 ** h.step);
    for (let i = 0; i < n; i++) {
      let pi = p.data[p.offset + i], gi = g.data[g.offset + i];
      if (h.weightDecay !== 0) {
        if (h.decoupled) pi *= 1 - h.lr * h.weightDecay;
        else gi += h.weightDecay * pi;
      }
      const mi = (m.data[m.offset + i] = h.beta1 * m.data[m.offset + i] + (1 - h.beta1) * gi);
      const vi = (v.data[v.offset + i] = h.beta2 * v.data[v.offset + i] + (1 - h.beta2) * gi * gi);
      p.data[p.offset + i] = pi - (h.lr / bc1) * mi / (Math.sqrt(vi) / bc2s + h.eps);
    }
  },
  maxPoolIndices(idx, x, kh, kw, sh, sw, vals) {
    const [P, H, W] = x.shape, OW = Math.floor((W - kw) / sw) + 1, n = lastDim(idx);
    for (let p = 0; p < P; p++) {
      for (let o = 0; o < n; o++) {
        const i0 = Math.floor(o / OW) * sh, j0 = (o % OW) * sw;
        // the window's elements in row-major order, PyTorch's scan: the first maximum, or the last NaN
        let bi = i0 * W + j0, best = x.data[x.offset + p * H * W + bi];
        for (let i = i0; i < i0 + kh; i++) {
          for (let j = j0; j < j0 + kw; j++) {
            const v = x.data[x.offset + p * H * W + i * W + j];
            if (v > best || v !== v) { best = v; bi = i * W + j; }
          }
        }
        idx.data[idx.offset + p * n + o] = bi;
        if (vals) vals.data[vals.offset + p * n + o] = best;
      }
    }
  },
  im2col(cols, x, w) {
    taps(x, cols, w, (xi, ci) => { cols.data[ci] = xi < 0 ? 0 : x.data[xi]; });
  },
  col2im(x, cols, w) {
    taps(x, cols, w, (xi, ci) => { if (xi >= 0) x.data[xi] += cols.data[ci]; });
  },
  conv2d(y, x, wt, bias, w) {
    const { cols, R, L, P } = columns(x, w), OC = wt.shape[0];
    for (let n = 0; n < L / P; n++) for (let oc = 0; oc < OC; oc++) for (let p = 0; p < P; p++) {
      let s = 0;
      for (let r = 0; r < R; r++) s += wt.data[wt.offset + oc * R + r] * cols[r * L + n * P + p];
      y.data[y.offset + (n * OC + oc) * P + p] = s + (bias ? bias.data[bias.offset + oc] : 0);
    }
  },
  conv2dBackward(gx, gw, gb, g, x, wt, w) {
    const { cols, R, L, P } = columns(x, w), OC = wt.shape[0], N = L / P;
    const gAt = (n: number, oc: number, p: number) => g.data[g.offset + (n * OC + oc) * P + p];
    if (gx) { // col2im of wᵀ·g
      const gcols = new Float64Array(R * L);
      for (let r = 0; r < R; r++) for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) {
        let s = 0;
        for (let oc = 0; oc < OC; oc++) s += wt.data[wt.offset + oc * R + r] * gAt(n, oc, p);
        gcols[r * L + n * P + p] = s;
      }
      gx.data.fill(0, gx.offset, gx.offset + x.shape.reduce((a, b) => a * b, 1));
      taps(gx, { data: gcols as unknown as Float32Array, shape: [R, L], strides: [L, 1], offset: 0 }, w, (xi, ci) => { if (xi >= 0) gx.data[xi] += gcols[ci]; });
    }
    for (let oc = 0; oc < OC; oc++) {
      if (gw) for (let r = 0; r < R; r++) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) s += gAt(n, oc, p) * cols[r * L + n * P + p];
        gw.data[gw.offset + oc * R + r] = s;
      }
      if (gb) { let s = 0; for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) s += gAt(n, oc, p); gb.data[gb.offset + oc] = s; }
    }
  },
  attention(out, p, q, k, v, scale, causal) {
    heads(q, k, v, (ix, L, S, E, Ev) => {
      const at = (w: View, r: number, c: number) => w.data[ix(w, r, c)];
      for (let i = 0; i < L; i++) {
        const n = causal ? Math.min(i + 1, S) : S; // keys row i may see
        const s = Array.from({ length: n }, (_, j) => { let d = 0; for (let e = 0; e < E; e++) d += at(q, i, e) * at(k, j, e); return scale * d; });
        const m = Math.max(...s), z = s.reduce((a, x) => a + Math.exp(x - m), 0);
        for (let j = 0; j < S; j++) p.data[ix(p, i, j)] = j < n ? Math.exp(s[j] - m) / z : 0;
        for (let e = 0; e < Ev; e++) { let o = 0; for (let j = 0; j < n; j++) o += at(p, i, j) * at(v, j, e); out.data[ix(out, i, e)] = o; }
      }
    });
  },
  attentionBackward(gq, gk, gv, g, p, q, k, v, scale, causal) {
    heads(q, k, v, (ix, L, S, E, Ev) => {
      const at = (w: View, r: number, c: number) => w.data[ix(w, r, c)];
      const ds: number[][] = []; // scale·p∘(dp − Σ p∘dp), 0 where p is masked
      for (let i = 0; i < L; i++) {
        const n = causal ? Math.min(i + 1, S) : S;
        const dp = Array.from({ length: n }, (_, j) => { let d = 0; for (let e = 0; e < Ev; e++) d += at(g, i, e) * at(v, j, e); return d; });
        const dot = dp.reduce((a, x, j) => a + x * at(p, i, j), 0);
        ds.push(Array.from({ length: S }, (_, j) => (j < n ? scale * at(p, i, j) * (dp[j] - dot) : 0)));
      }
      const sum = (n: number, f: (r: number) => number) => { let a = 0; for (let r = 0; r < n; r++) a += f(r); return a; };
      for (let i = 0; i < L; i++) for (let e = 0; e < E; e++) gq.data[ix(gq, i, e)] = sum(S, (j) => ds[i][j] * at(k, j, e));
      for (let j = 0; j < S; j++) {
        for (let e = 0; e < E; e++) gk.data[ix(gk, j, e)] = sum(L, (i) => ds[i][j] * at(q, i, e));
        for (let e = 0; e < Ev; e++) gv.data[ix(gv, j, e)] = sum(L, (i) => at(p, i, j) * at(g, i, e));
      }
    });
  },
};

type Ix = (w: View, row: number, col: number) => number;
/** Runs f once per (b1, b2) head of the 4-D attention views; ix gives the array index of
 *  element (row, col) of that head's matrix in any of them. */
function heads(q: View, k: View, v: View, f: (ix: Ix, L: number, S: number, E: number, Ev: number) => void): void {
  const [B1, B2, L, E] = q.shape, S = k.shape[2], Ev = v.shape[3];
  for (let b1 = 0; b1 < B1; b1++) {
    for (let b2 = 0; b2 < B2; b2++) {
      f((w, r, c) => w.offset + b1 * w.strides[0] + b2 * w.strides[1] + r * w.strides[2] + c * w.strides[3], L, S, E, Ev);
    }
  }
}

/** Every (x index or -1 in the padding, cols index) pair, tap by tap (i, j), as im2col defines them. */
function taps(x: View, cols: View, w: ConvWindow, f: (xi: number, ci: number) => void): void {
  const [N, C, H, W] = x.shape;
  const OH = Math.floor((H + 2 * w.ph - w.dh * (w.kh - 1) - 1) / w.sh) + 1, OW = Math.floor((W + 2 * w.pw - w.dw * (w.kw - 1) - 1) / w.sw) + 1;
  const L = N * OH * OW;
  for (let c = 0; c < C; c++) for (let i = 0; i < w.kh; i++) for (let j = 0; j < w.kw; j++) {
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const hh = oh * w.sh + i * w.dh - w.ph, ww = ow * w.sw + j * w.dw - w.pw;
      const inside = hh >= 0 && hh < H && ww >= 0 && ww < W;
      f(inside ? x.offset + ((n * C + c) * H + hh) * W + ww : -1, cols.offset + ((c * w.kh + i) * w.kw + j) * L + (n * OH + oh) * OW + ow);
    }
  }
}

/** im2col's columns of x as a plain array [R = C·kh·kw, L = N·OH·OW], and P = OH·OW. */
function columns(x: View, w: ConvWindow): { cols: Float64Array; R: number; L: number; P: number } {
  const [N, C, H, W] = x.shape;
  const OH = Math.floor((H + 2 * w.ph - w.dh * (w.kh - 1) - 1) / w.sh) + 1, OW = Math.floor((W + 2 * w.pw - w.dw * (w.kw - 1) - 1) / w.sw) + 1;
  const R = C * w.kh * w.kw, L = N * OH * OW, cols = new Float64Array(R * L);
  taps(x, { data: cols as unknown as Float32Array, shape: [R, L], strides: [L, 1], offset: 0 }, w, (xi, ci) => { cols[ci] = xi < 0 ? 0 : x.data[xi]; });
  return { cols, R, L, P: OH * OW };
}

const fusedBackend: Backend = { ...jsBackend, name: "js-fused", fused: fusedJs };
registerBackend(fusedBackend);
/** Every backend with fused kernels: the JS reference above, and the C kernels (addon, wasm) that loaded. */
const FUSED_DEVICES = availableDevices().filter((d) => d === "js-fused" || d === "cpu" || d === "wasm");

function close(a: Tensor, b: Tensor, what: string, tol = 1e-5): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const x = a.toTypedArray(), y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(x[i] - y[i]) <= tol + tol * 10 * Math.abs(y[i]), `${what}[${i}]: fused ${x[i]} vs composite ${y[i]}`);
  }
}

/** Run fn on both devices from the same data; compare the output, first and second-order gradients. */
function compare(name: string, shapes: number[][], fn: (...xs: Tensor[]) => Tensor, tol = 1e-5): void {
  manualSeed(7);
  const data = shapes.map((s) => Tensor.randn(s, { device: "js" }));
  const g = Tensor.randn(fn(...data).shape, { device: "js" });
  const run = (device: string) => {
    const xs = data.map((d) => d.to(device).detach());
    xs.forEach((x) => (x.requiresGrad = true));
    const out = fn(...xs);
    // first order through the fused backward kernel (no graph is being built)
    const gs = grad(out, xs, { gradOutputs: g.to(device) });
    // second order: with createGraph the fused op differentiates its composite
    const gs2 = grad(fn(...xs), xs, { gradOutputs: g.to(device), createGraph: true });
    const gg = grad(gs2.map((t) => t.square().sum()).reduce((a, b) => a.add(b)), xs, { allowUnused: true });
    return { out, gs, gg, op: out.gradFn?.op };
  };
  const b = run("js");
  for (const device of FUSED_DEVICES) {
    const a = run(device);
    close(a.out, b.out.to(device), `${device} ${name} forward`, tol);
    a.gs.forEach((t, i) => close(t, b.gs[i].to(device), `${device} ${name} grad ${i}`, tol));
    a.gg.forEach((t, i) => close(t, b.gg[i].to(device), `${device} ${name} second-order grad ${i}`, 10 * tol));
  }
}

test("fused softmax / logSoftmax / crossEntropy match their composites (first and second order)", () => {
  compare("softmax", [[4, 7]], (x) => x.softmax(-1));
  compare("logSoftmax 3-D", [[2, 3, 5]], (x) => x.logSoftmax(2));
  compare("softmax transposed input", [[5, 3]], (x) => x.transpose(0, 1).softmax(-1));
  compare("crossEntropy", [[6, 5]], (x) => x.crossEntropy(Tensor.from([0, 4, 2, 1, 3, 0], { dtype: "int32", device: x.device })));
});

test("fused causal attention weights match the isCausal composite (L = S and L < S, first and second order)", () => {
  compare("sdpa causal", [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 6]], (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }));
  compare("sdpa causal L < S, scale 0.3", [[1, 2, 3, 4], [1, 2, 6, 4], [1, 2, 6, 2]], (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.3 }));
  // (batch dims that broadcast keep the fused attention kernel out: the composite runs, with the
  // fused causal softmax)
  compare("sdpa causal, broadcast batch", [[2, 3, 5, 4], [1, 3, 5, 4], [2, 1, 5, 6]], (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }));
  for (const device of FUSED_DEVICES) {
    const q = Tensor.randn([2, 4, 3], { device, requiresGrad: true }), k = Tensor.randn([1, 4, 3], { device });
    const ops = new Set<string>();
    const walk = (t: Tensor): void => { if (t.gradFn) { ops.add(t.gradFn.op); t.gradFn.parents.forEach(walk); } };
    walk(F.scaledDotProductAttention(q, k, k, { isCausal: true }));
    assert.ok(ops.has("causalSoftmax"), [...ops].join(", "));
  }
});

test("fused attention matches the composite: causal or not, L != S, odd sizes, strided heads (first and second order)", () => {
  const sdpa = (opts: F.AttentionOptions) => (q: Tensor, k: Tensor, v: Tensor) => F.scaledDotProductAttention(q, k, v, opts);
  compare("attention causal", [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 6]], sdpa({ isCausal: true }));
  compare("attention full", [[2, 3, 5, 4], [2, 3, 7, 4], [2, 3, 7, 6]], sdpa({}));
  compare("attention causal L < S, scale 0.3", [[1, 2, 3, 4], [1, 2, 6, 4], [1, 2, 6, 2]], sdpa({ isCausal: true, scale: 0.3 }));
  compare("attention causal L > S", [[1, 2, 9, 3], [1, 2, 4, 3], [1, 2, 4, 5]], sdpa({ isCausal: true }));
  // sizes past one 6-row block and one 16-column tile, not multiples of either
  compare("attention 3-D, 23 positions, dims 17 and 19", [[2, 23, 17], [2, 23, 17], [2, 23, 19]], sdpa({ isCausal: true }));
  compare("attention 2-D", [[13, 3], [13, 3], [13, 2]], sdpa({}));
  // rows of P (saved for the backward) of 48 and 40 floats, in pool blocks: whole 64-byte lines
  // streamed out, each causal row's zeros past its kept keys included, and rows that are not aligned
  compare("attention causal, 48 keys", [[2, 2, 48, 8], [2, 2, 48, 8], [2, 2, 48, 8]], sdpa({ isCausal: true }));
  compare("attention full, 40 keys", [[1, 3, 40, 4], [1, 3, 40, 4], [1, 3, 40, 4]], sdpa({}));
  compare("attention causal L > S, 40 keys", [[1, 2, 45, 4], [1, 2, 40, 4], [1, 2, 40, 4]], sdpa({ isCausal: true }));
  // the heads of one qkv projection, as multi-head code makes them: strided views, no copies
  compare("attention on split heads", [[2, 7, 3 * 8]], (qkv) => {
    const [q, k, v] = qkv.split(8, 2).map((t) => t.reshape(2, 7, 2, 4).transpose(1, 2));
    return sdpa({ isCausal: true })(q, k, v);
  });
  // head sizes of whole 16-column tiles: the C kernel stores them straight into the strided outputs
  compare("attention on split heads of 32 and 16", [[2, 13, 2 * (32 + 32 + 16)]], (qkv) => {
    const [q, k, v] = qkv.split([64, 64, 32], 2).map((t) => t.reshape(2, 13, 2, -1).transpose(1, 2));
    return sdpa({ isCausal: true })(q, k, v);
  });
  compare("attention, transposed last dims", [[2, 4, 5], [2, 4, 5], [2, 4, 5]], (q, k, v) => sdpa({})(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)));
  for (const device of FUSED_DEVICES) {
    const q = Tensor.randn([1, 2, 4, 3], { device, requiresGrad: true });
    assert.equal(F.scaledDotProductAttention(q, q, q, { isCausal: true }).gradFn?.op, "causalAttention");
    assert.equal(F.scaledDotProductAttention(q, q, q).gradFn?.op, "attention");
    // a mask, dropout or broadcast batch dims take the composite
    const mask = Tensor.ones([4, 4], { dtype: "int32", device }).tril();
    assert.notEqual(F.scaledDotProductAttention(q, q, q, { attnMask: mask }).gradFn?.op, "attention");
    assert.notEqual(F.scaledDotProductAttention(q, q, q, { dropoutP: 0.5 }).gradFn?.op, "attention");
    const k1 = Tensor.randn([1, 1, 4, 3], { device });
    assert.notEqual(F.scaledDotProductAttention(q, k1, k1).gradFn?.op, "attention");
  }
});

test("fused layerNorm and gelu match their composites (first and second order)", () => {
  compare("layerNorm affine", [[3, 4, 8], [8], [8]], (x, w, b) => F.layerNorm(x, [8], w, b));
  compare("layerNorm plain", [[5, 6]], (x) => F.layerNorm(x, 6));
  compare("gelu", [[3, 9]], (x) => x.gelu());
});

test("fused maxPool2d matches its composite: ties, NaN, stride, padding, non-contiguous input, gradients", () => {
  manualSeed(3);
  // small integers: many ties inside windows (the first maximum takes the gradient)
  const base = Tensor.randint(0, 3, [2, 3, 9, 8], { dtype: "float32", device: "js" });
  const nan = base.toTypedArray();
  for (const i of [5, 40, 41]) nan[i] = NaN;
  const withNaN = Tensor.from(nan, { shape: base.shape, device: "js" });
  const cases: [string, Tensor, (x: Tensor) => Tensor][] = [
    ["2x2", base, (x) => F.maxPool2d(x, 2)],
    ["3x2 stride 2x1", base, (x) => F.maxPool2d(x, [3, 2], [2, 1])],
    ["3x3 stride 2 padding 1", base, (x) => F.maxPool2d(x, 3, 2, 1)],
    ["NaN windows", withNaN, (x) => F.maxPool2d(x, 2)],
    ["transposed input", base, (x) => F.maxPool2d(x.transpose(2, 3), 2)],
    ["unbatched", base, (x) => F.maxPool2d(x.slice(1), [2, 3])],
    // 17 windows per row: two full groups of 8 and a short one in the vectorised 2x2 path
    ["2x2 wide rows", Tensor.randint(0, 3, [2, 2, 5, 35], { dtype: "float32", device: "js" }), (x) => F.maxPool2d(x, 2)],
  ];
  for (const [name, data, fn] of cases) {
    const run = (device: string) => {
      const x = data.to(device).detach();
      x.requiresGrad = true;
      const out = fn(x);
      const g = Tensor.arange(out.numel).to(device).reshape(out.shape).mul(0.25).sub(1);
      out.mul(g).sum().backward();
      return { out, gx: x.grad! };
    };
    const ref = run("js");
    for (const device of FUSED_DEVICES) {
      const r = run(device);
      assert.deepEqual(Array.from(r.out.toTypedArray()), Array.from(ref.out.toTypedArray()), `${device} ${name} forward`);
      assert.deepEqual(Array.from(r.gx.toTypedArray()), Array.from(ref.gx.toTypedArray()), `${device} ${name} gradient`);
    }
  }
});

test("fused im2col / col2im: conv2d matches its composite (strides, padding, non-contiguous input, second order)", () => {
  compare("conv2d 3x3 padding 1", [[2, 3, 6, 5], [4, 3, 3, 3], [4]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }));
  compare("conv2d 2x3 stride 2x1 padding 1x2", [[2, 2, 7, 5], [3, 2, 2, 3]], (x, w) => F.conv2d(x, w, null, { stride: [2, 1], padding: [1, 2] }));
  compare("conv2d stride 3 padding 2, transposed input", [[1, 2, 8, 9], [2, 2, 3, 3]], (x, w) => F.conv2d(x.transpose(2, 3), w, null, { stride: 3, padding: 2 }));
  compare("conv2d of x² (second order through col2im)", [[1, 2, 5, 4], [2, 2, 3, 3]], (x, w) => F.conv2d(x.square(), w, null, { stride: 2, padding: 1 }));
  compare("conv2d dilation 2x3, groups 2, padding 2x1", [[2, 4, 7, 8], [6, 2, 3, 2], [6]], (x, w, b) => F.conv2d(x, w, b, { dilation: [2, 3], groups: 2, padding: [2, 1] }));
  compare("convTranspose2d stride 2 dilation 2 groups 2 (col2im forward)", [[1, 4, 4, 3], [4, 2, 3, 2]], (x, w) => F.convTranspose2d(x, w, null, { stride: 2, dilation: 2, groups: 2, padding: 1, outputPadding: 1 }));
});

test("the fused path is the one taken on a backend that has it", () => {
  for (const device of FUSED_DEVICES) {
  const x = Tensor.randn([2, 3], { device, requiresGrad: true });
  assert.equal(x.softmax(-1).gradFn?.op, "softmax");
  assert.equal(F.layerNorm(x, 3).gradFn?.op, "layerNorm");
  assert.equal(x.gelu().gradFn?.op, "gelu");
  // maxPool2d: the kernel gives the maxima and their indices (the composite ends in a max over windows)
  const pooled = F.maxPool2d(Tensor.randn([1, 1, 4, 4], { device, requiresGrad: true }), 2);
  assert.equal(pooled.gradFn?.op, "reshape");
  assert.equal(pooled.gradFn?.parents[0]?.gradFn?.op, "maxPool2d");
  // softmax over a dim that is not last takes the composite
  assert.notEqual(x.softmax(0).gradFn?.op, "softmax");
  }
});

test("fused Adam and AdamW steps match the composite update over several steps", () => {
  for (const [Opt, opts] of [[optim.Adam, { lr: 0.01, weightDecay: 0.1 }], [optim.AdamW, { lr: 0.01 }]] as const) {
    const results: Tensor[][] = [];
    const devices = ["js", ...FUSED_DEVICES];
    for (const device of devices) {
      manualSeed(3);
      const model = new nn.Linear(5, 3);
      model.to(device);
      const opt = new Opt(model.parameters(), opts);
      const x = Tensor.randn([8, 5], { device });
      for (let i = 0; i < 4; i++) {
        opt.zeroGrad();
        model.forward(x).square().mean().backward();
        opt.step();
      }
      results.push(model.parameters());
    }
    for (let d = 1; d < devices.length; d++) {
      results[d].forEach((p, i) => close(p, results[0][i].to(devices[d]), `${devices[d]} ${Opt.name} param ${i}`, 1e-6));
    }
  }
});

test("fused conv2d, stride 1, as an implicit product (conv.c's s1_*): padding, windows, blocks of channels, tiles across rows", () => {
  // no padding; a 2x3 window with padding on one axis; 7 and 13 output channels and 9 (blocks of
  // S_MR = 8, 6 or 2 with some left over); the forward here, and every input gradient below, as a
  // convolution of the padded image with offsets per (channel, tap)
  compare("conv2d 3→7 3x3 valid", [[2, 3, 9, 8], [7, 3, 3, 3], [7]], (x, w, b) => F.conv2d(x, w, b), 1e-4);
  compare("conv2d 4→13 2x3 padding 1x0", [[3, 4, 7, 11], [13, 4, 2, 3], [13]], (x, w, b) => F.conv2d(x, w, b, { padding: [1, 0] }), 1e-4);
  // padding kh - 1 (the input gradient pads g by nothing), and past it (the forward pads x by 3;
  // the input gradient, whose g would need cropping, takes the GEMM and col2im)
  compare("conv2d 3x3 padding 2", [[2, 2, 6, 5], [5, 2, 3, 3]], (x, w) => F.conv2d(x, w, null, { padding: 2 }), 1e-4);
  compare("conv2d 3x3 padding 3", [[2, 2, 5, 6], [3, 2, 3, 3], [3]], (x, w, b) => F.conv2d(x, w, b, { padding: 3 }), 1e-4);
  // rows wider than a tile (48 flat positions on AVX-512, 16 elsewhere): tiles end inside rows
  compare("conv2d 2→9 3x3 padding 1 on 5x61", [[2, 2, 5, 61], [9, 2, 3, 3], [9]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  // one output position; a 1-D convolution (one row)
  compare("conv2d 2→4 5x3 valid on 5x3", [[3, 2, 5, 3], [4, 2, 5, 3], [4]], (x, w, b) => F.conv2d(x, w, b), 1e-4);
  compare("conv1d 6→5 kernel 5 padding 2", [[2, 6, 30], [5, 6, 5], [5]], (x, w, b) => F.conv1d(x, w, b, { padding: 2 }), 1e-4);
  // a padded image past S_MAX_IMAGE (64·32·33 floats): the forward takes the GEMM
  compare("conv2d 1x1 64→5 on 32x33", [[1, 64, 32, 33], [5, 64, 1, 1], [5]], (x, w, b) => F.conv2d(x, w, b), 1e-4);
  // more than S_MAX_OC = 64 output channels: the forward and the input gradient take the GEMM
  compare("conv2d 3→72 3x3 padding 1", [[2, 3, 6, 7], [72, 3, 3, 3], [72]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
});

test("fused conv2d matches its composite: bias or none, strides, dilation, 1-D, batches split over threads, gradients wanted or not", () => {
  compare("conv2d 3x3 padding 1, 8 images (split over the threads)", [[8, 4, 9, 10], [16, 4, 3, 3], [16]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  compare("conv2d 1 channel, 5x5 valid, stride 2", [[3, 1, 12, 11], [5, 1, 5, 5], [5]], (x, w, b) => F.conv2d(x, w, b, { stride: 2 }));
  compare("conv2d dilation 2, padding 'same'", [[2, 3, 8, 7], [4, 3, 3, 2]], (x, w) => F.conv2d(x, w, null, { padding: "same", dilation: 2 }));
  compare("conv2d 1x1", [[2, 5, 4, 3], [7, 5, 1, 1], [7]], (x, w, b) => F.conv2d(x, w, b));
  compare("conv1d stride 2 padding 1", [[3, 4, 13], [6, 4, 3], [6]], (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }));
  // at most 16 rows of columns (C·kh·kw): the written-out products of conv.c (conv_few_*). 20
  // output channels: two blocks of 8 and 4 left over; 9·11 = 99 columns: 6 blocks of 16 and 3 left
  // over; then the MNIST CNN's first layer (1→16 on 28x28)
  compare("conv2d 1 channel 3x3 padding 1, 20 out, 9x11", [[4, 1, 9, 11], [20, 1, 3, 3], [20]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  compare("conv2d 2 channels 2x2 (8 rows), no bias", [[3, 2, 7, 9], [9, 2, 2, 2]], (x, w) => F.conv2d(x, w, null), 1e-4);
  compare("conv2d 1→16 3x3 on 28x28", [[4, 1, 28, 28], [16, 1, 3, 3], [16]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  // 576 rows: a long K for the stride-1 implicit product, and 40 output channels: more than one
  // 32-wide panel of the weight gradient's GEMM. Stride 2 over 1,152 rows: the forward's GEMM
  // (yᵀ = colsᵀ·wᵀ) carries its sums across K slices (KC 1024 on AVX-512, 256 elsewhere)
  compare("conv2d 64→40 3x3 on 8x8", [[3, 64, 8, 8], [40, 64, 3, 3], [40]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  compare("conv2d 128→20 3x3 stride 2 (K past one GEMM slice)", [[2, 128, 9, 9], [20, 128, 3, 3], [20]], (x, w, b) => F.conv2d(x, w, b, { stride: 2 }), 1e-4);
  // the MNIST CNN's second layer: 32 images, 144 rows of 196 columns each (the weight gradient
  // sums 6,272 products in float32: a looser tolerance)
  compare("conv2d 16→32 3x3 on 14x14", [[32, 16, 14, 14], [32, 16, 3, 3], [32]], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), 1e-4);
  for (const device of FUSED_DEVICES) {
    manualSeed(2);
    const w = Tensor.randn([4, 3, 3, 3], { device, requiresGrad: true }), b = Tensor.randn([4], { device, requiresGrad: true });
    const x = Tensor.randn([2, 3, 6, 6], { device });
    assert.equal(F.conv2d(x, w, b).gradFn?.op, "conv2d", device);
    // an image whose columns pass CONV_COLS_MAX (3·9 rows × 100² positions) takes the composite
    assert.notEqual(F.conv2d(Tensor.randn([1, 3, 102, 102], { device }), w, b).gradFn?.op, "conv2d", device);
    // gradients of some inputs only: the weight's alone (the input needs none), the input's alone
    const ref = (t: Tensor) => t.to("js");
    const y = F.conv2d(x, w, b, { padding: 1 });
    const g = Tensor.randn(y.shape, { device });
    const [gw, gb] = grad(y, [w, b], { gradOutputs: g });
    const xr = ref(x).detach(), wr = ref(w).detach(), br = ref(b).detach();
    wr.requiresGrad = true; br.requiresGrad = true;
    const [gw2, gb2] = grad(F.conv2d(xr, wr, br, { padding: 1 }), [wr, br], { gradOutputs: ref(g) });
    close(gw, gw2.to(device), `${device} weight gradient alone`);
    close(gb, gb2.to(device), `${device} bias gradient alone`);
    const xg = x.detach();
    xg.requiresGrad = true;
    const [gx] = grad(F.conv2d(xg, w.detach(), null, { padding: 1 }), [xg], { gradOutputs: g });
    const xr2 = ref(x).detach();
    xr2.requiresGrad = true;
    const [gx2] = grad(F.conv2d(xr2, wr.detach(), null, { padding: 1 }), [xr2], { gradOutputs: ref(g) });
    close(gx, gx2.to(device), `${device} input gradient alone`);
  }
});
