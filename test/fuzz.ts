// Differential fuzzing: seeded random chains of ops (views, broadcasting, 0-size and 0-d tensors,
// int32, NaN/Inf, non-contiguous inputs; Tensor methods and torch.nn.functional's layers, losses
// and attention) run on every device and compared with the js reference, forward values and input
// gradients. A mismatch is saved as a JSON case that `--replay` runs again.
// Tolerances: 2e-5 relative (gradients 1e-4); an ill-conditioned chain whose float32 results move
// apart is judged against the same chain run in float64 on js (see `differs`).
//
//   npm run fuzz -- [--cases 100000] [--seed 1] [--out out/fuzz]
//   node dist/test/fuzz.js --replay out/fuzz/case-123.json [--webgpu]
// --webgpu also runs every case on webgpu (about 700 cases a second on lavapipe, the software
// Vulkan driver). test/fuzz.test.ts runs 2,000 cases in the suite, on webgpu too where it loads.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { F, Tensor, availableDevices, cdist, einsum, initDevice, maskedSelectAsync, noGrad, nonzeroAsync } from "../src/node.js";
import { generator } from "../src/random.js";
import { nativeConfig } from "../src/backend/native.js";

// tiny ops would run on the js kernels inside the cpu backend: send every op to the C kernels
nativeConfig({ tinyOps: 0 });

type DT = "float32" | "int32";
/** A tensor by value: how to rebuild it on any device, and the view to take of it. */
export interface TSpec { shape: number[]; dtype: DT; values: (number | string)[]; view: "plain" | "transposed" | "sliced" | "expanded" }
export interface Step { op: string; args: (number | boolean | null | string | number[] | TSpec)[] }
export interface Case { seed: number; input: TSpec; chain: Step[]; grad: boolean }
export interface Mismatch { seed: number; device: string; what: string; file?: string }

// JSON keeps neither NaN, the infinities nor -0: those travel as strings
const enc = (v: number) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? "-0" : String(v));
const dec = (v: number | string) => (typeof v === "number" ? v : Number(v));

function specTensor(s: TSpec, device: string, requiresGrad = false): Tensor {
  const vals = s.values.map(dec);
  // a leaf is contiguous anyway; webgpu memory cannot be read synchronously, so build it from js's
  if (requiresGrad && device === "webgpu") { const j = specTensor(s, "js"); return Tensor.from(j.toTypedArray(), { shape: j.shape, dtype: j.dtype, device, requiresGrad }); }
  // the stored values are those of the base tensor; the view picks its elements without a copy
  if (s.view === "transposed" && s.shape.length >= 2) {
    const sh = [...s.shape];
    [sh[0], sh[1]] = [sh[1], sh[0]];
    const base = Tensor.from(Float64Array.from(vals), { shape: sh, dtype: s.dtype, device });
    const t = base.transpose(0, 1);
    return requiresGrad ? leaf(t) : t;
  }
  if (s.view === "sliced" && s.shape.length >= 1) {
    const sh = [...s.shape];
    sh[sh.length - 1] = sh[sh.length - 1] * 2;
    const big = Array.from({ length: vals.length * 2 }, (_, i) => (i % 2 === 0 ? vals[i >> 1] : 777));
    const t = Tensor.from(Float64Array.from(big), { shape: sh, dtype: s.dtype, device }).slice(...sh.slice(0, -1).map(() => [] as number[]), [null, null, 2]);
    return requiresGrad ? leaf(t) : t;
  }
  if (s.view === "expanded" && s.shape.length >= 1 && vals.length > 0 && s.shape[0] > 1) {
    const n = vals.length / s.shape[0];
    const t = Tensor.from(Float64Array.from(vals.slice(0, n)), { shape: [1, ...s.shape.slice(1)], dtype: s.dtype, device }).expand(s.shape);
    return requiresGrad ? leaf(t) : t;
  }
  return Tensor.from(Float64Array.from(vals), { shape: s.shape, dtype: s.dtype, device, requiresGrad });
}

/** A leaf with the view's values (a view cannot be a leaf that requires grad). */
function leaf(t: Tensor): Tensor {
  return Tensor.from(t.toTypedArray(), { shape: t.shape, dtype: t.dtype, device: t.device, requiresGrad: true });
}

// ---- generators ------------------------------------------------------------------------------

class Rng {
  next: () => number;
  constructor(seed: number) { this.next = generator(seed); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
}

function genShape(r: Rng, nd = r.int(0, 4)): number[] {
  // mostly tiny; sometimes one long dim, so vectorised and blocked kernel paths run too
  const long = r.chance(0.3) ? r.int(0, nd - 1) : -1;
  return Array.from({ length: nd }, (_, i) => (r.chance(0.08) ? 0 : r.chance(0.25) ? 1 : i === long ? r.int(17, 70) : r.int(2, 5)));
}

function genSpec(r: Rng, shape: number[], dtype: DT, view?: TSpec["view"], finite = false): TSpec {
  const n = shape.reduce((a, b) => a * b, 1);
  const special = !finite && r.chance(0.3);
  const values = Array.from({ length: n }, () => {
    if (dtype === "int32") return r.int(-6, 6);
    if (special && r.chance(0.15)) return enc(r.pick([NaN, Infinity, -Infinity, 0, -0]));
    return Math.round((r.next() * 6 - 3) * 1000) / 1000;
  });
  return { shape, dtype, values, view: view ?? r.pick(["plain", "plain", "transposed", "sliced", "expanded"]) };
}

/** A shape that broadcasts with `s`: some dims dropped from the front or set to 1. */
function broadcastPartner(r: Rng, s: number[]): number[] {
  const lead = r.int(0, s.length);
  return s.slice(lead).map((d) => (r.chance(0.3) ? 1 : d));
}

const UNARY = ["neg", "exp", "log", "sqrt", "rsqrt", "abs", "sin", "cos", "square", "relu", "sigmoid", "tanh", "erf", "sign", "log1p", "reciprocal", "floor", "gelu", "silu"];
const BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "gt", "ge", "lt", "le"];
const REDUCE = ["sum", "mean", "max", "min", "amax", "argmax", "argmin", "logsumexp", "var", "std"];
// the elementwise ops and reductions that came later; a step's first argument may move the input
// into the op's domain first: "unit" (tanh, for asin/acos), "pos" (|x| + 0.05, for the logs),
// "int" (round, so remainder/fmod see integer operands, negatives included), "ties" (clamp to
// [-1, 1], so sort/max/cummax see many equal values and still pass gradients elsewhere)
const UNARY2 = ["ceil", "round", "trunc", "exp2", "log2", "log10", "expm1", "tan", "sinh", "cosh", "asin", "acos", "atan", "isnan", "isinf", "isfinite", "nanToNum"];
const BINARY2 = ["remainder", "fmod", "atan2", "floorDivide"];
const REDUCE2 = ["all", "any", "prod", "amin", "maxDim", "minDim"];
const SCANS = ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"];
const COMPOSITES = ["flip", "roll", "repeat", "tile", "norm", "einsum", "lerp", "addcmul", "diag", "trace", "cdist", "scatter", "indexAdd"];
// torch.nn.functional: the ops with fused kernels (layerNorm, attention, pooling, conv2d, GELU's
// tanh form, cross-entropy's logSoftmax) and the activations and losses built on the primitives
const ACTIVATIONS = ["softplus", "elu", "selu", "mish", "logsigmoid", "hardswish", "hardsigmoid", "hardtanh", "relu6", "leakyRelu", "geluTanh"];
const LOSSES = ["mseLoss", "l1Loss", "smoothL1Loss", "huberLoss", "binaryCrossEntropyWithLogits"];
const NN = ["layerNorm", "rmsNorm", "act", "act", "sdpa", "pool", "conv2d", "pad", "loss", "crossEntropy", "groupNorm", "batchNorm", "interpolate", "cosineSimilarity", "klDiv",
  "conv1d", "convTranspose2d", "pool1d", "glu", "prelu", "normalize", "instanceNorm", "nllLoss", "binaryCrossEntropy"];

