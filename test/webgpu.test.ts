// The webgpu device against the js reference: every primitive of the backend contract on strided
// views (broadcast, transposed, sliced, 0-d, one element, empty; float32 and int32), the PyTorch
// fixtures and the ragged cross-device cases through the async reads, composites with gradients,
// an MLP training step with Adam, the sync-read errors, memory that stays flat, device errors.
//
// Skips, printing why, only when no WebGPU adapter exists; DLGRAD_REQUIRE_WEBGPU=1 (CI) makes that
// a failure. In Node the adapter comes from the optional `webgpu` package over a Vulkan driver
// (lavapipe on machines without a GPU: see .ci/run).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { F, Tensor, grad, initDevice, manualSeed, nn, optim, webgpu } from "../src/node.js";
import { type Backend, type DType, type Storage, type View, getBackend } from "../src/backend/backend.js";
import { BINARY_OPS, type BinaryOp, REDUCE_OPS, UNARY, UNARY_OPS } from "../src/prims.js";
import { BINARY_WGSL, UNARY_WGSL } from "../src/backend/webgpu/kernels.js";
import { sizeClass } from "../src/backend/webgpu/pool.js";
import { deviceError, setMatmulTuning } from "../src/backend/webgpu/index.js";
import { generator } from "../src/random.js";
import { contiguousStrides } from "../src/shape.js";
import { type FCase, assertTensorCloseAsync, close, decodeArgs, fromFixture, loadFixtures, runAllAsync, shapeStr } from "./helpers.js";
import { buildInput, cross, crossRun, runOp, sumLoss } from "./op_cases.js";
import { GPT, generate } from "../examples/gpt/model.js";

let reason: string | null = null;
let adapter = "";
try {
  adapter = (await initDevice("webgpu"))?.name ?? "";
} catch (e) {
  reason = e instanceof Error ? e.message : String(e);
}
const required = process.env.DLGRAD_REQUIRE_WEBGPU === "1";
const skip = reason === null ? false : `no WebGPU adapter: ${reason}`;
if (skip) console.log(`# webgpu tests skipped: ${skip}`);
else console.log(`# webgpu adapter: ${adapter}`);

test("webgpu is available where DLGRAD_REQUIRE_WEBGPU=1 asks for it", { skip: required ? false : "DLGRAD_REQUIRE_WEBGPU is not set" }, () => {
  assert.equal(reason, null, `initDevice("webgpu") failed: ${reason}`);
});

test("the WGSL tables cover every op, with int32 arms exactly where prims.ts keeps int32", () => {
  for (const op of UNARY_OPS) assert.equal(UNARY_WGSL[op].i32 !== null, UNARY[op].int === "same", `unary ${op}`);
  for (const op of BINARY_OPS) assert.ok(BINARY_WGSL[op].f32, `binary ${op}`);
  assert.equal(sizeClass(1), 64);
  assert.equal(sizeClass(1000), 1024);
  assert.equal(sizeClass(1025), 1280);
  assert.equal(sizeClass(5000), 5120);
});

// ---- backend level: the same views on js and webgpu, one kernel call each ------------------

const js = getBackend("js") as Backend<Storage>;
const gpu = (): Backend<Storage> => getBackend("webgpu");

type Layout = "contiguous" | "transposed" | "sliced" | "broadcast";
const LAYOUTS: Layout[] = ["contiguous", "transposed", "sliced", "broadcast"];
const SHAPES = [[2, 3, 4], [5, 67], [], [1], [0, 3], [3, 1]];

interface Pair {
  js: View<Storage>;
  gpu: View<Storage>;
}

/** Base values: random, with NaN, ±inf, ±0, large values and (int32) the int32 limits every fifth
 *  slot. (The int32 products of these stay exact in doubles, where the js reference computes them.) */
function values(n: number, dtype: DType, r: () => number, specials: boolean, limit = Infinity): number[] {
  const fs = [NaN, Infinity, -Infinity, 0, -0, 1e30, -2.5, 0.5, 12345.67, -1000.25];
  const is = [-2147483648, 65535, 0, -1, 65536, -7];
  return Array.from({ length: n }, (_, i) => {
    if (specials && i % 5 === 1) return dtype === "int32" ? is[(i / 5) % is.length | 0] : Math.abs(fs[(i / 5) % fs.length | 0]) > limit && Number.isFinite(fs[(i / 5) % fs.length | 0]) ? limit / 2 : fs[(i / 5) % fs.length | 0];
    return dtype === "int32" ? Math.floor(r() * 21) - 10 : r() * 6 - 3;
  });
}

/** A view of `shape` in the given layout over a fresh base array, identical on both backends. */
function view(shape: number[], layout: Layout, dtype: DType, r: () => number, specials = false, limit = Infinity): Pair {
  const nd = shape.length;
  let base: number[], strides: number[], offset = 0;
  if (layout === "transposed" && nd >= 2) {
    base = [...shape.slice(0, -2), shape[nd - 1], shape[nd - 2]];
    const s = contiguousStrides(base);
    strides = [...s.slice(0, -2), s[nd - 1], s[nd - 2]];
  } else if (layout === "sliced") {
    base = shape.map((d) => 2 * d + 1);
    const s = contiguousStrides(base);
    strides = s.map((x) => 2 * x);
    offset = s.reduce((a, b) => a + b, 0);
  } else if (layout === "broadcast" && nd >= 1) {
    base = shape.slice(1);
    strides = [0, ...contiguousStrides(base)];
  } else {
    base = shape;
    strides = contiguousStrides(shape);
  }
  const n = base.reduce((a, b) => a * b, 1);
  const vals = values(n, dtype, r, specials, limit);
  const mk = (b: Backend<Storage>): View<Storage> => {
    const data = b.alloc(dtype, n);
    b.upload(data, vals);
    return { data, shape, strides, offset };
  };
  return { js: mk(js), gpu: mk(gpu()) };
}

/** Replaces the zeros of an int32 pair's values by 3, on both backends. */
function nonzero(p: Pair): void {
  const vals = Array.from(js.read({ ...p.js, shape: [(p.js.data as Int32Array).length], strides: [1], offset: 0 })!, (v) => (v === 0 ? 3 : v));
  js.upload(p.js.data, vals);
  gpu().upload(p.gpu.data, vals);
}

