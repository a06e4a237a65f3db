// npm run bench: dlgrad (cpu, wasm, js) against TensorFlow.js (cpu, wasm), jax-js (wasm, jit) and PyTorch
// (1 and 2 threads), side by side in one run, cell by cell. Each library lives in its own worker
// process (bench/worker.ts, bench/torch_bench.py) that stays up for the whole run; cells go to the
// libraries in turn, so slow drift of a shared machine hits every library alike.
//
//   npm run bench -- [--quick] [--only W1,W4 | --only W1.matmul.1024] [--libs dlgrad-cpu,torch]
//                    [--out out/bench.json] [--target MS] [--cap S] [--node-flags "--single-threaded-gc"]
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";
import { CELLS, TAG, median, mnistBatches, type Cell, type RunRequest, type RunResult } from "./common.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Debian's python3-torch lives under the system interpreter (the python3 on PATH may have no torch). */
const PYTHON = process.env.DLGRAD_BENCH_PYTHON ?? "/usr/bin/python3";

const ALL_LIBS = ["dlgrad-cpu", "dlgrad-wasm", "dlgrad-js", "dlgrad-webgpu", "tfjs-cpu", "tfjs-wasm", "jax-js", "torch-1t", "torch-2t"] as const;
/** Run only when named in --libs: on a machine without a GPU its adapter is a software one (lavapipe). */
const OPT_IN: readonly string[] = ["dlgrad-webgpu"];
type Lib = (typeof ALL_LIBS)[number];
const ALIASES: Record<string, Lib[]> = {
  torch: ["torch-1t", "torch-2t"], pytorch: ["torch-1t", "torch-2t"], dlgrad: ["dlgrad-cpu", "dlgrad-wasm", "dlgrad-js"],
  tfjs: ["tfjs-cpu", "tfjs-wasm"], jax: ["jax-js"],
};

// ---- arguments ------------------------------------------------------------------------------

interface Args {
  quick: boolean;
  only: string[] | null;
  libs: Lib[];
  out: string;
  targetMs: number;
  capMs: number;
  markdown: boolean;
  from: string | null;
  /** V8 flags for the Node workers (dlgrad, tfjs, jax alike), e.g. --single-threaded-gc */
  nodeFlags: string[];
}

