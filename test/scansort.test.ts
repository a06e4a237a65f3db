// Scans, prod, sort/argsort/topk and max/min with a dim: PyTorch fixtures (test/fixtures/scansort.json,
// written by scripts/make_fixtures_scansort.py) on every device (webgpu through the async reads) with
// second-order gradients where PyTorch has them, float64 gradchecks, every device against js on
// larger strided inputs (the C kernels, not their small-op js fallback), and the named edge cases.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, grad, initDevice, tensor } from "../src/node.js";
import { type Backend, SCAN_OPS, type TypedArray, type View } from "../src/backend/backend.js";
import { jsBackend } from "../src/backend/js.js";
import { cpuBackend, nativeConfig } from "../src/backend/native.js";
import { wasmBackend, wasmConfig } from "../src/backend/wasm.js";
import { contiguousStrides } from "../src/shape.js";
import { type FCase, assertTensorClose, assertTensorCloseAsync, decodeArgs, fromFixture } from "./helpers.js";
import { buildInput } from "./op_cases.js";
import { S, gradcheck, loadBreadth } from "./breadth_helpers.js";
import { generator as generatorFor } from "../src/random.js";

// every op reaches the C kernels, however small
nativeConfig({ tinyOps: 0 });
wasmConfig({ tinyOps: 0 });

let gpuReason: string | null = null;
try {
  await initDevice("webgpu");
} catch (e) {
  gpuReason = e instanceof Error ? e.message : String(e);
}
if (process.env.DLGRAD_REQUIRE_WEBGPU === "1" && gpuReason !== null) throw new Error(`webgpu required: ${gpuReason}`);

const fixtures = loadBreadth("scansort.json");