function outPair(shape: readonly number[], dtype: DType, zero = false): Pair {
  const n = shape.reduce((a, b) => a * b, 1);
  const mk = (b: Backend<Storage>): View<Storage> => ({ data: b.alloc(dtype, n, zero), shape, strides: contiguousStrides(shape), offset: 0 });
  return { js: mk(js), gpu: mk(gpu()) };
}

/** Pending comparisons: every kernel is enqueued first, then one readback batch checks them all. */
class Checks {
  #items: { what: string; ref: ArrayLike<number>; got: Promise<ArrayLike<number>>; tol: [number, number] }[] = [];
  add(what: string, out: Pair, tol: [number, number] = [1e-6, 1e-6]): void {
    this.#items.push({ what, ref: js.read(out.js)!, got: gpu().readAsync(out.gpu), tol });
  }
  async run(): Promise<void> {
    const bad: string[] = [];
    for (const it of this.#items) {
      const got = await it.got;
      if (got.length !== it.ref.length) {
        bad.push(`${it.what}: ${got.length} values, expected ${it.ref.length}`);
        continue;
      }
      for (let i = 0; i < got.length; i++) {
        if (!close(got[i], it.ref[i], it.tol[0], it.tol[1]) && !(Object.is(got[i], -0) && it.ref[i] === 0)) {
          bad.push(`${it.what} [${i}]: got ${got[i]}, expected ${it.ref[i]}`);
          break;
        }
      }
    }
    assert.ok(bad.length === 0, `${bad.length} of ${this.#items.length} kernels differ from js:\n  ${bad.slice(0, 30).join("\n  ")}`);
  }
}

/** Transcendentals: WGSL's exp, log, sin, ... are accurate to a few ulp, not correctly rounded. */
const MATH_TOL: [number, number] = [1e-6, 4e-6];
/** f32 division: WGSL's 2.5 ulp (2.5·2⁻²³ relative), not IEEE's correctly rounded quotient. */
const DIV_TOL: [number, number] = [0, 3e-7];