// indexing (gather/scatter kernels), the other view ops, and the batched and fused products
const IDX = ["gather", "scatterAdd", "maskedFill", "maskedSelect", "indexFill", "indexPut", "repeatInterleave", "movedim", "squeeze", "unflatten",
  "diagonal", "unfold", "piece", "bmm", "outer", "addmm", "nonzero", "embedding"];

/** One random step applicable to a tensor of this shape and dtype, or null. */
function genStep(r: Rng, shape: number[], dtype: DT): Step | null {
  const nd = shape.length;
  const dim = () => r.int(-Math.max(nd, 1), Math.max(nd, 1) - 1);
  const size = (k: number) => (nd === 0 ? 1 : shape[(k + nd) % nd]);
  switch (r.int(0, 17)) {
    case 0: case 1: return { op: r.pick(UNARY), args: [] };
    case 2: case 3: {
      const other = r.chance(0.25) ? enc(r.pick([2, 0.5, -1, 0, 3])) as number : genSpec(r, broadcastPartner(r, shape), r.chance(0.2) ? "int32" : dtype);
      return { op: r.pick(BINARY), args: [other] };
    }
    case 4: {
      const op = r.pick(REDUCE);
      if (op.startsWith("arg")) return nd === 0 || shape.some((d) => d === 0) ? null : { op, args: [dim(), r.chance(0.5)] };
      const d = r.chance(0.3) ? null : dim();
      if ((op === "max" || op === "min" || op === "amax") && (d === null ? shape.includes(0) : shape[(d + Math.max(nd, 1)) % Math.max(nd, 1)] === 0)) return null;
      return { op, args: [d, r.chance(0.5)] };
    }
    case 5: {
      if (nd === 0) return { op: "unsqueeze", args: [0] };
      const kind = r.int(0, 4);
      if (kind === 0) return { op: "transpose", args: [dim(), dim()] };
      if (kind === 1) return { op: "flatten", args: [] };
      if (kind === 2) return { op: "unsqueeze", args: [r.int(-nd - 1, nd)] };
      if (kind === 3) return { op: "narrowHalf", args: [dim()] };
      return { op: "sliceStep", args: [dim()] };
    }
    case 6: return nd === 0 ? null : { op: r.pick(["softmax", "logSoftmax"]), args: [dim()] };
    case 7: {
      if (nd === 0 || dtype === "int32") return null;
      const k = shape[nd - 1], n = r.int(0, 4);
      return { op: "matmul", args: [genSpec(r, nd === 1 ? [k] : [k, n], "float32")] };
    }
    case 8: return { op: "where", args: [genSpec(r, broadcastPartner(r, shape), "float32"), enc(r.pick([0, -1, Infinity])) as number] };
    case 9: {
      if (nd === 0) return { op: "clamp", args: [r.chance(0.5) ? -1 : null, r.chance(0.5) ? 1.5 : null] };
      const kind = r.int(0, 4);
      if (kind === 0) return { op: "permute", args: [[...shape.keys()].sort(() => r.next() - 0.5)] };
      if (kind === 1) return { op: "cat", args: [dim()] };
      if (kind === 2 && nd >= 2) return { op: r.pick(["tril", "triu"]), args: [r.int(-2, 2)] };
      const k = (dim() + nd) % nd;
      if (kind === 3 && shape[k] > 0) return { op: "indexSelect", args: [k, Array.from({ length: r.int(0, 4) }, () => r.int(0, shape[k] - 1))] };
      return { op: "expandNew", args: [r.int(1, 3)] };
    }
    case 10: {
      const op = r.pick(UNARY2);
      const pre = op === "asin" || op === "acos" ? (r.chance(0.8) ? "unit" : null) : op.startsWith("log") ? (r.chance(0.7) ? "pos" : null) : null;
      if (op === "round") return { op, args: [pre, r.chance(0.3) ? r.int(-1, 2) : null] };
      if (op === "nanToNum") return { op, args: [pre, ...[0, 1, 2].map(() => (r.chance(0.5) ? r.pick([0, -2.5, 7]) : null))] };
      return { op, args: [pre] };
    }
    case 11: {
      const int = r.chance(0.5);
      let other: number | TSpec = r.chance(0.3) ? enc(r.pick(int ? [2, -3, 0, 1, -1] : [2, -3, 0.5, 0, -1.5])) as number : genSpec(r, broadcastPartner(r, shape), r.chance(0.3) ? "int32" : dtype);
      if (int && typeof other === "object") other = { ...other, values: other.values.map((v) => (typeof v === "number" ? Math.round(v) : v)) };
      return { op: r.pick(BINARY2), args: [int ? "int" : null, other] as Step["args"] };
    }
    case 12: {
      const op = r.pick(REDUCE2), ties = r.chance(0.4) ? "ties" : null;
      const d = op === "maxDim" || op === "minDim" || r.chance(0.6) ? dim() : null;
      if ((op === "amin" || op.endsWith("Dim")) && (d === null ? shape.includes(0) : size(d) === 0)) return null;
      return { op, args: [ties, d, r.chance(0.5), r.int(0, 1)] };
    }
    case 13: return { op: r.pick(SCANS), args: [r.chance(0.4) ? "ties" : null, dim(), r.int(0, 1)] };
    case 14: {
      const ties = r.chance(0.5) ? "ties" : null, d = dim();
      const op = r.pick(["sort", "argsort", "topk"]);
      if (op === "topk") return { op, args: [ties, d, r.int(0, size(d)), r.chance(0.5), r.int(0, 1)] };
      return { op, args: [ties, d, r.chance(0.5), r.int(0, 1)] };
    }
    case 15: {
      const op = r.pick(COMPOSITES);
      const subset = () => [...shape.keys()].filter(() => r.chance(0.5));
      switch (op) {
        case "flip": return { op, args: [subset()] };
        case "roll": return nd === 0 || r.chance(0.3) ? { op, args: [r.int(-5, 5), null] } : { op, args: [r.int(-5, 5), dim()] };
        case "repeat": case "tile": return { op, args: [Array.from({ length: op === "repeat" ? nd + r.int(0, 1) : r.int(1, nd + 1) }, () => r.int(0, 2))] };
        case "norm": return dtype === "int32" ? null : { op, args: [enc(r.pick([2, 1, 3, 0, 0.5, Infinity, -Infinity])) as number | string,  r.chance(0.4) ? null : dim(), r.chance(0.5)] };
        case "einsum": {
          if (nd === 0 || nd > 3 || dtype === "int32") return null;
          const ins = "abc".slice(0, nd), out = [...ins].filter(() => r.chance(0.6)).sort(() => r.next() - 0.5).join("");
          if (r.chance(0.5)) return { op, args: [`${ins}->${out}`] };
          const j = r.int(0, nd - 1), n = r.int(1, 3);
          return { op, args: [`${ins},${ins[j]}z->${out}z`, genSpec(r, [shape[j], n], "float32")] };
        }
        case "lerp": return dtype === "int32" ? null : { op, args: [genSpec(r, broadcastPartner(r, shape), "float32"), r.chance(0.5) ? r.pick([0, 0.25, 1, 1.5]) : genSpec(r, broadcastPartner(r, shape), "float32")] };
        case "addcmul": return dtype === "int32" ? null : { op, args: [genSpec(r, broadcastPartner(r, shape), "float32"), genSpec(r, broadcastPartner(r, shape), "float32"), r.pick([1, -0.5, 2])] };
        case "diag": return nd === 1 || nd === 2 ? { op, args: [r.int(-2, 2)] } : null;
        case "trace": return nd === 2 ? { op, args: [] } : null;
        case "cdist": return nd === 2 && dtype === "float32" ? { op, args: [genSpec(r, [r.int(0, 4), shape[1]], "float32"), enc(r.pick([2, 1, 0, Infinity, 1.5]))] } : null;
        case "scatter": case "indexAdd": {
          if (nd === 0) return null;
          const k = (dim() + nd) % nd;
          if (shape[k] === 0) return null;
          if (op === "indexAdd") {
            const idx = Array.from({ length: r.int(0, 4) }, () => r.int(0, shape[k] - 1));
            return { op, args: [k, idx, genSpec(r, shape.map((s, i) => (i === k ? idx.length : s)), dtype), r.pick([1, -2])] };
          }
          const ishape = shape.map((s) => r.int(Math.min(s, 1), s));
          const index: TSpec = { shape: ishape, dtype: "int32", values: Array.from({ length: ishape.reduce((a, b) => a * b, 1) }, () => r.int(0, shape[k] - 1)), view: "plain" };
          return { op, args: [k, index, r.chance(0.3) ? r.pick([0, -1.5]) : genSpec(r, ishape, dtype)] };
        }
      }
    }
    case 16: return dtype === "float32" ? genNN(r, shape) : null;
    case 17: return genIdx(r, shape, dtype);
  }
  return null;
}