function usage(msg?: string): never {
  if (msg) console.error(`bench: ${msg}`);
  console.error(
    "usage: npm run bench -- [--quick] [--only W1,W4,W5.gpt-step] [--libs " + ALL_LIBS.join(",") + "]\n" +
    "                        [--out out/bench.json] [--target MS per cell] [--cap S per cell]\n" +
    "                        [--markdown] [--from out/bench.json (print a past run, run nothing)]\n" +
    "                        [--node-flags \"--single-threaded-gc\" (V8 flags for every Node worker)]\n" +
    "  --libs also takes the groups torch, dlgrad, tfjs, jax",
  );
  process.exit(msg ? 2 : 0);
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    quick: false, only: null, libs: ALL_LIBS.filter((l) => !OPT_IN.includes(l)), out: path.join(ROOT, "out", "bench.json"), targetMs: 0, capMs: 0,
    markdown: false, from: null, nodeFlags: [],
  };
  let target: number | null = null, cap: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2) as [string, string | undefined];
    const val = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    switch (flag) {
      case "--quick": a.quick = true; break;
      case "--only": a.only = val().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--libs": {
        const libs = new Set<Lib>();
        for (const name of val().split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
          if (ALIASES[name]) ALIASES[name].forEach((l) => libs.add(l));
          else if ((ALL_LIBS as readonly string[]).includes(name)) libs.add(name as Lib);
          else usage(`unknown library '${name}' (have ${ALL_LIBS.join(", ")}, torch, dlgrad, tfjs, jax)`);
        }
        a.libs = ALL_LIBS.filter((l) => libs.has(l));
        break;
      }
      case "--out": a.out = path.resolve(val()); break;
      case "--markdown": a.markdown = true; break;
      case "--from": a.from = path.resolve(val()); break;
      case "--node-flags": {
        a.nodeFlags = val().split(/\s+/).filter(Boolean);
        for (const f of a.nodeFlags) if (!f.startsWith("--")) usage(`--node-flags: '${f}' is not a node/V8 flag`);
        break;
      }
      case "--target": target = Number(val()); break;
      case "--cap": cap = Number(val()) * 1000; break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown flag ${flag}`);
    }
  }
  a.targetMs = target ?? (a.quick ? 150 : 750);
  a.capMs = cap ?? (a.quick ? 6_000 : 30_000);
  if (a.only) {
    for (const o of a.only) if (!CELLS.some((c) => c.id === o || c.workload === o)) usage(`--only: no workload or cell '${o}' (have W1..W5 and ${CELLS.map((c) => c.id).join(", ")})`);
  }
  return a;
}

/** tfjs's banner suggesting tfjs-node, and the like: not worth printing. */
const NOISE = /^=+$|looks like you are running TensorFlow\.js in Node|tfjs-node/;

// ---- workers --------------------------------------------------------------------------------

interface Ready { ready: boolean; version?: string; skip?: string }

/** One library's worker process, started on first use and restarted after a time-out. */
class Worker {
  proc: ChildProcessWithoutNullStreams | null = null;
  info: Ready | null = null;
  private waiters = new Map<number | "ready", (msg: Record<string, unknown>) => void>();
  private nextId = 1;

  constructor(readonly lib: Lib, readonly nodeFlags: string[] = []) {}

  private command(): [string, string[], NodeJS.ProcessEnv] {
    if (this.lib.startsWith("torch")) {
      const n = this.lib === "torch-2t" ? "2" : "1";
      const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
      return [PYTHON, ["-u", path.join(ROOT, "bench", "torch_bench.py"), n], env];
    }
    return [process.execPath, [...this.nodeFlags, "--expose-gc", path.join(ROOT, "dist", "bench", "worker.js"), this.lib], process.env];
  }

  async start(): Promise<Ready> {
    if (this.proc && this.info) return this.info;
    const [cmd, args, env] = this.command();
    if (cmd === PYTHON && !fs.existsSync(PYTHON)) return (this.info = { ready: false, skip: `${PYTHON} not found` });
    const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc = proc;
    const onLine = (line: string) => {
      if (line.startsWith(TAG)) {
        const msg = JSON.parse(line.slice(TAG.length)) as Record<string, unknown>;
        const key = "ready" in msg ? "ready" : (msg.id as number);
        const w = this.waiters.get(key);
        this.waiters.delete(key);
        w?.(msg);
      } else if (line.trim() && !NOISE.test(line)) process.stderr.write(`  [${this.lib}] ${line}\n`);
    };
    readline.createInterface({ input: proc.stdout }).on("line", onLine);
    readline.createInterface({ input: proc.stderr }).on("line", (l) => {
      if (l.trim() && !NOISE.test(l)) process.stderr.write(`  [${this.lib}] ${l}\n`);
    });
    proc.on("exit", (code, sig) => {
      if (this.proc === proc) this.proc = null;
      for (const [, w] of this.waiters) w({ error: `worker exited (${sig ?? `code ${code}`})` });
      this.waiters.clear();
    });
    const ready = await this.wait("ready", 120_000);
    this.info = ready.error ? { ready: false, skip: String(ready.error) } : (ready as unknown as Ready);
    return this.info;
  }

  private wait(key: number | "ready", ms: number): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        this.kill();
        resolve({ timedOut: true, error: `no answer in ${Math.round(ms / 1000)} s` });
      }, ms);
      this.waiters.set(key, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
  }

  async run(req: Omit<RunRequest, "id">, timeoutMs: number): Promise<RunResult & { timedOut?: boolean }> {
    const info = await this.start();
    if (!info.ready) return { id: 0, skip: info.skip };
    const id = this.nextId++;
    this.proc!.stdin.write(JSON.stringify({ ...req, id }) + "\n");
    const res = await this.wait(id, timeoutMs);
    if (res.timedOut) this.info = null; // restart on next use
    return res as unknown as RunResult & { timedOut?: boolean };
  }

  kill(): void {
    if (this.proc) {
      this.proc.kill("SIGKILL");
      this.proc = null;
    }
  }

  close(): void {
    this.proc?.stdin.end();
  }
}

// ---- MNIST batches shared by every library ---------------------------------------------------

/** Writes 16 batches of 128 training digits from dlgrad's data.mnist() (seeded pick) for every library. */
async function writeMnistBatches(file: string): Promise<void> {
  const { data } = await import("../src/node.js");
  const m = data.mnist();
  const { images, labels } = mnistBatches(m.trainImages.toTypedArray() as Float32Array, m.trainLabels.toTypedArray() as Int32Array);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([Buffer.from(images.buffer), Buffer.from(labels.buffer)]));
}

// ---- formatting -----------------------------------------------------------------------------

interface CellOut {
  id: string;
  label: string;
  unit: "ms" | "µs";
  flops?: number;
  gemmFlops?: number;
  bytes?: number;
  results: Partial<Record<Lib, RunResult & { gflops?: number }>>;
  /** The machine's limits beside this cell (GEMM- and bandwidth-bound cells; absent in results
   *  written before it was kept): bandwidth the higher of the measurements just before and just
   *  after its runs, the FMA peak the highest of the whole run (runPeak). */
  limit?: MachinePeak;
}

const fmtNum = (x: number): string =>
  x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x >= 1 ? x.toFixed(2) : x.toFixed(3);

function fmtTime(r: RunResult | undefined, unit: "ms" | "µs"): string {
  if (!r) return "";
  if (r.skip !== undefined) return "skip";
  if (r.error !== undefined) return (r as { timedOut?: boolean }).timedOut ? "timeout" : "error";
  const v = unit === "µs" ? r.medianMs! * 1000 : r.medianMs!;
  return fmtNum(v) + (r.reps !== undefined && r.reps < 3 ? "*" : "");
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

const ok = (r: RunResult | undefined): r is RunResult & { medianMs: number } => !!r && r.medianMs !== undefined;

/** The torch reference of a cell: the faster of 1 and 2 threads (the stricter comparison). */
function torchBest(c: CellOut): { lib: Lib; ms: number } | null {
  const cands = (["torch-1t", "torch-2t"] as const).filter((l) => ok(c.results[l])).map((l) => ({ lib: l, ms: c.results[l]!.medianMs! }));
  return cands.length ? cands.reduce((a, b) => (b.ms < a.ms ? b : a)) : null;
}

// ---- the machine's own limits ----------------------------------------------------------------

/** What the machine can do, measured by the cpu addon at the start and beside each GEMM- or
 *  bandwidth-bound cell (native/machine.c): the peak FMA rate (best of 5 runs) and STREAM-add
 *  bandwidth (median of 9) on one thread and on all. */
export interface MachinePeak { isa: string; threads: number; peak1: number; peakAll: number; stream1: number; streamAll: number }

async function measureMachine(): Promise<MachinePeak | null> {
  const { nativeMachine, nativeConfig } = await import("../src/backend/native.js");
  const all = nativeConfig({ threads: 0 });
  nativeConfig({ threads: 1 });
  const one = nativeMachine();
  nativeConfig({ threads: 0 });
  const many = nativeMachine();
  if (!one || !many) return null;
  return { isa: one.isa, threads: all, peak1: one.peakGflops, peakAll: many.peakGflops, stream1: one.streamGBs, streamAll: many.streamGBs };
}

/** Each limit the higher of two measurements. The host's bandwidth moves by half from one minute to
 *  the next on the shared development VM (STREAM add 41-110 GB/s): a bandwidth-bound cell's
 *  fraction is taken of the bandwidth measured right before and right after it, not of that at the
 *  start of the run, and of the higher of the two, so the noise cannot flatter it. (The FMA peak is
 *  then raised to the run's highest: runPeak.) */
function higher(a: MachinePeak, b: MachinePeak): MachinePeak {
  return { ...a, peak1: Math.max(a.peak1, b.peak1), peakAll: Math.max(a.peakAll, b.peakAll), stream1: Math.max(a.stream1, b.stream1), streamAll: Math.max(a.streamAll, b.streamAll) };
}

/** Every cell's FMA peak the highest measured in the whole run (at the start and beside each
 *  bound cell), not the higher of the two beside it as for bandwidth. A core's FMA rate is set by
 *  the hardware, and the host's noise only ever lowers a measurement of it: on the 2-vCPU Zen 3 VM,
 *  the two measurements beside W1's 1024² cell once both read 165 GFLOP/s in a run whose others
 *  read 198-203, and put dlgrad's GEMM at 107 % of "peak". Bandwidth stays local: the host's own
 *  bandwidth moves from minute to minute. */
function runPeak(cells: CellOut[], start: MachinePeak | null): void {
  const seen = [start, ...cells.map((c) => c.limit)].filter((m): m is MachinePeak => !!m);
  if (!seen.length) return;
  const peak1 = Math.max(...seen.map((m) => m.peak1)), peakAll = Math.max(...seen.map((m) => m.peakAll));
  for (const c of cells) if (c.limit) c.limit = { ...c.limit, peak1, peakAll };
  if (start) Object.assign(start, { peak1, peakAll }); /* the report's and out/bench.json's machine line */
}

/** Libraries that run their kernels on every core; the others use one thread. */
const ALL_THREADS: readonly Lib[] = ["dlgrad-cpu", "torch-2t"];

/** A cell's median as a fraction of what the machine allows that library's threads: GEMM-bound
 *  cells as FLOP/s ÷ peak FMA rate, bandwidth-bound ones as bytes/s ÷ STREAM-add bandwidth; of the
 *  limits measured beside the cell where the results have them, else of those at the start (m). */
function fractionOfPeak(c: CellOut, lib: Lib, start: MachinePeak | null): number | null {
  const r = c.results[lib];
  const m = c.limit ?? start;
  if (!m || !ok(r) || lib === "dlgrad-webgpu") return null;
  const all = ALL_THREADS.includes(lib);
  if (c.gemmFlops) return c.gemmFlops / r.medianMs / 1e6 / (all ? m.peakAll : m.peak1);
  if (c.bytes) return c.bytes / r.medianMs / 1e6 / (r.streamGBs ?? (all ? m.streamAll : m.stream1));
  return null;
}

interface Target { what: string; value: string; goal: string; met: boolean | null }

function targets(cells: CellOut[], m: MachinePeak | null): Target[] {
  const get = (id: string) => cells.find((c) => c.id === id);
  const ms = (id: string, lib: Lib) => {
    const r = get(id)?.results[lib];
    return ok(r) ? r.medianMs : null;
  };
  const out: Target[] = [];
  const cpu = (id: string) => ms(id, "dlgrad-cpu");
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  const fmtR = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)}×`);
  // Each row says what it measures; "speed-up" is the peer's median time ÷ dlgrad-cpu's (above 1:
  // dlgrad is faster), "time ÷" the other way round (below 1: dlgrad is faster).
  // fractions of this machine's own limits (measured beside each cell: higher)
  const frac = (id: string, what: string, goal: number) => {
    const c = get(id);
    const f = c ? fractionOfPeak(c, "dlgrad-cpu", m) : null;
    out.push({ what, value: f === null ? "n/a" : `${(100 * f).toFixed(0)} %`, goal: `≥ ${100 * goal} %`, met: f === null ? null : f >= goal });
  };
  frac("W1.matmul.1024", "W1 matmul 1024², dlgrad-cpu fraction of peak FMA (all threads)", 0.88);
  frac("W1.matmul.2048", "W1 matmul 2048², dlgrad-cpu fraction of peak FMA (all threads)", 0.88);
  frac("W5.gpt-step-sdpa", "W5 GPT step (fused attention), matmul work ÷ time, fraction of peak", 0.5);
  frac("W2.add", "W2 add 4096² with a new output, fraction of STREAM-add bandwidth", 0.8);
  const tiny = cpu("W4.tiny-fwdbwd");
  out.push({ what: "W4 tiny mul.sum.backward, dlgrad-cpu µs", value: tiny === null ? "n/a" : (tiny * 1000).toFixed(2), goal: "≤ 3 µs", met: tiny === null ? null : tiny * 1000 <= 3 });
  for (const [id, what, goal] of [["W4.mlp-step", "W4 MLP train step, dlgrad-cpu time ÷ PyTorch's", 0.6], ["W5.gpt-step", "W5 GPT train step, dlgrad-cpu time ÷ PyTorch's", 0.5]] as const) {
    const c = get(id);
    const tb = c ? torchBest(c) : null;
    const r = ratio(cpu(id), tb?.ms ?? null);
    out.push({ what, value: fmtR(r), goal: `≤ ${goal}×`, met: r === null ? null : r <= goal });
  }
  // every workload ≥ 5× faster than tfjs-wasm and jax-js
  for (const peer of ["tfjs-wasm", "jax-js"] as const) {
    let worst: { id: string; sp: number } | null = null;
    for (const c of cells) {
      const sp = ratio(ms(c.id, peer), cpu(c.id));
      if (sp !== null && (!worst || sp < worst.sp)) worst = { id: c.id, sp };
    }
    out.push({ what: `smallest speed-up over ${peer}, any workload`, value: worst ? `${worst.sp.toFixed(1)}× (${worst.id})` : "n/a", goal: "≥ 5× everywhere", met: worst ? worst.sp >= 5 : null });
  }
  return out;
}

