// Shape arithmetic: broadcasting, strides, dim normalisation, view reshapes, and shape errors.

export type Shape = readonly number[];

/** `[2, 3]`, the way every error message prints a shape. */
export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Same sizes in the same order (a loop: the hot paths compare shapes on every op). */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true; // an op's output often shares its input's shape array
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let st = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = st;
    st *= shape[d];
  }
  return s;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let st = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== st) return false;
    st *= shape[d];
  }
  return true;
}

/** Positions of a window of `size` sliding with `stride` over `n` zero-padded by `pad` on each side. */
export function windowCount(n: number, size: number, stride: number, pad = 0): number {
  return Math.floor((n + 2 * pad - size) / stride) + 1;
}

/** The most elements one tensor may have (int32 indices in the kernels). */
export const MAX_NUMEL = 2147483647;

export function checkShape(op: string, shape: Shape): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)} (sizes must be non-negative integers)`);
  }
  const n = numel(shape);
  if (n > MAX_NUMEL) throw new Error(`${op}: shape ${fmt(shape)} has ${n} elements, more than a tensor can hold (${MAX_NUMEL})`);
  return [...shape];
}

/** Normalise a possibly negative dim into [0, ndim). */
export function normDim(op: string, dim: number, ndim: number): number {
  const lo = -Math.max(ndim, 1), hi = Math.max(ndim, 1) - 1; // a 0-d tensor accepts dim 0 and -1, like PyTorch
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor with ${ndim} dims (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalise a dim list, rejecting repeats. Undefined means every dim. */
export function normDims(op: string, dims: number | readonly number[] | undefined, ndim: number): number[] {
  if (dims === undefined) {
    const all = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  const list = typeof dims === "number" ? [dims] : dims;
  const out = list.map((d) => normDim(op, d, ndim));
  // repeated dims: a quadratic scan (a tensor has few dims) instead of a Set per call
  for (let i = 1; i < out.length; i++) {
    if (out.indexOf(out[i]) < i) throw new Error(`${op}: dim ${fmt(list)} contains a repeated dim`);
  }
  return ndim === 0 ? [] : out;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that view `oldShape`/`oldStrides` as `newShape` without copying, or null when the
 * memory layout does not allow it (PyTorch's computeStride: each group of merged dims must be
 * contiguous among itself).
 */
export function viewStrides(oldShape: Shape, oldStrides: readonly number[], newShape: Shape): number[] | null {
  if (numel(oldShape) === 0 || oldShape.length === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    // end of a contiguous chunk of old dims: lay the matching new dims onto it
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/** Resolve a single -1 in a reshape target. */
export function inferShape(op: string, from: Shape, to: readonly number[]): number[] {
  const n = numel(from);
  let neg = -1, known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (neg >= 0) throw new Error(`${op}: only one dim can be -1, got ${fmt(to)}`);
      neg = i;
    } else if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(to)}`);
    else known *= d;
  });
  const out = [...to];
  if (neg >= 0) {
    if (known === 0 || n % known !== 0) throw new Error(`${op}: cannot reshape tensor of shape ${fmt(from)} (${n} elements) into ${fmt(to)}`);
    out[neg] = n / known;
  }
  if (numel(out) !== n) throw new Error(`${op}: cannot reshape tensor of shape ${fmt(from)} (${n} elements) into ${fmt(to)}`);
  return out;
}

/** No two elements of the view share a storage slot (false for expanded, stride-0 views and for
 *  overlapping windows such as unfold's): sort the dims by stride and require each stride to
 *  step past everything the smaller ones reach. */
export function nonOverlapping(shape: Shape, strides: readonly number[]): boolean {
  const dims = shape.map((n, i) => [n, Math.abs(strides[i])]).filter(([n]) => n > 1).sort((a, b) => a[1] - b[1]);
  if (shape.some((n) => n === 0)) return true;
  let reach = 1; // the span of the dims so far, in elements
  for (const [n, st] of dims) {
    if (st < reach) return false;
    reach = st * (n - 1) + reach;
  }
  return true;
}
