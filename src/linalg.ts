// torch.linalg for small matrices, as composites: LU with partial pivoting and Gauss-Jordan
// elimination written as n steps of tensor ops (argmax for the pivot, a gather for the row swap,
// broadcasting for the elimination), so gradients, second order included, come from autograd and
// every op runs on every device. Each call runs O(n) small ops: meant for small matrices (n up to
// a few tens), batched over the leading dims.
import { Tensor } from "./core.js";
import { hostReadable } from "./backend/backend.js";
import { noGrad } from "./graph.js";
import { broadcastShapes, fmt, sameShape } from "./shape.js";
import * as ops from "./ops.js";
import { checkBool, checkFloat, checkInt, checkOptions, checkTensor, describe } from "./functional/args.js";

// ---- helpers -------------------------------------------------------------------------------

/** A float tensor of at least 2 dims whose last two are equal: a batch of square matrices. */
function checkSquare(op: string, name: string, v: unknown): Tensor {
  const t = checkFloat(op, name, v);
  if (t.ndim < 2 || t.shape[t.ndim - 1] !== t.shape[t.ndim - 2]) {
    throw new Error(`${op}: ${name} must be a batch of square matrices of shape [..., n, n], got shape ${fmt(t.shape)}`);
  }
  return t;
}

interface Elimination {
  /** The eliminated matrix: U (LU) or the reduced rows (Gauss-Jordan). */
  m: Tensor;
  /** The permutation's sign, shape batch, input dtype (no gradient). */
  sign: Tensor;
  /** The pivots U[k, k], each of shape [..., 1, 1]. */
  pivots: Tensor[];
}

/**
 * n steps of elimination with partial pivoting on the first n columns of m [..., n, w]: at step
 * k the row of largest |m[i, k]| among rows i ≥ k (the first on ties, as LAPACK) is swapped into
 * row k. LU (`jordan` false) subtracts multiples of row k from the rows below it (a zero pivot
 * skips the step, as LAPACK's getrf); Gauss-Jordan divides row k by its pivot and clears column k
 * in every other row (a zero pivot gives inf/NaN).
 */
function eliminate(m: Tensor, n: number, jordan: boolean): Elimination {
  const batch = m.shape.slice(0, -2), w = m.shape[m.ndim - 1], device = m.device;
  const r = Tensor.arange(n, { dtype: "int32", device }).reshape([n, 1]);
  let sign = Tensor.ones(batch, { dtype: m.dtype, device });
  const pivots: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    const col = m.narrow(-1, k, 1);
    const { idx, flip } = noGrad(() => {
      const score = ops.where(r.lt(k), -1, col.abs());
      const p = score.argmax(-2, { keepdim: true }); // [..., 1, 1]
      const idx = ops.where(r.eq(k), p, ops.where(r.eq(p), k, r)); // the swap of rows k and p
      const flip = ops.where(p.eq(k), 1, -1).reshape(batch).cast(m.dtype);
      return { idx, flip };
    });
    m = ops.gatherChecked(m, m.ndim - 2, idx.expand([...batch, n, w]));
    sign = sign.mul(flip);
    const rowk = m.narrow(-2, k, 1);
    const piv = rowk.narrow(-1, k, 1);
    pivots.push(piv);
    const colk = m.narrow(-1, k, 1);
    if (jordan) {
      const unit = rowk.div(piv);
      m = ops.where(r.eq(k), unit, m.sub(colk.mul(unit)));
    } else {
      const safe = ops.where(piv.eq(0), 1, piv);
      const f = ops.where(r.gt(k), colk.div(safe), 0);
      m = m.sub(f.mul(rowk));
    }
  }
  return { m, sign, pivots };
}

/** On a host device (js, cpu, wasm): throws when a pivot is exactly zero (PyTorch's error for a
 *  singular matrix). On webgpu nothing is read: the result carries inf/NaN. */
function checkPivots(op: string, pivots: Tensor[], batch: readonly number[], what: string): void {
  if (pivots.length === 0 || !hostReadable(pivots[0].data)) return;
  const n = pivots.length;
  const zero = noGrad(() => ops.cat(pivots.map((p) => p.reshape([...batch, 1])), -1).eq(0)).toTypedArray();
  for (let i = 0; i < zero.length; i++) {
    if (zero[i]) {
      const b = Math.floor(i / n), k = i % n;
      throw new Error(`${op}: (batch element ${b}) the diagonal element ${k + 1} of the LU factorization is zero: the input matrix is singular, so ${what}; expected an invertible matrix`);
    }
  }
}

// ---- determinants --------------------------------------------------------------------------

