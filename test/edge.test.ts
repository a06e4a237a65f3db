// Named edge cases: NaN and ±Infinity, ties, empty tensors, 0-d tensors, and bad inputs
// (each error names the op and the offending shapes or values, and leaves the inputs unchanged).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, tensor } from "../src/node.js";
import { assertTensorClose } from "./helpers.js";

const NaN_ = NaN, inf = Infinity;
const EXACT = [0, 0] as const;
const TOL = [1e-6, 1e-5] as const;

/** Compare with nested expected values (NaN and ±Infinity exactly). */
function expectValues(t: Tensor, expected: number | number[] | number[][], what: string, tol: readonly [number, number] = TOL): void {
  const shape: number[] = [];
  let probe: unknown = expected;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat = Array.isArray(expected) ? (expected as unknown[]).flat(2) as number[] : [expected];
  assertTensorClose(t, { data: flat, shape }, tol, what);
}

/** Snapshot of everything a failing op must leave alone. */
function snapshot(ts: Tensor[]): string {
  return JSON.stringify(ts.map((t) => ({
    shape: t.shape, strides: t.strides, dtype: t.dtype, data: Array.from(t.toTypedArray()), rg: t.requiresGrad,
    grad: t.grad ? Array.from(t.grad.toTypedArray()) : null,
  })));
}