/* eslint-disable @typescript-eslint/no-explicit-any */
function dispatch(op: string, x: Tensor, a: Record<string, any>): Tensor[] {
  const pair = (r: { values: Tensor; indices: Tensor }) => [r.values, r.indices];
  switch (op) {
    case "cumsum": return [x.cumsum(a.dim)];
    case "cumprod": return [x.cumprod(a.dim)];
    case "logcumsumexp": return [x.logcumsumexp(a.dim)];
    case "cummax": return pair(x.cummax(a.dim));
    case "cummin": return pair(x.cummin(a.dim));
    case "prod": return [a.dim === undefined ? x.prod() : x.prod(a.dim, { keepdim: a.keepdim })];
    case "sort": return pair(x.sort(a.dim ?? -1, { descending: a.descending, stable: true }));
    case "argsort": return [x.argsort(a.dim ?? -1, { descending: a.descending })];
    case "topk": return pair(x.topk(a.k, a.dim ?? -1, { largest: a.largest, sorted: true }));
    case "max": return pair(x.max(a.dim, { keepdim: a.keepdim }));
    case "min": return pair(x.min(a.dim, { keepdim: a.keepdim }));
    case "amax": return [x.amax(a.dim, { keepdim: a.keepdim })];
    case "amin": return [x.amin(a.dim, { keepdim: a.keepdim })];
    default: throw new Error(`scansort.test: no dispatch for ${op}`);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** One fixture case on `device`: outputs, then the gradients of Σ out·g, and (second) the gradients
 *  of Σ grad·h through a graph of the first ones. Reads are async, so webgpu runs it too. */
async function runCase(c: FCase, device: string): Promise<void> {
  const inp = c.inputs[0];
  const { leaf, x } = buildInput(inp, device);
  const outs = dispatch(c.op, x, decodeArgs(c.args));
  assert.equal(outs.length, c.outs.length);
  for (let i = 0; i < outs.length; i++) await assertTensorCloseAsync(outs[i], c.outs[i], c.tol, `out[${i}]`);
  if (!inp.grad) return;
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    const g = c.gs[i];
    if (!g) return;
    const term = o.mul(fromFixture(g, device)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (!loss) return;
  const second = c.second !== undefined && device === "js";
  const [g1] = grad(loss, [leaf], { createGraph: second, allowUnused: true });
  await assertTensorCloseAsync(g1 ?? Tensor.zeros(leaf.shape), c.grads[0]!, c.tol, "grad");
  if (second) {
    const [g2] = grad(g1!.mul(fromFixture(c.second!.hs[0]!, device)).sum(), [leaf], { allowUnused: true });
    assertTensorClose(g2 ?? Tensor.zeros(leaf.shape), c.second!.grads2[0]!, c.tol, "second-order grad");
  }
}

test("the fixtures cover every op", () => {
  const ops = new Set(fixtures.cases.map((c) => c.op));
  for (const op of ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "prod", "sort", "argsort", "topk", "max", "min", "amax", "amin"]) {
    assert.ok(ops.has(op), `no fixture for ${op}`);
  }
  assert.ok(fixtures.cases.some((c) => c.second), "second-order cases");
});

const devices = [...availableDevices()];
for (const device of devices) {
  test(`scans and sorts against PyTorch on ${device} (${fixtures.cases.length} cases)`, async () => {
    const failures: string[] = [];
    for (const c of fixtures.cases) {
      try {
        await runCase(c, device);
      } catch (e) {
        failures.push(`${c.name}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

// ---- every device against js on larger inputs: long lines, strided views, ties, NaN, int32 -------

/** Deterministic values: spread floats (with NaN in "nan", ±0 in both), ties, or int32. */
function data(n: number, kind: "nan" | "float" | "tie" | "int"): number[] {
  const v = Array.from({ length: n }, (_, i) => (kind === "tie" ? ((i * 7919) % 5) - 2 : ((Math.sin(i * 12.9898) * 43758.5453) % 3)));
  if (kind === "nan") [3, 40, 41].forEach((i) => i < n && (v[i] = NaN));
  if (kind === "nan" || kind === "float") [17, 18].forEach((i) => i < n && (v[i] = i === 17 ? 0 : -0));
  if (kind === "float") return v.map((x) => x * 0.7 + (x === 0 ? 0 : 0.05));
  return kind === "int" ? v.map((x) => Math.round(x * 10)) : v;
}

/** The ops of this file on x along d: values and indices. */
function along(x: Tensor, d: number): Tensor[] {
  const out: Tensor[] = [x.cumsum(d), x.cumprod(d)];
  if (x.dtype !== "int32") out.push(x.logcumsumexp(d));
  for (const r of [x.cummax(d), x.cummin(d), x.sort(d), x.sort(d, { descending: true }), x.topk(3, d), x.topk(2, d, { largest: false }), x.max(d), x.min(d, { keepdim: true })]) {
    out.push(r.values, r.indices);
  }
  out.push(x.prod(d), x.argsort(d, { descending: true }));
  return out;
}

/** Σ_i (out_i · g_i).sum() over the float outputs, g a fixed non-uniform pattern. */
function weighted(outs: Tensor[], device: string): Tensor {
  return outs.filter((o) => o.dtype !== "int32").map((o) => {
    const g = Float32Array.from({ length: o.numel }, (_, i) => Math.cos(i * 0.37) + 0.2);
    return o.mul(Tensor.from(g, { shape: o.shape, device })).sum();
  }).reduce((s, t) => s.add(t));
}

const others = devices.filter((d) => d !== "js");
if (gpuReason === null && !others.includes("webgpu")) others.push("webgpu");
describe("every device against js", () => {
  const shapes: [number[], string][] = [[[5, 37], "contiguous"], [[3, 4, 70], "transposed"], [[300], "contiguous"], [[6, 50], "sliced"]];
  for (const device of others) {
    test(device, async () => {
      for (const [shape, layout] of shapes) {
        for (const kind of ["nan", "float", "tie", "int"] as const) {
          const n = shape.length, base = layout === "sliced" ? [...shape.slice(0, -1), 2 * shape[n - 1]]
            : layout === "transposed" ? [...shape.slice(0, -2), shape[n - 1], shape[n - 2]] : shape;
          const vals = data(base.reduce((a, b) => a * b, 1), kind);
          const make = (dev: string) => {
            const leaf = kind === "int" ? Tensor.from(Int32Array.from(vals), { shape: base, dtype: "int32", device: dev })
              : Tensor.from(Float32Array.from(vals), { shape: base, device: dev, requiresGrad: true });
            const x = layout === "sliced" ? leaf.slice(...shape.slice(0, -1).map(() => [] as []), [null, null, 2])
              : layout === "transposed" ? leaf.transpose(-1, -2) : leaf;
            return { leaf, x };
          };
          const js = make("js"), dv = make(device);
          for (let d = -1; d >= -n; d--) {
            const what = `${kind} ${layout} [${shape}] dim ${d}`;
            const a = along(js.x, d), b = along(dv.x, d);
            for (let i = 0; i < a.length; i++) {
              const isIdx = a[i].dtype === "int32";
              await assertTensorCloseAsync(b[i], { data: Array.from(a[i].toTypedArray()), shape: a[i].shape, dtype: a[i].dtype }, isIdx ? [0, 0] : [1e-4, 1e-4], `${what} output ${i}`);
            }
            if (kind !== "float" && kind !== "tie") continue;
            const [gj] = grad(weighted(a, "js"), [js.leaf]);
            const [gd] = grad(weighted(b, device), [dv.leaf]);
            await assertTensorCloseAsync(gd, { data: Array.from(gj.toTypedArray()), shape: gj.shape }, [1e-3, 1e-3], `${what} gradient`);
          }
        }
      }
    });
  }
});

// ---- named cases ------------------------------------------------------------------------------

describe("named cases", () => {
  const t = (v: number[] | number[][], opts = {}) => tensor(v, { device: "js", ...opts });
  test("max/min(dim) are { values, indices }; no dim gives a tensor", () => {
    const x = t([[1, 5, 5], [7, 2, 7]]);
    const r = x.max(1);
    assert.deepEqual(r.values.toArray(), [5, 7]);
    assert.deepEqual(r.indices.toArray(), [1, 0]);
    assert.equal(r.indices.dtype, "int32");
    assert.deepEqual(x.min(-1, { keepdim: true }).indices.toArray(), [[0], [1]]);
    assert.equal(x.max().item(), 7);
    assert.ok(x.max() instanceof Tensor);
    assert.deepEqual(x.amax([0, 1]).item(), 7);
  });
  test("sort is stable; NaN last ascending, first descending", () => {
    const x = t([2, NaN, 1, 2, NaN, 1]);
    assert.deepEqual(x.sort().indices.toArray(), [2, 5, 0, 3, 1, 4]);
    assert.deepEqual(x.sort({ descending: true }).indices.toArray(), [1, 4, 0, 3, 2, 5]);
    assert.deepEqual(x.argsort(0).toArray(), [2, 5, 0, 3, 1, 4]);
  });
  test("0-d and empty tensors", () => {
    assert.equal(tensor(3).cumsum(0).item(), 3);
    assert.equal(tensor(3).sort().values.item(), 3);
    assert.equal(tensor(3).sort().indices.item(), 0);
    assert.equal(tensor(3).max(0).indices.item(), 0);
    assert.equal(tensor(3).prod().item(), 3);
    assert.deepEqual(Tensor.zeros([2, 0]).prod(1).toArray(), [1, 1]);
    assert.deepEqual(Tensor.zeros([0, 3]).cumsum(0).shape, [0, 3]);
    assert.deepEqual(Tensor.zeros([2, 0]).sort(1).values.shape, [2, 0]);
    assert.deepEqual(Tensor.zeros([2, 0]).prod().item(), 1);
  });
  test("cumprod and prod keep a float64-like range on every device: a product past float32 can come back", async () => {
    // PyTorch's cumprod accumulates float32 in double: [1e30, inf, 1e30, 1]. (Its prod() multiplies
    // in float32 and gives inf here; in the order its lanes take it gives 1.06e36 for the 936 factors
    // the fuzzer found, where webgpu's float32 scan gave inf.) Every device agrees with js.
    for (const device of availableDevices()) {
      const x = Tensor.from([1e30, 1e30, 1e-30, 1e-30, 3, -1e20, 1e-20], { device });
      const c = Array.from(await x.cumprod(0).toTypedArrayAsync());
      const want = [1e30, Infinity, 1e30, 1, 3, -3e20, -3].map(Math.fround);
      for (let i = 0; i < want.length; i++) assert.ok(c[i] === want[i] || Math.abs(c[i] / want[i] - 1) < 1e-6, `${device} cumprod[${i}] = ${c[i]}, want ${want[i]}`);
      assert.ok(Math.abs((await x.prod().itemAsync()) / -3 - 1) < 1e-6, `${device} prod`);
    }
  });
  test("long lines on webgpu: cumsum and logcumsumexp keep float64-like accuracy (compensated sums)", async (t) => {
    if (gpuReason !== null) return t.skip(`no webgpu: ${gpuReason}`);
    // 4,000 values: a plain float32 running sum, and a running log-add-exp that rounds the log at
    // every step, drifted 1e-4 to 1e-3 from js's float64 (the fuzzer's logcumsumexp gradient case)
    const n = 4000, r = generatorFor(7);
    const xs = Array.from({ length: n }, () => (r() - 0.5) * 6), gs = Array.from({ length: n }, () => r() - 0.5);
    const run = async (device: string) => {
      const x = Tensor.from(Float32Array.from(xs), { device, requiresGrad: true });
      const y = x.logcumsumexp(0), c = x.cumsum(0);
      y.backward(Tensor.from(Float32Array.from(gs), { device }));
      return { y: await y.toTypedArrayAsync(), c: await c.toTypedArrayAsync(), g: await x.grad!.toTypedArrayAsync() };
    };
    const want = await run("js"), got = await run("webgpu");
    const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let m = 0, scale = 0;
      for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / scale);
      return m;
    };
    assert.ok(worst(got.y, want.y) < 2e-6, `logcumsumexp: ${worst(got.y, want.y)}`);
    assert.ok(worst(got.c, want.c) < 2e-6, `cumsum: ${worst(got.c, want.c)}`);
    assert.ok(worst(got.g, want.g) < 2e-5, `logcumsumexp gradient: ${worst(got.g, want.g)}`);
  });
  test("cumprod and prod gradients with zeros: no NaN, PyTorch's values", () => {
    const x = t([2, 0, 3, 0, 4], { requiresGrad: true });
    x.prod().backward();
    assert.deepEqual(x.grad!.toArray(), [0, 0, 0, 0, 0]);
    const y = t([2, 0, 3, 4], { requiresGrad: true });
    y.prod().backward();
    assert.deepEqual(y.grad!.toArray(), [0, 24, 0, 0]);
    const z = t([2, 0, 3, 4], { requiresGrad: true });
    z.cumprod(0).sum().backward();
    assert.deepEqual(z.grad!.toArray(), [1, 2 * (1 + 3 + 12), 0, 0]);
  });
});

// ---- float64 gradchecks (js), second order where PyTorch has it --------------------------------

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["cumsum dim 1", [S([3, 4])], ([x]) => x.cumsum(1)],
    ["cumsum dim -2 transposed", [S([4, 3])], ([x]) => x.T.cumsum(-2)],
    ["cumprod dim 1", [S([3, 4])], ([x]) => x.cumprod(1), true],
    ["cumprod dim 0 sliced", [S([5, 3])], ([x]) => x.slice([null, null, 2]).cumprod(0), true],
    ["prod with a zero (second order)", [S([2, 3])], ([x]) => x.mul(Tensor.from(Float64Array.from([1, 0, 1, 1, 1, 1]), { shape: [2, 3], dtype: "float64", device: "js" })).prod(1).mul(x.sum(1)), true],
    ["logcumsumexp dim 1", [S([3, 4])], ([x]) => x.logcumsumexp(1), true],
    ["logcumsumexp dim 0 transposed", [S([4, 3])], ([x]) => x.T.logcumsumexp(0)],
    ["cummax", [S([3, 5], "spread")], ([x]) => x.cummax(1).values],
    ["cummin dim 0", [S([4, 3], "spread")], ([x]) => x.cummin(0).values],
    ["prod all", [S([2, 3])], ([x]) => x.prod(), true],
    ["prod dim -1 keepdim", [S([3, 4])], ([x]) => x.prod(-1, { keepdim: true }), true],
    ["sort values", [S([3, 5], "spread")], ([x]) => x.sort(1).values.mul(x.sort(1).values)],
    ["sort descending dim 0", [S([4, 3], "spread")], ([x]) => x.sort(0, { descending: true }).values],
    ["topk (squared: second order)", [S([3, 6], "spread")], ([x]) => x.topk(2).values.square(), true],
    ["topk smallest transposed", [S([6, 3], "spread")], ([x]) => x.T.topk(3, -1, { largest: false }).values],
    ["max(dim).values", [S([3, 5], "spread")], ([x]) => x.max(1).values],
    ["min(dim, keepdim).values", [S([3, 5], "spread")], ([x]) => x.min(0, { keepdim: true }).values],
    ["amax dims", [S([2, 3, 4], "spread")], ([x]) => x.amax([0, 2])],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

// ---- kernel level: the C kernels (cpu, wasm) on raw views against js, and bad calls -------------

describe("kernel level", () => {
  const targets = ([["cpu", cpuBackend], ["wasm", wasmBackend]] as [string, Backend][]).filter(([d]) => devices.includes(d));
  const V = (data: TypedArray, shape: number[], strides?: number[], offset = 0): View => ({ data, shape, strides: strides ?? contiguousStrides(shape), offset });
  const src = () => Float32Array.from({ length: 30 }, (_, i) => (i === 11 ? NaN : i % 7 === 3 ? 0 : ((i * 37) % 11) - 5));
  for (const [dev, be] of targets) {
    test(`${dev}: scans and sorts of strided, negative-stride and aliased views match js`, () => {
      const views: [string, (a: TypedArray) => View][] = [
        ["contiguous", (a) => V(a, [5, 6])],
        ["negative strides, offset", (a) => V(a, [3, 4], [-8, 2], 23)],
        ["transposed", (a) => V(a, [6, 5], [1, 6])],
      ];
      for (const [what, mk] of views) {
        const shape = mk(src()).shape as number[], n = shape[0] * shape[1];
        for (let dim = 0; dim < 2; dim++) {
          for (const op of SCAN_OPS) {
            for (const reverse of [false, true]) {
              const ix = op === "cummax" || op === "cummin";
              const run = (b: Backend) => {
                const out = new Float32Array(n), idx = new Int32Array(n);
                b.scan(op, V(out, shape), mk(src()), dim, reverse, ix ? V(idx, shape) : null);
                return [Array.from(out), Array.from(idx)];
              };
              assert.deepEqual(run(be), run(jsBackend), `${op} ${what} dim ${dim} reverse ${reverse}`);
            }
          }
          for (const desc of [false, true]) {
            const run = (b: Backend) => {
              const out = new Float32Array(n), idx = new Int32Array(n);
              b.sort(V(out, shape), V(idx, shape), mk(src()), dim, desc);
              return [Array.from(out), Array.from(idx)];
            };
            assert.deepEqual(run(be), run(jsBackend), `sort ${what} dim ${dim} descending ${desc}`);
          }
        }
      }
      // out over its own input: each line is read before it is written
      const a = src(), b = src();
      be.scan("cumsum", V(a, [5, 6]), V(a, [5, 6]), 1, false, null);
      jsBackend.scan("cumsum", V(b, [5, 6]), V(src(), [5, 6]), 1, false, null);
      assert.deepEqual(Array.from(a), Array.from(b), "in-place cumsum");
      for (const op of ["cumsum", "cumprod"] as const) { // along the outer dim: the column path, which must see the overlap
        const c = src(), e = src();
        be.scan(op, V(c, [5, 6]), V(c, [5, 6]), 0, true, null);
        jsBackend.scan(op, V(e, [5, 6]), V(src(), [5, 6]), 0, true, null);
        assert.deepEqual(Array.from(c), Array.from(e), `in-place ${op} along dim 0`);
      }
      be.sort(V(a, [5, 6]), V(new Int32Array(30), [5, 6]), V(a, [5, 6]), 0, true);
      jsBackend.sort(V(b, [5, 6]), V(new Int32Array(30), [5, 6]), V(b.slice(), [5, 6]), 0, true);
      assert.deepEqual(Array.from(a), Array.from(b), "in-place sort");
    });

    test(`${dev}: bad scan and sort calls throw instead of crashing`, () => {
      const f = (k: number) => new Float32Array(k), i32 = (k: number) => new Int32Array(k);
      const throwsBe = (fn: () => void, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof Error && re.test(e.message) && e.message.startsWith(dev));
      throwsBe(() => be.scan("cumsum", V(f(12), [3, 4]), V(f(12), [3, 4]), 2, false, null), /bad dim/);
      throwsBe(() => be.scan("cummax", V(f(12), [3, 4]), V(f(12), [3, 4]), 1, false, null), /'indices' is required/);
      throwsBe(() => be.scan("cumsum", V(f(12), [3, 4]), V(f(12), [3, 4]), 1, false, V(i32(12), [3, 4])), /only for cummax/);
      throwsBe(() => be.scan("cummin", V(f(12), [3, 4]), V(f(12), [3, 4]), 1, false, V(i32(12), [4, 3])), /shape/);
      throwsBe(() => be.scan("logcumsumexp", V(i32(12), [3, 4]), V(i32(12), [3, 4]), 1, false, null), /must be float32/);
      throwsBe(() => be.scan("cumprod", V(f(12), [3, 4]), V(f(10), [3, 4]), 1, false, null), /reaches/);
      throwsBe(() => be.sort(V(f(12), [3, 4]), V(f(12), [3, 4]), V(f(12), [3, 4]), 1, false), /must be int32/);
      throwsBe(() => be.sort(V(f(12), [3, 4]), V(i32(11), [3, 4]), V(f(12), [3, 4]), 1, false), /reaches/);
      throwsBe(() => be.sort(V(f(12), [3, 4]), V(i32(12), [3, 4]), V(f(12), [3, 4]), -1, false), /bad dim/);
    });
  }
});
