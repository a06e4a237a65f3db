// Finite-difference gradient checks in float64 on the js backend: central differences
// (eps 1e-6) against backward(), with a non-uniform upstream gradient, for every
// differentiable op and composite, over broadcasting and non-contiguous inputs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, grad, noGrad } from "../src/node.js";
import { runAll } from "./helpers.js";
import { generator as rng } from "../src/random.js";

const OPTS = { dtype: "float64", device: "js" } as const;
const EPS = 1e-6;
const ATOL = 1e-6;
const RTOL = 1e-5;


function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

type Kind = "normal" | "pos" | "nonzero" | "unit" | "spread";

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function values(r: () => number, n: number, kind: Kind): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    switch (kind) {
      case "normal": // (-2, 2), kept away from 0 so kinks (relu, abs) are never within eps
        out[i] = (u < 0.5 ? -1 : 1) * (0.1 + 1.9 * r());
        break;
      case "pos":
        out[i] = 0.3 + 1.7 * u;
        break;
      case "nonzero":
        out[i] = (u < 0.5 ? -1 : 1) * (0.3 + 1.7 * r());
        break;
      case "unit":
        out[i] = 0.05 + 0.9 * u;
        break;
      case "spread": // distinct values at least 0.05 apart: no ties for max/min/maxPool/maximum
        out[i] = 0;
        break;
    }
  }
  if (kind === "spread") {
    const perm = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const offset = 0.005 + 0.09 * r(); // per tensor, so two tensors share no value either
    for (let i = 0; i < n; i++) out[i] = (perm[i] - n / 2) * 0.1 + offset;
  }
  return out;
}

interface Spec {
  shape: number[];
  kind?: Kind;
}

type Fn = (xs: Tensor[]) => Tensor | Tensor[];

const leafOf = (data: Float64Array, shape: readonly number[], requiresGrad: boolean): Tensor =>
  Tensor.from(data, { ...OPTS, shape, requiresGrad });

function asList(o: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(o) ? o : [o];
}

/** sum_i (outs[i] * gs[i]).sum() */
function weighted(outs: Tensor[], gs: Tensor[]): Tensor {
  let loss = outs[0].mul(gs[0]).sum();
  for (let i = 1; i < outs.length; i++) loss = loss.add(outs[i].mul(gs[i]).sum());
  return loss;
}

/**
 * Compare backward() with central differences of L(x) = sum_i (f(x)_i * g_i).sum(), g fixed and
 * non-uniform. Returns nothing; throws with the input, element, and both values on a mismatch.
 */
function gradcheck(name: string, specs: Spec[], f: Fn, tol: { atol?: number; rtol?: number } = {}): void {
  const r = rng(hash(name));
  const datas = specs.map((s) => values(r, numel(s.shape), s.kind ?? "normal"));
  const leaves = datas.map((d, i) => leafOf(d, specs[i].shape, true));
  const outs = asList(f(leaves));
  for (const o of outs) assert.equal(o.dtype, "float64", `${name}: output dtype ${o.dtype}, expected float64`);
  const gs = outs.map((o) => leafOf(values(r, o.numel, "normal"), o.shape, false));
  weighted(outs, gs).backward();
  const atol = tol.atol ?? ATOL, rtol = tol.rtol ?? RTOL;
  const loss = (): number => noGrad(() => weighted(asList(f(datas.map((d, i) => leafOf(d, specs[i].shape, false)))), gs).item());
  specs.forEach((s, i) => {
    const analytic = leaves[i].grad;
    assert.ok(analytic !== null, `${name}: input ${i} got no gradient`);
    assert.deepEqual([...analytic.shape], s.shape, `${name}: grad of input ${i} has shape [${analytic.shape.join(", ")}]`);
    const an = analytic.toTypedArray();
    const d = datas[i];
    for (let j = 0; j < d.length; j++) {
      const x0 = d[j];
      d[j] = x0 + EPS;
      const lp = loss();
      d[j] = x0 - EPS;
      const lm = loss();
      d[j] = x0;
      const numeric = (lp - lm) / (2 * EPS);
      assert.ok(Math.abs(an[j] - numeric) <= atol + rtol * Math.abs(numeric),
        `${name}: d/d input ${i} [${j}]: backward ${an[j]}, finite differences ${numeric}`);
    }
  });
}