/** int32 values in [0, n) as a plain tensor of `shape` */
function indexSpec(r: Rng, shape: number[], n: number): TSpec {
  return { shape, dtype: "int32", values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.int(0, n - 1)), view: "plain" };
}

/** An indexing, view or product step (IDX) that fits a tensor of this shape and dtype, or null. */
function genIdx(r: Rng, shape: number[], dtype: DT): Step | null {
  const nd = shape.length, op = r.pick(IDX);
  const k = nd === 0 ? 0 : r.int(0, nd - 1), n = nd === 0 ? 1 : shape[k];
  const float = dtype === "float32";
  switch (op) {
    case "gather": case "scatterAdd": {
      // index: as many dims, each no longer than the input's (but along k); values along k in range
      if (nd === 0 || n === 0) return null;
      const ishape = shape.map((s, i) => (i === k ? r.int(0, 4) : r.int(Math.min(s, 1), s)));
      return { op, args: [k, indexSpec(r, ishape, n), op === "scatterAdd" ? genSpec(r, ishape, dtype) : null] };
    }
    case "maskedFill": return { op, args: [genSpec(r, broadcastPartner(r, shape), "float32"), r.chance(0.3) ? genSpec(r, [], dtype) : enc(r.pick([0, -2.5, Infinity]))] };
    case "maskedSelect": return { op, args: [genSpec(r, broadcastPartner(r, shape), "float32")] };
    case "indexFill": return nd === 0 || n === 0 ? null : { op, args: [k, Array.from({ length: r.int(0, 3) }, () => r.int(0, n - 1)), enc(r.pick([0, 1.5, -Infinity]))] };
    case "indexPut": {
      // indices along the first dim: repeats add up with accumulate; without it they are distinct
      // (which of two writes to one place wins is unspecified, in PyTorch too)
      if (nd === 0 || shape[0] === 0) return null;
      const accumulate = r.chance(0.5);
      const idx = accumulate ? Array.from({ length: r.int(0, 4) }, () => r.int(0, shape[0] - 1)) : [...Array(shape[0]).keys()].filter(() => r.chance(0.5));
      const values = r.chance(0.3) ? enc(r.pick([0, 2, -1.5])) : genSpec(r, r.chance(0.7) ? [idx.length, ...shape.slice(1)] : shape.slice(1), dtype);
      return { op, args: [idx, values, accumulate] };
    }
    case "repeatInterleave": {
      if (r.chance(0.4)) return { op, args: [r.int(0, 3), null] };
      return nd === 0 ? null : { op, args: [r.chance(0.5) ? r.int(0, 3) : Array.from({ length: n }, () => r.int(0, 3)), k] };
    }
    case "movedim": return nd === 0 ? null : { op, args: [k, r.int(-nd, nd - 1)] };
    case "squeeze": return { op, args: [nd === 0 || r.chance(0.4) ? null : r.int(-nd, nd - 1)] };
    case "unflatten": return nd === 0 || n === 0 ? null : { op, args: [k, r.pick([[1, n], [n, 1], [-1, 1], [1, -1, 1]])] };
    case "diagonal": return nd < 2 ? null : { op, args: [r.int(-2, 2), k, (k + r.int(1, nd - 1)) % nd] };
    case "unfold": return nd === 0 ? null : { op, args: [k, r.int(0, n), r.int(1, 3)] };
    case "piece": {
      // one piece of chunk, split (even or by sizes) or unbind along k
      if (nd === 0 || n === 0) return null;
      const how = r.pick(["chunk", "split", "splitSizes", "unbind"]);
      if (how === "unbind") return { op, args: [how, k, null, r.int(0, n - 1)] };
      if (how === "splitSizes") {
        const sizes: number[] = [];
        for (let left = n; left > 0; left -= sizes[sizes.length - 1]) sizes.push(r.int(1, left));
        return { op, args: [how, k, sizes, r.int(0, sizes.length - 1)] };
      }
      const c = r.int(1, 3), pieces = how === "chunk" ? Math.ceil(n / Math.ceil(n / c)) : Math.ceil(n / c);
      return { op, args: [how, k, c, r.int(0, pieces - 1)] };
    }
    case "bmm": {
      // [B, M, K] · [B, K, N]; or matmul against a batched b whose leading dims broadcast
      if (nd < 2 || !float) return null;
      const K = shape[nd - 1], N = r.int(0, 4);
      if (nd === 3 && r.chance(0.5)) return { op, args: [genSpec(r, [shape[0], K, N], "float32")] };
      const lead = broadcastPartner(r, shape.slice(0, -2));
      return { op: "matmulBatched", args: [genSpec(r, [...(r.chance(0.3) ? [2] : []), ...lead, K, N], "float32")] };
    }
    case "outer": return nd === 1 && float ? { op, args: [genSpec(r, [r.int(0, 4)], "float32")] } : null;
    case "addmm": {
      // t is addmm's input [M, N]: mat1 [M, K] · mat2 [K, N]
      if (nd !== 2 || !float) return null;
      const K = r.int(0, 5);
      return { op, args: [genSpec(r, [shape[0], K], "float32"), genSpec(r, [K, shape[1]], "float32"), r.pick([1, 0, 0.5]), r.pick([1, -2])] };
    }
    case "nonzero": return { op, args: [] };
    case "embedding": {
      // t is the [num, dim] weight; int indices of any shape
      if (nd !== 2 || shape[0] === 0 || !float) return null;
      return { op, args: [indexSpec(r, genShape(r, r.int(0, 2)), shape[0])] };
    }
  }
  return null;
}

