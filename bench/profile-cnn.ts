// npm run bench:profile-cnn: where the time of the MNIST CNN train step (examples/mnist-cnn.ts:
// conv3x3 1→16 pad 1, ReLU, maxpool 2; conv3x3 16→32, ReLU, maxpool 2; dropout 0.25; linear 1568→10;
// batch 64, crossEntropy, Adam) goes on the cpu device, on random data. After a warm-up it times each
// step's phases and every backend call by family and shape (wrapped on the registered backend; a
// call's row names its first view's shape, and where's row also says which of its views are
// contiguous), and counts GC pauses. Medians per call, means per step.
//
//   npm run bench:profile-cnn -- [--steps 200] [--warmup 50] [--plain]
// --plain: no wrapping, only the step times (what the wrappers themselves cost shows in the difference).
import { PerformanceObserver } from "node:perf_hooks";
import { getBackend, type View } from "../src/backend/backend.js";
import { nativeInfo, nativePoolStats } from "../src/backend/native.js";
import { Tensor, manualSeed, nn, optim, setDefaultDevice } from "../src/node.js";
import { median, timeCalls, phasedSteps } from "./common.js";

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? def : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`bench:profile-cnn: ${name} needs a non-negative integer`);
  return v;
}
const steps = flag("--steps", 200), warmup = flag("--warmup", 50), plain = process.argv.includes("--plain");
if (!nativeInfo().loaded) throw new Error(`bench:profile-cnn: the cpu addon did not load (${nativeInfo().reason})`);
setDefaultDevice("cpu");
manualSeed(0);

const calls = new Map<string, number[]>();
const faultsOf = new Map<string, number>(); // minor page faults inside each row's calls (first touches of fresh memory)
let timing = false;
const backend = getBackend("cpu") as unknown as Record<string, unknown>;
const shapeOf = (v: unknown) => `[${((v as { shape?: number[] } | null)?.shape ?? []).join(",")}]`;
/** "c" for a contiguous view, "s" for a strided one, "b" for one with a broadcast (0) stride */
const layout = (v: View) => {
  if (v.strides.some((s, i) => s === 0 && v.shape[i] > 1)) return "b";
  let want = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] > 1 && v.strides[i] !== want) return "s";
    want *= v.shape[i];
  }
  return "c";
};
const wrap = (obj: Record<string, unknown>, names: readonly string[], key: (name: string, args: unknown[]) => string) => {
  // the inner wrapper times the call; the outer one counts its page faults (getrusage, outside the timing)
  timeCalls(obj, names, () => timing, (name, args, t0, t1) => {
    const k = key(name, args);
    let l = calls.get(k);
    if (!l) calls.set(k, (l = []));
    l.push(t1 - t0);
  });
  let f0 = 0;
  timeCalls(obj, names, () => timing, (name, args) => {
    const k = key(name, args);
    faultsOf.set(k, (faultsOf.get(k) ?? 0) + process.resourceUsage().minorPageFault - f0);
  });
  for (const name of names) {
    const fn = obj[name];
    if (typeof fn !== "function") continue;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      if (timing) f0 = process.resourceUsage().minorPageFault;
      return fn.apply(this, args);
    };
  }
};
if (!plain) {
  wrap(backend, ["unary", "binary", "cast", "reduce"], (m, a) => `${m} ${a[0]} ${shapeOf(a[1])}${m === "binary" ? " " + layout(a[2] as View) + layout(a[3] as View) : ""}`);
  wrap(backend, ["where"], (m, a) => `where ${shapeOf(a[0])} ${(a.slice(1) as View[]).map(layout).join("")}`);
  wrap(backend, ["copy", "fill", "matmul", "gather", "scatterAdd", "random"], (m, a) => `${m} ${shapeOf(a[0])}`);
  wrap(backend, ["alloc"], (_, a) => `alloc (${(a[1] as number) >= 1024 ? "pool" : "heap"})`);
  wrap(backend, ["release"], () => "release");
  const fused = backend.fused as Record<string, unknown>;
  wrap(fused, Object.keys(fused), (k, a) => `fused ${k} ${shapeOf(a[0])}`);
}