/**
 * The determinant of a square matrix or of each in a batch (PyTorch's `torch.linalg.det`), from an
 * LU factorization with partial pivoting: the permutation's sign times the product of U's
 * diagonal. A singular matrix gives 0. Built from tensor ops (n elimination steps): meant for
 * small matrices; gradients, of any order, come from autograd.
 * @param A a floating-point tensor of shape [..., n, n]
 * @returns a tensor of shape [...]
 * @throws when A is not a floating-point batch of square matrices
 * @example
 * linalg.det(tensor([[1, 2], [3, 4]])); // -2
 */
export function det(A: Tensor): Tensor {
  const a = checkSquare("linalg.det", "A", A);
  const n = a.shape[a.ndim - 1], batch = a.shape.slice(0, -2);
  const { sign, pivots } = eliminate(a, n, false);
  return pivots.reduce((acc, p) => acc.mul(p.reshape(batch)), sign);
}

/** The result of {@link slogdet}: det = sign · exp(logabsdet). */
export interface Slogdet {
  /** The determinant's sign: 1, -1, or 0 for a singular matrix. */
  sign: Tensor;
  /** The log of the determinant's absolute value: -Infinity for a singular matrix. */
  logabsdet: Tensor;
}

/**
 * The sign and the log of the absolute value of the determinant (PyTorch's
 * `torch.linalg.slogdet`), which stays finite where the determinant itself under- or overflows.
 * Same LU as {@link det}; meant for small matrices.
 * @param A a floating-point tensor of shape [..., n, n]
 * @returns `{ sign, logabsdet }`, each of shape [...]; a singular matrix gives sign 0 and
 *   logabsdet -Infinity
 * @throws when A is not a floating-point batch of square matrices
 * @example
 * const { sign, logabsdet } = linalg.slogdet(tensor([[1, 2], [3, 4]])); // sign -1, logabsdet log(2)
 */
export function slogdet(A: Tensor): Slogdet {
  const a = checkSquare("linalg.slogdet", "A", A);
  const n = a.shape[a.ndim - 1], batch = a.shape.slice(0, -2);
  const { sign, pivots } = eliminate(a, n, false);
  let s = sign;
  let logabsdet = Tensor.zeros(batch, { dtype: a.dtype, device: a.device });
  for (const p of pivots) {
    const q = p.reshape(batch);
    s = s.mul(noGrad(() => q.sign()));
    logabsdet = logabsdet.add(q.abs().log());
  }
  return { sign: s, logabsdet };
}

// ---- inverse and solve ---------------------------------------------------------------------

/**
 * The inverse of a square matrix or of each in a batch (PyTorch's `torch.linalg.inv`), by
 * Gauss-Jordan elimination with partial pivoting written as n steps of tensor ops: meant for small
 * matrices; gradients, of any order, come from autograd.
 *
 * A singular matrix (a zero pivot) throws on the host devices (js, cpu, wasm), as PyTorch; on
 * webgpu, where nothing is read synchronously, the result holds inf/NaN instead.
 * @param A a floating-point tensor of shape [..., n, n]
 * @returns A⁻¹, of shape [..., n, n]
 * @throws when A is not a floating-point batch of square matrices, or (host devices) is singular
 * @example
 * linalg.inv(tensor([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 */
export function inv(A: Tensor): Tensor {
  const a = checkSquare("linalg.inv", "A", A);
  const n = a.shape[a.ndim - 1], batch = a.shape.slice(0, -2);
  const eye = Tensor.eye(n, n, { dtype: a.dtype, device: a.device }).expand([...batch, n, n]);
  const { m, pivots } = eliminate(ops.cat([a, eye], -1), n, true);
  checkPivots("linalg.inv", pivots, batch, "it has no inverse");
  return m.narrow(-1, n, n);
}

/**
 * Solves A X = B for X (PyTorch's `torch.linalg.solve`, left side), by Gauss-Jordan elimination
 * with partial pivoting on [A | B] written as n steps of tensor ops: meant for small matrices;
 * gradients, of any order, come from autograd. The batch dims of A and B broadcast.
 *
 * B is a batch of vectors [..., n] when it is 1-D or has exactly A's shape without its last dim
 * (PyTorch's rule); otherwise a batch of matrices [..., n, k].
 *
 * A singular A (a zero pivot) throws on the host devices (js, cpu, wasm), as PyTorch; on webgpu
 * the result holds inf/NaN instead.
 * @param A a floating-point tensor of shape [..., n, n]
 * @param B a tensor of A's dtype and device, of shape [..., n] or [..., n, k]
 * @returns X, of B's shape with the broadcast batch dims
 * @throws when the shapes, dtypes or devices do not fit, or (host devices) A is singular
 * @example
 * linalg.solve(tensor([[2, 0], [0, 4]]), tensor([2, 2])); // [1, 0.5]
 */
