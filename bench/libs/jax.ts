// jax-js 0.1.25 on its "wasm" device. Every workload runs through jit (so jax-js fuses and compiles
// it once, in the warm-up), and each run waits for its result (blockUntilReady or reading a scalar).
// jax-js arrays are reference-counted: a function argument is consumed, `.ref` keeps a second owner.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { numpy as np, nn, jit, valueAndGrad, init, defaultDevice, blockUntilReady, tree } from "@jax-js/jax";
import type { Array as JArray } from "@jax-js/jax";
import type { Cell, RunRequest } from "../common.js";
import { GPT, MNIST_BATCHES, MNIST_BATCH, parseMnistBatches, randn, rng } from "../common.js";
import type { LibImpl, Prepared } from "./types.js";

const require = createRequire(import.meta.url);

const arr = (data: Float32Array | Int32Array, shape: number[]): JArray =>
  np.array(data, { shape, dtype: data instanceof Int32Array ? np.int32 : np.float32 });
const normal = (shape: number[], r: () => number, scale: number) => arr(randn(shape.reduce((a, b) => a * b, 1), r, scale), shape);

type Tree = { [k: string]: JArray | Tree | Tree[] };

/**
 * One Adam(W) update of every leaf, inside jit: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g²,
 * p ← p·(1 − lr·λ) − α m / (√v + ε) with α = lr·√(1−β2ᵗ)/(1−β1ᵗ) given from outside (so the step
 * count does not retrace). Consumes p, g, m, v, alpha.
 */
function adamUpdate(p: Tree, g: Tree, m: Tree, v: Tree, alpha: JArray, decay: number): [Tree, Tree, Tree] {
  const flat = (t: Tree) => tree.flatten<JArray>(t as never);
  const [pl, def] = flat(p), [gl] = flat(g), [ml] = flat(m), [vl] = flat(v);
  const np2: JArray[] = [], nm: JArray[] = [], nv: JArray[] = [];
  for (let i = 0; i < pl.length; i++) {
    const gi = gl[i];
    const m2 = ml[i].mul(0.9).add(gi.ref.mul(0.1));
    const v2 = vl[i].mul(0.999).add(np.square(gi).mul(0.001));
    const pd = decay ? pl[i].mul(1 - decay) : pl[i];
    np2.push(pd.sub(m2.ref.mul(alpha.ref).div(np.sqrt(v2.ref).add(1e-8))));
    nm.push(m2);
    nv.push(v2);
  }
  alpha.dispose();
  return [tree.unflatten(def, np2) as Tree, tree.unflatten(def, nm) as Tree, tree.unflatten(def, nv) as Tree];
}

/** A jitted training step over a parameter tree with Adam state; returns run() that reads the loss. */
function trainer(
  params: Tree, lossFn: (p: Tree, ...data: JArray[]) => JArray, data: () => JArray[], lr: number, decay: number,
): Prepared {
  const zerosLike = (t: Tree) => tree.map((a: JArray) => np.zerosLike(a.ref), t as never) as unknown as Tree;
  let p = params, m = zerosLike(params), v = zerosLike(params), t = 0;
  const step = jit((p: Tree, m: Tree, v: Tree, alpha: JArray, ...d: JArray[]) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p as never) as Tree, ...d) as unknown as [JArray, Tree];
    const [p2, m2, v2] = adamUpdate(p, g, m, v, alpha, decay);
    return [p2, m2, v2, loss] as never;
  });
  return {
    run: () => {
      t++;
      const alpha = np.array(lr * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t));
      const [p2, m2, v2, loss] = step(p as never, m as never, v as never, alpha, ...data()) as unknown as [Tree, Tree, Tree, JArray];
      p = p2; m = m2; v = v2;
      return loss.dataSync()[0];
    },
    dispose: () => { tree.dispose(p as never); tree.dispose(m as never); tree.dispose(v as never); step.dispose(); },
  };
}