/**
 * Second order: with G(x) = grad(L, x, {createGraph}) and fixed h, check the gradient of
 * M(x) = sum_i (G_i * h_i).sum() against central differences of M computed from first-order grads.
 */
function gradcheck2(name: string, specs: Spec[], f: Fn, tol: { atol?: number; rtol?: number } = {}): void {
  const r = rng(hash(name));
  const datas = specs.map((s) => values(r, numel(s.shape), s.kind ?? "normal"));
  const out0 = asList(noGrad(() => f(datas.map((d, i) => leafOf(d, specs[i].shape, false)))));
  const gs = out0.map((o) => leafOf(values(r, o.numel, "normal"), o.shape, false));
  const hs = specs.map((s) => leafOf(values(r, numel(s.shape), "normal"), s.shape, false));
  const M = (leaves: Tensor[], createGraph: boolean): Tensor => {
    const g1 = grad(weighted(asList(f(leaves)), gs), leaves, { createGraph, allowUnused: true });
    return weighted(g1, hs);
  };
  const leaves = datas.map((d, i) => leafOf(d, specs[i].shape, true));
  const g2 = grad(M(leaves, true), leaves, { allowUnused: true });
  const atol = tol.atol ?? 1e-5, rtol = tol.rtol ?? 1e-4;
  const m = (): number => M(datas.map((d, i) => leafOf(d, specs[i].shape, true)), false).item();
  specs.forEach((s, i) => {
    const an = g2[i].toTypedArray();
    const d = datas[i];
    for (let j = 0; j < d.length; j++) {
      const x0 = d[j];
      d[j] = x0 + EPS;
      const mp = m();
      d[j] = x0 - EPS;
      const mm = m();
      d[j] = x0;
      const numeric = (mp - mm) / (2 * EPS);
      assert.ok(Math.abs(an[j] - numeric) <= atol + rtol * Math.abs(numeric),
        `${name}: second-order d/d input ${i} [${j}]: grad-of-grad ${an[j]}, finite differences ${numeric}`);
    }
  });
}

const idx = (data: number[] | number[][]): Tensor => Tensor.from(data, { dtype: "int32", device: "js" });
const mask01 = (data: number[][]): Tensor => Tensor.from(data, { ...OPTS });

interface Check {
  name: string;
  specs: Spec[];
  f: Fn;
  tol?: { atol?: number; rtol?: number };
}

const S = (shape: number[], kind?: Kind): Spec => ({ shape, kind });

const checks: Record<string, Check[]> = {};
function add(family: string, name: string, specs: Spec[], f: Fn, tol?: Check["tol"]): void {
  (checks[family] ??= []).push({ name, specs, f, tol });
}

