// Ops on special values against PyTorch (test/fixtures/specials.json, from
// scripts/make_fixtures_specials.py) on every device: NaN, ±inf, ±0, subnormals, values near
// float32's maximum, exact ties, and the gradients at the kinks of piecewise functions. The other
// fixture files draw ordinary random values; these cases found a norm that turned NaN into 0, an
// adaptive pooling and a bilinear interpolation that spread an inf as NaN, and a lerp that missed its end.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { F, Tensor, availableDevices, cdist } from "../src/node.js";
import { startWebgpu } from "./breadth_helpers.js";

type Value = number | "nan" | "inf" | "-inf" | "-0";
interface Case { name: string; call: string; input: string; out: Value[]; grad?: Value[] }
const FIX = JSON.parse(readFileSync(new URL("../../test/fixtures/specials.json", import.meta.url), "utf8")) as { inputs: Record<string, Value[][]>; cases: Case[] };

const decode = (v: Value): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "-0" ? -0 : v);

/** What the PyTorch calls of make_fixtures_specials.py are in dlgrad (x: [4, 6]; y: x flipped along dim 1). */
const CALLS: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
  sort: (x) => x.sort(1).values,
  "sort.indices": (x) => x.sort(1).indices,
  "sort.desc.indices": (x) => x.sort(1, { descending: true }).indices,
  "sort0.indices": (x) => x.sort(0).indices,
  topk3: (x) => x.topk(3, 1).values,
  "topk3.smallest": (x) => x.topk(3, 1, { largest: false }).values,
  amax: (x) => x.amax(1),
  amin: (x) => x.amin(1),
  max: (x) => x.max(1).values,
  "max.indices": (x) => x.max(1).indices,
  "min.indices": (x) => x.min(1).indices,
  argmax: (x) => x.argmax(1),
  argmin: (x) => x.argmin(1),
  maxall: (x) => x.max(),
  minall: (x) => x.min(),
  cummax: (x) => x.cummax(1).values,
  "cummax.indices": (x) => x.cummax(1).indices,
  "cummin.indices": (x) => x.cummin(1).indices,
  cumsum: (x) => x.cumsum(1),
  cumprod: (x) => x.cumprod(1),
  logcumsumexp: (x) => x.logcumsumexp(1),
  logsumexp: (x) => x.logsumexp(1),
  softmax: (x) => x.softmax(1),
  logSoftmax: (x) => x.logSoftmax(1),
  sum: (x) => x.sum(1),
  mean: (x) => x.mean(1),
  prod: (x) => x.prod(1),
  var: (x) => x.var(1),
  std: (x) => x.std(1),
  norm2: (x) => x.norm(2, { dim: 1 }),
  norm1: (x) => x.norm(1, { dim: 1 }),
  norm3: (x) => x.norm(3, { dim: 1 }),
  normInf: (x) => x.norm(Infinity, { dim: 1 }),
  normalize: (x) => F.normalize(x, { dim: 1 }),
  clamp: (x) => x.clamp(-1, 1),
  nanToNum: (x) => x.nanToNum(),
  maximum: (x, y) => x.maximum(y),
  minimum: (x, y) => x.minimum(y),
  remainder: (x, y) => x.remainder(y),
  fmod: (x, y) => x.fmod(y),
  atan2: (x, y) => x.atan2(y),
  pow: (x, y) => x.pow(y),
  lerp: (x, y) => x.lerp(y, 0.25),
  "lerp.75": (x, y) => x.lerp(y, 0.75),
  addcmul: (x, y) => x.addcmul(x, y, { value: 0.5 }),
  where: (x, y) => Tensor.where(x.gt(0), x, y),
  eq: (x, y) => x.eq(y),
  lt: (x, y) => x.lt(y),
  isnan: (x) => x.isnan(),
  isinf: (x) => x.isinf(),
  pow2: (x) => x.pow(2),
  powHalf: (x) => x.pow(0.5),
  leakyRelu: (x) => F.leakyRelu(x, 0.01),
  hardtanh: (x) => F.hardtanh(x),
  relu6: (x) => F.relu6(x),
  glu: (x) => F.glu(x, 1),
  layerNorm: (x) => F.layerNorm(x, [6]),
  pairwiseDistance: (x, y) => F.pairwiseDistance(x, y, { eps: 0 }),
  cdist: (x, y) => cdist(x, y),
  cosineSimilarity: (x, y) => F.cosineSimilarity(x, y, { dim: 1 }),
  maxPool1d: (x) => F.maxPool1d(x.unsqueeze(0), 2, { stride: 1 }),
  avgPool1d: (x) => F.avgPool1d(x.unsqueeze(0), 2),
  adaptiveAvgPool1d: (x) => F.adaptiveAvgPool1d(x.unsqueeze(0), 4),
  adaptiveMaxPool2d: (x) => F.adaptiveMaxPool2d(x.unsqueeze(0).unsqueeze(0), [2, 4]),
  crossEntropy: (x) => F.crossEntropy(x, targets(x), { reduction: "none" }),
  "crossEntropy.ls": (x) => F.crossEntropy(x, targets(x), { reduction: "none", labelSmoothing: 0.1 }),
  nllLoss: (x) => F.nllLoss(x, targets(x), { reduction: "none" }),
  mseLoss: (x, y) => F.mseLoss(x, y, { reduction: "none" }),
  l1Loss: (x, y) => F.l1Loss(x, y, { reduction: "none" }),
  smoothL1Loss: (x, y) => F.smoothL1Loss(x, y, { reduction: "none" }),
  huberLoss: (x, y) => F.huberLoss(x, y, { reduction: "none" }),
  klDiv: (x, y) => F.klDiv(x, y, { reduction: "none", logTarget: true }),
  "interpolate.linear": (x) => F.interpolate(x.unsqueeze(0), { scaleFactor: 2, mode: "linear" }),
  "interpolate.bilinear": (x) => F.interpolate(x.reshape([1, 1, 4, 6]), { size: [5, 7], mode: "bilinear" }),
  "interpolate.bicubic": (x) => F.interpolate(x.reshape([1, 1, 4, 6]), { size: [5, 7], mode: "bicubic", alignCorners: true }),
  "interpolate.area": (x) => F.interpolate(x.unsqueeze(0), { size: 4, mode: "area" }),
  median: (x) => x.median(1).values,
  "median.indices": (x) => x.median(1).indices,
  nanmedian: (x) => x.nanmedian(1).values,
  kthvalue2: (x) => x.kthvalue(2, 1).values,
  quantile: (x) => x.quantile(0.3, 1),
  nanquantile: (x) => x.nanquantile(0.7, 1),
  nansum: (x) => x.nansum(1),
  nanmean: (x) => x.nanmean(1),
  logaddexp: (x, y) => x.logaddexp(y),
  xlogy: (x, y) => x.xlogy(y),
  diff: (x) => x.diff(1, 1),
  frac: (x) => x.frac(),
  logit: (x) => x.logit(),
  marginRankingLoss: (x, y) => F.marginRankingLoss(x, y, signs(x), { margin: 0.5, reduction: "none" }),
  hingeEmbeddingLoss: (x) => F.hingeEmbeddingLoss(x, signs(x), { margin: 1, reduction: "none" }),
  softMarginLoss: (x) => F.softMarginLoss(x, signs(x), { reduction: "none" }),
  multiLabelSoftMarginLoss: (x) => F.multiLabelSoftMarginLoss(x, Tensor.from(Float32Array.from([1, 0, 1, 0, 0, 1]), { device: x.device }).expand([4, 6]), { reduction: "none" }),
  multiMarginLoss: (x) => F.multiMarginLoss(x, targets(x), { reduction: "none" }),
  cosineEmbeddingLoss: (x, y) => F.cosineEmbeddingLoss(x, y, Tensor.from(Float32Array.from([1, -1, 1, -1]), { device: x.device }), { reduction: "none" }),
  tripletMarginLoss: (x, y) => F.tripletMarginLoss(x, y, x.roll(1, 0).detach(), { reduction: "none" }),
  poissonNllLoss: (x, y) => F.poissonNllLoss(x, y.abs(), { reduction: "none" }),
  gaussianNllLoss: (x, y) => F.gaussianNllLoss(x, y, Tensor.full([4, 6], 0.5, { device: x.device }), { reduction: "none" }),
  trace: (x) => x.trace(),
  diag: (x) => x.diag(),
};
for (const name of ["round", "trunc", "ceil", "floor", "sign", "abs", "neg", "exp", "expm1", "log1p", "sqrt", "rsqrt", "reciprocal", "erf",
  "sinh", "cosh", "atan", "asin", "tanh", "sigmoid", "relu"] as const) {
  CALLS[name] = (x) => (x[name] as () => Tensor).call(x);
}
for (const name of ["gelu", "silu", "elu", "selu", "softplus", "mish", "hardswish", "hardsigmoid", "logsigmoid", "softsign", "tanhshrink",
  "celu", "hardshrink", "softshrink"] as const) {
  CALLS[name] = (x) => (F[name] as (t: Tensor) => Tensor)(x);
}

