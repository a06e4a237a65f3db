// npm run bench:web: W1 (matmul 256², 1024²) and W4 (MNIST MLP step) in headless Chromium, dlgrad
// `wasm` against TensorFlow.js `wasm` in the same page session (web/bench.ts), twice: a page that is
// not cross-origin isolated (one thread each) and an isolated one (threads allowed). Prints a table
// (with, for the one-thread page, each library's GFLOP/s as a fraction of the rate of dlgrad's GEMM
// kernel on L1-resident panels: what SIMD128 multiplies and adds allow) and writes out/bench-web.json. Flags: --target-ms N (measured time per cell, library and round;
// default 500), --rounds N (default 3), --only isolated|single.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildWeb, ROOT } from "../web/build.js";
import { startServer } from "../web/serve.js";
import { chromiumMissing, launchChromium } from "../web/chromium.js";
import type { BenchOptions, WebCell, WebResult } from "../web/bench.js";

function parseArgs(argv: string[]): { opts: BenchOptions; modes: ("single" | "isolated")[] } {
  const opts: BenchOptions = {};
  let modes: ("single" | "isolated")[] = ["single", "isolated"];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const int = (name: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`bench:web: ${name} must be a positive integer, got ${v}`);
      i++;
      return n;
    };
    if (a === "--target-ms") opts.targetMs = int(a);
    else if (a === "--rounds") opts.rounds = int(a);
    else if (a === "--only" && (v === "single" || v === "isolated")) modes = [v], i++;
    else if (a === "--help") {
      console.log("npm run bench:web [-- --target-ms 500] [--rounds 3] [--only single|isolated]");
      process.exit(0);
    } else throw new Error(`bench:web: unknown argument ${a} (--help lists them)`);
  }
  return { opts, modes };
}

function table(runs: { mode: string; isolated: boolean; results: WebResult[]; ceiling: number | null }[], cells: WebCell[]): string {
  const libs = [...new Set(runs.flatMap((r) => r.results.map((x) => x.lib)))];
  const cols = runs.flatMap((r) => libs.map((lib) => ({ run: r, lib, head: `${lib} (${r.isolated ? "isolated" : "1 thread"})` })));
  const rows = cells.map((cell) => [cell.label, ...cols.map(({ run, lib }) => {
    const r = run.results.find((x) => x.lib === lib && x.cell === cell.id);
    if (!r || r.medianMs === undefined) return "skip";
    return cell.flops ? `${r.medianMs.toFixed(2)} (${(cell.flops / r.medianMs / 1e6).toFixed(1)})` : r.medianMs.toFixed(2);
  })]);
  // dlgrad ÷ tfjs per mode: step-time ratio (lower is better for dlgrad)
  for (const run of runs) {
    for (const cell of cells) {
      const d = run.results.find((x) => x.lib === "dlgrad-wasm" && x.cell === cell.id)?.medianMs;
      const t = run.results.find((x) => x.lib === "tfjs-wasm" && x.cell === cell.id)?.medianMs;
      if (d !== undefined && t !== undefined) {
        const label = cell.flops ? `dlgrad/tfjs GFLOP/s, ${cell.label}` : `dlgrad/tfjs time, ${cell.label}`;
        const row = rows.find((r) => r[0] === label) ?? (rows.push([label, ...cols.map(() => "")]), rows.at(-1)!);
        const i = cols.findIndex((c) => c.run === run && c.lib === "dlgrad-wasm");
        row[i + 1] = (cell.flops ? t / d : d / t).toFixed(2) + "×";
      }
    }
  }
  // one thread (the page that is not isolated): each library's GFLOP/s as a fraction of the ceiling
  for (const run of runs) {
    if (run.isolated || !run.ceiling) continue;
    for (const cell of cells) {
      if (!cell.flops) continue;
      const label = `fraction of the SIMD128 ceiling (${run.ceiling.toFixed(1)} GFLOP/s), ${cell.label}`;
      const row = [label, ...cols.map(() => "")];
      for (const [i, c] of cols.entries()) {
        const r = c.run === run ? run.results.find((x) => x.lib === c.lib && x.cell === cell.id) : undefined;
        if (r?.medianMs !== undefined) row[i + 1] = `${((100 * cell.flops) / r.medianMs / 1e6 / run.ceiling).toFixed(0)} %`;
      }
      rows.push(row);
    }
  }
  const head = ["workload (ms; GFLOP/s)", ...cols.map((c) => c.head)];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i ? c.padStart(width[i]) : c.padEnd(width[i]))).join("  ");
  return [line(head), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const { opts, modes } = parseArgs(process.argv.slice(2));
const missing = chromiumMissing();
if (missing) {
  console.error(`bench:web: ${missing}`);
  process.exit(1);
}
await buildWeb();
const server = await startServer();
const chromium = await launchChromium();
const browserVersion = (await chromium.browser.version()).replace("HeadlessChrome", "Chromium");
const runs: { mode: string; isolated: boolean; version: Record<string, string>; results: WebResult[]; ceiling: number | null }[] = [];
let cells: WebCell[] = [];
try {
  for (const mode of modes) {
    const page = await chromium.browser.newPage();
    page.on("console", (m) => console.log(`  [page] ${m.text()}`));
    page.on("pageerror", (e) => console.log(`  [page error] ${(e as Error).message ?? e}`));
    await page.goto(`${server.url}bench.html${mode === "single" ? "?isolate=0" : ""}`);
    await page.waitForFunction(() => "dlgradBench" in window, { timeout: 30_000 });
    console.log(`${mode === "single" ? "not isolated (one thread)" : "cross-origin isolated"}:`);
    await page.exposeFunction("benchLog", (line: string) => console.log(`  ${line}`));
    const run = await page.evaluate(async (o) => {
      const w = window as unknown as {
        dlgradBench: { run: typeof import("../web/bench.js").runBench; cells: WebCell[] };
        benchLog: (s: string) => void;
      };
      return { ...(await w.dlgradBench.run(o, (s) => void w.benchLog(s))), cells: w.dlgradBench.cells };
    }, opts as Record<string, unknown>);
    cells = run.cells;
    const version = Object.fromEntries(run.results.map((r) => [r.lib, r.version]));
    runs.push({ mode, isolated: run.isolated, version, results: run.results, ceiling: run.ceiling });
    await page.close();
  }
} finally {
  await chromium.close();
  await server.close();
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`\n${table(runs, cells)}\n`);
console.log(`medians of ${opts.rounds ?? 3} rounds; ${cpu} × ${os.cpus().length}, ${browserVersion} headless; ` +
  runs.map((r) => `${r.mode}: ` + Object.entries(r.version).map(([k, v]) => `${k} ${v || "(skipped)"}`).join(", ")).join("; "));
const file = path.join(ROOT, "out", "bench-web.json");
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu, cores: os.cpus().length, loadavg: os.loadavg(), browser: browserVersion, options: opts, runs }, null, 2));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
