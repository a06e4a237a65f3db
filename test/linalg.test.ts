// linalg (src/linalg.ts): PyTorch fixtures (test/fixtures/linalg.json, from
// scripts/make_fixtures_linalg.py) on every device (webgpu through the async reads), float64
// gradchecks with second order on well-conditioned inputs, singular inputs, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, tensor } from "../src/node.js";
import * as linalg from "../src/linalg.js";
import { runAll, runAllAsync } from "./helpers.js";
import { type Dispatch, S, gradcheck, loadBreadth, runCase, runCaseAsync, startWebgpu } from "./breadth_helpers.js";

const dispatch: Dispatch = (op, by, a) => {
  switch (op) {
    case "det": return [linalg.det(by.A)];
    case "slogdet": { const r = linalg.slogdet(by.A); return [r.sign, r.logabsdet]; }
    case "inv": return [linalg.inv(by.A)];
    case "solve": return [linalg.solve(by.A, by.B)];
    case "cholesky": return [linalg.cholesky(by.A, { upper: a.upper })];
    case "kron": return [linalg.kron(by.a, by.b)];
    case "tensordot": return [linalg.tensordot(by.a, by.b, a.dims)];
    default: throw new Error(`linalg.test: no dispatch for ${op}`);
  }
};

const { cases } = loadBreadth("linalg.json");
const hostDevices = availableDevices();

for (const device of hostDevices) {
  test(`linalg.json against PyTorch on ${device} (${cases.length} cases)`, () => {
    runAll(cases, (c) => c.name, (c) => runCase(c, device, dispatch));
  });
}

const gpuSkip = await startWebgpu();

test(`linalg.json against PyTorch on webgpu (${cases.length} cases)`, { skip: gpuSkip }, async () => {
  await runAllAsync(cases, (c) => c.name, (c) => runCaseAsync(c, "webgpu", dispatch));
});

test("webgpu: a singular matrix gives inf/NaN from inv and solve instead of throwing", { skip: gpuSkip }, async () => {
  const A = tensor([[1, 2], [2, 4]], { device: "webgpu" });
  const inv = await linalg.inv(A).toArrayAsync() as number[][];
  assert.ok(inv.flat().some((v) => !Number.isFinite(v)), `inv: ${JSON.stringify(inv)}`);
  const x = await linalg.solve(A, tensor([1, 1], { device: "webgpu" })).toArrayAsync() as number[];
  assert.ok(x.some((v) => !Number.isFinite(v)), `solve: ${JSON.stringify(x)}`);
  assert.equal(Math.abs(await linalg.det(A).itemAsync()), 0);
});

// ---- float64 gradchecks (js): well-conditioned inputs, a diagonal shift keeps them so

/** A + 3·I: the random entries are at most 2 in size, so the matrix stays well conditioned. */
const shift = (a: Tensor) => a.add(Tensor.eye(a.shape[a.ndim - 1], a.shape[a.ndim - 1], { dtype: a.dtype, device: a.device }).mul(3));

const checks: [string, Parameters<typeof gradcheck>[1], (xs: Tensor[]) => Tensor | Tensor[]][] = [
  ["det 3x3", [S([3, 3])], ([a]) => linalg.det(shift(a))],
  ["det batched 2x4x4", [S([2, 4, 4])], ([a]) => linalg.det(shift(a))],
  ["det with pivoting", [S([3, 3])], ([a]) => linalg.det(a.add(tensor([[0, 4, 0], [0, 0, 4], [4, 0, 0]], { dtype: "float64", device: "js" })))],
  ["slogdet 3x3", [S([3, 3])], ([a]) => { const r = linalg.slogdet(shift(a)); return [r.logabsdet]; }],
  ["inv 3x3", [S([3, 3])], ([a]) => linalg.inv(shift(a))],
  ["inv batched with pivoting", [S([2, 3, 3])], ([a]) => linalg.inv(a.add(tensor([[0, 4, 0], [0, 0, 4], [4, 0, 0]], { dtype: "float64", device: "js" })))],
  ["cholesky 3x3", [S([3, 3])], ([a]) => linalg.cholesky(a.matmul(a.transpose(0, 1)).add(Tensor.eye(3, 3, { dtype: "float64", device: "js" })))],
  ["cholesky batched, upper", [S([2, 3, 3])], ([a]) => linalg.cholesky(shift(a.matmul(a.transpose(1, 2))), { upper: true })],
  ["kron", [S([2, 2]), S([3])], ([a, b]) => linalg.kron(a, b)],
  ["tensordot", [S([2, 3]), S([3, 2])], ([a, b]) => linalg.tensordot(a, b, [[1], [0]])],
  ["solve matrix", [S([3, 3]), S([3, 2])], ([a, b]) => linalg.solve(shift(a), b)],
  ["solve vector, broadcast batch", [S([2, 3, 3]), S([3])], ([a, b]) => linalg.solve(shift(a), b)],
];
for (const [name, specs, f] of checks) {
  test(`gradcheck (float64, js, second order): ${name}`, () => gradcheck(name, specs, f, { second: true }));
}