describe("webgpu primitives against js", { skip }, () => {
  test("unary, every op and layout, float32 and int32", async () => {
    const r = generator(1), ck = new Checks();
    for (const op of UNARY_OPS) {
      for (const dtype of ["float32", "int32"] as const) {
        if (dtype === "int32" && UNARY_WGSL[op].i32 === null) continue;
        for (const shape of SHAPES) {
          for (const layout of LAYOUTS) {
            // tan = sin/cos magnifies the reduction's last-bit error near its poles
            const a = view(shape, layout, dtype, r, true, op === "tan" ? 1e3 : Infinity);
            const out = outPair(shape, dtype);
            js.unary(op, out.js, a.js);
            gpu().unary(op, out.gpu, a.gpu);
            ck.add(`${op} ${dtype} ${shapeStr(shape)} ${layout}`, out, MATH_TOL);
          }
        }
      }
    }
    await ck.run();
  });

  test("sin and cos of large arguments: reduced exactly (Payne-Hanek), never outside [-1, 1]", async () => {
    // below 65536 the kernel reduces by pi/2 in three float parts; above, it multiplies the
    // significand by 64 bits of 2/pi. The three-part reduction alone gave cos(1.4e15) = inf.
    const xs: number[] = [65535.5, 65536, 1e5, 123456.789, 2 ** 23 - 0.5, 2 ** 23, 2 ** 24 + 2, 1e9, 1.4e15, 3.4028234663852886e38];
    for (let e = 16; e <= 127; e += 3) xs.push(2 ** e, 2 ** e * 1.7071067, -(2 ** e) * 1.3);
    // the float32 nearest to multiples of pi/2, where r is tiny and the result rests on its relative error
    for (const k of [41723, 1e6, 8.1e12]) xs.push(Math.fround(k * Math.PI / 2));
    const ck = new Checks();
    for (const op of ["sin", "cos"] as const) {
      const a = { js: { data: js.alloc("float32", xs.length), shape: [xs.length], strides: [1], offset: 0 }, gpu: { data: gpu().alloc("float32", xs.length), shape: [xs.length], strides: [1], offset: 0 } };
      js.upload(a.js.data, xs);
      gpu().upload(a.gpu.data, xs);
      const out = outPair([xs.length], "float32");
      js.unary(op, out.js, a.js);
      gpu().unary(op, out.gpu, a.gpu);
      ck.add(`${op} of large arguments`, out, MATH_TOL);
    }
    await ck.run();
  });

  test("binary, every op, mixed layouts, broadcast, float32 and int32", async () => {
    const r = generator(2), ck = new Checks();
    const combos: [Layout, Layout][] = [["contiguous", "broadcast"], ["transposed", "sliced"], ["sliced", "contiguous"], ["broadcast", "transposed"]];
    for (const op of BINARY_OPS) {
      for (const dtype of ["float32", "int32"] as const) {
        if (dtype === "int32" && BINARY_WGSL[op].i32 === null) continue;
        const outType: DType = ["eq", "ne", "gt", "ge", "lt", "le"].includes(op) ? "float32" : dtype;
        for (const shape of SHAPES) {
          for (const [la, lb] of combos) {
            const a = view(shape, la, dtype, r, true), b = view(shape, lb, dtype, r, op !== "pow");
            // an int32 zero divisor is an error (flagged by the kernel, thrown by the next read): none here
            if (dtype === "int32" && (op === "remainder" || op === "fmod" || op === "divFloor" || op === "divTrunc")) nonzero(b);
            const out = outPair(shape, outType);
            js.binary(op as BinaryOp, out.js, a.js, b.js);
            gpu().binary(op as BinaryOp, out.gpu, a.gpu, b.gpu);
            // WGSL lets f32 division be 2.5 ulp off (Mesa's software drivers divide exactly; a GPU's may not)
            const tol: [number, number] = op === "pow" || op === "atan2" ? MATH_TOL : op === "div" && dtype === "float32" ? DIV_TOL : [0, 0];
            ck.add(`${op} ${dtype} ${shapeStr(shape)} ${la}/${lb}`, out, tol);
          }
        }
      }
    }
    // pow's sign and special cases: negative bases with integer and fractional exponents, zeros, infinities
    const bases = [-2, -2, -2, -0.5, 0, -0, 0, 2, Infinity, -Infinity, NaN, 1, -1, 3];
    const exps = [3, 2, 0.5, -3, -1, 3, 0, -0.5, -2, 3, 0, NaN, Infinity, 1.5];
    const pa = outPair([bases.length], "float32"), pb = outPair([bases.length], "float32"), po = outPair([bases.length], "float32");
    for (const [p, v] of [[pa, bases], [pb, exps]] as const) { js.upload(p.js.data, v); gpu().upload(p.gpu.data, v); }
    js.binary("pow", po.js, pa.js, pb.js);
    gpu().binary("pow", po.gpu, pa.gpu, pb.gpu);
    ck.add("pow special values", po, MATH_TOL);
    // int32 products wrap like Math.imul, on every device (test/edge.test.ts); here in the kernel itself
    const big = [2147483647, -2147483648, 65536, 123456789, -7];
    const ia = outPair([5], "int32"), io = outPair([5], "int32");
    gpu().upload(ia.gpu.data, big);
    gpu().binary("mul", io.gpu, ia.gpu, ia.gpu);
    const sq = outPair([5], "int32");
    gpu().unary("square", sq.gpu, ia.gpu);
    const wrapped = big.map((v) => Math.imul(v, v));
    assert.deepEqual(Array.from(await gpu().readAsync(io.gpu)), wrapped, "int32 mul wraps");
    assert.deepEqual(Array.from(await gpu().readAsync(sq.gpu)), wrapped, "int32 square wraps");
    // an in-place op: out is one of the inputs (the uniform() creator does this)
    const ip = view([4, 5], "contiguous", "float32", r), k = view([4, 5], "broadcast", "float32", r);
    js.binary("mul", ip.js, ip.js, k.js);
    gpu().binary("mul", ip.gpu, ip.gpu, k.gpu);
    ck.add("in-place mul", ip);
    await ck.run();
  });

  test("cast, where, fill and copy (strided, accumulating, self-overlapping)", async () => {
    const r = generator(3), ck = new Checks();
    for (const shape of SHAPES) {
      for (const layout of LAYOUTS) {
        for (const [to, from] of [["int32", "float32"], ["float32", "int32"], ["float32", "float32"], ["int32", "int32"]] as const) {
          const a = view(shape, layout, from, r, true);
          const out = outPair(shape, to);
          js.cast(out.js, a.js);
          gpu().cast(out.gpu, a.gpu);
          ck.add(`cast ${from}->${to} ${shapeStr(shape)} ${layout}`, out);
        }
        for (const [t, ct] of [["float32", "float32"], ["int32", "float32"], ["float32", "int32"]] as const) {
          const c = view(shape, layout, ct, r, true), a = view(shape, "sliced", t, r, true), b = view(shape, "broadcast", t, r);
          const out = outPair(shape, t);
          js.where(out.js, c.js, a.js, b.js);
          gpu().where(out.gpu, c.gpu, a.gpu, b.gpu);
          ck.add(`where ${t}/${ct} ${shapeStr(shape)} ${layout}`, out);
        }
        for (const dtype of ["float32", "int32"] as const) {
          // copy into a strided window of a bigger tensor, plain and accumulating
          const base = view(shape, "sliced", dtype, r), a = view(shape, layout, dtype, r);
          js.copy(base.js, a.js, false);
          gpu().copy(base.gpu, a.gpu, false);
          const acc = view(shape, "transposed", dtype, r);
          js.copy(acc.js, a.js, true);
          gpu().copy(acc.gpu, a.gpu, true);
          const f = view(shape, "sliced", dtype, r);
          js.fill(f.js, 2.75);
          gpu().fill(f.gpu, 2.75);
          for (const [name, p] of [["copy", base], ["copy +=", acc], ["fill", f]] as const) {
            const n = (p.js.data as ArrayLike<number>).length;
            const whole = { js: { ...p.js, shape: [n], strides: [1], offset: 0 }, gpu: { ...p.gpu, shape: [n], strides: [1], offset: 0 } };
            ck.add(`${name} ${dtype} ${shapeStr(shape)} ${layout}`, whole);
          }
        }
      }
    }
    // accumulate through windows that overlap (unfold's backward): one element at a time, in order
    const win = outPair([8], "float32", true);
    const src = view([3, 4], "contiguous", "float32", r);
    const overl = (p: View<Storage>): View<Storage> => ({ ...p, shape: [3, 4], strides: [2, 1], offset: 0 });
    js.copy(overl(win.js), src.js, true);
    gpu().copy(overl(win.gpu), src.gpu, true);
    ck.add("copy += overlapping windows", win);
    await ck.run();
  });

  test("reduce: sum, max, min, argmax, argmin over every axis set, NaN, int32, empty", async () => {
    const r = generator(4), ck = new Checks();
    const shapes = [[3, 4, 5], [7, 300], [600], [], [1], [2, 0, 3], [1, 3, 1]];
    for (const op of REDUCE_OPS) {
      for (const dtype of ["float32", "int32"] as const) {
        for (const shape of shapes) {
          const nd = shape.length;
          const axesSets: boolean[][] = op.startsWith("arg")
            ? shape.map((_, d) => shape.map((__, e) => e === d))
            : Array.from({ length: 2 ** nd }, (_, m) => shape.map((__, d) => ((m >> d) & 1) === 1));
          for (const axes of axesSets) {
            if (op !== "sum" && axes.some((f, d) => f && shape[d] === 0)) continue; // max of nothing is an op-level error
            for (const layout of ["contiguous", "transposed", "sliced"] as Layout[]) {
              for (const specials of [false, true]) {
                const a = view(shape, layout, dtype, r, specials);
                const outShape = shape.map((d, i) => (axes[i] ? 1 : d));
                const out = outPair(outShape, op.startsWith("arg") ? "int32" : dtype);
                js.reduce(op, out.js, a.js, axes);
                gpu().reduce(op, out.gpu, a.gpu, axes);
                ck.add(`${op} ${dtype} ${shapeStr(shape)} axes ${axes.map(Number).join("")} ${layout}${specials ? " specials" : ""}`, out, [1e-5, 1e-5]);
              }
            }
          }
        }
      }
    }
    await ck.run();
  });

  test("matmul: ragged tiles, transposed and batched-broadcast operands, strided bias, K = 0", async () => {
    const r = generator(5), ck = new Checks();
    const cases: [number[], number[], Layout, Layout, boolean][] = [
      [[70, 33], [33, 65], "contiguous", "contiguous", false],
      [[70, 33], [33, 65], "transposed", "sliced", true],
      [[1, 1], [1, 1], "contiguous", "contiguous", true],
      [[3, 17, 9], [3, 9, 20], "contiguous", "broadcast", false],
      [[2, 3, 5, 7], [2, 3, 7, 4], "sliced", "transposed", true],
      [[4, 0], [0, 6], "contiguous", "contiguous", true],
      [[0, 5], [5, 6], "contiguous", "contiguous", false],
      [[129, 130], [130, 64], "contiguous", "transposed", true],
      [[200, 37], [37, 257], "transposed", "contiguous", true],
      [[2, 130, 19], [2, 19, 129], "contiguous", "transposed", false],
    ];
    // each kernel: the 64×64 one, and the 128×128 one (forced) in each of its shapes
    const tunings = [{ minTiles: Infinity }, { minTiles: 0, bk: 16, pad: true }, { minTiles: 0, bk: 16, pad: false }, { minTiles: 0, bk: 8, pad: true }];
    for (const t of tunings) for (const [sa, sb, la, lb, withBias] of cases) {
      setMatmulTuning(t);
      const a = view(sa, la, "float32", r), b = view(sb, lb, "float32", r);
      const outShape = [...sa.slice(0, -1), sb[sb.length - 1]];
      const out = outPair(outShape, "float32");
      const n = sb[sb.length - 1];
      const bias = withBias ? view([n], "sliced", "float32", r) : null;
      js.matmul(out.js, a.js, b.js, bias?.js);
      gpu().matmul(out.gpu, a.gpu, b.gpu, bias?.gpu);
      // js sums in double, the device in float32 (products of values up to 3, K up to 130)
      ck.add(`matmul ${JSON.stringify(t)} ${shapeStr(sa)}@${shapeStr(sb)} ${la}/${lb}${withBias ? " +bias" : ""}`, out, [1e-4, 1e-5]);
    }
    setMatmulTuning({ minTiles: 128, bk: null, pad: null });
    await ck.run();
  });

  test("gather and scatterAdd with expanded and strided index views", async () => {
    const r = generator(6), ck = new Checks();
    for (const dtype of ["float32", "int32"] as const) {
      for (const [shape, dim, idxShape] of [[[5, 7], 1, [5, 9]], [[5, 7], 0, [3, 7]], [[4, 3, 6], 2, [4, 2, 11]], [[6], 0, [10]]] as [number[], number, number[]][]) {
        const a = view(shape, "transposed", dtype, r);
        const k = shape[dim];
        const ivals = Array.from({ length: idxShape.reduce((x, y) => x * y, 1) }, (_, i) => (i * 7 + 3) % k);
        const idx = outPair(idxShape, "int32");
        js.upload(idx.js.data, ivals);
        gpu().upload(idx.gpu.data, ivals);
        const out = outPair(idxShape, dtype);
        js.gather(out.js, a.js, dim, idx.js);
        gpu().gather(out.gpu, a.gpu, dim, idx.gpu);
        ck.add(`gather ${dtype} ${shapeStr(shape)} dim ${dim}`, out);
        const src = view(idxShape, "sliced", dtype, r);
        const acc = outPair(shape, dtype, true);
        js.scatterAdd(acc.js, dim, idx.js, src.js);
        gpu().scatterAdd(acc.gpu, dim, idx.gpu, src.gpu);
        ck.add(`scatterAdd ${dtype} ${shapeStr(shape)} dim ${dim}`, acc, [1e-6, 1e-6]);
        // into a fresh out: its old contents (nonzero here) are ignored
        const fresh = outPair(shape, dtype);
        js.fill(fresh.js, 5);
        gpu().fill(fresh.gpu, 5);
        js.scatterAdd(fresh.js, dim, idx.js, src.js, true);
        gpu().scatterAdd(fresh.gpu, dim, idx.gpu, src.gpu, true);
        ck.add(`scatterAdd fresh ${dtype} ${shapeStr(shape)} dim ${dim}`, fresh, [1e-6, 1e-6]);
      }
      // an index broadcast along the other dim (indexSelect's view)
      const a = view([4, 6], "contiguous", dtype, r);
      const idx = outPair([3], "int32");
      js.upload(idx.js.data, [5, 0, 5]);
      gpu().upload(idx.gpu.data, [5, 0, 5]);
      const ex = (p: View<Storage>): View<Storage> => ({ ...p, shape: [4, 3], strides: [0, 1] });
      const out = outPair([4, 3], dtype);
      js.gather(out.js, a.js, 1, ex(idx.js));
      gpu().gather(out.gpu, a.gpu, 1, ex(idx.gpu));
      ck.add(`gather ${dtype} broadcast index`, out);
      const acc = outPair([4, 6], dtype, true);
      const src = view([4, 3], "contiguous", dtype, r);
      js.scatterAdd(acc.js, 1, ex(idx.js), src.js);
      gpu().scatterAdd(acc.gpu, 1, ex(idx.gpu), src.gpu);
      ck.add(`scatterAdd ${dtype} broadcast index`, acc);
    }
    await ck.run();
  });

  test("random draws the seeded generator's numbers", async () => {
    for (const dist of ["uniform", "normal"] as const) {
      const o = outPair([7, 3], "float32");
      js.random(o.js, dist, generator(9));
      gpu().random(o.gpu, dist, generator(9));
      assert.deepEqual(Array.from(await gpu().readAsync(o.gpu)), Array.from(js.read(o.js)!), dist);
    }
    manualSeed(3);
    const a = await Tensor.randn([5], { device: "webgpu" }).toArrayAsync();
    manualSeed(3);
    assert.deepEqual(a, Tensor.randn([5], { device: "js" }).toArray());
  });
});