/** A torch.nn.functional step (NN) that fits a float32 tensor of this shape, or null. */
function genNN(r: Rng, shape: number[]): Step | null {
  const nd = shape.length, last = nd ? shape[nd - 1] : 0;
  const op = r.pick(NN);
  switch (op) {
    case "layerNorm": case "rmsNorm":
      if (nd === 0 || last === 0) return null;
      // weights and biases are finite (an infinite weight makes the gradient inf or NaN by the order
      // of the sums, in PyTorch's fused kernel as in dlgrad's)
      return { op, args: [r.chance(0.6) ? genSpec(r, [last], "float32", "plain", true) : null, op === "layerNorm" && r.chance(0.6) ? genSpec(r, [last], "float32", "plain", true) : null, r.pick([1e-5, 0.1])] };
    case "act": return { op: r.pick(ACTIVATIONS), args: [] };
    case "sdpa": {
      // q is the tensor; k [.., S, E] and v [.., S, Ev] share its leading dims
      if (nd < 2 || nd > 4 || last === 0 || shape[nd - 2] === 0) return null;
      // causal: q, k and v finite. The composite (js, PyTorch's math path) multiplies the masked
      // scores' zero probabilities by the masked keys' values and queries, so an inf or NaN there
      // reaches the result (0·inf); the fused kernels skip masked tiles (docs/pytorch.md)
      const lead = shape.slice(0, -2), S = r.int(1, 5), Ev = r.int(1, 4), causal = r.chance(0.5);
      return { op, args: [genSpec(r, [...lead, S, last], "float32", undefined, causal), genSpec(r, [...lead, S, Ev], "float32", undefined, causal), causal, r.chance(0.3) ? 0.5 : null] };
    }
    case "pool": {
      if (nd !== 3 && nd !== 4) return null;
      if (shape.includes(0)) return null;
      const k = r.int(1, Math.min(3, shape[nd - 2], last)), stride = r.int(1, 2), padding = r.int(0, Math.floor(k / 2));
      return { op: r.pick(["maxPool2d", "avgPool2d"]), args: [k, stride, padding] };
    }
    case "conv2d": {
      if (nd !== 4 || shape.includes(0)) return null;
      const [, c, h, w] = shape, padding = r.int(0, 1), kh = r.int(1, Math.min(3, h + 2 * padding)), kw = r.int(1, Math.min(3, w + 2 * padding));
      const oc = r.int(1, 3);
      return { op, args: [genSpec(r, [oc, c, kh, kw], "float32", "plain"), r.chance(0.5) ? genSpec(r, [oc], "float32", "plain") : null, r.int(1, 2), padding] };
    }
    case "pad": {
      if (nd === 0) return null;
      const mode = r.pick(["constant", "reflect", "replicate"]);
      if (mode !== "constant" && (nd < 2 || last === 0 || shape.slice(0, -1).includes(0))) return null;
      const most = mode === "reflect" ? last - 1 : 3;
      return { op, args: [[r.int(0, most), r.int(0, most)], mode, r.pick([0, -1.5])] };
    }
    case "loss": return { op: r.pick(LOSSES), args: [genSpec(r, shape, "float32"), r.pick(["mean", "sum", "none"])] };
    case "groupNorm": case "batchNorm": {
      // [N, C, ...]: groups that divide C; batch statistics (training), without running ones
      if (nd < 2 || shape.includes(0)) return null;
      const c = shape[1], groups = [1, 2, 3, 4, 5].filter((g) => c % g === 0);
      const affine = () => (r.chance(0.5) ? genSpec(r, [c], "float32", "plain", true) : null);
      return { op, args: [r.pick(groups), affine(), affine(), r.pick([1e-5, 0.1])] };
    }
    case "interpolate": {
      if (nd !== 3 && nd !== 4) return null;
      const mode = nd === 4 && r.chance(0.5) ? "bilinear" : "nearest";
      return { op, args: [r.pick([0.5, 1.5, 2]), mode, mode === "bilinear" && r.chance(0.5)] };
    }
    case "cosineSimilarity": return nd === 0 ? null : { op, args: [genSpec(r, broadcastPartner(r, shape), "float32"), r.int(-nd, nd - 1)] };
    case "conv1d": {
      if (nd !== 3 || shape.includes(0)) return null;
      const [, c, l] = shape, padding = r.int(0, 1), k = r.int(1, Math.min(3, l + 2 * padding));
      const oc = r.int(1, 3);
      return { op, args: [genSpec(r, [oc, c, k], "float32", "plain"), r.chance(0.5) ? genSpec(r, [oc], "float32", "plain") : null, r.int(1, 2), padding] };
    }
    case "convTranspose2d": {
      // weight [C, OC, kh, kw]; padding below the kernel, so the output is not empty
      if (nd !== 4 || shape.includes(0)) return null;
      const kh = r.int(1, 3), kw = r.int(1, 3), oc = r.int(1, 3), stride = r.int(1, 2);
      return { op, args: [genSpec(r, [shape[1], oc, kh, kw], "float32", "plain"), r.chance(0.5) ? genSpec(r, [oc], "float32", "plain") : null, stride, r.int(0, Math.min(kh, kw) - 1)] };
    }
    case "pool1d": {
      if ((nd !== 2 && nd !== 3) || shape.includes(0)) return null;
      const k = r.int(1, Math.min(3, last));
      return { op: r.pick(["maxPool1d", "avgPool1d"]), args: [k, r.int(1, 2), r.int(0, Math.floor(k / 2))] };
    }
    case "glu": {
      const k = nd === 0 ? -1 : r.int(0, nd - 1);
      return k < 0 || shape[k] % 2 !== 0 ? null : { op, args: [k] };
    }
    case "prelu": return { op, args: [genSpec(r, [nd >= 2 ? r.pick([1, shape[1]]) : 1], "float32", "plain")] };
    case "normalize": return nd === 0 ? null : { op, args: [r.pick([2, 1, 3]), r.int(-nd, nd - 1)] };
    case "instanceNorm": return nd < 3 || shape.includes(0) ? null : { op, args: [r.pick([1e-5, 0.1])] };
    case "nllLoss": {
      // on log-probabilities [N, C] (a logSoftmax first), with int targets and finite class weights
      if (nd !== 2 || last === 0 || shape[0] === 0) return null;
      const targets = Array.from({ length: shape[0] }, () => r.int(0, last - 1));
      return { op, args: [{ shape: [shape[0]], dtype: "int32", values: targets, view: "plain" }, r.chance(0.5) ? genSpec(r, [last], "float32", "plain", true) : null, r.pick(["mean", "sum", "none"])] };
    }
    case "binaryCrossEntropy": {
      // on probabilities sigmoid(clamp(x, -8, 8)) against targets in [0, 1]: log(1 - p) of a p that
      // rounds to within an ulp of 1 would judge float32's sigmoid, not the loss
      const n = shape.reduce((a, b) => a * b, 1);
      return { op, args: [{ shape, dtype: "float32", values: Array.from({ length: n }, () => Math.round(r.next() * 1000) / 1000), view: "plain" }, r.pick(["mean", "sum", "none"])] };
    }
    case "klDiv": return { op, args: [genSpec(r, shape, "float32"), r.pick(["mean", "sum", "none", "batchmean"]), r.chance(0.5)] };
    case "crossEntropy": {
      if (nd !== 2 || last === 0 || shape[0] === 0) return null;
      const targets = Array.from({ length: shape[0] }, () => (r.chance(0.1) ? -100 : r.int(0, last - 1)));
      return { op, args: [{ shape: [shape[0]], dtype: "int32", values: targets, view: "plain" }, r.pick(["mean", "sum", "none"]), r.pick([0, 0.1])] };
    }
  }
  return null;
}

export function genCase(seed: number): Case {
  const r = new Rng(seed);
  const dtype: DT = r.chance(0.2) ? "int32" : "float32";
  const input = genSpec(r, genShape(r), dtype);
  const chain: Step[] = [];
  let probe = specTensor(input, "js");
  for (let i = r.int(1, 4); i > 0; i--) {
    const step = genStep(r, [...probe.shape], probe.dtype as DT);
    if (!step) continue;
    // a documented difference, not a bug: the cpu GELU keeps the far negative tail (gelu(-6) is
    // -7e-9) where PyTorch and the js composite round it to 0, and a reciprocal turns that into
    // -1e8 against -inf
    if (step.op === "reciprocal" && chain[chain.length - 1]?.op === "gelu") continue;
    try {
      probe = noGrad(() => applyStep(probe, step, "js"));
      chain.push(step);
    } catch {
      break; // a step the js reference refuses ends the chain (refusals are checked by the bad-input table)
    }
  }
  return { seed, input, chain, grad: dtype === "float32" && r.chance(0.6) };
}