// ---- elementwise unary (plain, transposed, sliced, expanded inputs)
const unary: [string, (x: Tensor) => Tensor, Kind][] = [
  ["neg", (x) => x.neg(), "normal"],
  ["exp", (x) => x.exp(), "normal"],
  ["log", (x) => x.log(), "pos"],
  ["sqrt", (x) => x.sqrt(), "pos"],
  ["rsqrt", (x) => x.rsqrt(), "pos"],
  ["abs", (x) => x.abs(), "nonzero"],
  ["sin", (x) => x.sin(), "normal"],
  ["cos", (x) => x.cos(), "normal"],
  ["square", (x) => x.square(), "normal"],
  ["relu", (x) => x.relu(), "nonzero"],
  ["sigmoid", (x) => x.sigmoid(), "normal"],
  ["tanh", (x) => x.tanh(), "normal"],
  ["gelu", (x) => x.gelu(), "normal"],
  ["F.gelu", (x) => F.gelu(x), "normal"],
  ["F.gelu tanh", (x) => F.gelu(x, { approximate: "tanh" }), "normal"],
  ["silu", (x) => x.silu(), "normal"],
  ["leakyRelu", (x) => x.leakyRelu(), "nonzero"],
  ["leakyRelu(0.2)", (x) => x.leakyRelu(0.2), "nonzero"],
  ["clamp(-0.55,0.65)", (x) => x.clamp(-0.55, 0.65), "spread"],
  ["clamp(min)", (x) => x.clamp(-0.25), "spread"],
  ["clamp(max)", (x) => x.clamp(null, 0.35), "spread"],
  ["pow(3)", (x) => x.pow(3), "normal"],
  ["pow(0.5)", (x) => x.pow(0.5), "pos"],
  ["pow(-1.5)", (x) => x.pow(-1.5), "pos"],
  ["F.relu", (x) => F.relu(x), "nonzero"],
  ["F.sigmoid", (x) => F.sigmoid(x), "normal"],
  ["F.tanh", (x) => F.tanh(x), "normal"],
  ["F.silu", (x) => F.silu(x), "normal"],
  ["F.leakyRelu", (x) => F.leakyRelu(x, 0.1), "nonzero"],
];
for (const [name, fn, kind] of unary) {
  add("unary", `${name} [2,3]`, [S([2, 3], kind)], ([x]) => fn(x));
  add("unary", `${name} 0-d`, [S([], kind)], ([x]) => fn(x));
  add("unary", `${name} transposed`, [S([3, 2], kind)], ([x]) => fn(x.transpose(0, 1)));
  add("unary", `${name} sliced`, [S([2, 5], kind)], ([x]) => fn(x.slice([], [1, null, 2])));
  add("unary", `${name} expanded`, [S([1, 3], kind)], ([x]) => fn(x.expand([2, 3])));
}

// ---- elementwise binary over broadcast pairs and non-contiguous operands
const binary: [string, (a: Tensor, b: Tensor) => Tensor, Kind, Kind][] = [
  ["add", (a, b) => a.add(b), "normal", "normal"],
  ["sub", (a, b) => a.sub(b), "normal", "normal"],
  ["mul", (a, b) => a.mul(b), "normal", "normal"],
  ["div", (a, b) => a.div(b), "normal", "nonzero"],
  ["pow", (a, b) => a.pow(b), "pos", "normal"],
  ["maximum", (a, b) => a.maximum(b), "spread", "spread"],
  ["minimum", (a, b) => a.minimum(b), "spread", "spread"],
];
const pairs: [number[], number[]][] = [
  [[2, 3], [2, 3]], [[2, 3], [3]], [[3], [2, 3]], [[2, 1, 4], [3, 1]], [[1], [2, 3]], [[], [2, 3]], [[2, 3], []], [[4, 1], [1, 5]],
];
for (const [name, fn, ka, kb] of binary) {
  for (const [sa, sb] of pairs) {
    add("binary", `${name} [${sa}]&[${sb}]`, [S(sa, ka), S(sb, kb)], ([a, b]) => fn(a, b));
  }
  add("binary", `${name} transposed&sliced`, [S([4, 3], ka), S([3, 9], kb)], ([a, b]) => fn(a.T, b.slice([], [0, null, 2]).slice([], [0, 4])));
  add("binary", `${name} expanded&permuted`, [S([1, 3, 1], ka), S([4, 2, 3], kb)], ([a, b]) => fn(a.expand([2, 3, 4]), b.permute(1, 2, 0)));
  if (name !== "pow") add("binary", `${name} scalar`, [S([2, 3], ka)], ([a]) => fn(a, Tensor.full([], 1.7, OPTS)));
  add("binary", `${name} same tensor twice`, [S([2, 3], name === "div" ? "nonzero" : ka)], ([a]) => fn(a, a));
}
add("binary", "mul number", [S([2, 3])], ([a]) => a.mul(-1.3));
add("binary", "div number", [S([2, 3])], ([a]) => a.div(0.7));
add("binary", "pow number base tensor", [S([2, 3], "pos")], ([a]) => a.pow(2.5));
add("binary", "sub number", [S([2, 3])], ([a]) => a.sub(4));