// ---- tensor level --------------------------------------------------------------------------

/** The fixture case on webgpu, every value read with the async forms. */
async function runCaseAsync(c: FCase, device: string): Promise<void> {
  const args = decodeArgs(c.args);
  const built = c.inputs.map((inp) => buildInput(inp, device));
  const outs = runOp(c, built.map((b) => b.x), args);
  assert.equal(outs.length, c.outs.length);
  for (const [i, o] of outs.entries()) {
    assert.equal(o.device, device);
    await assertTensorCloseAsync(o, c.outs[i], c.tol, `out[${i}]`);
  }
  const loss = sumLoss(outs, c.gs.map((g) => (g ? fromFixture(g, device) : null)));
  const gradLeaves = built.filter((_, i) => c.inputs[i].grad).map((b) => b.leaf);
  if (!loss || gradLeaves.length === 0) return;
  if (c.second) {
    const g1 = grad(loss, gradLeaves, { createGraph: true, allowUnused: true });
    let k = 0;
    let loss2: Tensor | null = null;
    for (const [i, inp] of c.inputs.entries()) {
      if (!inp.grad) continue;
      const g = g1[k++];
      await assertTensorCloseAsync(g, c.grads[i]!, c.tol, `grad[${inp.name}] (createGraph)`);
      const term = g.mul(fromFixture(c.second.hs[i]!, device)).sum();
      loss2 = loss2 ? loss2.add(term) : term;
    }
    const g2 = grad(loss2!, gradLeaves, { allowUnused: true });
    k = 0;
    for (const [i, inp] of c.inputs.entries()) {
      if (inp.grad) await assertTensorCloseAsync(g2[k++], c.second.grads2[i]!, c.tol, `second-order grad[${inp.name}]`);
    }
    return;
  }
  loss.backward();
  for (const [i, inp] of c.inputs.entries()) {
    if (!inp.grad) continue;
    const leaf = built[i].leaf;
    await assertTensorCloseAsync(leaf.grad ?? Tensor.zeros(leaf.shape, { device }), c.grads[i]!, c.tol, `grad[${inp.name}]`);
  }
}

