// Elementwise arithmetic and predicates: ceil, round, trunc, exp2, log2, log10, expm1, tan, sinh,
// cosh, asin, acos, atan, remainder, fmod, atan2, div's rounding modes (and floorDivide), isnan,
// isinf, isfinite, nanToNum, all, any.
// PyTorch fixtures (test/fixtures/breadth_elementwise.json, written by
// scripts/make_fixtures_elementwise.py) on every device, webgpu included (through the async reads),
// ragged cross-device cases against js, float64 gradchecks, and the int32 division-by-zero errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, initDevice } from "../src/node.js";
import { UNARY_OPS } from "../src/prims.js";
import { generator as rng } from "../src/random.js";
import { type FCase, close, runAllAsync } from "./helpers.js";
import { S, gradcheck, loadBreadth, runCaseAsync } from "./breadth_helpers.js";

const fixtures = loadBreadth("breadth_elementwise.json");

let webgpu = false;
try {
  webgpu = (await initDevice("webgpu")) !== null;
} catch {
  webgpu = false; // no adapter here: the webgpu file says why (and CI requires it there)
}
const devices = [...new Set([...availableDevices(), ...(webgpu ? ["webgpu"] : [])])];

const UNARY = ["ceil", "trunc", "exp2", "log2", "log10", "expm1", "tan", "sinh", "cosh", "asin", "acos", "atan", "isnan", "isinf", "isfinite"] as const;

/* eslint-disable @typescript-eslint/no-explicit-any */
function dispatch(c: FCase, by: Record<string, Tensor>, a: Record<string, any>): Tensor[] {
  const x = by.x, other = a.scalar !== undefined ? a.scalar : by.b;
  switch (c.op) {
    case "round": return [a.decimals === undefined ? x.round() : x.round({ decimals: a.decimals })];
    case "remainder": return [by.a.remainder(other)];
    case "fmod": return [by.a.fmod(other)];
    case "atan2": return [by.a.atan2(other)];
    // floorDivide on the int32 cases, div with the rounding mode on the others
    case "divFloor": return [c.name.includes("int32") ? by.a.floorDivide(other) : by.a.div(other, { roundingMode: "floor" })];
    case "divTrunc": return [by.a.div(other, { roundingMode: "trunc" })];
    case "nanToNum": return [x.nanToNum({ nan: a.nan, posinf: a.posinf, neginf: a.neginf })];
    case "all": return [a.dim === undefined ? x.all() : x.all(a.dim, { keepdim: a.keepdim })];
    case "any": return [a.dim === undefined ? x.any() : x.any(a.dim, { keepdim: a.keepdim })];
    default:
      if ((UNARY as readonly string[]).includes(c.op)) return [(x as any)[c.op]()];
      throw new Error(`elementwise.test: no dispatch for ${c.op}`);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** One fixture case through breadth_helpers' runCaseAsync (the async reads, so webgpu runs it
 *  too), with this file's own checks on the outputs first: their count, their device, and that an
 *  output which should be differentiable requires grad. */
async function runCase(c: FCase, device: string): Promise<void> {
  await runCaseAsync(c, device, (_op, by, args) => {
    const outs = dispatch(c, by, args);
    assert.equal(outs.length, c.outs.length);
    for (const o of outs) assert.equal(o.device, device);
    // no gradient asked, or none possible (predicates, int32): the output must not track one
    const tracked = outs.some((o, i) => c.gs[i] && o.requiresGrad);
    if (!tracked && c.inputs.some((inp) => inp.grad) && c.gs.some((g) => g)) assert.fail("an output that should be differentiable does not require grad");
    return outs;
  });
}

test("the fixtures cover every op, each with a gradient where it has one", () => {
  const ops = new Set(fixtures.cases.map((c) => c.op));
  for (const op of [...UNARY, "round", "remainder", "fmod", "atan2", "divFloor", "divTrunc", "nanToNum", "all", "any"]) assert.ok(ops.has(op), `no fixture for ${op}`);
  for (const op of ["exp2", "log2", "tan", "asin", "remainder", "fmod", "atan2", "nanToNum"]) {
    assert.ok(fixtures.cases.some((c) => c.op === op && c.grads.some((g) => g)), `no gradient fixture for ${op}`);
  }
  for (const op of UNARY) assert.ok((UNARY_OPS as readonly string[]).includes(op), `${op} is a unary primitive`);
});

for (const device of devices) {
  test(`elementwise ops against PyTorch on ${device} (${fixtures.cases.length} cases)`, async () => {
    await runAllAsync(fixtures.cases, (c) => c.name, (c) => runCase(c, device));
  });
}

// ---- cross-device: ragged shapes and strided views, every device against js -------------------

interface Cross { name: string; shapes: number[][]; lo: number; hi: number; f: (xs: Tensor[]) => Tensor[] }
const cross: Cross[] = [
  { name: "rounding, transposed", shapes: [[37, 70]], lo: -40, hi: 40, f: ([x]) => [x.T.ceil(), x.T.round(), x.T.trunc(), x.round({ decimals: 1 })] },
  { name: "exp2, expm1, sinh, cosh, atan", shapes: [[33, 70]], lo: -5, hi: 5, f: ([x]) => [x.exp2(), x.expm1(), x.sinh(), x.cosh(), x.T.atan()] },
  { name: "log2, log10, sliced", shapes: [[9, 130]], lo: 0.01, hi: 50, f: ([x]) => [x.slice([], [1, null, 3]).log2(), x.log10()] },
  { name: "tan, asin, acos", shapes: [[300]], lo: -0.99, hi: 0.99, f: ([x]) => [x.tan(), x.asin(), x.acos()] },
  { name: "remainder, fmod, broadcast", shapes: [[17, 31], [31]], lo: -9, hi: 9, f: ([a, b]) => [a.remainder(b), a.fmod(b), a.T.remainder(-1.5), b.fmod(a)] },
  { name: "atan2, broadcast", shapes: [[3, 1, 40], [5, 40]], lo: -3, hi: 3, f: ([a, b]) => [a.atan2(b), b.atan2(a)] },
  { name: "div rounding modes, broadcast", shapes: [[17, 31], [31]], lo: -9, hi: 9, f: ([a, b]) => [a.div(b, { roundingMode: "floor" }), a.T.div(-1.5, { roundingMode: "trunc" }), b.floorDivide(a)] },
  { name: "predicates, nanToNum, all, any", shapes: [[23, 45]], lo: -2, hi: 2, f: ([x]) => {
    const y = x.log().div(x.round()); // NaN below 0, ±inf at round(x) = 0, finite elsewhere
    return [y.isnan(), y.isinf(), y.isfinite(), y.nanToNum({ nan: 0.5 }), y.all(), y.any(-1), x.round().all(0, { keepdim: true })];
  } },
];

async function crossRun(c: Cross, device: string): Promise<Float32Array[][]> {
  const r = rng(c.name.length * 7919 + 13);
  const leaves = c.shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    return Tensor.from(Float32Array.from({ length: n }, () => c.lo + (c.hi - c.lo) * r()), { shape: s, device, requiresGrad: true });
  });
  const outs = c.f(leaves);
  let loss: Tensor | null = null;
  for (const o of outs.filter((t) => t.requiresGrad)) {
    const g = Tensor.from(Float32Array.from({ length: o.numel }, () => 2 * r() - 1), { shape: o.shape, device });
    const term = o.mul(g).sum();
    loss = loss ? loss.add(term) : term;
  }
  loss?.backward();
  const read = async (t: Tensor) => Float32Array.from(await t.toTypedArrayAsync());
  return [await Promise.all(outs.map(read)), await Promise.all(leaves.map((l) => read(l.grad ?? Tensor.zeros(l.shape, { device }))))];
}