export function solve(A: Tensor, B: Tensor): Tensor {
  const a = checkSquare("linalg.solve", "A", A);
  const b = checkFloat("linalg.solve", "B", B);
  if (b.device !== a.device) throw new Error(`linalg.solve: B is on device ${b.device}, expected A's device ${a.device}`);
  if (b.dtype !== a.dtype) throw new Error(`linalg.solve: B has dtype ${b.dtype}, expected A's dtype ${a.dtype}`);
  const n = a.shape[a.ndim - 1];
  const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && sameShape(b.shape, a.shape.slice(0, -1)));
  const bm = vector ? b.unsqueeze(-1) : b;
  if (bm.ndim < 2 || bm.shape[bm.ndim - 2] !== n) {
    throw new Error(`linalg.solve: B must have shape [..., ${n}] or [..., ${n}, k] to match A of shape ${fmt(a.shape)}, got shape ${fmt(b.shape)}`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes("linalg.solve", a.shape.slice(0, -2), bm.shape.slice(0, -2));
  } catch {
    throw new Error(`linalg.solve: the batch dims of A ${fmt(a.shape)} and B ${fmt(b.shape)} must broadcast`);
  }
  const k = bm.shape[bm.ndim - 1];
  const { m, pivots } = eliminate(ops.cat([a.expand([...batch, n, n]), bm.expand([...batch, n, k])], -1), n, true);
  checkPivots("linalg.solve", pivots, batch, "the system has no unique solution");
  const x = m.narrow(-1, n, k);
  return vector ? x.squeeze(-1) : x;
}

// ---- Cholesky ------------------------------------------------------------------------------

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /** Return the upper factor U = Lᵀ (A = UᵀU) instead of L. Default false. */
  upper?: boolean;
}

/**
 * The Cholesky factor of a symmetric positive-definite matrix or of each in a batch (PyTorch's
 * `torch.linalg.cholesky`): the lower-triangular L with A = L Lᵀ, column by column in n steps of
 * tensor ops: meant for small matrices; gradients, of any order, come from autograd. As PyTorch,
 * only the lower triangle of A is read, and the gradient is the symmetric one.
 *
 * A matrix that is not positive-definite throws on the host devices (js, cpu, wasm), naming the
 * batch element and the order of the leading minor, as PyTorch; on webgpu, where nothing is read
 * synchronously, that factor holds NaN from the failing column on.
 * @param A a floating-point tensor of shape [..., n, n]
 * @param opts `upper`: return U = Lᵀ instead
 * @returns L (or U), of shape [..., n, n]
 * @throws when A is not a floating-point batch of square matrices, or (host devices) is not
 *   positive-definite
 * @example
 * linalg.cholesky(tensor([[4, 2], [2, 5]])); // [[2, 0], [1, 2]]
 */
export function cholesky(A: Tensor, opts?: CholeskyOptions): Tensor {
  const a = checkSquare("linalg.cholesky", "A", A);
  const o = checkOptions("linalg.cholesky", opts, ["upper"]);
  const upper = o.upper === undefined ? false : checkBool("linalg.cholesky", "upper", o.upper);
  const n = a.shape[a.ndim - 1], batch = a.shape.slice(0, -2);
  if (n === 0) return a.clone();
  // the lower triangle mirrored, with the symmetric gradient: (A + Aᵀ)/2 plus a constant
  const half = a.add(a.transpose(-1, -2)).mul(0.5);
  const s = half.add(noGrad(() => a.tril().add(a.tril(-1).transpose(-1, -2)).sub(half)).detach());
  const r = Tensor.arange(n, { dtype: "int32", device: a.device }).reshape([n, 1]);
  const cols: Tensor[] = [], diags: Tensor[] = [];
  for (let j = 0; j < n; j++) {
    let v = s.narrow(-1, j, 1);
    if (j > 0) {
      const lp = ops.cat(cols, -1);
      v = v.sub(lp.matmul(lp.narrow(-2, j, 1).transpose(-1, -2)));
    }
    const d = v.narrow(-2, j, 1);
    diags.push(d);
    const pos = noGrad(() => d.gt(0));
    const ljj = ops.where(pos, ops.where(pos, d, 1).sqrt(), NaN);
    cols.push(ops.where(r.gt(j), v.div(ljj), ops.where(r.eq(j), ljj, 0)));
  }
  if (hostReadable(diags[0].data)) {
    const ok = noGrad(() => ops.cat(diags.map((d) => d.reshape([...batch, 1])), -1).gt(0)).toTypedArray();
    for (let i = 0; i < ok.length; i++) {
      if (!ok[i]) {
        throw new Error(`linalg.cholesky: (batch element ${Math.floor(i / n)}) the leading minor of order ${(i % n) + 1} is not positive-definite, so the factorization could not be completed; expected a symmetric positive-definite A`);
      }
    }
  }
  const l = ops.cat(cols, -1);
  return upper ? l.transpose(-1, -2) : l;
}