describe("webgpu tensors", { skip }, () => {
  const fixtures = loadFixtures();
  const families = [...new Set(fixtures.cases.map((c) => c.family))];
  for (const family of families) {
    const cases = fixtures.cases.filter((c) => c.family === family);
    test(`PyTorch fixtures: ${family} (${cases.length} cases)`, async () => {
      await runAllAsync(cases, (c) => `${c.name} ${c.inputs.map((i) => `${i.name}${shapeStr(i.shape)}:${i.layout}`).join(" ")}`,
        (c) => runCaseAsync(c, "webgpu"));
    });
  }

  test(`larger, ragged inputs agree with js, values and gradients (${cross.length} cases)`, async () => {
    await runAllAsync(cross, (c) => c.name, async (c) => {
      const ref = crossRun(c, "js");
      const got = crossRun(c, "webgpu");
      const tol = c.tol ?? [1e-5, 1e-4];
      for (const [i, o] of ref.outs.entries()) {
        await assertTensorCloseAsync(got.outs[i], { data: Array.from(o.toTypedArray()), shape: o.shape, dtype: o.dtype }, tol, `out[${i}]`);
      }
      for (const [i, g] of ref.grads.entries()) {
        if (g) await assertTensorCloseAsync(got.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, tol, `grad[${i}]`);
      }
    });
  });

  test("fused kernels (softmax, causal scaled softmax, layerNorm, GELU, AdamW) match the js composites", async () => {
    assert.ok(getBackend("webgpu").fused?.softmax && getBackend("webgpu").fused?.adam, "webgpu offers the fused kernels");
    const r = generator(21);
    const xh = Float32Array.from({ length: 6 * 5 * 37 }, () => 4 * r() - 2);
    const wh = Float32Array.from({ length: 37 }, () => r() + 0.5), gh = Float32Array.from({ length: 6 * 5 * 37 }, () => 2 * r() - 1);
    const run = (device: string) => {
      const x = Tensor.from(xh, { shape: [6, 5, 37], device, requiresGrad: true });
      const w = Tensor.from(wh, { device, requiresGrad: true });
      const q = x.slice([], [], [0, 5]); // [6, 5, 5] scores for the causal softmax
      const outs = [x.softmax(-1), x.logSoftmax(-1), F.layerNorm(x, [37], w, null), F.layerNorm(x, [37]), x.gelu(),
        F.scaledDotProductAttention(q, q, q, { isCausal: true })];
      const g = Tensor.from(gh, { shape: [6, 5, 37], device });
      let loss = outs[0].mul(g).sum();
      for (const o of outs.slice(1)) loss = loss.add(o.mul(g.slice([], [], [0, o.shape[2]])).sum());
      loss.backward();
      const opt = new optim.AdamW([w], { lr: 0.1, weightDecay: 0.1 });
      opt.step();
      opt.step();
      return [...outs, x.grad!, w.grad!, w];
    };
    const ref = run("js"), got = run("webgpu");
    for (const [i, o] of ref.entries()) {
      await assertTensorCloseAsync(got[i], { data: Array.from(o.toTypedArray()), shape: o.shape }, [1e-5, 1e-4], `result ${i}`);
    }
  });

  test("fused attention (forward, backward), maxPool2d's indices and conv2d's im2col/col2im match the js composites", async () => {
    const f = getBackend("webgpu").fused!;
    for (const k of ["attention", "attentionBackward", "maxPoolIndices", "im2col", "col2im"] as const) assert.ok(f[k], `webgpu offers ${k}`);
    const sdpa = (opts: F.AttentionOptions) => (q: Tensor, k: Tensor, v: Tensor) => F.scaledDotProductAttention(q, k, v, opts);
    const cases: [string, number[][], (...xs: Tensor[]) => Tensor][] = [
      ["attention causal", [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 6]], sdpa({ isCausal: true })],
      ["attention full, L != S", [[1, 2, 5, 4], [1, 2, 7, 4], [1, 2, 7, 6]], sdpa({})],
      ["attention causal L < S, scale 0.3", [[1, 2, 3, 4], [1, 2, 6, 4], [1, 2, 6, 2]], sdpa({ isCausal: true, scale: 0.3 })],
      ["attention causal L > S", [[1, 2, 9, 3], [1, 2, 4, 3], [1, 2, 4, 5]], sdpa({ isCausal: true })],
      ["attention 2-D, 70 keys (more than one workgroup's threads)", [[70, 3], [70, 3], [70, 2]], sdpa({})],
      ["attention on split heads (strided views)", [[2, 7, 3 * 8]], (qkv) => {
        const [q, k, v] = qkv.split(8, 2).map((t) => t.reshape(2, 7, 2, 4).transpose(1, 2));
        return sdpa({ isCausal: true })(q, k, v);
      }],
      ["maxPool2d 3x3 stride 2, padded", [[2, 3, 7, 6]], (x) => F.maxPool2d(x, 3, 2, 1)],
      ["maxPool2d 2x2", [[1, 2, 4, 5]], (x) => F.maxPool2d(x, 2)],
      ["conv2d stride [2, 1], padding 1, bias", [[2, 3, 6, 5], [4, 3, 3, 2], [4]], (x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: 1 })],
      ["conv2d 1x1", [[1, 4, 3, 3], [2, 4, 1, 1]], (x, w) => F.conv2d(x, w)],
      ["conv2d dilation 2, stride 2, padding 2, bias", [[3, 2, 9, 8], [5, 2, 3, 3], [5]], (x, w, b) => F.conv2d(x, w, b, { dilation: 2, stride: 2, padding: 2 })],
      ["conv2d groups 2", [[2, 4, 5, 5], [4, 2, 3, 3]], (x, w) => F.conv2d(x, w, null, { groups: 2, padding: 1 })],
    ];
    manualSeed(7);
    for (const [name, shapes, fn] of cases) {
      const data = shapes.map((sh) => Tensor.randn(sh, { device: "js" }));
      const g = Tensor.randn(fn(...data).shape, { device: "js" });
      const run = (device: string) => {
        const xs = data.map((d) => d.to(device).detach());
        xs.forEach((x) => (x.requiresGrad = true));
        const out = fn(...xs);
        return { out, gs: grad(out, xs, { gradOutputs: g.to(device) }) };
      };
      const ref = run("js"), got = run("webgpu");
      if (name.startsWith("attention")) assert.match(got.out.gradFn?.op ?? "", /^(causalA|a)ttention$/, `${name}: the fused kernel ran`);
      await assertTensorCloseAsync(got.out, { data: Array.from(ref.out.toTypedArray()), shape: ref.out.shape }, [1e-5, 1e-4], `${name} forward`);
      for (const [i, t] of ref.gs.entries()) {
        await assertTensorCloseAsync(got.gs[i], { data: Array.from(t.toTypedArray()), shape: t.shape }, [1e-5, 1e-4], `${name} grad ${i}`);
      }
    }
  });

  test("an MLP training step with Adam: loss, gradients (1e-4 relative) and updated weights match js", async () => {
    manualSeed(11);
    const make = () => new nn.Sequential(new nn.Linear(20, 32), new nn.GELU(), new nn.LayerNorm(32), new nn.Linear(32, 5));
    const ref = make().to("js");
    const model = make().to("js");
    model.loadStateDict(ref.stateDict());
    model.to("webgpu");
    const xs = Tensor.randn([16, 20], { device: "js" });
    const ys = Tensor.from(Int32Array.from({ length: 16 }, (_, i) => (i * 3) % 5), { device: "js" });
    const step = (m: nn.Module, x: Tensor, y: Tensor) => {
      const opt = new optim.Adam(m.parameters(), { lr: 1e-2 });
      const loss = (m.forward(x) as Tensor).crossEntropy(y);
      loss.backward();
      const grads = m.parameters().map((q) => q.grad!);
      opt.step();
      return { loss, grads };
    };
    const a = step(ref, xs, ys);
    const b = step(model, xs.to("webgpu"), ys.to("webgpu"));
    const la = a.loss.item(), lb = await b.loss.itemAsync();
    assert.ok(Math.abs(lb - la) <= 1e-5 * Math.abs(la), `loss ${lb}, expected ${la}`);
    for (const [i, g] of a.grads.entries()) {
      assert.equal(b.grads[i].device, "webgpu");
      await assertTensorCloseAsync(b.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, [1e-6, 1e-4], `grad of parameter ${i}`);
    }
    const after = model.parameters();
    for (const [i, q] of ref.parameters().entries()) {
      await assertTensorCloseAsync(after[i], { data: Array.from(q.toTypedArray()), shape: q.shape }, [1e-6, 1e-4], `parameter ${i} after Adam`);
    }
  });
});