/** ±1 labels [1, −1, 1, −1, 1, −1] broadcast to x's [4, 6] */
function signs(x: Tensor): Tensor {
  return Tensor.from(Float32Array.from([1, -1, 1, -1, 1, -1]), { device: x.device }).expand([4, 6]);
}

function targets(x: Tensor): Tensor {
  return Tensor.from(Int32Array.from([1, 3, 0, 5]), { dtype: "int32", device: x.device });
}

/** PyTorch's value within float32 rounding (relative 2e-5, absolute 1e-6: the subnormals that
 *  PyTorch or a device flushes), NaN for NaN, the same infinity; the sign of a zero is not compared. */
function agrees(got: number, want: number): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === want;
  return Math.abs(got - want) <= 2e-5 * Math.abs(want) + 1e-6;
}

function check(c: Case, what: string, got: ArrayLike<number>, want: Value[], device: string): void {
  assert.equal(got.length, want.length, `${c.name} on ${device}: ${what} has ${got.length} values, PyTorch ${want.length}`);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) if (!agrees(got[i], decode(want[i]))) bad.push(`[${i}] ${got[i]} (PyTorch ${want[i]})`);
  if (bad.length) throw new Error(`${c.name} on ${device}: ${what} ${bad.slice(0, 6).join(", ")}${bad.length > 6 ? ` and ${bad.length - 6} more` : ""}`);
}