export function jaxjs(): LibImpl {
  return {
    async init() {
      const devs = await init("wasm");
      if (!devs.includes("wasm")) return `jax-js: wasm device unavailable (got ${devs.join(", ")})`;
      defaultDevice("wasm");
      const pkg = path.join(path.dirname(require.resolve("@jax-js/jax")), "..", "package.json");
      const version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
      return { version: `${version} (wasm, jit)` };
    },

    async prepare(cell: Cell, req: RunRequest): Promise<Prepared | string> {
      const r = rng(2);
      switch (cell.workload) {
        case "W1": {
          const n = cell.n!;
          const a = normal([n, n], r, 1), b = normal([n, n], r, 1);
          const f = jit((x: JArray, y: JArray) => np.matmul(x, y));
          return {
            run: async () => (await blockUntilReady(f(a.ref, b.ref))).dispose(),
            dispose: () => { a.dispose(); b.dispose(); f.dispose(); },
          };
        }
        case "W2":
        case "W3": {
          const a = normal([4096, 4096], r, 1), b = normal([4096, 4096], r, 1);
          if (cell.id === "W2.add") {
            const f = jit((x: JArray, y: JArray) => x.add(y));
            return {
              run: async () => (await blockUntilReady(f(a.ref, b.ref))).dispose(),
              dispose: () => { a.dispose(); b.dispose(); f.dispose(); },
            };
          }
          const fns: Record<string, (x: JArray) => JArray> = {
            "W2.exp": (x) => np.exp(x),
            "W3.sum": (x) => x.sum(),
            "W3.sum-1": (x) => x.sum(-1),
          };
          const f = jit(fns[cell.id]);
          return {
            run: async () => (await blockUntilReady(f(a.ref))).dispose(),
            dispose: () => { a.dispose(); b.dispose(); f.dispose(); },
          };
        }
        case "W4": {
          if (cell.id === "W4.tiny-add" || cell.id === "W4.tiny-fwdbwd") {
            const a = arr(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]), b = arr(new Float32Array([6, 5, 4, 3, 2, 1]), [2, 3]);
            const f = cell.id === "W4.tiny-add"
              ? jit((x: JArray, y: JArray) => x.add(y))
              : jit((x: JArray, y: JArray) => valueAndGrad((p: { x: JArray; y: JArray }) => p.x.mul(p.y).sum())({ x, y })[1] as never);
            return {
              run: async () => tree.dispose(await blockUntilReady(f(a.ref, b.ref) as never)),
              dispose: () => { a.dispose(); b.dispose(); f.dispose(); },
            };
          }
          const { images, labels } = parseMnistBatches(fs.readFileSync(req.mnist));
          const xs: JArray[] = [], ys: JArray[] = [];
          for (let i = 0; i < MNIST_BATCHES; i++) {
            xs.push(arr(images.slice(i * MNIST_BATCH * 784, (i + 1) * MNIST_BATCH * 784), [MNIST_BATCH, 784]));
            const oh = new Float32Array(MNIST_BATCH * 10);
            for (let j = 0; j < MNIST_BATCH; j++) oh[j * 10 + labels[i * MNIST_BATCH + j]] = 1;
            ys.push(arr(oh, [MNIST_BATCH, 10]));
          }
          const params: Tree = {
            w1: normal([784, 64], r, 1 / 28), b1: np.zeros([64]), w2: normal([64, 10], r, 1 / 8), b2: np.zeros([10]),
          };
          const lossFn = (p: Tree, x: JArray, y: JArray) => {
            const h = nn.relu(np.matmul(x, p.w1 as JArray).add(p.b1 as JArray));
            const logits = np.matmul(h, p.w2 as JArray).add(p.b2 as JArray);
            return nn.logSoftmax(logits, -1).mul(y).sum().mul(-1 / MNIST_BATCH);
          };
          let i = 0;
          const tr = trainer(params, lossFn as never, () => { const j = i++ % MNIST_BATCHES; return [xs[j].ref, ys[j].ref]; }, 1e-3, 0);
          return { run: tr.run, dispose: () => { tr.dispose!(); xs.forEach((x) => x.dispose()); ys.forEach((y) => y.dispose()); } };
        }
        case "W5":
          if (cell.id !== "W5.gpt-step") return "no fused attention here (W5.gpt-step is the same model)";
          return gpt(r);
      }
    },
  };
}

