// node dist/bench/wasm-ab.js A.wasm B.wasm [--n 1024] [--rounds 9] [--runs 3]: two builds of the wasm
// module (scripts/build-wasm.sh's output, e.g. the committed native/wasm/dlgrad.wasm against a
// rebuild with a change) timed on the same n x n product (sgemm through the module's `matmul` export,
// one thread, a reused output), alternating build by build in one process, so the host's load hits
// both alike: first in Node, then in headless Chromium (an isolated page, as `npm run bench:web`
// serves it), whose newer V8 compiles the module differently. Prints each build's median GFLOP/s and
// B's speed over A's, and says so when the two outputs' checksums differ.
// The wasm GEMM's changes were measured this way; on x86 bench/gemm-gpt.c does the same for the addon.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { launchChromium } from "../web/chromium.js";
import { startServer } from "../web/serve.js";

/** Times each module's n x n product (runs in Node and, as its source text, in the page). */
async function runAB(bufs: ArrayBuffer[], n: number, rounds: number): Promise<{ gflops: number[]; sums: number[] }> {
  const mods: { call: () => void; t: number[]; sum: number }[] = [];
  for (const buf of bufs) {
    const module = await WebAssembly.compile(buf);
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
    const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
    const bytes = n * n * 4;
    const o = ex.alloc(bytes), a = ex.alloc(bytes), b = ex.alloc(bytes);
    if (!o || !a || !b) throw new Error("wasm-ab: the module could not allocate the operands");
    const f = new Float32Array(memory.buffer);
    for (let i = 0; i < n * n; i++) {
      f[(a >> 2) + i] = ((i * 7919) % 1000) / 1000 - 0.5;
      f[(b >> 2) + i] = ((i * 104729) % 997) / 997 - 0.5;
    }
    const call = () => {
      // glue.c's calling convention: each view's nd, shape, offset, strides in the meta block
      const m = new Float64Array(memory.buffer, ex.meta(), 18);
      for (let v = 0, k = 0; v < 3; v++) for (const x of [2, n, n, 0, n, 1]) m[k++] = x;
      if (ex.matmul(o, a, b, 0) !== 0) throw new Error("wasm-ab: matmul failed");
    };
    for (let w = 0; w < 6; w++) call(); // warm-up: the tier-up to optimised code happens here
    const out = new Float32Array(memory.buffer, o, n * n);
    let sum = 0;
    for (let i = 0; i < n * n; i++) sum += out[i] * ((i % 13) + 1);
    mods.push({ call, t: [], sum });
  }
  const reps = Math.max(1, Math.round(8e9 / (2 * n ** 3)));
  for (let r = 0; r < rounds; r++) {
    for (const m of r % 2 ? [...mods].reverse() : mods) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) m.call();
      m.t.push((performance.now() - t0) / reps);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  return { gflops: mods.map((m) => (2 * n ** 3) / median(m.t) / 1e6), sums: mods.map((m) => m.sum) };
}

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  const v = i < 0 ? def : Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`wasm-ab: ${name} must be a positive integer, got ${args[i + 1]}`);
  return v;
};
if (files.length !== 2 || !files.every((f) => fs.existsSync(f))) {
  throw new Error("usage: node dist/bench/wasm-ab.js A.wasm B.wasm [--n 1024] [--rounds 9] [--runs 3] (both files must exist)");
}
const n = opt("--n", 1024), rounds = opt("--rounds", 9), runs = opt("--runs", 3);
const show = (where: string, r: { gflops: number[]; sums: number[] }) =>
  console.log(`${where}: A ${r.gflops[0].toFixed(1)}, B ${r.gflops[1].toFixed(1)} GFLOP/s, B/A ${(r.gflops[1] / r.gflops[0]).toFixed(3)}` +
    `${r.sums[0] === r.sums[1] ? "" : `  (outputs differ: checksums ${r.sums[0]} and ${r.sums[1]})`}; load ${os.loadavg()[0].toFixed(2)}`);
const bufs = files.map((f) => new Uint8Array(fs.readFileSync(f)).slice().buffer);
for (let i = 0; i < runs; i++) show(`node ${process.version}`, await runAB(bufs, n, rounds));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-wasm-ab-"));
files.forEach((f, i) => fs.copyFileSync(f, path.join(dir, `${i}.wasm`)));
fs.writeFileSync(path.join(dir, "index.html"), `<script>window.runAB = ${runAB.toString()};</script>`);
const server = await startServer(dir);
const chromium = await launchChromium();
try {
  const page = await chromium.browser.newPage();
  await page.goto(server.url);
  for (let i = 0; i < runs; i++) {
    const r = await page.evaluate(async (n: number, rounds: number) => {
      const bufs = await Promise.all(["0.wasm", "1.wasm"].map((f) => fetch(f).then((x) => x.arrayBuffer())));
      return (window as unknown as { runAB: typeof runAB }).runAB(bufs, n, rounds);
    }, n, rounds);
    show(`chromium (isolated: ${await page.evaluate(() => crossOriginIsolated)})`, r);
  }
} finally {
  await chromium.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