// ---- selection
add("select", "where", [S([2, 3]), S([3])], ([a, b]) => Tensor.where(mask01([[1, 0, 1], [0, 0, 1]]), a, b));
add("select", "where broadcast cond", [S([2, 1, 4]), S([3, 1])], ([a, b]) => Tensor.where(mask01([[1], [0], [1]]), a, b));
add("select", "where comparison cond", [S([3, 4]), S([3, 4])], ([a, b]) => Tensor.where(a.gt(b), a, b.mul(2)));
add("select", "where transposed", [S([4, 3]), S([3, 4])], ([a, b]) => Tensor.where(mask01([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]]), a.T, b));
add("select", "maskedFill", [S([2, 3])], ([x]) => x.maskedFill(mask01([[1, 0, 0], [0, 1, 0]]), 3.5));
add("select", "maskedFill broadcast", [S([2, 3])], ([x]) => x.maskedFill(mask01([[0, 1, 0]]), -2));
add("select", "tril", [S([3, 4])], ([x]) => x.tril());
add("select", "tril(-1) batched", [S([2, 3, 3])], ([x]) => x.tril(-1));
add("select", "triu(1) transposed", [S([4, 3])], ([x]) => x.T.triu(1));
add("select", "triu", [S([3, 3])], ([x]) => x.triu());

// ---- reductions (all distinct values: no ties)
const reductions: [string, (x: Tensor, dim: number | number[] | undefined, keepdim: boolean) => Tensor][] = [
  ["sum", (x, d, k) => x.sum(d, { keepdim: k })],
  ["mean", (x, d, k) => x.mean(d, { keepdim: k })],
  ["amax", (x, d, k) => x.amax(d, { keepdim: k })],
  ["amin", (x, d, k) => x.amin(d, { keepdim: k })],
  ["logsumexp", (x, d, k) => x.logsumexp(d, { keepdim: k })],
  ["var", (x, d, k) => x.var(d, { keepdim: k })],
  ["std", (x, d, k) => x.std(d, { keepdim: k })],
  ["var(correction=0)", (x, d, k) => x.var(d, { keepdim: k, correction: 0 })],
  ["std(correction=2)", (x, d, k) => x.std(d, { keepdim: k, correction: 2 })],
];
const dimsList: (number | number[] | undefined)[] = [undefined, 0, -1, [0, 2], [2, 1]];
for (const [name, fn] of reductions) {
  for (const dim of dimsList) {
    for (const keepdim of [false, true]) {
      add("reduce", `${name} dim=${JSON.stringify(dim)} keepdim=${keepdim}`, [S([3, 4, 3], "spread")], ([x]) => fn(x, dim, keepdim));
    }
  }
  add("reduce", `${name} transposed`, [S([4, 3], "spread")], ([x]) => fn(x.T, 1, false));
  add("reduce", `${name} sliced`, [S([3, 9], "spread")], ([x]) => fn(x.slice([], [null, null, 2]), 0, false));
}
add("reduce", "sum 0-d", [S([])], ([x]) => x.sum());
add("reduce", "mean expanded", [S([3, 1])], ([x]) => x.expand([3, 4]).mean(0));
add("reduce", "max expanded (ties by construction)", [S([1, 4], "spread")], ([x]) => x.expand([3, 4]).amax(0));