// ---- values PyTorch also gives

test("det of a 0x0 matrix is 1; slogdet of a singular matrix is sign 0, logabsdet -Infinity", () => {
  assert.deepEqual(linalg.det(Tensor.zeros([2, 0, 0])).toArray(), [1, 1]);
  const r = linalg.slogdet(tensor([[1, 2], [2, 4]]));
  assert.equal(Math.abs(r.sign.item()), 0);
  assert.equal(r.logabsdet.item(), -Infinity);
  assert.equal(linalg.det(tensor([[0, 1], [1, 0]])).item(), -1);
  assert.deepEqual(linalg.inv(tensor([[0, 1], [1, 0]])).toArray(), [[0, 1], [1, 0]]);
});

// ---- errors: each names the public op, the argument and what was expected

test("webgpu: a matrix that is not positive-definite gives NaN in its factor", { skip: gpuSkip }, async () => {
  const L = await linalg.cholesky(tensor([[[4, 2], [2, 5]], [[1, 2], [2, 1]]], { device: "webgpu" })).toArrayAsync() as number[][][];
  assert.deepEqual(L[0], [[2, 0], [1, 2]]);
  assert.equal(L[1][0][0], 1);
  assert.ok(Number.isNaN(L[1][1][1]), JSON.stringify(L[1]));
});

