// TensorFlow.js 4.22 (tfjs-core) on its "cpu" (plain JavaScript) or "wasm" (XNNPACK, SIMD) backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire, register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { Cell, RunRequest } from "../common.js";
import { GPT, MNIST_BATCHES, MNIST_BATCH, parseMnistBatches, randn, rng } from "../common.js";
import type { LibImpl, Prepared } from "./types.js";

const require = createRequire(import.meta.url);

function normal(shape: number[], r: () => number, scale: number): tf.Variable {
  return tf.variable(tf.tensor(randn(shape.reduce((a, b) => a * b, 1), r, scale), shape));
}

/** Wraps a training step: runs it under tidy, keeps the loss, reads it (so the step has finished). */
function trainStep(opt: tf.Optimizer, vars: tf.Variable[], lossFn: () => tf.Scalar, after?: () => void): () => number {
  return () => {
    const loss = tf.tidy(() => {
      const l = opt.minimize(lossFn, true, vars)!;
      after?.();
      return l;
    });
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
}

export function tfjs(backend: "cpu" | "wasm"): LibImpl {
  return {
    async init() {
      // Gradients: tfjs-core's Node bundle has none registered; load its ES-module registrations
      // through a resolution hook (see tfjs_hooks.ts).
      register(new URL("../tfjs_hooks.js", import.meta.url));
      await import("@tensorflow/tfjs-core/dist/register_all_gradients.js" as string);
      if (backend === "wasm") setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep);
      const ok = await tf.setBackend(backend);
      if (!ok) return `tf.setBackend("${backend}") failed`;
      await tf.ready();
      let extra = "";
      if (backend === "wasm") {
        const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        extra = `, simd ${simd ? "on" : "off"}, threads ${mt ? "on" : "off"}`;
      }
      return { version: `${tf.version_core} (${backend}${extra})` };
    },

    async prepare(cell: Cell, req: RunRequest): Promise<Prepared | string> {
      const r = rng(1);
      const keep: tf.Tensor[] = [];
      const dispose = () => {
        for (const t of keep) t.dispose();
        tf.disposeVariables();
      };
      const k = <T extends tf.Tensor>(t: T): T => (keep.push(t), t);
      switch (cell.workload) {
        case "W1": {
          const n = cell.n!;
          const a = k(tf.tensor2d(randn(n * n, r), [n, n])), b = k(tf.tensor2d(randn(n * n, r), [n, n]));
          return { run: () => tf.matMul(a, b).dispose(), dispose };
        }
        case "W2":
        case "W3": {
          const a = k(tf.tensor2d(randn(4096 * 4096, r), [4096, 4096])), b = k(tf.tensor2d(randn(4096 * 4096, r), [4096, 4096]));
          // Both backends run kernels synchronously: the op has finished when it returns.
          const fns: Record<string, () => void> = {
            "W2.add": () => tf.add(a, b).dispose(),
            "W2.exp": () => tf.exp(a).dispose(),
            "W3.sum": () => { const s = tf.sum(a); s.dataSync(); s.dispose(); },
            "W3.sum-1": () => { const s = tf.sum(a, -1); s.dataSync(); s.dispose(); },
          };
          return { run: fns[cell.id], dispose };
        }
        case "W4": {
          if (cell.id === "W4.tiny-add") {
            const a = k(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])), b = k(tf.tensor2d([6, 5, 4, 3, 2, 1], [2, 3]));
            return { run: () => tf.add(a, b).dispose(), dispose };
          }
          if (cell.id === "W4.tiny-fwdbwd") {
            const a = k(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])), b = k(tf.tensor2d([6, 5, 4, 3, 2, 1], [2, 3]));
            const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(x, y)));
            return { run: () => { for (const t of g([a, b])) t.dispose(); }, dispose };
          }
          const { images, labels } = parseMnistBatches(fs.readFileSync(req.mnist));
          const xs: tf.Tensor2D[] = [], ys: tf.Tensor2D[] = [];
          for (let i = 0; i < MNIST_BATCHES; i++) {
            xs.push(k(tf.tensor2d(images.subarray(i * MNIST_BATCH * 784, (i + 1) * MNIST_BATCH * 784), [MNIST_BATCH, 784])));
            ys.push(k(tf.oneHot(tf.tensor1d(labels.subarray(i * MNIST_BATCH, (i + 1) * MNIST_BATCH), "int32"), 10) as tf.Tensor2D));
          }
          const w1 = normal([784, 64], r, 1 / 28), b1 = tf.variable(tf.zeros([64]));
          const w2 = normal([64, 10], r, 1 / 8), b2 = tf.variable(tf.zeros([10]));
          const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
          let step = 0;
          const run = trainStep(opt, [w1, b1, w2, b2], () => {
            const i = step++ % MNIST_BATCHES;
            const h = tf.relu(tf.add(tf.matMul(xs[i], w1), b1));
            const logits = tf.add(tf.matMul(h, w2), b2);
            return tf.losses.softmaxCrossEntropy(ys[i], logits) as tf.Scalar;
          });
          return { run, dispose: () => { dispose(); opt.dispose(); } };
        }
        case "W5":
          if (cell.id !== "W5.gpt-step") return "no fused attention here (W5.gpt-step is the same model)";
          return gptStep(r, k, dispose);
      }
    },
  };
}

