// The tensor ops of src/tensor_ops.ts: PyTorch fixtures (test/fixtures/tensor_ops.json, from
// scripts/make_fixtures_tensor_ops.py) on every device (webgpu through the async reads), float64
// gradchecks, dlgrad's own rules (the last duplicate wins in scatter; in-place updates), errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  F, Tensor, availableDevices, bucketize, cartesianProd, cdist, columnStack, dstack, einsum, hstack, manualSeed, maskedSelectAsync, meshgrid,
  bincountAsync, noGrad, nonzero, nonzeroAsync, searchsorted, stdMean, tensor, trilIndices, triuIndices, uniqueAsync, varMean, vstack,
} from "../src/node.js";
import { assertTensorClose, assertTensorCloseAsync, runAll, runAllAsync } from "./helpers.js";
import { type CrossCase, LOOSE, crossRun } from "./op_cases.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const dispatch: Dispatch = (op, by, a) => {
  const x = by.x;
  switch (op) {
    case "flip": return [x.flip(a.dims)];
    case "roll": return [a.dims === null ? x.roll(a.shifts) : x.roll(a.shifts, a.dims)];
    case "repeat": return [x.repeat(...a.sizes)];
    case "tile": return [x.tile(a.reps)];
    case "repeatInterleave": return [a.dim === undefined ? x.repeatInterleave(a.repeats) : x.repeatInterleave(by.repeats ?? a.repeats, { dim: a.dim })];
    case "unbind": return x.unbind(a.dim);
    case "unflatten": return [x.unflatten(a.dim, a.sizes)];
    case "norm": return [x.norm(a.p === undefined ? 2 : a.p, { dim: a.dim ?? undefined, keepdim: a.keepdim })];
    case "F.normalize": return [F.normalize(x, { p: a.p, dim: a.dim, eps: a.eps })];
    case "outer": return [by.a.outer(by.b)];
    case "bmm": return [by.a.bmm(by.b)];
    case "addmm": return [by.input.addmm(by.a, by.b, { beta: a.beta, alpha: a.alpha })];
    case "lerp": return [by.a.lerp(by.b, by.w ?? a.weight)];
    case "addcmul": return [x.addcmul(by.a, by.b, { value: a.value })];
    case "diag": return [x.diag(a.diagonal)];
    case "diagonal": return [x.diagonal(a.offset, a.dim1, a.dim2)];
    case "trace": return [x.trace()];
    case "cdist": return [cdist(by.x1, by.x2, { p: a.p })];
    case "einsum": return [einsum(a.equation, ...Object.keys(by).sort().map((k) => by[k]))];
    case "scatter": return [x.scatter(a.dim, by.index, by.src ?? a.value)];
    case "scatterAdd": return [x.scatterAdd(a.dim, by.index, by.src)];
    case "indexAdd": return [x.indexAdd(a.dim, by.index, by.src, { alpha: a.alpha })];
    case "indexFill": return [x.indexFill(a.dim, by.index, a.value)];
    case "indexPut": return [x.indexPut([by.i0, by.i1].filter(Boolean), by.v, { accumulate: a.accumulate })];
    case "maskedSelect": return [x.maskedSelect(by.mask)];
    case "nonzero": return [x.nonzero({ asTuple: a.asTuple })].flat();
    case "maskedFill": return [x.maskedFill(by.mask, by.v ?? a.value)];
    case "Tensor.where": return [x.where(by.cond, by.other)];
    case "median": case "nanmedian": {
      if (a.dim === undefined) return [x[op as "median"]()];
      const r = x[op as "median"](a.dim, { keepdim: a.keepdim });
      return [r.values, r.indices];
    }
    case "kthvalue": { const r = x.kthvalue(a.k, a.dim, { keepdim: a.keepdim }); return [r.values, r.indices]; }
    case "quantile": case "nanquantile": return [x[op as "quantile"](a.q, a.dim ?? undefined, { keepdim: a.keepdim, interpolation: a.interpolation })];
    case "nansum": return [x.nansum(a.dim)];
    case "nanmean": return [x.nanmean(a.dim)];
    case "countNonzero": return [x.countNonzero(a.dim)];
    case "dot": return [by.a.dot(by.b)];
    case "mv": return [by.a.mv(by.b)];
    case "cross": return [by.a.cross(by.b, a.dim)];
    case "diff": return [x.diff(a.n, a.dim, { prepend: by.pre, append: by.app })];
    case "rot90": return [x.rot90(a.k, a.dims)];
    case "logaddexp": return [by.a.logaddexp(by.b)];
    case "xlogy": return [by.a.xlogy(by.b)];
    case "frac": return [x.frac()];
    case "logit": return [x.logit(a.eps)];
    case "isclose": return [by.a.isclose(by.b, { rtol: a.rtol, atol: a.atol, equalNan: a.equalNan })];
    case "meshgrid": return meshgrid([by.a, by.b, by.c].filter(Boolean), { indexing: a.indexing });
    case "searchsorted": return [searchsorted(by.s, by.v, { right: a.right })];
    case "bucketize": return [bucketize(x, by.b, { right: a.right })];
    case "histc": return [x.histc({ bins: a.bins, min: a.min, max: a.max })];
    case "unique": { const r = x.unique({ returnInverse: true, returnCounts: true }); return [r.values, r.inverse!, r.counts!]; }
    case "bincount": return [x.bincount({ weights: by.w, minlength: a.minlength })];
    case "tensorSplit": return x.tensorSplit(a.s, a.dim);
    case "hstack": return [hstack([by.a, by.b])];
    case "vstack": return [vstack([by.a, by.b])];
    case "dstack": return [dstack([by.a, by.b])];
    case "columnStack": return [columnStack([by.a, by.b])];
    case "takeAlongDim": return [x.takeAlongDim(by.i, a.dim ?? undefined)];
    case "cartesianProd": return [cartesianProd(by.a, by.b, by.c)];
    case "aminmax": { const r = x.aminmax({ dim: a.dim, keepdim: a.keepdim }); return [r.min, r.max]; }
    case "varMean": return varMean(x, a.dim, { correction: a.correction });
    case "stdMean": return stdMean(x, a.dim ?? undefined, { correction: a.correction });
    default: throw new Error(`tensor_ops.test: no dispatch for ${op}`);
  }
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const { cases } = loadBreadth("tensor_ops.json");
const hostDevices = availableDevices(); // before initDevice adds webgpu, whose reads are async

