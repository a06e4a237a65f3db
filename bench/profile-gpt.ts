// npm run bench:profile: where the time of one GPT training step goes on the cpu device. The model,
// data and optimizer are examples/gpt.ts's defaults (the Brown corpus, 6 layers × width 128, 4 heads,
// block 128, batch 16, AdamW); every backend call is timed (wrapped on the registered backend), GC
// pauses come from V8's performance entries (a pause inside a timed call counts as GC, not as the call;
// incremental-marking steps V8 runs inside an allocation stay in `alloc`), and the rest of the step is JavaScript: graph building,
// the sweep, checks, views. Rows are kernel families, GEMMs by shape, so the next bottleneck shows.
//
//   npm run bench:profile -- [--steps 10] [--warmup 3] [--markdown] [--out out/profile-gpt.json]
import * as fs from "node:fs";
import * as path from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { timeCalls } from "./common.js";
import { getBackend, type View, type Storage } from "../src/backend/backend.js";
import { nativeMachine, nativeInfo } from "../src/backend/native.js";
import { manualSeed, optim, setDefaultDevice } from "../src/node.js";
import { CharTokenizer, Rng, getBatch, loadBrown, splitTrainVal } from "../examples/gpt/data.js";
import { DEFAULT_CONFIG, GPT } from "../examples/gpt/model.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function parse(argv: string[]): { steps: number; warmup: number; markdown: boolean; out: string } {
  const a = { steps: 10, warmup: 3, markdown: false, out: path.join(ROOT, "out", "profile-gpt.json") };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`bench:profile: ${f} needs a positive integer`);
      return v;
    };
    if (f === "--steps") a.steps = num();
    else if (f === "--warmup") a.warmup = num();
    else if (f === "--markdown") a.markdown = true;
    else if (f === "--out") a.out = path.resolve(argv[++i] ?? "");
    else throw new Error(`bench:profile: unknown flag ${f} (have --steps N, --warmup N, --markdown, --out FILE)`);
  }
  return a;
}

interface Row { ms: number; calls: number; flops: number }
const rows = new Map<string, Row>();
let recording = false;

function add(key: string, ms: number, flops = 0): void {
  const r = rows.get(key) ?? { ms: 0, calls: 0, flops: 0 };
  r.ms += ms;
  r.calls++;
  r.flops += flops;
  rows.set(key, r);
}

/** Timed backend calls and GC pauses, in order of start: a GC pause that falls inside a call (an
 *  allocation can trigger a collection) is counted once, as GC, and taken off the call's time. */
const keys: string[] = [];
const keyIds = new Map<string, number>();
/** (key id, start, end, flops) per call, flat: an array of doubles, which the GC does not scan */
const calls: number[] = [];
const gcs: { t0: number; t1: number }[] = [];

function record(key: string, t0: number, t1: number, flops: number): void {
  let id = keyIds.get(key);
  if (id === undefined) {
    id = keys.length;
    keys.push(key);
    keyIds.set(key, id);
  }
  calls.push(id, t0, t1, flops);
}

function settle(): void {
  gcs.sort((a, b) => a.t0 - b.t0);
  let g = 0;
  for (let i = 0; i < calls.length; i += 4) {
    const t0 = calls[i + 1], t1 = calls[i + 2];
    while (g < gcs.length && gcs[g].t1 <= t0) g++;
    let inGc = 0;
    for (let k = g; k < gcs.length && gcs[k].t0 < t1; k++) inGc += Math.max(0, Math.min(t1, gcs[k].t1) - Math.max(t0, gcs[k].t0));
    add(keys[calls[i]], t1 - t0 - inGc, calls[i + 3]);
  }
}

const numel = (v: View<Storage>) => v.shape.reduce((a, b) => a * b, 1);

/** A GEMM's row name and FLOPs: batch × M×K·K×N from the output and a's views. */
function gemmKey(out: View<Storage>, a: View<Storage>): [string, number] {
  const s = out.shape, k = a.shape[a.shape.length - 1];
  const m = s[s.length - 2], n = s[s.length - 1], batch = numel(out) / (m * n);
  return [`matmul ${batch > 1 ? `${batch}× ` : ""}${m}×${k}·${k}×${n}`, 2 * batch * m * n * k];
}