let gcMs = 0, gcs = 0, from = Infinity, to = Infinity;
const GC_KIND: Record<number, string> = { 1: "minor", 4: "major", 8: "incremental", 16: "weak callbacks" }; // perf_hooks' constants
const gcKinds = new Map<string, { ms: number; n: number; forced: number }>(); // by kind: time, pauses, forced ones (flags & 4)
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    if (e.startTime < from || e.startTime > to) continue;
    gcMs += e.duration;
    gcs++;
    const detail = (e as unknown as { detail?: { kind?: number; flags?: number } }).detail;
    const kind = GC_KIND[detail?.kind ?? 0] ?? `kind ${detail?.kind}`;
    const k = gcKinds.get(kind) ?? { ms: 0, n: 0, forced: 0 };
    k.ms += e.duration;
    k.n++;
    if ((detail?.flags ?? 0) & 4) k.forced++;
    gcKinds.set(kind, k);
  }
}).observe({ entryTypes: ["gc"] });

const xs: Tensor[] = [], ys: Tensor[] = [];
for (let i = 0; i < 8; i++) {
  xs.push(Tensor.rand([64, 1, 28, 28]));
  ys.push(Tensor.randint(0, 10, [64], { dtype: "int32" }));
}
const model = new nn.Sequential(
  new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(32 * 7 * 7, 10),
);
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const { phases, times, step } = phasedSteps(model, opt, xs, ys);

for (let i = 0; i < warmup; i++) step();
times.forEach((t) => (t.length = 0));
await new Promise((r) => setTimeout(r, 10));
const pool0 = nativePoolStats()!, faults0 = process.resourceUsage().minorPageFault;
timing = true;
from = performance.now();
for (let i = 0; i < steps; i++) step();
to = performance.now();
timing = false;
const pool1 = nativePoolStats()!, faults = process.resourceUsage().minorPageFault - faults0;
await new Promise((r) => setTimeout(r, 50));

const us = (ms: number) => (ms * 1000).toFixed(1).padStart(8);
console.log(`MNIST CNN step on cpu (${nativeInfo().description}), ${steps} steps after ${warmup} of warm-up; µs${plain ? " (calls not wrapped)" : ""}`);
console.log(`pool: ${((pool1.freshMaps - pool0.freshMaps) / steps).toFixed(2)} fresh maps and ${((pool1.hits - pool0.hits) / steps).toFixed(1)} reuses per step, ` +
  `${(faults / steps).toFixed(1)} page faults per step, ${((pool1.cachedBytes + pool1.liveBytes) / 2 ** 20).toFixed(1)} MiB held`);
console.log("\nphase           median     p90");
phases.forEach((p, j) => {
  const s = [...times[j]].sort((a, b) => a - b);
  console.log(`${p.padEnd(13)} ${us(median(s))} ${us(s[Math.floor(s.length * 0.9)] ?? 0)}`);
});
if (!plain) {
  console.log("\nbackend call                                   calls/step   median   mean/step  faults/step");
  let inCalls = 0;
  const rows = [...calls].map(([name, t]) => ({ name, n: t.length / steps, med: median(t), per: t.reduce((a, b) => a + b, 0) / steps }));
  for (const r of rows.sort((a, b) => b.per - a.per)) {
    inCalls += r.per;
    if (r.per >= 2e-3) console.log(`${r.name.padEnd(46)} ${r.n.toFixed(1).padStart(6)} ${us(r.med)} ${us(r.per)} ${((faultsOf.get(r.name) ?? 0) / steps).toFixed(1).padStart(8)}`);
  }
  const mean = times[4].reduce((a, b) => a + b, 0) / steps;
  console.log(`\nmean step ${us(mean).trim()}, in backend calls ${us(inCalls).trim()}, JavaScript ${us(mean - inCalls).trim()}; ` +
    `GC ${gcs} pauses, ${us(gcMs / steps).trim()} per step (${[...gcKinds].map(([kd, k]) => `${kd}: ${(k.n / steps).toFixed(2)} per step, ${k.forced} forced, ${us(k.ms / steps).trim()}`).join("; ")}); ` +
    "rows under 2 µs per step not shown");
}