describe("webgpu: library code that used to read values synchronously", { skip }, () => {
  test("nn.utils.clipGradNorm stays on the device (2, 1, 3, Infinity; clipped and not) and matches js", async () => {
    const r = generator(5);
    const hs = [[3, 4], [5], [0, 2]].map((shape) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 4 * r() - 2) }));
    for (const [maxNorm, normType] of [[1, 2], [100, 2], [2, 1], [1.5, 3], [0.5, Infinity]]) {
      const run = (device: string) => {
        const ps = hs.map((h) => {
          const p = Tensor.zeros(h.shape, { device, requiresGrad: true });
          p.grad = Tensor.from(h.data, { shape: h.shape, device });
          return p;
        });
        return { total: nn.utils.clipGradNorm(ps, maxNorm, normType), grads: ps.map((p) => p.grad!) };
      };
      const before = webgpu.memoryStats().submits;
      const ref = run("js"), got = run("webgpu");
      assert.equal(webgpu.memoryStats().submits, before, "clipGradNorm waited for the device");
      assert.equal(got.total.device, "webgpu");
      await assertTensorCloseAsync(got.total, { data: [ref.total.item()], shape: [] }, [1e-6, 1e-5], `total norm p=${normType}`);
      for (const [i, g] of ref.grads.entries()) {
        await assertTensorCloseAsync(got.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, [1e-6, 1e-5], `grad ${i} p=${normType}`);
      }
    }
  });
  test("oneHot without numClasses, ReduceLROnPlateau.step(tensor) and an optimizer state dict on the device say what to do instead", async () => {
    const y = Tensor.from(Int32Array.from([2, 0]), { device: "webgpu" });
    assert.throws(() => F.oneHot(y), /oneHot: numClasses must be given for a tensor on 'webgpu'.*itemAsync/);
    assert.deepEqual(await F.oneHot(y, 3).toArrayAsync(), [[0, 0, 1], [1, 0, 0]]);
    const opt = new optim.SGD([Tensor.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    const sched = new optim.lrScheduler.ReduceLROnPlateau(opt);
    const adam = new optim.Adam([Tensor.zeros([2], { requiresGrad: true, device: "webgpu" })]);
    const onGpu = Object.fromEntries(Object.entries(adam.stateDict()).map(([k, v]) => [k, (v.dtype === "float64" ? v.float() : v).to("webgpu")]));
    assert.throws(() => adam.loadStateDict(onGpu), /Adam\.loadStateDict: paramGroups\.0\.\w+ is on 'webgpu' and cannot be read synchronously; load the optimizer's state dict on a host device/);
    assert.throws(() => sched.step(Tensor.from([1], { device: "webgpu" }).sum()), /ReduceLROnPlateau\.step: .*'webgpu'.*step\(await metric\.itemAsync\(\)\)/);
  });

  test("the GPT example's generation (async reads): greedy ids match js, with and without the KV cache", async () => {
    manualSeed(3);
    const ref = new GPT({ vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16 }).to("js");
    const m = new GPT(ref.config).to("js");
    m.loadStateDict(ref.stateDict());
    m.to("webgpu");
    for (const cache of [true, false]) {
      const want = await generate(ref, [4, 5], 10, () => 0.5, { temperature: 0, cache });
      assert.deepEqual(await generate(m, [4, 5], 10, () => 0.5, { temperature: 0, cache }), want, `cache ${cache}`);
    }
  });

  test("loadStateDict of webgpu tensors into a host model: an error naming the key, and nothing loaded", async () => {
    const host = new nn.Linear(2, 2), gpu = new nn.Linear(2, 2).to("webgpu");
    const before = host.weight.toArray();
    const sd = { weight: gpu.weight, bias: Tensor.from([7, 8]).to(host.weight.device) }; // bias alone would load
    assert.throws(() => host.loadStateDict(sd), /Linear\.loadStateDict: weight is on 'webgpu' and the model's on '\w+': .*await t\.toAsync/);
    assert.deepEqual(host.weight.toArray(), before);
    assert.notDeepEqual(host.bias!.toArray(), [7, 8]);
    host.loadStateDict({ weight: await gpu.weight.toAsync(host.weight.device), bias: sd.bias });
    assert.deepEqual(host.weight.toArray(), await gpu.weight.toArrayAsync());
  });

  test("model.toAsync brings a model back from webgpu (parameters and buffers, tied weights stay tied)", async () => {
    manualSeed(4);
    const l2 = new nn.Linear(4, 4), l3 = new nn.Linear(4, 4);
    l3.weight = l2.weight; // tied
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), l2, l3);
    const x = Tensor.randn([5, 3], { device: "js" });
    m.to("js");
    const want = m.forward(x).toArray(), sd = m.stateDict();
    m.to("webgpu");
    assert.equal(await m.toAsync("js"), m);
    for (const [k, t] of Object.entries(m.stateDict())) {
      assert.equal(t.device, "js", k);
      assert.deepEqual(t.toArray(), sd[k].toArray(), k);
    }
    assert.ok(m.parameters().every((p) => p.isLeaf && p.requiresGrad));
    assert.equal(l3.weight, l2.weight, "still tied");
    assert.deepEqual(m.forward(x).toArray(), want);
  });

  test("the GPT (train, generate) and GAN examples run with --device webgpu", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-webgpu-ex-"));
    const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "examples");
    const run = (script: string, ...a: string[]) =>
      JSON.parse(execFileSync(process.execPath, [path.join(examples, script), "--device", "webgpu", "--json", ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n").at(-1)!);
    try {
      const textFile = path.join(dir, "text.txt");
      fs.writeFileSync(textFile, "the quick brown fox jumps over the lazy dog.\n".repeat(20));
      const ckpt = path.join(dir, "gpt.safetensors");
      const tiny = ["--text", textFile, "--save", ckpt, "--plot", path.join(dir, "loss.svg"), "--n-layer", "1", "--n-head", "2",
        "--n-embd", "16", "--block-size", "8", "--batch-size", "2", "--eval-interval", "2", "--eval-iters", "1"];
      const trained = run("gpt.js", "--train", "--steps", "2", "--grad-clip", "0.5", ...tiny); // clipGradNorm on the device
      assert.equal(trained.device, "webgpu");
      assert.ok(Number.isFinite(trained.trainLoss) && Number.isFinite(trained.valLoss));
      const resumed = run("gpt.js", "--train", "--steps", "3", "--resume", ...tiny); // AdamW's state back onto the device
      assert.equal(resumed.step, 3);
      assert.ok(Number.isFinite(resumed.trainLoss));
      const gen = run("gpt.js", "--generate", "--load", ckpt, "--max-tokens", "6", "--prompt", "the ");
      assert.equal(gen.device, "webgpu");
      assert.equal(gen.text.length, 6);
      const gan = run("mnist-gan.js", "--epochs", "1", "--limit", "32", "--batch-size", "16", "--hidden", "8", "--noise", "8", "--out", dir);
      assert.equal(gan.device, "webgpu");
      assert.equal(gan.steps, 2);
      for (const k of ["lossD", "lossG", "dReal", "dFake"]) assert.ok(Number.isFinite(gan[k]), k);
      assert.ok(fs.existsSync(path.join(dir, "gan-epoch-1.png")));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("webgpu reading, printing and errors", { skip }, () => {
  test("sync reads throw and name the async form; the async forms work; printing shows the device", async () => {
    const t = Tensor.from([[1, 2], [3, 4]], { device: "webgpu", requiresGrad: true });
    assert.throws(() => t.toArray(), /toArray: .*'webgpu'.*await t\.toArrayAsync\(\)/);
    assert.throws(() => t.toTypedArray(), /await t\.toTypedArrayAsync\(\)/);
    assert.throws(() => t.sum().item(), /await t\.itemAsync\(\)/);
    assert.throws(() => JSON.stringify({ t }), /toJSON \(JSON\.stringify\): .*'webgpu'.*await t\.toArrayAsync\(\)/);
    assert.deepEqual(await t.toArrayAsync(), [[1, 2], [3, 4]]);
    assert.equal(await t.sum().itemAsync(), 10);
    assert.deepEqual(Array.from(await t.T.toTypedArrayAsync()), [1, 3, 2, 4]);
    assert.equal(String(t), "tensor(<shape [2, 2] on webgpu: await t.toArrayAsync() to read the values>, device='webgpu', requiresGrad=true)");
    assert.match(String(t.mul(2)), /device='webgpu', gradFn=<mul>/);
    assert.throws(() => t.to("js"), /to: a tensor on 'webgpu' cannot be copied to 'js' synchronously; use `await t\.toAsync\("js"\)`/);
    // toAsync: back to a host device, with the gradient flowing back onto webgpu
    const h = await t.toAsync("js");
    assert.equal(h.device, "js");
    assert.deepEqual(h.toArray(), [[1, 2], [3, 4]]);
    h.mul(Tensor.from([[1, 2], [3, 4]], { device: "js" })).sum().backward();
    assert.equal(t.grad!.device, "webgpu");
    assert.deepEqual(await t.grad!.toArrayAsync(), [[1, 2], [3, 4]]);
    assert.equal(await t.toAsync("webgpu"), t);
    // a host leaf moved onto webgpu: its gradient cannot come back synchronously, and backward says so
    const leaf = Tensor.from([1, 2], { device: "js", requiresGrad: true });
    assert.throws(() => leaf.to("webgpu").sum().backward(), /backward: the gradient of to\("webgpu"\) cannot be copied back to 'js' synchronously; make the leaf on 'webgpu'/);
    // host to device copies need no wait
    assert.deepEqual(await Tensor.from([5, 6]).to("webgpu").toArrayAsync(), [5, 6]);
  });

  test("float64 is refused with a clear error", () => {
    assert.throws(() => Tensor.zeros([2], { dtype: "float64", device: "webgpu" }), /float64 is not supported on webgpu/);
  });

  test("a bad index found on the device surfaces at the next readback, naming gather", async () => {
    const x = Tensor.from([1, 2, 3], { device: "webgpu" });
    const bad = x.gather(0, Tensor.from(Int32Array.from([0, 7]), { device: "webgpu" }));
    await assert.rejects(bad.toArrayAsync(), /gather: index 7 is out of range for a dim of size 3/);
    // reported once: the device stays usable
    assert.deepEqual(await x.add(1).toArrayAsync(), [2, 3, 4]);
  });

  test("ops enqueue without waiting: a chain of tiny ops is one submit", async () => {
    const x = Tensor.from([1, 2, 3], { device: "webgpu" });
    await x.mul(1.0001).add(0.5).toArrayAsync(); // compiles the two kernels
    const before = webgpu.memoryStats();
    let y = x;
    const n = 60; // 120 ops (and their scalar operands' uploads): well under the 256 dispatches after which a batch is submitted anyway
    const t0 = performance.now();
    for (let i = 0; i < n; i++) y = y.mul(1.0001).add(0.5);
    const enqueueUs = ((performance.now() - t0) * 1000) / (2 * n);
    assert.equal(webgpu.memoryStats().submits, before.submits, "an op submitted or waited");
    assert.ok((await y.toTypedArrayAsync())[0] > 1);
    const totalUs = ((performance.now() - t0) * 1000) / (2 * n);
    assert.equal(webgpu.memoryStats().submits - before.submits, 1, "120 ops and their readback are one submit");
    console.log(`# webgpu: ${enqueueUs.toFixed(1)} us to enqueue a tiny op; ${totalUs.toFixed(1)} us per op with the device's work and one readback (${adapter})`);
  });

  test("memory stays flat over a training loop without dispose()", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const p = new nn.Linear(64, 10).to("webgpu").parameters();
    const x = Tensor.randn([32, 64], { device: "webgpu" });
    const y = Tensor.from(Int32Array.from({ length: 32 }, (_, i) => i % 10), { device: "webgpu" });
    const opt = new optim.Adam(p, { lr: 1e-3 });
    const stepOnce = async () => {
      opt.zeroGrad();
      const loss = F.linear(x, p[0], p[1]).crossEntropy(y);
      loss.backward();
      opt.step();
      return loss.itemAsync();
    };
    const reserved: number[] = [];
    for (let i = 0; i < 150; i++) {
      await stepOnce();
      if (i % 50 === 49) {
        // collect now (a real loop gets there by itself, later) so the readings show what is held
        gc();
        await new Promise((r) => setTimeout(r, 10));
        reserved.push(webgpu.memoryStats().reservedBytes);
      }
    }
    const created = webgpu.memoryStats().buffersCreated;
    for (let i = 0; i < 50; i++) await stepOnce();
    assert.equal(reserved[2], reserved[1], `reserved bytes grew: ${reserved.join(", ")}`);
    assert.equal(webgpu.memoryStats().buffersCreated, created, "a steady loop kept creating buffers");
  });

  test("an error the device reports (here: invalid interop code on dlgrad's GPUDevice) surfaces at the next readback and op, naming it", async () => {
    const t = Tensor.from([1, 2], { device: "webgpu" });
    (webgpu.gpuDevice() as GPUDevice).createBuffer({ size: 16, usage: 0x1 | 0x80 }); // MAP_READ with STORAGE: invalid
    await assert.rejects(t.add(1).toArrayAsync(), /^Error: webgpu: the device reported an error: .*usage.*; tensors on webgpu are no longer usable, call initDevice\("webgpu"\)/i);
    assert.throws(() => t.add(1), /webgpu: the device reported an error/);
    assert.deepEqual(Tensor.from([1, 2], { device: "js" }).add(1).toArray(), [2, 3]); // other devices are unaffected
    await initDevice("webgpu");
    assert.deepEqual(await Tensor.from([1, 2], { device: "webgpu" }).add(1).toArrayAsync(), [2, 3]);
    // out of GPU memory cannot be caused safely on a shared machine: the message it gets
    class GPUOutOfMemoryError { message = "Allocation of 1073741824 bytes failed\n - While calling [Device].CreateBuffer"; }
    assert.match(deviceError(new GPUOutOfMemoryError()).message, /^webgpu: the device ran out of memory: Allocation of 1073741824 bytes failed; tensors on webgpu are no longer usable/);
  });

  test("a lost device: the next op throws naming it, initDevice starts a new one", async () => {
    const t = Tensor.from([1, 2], { device: "webgpu" });
    (webgpu.gpuDevice() as GPUDevice).destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.throws(() => t.add(1), /webgpu: the device was lost/);
    await assert.rejects(t.toArrayAsync(), /the device was lost/);
    // other devices are unaffected
    assert.deepEqual(Tensor.from([1, 2], { device: "js" }).add(1).toArray(), [2, 3]);
    await initDevice("webgpu");
    assert.throws(() => t.add(1), /belongs to a webgpu device that was lost or replaced/);
    assert.deepEqual(await Tensor.from([1, 2], { device: "webgpu" }).add(1).toArrayAsync(), [2, 3]);
  });
});