function report(cells: CellOut[], libs: Lib[], infos: Partial<Record<Lib, Ready>>, m: MachinePeak | null): string {
  const ran = libs.filter((l) => infos[l]?.ready);
  const out: string[] = [];
  if (m) out.push(machineLine(m) + "\n");
  out.push("Median time per run (ms; µs for the tiny ops; * = fewer than 3 repetitions)\n");
  out.push(table(["workload", ...ran], cells.map((c) => [`${c.label}${c.unit === "µs" ? " µs" : ""}`, ...ran.map((l) => fmtTime(c.results[l], c.unit))])));
  const w1 = cells.filter((c) => c.flops);
  if (w1.length) {
    out.push("\nW1 matmul GFLOP/s\n");
    out.push(table(["size", ...ran], w1.map((c) => [c.label, ...ran.map((l) => (c.results[l]?.gflops !== undefined ? c.results[l]!.gflops!.toFixed(1) : fmtTime(c.results[l], c.unit)))])));
  }
  const bound = cells.filter((c) => c.gemmFlops || c.bytes);
  if (m && bound.length) {
    out.push("\nFraction of this machine's limit (GEMM-bound: FLOP/s ÷ peak FMA rate; bandwidth-bound: bytes/s ÷ STREAM-add\n" +
      `bandwidth; of all ${m.threads} threads for ${ALL_THREADS.join(" and ")}, of one thread for the others), each limit the\n` +
      "FMA peak the highest measured in the run, the bandwidth the higher of two measurements just before and just\n" +
      "after the cell (column \"limit\": the one for all threads);\n" +
      "dlgrad-cpu's bandwidth limit is STREAM add measured between its timed runs (the median of one run after each)\n");
    out.push(table(["workload", "bound by", "limit", ...ran], bound.map((c) => {
      const lm = c.limit ?? m;
      const side = c.results["dlgrad-cpu"]?.streamGBs;
      const limit = c.gemmFlops ? `${lm.peakAll.toFixed(0)} GFLOP/s` : side ? `${side.toFixed(1)} GB/s (cpu: between its runs)` : `${lm.streamAll.toFixed(1)} GB/s`;
      return [c.label, c.gemmFlops ? "FMA" : "bandwidth", limit, ...ran.map((l) => {
        const f = fractionOfPeak(c, l, m);
        return f === null ? "" : `${(100 * f).toFixed(0)} %`;
      })];
    })));
  }
  const refs: { name: string; pick: (c: CellOut) => number | null }[] = [];
  if (libs.includes("torch-1t") || libs.includes("torch-2t")) refs.push({ name: "PyTorch (the faster of 1 and 2 threads)", pick: (c) => torchBest(c)?.ms ?? null });
  const dl: Lib | undefined = ran.includes("dlgrad-cpu") ? "dlgrad-cpu" : ran.includes("dlgrad-js") ? "dlgrad-js" : undefined;
  if (dl) refs.push({ name: dl, pick: (c) => (ok(c.results[dl]) ? c.results[dl]!.medianMs! : null) });
  for (const ref of refs) {
    out.push(`\nTime ÷ ${ref.name}'s time (below 1 = faster)\n`);
    out.push(table(["workload", ...ran], cells.map((c) => {
      const base = ref.pick(c);
      return [c.label, ...ran.map((l) => (base !== null && ok(c.results[l]) ? (c.results[l]!.medianMs! / base).toFixed(2) : ""))];
    })));
  }
  const notes: string[] = [];
  for (const l of libs) if (infos[l] && !infos[l]!.ready) notes.push(`${l}: not run: ${infos[l]!.skip}`);
  // a peer measured on a crippled setup (torch_bench.py names the reference BLAS) must not pass for its speed
  for (const l of libs) if (infos[l]?.version?.includes("REFERENCE BLAS")) notes.push(`${l}: ${infos[l]!.version}: its times are not PyTorch's usual speed`);
  for (const c of cells) for (const l of ran) {
    const r = c.results[l];
    if (r?.skip) notes.push(`${c.id} ${l}: skipped: ${r.skip}`);
    else if (r?.error) notes.push(`${c.id} ${l}: ${r.error}`);
    else if (r?.note) notes.push(`${c.id} ${l}: ${r.note}`);
  }
  if (notes.length) out.push("\nNotes\n\n" + notes.map((n) => `- ${n}`).join("\n"));
  if (ran.includes("dlgrad-cpu")) {
    out.push("\nPerformance goals of the dlgrad cpu backend, measured in this run (speed-up = the peer's time ÷ dlgrad-cpu's;\n" +
      "PyTorch = the faster of its 1- and 2-thread runs unless named)\n");
    out.push(table(["goal", "measured", "wanted", "met"], targets(cells, m).map((t) => [t.what, t.value, t.goal, t.met === null ? "n/a" : t.met ? "yes" : "NO"])));
  }
  return out.join("\n");
}

