// npm run soak: trains the MNIST MLP of W4 (784→64 ReLU→10, Adam lr 1e-3, batch 128, shuffled
// DataLoader over the bundled digits) for 20,000 steps and reports the process's resident memory
// at the start, every 1,000 steps and at the end. Steady-state training must allocate nothing that
// stays: RSS should be flat after the first few hundred steps. Not part of CI.
//
//   npm run soak -- [--steps 20000] [--every 1000] [--device cpu|js] [--tolerance-mb 32]
//
// Exit code 1 when RSS at the end exceeds RSS after the first report by more than the tolerance.
// --device webgpu also reports the bytes the GPU pool holds (webgpu.memoryStats) and fails when
// they grow; the loop then awaits the loss every step, as a GPU training loop does.
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { Tensor, nn, optim, data, setDefaultDevice, availableDevices, initDevice, webgpu } from "../src/node.js";

interface Args { steps: number; every: number; device: string | null; toleranceMb: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { steps: 20_000, every: 1_000, device: null, toleranceMb: 32 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2) as [string, string | undefined];
    const val = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--steps": a.steps = int(val(), flag); break;
      case "--every": a.every = int(val(), flag); break;
      case "--device": a.device = val(); break;
      case "--tolerance-mb": a.toleranceMb = Number(val()); break;
      case "-h": case "--help":
        console.log("usage: npm run soak -- [--steps 20000] [--every 1000] [--device cpu|js|webgpu] [--tolerance-mb 32]");
        process.exit(0);
      default: fail(`unknown flag ${flag}`);
    }
  }
  return a;
}

function fail(msg: string): never {
  console.error(`soak: ${msg}`);
  process.exit(2);
}

function int(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) fail(`${flag} must be a positive integer, got ${s}`);
  return n;
}

const MB = 2 ** 20;
const mb = (b: number) => (b / MB).toFixed(1).padStart(7);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // The "cpu" device registers when src/backend/native.ts loads (see bench/libs/dlgrad.ts).
  await import(new URL("../src/backend/native.js", import.meta.url).href).catch(() => null);
  const device = args.device ?? (availableDevices().includes("cpu") ? "cpu" : "js");
  const gpu = device === "webgpu";
  if (gpu) console.log(`webgpu adapter: ${(await initDevice("webgpu"))!.name}`);
  setDefaultDevice(device);

  const { trainImages, trainLabels } = data.mnist();
  const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: 128, shuffle: true, dropLast: true, seed: 1 });
  const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });

  // A full GC before each reading, so RSS shows what is still held rather than when V8 last collected.
  v8.setFlagsFromString("--expose-gc");
  const gc = (globalThis as { gc?: () => void }).gc ?? (vm.runInNewContext("gc") as (() => void) | undefined);
  const rows: { step: number; rss: number; heap: number; external: number; ms: number; gpu: number }[] = [];
  const t0 = performance.now();
  let tLast = t0, stepLast = 0;
  const sample = async (step: number, loss: number | null) => {
    gc?.();
    // GPU slots go back to the pool in FinalizationRegistry callbacks, which run as tasks after a GC
    if (gpu) await new Promise((r) => setTimeout(r, 20));
    const m = process.memoryUsage();
    const now = performance.now();
    const msPerStep = step > stepLast ? (now - tLast) / (step - stepLast) : 0;
    const g = gpu ? webgpu.memoryStats() : null;
    rows.push({ step, rss: m.rss, heap: m.heapUsed, external: m.external, ms: msPerStep, gpu: g?.reservedBytes ?? 0 });
    console.log(
      `${String(step).padStart(6)}  rss ${mb(m.rss)} MB  heap ${mb(m.heapUsed)} MB  external ${mb(m.external)} MB` +
      `${g ? `  gpu allocated ${mb(g.allocatedBytes)} MB reserved ${mb(g.reservedBytes)} MB` : ""}` +
      `${step ? `  ${msPerStep.toFixed(2).padStart(6)} ms/step` : ""}${loss !== null ? `  loss ${loss.toFixed(4)}` : ""}`,
    );
    tLast = now;
    stepLast = step;
  };

  console.log(`soak: ${args.steps} MNIST MLP steps on dlgrad "${device}", batch 128, Adam lr 1e-3, a full GC before each reading`);
  await sample(0, null);
  let step = 0, loss = 0;
  outer: for (;;) {
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const l: Tensor = model.forward(x).crossEntropy(y);
      l.backward();
      opt.step();
      step++;
      if (gpu) loss = await l.itemAsync();
      if (step % args.every === 0 || step === args.steps) {
        loss = await l.itemAsync();
        await sample(step, loss);
      }
      if (step >= args.steps) break outer;
    }
  }

  const first = rows[0], base = rows.length > 2 ? rows[1] : rows[0], last = rows[rows.length - 1];
  const peak = rows.reduce((a, r) => (r.rss > a.rss ? r : a));
  const growth = (last.rss - base.rss) / MB;
  const flat = growth <= args.toleranceMb;
  console.log(
    `\nrss: start ${mb(first.rss).trim()} MB, after ${base.step} steps ${mb(base.rss).trim()} MB, end ${mb(last.rss).trim()} MB, ` +
    `peak ${mb(peak.rss).trim()} MB at step ${peak.step}; growth after step ${base.step}: ${growth.toFixed(1)} MB ` +
    `(${flat ? "flat" : "NOT FLAT"}, tolerance ${args.toleranceMb} MB); ${((performance.now() - t0) / 1000).toFixed(1)} s, final loss ${loss.toFixed(4)}`,
  );
  if (!flat) process.exitCode = 1;
  if (gpu) {
    // the pool grows until it covers the garbage that accumulates between two collections (V8
    // decides when): flat means no growth over the second half of the run
    const mid = rows[Math.floor(rows.length / 2)];
    const gpuGrowth = (last.gpu - mid.gpu) / MB;
    console.log(`gpu pool: ${mb(mid.gpu).trim()} MB reserved after ${mid.step} steps, ${mb(last.gpu).trim()} MB at the end (${gpuGrowth <= 0 ? "flat" : `grew ${gpuGrowth.toFixed(1)} MB`})`);
    if (gpuGrowth > 0) process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