/** The chain's first n steps on `device` (the input to step n + 1), for triage scripts. */
export function runPrefix(c: Case, n: number, device: string): Tensor {
  let t = specTensor(c.input, device);
  for (const s of c.chain.slice(0, n)) t = applyStep(t, s, device);
  return t;
}

function applyStep(t: Tensor, s: Step, device: string): Tensor {
  const a = s.args;
  const arg = (i: number) => {
    const v = a[i];
    return v !== null && typeof v === "object" && !Array.isArray(v) ? specTensor(v as TSpec, device) : typeof v === "string" ? Number(v) : v;
  };
  const d = (i: number) => a[i] as number;
  switch (s.op) {
    case "gelu": return F.gelu(t);
    case "silu": return F.silu(t);
    case "sum": case "mean": case "max": case "min": case "amax": case "logsumexp": case "var": case "std": {
      const m = (t as unknown as Record<string, (d?: number, o?: object) => Tensor>)[s.op].bind(t);
      const r: unknown = a[0] === null ? m(undefined, { keepdim: a[1] as boolean }) : m(d(0), { keepdim: a[1] as boolean });
      return r instanceof Tensor ? r : (r as { values: Tensor }).values; // max/min(dim): { values, indices }
    }
    case "argmax": case "argmin": return t[s.op](d(0), { keepdim: a[1] as boolean });
    case "transpose": return t.transpose(d(0), d(1));
    case "flatten": return t.flatten();
    case "unsqueeze": return t.unsqueeze(d(0));
    case "narrowHalf": { const n = t.shape[(d(0) + t.ndim) % t.ndim]; return t.narrow(d(0), Math.floor(n / 3), Math.ceil(n / 2) - Math.floor(n / 3)); }
    case "sliceStep": { const nd = t.ndim, k = (d(0) + nd) % nd; return t.slice(...Array.from({ length: k }, () => [] as number[]), [1, null, 2]); }
    case "softmax": return t.softmax(d(0));
    case "logSoftmax": return t.logSoftmax(d(0));
    case "matmul": return t.matmul(arg(0) as Tensor);
    case "where": return Tensor.where((arg(0) as Tensor).gt(0), t, arg(1) as number);
    case "clamp": return t.clamp(a[0] as number | null, a[1] as number | null);
    case "permute": return t.permute(a[0] as number[]);
    case "cat": return Tensor.cat([t, t.mul(2)], d(0));
    case "tril": return t.tril(d(0));
    case "triu": return t.triu(d(0));
    case "indexSelect": return t.indexSelect(d(0), Tensor.from(Int32Array.from(a[1] as number[]), { device }));
    case "expandNew": return t.unsqueeze(0).expand(d(0), ...t.shape);
    default:
      if (s.op in NEW_OPS) return NEW_OPS[s.op](pre(t, a[0]), a.slice(1), device);
      if (s.op in COMPOSITE_OPS) return COMPOSITE_OPS[s.op](t, a, device);
      if (s.op in NN_OPS) return NN_OPS[s.op](t, a, device);
      if (s.op in IDX_OPS) return IDX_OPS[s.op](t, a, device);
      if (BINARY.includes(s.op)) return (t as unknown as Record<string, (o: Tensor | number) => Tensor>)[s.op](arg(0) as Tensor | number);
      return (t as unknown as Record<string, () => Tensor>)[s.op]();
  }
}

/** Moves a step's input into its op's domain (see UNARY2). */
function pre(t: Tensor, how: unknown): Tensor {
  if (how === "unit") return t.tanh();
  if (how === "pos") return t.abs().add(0.05);
  if (how === "int") return t.round();
  if (how === "ties") return t.clamp(-1, 1);
  return t;
}

type VI = { values: Tensor; indices: Tensor };
const pickVI = (r: VI, which: unknown) => (which === 1 ? r.indices : r.values);
const specArg = (v: unknown, device: string) => (v !== null && typeof v === "object" && !Array.isArray(v) ? specTensor(v as TSpec, device) : typeof v === "string" ? Number(v) : v);
const dimOpt = (d: unknown) => (d === null ? undefined : (d as number));
/** The later ops; each gets its input already moved into the domain its first argument names. */
const NEW_OPS: Record<string, (t: Tensor, a: Step["args"], device: string) => Tensor> = {
  ...Object.fromEntries(UNARY2.filter((o) => o !== "round" && o !== "nanToNum").map((o) => [o, (t: Tensor) => (t as unknown as Record<string, () => Tensor>)[o]()])),
  round: (t, a) => (a[0] === null ? t.round() : t.round({ decimals: a[0] as number })),
  nanToNum: (t, a) => t.nanToNum({ ...(a[0] !== null ? { nan: a[0] as number } : {}), ...(a[1] !== null ? { posinf: a[1] as number } : {}), ...(a[2] !== null ? { neginf: a[2] as number } : {}) }),
  ...Object.fromEntries(BINARY2.map((o) => [o, (t: Tensor, a: Step["args"], device: string) => (t as unknown as Record<string, (o: Tensor | number) => Tensor>)[o](specArg(a[0], device) as Tensor | number)])),
  all: (t, a) => t.all(dimOpt(a[0]) as number, { keepdim: a[1] as boolean }),
  any: (t, a) => t.any(dimOpt(a[0]) as number, { keepdim: a[1] as boolean }),
  prod: (t, a) => (a[0] === null ? t.prod({ keepdim: a[1] as boolean }) : t.prod(a[0] as number, { keepdim: a[1] as boolean })),
  amin: (t, a) => (a[0] === null ? t.amin({ keepdim: a[1] as boolean }) : t.amin(a[0] as number, { keepdim: a[1] as boolean })),
  maxDim: (t, a) => pickVI(t.max(a[0] as number, { keepdim: a[1] as boolean }) as unknown as VI, a[2]),
  minDim: (t, a) => pickVI(t.min(a[0] as number, { keepdim: a[1] as boolean }) as unknown as VI, a[2]),
  cumsum: (t, a) => t.cumsum(a[0] as number),
  cumprod: (t, a) => t.cumprod(a[0] as number),
  logcumsumexp: (t, a) => t.logcumsumexp(a[0] as number),
  cummax: (t, a) => pickVI(t.cummax(a[0] as number), a[1]),
  cummin: (t, a) => pickVI(t.cummin(a[0] as number), a[1]),
  sort: (t, a) => pickVI(t.sort(a[0] as number, { descending: a[1] as boolean }), a[2]),
  argsort: (t, a) => t.argsort(a[0] as number, { descending: a[1] as boolean }),
  topk: (t, a) => pickVI(t.topk(a[1] as number, a[0] as number, { largest: a[2] as boolean }), a[3]),
};
// composites take no domain argument
const COMPOSITE_OPS: Record<string, (t: Tensor, a: Step["args"], device: string) => Tensor> = {
  flip: (t, a) => t.flip(a[0] as number[]),
  roll: (t, a) => (a[1] === null ? t.roll(a[0] as number) : t.roll(a[0] as number, a[1] as number)),
  repeat: (t, a) => t.repeat(a[0] as number[]),
  tile: (t, a) => t.tile(a[0] as number[]),
  norm: (t, a) => t.norm({ p: specArg(a[0], "js") as number, ...(a[1] !== null ? { dim: a[1] as number } : {}), keepdim: a[2] as boolean }),
  einsum: (t, a, device) => (a.length === 1 ? einsum(a[0] as unknown as string, t) : einsum(a[0] as unknown as string, t, specArg(a[1], device) as Tensor)),
  lerp: (t, a, device) => t.lerp(specArg(a[0], device) as Tensor, specArg(a[1], device) as Tensor | number),
  addcmul: (t, a, device) => t.addcmul(specArg(a[0], device) as Tensor, specArg(a[1], device) as Tensor, { value: a[2] as number }),
  diag: (t, a) => t.diag(a[0] as number),
  trace: (t) => t.trace(),
  cdist: (t, a, device) => cdist(t, specArg(a[0], device) as Tensor, { p: specArg(a[1], "js") as number }),
  scatter: (t, a, device) => t.scatter(a[0] as number, specArg(a[1], device) as Tensor, specArg(a[2], device) as Tensor | number),
  indexAdd: (t, a, device) => t.indexAdd(a[0] as number, Tensor.from(Int32Array.from(a[1] as number[]), { device }), specArg(a[2], device) as Tensor, { alpha: a[3] as number }),
};