/** The row a backend call belongs to. */
function keyOf(method: string, args: unknown[]): [string, number] {
  const v = (i: number) => args[i] as View<Storage>;
  switch (method) {
    case "matmul": return gemmKey(v(0), v(1));
    case "unary": case "binary": case "reduce": return [`${method} ${String(args[0])}`, 0];
    case "attention": case "attentionBackward": {
      // q [.., L, E], k [.., S, E]: two GEMM-sized products forward, four backward
      const q = v(method === "attention" ? 2 : 5), k = v(method === "attention" ? 3 : 6);
      const l = q.shape[2], e = q.shape[3], s = k.shape[2], b = q.shape[0] * q.shape[1];
      const causal = args[args.length - 1] === true;
      const f = 2 * b * l * s * e * (method === "attention" ? 2 : 4) * (causal ? 0.5 : 1);
      return [method === "attention" ? "attention (fused)" : "attention backward (fused)", f];
    }
    default: return [method, 0];
  }
}

/** Times every function of the backend (and of its fused kernels) but its reads. */
function instrument(obj: Record<string, unknown>): void {
  const names = Object.keys(obj).filter((n) => n !== "read" && n !== "readAsync");
  timeCalls(obj, names, () => recording, (name, args, t0, t1) => {
    const [key, flops] = keyOf(name, args);
    record(key, t0, t1, flops);
  });
}

