// The browser benchmark page (npm run bench:web drives it; it also runs by hand at /bench.html):
// W1 (matmul 256², 1024²) and W4 (MNIST MLP step 784-64-10, batch 128, Adam) for dlgrad's `wasm`
// device and TensorFlow.js's `wasm` backend (XNNPACK), in one page session. Each cell is timed by
// bench/common.ts's `measure`, alternating the libraries for a few rounds; a cell's figure is the
// median over its rounds' medians. Served with ?isolate=0 the page is not cross-origin isolated
// (no SharedArrayBuffer: one thread for both libraries).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { setWasmPaths, setThreadsCount, getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { Tensor, nn, optim, data, manualSeed, availableDevices } from "../src/index.js";
import { type WasmData, wasmBackend, wasmGemmCeiling, wasmInfo, wasmThreadsReady } from "../src/backend/wasm.js";
import { MNIST_BATCH, MNIST_BATCHES, measure, median, mnistBatches, randn, rng } from "../bench/common.js";

export interface WebCell {
  id: string;
  label: string;
  /** flops per run (matmul), for GFLOP/s */
  flops?: number;
}

export const WEB_CELLS: WebCell[] = [
  ...[256, 1024].map((n) => ({ id: `W1.matmul.${n}`, label: `matmul ${n}²`, flops: 2 * n ** 3 })),
  // The GEMM alone: dlgrad's product written into one output made once, as TF.js's disposed outputs
  // come back from its allocator. a.matmul(b) in a loop that never lets a collection and its
  // FinalizationRegistry callbacks run gets fresh module memory for every output instead, whose
  // first touch costs what the machine's page faults cost (npm run bench prints it).
  // (256²'s fresh 256 KiB output costs about as much as its GEMM where a first touch of a page costs
  // ~10 µs, as on the development VM: the reused cell shows the GEMM's own rate)
  ...[256, 1024].map((n) => ({ id: `W1.matmul.${n}.reused`, label: `matmul ${n}², output reused (GEMM alone)`, flops: 2 * n ** 3 })),
  { id: "W4.mlp-step", label: "MNIST MLP train step (784-64-10, batch 128, Adam)" },
];

export interface WebResult {
  lib: string;
  version: string;
  cell: string;
  medianMs?: number;
  roundMedians?: number[];
  minMs?: number;
  maxMs?: number;
  reps?: number;
  skip?: string;
}

interface Lib {
  name: string;
  /** Loads the library; a string is why it cannot run. */
  init(): Promise<string | { version: string }>;
  /** Builds a cell's inputs; `run` does one repetition, finished when it returns. */
  prepare(cell: WebCell, batches: { images: Float32Array; labels: Int32Array }): { run: () => unknown; dispose(): void };
}

const matSize = (cell: WebCell) => Number(cell.id.split(".")[2]);
const reused = (cell: WebCell) => cell.id.endsWith(".reused");

const dlgradWasm: Lib = {
  name: "dlgrad-wasm",
  async init() {
    if (!availableDevices().includes("wasm")) return `dlgrad has no 'wasm' device here (have ${availableDevices().join(", ")})`;
    await wasmThreadsReady(); // the label names the threads the GEMM will use: wait for the worker
    return { version: `wasm (${wasmInfo().description})` };
  },
  prepare(cell, batches) {
    manualSeed(0);
    const device = "wasm";
    if (cell.id.startsWith("W1")) {
      const n = matSize(cell), r = rng(1);
      const a = Tensor.from(randn(n * n, r), { shape: [n, n], device }), b = Tensor.from(randn(n * n, r), { shape: [n, n], device });
      if (!reused(cell)) return { run: () => a.matmul(b), dispose() {} };
      const view = (t: Tensor) => ({ data: t.data as WasmData, shape: t.shape, strides: t.strides, offset: t.offset });
      const out = Tensor.zeros([n, n], { device });
      return { run: () => wasmBackend.matmul(view(out), view(a), view(b)), dispose() {} };
    }
    const xs: Tensor[] = [], ys: Tensor[] = [];
    for (let i = 0; i < MNIST_BATCHES; i++) {
      xs.push(Tensor.from(batches.images.slice(i * MNIST_BATCH * 784, (i + 1) * MNIST_BATCH * 784), { shape: [MNIST_BATCH, 784], device }));
      ys.push(Tensor.from(batches.labels.slice(i * MNIST_BATCH, (i + 1) * MNIST_BATCH), { shape: [MNIST_BATCH], dtype: "int32", device }));
    }
    const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10)).to(device);
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    let step = 0;
    return {
      run: () => {
        const i = step++ % MNIST_BATCHES;
        opt.zeroGrad();
        const loss = model.forward(xs[i]).crossEntropy(ys[i]);
        loss.backward();
        opt.step();
        return loss.item();
      },
      dispose() {},
    };
  },
};