/** W5: the GPT of bench/gpt.ts in jax-js, one jitted step (forward, backward, AdamW). */
function gpt(r: () => number): Prepared {
  const { vocab: V, ctx: T, layers: L, heads: H, width: C, batch: B, lr } = GPT;
  const D = C / H, eps = 1e-5;
  const w = (shape: number[]) => normal(shape, r, 0.02);
  const params: Tree = {
    wte: w([V, C]), wpe: w([T, C]),
    blocks: Array.from({ length: L }, () => ({
      ln1w: np.ones([C]), ln1b: np.zeros([C]), wqkv: w([C, 3 * C]), bqkv: np.zeros([3 * C]), wproj: w([C, C]), bproj: np.zeros([C]),
      ln2w: np.ones([C]), ln2b: np.zeros([C]), wfc: w([C, 4 * C]), bfc: np.zeros([4 * C]), wfp: w([4 * C, C]), bfp: np.zeros([C]),
    })),
    lnfw: np.ones([C]), lnfb: np.zeros([C]), head: w([C, V]),
  };
  // Token embedding as one-hot @ wte: jit cannot compile take's gradient (a scatter) here.
  const idxOh = new Float32Array(B * T * V);
  for (let j = 0; j < B * T; j++) idxOh[j * V + Math.floor(r() * V)] = 1;
  const idx = arr(idxOh, [B * T, V]);
  const oh = new Float32Array(B * T * V);
  for (let j = 0; j < B * T; j++) oh[j * V + Math.floor(r() * V)] = 1;
  const tgt = arr(oh, [B * T, V]);
  const maskData = new Int32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = 1;
  const mask = arr(maskData, [T, T]);

  const layerNorm = (x: JArray, g: JArray, b: JArray) => {
    const xc = x.ref.sub(x.mean(-1, { keepdims: true }));
    const inv = np.reciprocal(np.sqrt(np.square(xc.ref).mean(-1, { keepdims: true }).add(eps)));
    return xc.mul(inv).mul(g).add(b);
  };
  const lossFn = (p: Tree, idx: JArray, tgt: JArray, mask: JArray) => {
    let x = np.matmul(idx, p.wte as JArray).reshape([B, T, C]).add(p.wpe as JArray); // [B, T, C]
    const maskB = np.notEqual(mask, 0);
    for (const blk of p.blocks as Tree[]) {
      const q = blk as Record<string, JArray>;
      const qkv = np.matmul(layerNorm(x.ref, q.ln1w, q.ln1b), q.wqkv).add(q.bqkv); // [B, T, 3C]
      const [qq, kk, vv] = np.split(qkv, 3, 2).map((t) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]));
      let att = np.matmul(qq, kk.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(D));
      att = nn.softmax(np.where(maskB.ref, -Infinity, att), -1);
      const y = np.matmul(att, vv).transpose([0, 2, 1, 3]).reshape([B, T, C]);
      x = x.add(np.matmul(y, q.wproj).add(q.bproj));
      const h = nn.gelu(np.matmul(layerNorm(x.ref, q.ln2w, q.ln2b), q.wfc).add(q.bfc), { approximate: false });
      x = x.add(np.matmul(h, q.wfp).add(q.bfp));
    }
    maskB.dispose();
    const logits = np.matmul(layerNorm(x, p.lnfw as JArray, p.lnfb as JArray), p.head as JArray).reshape([B * T, V]);
    return nn.logSoftmax(logits, -1).mul(tgt).sum().mul(-1 / (B * T));
  };
  const tr = trainer(params, lossFn as never, () => [idx.ref, tgt.ref, mask.ref], lr, lr * 0.01);
  return { run: tr.run, dispose: () => { tr.dispose!(); idx.dispose(); tgt.dispose(); mask.dispose(); } };
}