/** fn must throw an Error matching every pattern, and the inputs must be unchanged afterwards. */
function throwsNaming(fn: () => unknown, patterns: RegExp[], inputs: Tensor[] = []): void {
  const before = snapshot(inputs);
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected an Error to be thrown (patterns ${patterns.join(" ")}), got ${String(err)}`);
  for (const p of patterns) assert.match(err.message, p, `message "${err.message}" should match ${p}`);
  assert.equal(snapshot(inputs), before, `inputs changed by a failing op (${err.message})`);
}

for (const device of availableDevices()) {
  const t = (data: Parameters<typeof tensor>[0], requiresGrad = false) => tensor(data, { device, requiresGrad });

  describe(`edge cases on ${device}`, () => {
    test("NaN and ±Infinity propagate through elementwise ops", () => {
      const x = t([NaN_, inf, -inf, 0, -1, 2]);
      expectValues(x.exp(), [NaN_, inf, 0, 1, Math.exp(-1), Math.exp(2)], "exp");
      expectValues(x.log(), [NaN_, inf, NaN_, -inf, NaN_, Math.log(2)], "log");
      expectValues(x.sqrt(), [NaN_, inf, NaN_, 0, NaN_, Math.SQRT2], "sqrt");
      expectValues(x.rsqrt(), [NaN_, 0, NaN_, inf, NaN_, 1 / Math.SQRT2], "rsqrt");
      expectValues(x.abs(), [NaN_, inf, inf, 0, 1, 2], "abs");
      expectValues(x.neg(), [NaN_, -inf, inf, 0, 1, -2], "neg");
      expectValues(x.relu(), [NaN_, inf, 0, 0, 0, 2], "relu");
      expectValues(x.sigmoid(), [NaN_, 1, 0, 0.5, 1 / (1 + Math.E), 1 / (1 + Math.exp(-2))], "sigmoid");
      expectValues(x.tanh(), [NaN_, 1, -1, 0, Math.tanh(-1), Math.tanh(2)], "tanh");
      expectValues(x.square(), [NaN_, inf, inf, 0, 1, 4], "square");
      expectValues(x.clamp(-0.5, 0.5), [NaN_, 0.5, -0.5, 0, -0.5, 0.5], "clamp");
      expectValues(x.mul(0), [NaN_, NaN_, NaN_, 0, -0, 0], "mul 0 (inf*0 is NaN)");
      expectValues(x.add(1), [NaN_, inf, -inf, 1, 0, 3], "add 1");
      const a = t([1, -1, 0, inf, inf, NaN_]);
      const b = t([0, 0, 0, inf, -inf, 1]);
      expectValues(a.div(b), [inf, -inf, NaN_, NaN_, NaN_, NaN_], "div");
      expectValues(a.add(b), [1, -1, 0, inf, NaN_, NaN_], "add (inf + -inf)");
      expectValues(a.sub(b), [1, -1, 0, NaN_, inf, NaN_], "sub");
      expectValues(a.maximum(b), [1, 0, 0, inf, inf, NaN_], "maximum propagates NaN");
      expectValues(a.minimum(b), [0, -1, 0, inf, -inf, NaN_], "minimum propagates NaN");
      expectValues(a.eq(b), [0, 0, 1, 1, 0, 0], "eq (NaN != anything)", EXACT);
      expectValues(a.ne(b), [1, 1, 0, 0, 1, 1], "ne", EXACT);
      expectValues(a.gt(b), [1, 0, 0, 0, 1, 0], "gt", EXACT);
      expectValues(a.le(b), [0, 1, 1, 1, 0, 0], "le", EXACT);
    });

    test("NaN and ±Infinity through reductions", () => {
      const x = t([[1, NaN_, 3], [inf, -inf, 0], [-inf, -inf, -inf], [2, 5, -1], [inf, 1, inf]]);
      expectValues(x.sum(1), [NaN_, NaN_, -inf, 6, inf], "sum");
      expectValues(x.mean(1), [NaN_, NaN_, -inf, 2, inf], "mean");
      expectValues(x.max(1).values, [NaN_, inf, -inf, 5, inf], "max propagates NaN");
      expectValues(x.min(1).values, [NaN_, -inf, -inf, -1, 1], "min propagates NaN");
      expectValues(x.max(1).indices, [1, 0, 0, 1, 0], "max(dim).indices: NaN is the maximum; first of ties", EXACT);
      expectValues(x.amin(1), [NaN_, -inf, -inf, -1, 1], "amin propagates NaN");
      expectValues(x.argmax(1), [1, 0, 0, 1, 0], "argmax: NaN is the maximum; first of ties", EXACT);
      expectValues(x.argmin(1), [1, 1, 0, 2, 1], "argmin: NaN is the minimum", EXACT);
      expectValues(x.logsumexp(1), [NaN_, inf, -inf, Math.log(Math.exp(2) + Math.exp(5) + Math.exp(-1)), inf], "logsumexp");
      expectValues(x.sum(), NaN_, "sum of all");
      expectValues(t([-inf, 0, 1]).softmax(0), [0, 1 / (1 + Math.E), Math.E / (1 + Math.E)], "softmax with -inf");
      expectValues(t([-inf, 0]).logSoftmax(0), [-inf, 0], "logSoftmax with -inf");
      expectValues(t([1e4, 0]).softmax(0), [1, 0], "softmax of a huge logit does not overflow");
      expectValues(t([1e4, 1e4]).logsumexp(), 1e4 + Math.log(2), "logsumexp does not overflow", [1e-2, 1e-6]);
    });

    test("gradients stay finite next to ±Infinity where PyTorch's do", () => {
      const x = t([-inf, 0, 1], true);
      const g = t([0.3, -1.2, 0.7]);
      x.softmax(0).mul(g).sum().backward();
      assert.ok(x.grad);
      const gv = Array.from(x.grad.toTypedArray());
      assert.equal(gv[0], 0, `softmax grad at -inf: ${gv}`);
      assert.ok(gv.every(Number.isFinite), `softmax grads: ${gv}`);
      const y = t([1, 2], true);
      y.maskedFill(t([1, 0]), -inf).logsumexp().backward();
      expectValues(y.grad!, [0, 1], "logsumexp grad after maskedFill(-inf)");
    });

    test("ties in max/min: first index for argmax, gradient split evenly (like torch.amax)", () => {
      const x = t([[1, 3, 3], [2, 2, 2]], true);
      expectValues(x.amax(1), [3, 2], "amax");
      x.amax(1).mul(t([1, 3])).sum().backward();
      expectValues(x.grad!, [[0, 0.5, 0.5], [1, 1, 1]], "amax(1) grad");
      x.grad = null;
      x.max(1).values.mul(t([1, 3])).sum().backward();
      expectValues(x.grad!, [[0, 1, 0], [3, 0, 0]], "max(1).values grad: to the first maximum only, like torch.max(dim)");
      x.grad = null;
      x.max().backward();
      expectValues(x.grad!, [[0, 0.5, 0.5], [0, 0, 0]], "max() grad");
      x.grad = null;
      x.min().mul(6).backward();
      expectValues(x.grad!, [[6, 0, 0], [0, 0, 0]], "min() grad (single minimum)");
      x.grad = null;
      x.amin(1, { keepdim: true }).sum().backward();
      expectValues(x.grad!, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], "min(1, keepdim) grad");
      expectValues(x.argmax(1), [1, 0], "argmax picks the first of ties", EXACT);
      expectValues(x.argmin(), 0, "argmin of all", EXACT);
      const y = t([2, 2], true);
      const z = t([2, 2], true);
      y.maximum(z).sum().backward();
      expectValues(y.grad!, [0.5, 0.5], "maximum tie grad (a)");
      expectValues(z.grad!, [0.5, 0.5], "maximum tie grad (b)");
    });

    test("empty tensors", () => {
      const e = Tensor.zeros([0, 3], { device, requiresGrad: true });
      assert.deepEqual([...e.shape], [0, 3]);
      assert.equal(e.numel, 0);
      expectValues(e.sum(), 0, "sum of empty is 0");
      expectValues(e.sum(0), [0, 0, 0], "sum over the empty dim gives zeros");
      assert.deepEqual([...e.sum(1).shape], [0], "sum(1) of [0, 3]");
      expectValues(e.mean(), NaN_, "mean of empty is NaN (like PyTorch)");
      expectValues(e.mean(0), [NaN_, NaN_, NaN_], "mean over the empty dim is NaN");
      const a = Tensor.ones([2, 0], { device, requiresGrad: true });
      const b = Tensor.ones([0, 3], { device, requiresGrad: true });
      const m = a.matmul(b);
      expectValues(m, [[0, 0, 0], [0, 0, 0]], "[2, 0] @ [0, 3] gives zeros");
      m.sum().backward();
      assert.deepEqual([...a.grad!.shape], [2, 0]);
      assert.deepEqual([...b.grad!.shape], [0, 3]);
      const s = e.add(t([1, 2, 3])).exp().sum();
      s.backward();
      assert.deepEqual([...e.grad!.shape], [0, 3], "grad of an empty leaf has its shape");
      assert.deepEqual(e.toArray(), []);
      assert.deepEqual([...Tensor.cat([e.detach(), t([[1, 2, 3]])]).shape], [1, 3], "cat with an empty tensor");
      assert.deepEqual([...t([1, 2, 3]).slice([2, 2]).shape], [0], "empty slice");
      assert.deepEqual([...e.reshape([3, 0]).shape], [3, 0]);
      assert.throws(() => e.max(), /max/, "max of an empty tensor has no value");
    });

    test("int32 tensors: dtype promotion like PyTorch", () => {
      const i = tensor([1, 2, 3], { dtype: "int32", device });
      const check = (x: Tensor, dtype: string, values: number | number[], what: string) => {
        assert.equal(x.dtype, dtype, `${what}: dtype ${x.dtype}`);
        assert.equal(x.device, device);
        expectValues(x, values, what);
      };
      check(i.add(1), "int32", [2, 3, 4], "int + integer number stays int32");
      check(i.mul(i), "int32", [1, 4, 9], "int * int");
      check(i.neg(), "int32", [-1, -2, -3], "neg");
      check(i.add(0.5), "float32", [1.5, 2.5, 3.5], "int + fractional number is float32");
      check(i.mul(t([0.5, 1, 2])), "float32", [0.5, 2, 6], "int * float tensor is float32");
      check(i.div(2), "float32", [0.5, 1, 1.5], "division is true division");
      check(i.div(tensor([2, 2, 2], { dtype: "int32", device })), "float32", [0.5, 1, 1.5], "int / int is float32");
      check(i.exp(), "float32", [Math.E, Math.exp(2), Math.exp(3)], "exp of int32 is float32");
      check(i.sum(), "int32", 6, "sum of int32 stays int32");
      check(i.max(), "int32", 3, "max of int32");
      check(i.gt(1), "float32", [0, 1, 1], "comparisons give float32 0/1");
      check(t([0.5, 2.5, 1]).argmax(), "int32", 1, "argmax gives int32");
      check(tensor([2.7, -1.2], { device }).int(), "int32", [2, -1], "cast to int32 truncates toward 0");
    });

    test("int32 products wrap exactly (two's complement), as PyTorch's int32 mul", () => {
      // x·y in double rounds past 2^53 before the wrap: 2147483647² came out 0 (the wrap is 1) and
      // 123456789² one off, on js and, emulating it, in the C kernels; webgpu wrapped exactly
      const big = [2147483647, -2147483648, -2147483647, 123456789, -987654321, 46341, 65536, -7];
      for (const n of [big.length, 64]) { // 64: past the tiny ops that run on the js kernels
        const v = Int32Array.from({ length: n }, (_, k) => big[k % big.length]);
        const x = tensor(v, { device });
        const want = Array.from(v, (a) => Math.imul(a, a));
        assert.deepEqual(Array.from(x.mul(x).toTypedArray()), want, `mul of ${n}`);
        assert.deepEqual(Array.from(x.square().toTypedArray()), want, `square of ${n}`);
        const y = tensor([-2147483647], { dtype: "int32", device });
        assert.deepEqual(Array.from(x.mul(y).toTypedArray()), Array.from(v, (a) => Math.imul(a, -2147483647)), `mul by a broadcast scalar, ${n}`);
      }
    });

    test("0-d tensors", () => {
      const s = t(2.5, true);
      assert.deepEqual([...s.shape], []);
      assert.equal(s.ndim, 0);
      assert.equal(s.numel, 1);
      assert.equal(s.item(), 2.5);
      assert.equal(s.toArray(), 2.5);
      const y = s.mul(t([[1, 2, 3], [4, 5, 6]])).sum();
      y.backward();
      expectValues(s.grad!, 21, "grad of a broadcast 0-d");
      assert.deepEqual([...s.grad!.shape], []);
      expectValues(s.exp(), Math.exp(2.5), "exp of 0-d");
      expectValues(s.sum(), 2.5, "sum of 0-d");
      expectValues(s.reshape([1, 1]), [[2.5]], "0-d reshape");
      expectValues(s.unsqueeze(0), [2.5], "0-d unsqueeze");
      expectValues(t([[7]]).squeeze(), 7, "squeeze to 0-d");
      expectValues(t([1, 2, 3]).slice(1), 2, "integer slice of 1-D gives 0-d");
      expectValues(t([1, 2, 3]).matmul(t([4, 5, 6])), 32, "1-D @ 1-D is 0-d");
      expectValues(Tensor.stack([t(1), t(2)]), [1, 2], "stack of 0-d");
    });
  });
}

describe("bad inputs throw errors that name the op and the shapes or values", () => {
  const a23 = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const a4 = tensor([1, 2, 3, 4], { requiresGrad: true });

  test("add: shapes that do not broadcast", () => {
    throwsNaming(() => a23.add(a4), [/add/, /\[2, 3\]/, /\[4\]/], [a23, a4]);
    throwsNaming(() => a23.mul(tensor([[1, 2], [3, 4]])), [/mul/, /\[2, 3\]/, /\[2, 2\]/], [a23]);
    throwsNaming(() => Tensor.where(tensor([1, 0]), a23, 0), [/where/, /\[2\]/, /\[2, 3\]/], [a23]);
  });

  test("maskedFill: a mask that does not broadcast (the message names maskedFill, not its helper)", () => {
    throwsNaming(() => a23.maskedFill(tensor([1, 0, 1, 0]), 0), [/maskedFill/, /\[4\]/, /\[2, 3\]/], [a23]);
  });

  test("matmul: inner dimensions", () => {
    const b = tensor([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]);
    throwsNaming(() => a23.matmul(b), [/matmul/, /\[2, 3\]/, /\[4, 5\]/], [a23, b]);
    throwsNaming(() => a23.matmul(a4), [/matmul/, /\[2, 3\]/, /\[4\]/], [a23, a4]);
    throwsNaming(() => tensor(3).matmul(a4), [/matmul/], [a4]);
  });

  test("matmul: batch dims that do not broadcast (the message names both operands' shapes)", () => {
    const bb = Tensor.zeros([2, 3, 4]), cc = Tensor.zeros([3, 4, 2]);
    throwsNaming(() => bb.matmul(cc), [/matmul/, /\[2, 3, 4\]/, /\[3, 4, 2\]/], [bb, cc]);
  });

  test("reshape / view / expand to incompatible shapes", () => {
    throwsNaming(() => a23.reshape([4]), [/reshape/, /\[2, 3\]/, /\[4\]/], [a23]);
    throwsNaming(() => a23.reshape([-1, 4]), [/reshape/, /\[2, 3\]/], [a23]);
    throwsNaming(() => a23.reshape([-1, -1]), [/reshape/], [a23]);
    throwsNaming(() => a23.view([7]), [/view/, /\[2, 3\]/], [a23]);
    throwsNaming(() => a23.T.view([6]), [/view/, /\[3, 2\]/], [a23]);
    throwsNaming(() => a23.expand([4, 3]), [/expand/, /\[2, 3\]/, /\[4, 3\]/], [a23]);
    throwsNaming(() => a23.expand([3]), [/expand/, /\[2, 3\]/, /\[3\]/], [a23]);
  });

  test("bad and repeated dims", () => {
    throwsNaming(() => a23.permute(0, 0), [/permute/, /\[0, 0\]/, /\[2, 3\]/], [a23]);
    throwsNaming(() => a23.permute(0), [/permute/, /\[2, 3\]/], [a23]);
    throwsNaming(() => a23.permute(0, 2), [/permute/, /2/], [a23]);
    throwsNaming(() => a23.sum([0, 0]), [/sum/, /\[0, 0\]/], [a23]);
    throwsNaming(() => a23.sum([1, -1]), [/sum/, /\[1, -1\]/], [a23]);
    throwsNaming(() => a23.sum(2), [/sum/, /\b2\b/], [a23]);
    throwsNaming(() => a23.mean(-3), [/mean/, /-3/], [a23]);
    throwsNaming(() => a23.max(5), [/max/, /\b5\b/], [a23]);
    throwsNaming(() => a23.argmax(2), [/argmax/, /\b2\b/], [a23]);
    throwsNaming(() => a23.softmax(2), [/softmax|max/, /\b2\b/], [a23]);
    throwsNaming(() => a23.transpose(0, 2), [/transpose/, /\b2\b/], [a23]);
    throwsNaming(() => a23.unsqueeze(3), [/unsqueeze/, /\b3\b/], [a23]);
    throwsNaming(() => a23.squeeze(2), [/squeeze/, /\b2\b/], [a23]);
    throwsNaming(() => a23.flatten(1, 0), [/flatten/], [a23]);
    throwsNaming(() => Tensor.cat([a23, a23], 2), [/cat/, /\b2\b/], [a23]);
  });

  test("slice: an out-of-range integer index throws, out-of-range ranges clamp", () => {
    throwsNaming(() => a23.slice(2), [/slice/, /\b2\b/, /\[2, 3\]/], [a23]);
    throwsNaming(() => a23.slice(-3), [/slice/, /-3/], [a23]);
    throwsNaming(() => a23.slice([], 3), [/slice/, /\b3\b/], [a23]);
    throwsNaming(() => a23.slice(0, 0, 0), [/slice/], [a23]);
    throwsNaming(() => a23.slice([null, null, 0]), [/slice/, /step/], [a23]);
    throwsNaming(() => a23.slice([null, null, -1]), [/slice/, /step/], [a23]);
    assert.deepEqual(a23.slice([1, 100]).toArray(), [[4, 5, 6]], "end clamps");
    assert.deepEqual(a23.slice([-100, 100], [-100, 2]).toArray(), [[1, 2], [4, 5]], "start clamps");
    assert.deepEqual([...a23.slice([5, 10]).shape], [0, 3], "a range past the end is empty");
    assert.deepEqual([...a23.slice([], [2, 1]).shape], [2, 0], "start after end is empty");
  });

  test("gather: the index tensor must be int32", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
    throwsNaming(() => x.gather(1, tensor([[0], [1], [2]])), [/gather/, /int32/], [x]);
  });

  test("indexSelect: the index tensor must be int32 (the message names indexSelect)", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
    throwsNaming(() => x.indexSelect(0, tensor([0, 1])), [/indexSelect/, /int32/], [x]);
  });

  test("gather: index values must be in range", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
    throwsNaming(() => x.gather(1, tensor([[0], [3], [1]], { dtype: "int32" })), [/gather/, /\b3\b/], [x]);
    throwsNaming(() => x.gather(0, tensor([[-1, 0, 0]], { dtype: "int32" })), [/gather/, /-1/], [x]);
  });

  test("indexSelect: index values must be in range (the message names indexSelect)", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
    throwsNaming(() => x.indexSelect(0, tensor([0, 5], { dtype: "int32" })), [/indexSelect/, /\b5\b/], [x]);
    throwsNaming(() => x.indexSelect(1, tensor([-1], { dtype: "int32" })), [/indexSelect/, /-1/], [x]);
  });

  test("embedding: index values must be in range (the message names embedding)", () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    throwsNaming(() => F.embedding(tensor([0, 2], { dtype: "int32" }), w), [/embedding/, /\b2\b/], [w]);
  });

  test("crossEntropy / nllLoss: targets must be int32, in range, and of the right shape", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { requiresGrad: true });
    throwsNaming(() => x.crossEntropy(tensor([0, 1, 7], { dtype: "int32" })), [/crossEntropy/, /\b7\b/], [x]);
    throwsNaming(() => x.crossEntropy(tensor([0, 1, 2])), [/crossEntropy/, /int32/], [x]);
    throwsNaming(() => x.crossEntropy(tensor([0, 1], { dtype: "int32" })), [/crossEntropy/, /\[2\]/, /\[3, 3\]/], [x]);
    throwsNaming(() => x.nllLoss(tensor([0, -2, 1], { dtype: "int32" })), [/nllLoss/, /-2/], [x]);
    // the ignore index is not "out of range"
    assert.ok(Number.isFinite(x.crossEntropy(tensor([0, -100, 2], { dtype: "int32" })).item()));
  });

  test("requiresGrad on int32 throws", () => {
    throwsNaming(() => tensor([1, 2, 3], { dtype: "int32", requiresGrad: true }), [/requiresGrad|grad/, /int32/]);
    const i = tensor([1, 2, 3], { dtype: "int32" });
    throwsNaming(() => {
      i.requiresGrad = true;
    }, [/requiresGrad|grad/, /int32/], [i]);
    assert.equal(i.requiresGrad, false);
  });

  test("backward() on a non-scalar needs a gradient", () => {
    const y = a23.mul(2);
    throwsNaming(() => y.backward(), [/backward/, /\[2, 3\]/], [a23]);
    assert.equal(a23.grad, null, "no gradient was written");
    throwsNaming(() => y.backward(tensor([1, 2])), [/backward/, /\[2\]/, /\[2, 3\]/], [a23]);
    const c = tensor([1, 2]);
    throwsNaming(() => c.sum().backward(), [/backward/], [c]);
  });

  test("cat / stack / split / chunk of mismatched shapes", () => {
    const b = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
    throwsNaming(() => Tensor.cat([a23, b], 0), [/cat/, /\[2, 3\]/, /\[2, 4\]/], [a23, b]);
    throwsNaming(() => Tensor.cat([a23, a4], 0), [/cat/, /\[2, 3\]/, /\[4\]/], [a23, a4]);
    throwsNaming(() => Tensor.cat([], 0), [/cat/]);
    throwsNaming(() => Tensor.stack([a23, b]), [/stack/, /\[2, 3\]/, /\[2, 4\]/], [a23, b]);
    throwsNaming(() => a23.split(0, 1), [/split/, /\b0\b/], [a23]);
    throwsNaming(() => a23.chunk(0), [/chunk/, /\b0\b/], [a23]);
  });

  test("losses and layers check their shapes", () => {
    const t34 = Tensor.zeros([3, 4]);
    throwsNaming(() => a23.mseLoss(t34), [/mseLoss/, /\[2, 3\]/, /\[3, 4\]/], [a23, t34]);
    throwsNaming(() => a23.binaryCrossEntropyWithLogits(t34), [/binaryCrossEntropyWithLogits/, /\[2, 3\]/, /\[3, 4\]/], [a23, t34]);
    const w = Tensor.zeros([4, 5]);
    throwsNaming(() => F.linear(a23, w), [/linear|matmul/, /\[2, 3\]/], [a23, w]);
    throwsNaming(() => F.layerNorm(a23, [4]), [/layerNorm/, /\[4\]/, /\[2, 3\]/], [a23]);
    const img = Tensor.zeros([1, 2, 5, 5]), k = Tensor.zeros([3, 4, 3, 3]);
    throwsNaming(() => F.conv2d(img, k), [/conv2d/, /\[1, 2, 5, 5\]/, /\[3, 4, 3, 3\]/], [img, k]);
    throwsNaming(() => a4.tril(), [/tril/, /\[4\]/], [a4]);
  });
});