// ---- products ------------------------------------------------------------------------------

/**
 * The Kronecker product (PyTorch's `torch.kron`): the shapes are padded with leading 1s to one
 * rank, and out[i·bᵢ + k] = a[i]·b[k] along every dim, so the result's shape is the product of
 * the two shapes dim by dim.
 * @param a any tensor
 * @param b a tensor on a's device
 * @returns a tensor of shape [a₀·b₀, a₁·b₁, ...]
 * @throws when a or b is not a tensor, or they are on different devices
 * @example
 * kron(tensor([[1, 2], [3, 4]]), Tensor.eye(2)); // [[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]]
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  checkTensor("kron", "input", a);
  checkTensor("kron", "other", b);
  if (a.device !== b.device) throw new Error(`kron: other is on device ${b.device}, expected input's device ${a.device}`);
  const nd = Math.max(a.ndim, b.ndim);
  const pad = (s: readonly number[]) => [...Array<number>(nd - s.length).fill(1), ...s];
  const sa = pad(a.shape), sb = pad(b.shape);
  const x = a.reshape(sa.flatMap((v) => [v, 1])), y = b.reshape(sb.flatMap((v) => [1, v]));
  return x.mul(y).reshape(sa.map((v, i) => v * sb[i]));
}

/**
 * Sums the products of a's and b's elements over the given dims (PyTorch's `torch.tensordot`),
 * as one matrix product.
 * @param a a floating-point tensor
 * @param b a floating-point tensor on a's device
 * @param dims an integer d (contract a's last d dims with b's first d, in order), or two lists of
 *   dims of equal length, one for a and one for b (negative dims count from the end). Default 2.
 * @returns a tensor of shape [a's other dims..., b's other dims...]
 * @throws when a dim is out of range or repeated, or contracted sizes differ
 * @example
 * tensordot(Tensor.ones([2, 3, 4]), Tensor.ones([3, 4, 5]), 2); // shape [2, 5], every value 12
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | readonly [readonly number[], readonly number[]] = 2): Tensor {
  checkFloat("tensordot", "a", a);
  checkFloat("tensordot", "b", b);
  let da: number[], db: number[];
  if (typeof dims === "number") {
    checkInt("tensordot", "dims", dims, 0);
    if (dims > a.ndim || dims > b.ndim) throw new Error(`tensordot: dims ${dims} must be at most the rank of both tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
    da = Array.from({ length: dims }, (_, i) => a.ndim - dims + i);
    db = Array.from({ length: dims }, (_, i) => i);
  } else {
    if (!Array.isArray(dims) || dims.length !== 2 || !Array.isArray(dims[0]) || !Array.isArray(dims[1]) || dims[0].length !== dims[1].length) {
      throw new Error(`tensordot: dims must be a non-negative integer or two lists of dims of equal length, got ${describe(dims)}`);
    }
    const norm = (list: readonly number[], t: Tensor, name: string) => list.map((d) => {
      checkInt("tensordot", `a dim of ${name}`, d);
      if (d < -t.ndim || d >= t.ndim) throw new Error(`tensordot: dim ${d} of ${name} is out of range for shape ${fmt(t.shape)} (expected ${-t.ndim}..${t.ndim - 1})`);
      return d < 0 ? d + t.ndim : d;
    });
    da = norm(dims[0], a, "a");
    db = norm(dims[1], b, "b");
    for (const [list, name] of [[da, "a"], [db, "b"]] as const) {
      if (new Set(list).size !== list.length) throw new Error(`tensordot: dims of ${name} ${fmt(list)} must each appear once`);
    }
  }
  da.forEach((d, i) => {
    if (a.shape[d] !== b.shape[db[i]]) {
      throw new Error(`tensordot: contracted dim ${d} of a (size ${a.shape[d]}) and dim ${db[i]} of b (size ${b.shape[db[i]]}) must have the same size`);
    }
  });
  if (a.device !== b.device) throw new Error(`tensordot: b is on device ${b.device}, expected a's device ${a.device}`);
  const fa = [...a.shape.keys()].filter((d) => !da.includes(d)), fb = [...b.shape.keys()].filter((d) => !db.includes(d));
  const k = da.reduce((p, d) => p * a.shape[d], 1);
  const m = fa.reduce((p, d) => p * a.shape[d], 1), n = fb.reduce((p, d) => p * b.shape[d], 1);
  const x = a.permute([...fa, ...da]).reshape([m, k]), y = b.permute([...db, ...fb]).reshape([k, n]);
  return x.matmul(y).reshape([...fa.map((d) => a.shape[d]), ...fb.map((d) => b.shape[d])]);
}