const tfjsWasm: Lib = {
  name: "tfjs-wasm",
  async init() {
    setWasmPaths(new URL("tfjs/", location.href).href);
    // tfjs's own default is hardwareConcurrency / 2 threads (one on a 2-core machine): ask for all
    // cores where threads can run, as dlgrad's wasm device uses them
    if (crossOriginIsolated) setThreadsCount(navigator.hardwareConcurrency);
    if (!(await tf.setBackend("wasm"))) return "tf.setBackend('wasm') failed";
    await tf.ready();
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    return { version: `${tf.version_core} (wasm, simd ${simd ? "on" : "off"}, ${mt ? `threaded build, ${getThreadsCount()} thread(s)` : "1 thread"})` };
  },
  // the same models and data as bench/libs/tfjs.ts
  prepare(cell, batches) {
    const r = rng(1);
    const keep: tf.Tensor[] = [];
    const k = <T extends tf.Tensor>(t: T): T => (keep.push(t), t);
    const dispose = () => {
      for (const t of keep) t.dispose();
      tf.disposeVariables();
    };
    if (cell.id.startsWith("W1")) {
      const n = matSize(cell);
      const a = k(tf.tensor2d(randn(n * n, r), [n, n])), b = k(tf.tensor2d(randn(n * n, r), [n, n]));
      return { run: () => tf.matMul(a, b).dispose(), dispose };
    }
    const xs: tf.Tensor2D[] = [], ys: tf.Tensor2D[] = [];
    for (let i = 0; i < MNIST_BATCHES; i++) {
      xs.push(k(tf.tensor2d(batches.images.subarray(i * MNIST_BATCH * 784, (i + 1) * MNIST_BATCH * 784), [MNIST_BATCH, 784])));
      ys.push(k(tf.oneHot(tf.tensor1d(batches.labels.subarray(i * MNIST_BATCH, (i + 1) * MNIST_BATCH), "int32"), 10) as tf.Tensor2D));
    }
    const normal = (shape: number[], scale: number) => tf.variable(tf.tensor(randn(shape[0] * shape[1], r, scale), shape));
    const w1 = normal([784, 64], 1 / 28), b1 = tf.variable(tf.zeros([64]));
    const w2 = normal([64, 10], 1 / 8), b2 = tf.variable(tf.zeros([10]));
    const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    let step = 0;
    return {
      run: () => {
        const loss = tf.tidy(() => opt.minimize(() => {
          const i = step++ % MNIST_BATCHES;
          const h = tf.relu(tf.add(tf.matMul(xs[i], w1), b1));
          return tf.losses.softmaxCrossEntropy(ys[i], tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
        }, true, [w1, b1, w2, b2])!);
        const v = loss.dataSync()[0];
        loss.dispose();
        return v;
      },
      dispose: () => {
        dispose();
        opt.dispose();
      },
    };
  },
};

export interface BenchOptions {
  /** measured time per cell, library and round (ms) */
  targetMs?: number;
  rounds?: number;
  cells?: string[];
}

/** Runs every cell on both libraries, alternating them for `rounds` rounds. `ceiling`: the rate
 *  of dlgrad's GEMM micro-kernel on panels kept in L1 (wasmGemmCeiling) on this page's thread, the
 *  higher of two measurements after the cells: what a SIMD128 GEMM's multiplies and adds allow
 *  here, whichever library runs them (null where dlgrad's wasm backend did not load). */
export async function runBench(opts: BenchOptions = {}, log: (line: string) => void = () => {}): Promise<{ isolated: boolean; results: WebResult[]; ceiling: number | null }> {
  const targetMs = opts.targetMs ?? 500, rounds = opts.rounds ?? 3;
  const cells = WEB_CELLS.filter((c) => !opts.cells || opts.cells.includes(c.id));
  const m = data.mnist();
  const batches = mnistBatches(m.trainImages.toTypedArray() as Float32Array, m.trainLabels.toTypedArray() as Int32Array);
  const libs: { lib: Lib; version?: string; skip?: string }[] = [];
  for (const lib of [dlgradWasm, tfjsWasm]) {
    const v = await lib.init().catch((e: Error) => `init failed: ${e.message}`);
    libs.push(typeof v === "string" ? { lib, skip: v } : { lib, version: v.version });
    log(`${lib.name}: ${typeof v === "string" ? `skipped: ${v}` : v.version}`);
  }
  const results: WebResult[] = [];
  for (const cell of cells) {
    const medians = new Map<string, number[]>(), stats = new Map<string, { min: number; max: number; reps: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const { lib, skip } of libs) {
        if (skip) continue;
        const p = lib.prepare(cell, batches);
        const r = await measure(p.run, { targetMs, capMs: 20 * targetMs, warmup: 2, minReps: 5 });
        p.dispose();
        medians.set(lib.name, [...(medians.get(lib.name) ?? []), r.medianMs]);
        const s = stats.get(lib.name) ?? { min: Infinity, max: 0, reps: 0 };
        stats.set(lib.name, { min: Math.min(s.min, r.minMs), max: Math.max(s.max, r.maxMs), reps: s.reps + r.reps });
        await new Promise((res) => setTimeout(res, 0)); // let the page breathe between runs
      }
    }
    for (const { lib, version, skip } of libs) {
      const ms = medians.get(lib.name), s = stats.get(lib.name);
      const res: WebResult = skip || !ms || !s
        ? { lib: lib.name, version: version ?? "", cell: cell.id, skip: skip ?? "not run" }
        : { lib: lib.name, version: version!, cell: cell.id, medianMs: median(ms), roundMedians: ms, minMs: s.min, maxMs: s.max, reps: s.reps };
      results.push(res);
      if (res.medianMs !== undefined) log(`${cell.id} ${lib.name}: ${res.medianMs.toFixed(3)} ms${cell.flops ? ` (${(cell.flops / res.medianMs / 1e6).toFixed(1)} GFLOP/s)` : ""}`);
    }
  }
  // after the cells, not before: run first, it would warm dlgrad's kernel up (the engine optimizes
  // hot functions some time after they start) ahead of its timed runs and not tfjs's
  // (one thread's: only the page that is not isolated, where both libraries run on one thread)
  const ceiling = libs[0].skip || crossOriginIsolated ? null : Math.max(wasmGemmCeiling()!, wasmGemmCeiling()!);
  if (ceiling !== null) log(`SIMD128 ceiling (dlgrad's GEMM kernel on L1-resident panels, this thread; the higher of two): ${ceiling.toFixed(1)} GFLOP/s`);
  return { isolated: crossOriginIsolated, results, ceiling };
}

// The page: a button for a person, window.dlgradBench for npm run bench:web.
Object.assign(window, { dlgradBench: { run: runBench, cells: WEB_CELLS } });
const out = document.getElementById("log");
const button = document.getElementById("run") as HTMLButtonElement | null;
document.getElementById("isolation")!.textContent = crossOriginIsolated
  ? "cross-origin isolated: libraries may use threads (bench.html?isolate=0 for a page without)"
  : "not cross-origin isolated: no SharedArrayBuffer, one thread";
button?.addEventListener("click", async () => {
  button.disabled = true;
  out!.textContent = "";
  try {
    await runBench({}, (line) => (out!.textContent += line + "\n"));
  } catch (e) {
    out!.textContent += `error: ${(e as Error).stack ?? e}\n`;
  } finally {
    button.disabled = false;
  }
});