/** a step's tensor argument on `device` (null stays null) */
const spec = (v: unknown, device: string) => specArg(v, device) as Tensor | null;
const act = (op: string) => (t: Tensor) => (op === "geluTanh" ? F.gelu(t, { approximate: "tanh" }) : (F as unknown as Record<string, (x: Tensor) => Tensor>)[op](t));
const loss = (op: string) => (t: Tensor, a: Step["args"], device: string) =>
  (F as unknown as Record<string, (x: Tensor, y: Tensor, o: object) => Tensor>)[op](t, spec(a[0], device)!, { reduction: a[1] });
const NN_OPS: Record<string, (t: Tensor, a: Step["args"], device: string) => Tensor> = {
  layerNorm: (t, a, device) => F.layerNorm(t, [t.shape[t.ndim - 1]], spec(a[0], device), spec(a[1], device), a[2] as number),
  rmsNorm: (t, a, device) => F.rmsNorm(t, [t.shape[t.ndim - 1]], spec(a[0], device), a[2] as number),
  ...Object.fromEntries(ACTIVATIONS.map((op) => [op, act(op)])),
  sdpa: (t, a, device) => F.scaledDotProductAttention(a[2] ? t.nanToNum({ nan: 0, posinf: 3, neginf: -3 }) : t, spec(a[0], device)!, spec(a[1], device)!, { isCausal: a[2] as boolean, ...(a[3] !== null ? { scale: a[3] as number } : {}) }),
  maxPool2d: (t, a) => F.maxPool2d(t, a[0] as number, a[1] as number, a[2] as number),
  avgPool2d: (t, a) => F.avgPool2d(t, a[0] as number, { stride: a[1] as number, padding: a[2] as number }),
  conv2d: (t, a, device) => F.conv2d(t, spec(a[0], device)!, spec(a[1], device), { stride: a[2] as number, padding: a[3] as number }),
  pad: (t, a) => F.pad(t, a[0] as number[], a[1] === "constant" ? { value: a[2] as number } : { mode: a[1] as "reflect" }),
  ...Object.fromEntries(LOSSES.map((op) => [op, loss(op)])),
  groupNorm: (t, a, device) => F.groupNorm(t, a[0] as number, { weight: spec(a[1], device), bias: spec(a[2], device), eps: a[3] as number }),
  batchNorm: (t, a, device) => F.batchNorm(t, null, null, { weight: spec(a[1], device), bias: spec(a[2], device), training: true, eps: a[3] as number }),
  interpolate: (t, a) => F.interpolate(t, { scaleFactor: a[0] as number, mode: a[1] as "nearest", ...(a[1] === "bilinear" ? { alignCorners: a[2] as boolean } : {}) }),
  cosineSimilarity: (t, a, device) => F.cosineSimilarity(t, spec(a[0], device)!, { dim: a[1] as number }),
  klDiv: (t, a, device) => F.klDiv(t, spec(a[0], device)!, { reduction: a[1] as "mean", logTarget: a[2] as boolean }),
  conv1d: (t, a, device) => F.conv1d(t, spec(a[0], device)!, spec(a[1], device), { stride: a[2] as number, padding: a[3] as number }),
  convTranspose2d: (t, a, device) => F.convTranspose2d(t, spec(a[0], device)!, spec(a[1], device), { stride: a[2] as number, padding: a[3] as number }),
  maxPool1d: (t, a) => F.maxPool1d(t, a[0] as number, { stride: a[1] as number, padding: a[2] as number }),
  avgPool1d: (t, a) => F.avgPool1d(t, a[0] as number, { stride: a[1] as number, padding: a[2] as number }),
  glu: (t, a) => F.glu(t, { dim: a[0] as number }),
  prelu: (t, a, device) => F.prelu(t, spec(a[0], device)!),
  normalize: (t, a) => F.normalize(t, { p: a[0] as number, dim: a[1] as number }),
  instanceNorm: (t, a) => F.instanceNorm(t, { eps: a[0] as number }),
  nllLoss: (t, a, device) => F.nllLoss(t.logSoftmax(1), spec(a[0], device)!, { ...(a[1] !== null ? { weight: spec(a[1], device)! } : {}), reduction: a[2] as "mean" }),
  binaryCrossEntropy: (t, a, device) => F.binaryCrossEntropy(t.clamp(-8, 8).sigmoid(), spec(a[0], device)!, { reduction: a[1] as "mean" }),
  crossEntropy: (t, a, device) => F.crossEntropy(t, spec(a[0], device)!, { reduction: a[1] as "mean", labelSmoothing: a[2] as number }),
};

const IDX_OPS: Record<string, (t: Tensor, a: Step["args"], device: string) => Tensor> = {
  gather: (t, a, device) => t.gather(a[0] as number, spec(a[1], device)!),
  scatterAdd: (t, a, device) => t.scatterAdd(a[0] as number, spec(a[1], device)!, spec(a[2], device)!),
  maskedFill: (t, a, device) => t.maskedFill(spec(a[0], device)!.gt(0), specArg(a[1], device) as Tensor | number),
  maskedSelect: (t, a, device) => t.maskedSelect(spec(a[0], device)!.gt(0)),
  indexFill: (t, a, device) => t.indexFill(a[0] as number, Tensor.from(Int32Array.from(a[1] as number[]), { device }), specArg(a[2], device) as number),
  indexPut: (t, a, device) => t.indexPut([Tensor.from(Int32Array.from(a[0] as number[]), { device })], specArg(a[1], device) as Tensor | number, { accumulate: a[2] as boolean }),
  repeatInterleave: (t, a) => (a[1] === null ? t.repeatInterleave(a[0] as number) : t.repeatInterleave(a[0] as number | number[], a[1] as number)),
  movedim: (t, a) => t.movedim(a[0] as number, a[1] as number),
  squeeze: (t, a) => (a[0] === null ? t.squeeze() : t.squeeze(a[0] as number)),
  unflatten: (t, a) => t.unflatten(a[0] as number, a[1] as number[]),
  diagonal: (t, a) => t.diagonal(a[0] as number, a[1] as number, a[2] as number),
  unfold: (t, a) => t.unfold(a[0] as number, a[1] as number, a[2] as number),
  piece: (t, a) => {
    const [how, k, size, i] = a as [string, number, number | number[] | null, number];
    const parts = how === "chunk" ? t.chunk(size as number, k) : how === "unbind" ? t.unbind(k) : t.split(size as number | number[], k);
    return parts[i];
  },
  bmm: (t, a, device) => t.bmm(spec(a[0], device)!),
  matmulBatched: (t, a, device) => t.matmul(spec(a[0], device)!),
  outer: (t, a, device) => t.outer(spec(a[0], device)!),
  addmm: (t, a, device) => t.addmm(spec(a[0], device)!, spec(a[1], device)!, { beta: a[2] as number, alpha: a[3] as number }),
  nonzero: (t) => t.nonzero() as Tensor,
  embedding: (t, a, device) => F.embedding(spec(a[0], device)!, t),
};

