// npm run stress:save: several worker threads save to one path while others load it. Every save
// must succeed and every load must see one complete file, old or new, never a mix or a truncated
// one (save writes a temporary file of a name unique to the call, fsyncs it and renames it over
// the path). test/safetensors.test.ts runs a few rounds of this; the script runs 1,000.
//
//   npm run stress:save -- [--rounds 1000] [--writers 3] [--readers 2]
//
// Exit code 1 on any failure.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { Tensor, load, loadMetadata, save, setDefaultDevice } from "../src/node.js";

interface Job {
  role: "writer" | "reader";
  id: number;
  file: string;
  rounds: number;
  /** Set to 1 by the main thread when every writer is done. */
  done: SharedArrayBuffer;
}

export interface StressResult {
  saves: number;
  reads: number;
  seconds: number;
  /** What went wrong (the first few per thread); empty when all is well. */
  failures: string[];
  /** Temporary files left in the directory after the run. */
  leftovers: string[];
}

// Writer i's round r: `w` holds n copies of value(i, r), `check` holds [i, r, n]; sizes differ by
// round, so a file mixed from two saves or cut short fails to parse or fails the check.
const value = (i: number, r: number) => i * 100_000 + r + 0.5;
const size = (i: number, r: number) => 16_384 + ((i * 7_919 + r * 104_729) % 16_384);

function stateDict(i: number, r: number): Record<string, Tensor> {
  const n = size(i, r);
  return {
    w: Tensor.full([n], value(i, r)),
    check: Tensor.from(Int32Array.from([i, r, n]), { shape: [3], dtype: "int32" }),
  };
}

/** Throws unless the file at `file` is one complete save. */
function verify(file: string): void {
  const sd = load(file);
  const keys = Object.keys(sd).join(",");
  if (keys !== "check,w") throw new Error(`tensors ${keys}, expected check,w`);
  const [i, r, n] = sd.check.toTypedArray();
  if (sd.w.shape.length !== 1 || sd.w.shape[0] !== n) throw new Error(`w has shape [${sd.w.shape}], check says [${n}]`);
  const w = sd.w.toTypedArray();
  for (let k = 0; k < n; k++) if (w[k] !== value(i, r)) throw new Error(`w[${k}] = ${w[k]}, expected ${value(i, r)} (writer ${i}, round ${r})`);
  const meta = loadMetadata(file);
  if (!/^-?\d+$/.test(meta.writer ?? "") || !/^\d+$/.test(meta.round ?? "")) throw new Error(`metadata ${JSON.stringify(meta)}`);
}

function work(job: Job): { count: number; failures: string[] } {
  setDefaultDevice("js"); // the file is the subject here; no kernel thread pools per worker
  const done = new Int32Array(job.done);
  const failures: string[] = [];
  let count = 0;
  const attempt = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (failures.length < 5) failures.push(`${job.role} ${job.id}: ${(e as Error).message}`);
    }
  };
  if (job.role === "writer") {
    for (let r = 0; r < job.rounds; r++, count++) {
      attempt(() => save(stateDict(job.id, r), job.file, { metadata: { writer: String(job.id), round: String(r) } }));
    }
  } else {
    while (Atomics.load(done, 0) === 0) {
      attempt(() => verify(job.file));
      count++;
    }
  }
  return { count, failures };
}

function runWorker(job: Job): Promise<{ count: number; failures: string[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => code !== 0 && reject(new Error(`${job.role} ${job.id} exited with code ${code}`)));
  });
}

/** `writers` threads save `rounds` times each to one file while `readers` threads load it. */
export async function saveStress(opts: { rounds: number; writers: number; readers: number }): Promise<StressResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-save-stress-"));
  try {
    const file = path.join(dir, "shared.safetensors");
    save(stateDict(-1, 0), file, { metadata: { writer: "-1", round: "0" } }); // readers start on a complete file
    const done = new SharedArrayBuffer(4);
    const t0 = performance.now();
    const job = (role: Job["role"], id: number) => runWorker({ role, id, file, rounds: opts.rounds, done });
    const readers = Array.from({ length: opts.readers }, (_, i) => job("reader", i));
    const writers = await Promise.all(Array.from({ length: opts.writers }, (_, i) => job("writer", i)));
    Atomics.store(new Int32Array(done), 0, 1);
    const read = await Promise.all(readers);
    const seconds = (performance.now() - t0) / 1000;
    const failures = [...writers, ...read].flatMap((r) => r.failures);
    try {
      verify(file);
    } catch (e) {
      failures.push(`the final file: ${(e as Error).message}`);
    }
    return {
      saves: writers.reduce((n, r) => n + r.count, 0),
      reads: read.reduce((n, r) => n + r.count, 0),
      seconds,
      failures,
      leftovers: fs.readdirSync(dir).filter((f) => f !== "shared.safetensors"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread && (workerData as Job | undefined)?.role) {
  parentPort!.postMessage(work(workerData as Job));
} else if (isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flags: Record<string, number> = { rounds: 1000, writers: 3, readers: 2 };
  const argv = process.argv.slice(2);
  for (let k = 0; k < argv.length; k += 2) {
    const name = argv[k].replace(/^--/, "");
    const n = Number(argv[k + 1]);
    if (!(name in flags) || !Number.isInteger(n) || n < 1) {
      console.error(`save-stress: bad flag ${argv[k]} ${argv[k + 1] ?? ""}\nusage: npm run stress:save -- [--rounds 1000] [--writers 3] [--readers 2]`);
      process.exit(2);
    }
    flags[name] = n;
  }
  const r = await saveStress({ rounds: flags.rounds, writers: flags.writers, readers: flags.readers });
  console.log(
    `save-stress: ${flags.writers} writers × ${flags.rounds} rounds = ${r.saves} saves and ${r.reads} loads by ${flags.readers} readers ` +
      `in ${r.seconds.toFixed(1)} s; ${r.failures.length} failures, ${r.leftovers.length} temporary files left`,
  );
  for (const f of [...r.failures, ...r.leftovers.map((l) => `left behind: ${l}`)]) console.log(`  ${f}`);
  process.exit(r.failures.length || r.leftovers.length ? 1 : 0);
}