// ---- matmul
const mm: [number[], number[]][] = [
  [[3], [3]], [[3], [3, 4]], [[2, 3], [3]], [[2, 3], [3, 4]], [[2, 2, 3], [3, 4]], [[3], [2, 3, 4]], [[2, 3, 4], [4]],
  [[2, 3], [2, 3, 4]], [[2, 2, 3], [2, 3, 4]], [[2, 1, 3, 4], [3, 4, 2]], [[2, 2, 3, 4], [4]],
];
for (const [sa, sb] of mm) add("matmul", `[${sa}]@[${sb}]`, [S(sa), S(sb)], ([a, b]) => a.matmul(b));
add("matmul", "transposed operands", [S([4, 3]), S([2, 4])], ([a, b]) => a.T.matmul(b.T));
add("matmul", "sliced operand", [S([3, 8]), S([4, 2])], ([a, b]) => a.slice([], [1, null, 2]).matmul(b));
add("matmul", "expanded batch", [S([1, 3, 4]), S([2, 4, 2])], ([a, b]) => a.expand([2, 3, 4]).matmul(b));
add("matmul", "x@x.T", [S([3, 4])], ([a]) => a.matmul(a.T));

// ---- movement
add("movement", "reshape transposed", [S([3, 4])], ([x]) => x.T.reshape([2, 6]));
add("movement", "reshape -1", [S([2, 3, 2])], ([x]) => x.reshape([-1, 4]));
add("movement", "view", [S([2, 6])], ([x]) => x.view([3, 4]));
add("movement", "flatten", [S([2, 3, 2])], ([x]) => x.flatten(1));
add("movement", "squeeze/unsqueeze", [S([1, 3, 1])], ([x]) => x.squeeze().unsqueeze(0).unsqueeze(-1).mul(x.squeeze(0)));
add("movement", "permute", [S([2, 3, 4])], ([x]) => x.permute(2, 0, 1));
add("movement", "transpose", [S([2, 3, 4])], ([x]) => x.transpose(0, 2));
add("movement", "expand", [S([2, 1])], ([x]) => x.expand([3, 2, 4]));
add("movement", "contiguous", [S([3, 4])], ([x]) => x.T.contiguous());
add("movement", "slice", [S([3, 4, 5])], ([x]) => x.slice(1, [1, 3], [null, null, 2]));
add("movement", "slice negative + newaxis", [S([3, 4, 5])], ([x]) => x.slice([-2], null, -1));
add("movement", "overlapping slices", [S([6])], ([x]) => x.slice([0, 4]).mul(x.slice([2, 6])));

// ---- gathering and joining
add("gather", "indexSelect dim 0 repeats", [S([4, 3])], ([x]) => x.indexSelect(0, idx([2, 0, 2])));
add("gather", "indexSelect dim -1", [S([2, 3, 4])], ([x]) => x.indexSelect(-1, idx([3, 1])));
add("gather", "indexSelect transposed", [S([3, 4])], ([x]) => x.T.indexSelect(0, idx([1, 1, 3])));
add("gather", "gather dim 1", [S([3, 4])], ([x]) => x.gather(1, idx([[0, 3], [1, 1], [2, 0]])));
add("gather", "gather dim 0", [S([3, 4])], ([x]) => x.gather(0, idx([[0, 2, 2, 1], [2, 2, 0, 0]])));
add("gather", "gather sliced", [S([3, 8])], ([x]) => x.slice([], [null, null, 2]).gather(1, idx([[0, 3], [1, 1], [2, 0]])));
add("gather", "cat dim 0", [S([2, 3]), S([1, 3])], ([a, b]) => Tensor.cat([a, b], 0));
add("gather", "cat dim -1 noncontig", [S([3, 2]), S([2, 4])], ([a, b]) => Tensor.cat([a.T, b, a.T.mul(2)], -1));
add("gather", "stack", [S([2, 3]), S([2, 3])], ([a, b]) => Tensor.stack([a, b], 1));
add("gather", "split", [S([5, 3])], ([x]) => x.split(2, 0));
add("gather", "chunk", [S([2, 6])], ([x]) => x.chunk(4, -1));
add("gather", "embedding", [S([5, 3])], ([w]) => F.embedding(idx([[0, 4, 2], [4, 4, 1]]), w));