/** The seeded gradient that flows into a case's output t (on t's device and dtype); exported, like
 *  runPrefix, for scripts that triage a saved case against PyTorch. */
export function upstreamGradient(c: Case, t: Tensor): Tensor {
  const r = new Rng(c.seed ^ 0x5bd1e995);
  return Tensor.from(Float64Array.from({ length: t.numel }, () => r.next() * 2 - 1), { shape: t.shape, device: t.device, dtype: t.dtype });
}

/** A contiguous copy of x's values on `device`, a leaf. */
async function copyTo(x: Tensor, device: string, requiresGrad = false): Promise<Tensor> {
  // read back asynchronously: webgpu's values cannot be read synchronously
  return Tensor.from(await x.toTypedArrayAsync(), { shape: x.shape, dtype: x.dtype, device, requiresGrad });
}

/** The ops whose result's shape depends on values, which webgpu reads back asynchronously only:
 *  there the chain runs their async forms (the sync ones refuse, naming these). */
const ASYNC_OPS: Record<string, (t: Tensor, a: Step["args"], device: string) => Promise<Tensor>> = {
  nonzero: async (t) => (await nonzeroAsync(t)) as Tensor,
  maskedSelect: (t, a, device) => maskedSelectAsync(t, spec(a[0], device)!.gt(0)),
};
/** applyStep, with ASYNC_OPS's forms on webgpu */
async function applyStepAsync(t: Tensor, s: Step, device: string): Promise<Tensor> {
  return device === "webgpu" && s.op in ASYNC_OPS ? ASYNC_OPS[s.op](t, s.args, device) : applyStep(t, s, device);
}

type Run = { out?: Tensor; grad?: Tensor | null; error?: string };
const failed = (e: unknown): Run => ({ error: e instanceof Error ? e.message : String(e) });

/** The case's output t (from its input leaf x), and x's gradient for the seeded upstream gradient. */
function outputAndGrad(c: Case, x: Tensor, t: Tensor): Run {
  if (!c.grad || !t.requiresGrad || t.dtype === "int32") return { out: t };
  t.backward(upstreamGradient(c, t));
  return { out: t, grad: x.grad };
}

/** Output, and the input's gradient for a seeded upstream gradient, or the error message. */
function runCase(c: Case, device: string, f64 = false): Run {
  try {
    let x = specTensor(c.input, device, c.grad && !f64);
    if (f64) x = Tensor.from(x.toTypedArray(), { shape: x.shape, dtype: x.dtype === "float32" ? "float64" : x.dtype, device, requiresGrad: c.grad });
    let t = x;
    for (const s of c.chain) t = applyStep(t, s, device);
    return outputAndGrad(c, x, t);
  } catch (e) {
    return failed(e);
  }
}

/** runCase on webgpu, its results read back (asynchronously) into js tensors. */
async function runCaseGpu(c: Case): Promise<Run> {
  try {
    const x = specTensor(c.input, "webgpu", c.grad);
    let t = x;
    for (const s of c.chain) t = await applyStepAsync(t, s, "webgpu");
    const r = outputAndGrad(c, x, t);
    return { out: await copyTo(r.out!, "js"), grad: r.grad ? await copyTo(r.grad, "js") : r.grad };
  } catch (e) {
    return failed(e);
  }
}

/** Values equal within float32 tolerance (NaN equals NaN, infinities exactly); int32 exactly. An
 *  ill-conditioned chain (reciprocals of near-zeros, then long sums) can move float32 results far
 *  from each other: where the float64 run `exact` is given, an element only counts as a mismatch
 *  if it is clearly further from it than js's own float32 result is. */
function differs(a: Tensor, b: Tensor, rtol: number, atol: number, exact?: Tensor): string | null {
  if (a.shape.join() !== b.shape.join() || a.dtype !== b.dtype) return `shape/dtype ${a.shape}/${a.dtype} vs ${b.shape}/${b.dtype}`;
  const x = a.toTypedArray(), y = b.toTypedArray(), z = exact?.toTypedArray();
  for (let i = 0; i < x.length; i++) {
    const u = x[i], v = y[i];
    if (Number.isNaN(u) && Number.isNaN(v)) continue;
    if (u === v) continue;
    const tol = atol + rtol * Math.abs(v);
    if (!Number.isFinite(u) || !Number.isFinite(v) || a.dtype === "int32") return `element ${i}: ${u} vs js ${v}`;
    if (Math.abs(u - v) <= tol) continue;
    // float32 sums of many terms in another order (the C kernels' blocked sums against js's float64
    // accumulation) and approximations of erf amplified by a reciprocal stay within 1e-3 of float64
    if (z && Number.isFinite(z[i]) && Math.abs(u - z[i]) <= Math.max(2 * Math.abs(v - z[i]), 1e-3 * Math.abs(z[i])) + tol) continue;
    return `element ${i}: ${u} vs js ${v}${z ? ` (float64: ${z[i]})` : ""}`;
  }
  return null;
}

/** Runs one case on every device against js; the mismatches found. */
export async function checkCase(c: Case, devices: string[], ref = runCase(c, "js")): Promise<Mismatch[]> {
  const found: Mismatch[] = [];
  for (const device of devices) {
    if (device === "js" || device === "webgpu") continue;
    const m = await compare(c, device, ref, runCase(c, device));
    if (m) found.push(m);
  }
  return found;
}

/** The webgpu run of a case against js (webgpu reads back asynchronously). */
export async function checkCaseGpu(c: Case, ref = runCase(c, "js")): Promise<Mismatch[]> {
  const m = await compare(c, "webgpu", ref, await runCaseGpu(c));
  return m ? [m] : [];
}

async function compare(c: Case, device: string, ref: Run, got: Run): Promise<Mismatch | null> {
  {
    let what: string | null = null;
    if (ref.error !== undefined || got.error !== undefined) {
      // judged step by step too: an ill-conditioned step can end in an error on one device only
      if (ref.error !== got.error) what = await stepwise(`error: '${got.error}' vs js '${ref.error}'`, () => firstDisagreeingStep(c, device));
    } else {
      const exact = () => runCase(c, "js", true);
      what = differs(got.out!, ref.out!, 2e-5, 1e-5);
      if (what && ref.out!.dtype === "float32") what = differs(got.out!, ref.out!, 2e-5, 1e-5, exact().out?.cast("float32"));
      what = await stepwise(what, () => firstDisagreeingStep(c, device));
      if (!what && (ref.grad ?? null) !== null) {
        what = got.grad ? differs(got.grad, ref.grad!, 1e-4, 1e-4) : "no gradient";
        if (what && got.grad) what = differs(got.grad, ref.grad!, 1e-4, 1e-4, exact().grad?.cast("float32"));
        if (got.grad) what = await stepwise(what, () => firstDisagreeingBackwardStep(c, device));
        if (what) what = `gradient: ${what}`;
      }
    }
    return what ? { seed: c.seed, device, what } : null;
  }
}

/** Results (forward or gradients) that differed while every op of the chain agreed
 *  (firstDisagreeingStep, firstDisagreeingBackwardStep), since the last reset: counted, not reported. */