for (const device of hostDevices) {
  test(`tensor_ops.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}

// ---- webgpu: the same fixtures through the async reads (the shape-dependent ops through their async forms)

const gpuSkip = await startWebgpu();

/** The webgpu dispatch: the ops whose output shape depends on values go through their async forms. */
async function dispatchGpu(op: string, by: Record<string, Tensor>, args: Record<string, any>, device: string): Promise<Tensor[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (op === "maskedSelect") return [await maskedSelectAsync(by.x, by.mask)];
  if (op === "nonzero") return [await nonzeroAsync(by.x, { asTuple: args.asTuple })].flat();
  if (op === "repeatInterleave" && by.repeats) return [by.x.repeatInterleave(Array.from(await by.repeats.toTypedArrayAsync()), { dim: args.dim })];
  if (op === "unique") { const r = await uniqueAsync(by.x, { returnInverse: true, returnCounts: true }); return [r.values, r.inverse!, r.counts!]; }
  if (op === "bincount") return [await bincountAsync(by.x, { weights: by.w, minlength: args.minlength })];
  return dispatch(op, by, args, device);
}

test(`tensor_ops.json against PyTorch on webgpu (${cases.length} cases)`, { skip: gpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatchGpu));
});

test("webgpu: scatter with duplicates, indexPut and a sync nonzero that names the async form", { skip: gpuSkip }, async () => {
  const idx = tensor([[0, 1, 0, 1], [1, 1, 0, 0]], { dtype: "int32", device: "webgpu" });
  const src = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { device: "webgpu" });
  assert.deepEqual(await Tensor.zeros([2, 4], { device: "webgpu" }).scatter(0, idx, src).toArrayAsync(), [[1, 0, 7, 8], [5, 6, 0, 4]]);
  const dup = Tensor.zeros([3], { device: "webgpu" }).scatter(0, tensor([2, 0, 2, 2, 0], { dtype: "int32", device: "webgpu" }), tensor([1, 2, 3, 4, 5], { device: "webgpu" }));
  assert.deepEqual(await dup.toArrayAsync(), [5, 0, 4]);
  assert.throws(() => nonzero(Tensor.ones([2], { device: "webgpu" })), /nonzero: .*await nonzeroAsync\(input\)/);
  const bad = Tensor.zeros([3], { device: "webgpu" }).scatterAdd(0, tensor([0, 3], { dtype: "int32", device: "webgpu" }), tensor([1, 2], { device: "webgpu" }));
  await assert.rejects(bad.toArrayAsync(), /index 3 is out of range/);
  const i = (v: number[][] | number[]) => tensor(v, { dtype: "int32", device: "webgpu" });
  await assert.rejects(Tensor.zeros([2, 3], { device: "webgpu" }).scatter(1, i([[3]]), 1).toArrayAsync(), /index 3 is out of range/);
  await assert.rejects(Tensor.zeros([2, 3], { device: "webgpu" }).indexPut([i([-3])], 1).toArrayAsync(), /out of range/);
  await assert.rejects(Tensor.zeros([2, 3], { device: "webgpu" }).indexFill(1, i([5]), 1).toArrayAsync(), /out of range/);
  await assert.rejects(Tensor.zeros([2, 3], { device: "webgpu" }).indexAdd(1, i([3]), Tensor.ones([2, 1], { device: "webgpu" })).toArrayAsync(), /out of range/);
  assert.deepEqual(await Tensor.zeros([3], { device: "webgpu" }).indexPut([i([-1])], 2).toArrayAsync(), [0, 0, 2]);
  const w = Tensor.ones([3], { device: "webgpu", requiresGrad: true });
  noGrad(() => w.add_(tensor([1, 2, 3], { device: "webgpu" }), { alpha: 2 }).mul_(0.5));
  assert.deepEqual(await w.toArrayAsync(), [1.5, 2.5, 3.5]);
  noGrad(() => w.slice([1]).fill_(0));
  assert.deepEqual(await w.toArrayAsync(), [1.5, 0, 0]);
});

test("int32 scatter, scatterAdd and indexPut agree on every device", { skip: false }, async () => {
  for (const device of [...hostDevices, ...(gpuSkip ? [] : ["webgpu"])]) {
    const i32 = (v: number[] | number[][]) => tensor(v, { dtype: "int32", device });
    const x = Tensor.zeros([2, 3], { device, dtype: "int32" }), i = i32([[0, 0, 2], [1, 1, 1]]), s = i32([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(await x.scatter(1, i, s).toArrayAsync(), [[2, 0, 3], [0, 6, 0]], device);
    assert.deepEqual(await x.scatterAdd(1, i, s).toArrayAsync(), [[3, 0, 3], [0, 15, 0]], device);
    assert.deepEqual(await x.indexPut([i32([1, 1])], i32([7, 8, 9]), { accumulate: true }).toArrayAsync(), [[0, 0, 0], [14, 16, 18]], device);
  }
});

// ---- larger, ragged inputs: every device against js, values and gradients

const ix = (dev: string, n: number, size: number, mul: number, shape?: number[]) =>
  Tensor.from(Int32Array.from({ length: n }, (_, i) => (i * mul + (i >> 3)) % size), { shape: shape ?? [n], device: dev });
const crossOps: CrossCase[] = [
  { name: "flip/roll/repeat/tile", shapes: [[13, 37]], f: ([a]) => [a.flip([0, 1]), a.T.roll([5, -40], [0, 1]), a.slice([0, 3]).repeat(2, 1, 3), a.tile(2, 1)] },
  { name: "repeatInterleave/unbind/unflatten", shapes: [[9, 12]], f: ([a]) => [a.repeatInterleave(3, { dim: 1 }), a.repeatInterleave([0, 3, 1, 2, 2, 0, 1, 3, 1], { dim: 0 }), ...a.unbind(0).slice(0, 3), a.unflatten(1, [3, -1])] },
  { name: "norms", shapes: [[9, 67]], f: ([a]) => [a.norm(), a.norm(1, { dim: 1 }), a.norm(Infinity, { dim: 0 }), a.norm(3, { dim: -1, keepdim: true }), F.normalize(a)], tol: LOOSE },
  { name: "cdist", shapes: [[17, 5], [23, 5]], f: ([a, b]) => [cdist(a, b), cdist(a, b, { p: 1 })], tol: LOOSE },
  { name: "einsum", shapes: [[2, 3, 9, 16], [2, 3, 11, 16], [16, 16]], f: ([q, k, m]) => [einsum("bhqd,bhkd->bhqk", q, k), einsum("bhqd,de,bhke->bqk", q, m, k), einsum("ii", m), einsum("...d,d", q, m.slice(0))], tol: LOOSE },
  { name: "products", shapes: [[33], [21], [4, 9, 13], [4, 13, 6], [6]], f: ([u, v, a, b, c]) => [u.outer(v), a.bmm(b), c.addmm(a.slice(0), b.slice(1), { beta: 0.5, alpha: 2 }), u.lerp(u.flip(0), 0.3), u.addcmul(u, u.flip(0), { value: 2 })], tol: LOOSE },
  { name: "diag/diagonal/trace", shapes: [[19], [17, 23]], f: ([v, m]) => [v.diag(2), m.diag(-3), m.diagonal(4), m.T.trace()] },
  { name: "scatter with duplicates", shapes: [[40, 33], [100, 33]], f: ([x, s], dev) => x.scatter(0, ix(dev, 3300, 40, 7, [100, 33]), s) },
  { name: "scatterAdd/indexAdd/indexFill", shapes: [[40, 33], [100, 33]], f: ([x, s], dev) => [x.scatterAdd(0, ix(dev, 3300, 40, 7, [100, 33]), s), x.indexAdd(0, ix(dev, 100, 40, 3), s, { alpha: -1 }), x.indexFill(1, ix(dev, 10, 33, 5), 2)] },
  { name: "indexPut/maskedSelect/where", shapes: [[40, 33], [50, 33]], f: ([x, v], dev) => [x.indexPut([ix(dev, 50, 40, 3)], v, { accumulate: true }), x.indexPut([ix(dev, 50, 40, 3), ix(dev, 50, 33, 5)], v.slice([], 0)), x.maskedSelect(x.gt(0.5)), x.where(x.lt(0), v.slice([0, 1]))] },
];

for (const device of hostDevices.filter((d) => d !== "js")) {
  test(`larger, ragged inputs agree with js on ${device} (${crossOps.length} cases)`, () => {
    runAll(crossOps, (c) => c.name, (c) => {
      const ref = crossRun(c, "js"), got = crossRun(c, device), tol = c.tol ?? [1e-5, 1e-4];
      ref.outs.forEach((o, i) => assertTensorClose(got.outs[i], { data: Array.from(o.toTypedArray()), shape: o.shape, dtype: o.dtype }, tol, `out[${i}]`));
      ref.grads.forEach((g, i) => g && assertTensorClose(got.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, tol, `grad[${i}]`));
    });
  });
}

test(`larger, ragged inputs agree with js on webgpu (${crossOps.length} cases)`, { skip: gpuSkip }, async () => {
  const asyncOps = crossOps.filter((c) => c.name !== "indexPut/maskedSelect/where"); // maskedSelect reads the mask: its fixture runs the async form
  await runAllAsync(asyncOps, (c) => c.name, async (c) => {
    const ref = crossRun(c, "js"), got = crossRun(c, "webgpu"), tol = c.tol ?? [1e-5, 1e-4];
    for (const [i, o] of ref.outs.entries()) await assertTensorCloseAsync(got.outs[i], { data: Array.from(o.toTypedArray()), shape: o.shape, dtype: o.dtype }, tol, `out[${i}]`);
    for (const [i, g] of ref.grads.entries()) if (g) await assertTensorCloseAsync(got.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, tol, `grad[${i}]`);
  });
});

// ---- float64 gradchecks (js): first order everywhere, second order where the op is smooth

describe("gradcheck (float64, js)", () => {
  const i32 = (v: number[] | number[][]) => tensor(v, { dtype: "int32", device: "js" });
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["flip", [S([3, 4])], ([x]) => x.flip([0, -1])],
    ["roll", [S([3, 4])], ([x]) => x.transpose(0, 1).roll([1, -1], [0, 1])],
    ["repeat", [S([2, 3])], ([x]) => x.repeat(2, 1, 2)],
    ["tile", [S([2, 3])], ([x]) => x.tile(2)],
    ["repeatInterleave tensor", [S([3, 2])], ([x]) => x.repeatInterleave(i32([2, 0, 1]), { dim: 0 })],
    ["repeatInterleave int", [S([2, 3])], ([x]) => x.repeatInterleave(2, { dim: -1 })],
    ["unbind", [S([2, 3])], ([x]) => x.unbind(1)],
    ["unflatten", [S([2, 6])], ([x]) => x.unflatten(1, [3, -1])],
    ["norm 2", [S([3, 4])], ([x]) => x.norm(2, { dim: 1 }), true],
    ["norm 1", [S([3, 4])], ([x]) => x.norm(1, { dim: -1, keepdim: true })],
    ["norm inf", [S([3, 4], "spread")], ([x]) => x.norm(Infinity, { dim: 0 })],
    ["norm -inf", [S([3, 4], "spread")], ([x]) => x.norm(-Infinity)],
    ["norm 3", [S([3, 4])], ([x]) => x.norm(3, { dim: [0, 1] }), true],
    ["norm fro", [S([2, 3, 2])], ([x]) => x.norm("fro", { dim: [0, 2] })],
    ["normalize", [S([3, 4])], ([x]) => F.normalize(x, { dim: -1 }), true],
    ["normalize p=1 eps", [S([3, 4])], ([x]) => F.normalize(x.mul(0.01), { p: 1, eps: 0.05 })],
    ["outer", [S([3]), S([4])], ([a, b]) => a.outer(b), true],
    ["bmm", [S([2, 3, 4]), S([2, 4, 2])], ([a, b]) => a.bmm(b), true],
    ["addmm", [S([2]), S([3, 4]), S([4, 2])], ([i, a, b]) => i.addmm(a, b, { beta: 0.5, alpha: 2 }), true],
    ["lerp tensor weight", [S([3, 4]), S([4]), S([3, 1], "unit")], ([a, b, w]) => a.lerp(b, w), true],
    ["addcmul", [S([3, 4]), S([3, 1]), S([4])], ([x, a, b]) => x.addcmul(a, b, { value: -1.5 }), true],
    ["diag 1-D", [S([3])], ([x]) => x.diag(-1)],
    ["diag 2-D", [S([3, 4])], ([x]) => x.diag(1)],
    ["diagonal", [S([2, 3, 4])], ([x]) => x.diagonal(-1, 2, 1)],
    ["trace", [S([3, 3])], ([x]) => x.trace()],
    ["cdist p=2", [S([3, 2]), S([4, 2])], ([a, b]) => cdist(a, b), true],
    ["cdist p=1", [S([3, 2], "spread"), S([4, 2], "spread")], ([a, b]) => cdist(a, b, { p: 1 })],
    ["cdist p=inf", [S([3, 2], "spread"), S([4, 2])], ([a, b]) => cdist(a, b, { p: Infinity })],
    ["einsum attention", [S([2, 3, 4]), S([2, 5, 4])], ([q, k]) => einsum("bqd,bkd->bqk", q, k), true],
    ["einsum without contraction", [S([2, 3]), S([2, 3]), S([4])], ([a, b, c]) => [einsum("ij,ij->ij", a, b), einsum("bi,j->bji", a, c), einsum("ij,ij->j", a, b)], true],
    ["einsum trace/diag", [S([3, 3]), S([3, 3, 2])], ([a, b]) => [einsum("ii", a), einsum("iij->ji", b)]],
    ["einsum ellipsis chain", [S([2, 3]), S([4, 3, 5]), S([2, 5])], ([a, w, b]) => einsum("...n,anm,...m->...a", a, w, b), true],
    ["scatter src", [S([3, 4]), S([2, 4])], ([x, s]) => x.scatter(0, i32([[2, 0, 1, 2], [0, 2, 2, 1]]), s)],
    ["scatter duplicates", [S([3]), S([4])], ([x, s]) => x.scatter(0, i32([2, 0, 2, 0]), s)],
    ["scatter value", [S([3, 4])], ([x]) => x.scatter(1, i32([[3], [1], [0]]), 2)],
    ["scatterAdd", [S([3, 4]), S([3, 4])], ([x, s]) => x.scatterAdd(0, i32([[0, 2, 2, 1], [0, 0, 2, 1], [2, 2, 2, 2]]), s)],
    ["indexAdd", [S([3, 4]), S([3, 2])], ([x, s]) => x.indexAdd(1, i32([3, 3]), s, { alpha: -2 })],
    ["indexFill tensor value", [S([3, 4]), S([])], ([x, v]) => x.indexFill(0, i32([2, -3]), v)],
    ["indexPut", [S([3, 4]), S([2, 4])], ([x, v]) => x.indexPut([i32([2, 0])], v)],
    ["indexPut accumulate", [S([3, 4]), S([3])], ([x, v]) => x.indexPut([i32([0, 0, 2]), i32([1, 1, 3])], v, { accumulate: true })],
    ["maskedSelect", [S([3, 4])], ([x]) => x.maskedSelect(tensor([1, 0, 0, 1], { device: "js" }))],
    ["maskedFill both ways", [S([3]), S([])], ([x, v]) => x.maskedFill(tensor([[1, 0, 1], [0, 0, 1]], { device: "js" }), v)],
    ["where method", [S([3, 1]), S([4])], ([x, o]) => x.where(tensor([1, 0, 1, 0], { device: "js" }), o)],
    ["median and kthvalue", [S([3, 5], "spread")], ([x]) => [x.median(1).values, x.median(), x.kthvalue(2, 0).values]],
    ["quantile linear and midpoint", [S([3, 6], "spread")], ([x]) => [x.quantile([0.1, 0.5, 0.9], 1), x.quantile(0.3, 0, { interpolation: "midpoint" })]],
    ["nansum and nanmean", [S([3, 4])], ([x]) => [x.nansum(1), x.nanmean(0, { keepdim: true })]],
    ["dot, mv, cross", [S([3]), S([3]), S([2, 3])], ([a, b, m]) => [a.dot(b), m.mv(a), a.cross(b), m.cross(b.expand([2, 3]), 1)], true],
    ["diff and rot90", [S([3, 4]), S([3, 1])], ([x, p]) => [x.diff(2, 1, { prepend: p }), x.rot90(3)]],
    ["logaddexp, xlogy, frac, logit", [S([3, 4]), S([4], "pos"), S([3, 4], "unit")], ([a, b, u]) => [a.logaddexp(b), a.xlogy(b), a.mul(3).frac(), u.logit(0.1)], true],
    ["joins, splits and picks", [S([3, 4]), S([3, 2]), S([4])], ([a, b, c]) => [hstack([a, b]), vstack([a, c]), dstack([a, a]), columnStack([c.narrow(0, 0, 3), b]), ...a.tensorSplit([1, 3], 1), a.takeAlongDim(tensor([[2], [0], [3]], { dtype: "int32", device: "js" }), 1), cartesianProd(c, c.narrow(0, 1, 2))]],
    ["aminmax, varMean, stdMean", [S([3, 4], "spread")], ([x]) => { const r = x.aminmax({ dim: 0 }); return [r.min, r.max, ...varMean(x, 1), ...stdMean(x)]; }],
  ];
  for (const [name, specs, f, second] of checks) test(name, () => gradcheck(name, specs, f, { second }));
});

// ---- dlgrad's rules and edge cases

describe("tensor ops: semantics beyond the fixtures", () => {
  test("scatter: where an index repeats, the last write in index order wins (and alone gets the gradient)", () => {
    const s = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    const out = Tensor.zeros([3]).scatter(0, tensor([2, 0, 2, 2, 0], { dtype: "int32" }), s);
    assert.deepEqual(out.toArray(), [5, 0, 4]);
    out.mul(tensor([1, 2, 3])).sum().backward();
    assert.deepEqual(s.grad!.toArray(), [0, 0, 0, 3, 1]);
    const big = Tensor.zeros([2, 70]).scatter(1, Tensor.zeros([2, 300], { dtype: "int32" }).add(tensor([[5], [69]], { dtype: "int32" })), Tensor.arange(600).float().reshape(2, 300));
    assert.equal(big.slice(0, 5).item(), 299);
    assert.equal(big.slice(1, 69).item(), 599);
    assert.deepEqual(Tensor.zeros([3]).indexPut([tensor([1, 1], { dtype: "int32" })], tensor([7, 8])).toArray(), [0, 8, 0]);
  });

  test("norm: the subgradient at 0 is 0 for every p, and int32 is refused", () => {
    for (const p of [2, 1, 3, Infinity, -Infinity, 0.5]) {
      const z = Tensor.zeros([2, 3], { requiresGrad: true });
      z.norm(p).backward();
      assert.deepEqual(z.grad!.toArray(), [[0, 0, 0], [0, 0, 0]], `p=${p}`);
    }
    assert.equal(tensor([[1, 0], [0, 3]]).norm(0).item(), 2);
    assert.throws(() => Tensor.arange(3).norm(), /^Error: norm: input must be a floating-point tensor/);
  });

  test("lerp: weights of 0.5 and more take PyTorch's second form, so weight 1 gives exactly end", async () => {
    // start + (end - start)·w rounds: 1e8 → 1 at w = 1 gave 0 in float32
    for (const device of availableDevices()) {
      const s = Tensor.from(Float32Array.from([1e8, 1, 3]), { device }), e = Tensor.from(Float32Array.from([1, 1e8, -2]), { device });
      assert.deepEqual(Array.from(await s.lerp(e, 1).toTypedArrayAsync()), [1, 1e8, -2], device);
      assert.deepEqual(Array.from(await s.lerp(e, 0).toTypedArrayAsync()), [1e8, 1, 3], device);
      const w = Tensor.from(Float32Array.from([1, 0.25, 0.75]), { device });
      assert.deepEqual(Array.from(await s.lerp(e, w).toTypedArrayAsync()), [1, 25000000, -0.75], device);
    }
  });

  test("multinomial and bernoulli: seeded draws with the right distribution on every device", async () => {
    for (const device of availableDevices()) {
      const p = Tensor.from(Float32Array.from([0.1, 0, 0.6, 0.3, 2, 0, 0, 6]), { shape: [2, 4], device });
      manualSeed(1);
      const a = Array.from(await p.multinomial(4000, { replacement: true }).toTypedArrayAsync());
      manualSeed(1);
      assert.deepEqual(Array.from(await p.multinomial(4000, { replacement: true }).toTypedArrayAsync()), a, `${device}: seeded`);
      const freq = (row: number, k: number) => a.slice(row * 4000, row * 4000 + 4000).filter((v) => v === k).length / 4000;
      for (const [row, k, want] of [[0, 0, 0.1], [0, 1, 0], [0, 2, 0.6], [0, 3, 0.3], [1, 0, 0.25], [1, 3, 0.75], [1, 1, 0]] as const) {
        assert.ok(Math.abs(freq(row, k) - want) < 0.03, `${device}: row ${row} class ${k}: ${freq(row, k)}, want ${want}`);
      }
      // without replacement: distinct classes, zero-probability ones never; a first draw ~ p
      const firsts = [0, 0, 0, 0];
      for (let t = 0; t < 300; t++) {
        const d = Array.from(await p.multinomial(2).toTypedArrayAsync());
        assert.ok(d[0] !== d[1] && d.slice(0, 2).every((v) => v !== 1) && d.slice(2).sort().join() === "0,3", `${device}: ${d}`);
        firsts[d[0]]++;
      }
      assert.ok(Math.abs(firsts[2] / 300 - 0.6) < 0.1, `${device}: first draws ${firsts}`);
      const b = Array.from(await Tensor.full([4000], 0.25, { device }).bernoulli().toTypedArrayAsync());
      assert.ok(b.every((v) => v === 0 || v === 1) && Math.abs(b.reduce((s: number, v) => s + v, 0) / 4000 - 0.25) < 0.03, `${device}: bernoulli`);
    }
  });

  test("order statistics, sampling and the new composites refuse bad input by name", () => {
    const x = Tensor.randn([3, 4]);
    const bad: [() => unknown, RegExp][] = [
      [() => x.kthvalue(5, 1), /^Error: kthvalue: k must be in 1\.\.4 \(the size of dim 1 of shape \[3, 4\]\), got 5$/],
      [() => x.median(1, { keepdims: true } as never), /^Error: median: unknown option 'keepdims'/],
      [() => Tensor.zeros([2, 0]).median(1), /^Error: median: cannot reduce over dim 1 of size 0 \(shape \[2, 0\]\)$/],
      [() => x.quantile(1.5), /^Error: quantile: q must be in \[0, 1\], got 1\.5$/],
      [() => x.quantile(0.5, 1, { interpolation: "cubic" } as never), /^Error: quantile: interpolation must be /],
      [() => Tensor.arange(4).quantile(0.5), /^Error: quantile: input must be a floating-point tensor, got int32$/],
      [() => tensor([0.5, -0.1]).multinomial(1), /^Error: multinomial: row 0 of the probabilities has a negative, infinite or NaN entry, or sums to 0$/],
      [() => tensor([0.5, 0, 0]).multinomial(2), /^Error: multinomial: row 0 has 1 nonzero probabilities, fewer than the 2 samples to draw without replacement$/],
      [() => tensor([0.5, 0.5]).multinomial(3), /^Error: multinomial: cannot draw 3 samples without replacement from 2 categories$/],
      [() => Tensor.ones([2, 2, 2]).multinomial(1), /^Error: multinomial: input must be 1-D or 2-D \(\[C\] or \[B, C\]\), got shape \[2, 2, 2\]$/],
      [() => tensor([0.5, 1.5]).bernoulli(), /^Error: bernoulli: probabilities must be in \[0, 1\]$/],
      [() => tensor([1, 2]).dot(tensor([1, 2, 3])), /^Error: dot: the two vectors differ in length: \[2\] and \[3\]$/],
      [() => x.mv(tensor([1, 2])), /^Error: mv: matrix \[3, 4\] and vector \[2\] cannot be multiplied$/],
      [() => x.cross(x), /^Error: cross: dim -1 must have size 3 in both inputs, got shapes \[3, 4\] and \[3, 4\]$/],
      [() => x.diff(1, 0, { prepend: Tensor.ones([1, 3]) }), /^Error: diff: prepend and append must have the input's shape \[3, 4\] except along dim 0, got \[1, 3\]$/],
      [() => x.diff(-1), /^Error: diff: n must be an integer >= 0/],
      [() => x.rot90(1, [1, 1]), /^Error: rot90: the two dims must differ, got \[1, 1\]$/],
      [() => meshgrid([x]), /^Error: meshgrid: tensors\[0\] must be 0-d or 1-D, got shape \[3, 4\]$/],
      [() => meshgrid([tensor([1])], { indexing: "ji" } as never), /^Error: meshgrid: indexing must be 'ij' or 'xy', got the string 'ji'$/],
      [() => x.logit(0.7), /^Error: logit: eps must be a number in \[0, 0\.5\]/],
      [() => x.isclose(x, { rtol: -1 }), /^Error: isclose: rtol must be a non-negative number/],
    ];
    for (const [f, re] of bad) assert.throws(f, re);
  });

  test("searching, counting and the aliases: a few exact answers and the refusals", async () => {
    assert.deepEqual(trilIndices(3, 3).toArray(), [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]);
    assert.deepEqual(triuIndices(3, 4, 1).toArray(), [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]);
    assert.deepEqual(trilIndices(2, 3, -1).toArray(), [[1], [0]]);
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(m.t().toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(m.swapaxes(0, 1).toArray(), m.T.toArray());
    assert.deepEqual(m.fliplr().toArray(), [[3, 2, 1], [6, 5, 4]]);
    assert.deepEqual(m.flipud().toArray(), [[4, 5, 6], [1, 2, 3]]);
    assert.deepEqual(m.clip(2, 5).toArray(), [[2, 2, 3], [4, 5, 5]]);
    assert.deepEqual(tensor([1, 2]).broadcastTo([2, 2]).toArray(), [[1, 2], [1, 2]]);
    assert.deepEqual(searchsorted(tensor([1, 3, 5]), 4).item(), 2);
    // webgpu: unique and bincount name their async forms; the async forms agree
    if (availableDevices().includes("webgpu")) {
      const g = tensor([2, 0, 2], { dtype: "int32", device: "webgpu" });
      assert.throws(() => g.unique(), /^Error: unique: .*await uniqueAsync\(input\)/);
      assert.throws(() => g.bincount(), /^Error: bincount: .*await bincountAsync\(input\)/);
      assert.deepEqual(await (await bincountAsync(g)).toArrayAsync(), [1, 0, 2]);
      assert.deepEqual(await (await uniqueAsync(g)).values.toArrayAsync(), [0, 2]);
    }
    const x = Tensor.randn([3, 4]);
    const bad: [() => unknown, RegExp][] = [
      [() => searchsorted(Tensor.ones([2, 3]), Tensor.ones([3, 1])), /^Error: searchsorted: an N-D sortedSequence \[2, 3\] needs values with its leading dims \[2\], got \[3, 1\]$/],
      [() => searchsorted(tensor([1, 2]), tensor([1]), { right: true, side: "left" }), /^Error: searchsorted: side 'left' contradicts right true$/],
      [() => bucketize(x, Tensor.ones([2, 2])), /^Error: bucketize: boundaries must be 1-D, got shape \[2, 2\]$/],
      [() => x.histc({ bins: 0 }), /^Error: histc: bins must be an integer >= 1/],
      [() => x.histc({ min: 2, max: 1 }), /^Error: histc: min \(2\) must not exceed max \(1\)$/],
      [() => tensor([1, Infinity]).histc(), /^Error: histc: the data's range \[1, Infinity\] is not finite; give min and max$/],
      [() => tensor([1, -1], { dtype: "int32" }).bincount(), /^Error: bincount: input must be non-negative, got -1 at index 1$/],
      [() => x.bincount(), /^Error: bincount: input must be a 1-D int32 tensor, got float32 of shape \[3, 4\]$/],
      [() => x.unique({ sorted: false } as never), /^Error: unique: unknown option 'sorted'/],
      [() => x.tensorSplit(0), /^Error: tensorSplit: sections must be an integer >= 1/],
      [() => x.takeAlongDim(tensor([0], { dtype: "int32" }), 1), /^Error: takeAlongDim: input \[3, 4\] and indices \[1\] must have the same number of dims$/],
      [() => hstack([]), /^Error: hstack: expects a non-empty array of tensors/],
      [() => cartesianProd(x), /^Error: cartesianProd: tensors\[0\] must be 1-D, got shape \[3, 4\]$/],
      [() => Tensor.ones([2, 2, 2]).t(), /^Error: t: expects a tensor with at most 2 dims, got shape \[2, 2, 2\]; use transpose\(dim0, dim1\)$/],
      [() => tensor([1, 2]).fliplr(), /^Error: fliplr: expects a tensor with at least 2 dims, got shape \[2\]$/],
      [() => x.aminmax({ dims: 1 } as never), /^Error: aminmax: unknown option 'dims'/],
      [() => trilIndices(-1, 2), /^Error: trilIndices: row must be an integer >= 0/],
    ];
    for (const [f, re] of bad) assert.throws(f, re);
  });

  test("empty and 0-d inputs", () => {
    assert.deepEqual(Tensor.zeros([2, 0]).flip(1).shape, [2, 0]);
    assert.deepEqual(Tensor.zeros([0, 3]).roll(2, 0).shape, [0, 3]);
    assert.deepEqual(Tensor.ones([2, 3]).diag(5).shape, [0]);
    assert.deepEqual(Tensor.ones([3]).repeat(0, 2).shape, [0, 6]);
    assert.deepEqual(Tensor.ones([3]).scatter(0, Tensor.zeros([0], { dtype: "int32" }), 2).toArray(), [1, 1, 1]);
    assert.deepEqual(Tensor.ones([3]).maskedSelect(Tensor.zeros([3])).shape, [0]);
    assert.deepEqual((nonzero(Tensor.zeros([2, 2])) as Tensor).shape, [0, 2]);
    assert.equal(tensor(5).scatter(0, tensor(0, { dtype: "int32" }), tensor(2)).item(), 2);
    assert.equal(einsum("", tensor(3)).item(), 3);
  });

  test("the async forms agree with the sync ones", async () => {
    const x = tensor([[0, 2], [3, 0]]);
    assert.deepEqual((await nonzeroAsync(x) as Tensor).toArray(), (nonzero(x) as Tensor).toArray());
    assert.deepEqual((await maskedSelectAsync(x, x.gt(1))).toArray(), [2, 3]);
  });

  test("in-place updates: write the storage, bump the version, refuse what needs a graph", () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    assert.throws(() => w.add_(1), /^Error: add_: a tensor that requires grad is being used in an in-place operation/);
    assert.throws(() => w.detach().mul_(w), /^Error: mul_: a tensor that requires grad/);
    const y = w.mul(w); // saves w
    noGrad(() => w.add_(tensor([1, 1, 1]), { alpha: -0.5 }).mul_(2));
    assert.deepEqual(w.toArray(), [1, 3, 5]);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation|in-place|inplace/);
    const b = Tensor.ones([2, 3]);
    assert.equal(b.zero_(), b);
    assert.deepEqual(b.fill_(2).toArray(), [[2, 2, 2], [2, 2, 2]]);
    b.slice([], 1).copy_(tensor([7, 8]));
    assert.deepEqual(b.toArray(), [[2, 7, 2], [2, 8, 2]]);
    const i = Tensor.zeros([2], { dtype: "int32" });
    assert.deepEqual(i.copy_(tensor([1.7, -2.7])).toArray(), [1, -2]);
    assert.throws(() => i.add_(0.5), /^Error: add_: the result type float32 cannot be cast to self's dtype int32/);
    assert.throws(() => b.add_(Tensor.ones([3, 3])), /^Error: add_: a value of shape \[3, 3\] cannot be written into self of shape \[2, 3\]/);
    assert.throws(() => Tensor.ones([1, 3]).expand(2, 3).fill_(0), /^Error: fill_: cannot write into a view whose elements overlap/);
  });
});