// ---- neural-net composites
for (const dim of [0, -1]) {
  add("nn", `softmax dim=${dim}`, [S([3, 4])], ([x]) => x.softmax(dim));
  add("nn", `logSoftmax dim=${dim}`, [S([3, 4])], ([x]) => x.logSoftmax(dim));
}
add("nn", "softmax transposed", [S([4, 3])], ([x]) => x.T.softmax(-1));
add("nn", "F.softmax", [S([2, 3, 2])], ([x]) => F.softmax(x, 1));
add("nn", "F.logSoftmax", [S([2, 3, 2])], ([x]) => F.logSoftmax(x, 1));
const tgt = idx([1, 0, 4, 2]);
for (const reduction of ["mean", "sum", "none"] as const) {
  add("nn", `crossEntropy ${reduction}`, [S([4, 5])], ([x]) => x.crossEntropy(tgt, { reduction }));
  add("nn", `crossEntropy ignore+smoothing ${reduction}`, [S([4, 5])],
    ([x]) => x.crossEntropy(idx([1, -100, 4, 2]), { reduction, labelSmoothing: 0.15 }));
  add("nn", `crossEntropy N-D ${reduction}`, [S([2, 5, 3])],
    ([x]) => x.crossEntropy(idx([[1, 4, 0], [2, 2, 3]]), { reduction, ignoreIndex: 3 }));
}
add("nn", "F.crossEntropy transposed", [S([5, 4])], ([x]) => F.crossEntropy(x.T, tgt));
add("nn", "nllLoss", [S([4, 5])], ([x]) => x.logSoftmax(-1).nllLoss(tgt));
add("nn", "F.nllLoss", [S([4, 5])], ([x]) => F.nllLoss(x, tgt));
add("nn", "binaryCrossEntropyWithLogits", [S([3, 4]), S([3, 4], "unit")], ([x, t]) => x.binaryCrossEntropyWithLogits(t));
add("nn", "mseLoss", [S([3, 4]), S([3, 4])], ([x, t]) => x.mseLoss(t));
add("nn", "mseLoss transposed", [S([4, 3]), S([3, 4])], ([x, t]) => F.mseLoss(x.T, t));
add("nn", "F.linear", [S([2, 3]), S([4, 3]), S([4])], ([x, w, b]) => F.linear(x, w, b));
add("nn", "F.linear N-D no bias", [S([2, 2, 3]), S([4, 3])], ([x, w]) => F.linear(x, w));
add("nn", "F.linear N-D, strided bias", [S([2, 2, 3]), S([4, 3]), S([8])], ([x, w, b]) => F.linear(x, w, b.slice([0, 8, 2])));
add("nn", "F.layerNorm", [S([2, 3, 4]), S([4]), S([4])], ([x, w, b]) => F.layerNorm(x, [4], w, b));
add("nn", "F.layerNorm 2 dims", [S([2, 3, 4]), S([3, 4]), S([3, 4])], ([x, w, b]) => F.layerNorm(x, [3, 4], w, b, 1e-3));
add("nn", "F.layerNorm no affine", [S([3, 5])], ([x]) => F.layerNorm(x, [5]));
add("nn", "F.rmsNorm", [S([2, 3, 4]), S([4])], ([x, w]) => F.rmsNorm(x, [4], w, 1e-6));
add("nn", "F.rmsNorm no weight", [S([3, 5])], ([x]) => F.rmsNorm(x, [5], null, 1e-5));
add("nn", "F.conv2d", [S([1, 2, 5, 5]), S([3, 2, 3, 3]), S([3])], ([x, w, b]) => F.conv2d(x, w, b));
add("nn", "F.conv2d stride 2 padding 1", [S([2, 1, 5, 4]), S([2, 1, 3, 3])], ([x, w]) => F.conv2d(x, w, null, { stride: 2, padding: 1 }));
add("nn", "F.maxPool2d", [S([1, 2, 4, 4], "spread")], ([x]) => F.maxPool2d(x, 2));
add("nn", "F.maxPool2d overlapping", [S([1, 1, 4, 5], "spread")], ([x]) => F.maxPool2d(x, 2, 1));
add("nn", "F.scaledDotProductAttention", [S([2, 3, 4]), S([2, 5, 4]), S([2, 5, 4])], ([q, k, v]) => F.scaledDotProductAttention(q, k, v));
add("nn", "F.scaledDotProductAttention causal", [S([1, 4, 3]), S([1, 4, 3]), S([1, 4, 2])],
  ([q, k, v]) => F.scaledDotProductAttention(q, k, v, { isCausal: true }));