test("bad input", () => {
  assert.throws(() => linalg.cholesky(tensor([[[4, 2], [2, 5]], [[1, 2], [2, 1]]])),
    /^Error: linalg\.cholesky: \(batch element 1\) the leading minor of order 2 is not positive-definite, so the factorization could not be completed; expected a symmetric positive-definite A$/);
  assert.throws(() => linalg.cholesky(tensor([[-1]])),
    /^Error: linalg\.cholesky: \(batch element 0\) the leading minor of order 1 is not positive-definite, so the factorization could not be completed; expected a symmetric positive-definite A$/);
  assert.throws(() => linalg.cholesky(tensor([[1, 2, 3]])), /^Error: linalg\.cholesky: A must be a batch of square matrices of shape \[\.\.\., n, n\], got shape \[1, 3\]$/);
  assert.throws(() => linalg.cholesky(tensor([[1]]), { upper: 1 } as never), /^Error: linalg\.cholesky: upper must be true or false, got 1$/);
  assert.throws(() => linalg.cholesky(tensor([[1]]), { lower: true } as never), /^Error: linalg\.cholesky: unknown option .*lower.*$/);
  assert.throws(() => linalg.kron(tensor([1]), 2 as never), /^Error: kron: other must be a Tensor, got .*$/);
  const t3 = Tensor.ones([2, 3]), t4 = Tensor.ones([4, 2]);
  assert.throws(() => linalg.tensordot(t3, t4, 1), /^Error: tensordot: contracted dim 1 of a \(size 3\) and dim 0 of b \(size 4\) must have the same size$/);
  assert.throws(() => linalg.tensordot(t3, t4, 3), /^Error: tensordot: dims 3 must be at most the rank of both tensors, got shapes \[2, 3\] and \[4, 2\]$/);
  assert.throws(() => linalg.tensordot(t3, t4, -1), /^Error: tensordot: dims must be an integer >= 0, got -1$/);
  assert.throws(() => linalg.tensordot(t3, t4, [[0], [0, 1]]), /^Error: tensordot: dims must be a non-negative integer or two lists of dims of equal length, got .*$/);
  assert.throws(() => linalg.tensordot(t3, t4, [[2], [0]]), /^Error: tensordot: dim 2 of a is out of range for shape \[2, 3\] \(expected -2\.\.1\)$/);
  assert.throws(() => linalg.tensordot(t3, t4, [[0, -2], [1, 0]]), /^Error: tensordot: dims of a \[0, 0\] must each appear once$/);

  const sq = tensor([[1, 2], [3, 4]]);
  for (const op of ["det", "slogdet", "inv"] as const) {
    assert.throws(() => linalg[op](tensor([[1, 2, 3], [4, 5, 6]])),
      new RegExp(`^Error: linalg\\.${op}: A must be a batch of square matrices of shape \\[\\.\\.\\., n, n\\], got shape \\[2, 3\\]$`));
    assert.throws(() => linalg[op](tensor([1, 2])), new RegExp(`^Error: linalg\\.${op}: A must be a batch of square matrices of shape \\[\\.\\.\\., n, n\\], got shape \\[2\\]$`));
    assert.throws(() => linalg[op](tensor([[1]], { dtype: "int32" })), new RegExp(`^Error: linalg\\.${op}: A must be a floating-point tensor, got int32 \\(shape \\[1, 1\\]\\)$`));
    assert.throws(() => linalg[op]([[1]] as unknown as Tensor), new RegExp(`^Error: linalg\\.${op}: A must be a Tensor, got .*$`));
  }
  assert.throws(() => linalg.inv(tensor([[[1, 0], [0, 1]], [[1, 2], [2, 4]]])),
    /^Error: linalg\.inv: \(batch element 1\) the diagonal element 2 of the LU factorization is zero: the input matrix is singular, so it has no inverse; expected an invertible matrix$/);
  assert.throws(() => linalg.solve(tensor([[0, 0], [0, 1]]), tensor([1, 1])),
    /^Error: linalg\.solve: \(batch element 0\) the diagonal element 1 of the LU factorization is zero: the input matrix is singular, so the system has no unique solution; expected an invertible matrix$/);
  assert.throws(() => linalg.solve(sq, tensor([1, 2, 3])),
    /^Error: linalg\.solve: B must have shape \[\.\.\., 2\] or \[\.\.\., 2, k\] to match A of shape \[2, 2\], got shape \[3\]$/);
  assert.throws(() => linalg.solve(sq, tensor([[1, 2, 3]])),
    /^Error: linalg\.solve: B must have shape \[\.\.\., 2\] or \[\.\.\., 2, k\] to match A of shape \[2, 2\], got shape \[1, 3\]$/);
  assert.throws(() => linalg.solve(Tensor.zeros([3, 2, 2]), Tensor.zeros([2, 2, 1])),
    /^Error: linalg\.solve: the batch dims of A \[3, 2, 2\] and B \[2, 2, 1\] must broadcast$/);
  assert.throws(() => linalg.solve(sq, tensor([1, 2], { dtype: "float64" })), /^Error: linalg\.solve: B has dtype float64, expected A's dtype float32$/);
  assert.throws(() => linalg.solve(sq, tensor([1, 2], { dtype: "int32" })), /^Error: linalg\.solve: B must be a floating-point tensor, got int32 \(shape \[2\]\)$/);
  const other = hostDevices.find((d) => d !== sq.device);
  if (other) {
    assert.throws(() => linalg.solve(sq, tensor([1, 2], { device: other })),
      new RegExp(`^Error: linalg\\.solve: B is on device ${other}, expected A's device ${sq.device}$`));
  }
  assert.throws(() => linalg.solve(tensor([1, 2]), tensor([1, 2])),
    /^Error: linalg\.solve: A must be a batch of square matrices of shape \[\.\.\., n, n\], got shape \[2\]$/);
});