function family(key: string): string {
  if (key.startsWith("matmul")) return "GEMM";
  if (key.startsWith("attention")) return "attention";
  if (/layerNorm|softmax/.test(key)) return "norms and softmax";
  if (/gelu/.test(key)) return "activations";
  if (key === "adam") return "optimizer";
  if (key === "alloc") return "allocation";
  if (/^(copy|cast|fill|where|gather|scatterAdd|upload)$/.test(key)) return "copies, gathers, fills";
  return "elementwise and reductions";
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (!nativeInfo().loaded) throw new Error(`bench:profile: the cpu addon did not load (${nativeInfo().reason})`);
  setDefaultDevice("cpu");
  const be = getBackend("cpu") as unknown as Record<string, unknown>;
  instrument(be);
  if (be.fused) instrument(be.fused as Record<string, unknown>);

  const text = loadBrown();
  const tok = CharTokenizer.fromText(text);
  const { train } = splitTrainVal(tok.encode(text));
  manualSeed(1337);
  const config = { ...DEFAULT_CONFIG, vocabSize: tok.vocabSize };
  const model = new GPT(config);
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const rng = new Rng(1337);
  const batch = 16;

  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    if (recording) for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcs.push({ t0: e.startTime, t1: e.startTime + e.duration });
    }
  });
  obs.observe({ entryTypes: ["gc"] });

  const stepTimes: number[] = [];
  for (let s = 0; s < args.warmup + args.steps; s++) {
    recording = s >= args.warmup;
    const t0 = performance.now();
    const { x, y } = getBatch(train, batch, config.blockSize, rng);
    const loss = model.loss(x, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    await loss.itemAsync();
    if (recording) stepTimes.push(performance.now() - t0);
  }
  // the GC entries of the last step arrive asynchronously
  await new Promise((r) => setTimeout(r, 50));
  recording = false;
  obs.disconnect();
  settle();

  const n = args.steps;
  const stepMs = stepTimes.reduce((a, b) => a + b, 0) / n;
  const sorted = [...stepTimes].sort((a, b) => a - b);
  const medianMs = sorted[n >> 1];
  const kernelsMs = [...rows.values()].reduce((a, r) => a + r.ms, 0) / n;
  const gemmFlops = [...rows.entries()].filter(([k]) => family(k) === "GEMM" || family(k) === "attention").reduce((a, [, r]) => a + r.flops, 0) / n;
  const machine = nativeMachine();

  const table: { row: string; family: string; ms: number; pct: number; calls: number; gflops: number | null }[] = [];
  for (const [k, r] of rows) table.push({ row: k, family: family(k), ms: r.ms / n, pct: (100 * r.ms) / n / stepMs, calls: r.calls / n, gflops: r.flops ? r.flops / r.ms / 1e6 : null });
  table.push({ row: "GC pauses (V8)", family: "GC", ms: gcMs / n, pct: (100 * gcMs) / n / stepMs, calls: 0, gflops: null });
  const jsMs = Math.max(0, stepMs - kernelsMs - gcMs / n);
  table.push({ row: "JavaScript (graph, sweep, views, checks)", family: "JavaScript", ms: jsMs, pct: (100 * jsMs) / stepMs, calls: 0, gflops: null });
  table.sort((a, b) => b.ms - a.ms);
  const fams = new Map<string, number>();
  for (const t of table) fams.set(t.family, (fams.get(t.family) ?? 0) + t.ms);

  const effective = gemmFlops / stepMs / 1e6;
  const head = `GPT training step on cpu (examples/gpt.ts defaults: ${config.nLayer} layers, width ${config.nEmbd}, ${config.nHead} heads, ` +
    `block ${config.blockSize}, batch ${batch}, AdamW), ${n} steps after ${args.warmup} warm-up\n` +
    `step: mean ${stepMs.toFixed(1)} ms, median ${medianMs.toFixed(1)} ms; GEMM work ${(gemmFlops / 1e9).toFixed(2)} GFLOP per step ` +
    `(matmuls and attention), effective ${effective.toFixed(0)} GFLOP/s` +
    (machine ? ` = ${((100 * effective) / machine.peakGflops).toFixed(0)} % of this machine's measured peak (${machine.peakGflops.toFixed(0)} GFLOP/s ${machine.isa} FMA)` : "");
  const fmt = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (args.markdown) {
    console.log(head + "\n");
    console.log("| family | ms per step | % of step |\n|---|---:|---:|");
    for (const [f, ms] of [...fams].sort((a, b) => b[1] - a[1])) console.log(`| ${f} | ${fmt(ms)} | ${((100 * ms) / stepMs).toFixed(0)} % |`);
    console.log("\n| kernel | family | ms per step | % of step | calls per step | GFLOP/s |\n|---|---|---:|---:|---:|---:|");
    for (const t of table.filter((t) => t.pct >= 0.5)) console.log(`| ${t.row} | ${t.family} | ${fmt(t.ms)} | ${t.pct.toFixed(1)} % | ${t.calls ? t.calls.toFixed(0) : ""} | ${t.gflops ? t.gflops.toFixed(0) : ""} |`);
  } else {
    console.log(head + "\n");
    console.log("by family:");
    for (const [f, ms] of [...fams].sort((a, b) => b[1] - a[1])) console.log(`  ${f.padEnd(28)} ${fmt(ms).padStart(7)} ms  ${((100 * ms) / stepMs).toFixed(1).padStart(5)} %`);
    console.log("\nby kernel (rows ≥ 0.5 % of the step):");
    console.log(`  ${"kernel".padEnd(44)} ${"family".padEnd(26)} ${"ms".padStart(7)} ${"%".padStart(6)} ${"calls".padStart(6)} ${"GFLOP/s".padStart(8)}`);
    for (const t of table.filter((t) => t.pct >= 0.5)) {
      console.log(`  ${t.row.padEnd(44)} ${t.family.padEnd(26)} ${fmt(t.ms).padStart(7)} ${t.pct.toFixed(1).padStart(6)} ${(t.calls ? t.calls.toFixed(0) : "").padStart(6)} ${(t.gflops ? t.gflops.toFixed(0) : "").padStart(8)}`);
    }
  }
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify({ date: new Date().toISOString(), machine, config, batch, steps: n, stepMs, medianMs, gemmFlops, effectiveGflops: effective, families: Object.fromEntries(fams), rows: table }, null, 2) + "\n");
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