let conditioned = 0;

/** A difference `what` found in a whole chain, judged op by op: kept, with the step `find` names,
 *  or dropped (and counted) when every step agrees. */
async function stepwise(what: string | null, find: () => Promise<string | null>): Promise<string | null> {
  if (!what) return null;
  const step = await find();
  if (step === null) conditioned++;
  return step === null ? null : `${what}; ${step}`;
}

/**
 * Where a chain's forward results differ (cpu, wasm, webgpu): each step run on `device` against the same
 * step run on js from a copy of the device's own input to it. The first step that disagrees, or
 * null when none does: the final difference then comes from the chain's conditioning, an op that
 * turns last-bit differences into large ones (the order of near-ties in a sort or topk, a floor,
 * sign or remainder at an integer, pow of a near-zero, sin of a huge value), not from a wrong op.
 */
async function firstDisagreeingStep(c: Case, device: string): Promise<string | null> {
  let t = specTensor(c.input, device);
  for (let k = 0; k < c.chain.length; k++) {
    const s = c.chain[k];
    const got = await attempt(() => applyStepAsync(t, s, device)), want = await attempt(async () => applyStep(await copyTo(t, "js"), s, "js"));
    if (typeof got === "string" || typeof want === "string") {
      // a step that fails on both alike ends the chain there (a later step refused a shape that
      // an earlier, ill-conditioned one made: nonzero of values that round to 0 on one device)
      if (got === want) return null;
      return `step ${k + 1} (${s.op}) on the same input: error '${typeof got === "string" ? got : "none"}' vs js '${typeof want === "string" ? want : "none"}'`;
    }
    const d = differs(await copyTo(got, "js"), want, 2e-5, 1e-5);
    if (d) return `step ${k + 1} (${s.op}) on the same input: ${d}`;
    t = got;
  }
  return null;
}

/** f's tensor, or the message of the error it threw */
async function attempt(f: () => Promise<Tensor>): Promise<Tensor | string> {
  try {
    return await f();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Where a chain's input gradients differ (cpu, wasm, webgpu): each step's backward on `device` against the
 * same step's on js, from copies of the device's own input to the step and of the upstream gradient
 * the device's later steps produced, last step first. The first step that disagrees, or null when
 * none does: the chain runs through a singularity (a reciprocal, sqrt or log of a value that is 0 to
 * within rounding) that turns last-bit differences into large ones.
 */
async function firstDisagreeingBackwardStep(c: Case, device: string): Promise<string | null> {
  const inputs: Tensor[] = [];
  let t = specTensor(c.input, device);
  for (const s of c.chain) {
    inputs.push(t);
    t = await applyStepAsync(t, s, device);
  }
  let g = upstreamGradient(c, t);
  for (let k = c.chain.length - 1; k >= 0; k--) {
    const x = inputs[k];
    if (x.dtype !== "float32") return null; // no gradient flows into an int32 tensor
    const xd = await copyTo(x, device, true), xj = await copyTo(x, "js", true), gj = await copyTo(g, "js");
    const yd = await applyStepAsync(xd, c.chain[k], device), yj = applyStep(xj, c.chain[k], "js");
    if (!yd.requiresGrad || !yj.requiresGrad) return null;
    yd.backward(g);
    yj.backward(gj);
    if (!xd.grad || !xj.grad) return xd.grad === xj.grad ? null : `step ${k + 1} (${c.chain[k].op}): a gradient on one side only`;
    // an op's backward is exact up to rounding of terms as large as the upstream gradient (logSoftmax's
    // g - softmax·Σg cancels them), so the absolute tolerance scales with its largest finite value
    let gmax = 1;
    for (const v of gj.toTypedArray()) if (Number.isFinite(v) && Math.abs(v) > gmax) gmax = Math.abs(v);
    const d = differs(await copyTo(xd.grad, "js"), xj.grad, 1e-4, 1e-4 * gmax);
    if (d) return `step ${k + 1} (${c.chain[k].op}) backward on the same input and upstream gradient: ${d}`;
    g = xd.grad;
  }
  return null;
}

/** `webgpu`: also run every case on webgpu (initialised by the caller; slow on a software driver). */
export async function fuzz(opts: { seed: number; cases: number; out?: string; webgpu?: boolean; log?: (s: string) => void }): Promise<{ cases: number; mismatches: Mismatch[] }> {
  const devices = availableDevices();
  const mismatches: Mismatch[] = [];
  let steps = 0, errors = 0, grads = 0;
  conditioned = 0;
  for (let i = 0; i < opts.cases; i++) {
    const c = genCase(opts.seed * 1_000_003 + i);
    steps += c.chain.length;
    const probe = runCase(c, "js");
    if (probe.error !== undefined) errors++;
    if (probe.grad) grads++;
    for (const m of [...(await checkCase(c, devices, probe)), ...(opts.webgpu ? await checkCaseGpu(c, probe) : [])]) {
      if (opts.out) {
        mkdirSync(opts.out, { recursive: true });
        m.file = join(opts.out, `case-${c.seed}.json`);
        writeFileSync(m.file, JSON.stringify(c, null, 1));
      }
      mismatches.push(m);
      opts.log?.(`mismatch on ${m.device} (seed ${m.seed}): ${m.what}${m.file ? `  -> node dist/test/fuzz.js --replay ${m.file}` : ""}`);
    }
    if (opts.log && (i + 1) % 10000 === 0) opts.log(`${i + 1} cases, ${mismatches.length} mismatches`);
  }
  opts.log?.(`mean chain ${(steps / opts.cases).toFixed(2)} steps; ${errors} cases end in an error (same on every device), ${grads} compare gradients; ` +
    `${conditioned} results differed where every op agreed on the same input (ill-conditioned chains)`);
  return { cases: opts.cases, mismatches };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cases: { type: "string", default: "100000" }, seed: { type: "string", default: "1" }, out: { type: "string", default: "out/fuzz" }, replay: { type: "string" }, webgpu: { type: "boolean", default: false } } });
  const webgpu = values.webgpu && (await initDevice("webgpu")) !== null;
  if (values.webgpu && !webgpu) console.log("fuzz: no webgpu adapter; running without webgpu");
  if (values.replay) {
    const c = JSON.parse(readFileSync(values.replay, "utf8")) as Case;
    console.log(`case ${c.seed}: input ${JSON.stringify(c.input.shape)} ${c.input.dtype} ${c.input.view}, chain ${c.chain.map((s) => s.op).join(" -> ")}`);
    for (const d of availableDevices()) {
      const r = d === "webgpu" ? await runCaseGpu(c) : runCase(c, d);
      console.log(`${d}: ${r.error ?? r.out!.toString()}${r.grad ? `\n  grad ${r.grad.toString()}` : ""}`);
    }
    const m = [...(await checkCase(c, availableDevices())), ...(webgpu ? await checkCaseGpu(c) : [])];
    console.log(m.length ? m.map((x) => `MISMATCH ${x.device}: ${x.what}`).join("\n") : "no mismatch");
    process.exitCode = m.length ? 1 : 0;
    return;
  }
  const n = Number(values.cases), seed = Number(values.seed);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(seed)) {
    console.error("fuzz: --cases and --seed must be integers (usage: npm run fuzz -- [--cases N] [--seed S] [--out DIR] | --replay FILE)");
    process.exit(2);
  }
  const t0 = performance.now();
  console.log(`fuzz: ${n} cases from seed ${seed} on ${availableDevices().join(", ")} against js`);
  const r = await fuzz({ seed, cases: n, out: values.out, webgpu, log: (s) => console.log(s) });
  console.log(`fuzz: ${r.cases} cases, ${r.mismatches.length} mismatches, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = r.mismatches.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
