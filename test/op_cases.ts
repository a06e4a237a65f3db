// The op cases shared by the test files that run them: the PyTorch fixtures' dispatch (runOp) and
// the larger, ragged cross-device cases (every device against js). ops.test.ts runs them with
// synchronous reads, webgpu.test.ts with the async ones.
import { F, Tensor } from "../src/node.js";
import { generator as rng } from "../src/random.js";
import type { FCase, FInput } from "./helpers.js";
import { fromFixture } from "./helpers.js";

/** The leaf (what gradients are taken against) and the tensor passed to the op. */
export function buildInput(inp: FInput, device: string): { leaf: Tensor; x: Tensor } {
  const leaf = fromFixture(inp, device, inp.grad, inp.dtype);
  let x: Tensor;
  switch (inp.layout) {
    case "contiguous":
      x = leaf;
      break;
    case "transposed":
      x = leaf.transpose(-1, -2);
      break;
    case "sliced":
      x = leaf.slice(...inp.slice!);
      break;
    case "expanded":
      x = leaf.expand(inp.expand!);
      break;
    default:
      throw new Error(`unknown layout ${String(inp.layout)}`);
  }
  return { leaf, x };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Call the op a case names, the way a user would. */
export function runOp(c: FCase, xs: Tensor[], args: Record<string, any>): Tensor[] {
  const by: Record<string, Tensor> = {};
  c.inputs.forEach((inp, i) => (by[inp.name] = xs[i]));
  const x = xs[0];
  const other = (): Tensor | number => (args.same ? x : args.scalar !== undefined ? args.scalar : xs[1]);
  const red = { keepdim: args.keepdim };
  switch (c.op) {
    // elementwise unary
    case "neg": return [x.neg()];
    case "exp": return [x.exp()];
    case "log": return [x.log()];
    case "sqrt": return [x.sqrt()];
    case "rsqrt": return [x.rsqrt()];
    case "abs": return [x.abs()];
    case "sin": return [x.sin()];
    case "cos": return [x.cos()];
    case "square": return [x.square()];
    case "relu": return [x.relu()];
    case "sigmoid": return [x.sigmoid()];
    case "tanh": return [x.tanh()];
    case "gelu": return [x.gelu()];
    case "silu": return [x.silu()];
    case "leakyRelu": return [args.slope === undefined ? x.leakyRelu() : x.leakyRelu(args.slope)];
    case "clamp": return [x.clamp(args.min, args.max)];
    // elementwise binary (Tensor or number)
    case "add": return [x.add(other())];
    case "sub": return [x.sub(other())];
    case "mul": return [x.mul(other())];
    case "div": return [x.div(other())];
    case "pow": return [x.pow(other())];
    case "maximum": return [x.maximum(other())];
    case "minimum": return [x.minimum(other())];
    case "eq": return [x.eq(other())];
    case "ne": return [x.ne(other())];
    case "gt": return [x.gt(other())];
    case "ge": return [x.ge(other())];
    case "lt": return [x.lt(other())];
    case "le": return [x.le(other())];
    // selection
    case "where": return [Tensor.where(by.cond, by.a, by.b)];
    case "maskedFill": return [by.x.maskedFill(by.mask, args.value)];
    case "tril": return [args.k === undefined ? x.tril() : x.tril(args.k)];
    case "triu": return [args.k === undefined ? x.triu() : x.triu(args.k)];
    // reductions
    case "sum": return [x.sum(args.dim, red)];
    case "mean": return [x.mean(args.dim, red)];
    // ops.json's max/min are torch.amax/amin (values; a list of dims)
    case "max": return [x.amax(args.dim, red)];
    case "min": return [x.amin(args.dim, red)];
    case "logsumexp": return [x.logsumexp(args.dim, red)];
    case "var": return [x.var(args.dim, { keepdim: args.keepdim, correction: args.correction })];
    case "std": return [x.std(args.dim, { keepdim: args.keepdim, correction: args.correction })];
    case "argmax": return [x.argmax(args.dim, red)];
    case "argmin": return [x.argmin(args.dim, red)];
    // linear algebra
    case "matmul": return [xs[0].matmul(xs[1])];
    case "T": return [x.T];
    // movement
    case "reshape": return [x.reshape(args.shape)];
    case "view": return [x.view(args.shape)];
    case "flatten": return [x.flatten(args.start, args.end)];
    case "squeeze": return [args.dim === undefined ? x.squeeze() : x.squeeze(args.dim)];
    case "unsqueeze": return [x.unsqueeze(args.dim)];
    case "permute": return [x.permute(...(args.dims as number[]))];
    case "transpose": return [x.transpose(args.d0, args.d1)];
    case "expand": return [x.expand(args.shape)];
    case "contiguous": return [x.contiguous()];
    case "slice": return [x.slice(...args.idx)];
    // gathering
    case "indexSelect": return [by.x.indexSelect(args.dim, by.index)];
    case "gather": return [by.x.gather(args.dim, by.index)];
    case "cat": return [args.dim === undefined ? Tensor.cat(xs) : Tensor.cat(xs, args.dim)];
    case "stack": return [args.dim === undefined ? Tensor.stack(xs) : Tensor.stack(xs, args.dim)];
    case "split": return x.split(args.size, args.dim);
    case "chunk": return x.chunk(args.n, args.dim);
    // neural-net methods
    case "softmax": return [x.softmax(args.dim)];
    case "logSoftmax": return [x.logSoftmax(args.dim)];
    case "crossEntropy": {
      const opts: Record<string, any> = {};
      for (const k of ["reduction", "ignoreIndex", "labelSmoothing"]) if (args[k] !== undefined) opts[k] = args[k];
      return [by.x.crossEntropy(by.target, opts)];
    }
    case "nllLoss": return [by.x.nllLoss(by.target)];
    case "binaryCrossEntropyWithLogits": return [by.x.binaryCrossEntropyWithLogits(by.target)];
    case "mseLoss": return [by.x.mseLoss(by.target)];
    // nn.functional
    case "F.linear": return [F.linear(by.x, by.w, by.b)];
    case "F.embedding": return [F.embedding(by.input, by.w)];
    case "F.layerNorm": return [F.layerNorm(by.x, args.normalizedShape, by.w, by.b, args.eps ?? 1e-5)];
    case "F.rmsNorm": return [F.rmsNorm(by.x, args.normalizedShape, by.w, args.eps)];
    case "F.conv2d": return [F.conv2d(by.x, by.w, by.b, { stride: args.stride, padding: args.padding })];
    case "F.maxPool2d": return [F.maxPool2d(by.x, args.kernel, (args.stride ?? null) as number | number[] | null)];
    case "F.scaledDotProductAttention":
      return [F.scaledDotProductAttention(by.q, by.k, by.v, { isCausal: args.isCausal ?? false, attnMask: by.mask })];
    default:
      throw new Error(`ops.test: no dispatch for op '${c.op}'`);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function sumLoss(outs: Tensor[], gs: (Tensor | null)[]): Tensor | null {
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    const g = gs[i];
    if (!g) return;
    const term = o.mul(g).sum();
    loss = loss ? loss.add(term) : term;
  });
  return loss;
}

export interface CrossCase {
  name: string;
  shapes: number[][];
  kind?: "normal" | "pos";
  f: (xs: Tensor[], dev: string) => Tensor | Tensor[];
  tol?: [number, number];
}

export const LOOSE: [number, number] = [1e-4, 1e-3];
export const cross: CrossCase[] = [
  { name: "add broadcast", shapes: [[17, 1, 33], [5, 1]], f: ([a, b]) => a.add(b) },
  { name: "mul transposed", shapes: [[33, 17], [17, 33]], f: ([a, b]) => a.T.mul(b) },
  { name: "div sliced", shapes: [[9, 67], [9, 34]], f: ([a, b]) => a.slice([], [0, null, 2]).div(b.abs().add(0.5)) },
  { name: "sub 0-d", shapes: [[], [130]], f: ([a, b]) => a.sub(b) },
  { name: "pow", shapes: [[7, 19], [19]], kind: "pos", f: ([a, b]) => a.pow(b) },
  { name: "maximum/minimum", shapes: [[11, 29], [11, 29]], f: ([a, b]) => a.maximum(b).add(a.minimum(b.T.T)) },
  { name: "unary chain", shapes: [[13, 37]], f: ([a]) => a.exp().add(a.sin()).mul(a.tanh()).add(a.sigmoid()).add(a.relu()).add(a.abs().sqrt()).add(a.gelu()).add(a.silu()) },
  { name: "log/rsqrt", shapes: [[257]], kind: "pos", f: ([a]) => a.log().add(a.rsqrt()) },
  { name: "comparisons", shapes: [[21, 23], [23]], f: ([a, b]) => a.gt(b).add(a.le(b.mul(0.5))).add(a.eq(a)).mul(a) },
  { name: "where/clamp", shapes: [[19, 21], [19, 21]], f: ([a, b]) => Tensor.where(a.gt(0), a, b).clamp(-0.7, 0.9) },
  { name: "sum/mean dims", shapes: [[6, 45, 11]], f: ([a]) => [a.sum(), a.sum(1), a.mean([0, 2], { keepdim: true }), a.sum(-1)] },
  { name: "max/min/logsumexp", shapes: [[9, 130]], f: ([a]) => [a.max(1).values, a.min(0).values, a.logsumexp(-1), a.max(), a.max(1).indices] },
  { name: "argmax/argmin", shapes: [[9, 130]], f: ([a]) => [a.argmax(1), a.argmin(0), a.argmax()] },
  { name: "var/std", shapes: [[7, 90]], f: ([a]) => [a.var(1), a.std(0, { correction: 0 })], tol: LOOSE },
  { name: "sum transposed", shapes: [[40, 50]], f: ([a]) => a.T.sum(1) },
  { name: "matmul 2-D ragged", shapes: [[33, 70], [70, 45]], f: ([a, b]) => a.matmul(b), tol: LOOSE },
  { name: "matmul transposed", shapes: [[70, 33], [45, 70]], f: ([a, b]) => a.T.matmul(b.T), tol: LOOSE },
  { name: "matmul batched broadcast", shapes: [[3, 1, 17, 9], [4, 9, 20]], f: ([a, b]) => a.matmul(b), tol: LOOSE },
  { name: "matmul vector", shapes: [[65], [65, 31]], f: ([a, b]) => a.matmul(b), tol: LOOSE },
  { name: "matmul 1x1", shapes: [[1, 1], [1, 1]], f: ([a, b]) => a.matmul(b) },
  { name: "softmax/logSoftmax", shapes: [[5, 7, 33]], f: ([a]) => [a.softmax(-1), a.logSoftmax(1)] },
  { name: "crossEntropy", shapes: [[37, 11]], f: ([a], dev) => a.crossEntropy(Tensor.from(Int32Array.from({ length: 37 }, (_, i) => (i * 7) % 11), { shape: [37], device: dev }), { labelSmoothing: 0.1 }) },
  { name: "gather/indexSelect", shapes: [[13, 17]], f: ([a], dev) => [
    a.indexSelect(1, Tensor.from(Int32Array.from([16, 0, 5, 5, 3]), { device: dev })),
    a.gather(0, Tensor.from(Int32Array.from({ length: 13 * 17 }, (_, i) => (i * 5) % 13), { shape: [13, 17], device: dev })),
  ] },
  { name: "cat/stack/split", shapes: [[5, 19], [3, 19]], f: ([a, b]) => [Tensor.cat([a, b.mul(2)], 0), Tensor.stack([a.slice([0, 3]), b], 2), ...a.split(4, 1)] },
  { name: "reshape/permute/contiguous", shapes: [[4, 6, 10]], f: ([a]) => a.permute(2, 0, 1).reshape([10, 24]).contiguous().mul(a.reshape([10, 24])) },
  { name: "tril/triu", shapes: [[3, 17, 19]], f: ([a]) => a.tril(-2).add(a.triu(3)) },
  { name: "layerNorm/rmsNorm", shapes: [[6, 40], [40], [40]], f: ([x, w, b]) => [F.layerNorm(x, [40], w, b), F.rmsNorm(x, [40], w, 1e-6)], tol: LOOSE },
  { name: "conv2d", shapes: [[2, 3, 9, 11], [5, 3, 3, 3], [5]], f: ([x, w, b]) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), tol: LOOSE },
  { name: "maxPool2d", shapes: [[2, 3, 9, 11]], f: ([x]) => F.maxPool2d(x, 3, 2) },
  { name: "attention", shapes: [[2, 9, 16], [2, 11, 16], [2, 11, 8]], f: ([q, k, v]) => F.scaledDotProductAttention(q, k, v), tol: LOOSE },
];

export function crossRun(c: CrossCase, device: string): { outs: Tensor[]; grads: (Tensor | null)[] } {
  const r = rng(c.name.length * 7919 + c.shapes.length);
  const leaves = c.shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => (c.kind === "pos" ? 0.2 + 1.8 * r() : 4 * r() - 2));
    return Tensor.from(data, { shape: s, device, requiresGrad: true });
  });
  const outs = [c.f(leaves, device)].flat();
  const floatOuts = outs.filter((o) => o.dtype !== "int32");
  let loss: Tensor | null = null;
  for (const o of floatOuts) {
    const g = Tensor.from(Float32Array.from({ length: o.numel }, () => 2 * r() - 1), { shape: o.shape, device });
    const term = o.mul(g).sum();
    loss = loss ? loss.add(term) : term;
  }
  if (loss) loss.backward();
  return { outs, grads: leaves.map((l) => l.grad) };
}