describe("every device against js on ragged and strided inputs", () => {
  for (const device of devices.filter((d) => d !== "js")) {
    test(`${device} vs js (${cross.length} cases)`, async () => {
      await runAllAsync(cross, (c) => c.name, async (c) => {
        const [want, got] = [await crossRun(c, "js"), await crossRun(c, device)];
        const tol = device === "webgpu" ? [1e-5, 2e-5] : [1e-6, 1e-5];
        for (const [part, what] of [[0, "out"], [1, "grad"]] as const) {
          want[part].forEach((w, j) => {
            const g = got[part][j];
            assert.equal(g.length, w.length);
            for (let i = 0; i < w.length; i++) {
              if (!close(g[i], w[i], tol[0], tol[1])) assert.fail(`${what}[${j}] [${i}]: ${device} ${g[i]}, js ${w[i]}`);
            }
          });
        }
      });
    });
  }
});

// ---- float64 gradchecks (js) ------------------------------------------------------------------

describe("gradcheck (float64, js)", () => {
  const checks: [string, Parameters<typeof gradcheck>[1], Parameters<typeof gradcheck>[2], boolean?][] = [
    ["exp2", [S([3, 4])], ([x]) => x.exp2(), true],
    ["log2", [S([3, 4], "pos")], ([x]) => x.log2(), true],
    ["log10", [S([3, 4], "pos")], ([x]) => x.log10(), true],
    ["expm1", [S([3, 4])], ([x]) => x.expm1(), true],
    ["tan", [S([3, 4], "unit")], ([x]) => x.tan(), true],
    ["sinh", [S([3, 4])], ([x]) => x.sinh(), true],
    ["cosh", [S([3, 4])], ([x]) => x.cosh(), true],
    ["asin", [S([3, 4], "unit")], ([x]) => x.asin(), true],
    ["acos", [S([3, 4], "unit")], ([x]) => x.acos().T, true],
    ["atan", [S([3, 4])], ([x]) => x.atan(), true],
    // values 0.1 apart, offset from the grid: no quotient lands on an integer within eps
    ["remainder", [S([3, 4], "spread"), S([4], "pos")], ([a, b]) => a.mul(3).remainder(b)],
    ["fmod", [S([3, 4], "spread"), S([3, 4], "pos")], ([a, b]) => a.mul(3).fmod(b.T.T)],
    ["atan2", [S([3, 4]), S([3, 1])], ([a, b]) => a.atan2(b), true],
    ["ceil, round, trunc (zero)", [S([3, 4], "spread")], ([x]) => [x.ceil(), x.round(), x.trunc(), x.round({ decimals: 1 })]],
    ["nanToNum (finite: identity)", [S([3, 4])], ([x]) => x.nanToNum({ nan: 1 }).mul(x), true],
  ];
  for (const [name, specs, f, second] of checks) {
    test(name, () => gradcheck(name, specs, f, { second }));
  }
});

