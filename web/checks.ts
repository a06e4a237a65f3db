// Op and gradient checks that run the same code in Node and in a web page: each returns the flat
// float32 values of a few ops or gradients on one device; test/browser.test.ts compares the page's
// values (wasm, js) with Node's js backend. Inputs come from a fixed integer generator, not from
// the library's random functions, so every device starts from identical numbers.
import type * as Dlgrad from "../src/index.js";

type Lib = typeof Dlgrad;
type T = Dlgrad.Tensor;

/** Deterministic values in [-1, 1): a 32-bit LCG, the same sequence everywhere. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** name → the function computing it; each returns the tensors whose values are compared. */
function cases(lib: Lib, device: string): Record<string, () => T[]> {
  const { Tensor, F } = lib;
  let seed = 1;
  const x = (shape: number[], opts: { grad?: boolean; scale?: number } = {}): T =>
    Tensor.from(values(shape.reduce((a, b) => a * b, 1), seed++).map((v) => v * (opts.scale ?? 1)), {
      shape, device, requiresGrad: opts.grad ?? false,
    });
  const labels = (n: number, classes: number): T =>
    Tensor.from(Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % classes), { shape: [n], dtype: "int32", device });
  /** Runs `loss` on fresh leaves and returns the loss and every leaf's gradient. */
  const grads = (shapes: number[][], loss: (...xs: T[]) => T) => () => {
    const leaves = shapes.map((s) => x(s, { grad: true }));
    const l = loss(...leaves);
    l.backward();
    return [l, ...leaves.map((t) => t.grad!)];
  };

  return {
    "add/mul/sub/div broadcast": () => {
      const a = x([4, 5]), b = x([5]), c = x([4, 1]);
      return [a.add(b), a.mul(c), a.sub(b.mul(2)), a.div(c.abs().add(0.5))];
    },
    "unary exp log tanh sigmoid relu gelu sqrt": () => {
      const a = x([3, 7]);
      return [a.exp(), a.abs().add(0.1).log(), a.tanh(), a.sigmoid(), a.relu(), F.gelu(a), a.abs().sqrt()];
    },
    "matmul 37x61 @ 61x29": () => [x([37, 61]).matmul(x([61, 29]))],
    "matmul 128x784 @ 784x64 (the demo's layer)": () => [x([128, 784]).matmul(x([784, 64]))],
    "batched matmul, transposed operand": () => [x([3, 9, 17]).matmul(x([3, 11, 17]).transpose(1, 2))],
    "sum mean max argmax over dims": () => {
      const a = x([6, 8, 5]);
      return [a.sum(), a.sum(1), a.mean(-1), a.max(0).values, a.argmax(-1).float(), a.sum([0, 2], { keepdim: true })];
    },
    "softmax logSoftmax": () => {
      const a = x([5, 10], { scale: 4 });
      return [a.softmax(-1), a.logSoftmax(-1), a.softmax(0)];
    },
    "views: transpose permute narrow cat indexSelect": () => {
      const a = x([4, 6, 3]);
      const idx = Tensor.from(Int32Array.from([2, 0, 3]), { shape: [3], dtype: "int32", device });
      return [
        a.transpose(0, 2).contiguous(), a.permute(1, 2, 0).add(1), a.narrow(1, 2, 3).mul(2),
        Tensor.cat([a, a.mul(-1)], 1), a.indexSelect(0, idx),
      ];
    },
    "conv2d + maxPool2d": () => {
      const img = x([2, 3, 9, 9]), w = x([4, 3, 3, 3]), b = x([4]);
      return [F.maxPool2d(F.conv2d(img, w, b, { stride: 1, padding: 1 }), 2)];
    },
    "layerNorm": () => [F.layerNorm(x([4, 16]), 16, x([16]), x([16]))],
    "grad: MLP with crossEntropy": grads([[8, 20], [20, 12], [12], [12, 5]], (inp, w1, b1, w2) =>
      inp.matmul(w1).add(b1).relu().matmul(w2).crossEntropy(labels(8, 5))),
    "grad: broadcast mul, sum over dim, tanh": grads([[3, 4], [4], [3, 1]], (a, b, c) =>
      a.mul(b).add(c).tanh().sum(0).square().mean()),
    "grad: softmax, logSoftmax, exp, div": grads([[4, 6], [4, 6]], (a, b) =>
      a.softmax(-1).mul(b).sum().add(b.logSoftmax(0).exp().div(a.abs().add(1)).mean())),
    "grad: conv2d, maxPool2d": grads([[2, 2, 6, 6], [3, 2, 3, 3], [3]], (img, w, b) =>
      F.maxPool2d(F.conv2d(img, w, b, { padding: 1 }), 2).square().sum()),
    "grad: layerNorm, gelu": grads([[5, 8], [8], [8]], (a, w, b) =>
      F.gelu(F.layerNorm(a, 8, w, b)).mul(a).sum()),
    "grad: views (transpose, narrow, cat)": grads([[4, 5], [5, 4]], (a, b) =>
      Tensor.cat([a.transpose(0, 1), b.narrow(1, 1, 2)], 1).mul(b.sum(1, { keepdim: true })).sum()),
  };
}

/** The names of the checks, in order. */
export function checkNames(lib: Lib): string[] {
  return Object.keys(cases(lib, "js"));
}

/** Runs every check on `device`: name → its tensors' values, concatenated, or the error it threw. */
export async function runChecks(lib: Lib, device: string): Promise<Record<string, { values: number[] } | { error: string }>> {
  const out: Record<string, { values: number[] } | { error: string }> = {};
  for (const [name, fn] of Object.entries(cases(lib, device))) {
    try {
      const values: number[] = [];
      for (const t of fn()) {
        if (t.device !== device) throw new Error(`the result is on '${t.device}', expected '${device}'`);
        values.push(...(await t.toTypedArrayAsync()));
      }
      out[name] = { values };
    } catch (e) {
      out[name] = { error: String((e as Error)?.stack ?? e) };
    }
  }
  return out;
}
