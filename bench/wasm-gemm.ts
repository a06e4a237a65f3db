// node dist/bench/wasm-gemm.js [--sizes 256,1024] [--rounds 7] [--reps N]: dlgrad's `wasm` matmul against
// TensorFlow.js 4.22's wasm backend (XNNPACK, one thread in Node) in the same process, alternating
// run by run so that the load of a shared machine hits both alike. Prints the median GFLOP/s of
// each and their ratio, and the load average, for dlgrad on one thread and on two (its GEMM worker).
// "into a reused output": the same product through the wasm backend's matmul into one output
// storage made once (what TF.js's disposed outputs get from its allocator), so the figure is the
// GEMM's alone; a.matmul(b) makes a new tensor each call, whose memory is fresh (page faults)
// until a collection and a macrotask hand dead blocks back (src/backend/wasm.ts).
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { Tensor, setDefaultDevice } from "../src/node.js";
import type { Backend, Storage, View } from "../src/backend/backend.js";

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name: string, def: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const sizes = opt("--sizes", "256,1024").split(",").map(Number);
const rounds = Number(opt("--rounds", "7"));
/** calls per timed sample (default: ~5-10 ms of work, at least 8). With one call per sample each fresh
 *  output is a new block of first-touch memory (no collection runs between samples to give dead ones
 *  back), which on some VMs costs 20 % more than the product; more calls per sample pile up enough
 *  dead blocks for the backend to ask for a collection (src/backend/wasm.ts, PILING_UP), and later
 *  samples reuse their memory, as a training loop's outputs do */
const repsFlag = args.includes("--reps") ? Number(opt("--reps", "1")) : null;
if (repsFlag !== null && !(Number.isInteger(repsFlag) && repsFlag >= 1)) throw new Error(`wasm-gemm: --reps must be a positive integer, got ${opt("--reps", "")}`);

setWasmPaths(path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep);
await tf.setBackend("wasm");
await tf.ready();
setDefaultDevice("wasm");
const wasm = (await import(new URL("../src/backend/wasm.js", import.meta.url).href)) as {
  wasmInfo(): { description: string }; wasmThreadsReady(): Promise<number>; wasmConfig(o: { threads: number }): void;
  wasmBackend: Backend<Storage>;
};
const maxThreads = await wasm.wasmThreadsReady();
console.log(`dlgrad wasm: ${wasm.wasmInfo().description}; tfjs ${tf.version_core} wasm; load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const n of sizes) for (let threads = 1; threads <= maxThreads; threads++) {
  wasm.wasmConfig({ threads });
  const flop = 2 * n ** 3;
  const reps = repsFlag ?? Math.max(8, Math.round(2e8 / flop)); // ~5-10 ms of work per timed run, at least 8 calls (see --reps)
  const a = Tensor.randn([n, n]), b = Tensor.randn([n, n]);
  const ta = tf.randomNormal([n, n]), tb = tf.randomNormal([n, n]);
  const view = (t: Tensor): View<Storage> => ({ data: t.data, shape: t.shape, strides: t.strides, offset: t.offset });
  const out = { data: wasm.wasmBackend.alloc("float32", n * n), shape: [n, n], strides: [n, 1], offset: 0 };
  const runD = () => { for (let i = 0; i < reps; i++) a.matmul(b); };
  const runR = () => { for (let i = 0; i < reps; i++) wasm.wasmBackend.matmul(out, view(a), view(b)); };
  const runT = () => { for (let i = 0; i < reps; i++) tf.matMul(ta, tb).dispose(); };
  runD(); runR(); runT();
  const d: number[] = [], u: number[] = [], t: number[] = [];
  const time = (f: () => void, into: number[]) => {
    const t0 = performance.now();
    f();
    into.push((performance.now() - t0) / reps);
  };
  for (let r = 0; r < rounds; r++) {
    // a macrotask between runs: dlgrad's dead outputs go back to the module (FinalizationRegistry)
    await new Promise((res) => setTimeout(res, 0));
    time(runD, d);
    time(runR, u);
    time(runT, t);
  }
  const gd = flop / median(d) / 1e6, gu = flop / median(u) / 1e6, gt = flop / median(t) / 1e6;
  console.log(`matmul ${n}², dlgrad ${threads} thread${threads > 1 ? "s" : ""}: dlgrad ${gd.toFixed(1)} GFLOP/s (into a reused output ${gu.toFixed(1)}), ` +
    `tfjs ${gt.toFixed(1)} GFLOP/s, ratio ${(gd / gt).toFixed(2)}x (reused output ${(gu / gt).toFixed(2)}x) (medians of ${rounds}; load ${os.loadavg()[0].toFixed(2)})`);
  ta.dispose(); tb.dispose();
}