// ---- semantics the fixtures do not show --------------------------------------------------------

describe("semantics", () => {
  test("nanToNum: no gradient where the input was NaN or infinite, float64's own defaults", () => {
    const x = Tensor.from([1, NaN, Infinity, -Infinity, 2], { dtype: "float64", device: "js", requiresGrad: true });
    const y = x.nanToNum();
    assert.deepEqual(y.toArray(), [1, 0, Number.MAX_VALUE, -Number.MAX_VALUE, 2]);
    y.mul(Tensor.from([1, 2, 3, 4, 5], { dtype: "float64", device: "js" })).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 0, 0, 0, 5]);
  });

  test("predicates, all and any are float32 0/1 without a gradient; int32 follows PyTorch's dtypes", () => {
    const x = Tensor.from([1, NaN], { dtype: "float64", device: "js", requiresGrad: true });
    for (const t of [x.isnan(), x.isinf(), x.isfinite(), x.all(), x.any(0)]) {
      assert.equal(t.dtype, "float32");
      assert.equal(t.requiresGrad, false);
    }
    const i = Tensor.from([-3, 0, 5], { dtype: "int32", device: "js" });
    for (const op of ["ceil", "trunc"] as const) assert.equal(i[op](), i, `${op} of int32 is the input`);
    assert.equal(i.round(), i);
    assert.equal(i.nanToNum(), i);
    assert.equal(i.remainder(2).dtype, "int32");
    assert.equal(i.remainder(2.5).dtype, "float32");
    assert.equal(i.atan2(i).dtype, "float32");
    for (const op of ["exp2", "log2", "log10", "expm1", "tan", "sinh", "cosh", "asin", "acos", "atan"] as const) assert.equal(i[op]().dtype, "float32", op);
  });

  for (const device of devices) {
    test(`add and sub with alpha (PyTorch's this ± alpha·other) on ${device}, with its gradient`, async () => {
      // torch.add(x, y, alpha=-0.5) = [-4, -8], its gradients 1 and -0.5; torch.sub(x, 3, alpha=2) = [-5, -4]
      const x = Tensor.from([1, 2], { device, requiresGrad: true }), y = Tensor.from([10, 20], { device, requiresGrad: true });
      const z = x.add(y, { alpha: -0.5 });
      z.sum().backward();
      assert.deepEqual(await z.toArrayAsync(), [-4, -8]);
      assert.deepEqual(await x.grad!.toArrayAsync(), [1, 1]);
      assert.deepEqual(await y.grad!.toArrayAsync(), [-0.5, -0.5]);
      assert.deepEqual(await x.sub(3, { alpha: 2 }).toArrayAsync(), [-5, -4]);
      assert.deepEqual(await x.sub(y, { alpha: 0.1 }).toArrayAsync(), [0, 0]);
      assert.deepEqual(await Tensor.from([7], { dtype: "int32", device }).add(Tensor.from([2], { dtype: "int32", device }), { alpha: 3 }).toArrayAsync(), [13]);
    });

    test(`int32 remainder, fmod and rounded div by zero are errors on ${device}, int32 min by -1 is 0 (div: wraps)`, async () => {
      const a = Tensor.from([7, -2147483648], { dtype: "int32", device }), z = Tensor.from([2, 0], { dtype: "int32", device });
      for (const op of ["remainder", "fmod"] as const) {
        // host devices refuse at the call; webgpu flags it on the device and the next read throws
        await assert.rejects(async () => a[op](z).toArrayAsync(), new RegExp(`^Error: ${op}: integer division by zero`));
        await assert.rejects(async () => a[op](0).toArrayAsync(), new RegExp(`${op}: integer division by zero`));
        assert.deepEqual(await a[op](-1).toArrayAsync(), [0, 0]);
      }
      for (const roundingMode of ["floor", "trunc"] as const) {
        // (webgpu's error, found on the device, names div/floorDivide: one kernel serves both)
        await assert.rejects(async () => a.div(z, { roundingMode }).toArrayAsync(), /^Error: div(\/floorDivide)?: integer division by zero/);
        // PyTorch's kernel traps on INT32_MIN / -1 (SIGFPE); dlgrad wraps, as int32 negation does
        assert.deepEqual(await a.div(-1, { roundingMode }).toArrayAsync(), [-7, -2147483648]);
      }
      await assert.rejects(async () => a.floorDivide(0).toArrayAsync(), /^Error: (div\/)?floorDivide: integer division by zero/);
      // the device is still usable after the error
      assert.deepEqual(await a.remainder(Tensor.from([2, 3], { dtype: "int32", device })).toArrayAsync(), [1, 1]);
    });
  }
});