async function run(c: Case, device: string): Promise<void> {
  const int = c.input === "I";
  const flat = FIX.inputs[c.input].flat().map(decode);
  const x = Tensor.from(int ? Int32Array.from(flat) : Float32Array.from(flat), { shape: [4, 6], dtype: int ? "int32" : "float32", device, requiresGrad: !!c.grad });
  const out = CALLS[c.call](x, x.flip([1]).detach());
  check(c, "the output", await out.toTypedArrayAsync(), c.out, device);
  if (!c.grad) return;
  const g = Tensor.from(Float32Array.from({ length: out.numel }, (_, i) => (i % 5) - 1.5), { shape: out.shape, device });
  out.mul(g).sum().backward();
  check(c, "the gradient", await x.grad!.toTypedArrayAsync(), c.grad, device);
}

const gpuSkip = await startWebgpu();

describe("ops on special values against PyTorch", () => {
  test("every call of the fixtures has a dlgrad form", () => {
    assert.deepEqual([...new Set(FIX.cases.map((c) => c.call))].filter((k) => !CALLS[k]), []);
  });
  for (const device of availableDevices()) {
    test(`${device}: ${FIX.cases.length} cases`, { skip: device === "webgpu" && gpuSkip ? gpuSkip : false }, async () => {
      const failures: string[] = [];
      for (const c of FIX.cases) {
        try {
          await run(c, device);
        } catch (e) {
          failures.push(e instanceof Error ? e.message.split("\n")[0] : String(e));
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});
