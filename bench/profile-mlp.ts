// npm run bench:profile-mlp: where the time of the W4 MNIST MLP train step goes on the cpu device
// (784→64 ReLU→10, batch 128, crossEntropy, Adam: the bench's W4.mlp-step on random data). After a
// warm-up it times each step's phases (forward with the loss, backward, optimizer step, reading the
// loss) and every backend call by family and shape (wrapped on the registered backend), and counts
// GC pauses (V8's performance entries) and page faults. Medians per step, so the spread shows too.
//
//   npm run bench:profile-mlp -- [--steps 2000] [--warmup 2000] [--cold]
// --cold: no warm-up; also prints the median of steps 3-290 (what a bench timing from the second
// call would see: JIT warm-up and the first touch of the memory pool).
import { PerformanceObserver } from "node:perf_hooks";
import { getBackend } from "../src/backend/backend.js";
import { nativeInfo, nativePoolStats } from "../src/backend/native.js";
import { Tensor, manualSeed, nn, optim, setDefaultDevice } from "../src/node.js";
import { median, timeCalls, phasedSteps } from "./common.js";

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? def : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`bench:profile-mlp: ${name} needs a non-negative integer`);
  return v;
}
const cold = process.argv.includes("--cold");
const steps = flag("--steps", 2000), warmup = cold ? 0 : flag("--warmup", 2000);
if (!nativeInfo().loaded) throw new Error(`bench:profile-mlp: the cpu addon did not load (${nativeInfo().reason})`);
setDefaultDevice("cpu");
manualSeed(0);

const calls = new Map<string, number[]>(); // family -> time of each call (ms), while timing
let timing = false;
const backend = getBackend("cpu") as unknown as Record<string, unknown>;
const shapeOf = (v: unknown) => `[${((v as { shape?: number[] }).shape ?? []).join(",")}]`;
/** times the methods `names` of obj, each call under the row `key` names */
const wrap = (obj: Record<string, unknown>, names: readonly string[], key: (name: string, args: unknown[]) => string) =>
  timeCalls(obj, names, () => timing, (name, args, t0, t1) => {
    const k = key(name, args);
    let l = calls.get(k);
    if (!l) calls.set(k, (l = []));
    l.push(t1 - t0);
  });
wrap(backend, ["unary", "binary", "where", "copy", "fill", "reduce", "matmul", "gather", "scatterAdd", "cast"],
  (m, a) => (typeof a[0] === "string" ? `${m} ${a[0]} ${shapeOf(a[1])}` : `${m} ${shapeOf(a[0])}`));
wrap(backend, ["alloc"], (_, a) => `alloc (${(a[1] as number) >= 1024 ? "pool" : "heap"})`);
wrap(backend, ["release"], () => "release");
const fused = backend.fused as Record<string, unknown>;
wrap(fused, Object.keys(fused), (k, a) => `fused ${k} ${shapeOf(a[0])}`);

// GC entries arrive once the loop yields: counted by their start time within the timed window
let gcMs = 0, gcs = 0, from = Infinity, to = Infinity;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    if (e.startTime < from || e.startTime > to) continue;
    gcMs += e.duration;
    gcs++;
  }
}).observe({ entryTypes: ["gc"] });

const xs: Tensor[] = [], ys: Tensor[] = [];
for (let i = 0; i < 16; i++) {
  xs.push(Tensor.rand([128, 784]));
  ys.push(Tensor.randint(0, 10, [128], { dtype: "int32" }));
}
const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const { phases, times, step } = phasedSteps(model, opt, xs, ys);

for (let i = 0; i < warmup; i++) step();
times.forEach((t) => (t.length = 0));
await new Promise((r) => setTimeout(r, 10)); // let pending GC entries arrive before timing
const faults0 = process.resourceUsage().minorPageFault;
timing = true;
from = performance.now();
for (let i = 0; i < steps; i++) step();
to = performance.now();
timing = false;
const faults = process.resourceUsage().minorPageFault - faults0;
await new Promise((r) => setTimeout(r, 50));

const us = (ms: number) => (ms * 1000).toFixed(1).padStart(8);
console.log(`W4 MLP step on cpu (${nativeInfo().description}), ${steps} steps after ${warmup} of warm-up; µs`);
if (cold) console.log(`median of steps 3-290: ${us(median(times[4].slice(2, 290)))}`);
console.log("\nphase           median     p90 (with the backend calls wrapped and timed)");
phases.forEach((p, j) => {
  const s = [...times[j]].sort((a, b) => a - b);
  console.log(`${p.padEnd(13)} ${us(median(s))} ${us(s[Math.floor(s.length * 0.9)] ?? 0)}`);
});
console.log("\nbackend call                          calls/step   median   mean/step");
let inCalls = 0;
const rows = [...calls].map(([name, t]) => ({ name, n: t.length / steps, med: median(t), per: t.reduce((a, b) => a + b, 0) / steps }));
for (const r of rows.sort((a, b) => b.per - a.per)) {
  inCalls += r.per;
  console.log(`${r.name.padEnd(38)} ${r.n.toFixed(1).padStart(6)} ${us(r.med)} ${us(r.per)}`);
}
const mean = times[4].reduce((a, b) => a + b, 0) / steps;
console.log(`\nmean step ${us(mean).trim()}, in backend calls ${us(inCalls).trim()} (GC inside an allocation counts there), ` +
  `JavaScript ${us(mean - inCalls).trim()}; GC ${gcs} pauses, ${us(gcMs / steps).trim()} per step; ` +
  `${(faults / steps).toFixed(1)} page faults per step; pool ${((nativePoolStats()!.cachedBytes + nativePoolStats()!.liveBytes) / 2 ** 20).toFixed(1)} MiB`);
