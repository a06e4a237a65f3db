// Kernel-level micro-benchmark of the cpu backend against the js backend (not a test).
//   npx tsc -p . && node dist/bench/kernels.js [--quick]
// matmul N x N (GFLOP/s, cpu with all threads and with one), a + b / exp / sum / sum(-1) on
// 4096 x 4096 including the output allocation (ms), the MNIST CNN's fused convolutions (us), and
// the cost of a tiny op (us).
import type { Backend, View } from "../src/backend/backend.js";
import { jsBackend as js } from "../src/backend/js.js";
import { cpuBackend as cpu, nativeConfig, nativeInfo, nativePoolStats } from "../src/backend/native.js";

const quick = process.argv.includes("--quick");
const info = nativeInfo();
if (!info.loaded) {
  console.log(`native addon not loaded (${info.reason})`);
  process.exit(0);
}
console.log(`cpu backend: ${info.description}`);

function view(data: Float32Array | Int32Array, shape: number[], strides?: number[]): View {
  const st = strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { data, shape, strides: st, offset: 0 };
}

function rand(b: Backend, n: number): Float32Array {
  const x = b.alloc("float32", n) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

/** median wall time in ms of fn over `reps` runs after `warm` warm-up runs, capped at ~budget ms;
 *  also records the process CPU time per run (all threads), which stays meaningful on a busy machine */
let lastCpu = 0;
function time(fn: () => void, reps: number, warm = 2, budget = 3000): number {
  for (let i = 0; i < warm; i++) fn();
  const ts: number[] = [];
  const start = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
    if (performance.now() - start > budget) break;
  }
  const c = process.cpuUsage(c0);
  lastCpu = (c.user + c.system) / 1000 / ts.length;
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
const os = await import("node:os");
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cpus (wall times are only meaningful on an idle machine; cpu = process CPU time per call, all threads)`);

const fmt = (x: number, d = 1) => x.toFixed(d).padStart(9);

// ---- matmul ------------------------------------------------------------------------------------
console.log("\nmatmul N x N (float32), GFLOP/s");
console.log("      N    cpu(all)   cpu(1 thr)   js      | per cpu-second: all, 1 thr");
for (const N of quick ? [64, 256, 1024] : [64, 256, 1024, 2048]) {
  const a = view(rand(cpu, N * N), [N, N]), b = view(rand(cpu, N * N), [N, N]);
  const flop = 2 * N * N * N;
  const reps = N <= 256 ? 200 : N <= 1024 ? 20 : 6;
  // one output per backend, made once: a new one per call measured first touch of fresh memory
  // (~10 µs a page on the development VM) in the first column only, 256² at 70 GFLOP/s on two
  // threads against 200 on one
  const outs = new Map<Backend, View>();
  const mm = (be: Backend) => () => {
    if (!outs.has(be)) outs.set(be, view(be.alloc("float32", N * N) as Float32Array, [N, N]));
    be.matmul(outs.get(be)!, a, b);
  };
  const tAll = time(mm(cpu), reps);
  const cAll = lastCpu;
  nativeConfig({ threads: 1 });
  const t1 = time(mm(cpu), reps);
  const c1 = lastCpu;
  nativeConfig({ threads: 0 });
  const tJs = N <= 256 ? time(mm(js), N <= 64 ? 50 : 3, 1) : NaN;
  console.log(`${String(N).padStart(7)} ${fmt(flop / tAll / 1e6)}  ${fmt(flop / t1 / 1e6)}  ${Number.isNaN(tJs) ? "        -" : fmt(flop / tJs / 1e6, 2)}   | ${fmt(flop / cAll / 1e6)} ${fmt(flop / c1 / 1e6)}`);
}
{ // transposed operand, as in x @ W.T
  const N = 1024;
  const a = view(rand(cpu, N * N), [N, N]), w = rand(cpu, N * N);
  const bT = view(w, [N, N], [1, N]);
  const t = time(() => cpu.matmul(view(cpu.alloc("float32", N * N) as Float32Array, [N, N]), a, bT), 20);
  console.log(`   1024 @ transposed b: ${(2 * N * N * N / t / 1e6).toFixed(1)} GFLOP/s`);
  const [M, K, Nn] = [128, 784, 64];
  const x = view(rand(cpu, M * K), [M, K]), W = view(rand(cpu, Nn * K), [K, Nn], [1, K]);
  const t2 = time(() => cpu.matmul(view(cpu.alloc("float32", M * Nn) as Float32Array, [M, Nn]), x, W), 500);
  console.log(`   128x784 @ (64x784).T (MNIST layer): ${(t2 * 1000).toFixed(1)} us, ${(2 * M * K * Nn / t2 / 1e6).toFixed(1)} GFLOP/s`);
}

{ // the GEMMs of the GPT training step (bench:profile), each in the layout the step gives it:
  // forward x·Wᵀ (b transposed), input gradient G·W, weight gradient Gᵀ·X (a transposed); the
  // output is allocated once, so these are the kernel's rates on warm operands
  console.log("\nGPT step GEMMs (M x K x N, layout), GFLOP/s: cpu(all)  cpu(1 thr)");
  const shapes: [number, number, number, "x·Wᵀ" | "G·W" | "Gᵀ·X"][] = [
    [2048, 128, 512, "x·Wᵀ"], [2048, 512, 128, "x·Wᵀ"], [2048, 128, 384, "x·Wᵀ"], [2048, 128, 128, "x·Wᵀ"],
    [2048, 512, 128, "G·W"], [2048, 128, 512, "G·W"], [2048, 384, 128, "G·W"],
    [128, 2048, 512, "Gᵀ·X"], [512, 2048, 128, "Gᵀ·X"], [384, 2048, 128, "Gᵀ·X"], [128, 2048, 128, "Gᵀ·X"],
  ];
  for (const [M, K, Nn, layout] of shapes.slice(0, quick ? 4 : shapes.length)) {
    const a = layout === "Gᵀ·X" ? view(rand(cpu, M * K), [M, K], [1, M]) : view(rand(cpu, M * K), [M, K]);
    const b = layout === "x·Wᵀ" ? view(rand(cpu, K * Nn), [K, Nn], [1, K]) : view(rand(cpu, K * Nn), [K, Nn]);
    const o = view(cpu.alloc("float32", M * Nn) as Float32Array, [M, Nn]);
    const flop = 2 * M * K * Nn;
    const tAll = time(() => cpu.matmul(o, a, b), 200);
    nativeConfig({ threads: 1 });
    const t1 = time(() => cpu.matmul(o, a, b), 100);
    nativeConfig({ threads: 0 });
    console.log(`  ${`${M}x${K}x${Nn} ${layout}`.padEnd(22)} ${fmt(flop / tAll / 1e6)}  ${fmt(flop / t1 / 1e6)}`);
  }
}

// ---- elementwise and reductions on 4096 x 4096 --------------------------------------------------
const N = 4096, n = N * N;
console.log(`\n${N} x ${N} float32, ms (median), output allocated every call`);
console.log("  op              cpu        js     | cpu: CPU ms per call");
const ca = view(rand(cpu, n), [N, N]), cb = view(rand(cpu, n), [N, N]);
const ja = view(Float32Array.from(ca.data), [N, N]), jb = view(Float32Array.from(cb.data), [N, N]);
type Case = [string, (be: Backend, a: View, b: View) => void];
const cases: Case[] = [
  ["add", (be, a, b) => be.binary("add", view(be.alloc("float32", n) as Float32Array, [N, N]), a, b)],
  ["exp", (be, a) => be.unary("exp", view(be.alloc("float32", n) as Float32Array, [N, N]), a)],
  ["sum()", (be, a) => be.reduce("sum", view(be.alloc("float32", 1) as Float32Array, [1, 1]), a, [true, true])],
  ["sum(-1)", (be, a) => be.reduce("sum", view(be.alloc("float32", N) as Float32Array, [N, 1]), a, [false, true])],
  ["sum(0)", (be, a) => be.reduce("sum", view(be.alloc("float32", N) as Float32Array, [1, N]), a, [true, false])],
  ["max(-1)", (be, a) => be.reduce("max", view(be.alloc("float32", N) as Float32Array, [N, 1]), a, [false, true])],
  ["transpose copy", (be, a) => be.copy(view(be.alloc("float32", n) as Float32Array, [N, N]), { ...a, strides: [1, N] }, false)],
];
for (const [name, f] of cases) {
  const tc = time(() => f(cpu, ca, cb), quick ? 10 : 30);
  const cc = lastCpu;
  const tj = time(() => f(js, ja, jb), quick ? 2 : 5, 1, 8000);
  console.log(`  ${name.padEnd(14)}${fmt(tc, 2)} ${fmt(tj, 1)}   | ${fmt(cc, 2)}`);
}

// ---- the MNIST CNN's convolutions: the fused conv2d and its backward ------------------------------
{
  console.log("\nfused conv2d (3x3, padding 1, batch 64), us (median): forward | gw + gb | gx | all three");
  const fused = cpu.fused!;
  const win = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
  for (const [C, H, OC] of [[1, 28, 16], [16, 14, 32]]) {
    const N = 64, rows = C * 9, out = N * OC * H * H;
    const x = view(rand(cpu, N * C * H * H), [N, C, H, H]), w = view(rand(cpu, OC * rows), [OC, rows]);
    const b = view(rand(cpu, OC), [OC]), g = view(rand(cpu, out), [N, OC, H, H]);
    const y = view(cpu.alloc("float32", out) as Float32Array, [N, OC, H, H]);
    const gx = view(cpu.alloc("float32", N * C * H * H) as Float32Array, [N, C, H, H]);
    const gw = view(cpu.alloc("float32", OC * rows) as Float32Array, [OC, rows]), gb = view(cpu.alloc("float32", OC) as Float32Array, [OC]);
    const reps = quick ? 20 : 100;
    const us = (fn: () => void) => fmt(time(fn, reps, 5) * 1000, 0);
    console.log(`  ${`${C}->${OC} on ${H}x${H}`.padEnd(16)}${us(() => fused.conv2d!(y, x, w, b, win))} ${us(() => fused.conv2dBackward!(null, gw, gb, g, x, w, win))} ` +
      `${us(() => fused.conv2dBackward!(gx, null, null, g, x, w, win))} ${us(() => fused.conv2dBackward!(gx, gw, gb, g, x, w, win))}`);
  }
}

// ---- tiny ops ----------------------------------------------------------------------------------
console.log("\ntiny op (2 x 3), us per call");
for (const [name, be] of [["cpu", cpu], ["js", js]] as const) {
  const a = view(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]), b = view(Float32Array.of(6, 5, 4, 3, 2, 1), [2, 3]);
  const o = view(new Float32Array(6), [2, 3]);
  const reps = 200_000;
  const run = () => { for (let i = 0; i < reps; i++) be.binary("add", o, a, b); };
  run();
  const t0 = performance.now();
  run();
  const tAdd = (performance.now() - t0) / reps * 1000;
  const runAlloc = () => { for (let i = 0; i < reps; i++) be.binary("add", view(be.alloc("float32", 6) as Float32Array, [2, 3]), a, b); };
  runAlloc();
  const t1 = performance.now();
  runAlloc();
  const tAlloc = (performance.now() - t1) / reps * 1000;
  const s = view(new Float32Array(1), [1, 1]);
  const t2 = performance.now();
  for (let i = 0; i < reps; i++) be.reduce("sum", s, a, [true, true]);
  const tSum = (performance.now() - t2) / reps * 1000;
  console.log(`  ${name}: add ${tAdd.toFixed(3)}, add + alloc ${tAlloc.toFixed(3)}, sum ${tSum.toFixed(3)}`);
}
const ps = nativePoolStats();
if (ps) console.log(`\npool: ${(ps.cachedBytes / 2 ** 20).toFixed(0)} MiB cached, ${(ps.liveBytes / 2 ** 20).toFixed(0)} MiB live, ${ps.freshMaps} fresh maps, ${ps.hits} reuses`);