/** W5: the GPT of bench/gpt.ts in tfjs ops; AdamW as tf.train.adam plus decoupled decay p ← p·(1 − lr·λ). */
function gptStep(r: () => number, k: <T extends tf.Tensor>(t: T) => T, dispose: () => void): Prepared {
  const { vocab: V, ctx: T, layers: L, heads: H, width: C, batch: B, lr } = GPT;
  const D = C / H, wd = 0.01, eps = 1e-5;
  const vars: tf.Variable[] = [];
  const v = (t: tf.Variable) => (vars.push(t), t);
  const w = (shape: number[]) => v(normal(shape, r, 0.02));
  const ones = (n: number) => v(tf.variable(tf.ones([n])));
  const zeros = (n: number) => v(tf.variable(tf.zeros([n])));
  const wte = w([V, C]), wpe = w([T, C]);
  const blocks = Array.from({ length: L }, () => ({
    ln1w: ones(C), ln1b: zeros(C), wqkv: w([C, 3 * C]), bqkv: zeros(3 * C), wproj: w([C, C]), bproj: zeros(C),
    ln2w: ones(C), ln2b: zeros(C), wfc: w([C, 4 * C]), bfc: zeros(4 * C), wfp: w([4 * C, C]), bfp: zeros(C),
  }));
  const lnfw = ones(C), lnfb = zeros(C), head = w([C, V]);

  // Token embedding as one-hot @ wte: tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
  const idx = k(tf.oneHot(tf.tensor1d(Int32Array.from({ length: B * T }, () => Math.floor(r() * V)), "int32"), V));
  const tgt = k(tf.oneHot(tf.tensor1d(Int32Array.from({ length: B * T }, () => Math.floor(r() * V)), "int32"), V));
  // true above the diagonal (the future), tiled to [B·H, T, T] since tf.where does not broadcast here
  const mask = k(tf.tidy(() => tf.tile(tf.reshape(tf.greater(tf.reshape(tf.range(0, T), [1, T]), tf.reshape(tf.range(0, T), [T, 1])), [1, T, T]), [B * H, 1, 1])));
  const negInf = k(tf.fill([B * H, T, T], -Infinity));

  const layerNorm = (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b) as tf.Tensor2D;
  };
  const linear = (x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor) => (b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w)) as tf.Tensor2D;
  const heads = (x: tf.Tensor2D) => tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]) as tf.Tensor3D;
  const gelu = (x: tf.Tensor2D) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as tf.Tensor2D;

  const lossFn = () => {
    let x = tf.reshape(tf.add(tf.reshape(tf.matMul(idx, wte), [B, T, C]), wpe), [B * T, C]) as tf.Tensor2D;
    for (const p of blocks) {
      const qkv = linear(layerNorm(x, p.ln1w, p.ln1b), p.wqkv as tf.Tensor2D, p.bqkv);
      const [q, kk, vv] = tf.split(qkv, 3, 1).map((t) => heads(t as tf.Tensor2D));
      let att = tf.mul(tf.matMul(q, kk, false, true), 1 / Math.sqrt(D)) as tf.Tensor3D;
      att = tf.softmax(tf.where(mask, negInf, att)) as tf.Tensor3D;
      const y = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, vv), [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
      x = tf.add(x, linear(y, p.wproj as tf.Tensor2D, p.bproj));
      x = tf.add(x, linear(gelu(linear(layerNorm(x, p.ln2w, p.ln2b), p.wfc as tf.Tensor2D, p.bfc)), p.wfp as tf.Tensor2D, p.bfp));
    }
    const logits = linear(layerNorm(x, lnfw, lnfb), head as tf.Tensor2D);
    return tf.losses.softmaxCrossEntropy(tgt, logits) as tf.Scalar;
  };
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const run = trainStep(opt, vars, lossFn, () => {
    for (const p of vars) p.assign(tf.mul(p, 1 - lr * wd));
  });
  return { run, dispose: () => { dispose(); opt.dispose(); } };
}