// ---- main -----------------------------------------------------------------------------------

/** In --quick, cells known to take far longer than the cap on a library are not started. */
const QUICK_SKIP: Partial<Record<Lib, string[]>> = {
  "dlgrad-js": ["W5.gpt-step"],
  "tfjs-cpu": ["W5.gpt-step"],
};

function machineLine(m: MachinePeak): string {
  return `this machine (${m.isa}): peak FMA ${m.peak1.toFixed(0)} GFLOP/s on 1 thread, ${m.peakAll.toFixed(0)} on ${m.threads}; ` +
    `STREAM add (median of 9 runs) ${m.stream1.toFixed(1)} GB/s on 1 thread, ${m.streamAll.toFixed(1)} on ${m.threads}`;
}

/** The medians as a Markdown table (for the README): ms, µs for tiny ops, GFLOP/s beside W1. */
function markdown(cells: CellOut[], libs: Lib[], machine: Record<string, unknown>): string {
  const head = `| workload | ${libs.join(" | ")} |\n|---|${libs.map(() => "---:").join("|")}|`;
  const peak = (machine.peak as MachinePeak | null | undefined) ?? null;
  const rows = cells.map((c) => {
    const vals = libs.map((l) => {
      const r = c.results[l];
      let t = fmtTime(r, c.unit);
      if (r?.gflops !== undefined) t += ` (${r.gflops.toFixed(r.gflops < 10 ? 1 : 0)})`;
      const f = fractionOfPeak(c, l, peak);
      return f === null ? t : `${t} [${(100 * f).toFixed(0)} %]`;
    });
    return `| ${c.flops ? `${c.label}, ms (GFLOP/s)` : `${c.label}, ${c.unit}`} | ${vals.join(" | ")} |`;
  });
  const load = (machine.load as number[] | undefined)?.join(" ") ?? "?";
  return `${head}\n${rows.join("\n")}\n\n${String(machine.cpu)}, node ${String(machine.node)}, load average ${load} at the start` +
    (peak ? `; ${machineLine(peak)}; [x %] = fraction of the limit measured in the run (FMA for GEMM-bound cells: the highest in the run; bandwidth for the others: beside the cell; see bench/run.ts's runPeak and higher)` : "") +
    `, first touch of fresh memory ${String(machine.firstTouchUsPerPage)} µs/page; * = fewer than 3 runs.`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.from) {
    const past = JSON.parse(fs.readFileSync(args.from, "utf8")) as { cells: CellOut[]; args: { libs: Lib[] }; machine: Record<string, unknown>; libraries: Partial<Record<Lib, Ready>> };
    const libs = past.args.libs.filter((l) => past.libraries[l]?.ready);
    const peak = (past.machine.peak as MachinePeak | undefined) ?? null;
    console.log(args.markdown ? markdown(past.cells, libs, past.machine) : report(past.cells, past.args.libs, past.libraries, peak));
    return;
  }
  const cells = CELLS.filter((c) => !args.only || args.only.includes(c.id) || args.only.includes(c.workload));
  const t0 = Date.now();
  const mnistFile = path.join(ROOT, "out", "bench-mnist.bin");
  if (cells.some((c) => c.id === "W4.mlp-step")) await writeMnistBatches(mnistFile);

  const cpus = os.cpus();
  const firstTouch = firstTouchUsPerPage();
  const machine = {
    cpu: `${cpus[0]?.model ?? "?"} × ${cpus.length}`,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAfter: [] as number[],
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    load: os.loadavg().map((x) => +x.toFixed(2)),
    firstTouchUsPerPage: +firstTouch.toFixed(2),
    nodeFlags: args.nodeFlags,
    peak: await measureMachine(),
  };
  console.log(`dlgrad bench${args.quick ? " (--quick)" : ""}: ${cells.length} cells × ${args.libs.length} libraries on ${machine.cpu}, node ${machine.node}, load ${machine.load.join(" ")}`);
  console.log(machine.peak ? machineLine(machine.peak) : "this machine's peak: not measured (the cpu addon did not load)");
  console.log(`first touch of fresh memory: ${machine.firstTouchUsPerPage} µs per 4 KiB page (what a new 64 MiB output costs beyond the arithmetic)`);
  if (args.nodeFlags.length) console.log(`Node workers run with ${args.nodeFlags.join(" ")}`);
  console.log(`per cell: ~${args.targetMs} ms of repetitions after warm-up, at most ${args.capMs / 1000} s\n`);

  const workers = new Map<Lib, Worker>(args.libs.map((l) => [l, new Worker(l, args.nodeFlags)]));
  const infos: Partial<Record<Lib, Ready>> = {};
  const out: CellOut[] = cells.map((c: Cell) => ({ id: c.id, label: c.label, unit: c.micro ? "µs" : "ms", flops: c.flops, gemmFlops: c.gemmFlops, bytes: c.bytes, results: {} }));
  process.on("SIGINT", () => {
    for (const w of workers.values()) w.kill();
    process.exit(130);
  });

  // the limits beside each GEMM- or bandwidth-bound cell (see higher): one measurement between two
  // such cells serves as the after of the first and the before of the second
  let last: { m: MachinePeak | null; ci: number } = { m: machine.peak, ci: -1 };
  for (const [ci, cell] of cells.entries()) {
    const row: string[] = [];
    const bound = !!(cell.gemmFlops || cell.bytes) && machine.peak !== null;
    const before = !bound ? null : last.ci === ci - 1 ? last.m : await measureMachine();
    for (const lib of args.libs) {
      const w = workers.get(lib)!;
      let res: RunResult & { timedOut?: boolean; gflops?: number };
      const info = await w.start();
      infos[lib] = info;
      if (!info.ready) continue;
      if (args.quick && QUICK_SKIP[lib]?.includes(cell.id)) {
        res = { id: 0, skip: "not run with --quick (one run takes well over the cap)" };
      } else if (cell.n && cell.n > 64 && predictTooSlow(out, cell, lib, args.capMs)) {
        res = { id: 0, skip: `predicted from the smaller size to take over ${args.capMs / 1000} s per run` };
      } else {
        const timeout = 3 * args.capMs + 60_000;
        res = await w.run({ cell: cell.id, targetMs: args.targetMs, capMs: args.capMs, warmup: cell.warmup ?? 1, minReps: args.quick ? Math.min(5, cell.minReps ?? 3) : cell.minReps ?? 3, mnist: mnistFile }, timeout);
      }
      if (res.medianMs !== undefined && cell.flops) res.gflops = cell.flops / res.medianMs / 1e6;
      delete (res as { id?: number }).id;
      out[ci].results[lib] = res;
      const unit = cell.micro ? "µs" : "ms";
      row.push(`${lib} ${fmtTime(res, unit)}${res.medianMs !== undefined ? (cell.micro ? " µs" : " ms") : ""}`);
    }
    if (bound) {
      const after = await measureMachine();
      if (before && after) out[ci].limit = higher(before, after);
      last = { m: after, ci };
    }
    console.log(`${cell.id.padEnd(16)} ${row.join(" | ")}`);
  }
  for (const w of workers.values()) w.close();
  runPeak(out, machine.peak);
  machine.loadAfter = os.loadavg().map((x) => +x.toFixed(2));

  console.log("\nlibraries:");
  for (const l of args.libs) console.log(`  ${l.padEnd(11)} ${infos[l]?.ready ? infos[l]!.version : `not run: ${infos[l]?.skip}`}`);
  console.log("\n" + report(out, args.libs, infos, machine.peak));
  if (args.markdown) console.log("\n" + markdown(out, args.libs.filter((l) => infos[l]?.ready), machine));
  const seconds = (Date.now() - t0) / 1000;
  console.log(`\n${seconds.toFixed(0)} s, load average at the end ${machine.loadAfter.join(" ")}; results in ${path.relative(process.cwd(), args.out) || args.out}`);

  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify({
    date: new Date().toISOString(),
    machine,
    args: { quick: args.quick, only: args.only, libs: args.libs, targetMs: args.targetMs, capMs: args.capMs },
    seconds,
    libraries: Object.fromEntries(args.libs.map((l) => [l, infos[l] ?? null])),
    cells: out,
    targets: args.libs.includes("dlgrad-cpu") && infos["dlgrad-cpu"]?.ready ? targets(out, machine.peak) : null,
  }, null, 2) + "\n");
}

/** µs per 4 KiB page to fault in fresh memory: a new 64 MiB array written twice, the difference (median of 3). */
function firstTouchUsPerPage(): number {
  const est: number[] = [];
  for (let r = 0; r < 3; r++) {
    const a = new Float32Array(1 << 24);
    let t = performance.now();
    a.fill(1);
    const first = performance.now() - t;
    t = performance.now();
    a.fill(2);
    est.push(((first - (performance.now() - t)) * 1000) / ((a.byteLength / 4096)));
  }
  return Math.max(0, median(est));
}

/** W1: a library whose previous size took t ms would take t·(n/n₀)³ here; skip when over the cap. */
function predictTooSlow(out: CellOut[], cell: Cell, lib: Lib, capMs: number): boolean {
  const prev = out.filter((c) => c.flops && c.flops < cell.flops! && ok(c.results[lib])).pop();
  if (!prev) return false;
  const predicted = prev.results[lib]!.medianMs! * (cell.flops! / prev.flops!);
  return predicted > capMs;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
