// The GEMMs of one GPT training step (examples/gpt.ts defaults, as bench:profile sees them), each
// alone on the cpu backend in the layout the step gives it, on warm operands and a reused output:
// forward x·Wᵀ (+ bias; b transposed), input gradient G·W (b row-major), weight gradient Gᵀ·X
// (a transposed). Prints the median per shape and the step's GEMM total (calls per step × median).
//   npx tsc -p . && flock /tmp/dlgrad-bench.lock node dist/bench/gemm-gpt.js [--threads N] [--reps N]
import * as os from "node:os";
import type { View } from "../src/backend/backend.js";
import { cpuBackend as cpu, nativeConfig, nativeInfo, nativeMachine } from "../src/backend/native.js";

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i < 0 ? dflt : Number(argv[i + 1]);
};
const threads = flag("--threads", 0), reps = flag("--reps", 60);
/** --cold: 64 MiB written between calls, so operands and output come from memory as in the step */
const cold = argv.includes("--cold");
const sweep = cold ? new Float32Array(16 << 20) : null;
/** --gap: 1 ms of idle JavaScript between calls, so the pool's worker has gone to sleep (warm caches) */
const gap = argv.includes("--gap");
if (!nativeInfo().loaded) throw new Error(`gemm-gpt: the cpu addon did not load (${nativeInfo().reason})`);
nativeConfig({ threads });

type Layout = "x·Wᵀ" | "G·W" | "Gᵀ·X";
/** [M, K, N, layout, calls per step] (6 layers; the head's small 85-wide products left out) */
const SHAPES: [number, number, number, Layout, number][] = [
  [2048, 128, 384, "x·Wᵀ", 6], [2048, 128, 128, "x·Wᵀ", 6], [2048, 128, 512, "x·Wᵀ", 6], [2048, 512, 128, "x·Wᵀ", 6],
  [2048, 128, 512, "G·W", 6], [2048, 512, 128, "G·W", 6], [2048, 128, 128, "G·W", 6], [2048, 384, 128, "G·W", 6],
  [128, 2048, 512, "Gᵀ·X", 6], [512, 2048, 128, "Gᵀ·X", 6], [128, 2048, 128, "Gᵀ·X", 6], [384, 2048, 128, "Gᵀ·X", 6],
];

function view(data: Float32Array, shape: number[], strides?: number[]): View {
  return { data, shape, strides: strides ?? [shape[1], 1], offset: 0 };
}
function rand(n: number): Float32Array {
  const x = cpu.alloc("float32", n) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}
function median(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    if (sweep) sweep.fill(i);
    if (gap) for (const t0 = performance.now(); performance.now() - t0 < 1; );
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

const m = nativeMachine(1 << 20);
console.log(`threads ${threads || "all"}${cold ? ", cold caches" : ""}${gap ? ", 1 ms gaps" : ""}; load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; peak ${m?.peakGflops.toFixed(0)} GFLOP/s (${m?.isa})`);
let total = 0, flops = 0;
for (const [M, K, N, layout, calls] of SHAPES) {
  const a = layout === "Gᵀ·X" ? view(rand(M * K), [M, K], [1, M]) : view(rand(M * K), [M, K]);
  const b = layout === "x·Wᵀ" ? view(rand(K * N), [K, N], [1, K]) : view(rand(K * N), [K, N]);
  const bias = layout === "x·Wᵀ" ? view(rand(N), [N], [1]) : undefined;
  const o = view(cpu.alloc("float32", M * N) as Float32Array, [M, N]);
  const t = median(() => cpu.matmul(o, a, b, bias));
  const f = 2 * M * N * K;
  total += calls * t;
  flops += calls * f;
  console.log(`  ${`${M}×${K}·${K}×${N} ${layout}`.padEnd(26)} ${(t * 1000).toFixed(0).padStart(6)} µs ${(f / t / 1e6).toFixed(0).padStart(5)} GFLOP/s`);
}
console.log(`step total ${total.toFixed(2)} ms, ${(flops / total / 1e6).toFixed(0)} GFLOP/s`);