add("nn", "F.scaledDotProductAttention mask", [S([3, 4]), S([5, 4]), S([5, 4])],
  ([q, k, v]) => F.scaledDotProductAttention(q, k, v, { attnMask: idx([[1, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1]]) }));
// a small composite: a two-layer MLP with a loss, through broadcasting and transposes
add("nn", "mlp", [S([4, 3]), S([5, 3]), S([5]), S([2, 5])],
  ([x, w1, b1, w2]) => x.matmul(w1.T).add(b1).tanh().matmul(w2.T).crossEntropy(idx([1, 0, 1, 1])));

const second: Check[] = [
  { name: "tanh", specs: [S([2, 3])], f: ([x]) => x.tanh() },
  { name: "exp", specs: [S([2, 3])], f: ([x]) => x.exp() },
  { name: "mul broadcast", specs: [S([2, 3]), S([3])], f: ([a, b]) => a.mul(b) },
  { name: "div", specs: [S([2, 3]), S([2, 3], "nonzero")], f: ([a, b]) => a.div(b) },
  { name: "gelu", specs: [S([5])], f: ([x]) => x.gelu() },
  { name: "gelu tanh", specs: [S([5])], f: ([x]) => F.gelu(x, { approximate: "tanh" }) },
  { name: "sigmoid", specs: [S([5])], f: ([x]) => x.sigmoid() },
  { name: "softmax", specs: [S([2, 4])], f: ([x]) => x.softmax(-1) },
  { name: "logSoftmax", specs: [S([2, 4])], f: ([x]) => x.logSoftmax(-1) },
  { name: "matmul", specs: [S([2, 3]), S([3, 4])], f: ([a, b]) => a.matmul(b) },
  { name: "pow(3)", specs: [S([4])], f: ([x]) => x.pow(3) },
  { name: "sqrt/log", specs: [S([4], "pos")], f: ([x]) => x.sqrt().add(x.log()) },
  { name: "layerNorm", specs: [S([2, 4])], f: ([x]) => F.layerNorm(x, [4]) },
  // im2col's backward is col2im and col2im's is im2col: both orders go through the pair
  { name: "conv2d(x², w) stride 2 padding 1", specs: [S([1, 2, 5, 4]), S([2, 2, 3, 3])], f: ([x, w]) => F.conv2d(x.square(), w, null, { stride: 2, padding: 1 }) },
];

describe("gradcheck (float64, js, central differences)", () => {
  for (const [family, list] of Object.entries(checks)) {
    test(`${family} (${list.length} checks)`, () => {
      runAll(list, (c) => c.name, (c) => gradcheck(c.name, c.specs, c.f, c.tol));
    });
  }
  test(`second order via grad(..., {createGraph: true}) (${second.length} checks)`, () => {
    runAll(second, (c) => c.name, (c) => gradcheck2(c.name, c.specs, c.f, c.tol));
  });
  test("gradcheck itself detects a wrong backward rule", () => {
    // a custom op whose backward forgets the upstream gradient: must be caught
    const wrong: Fn = ([x]) => {
      const y = noGrad(() => x.exp());
      return y.track("wrongExp", [x], () => [y]);
    };
    assert.throws(() => gradcheck("wrongExp", [S([2, 3])], wrong), /finite differences/);
  });
});
