// Shared by the bench driver (run.ts) and its JavaScript workers (worker.ts): the cells, the
// timing loop, the worker protocol. bench/torch_bench.py mirrors the timing loop and protocol.

/** One measured cell: a workload at one size. */
export interface Cell {
  /** "W1.matmul.1024" */
  id: string;
  workload: "W1" | "W2" | "W3" | "W4" | "W5";
  label: string;
  /** Floating-point operations per run, for GFLOP/s (W1 only). */
  flops?: number;
  /** GEMM-bound: the multiply-add work per run (2 FLOPs each), for the fraction of the machine's peak. */
  gemmFlops?: number;
  /** Bandwidth-bound: the bytes one run must move at least, for the fraction of streaming bandwidth. */
  bytes?: number;
  /** Print in µs rather than ms. */
  micro?: boolean;
  /** Matrix size for W1. */
  n?: number;
  /** Warm-up runs (default 1, 2 for fast cells) and the fewest timed runs (default 3), cap allowing. */
  warmup?: number;
  minReps?: number;
}

/** GPT hyper-parameters of W5. */
export const GPT = { vocab: 65, ctx: 128, layers: 6, heads: 4, width: 128, batch: 16, lr: 1e-4 } as const;

/** W5's matmul work per training step: forward per token and layer 12·C² multiply-adds in the
 *  projections and MLP and 2·T·C in attention's two products (dense, as the hand-written model
 *  computes them), C·V in the head; backward twice the forward. */
function gptStepFlops(g: typeof GPT): number {
  const { width: c, ctx: t, layers: l, vocab: v, batch: b } = g;
  return 3 * 2 * b * t * (l * (12 * c * c + 2 * t * c) + c * v);
}

const N4096 = 4096 * 4096;
export const CELLS: Cell[] = [
  // The big squares drop a 4 or 16 MiB output per run, and V8 collects dead outputs only after about
  // 64 MB of them: the first ~18 (1024²) or ~6 (2048²) runs of a process each get fresh memory
  // (first touch: +1 to +50 ms per 16 MiB on the development VM), a sixth to a third of the timed
  // runs. Warmed up past that, like W2 below, the runs time the steady state of the loop.
  ...[64, 256, 1024, 2048].map((n): Cell => ({
    id: `W1.matmul.${n}`, workload: "W1", label: `matmul ${n}²`, flops: 2 * n ** 3, gemmFlops: 2 * n ** 3, n,
    ...(n >= 1024 ? { warmup: Math.ceil((96 << 20) / (4 * n * n)) + 2 } : {}),
  })),
  // Steady state of a loop that drops each output: a library that recycles freed blocks (dlgrad's
  // pool returns a block when V8 collects its tensor) only shows that after a few runs.
  { id: "W2.add", workload: "W2", label: "add 4096² (new output)", warmup: 8, minReps: 10, bytes: 12 * N4096 },
  { id: "W2.exp", workload: "W2", label: "exp 4096² (new output)", warmup: 8, minReps: 10, bytes: 8 * N4096 },
  { id: "W3.sum", workload: "W3", label: "sum() 4096²", bytes: 4 * N4096 },
  { id: "W3.sum-1", workload: "W3", label: "sum(-1) 4096²", bytes: 4 * N4096 },
  { id: "W4.mlp-step", workload: "W4", label: "MNIST MLP train step" },
  { id: "W4.tiny-add", workload: "W4", label: "tiny add 2×3", micro: true },
  { id: "W4.tiny-fwdbwd", workload: "W4", label: "tiny mul.sum.backward 2×3", micro: true },
  // W5 is timed in its steady state, as a training run spends its time: its first steps map the
  // memory a step needs (a few hundred MB, ~2 ms per MiB on the development VM) and its pool fills
  { id: "W5.gpt-step", workload: "W5", label: "GPT train step", gemmFlops: gptStepFlops(GPT), warmup: 6, minReps: 8 },
  // the same model with F.scaledDotProductAttention (causal) instead of matmul, maskedFill,
  // softmax, matmul: what examples/gpt.ts runs. Only dlgrad has a fused attention to run here
  // (PyTorch 1.13 has none; compare with its W5.gpt-step, the same model)
  { id: "W5.gpt-step-sdpa", workload: "W5", label: "GPT train step, fused attention", gemmFlops: gptStepFlops(GPT), warmup: 6, minReps: 8 },
];

/** The MNIST batches every library trains on (written by run.ts from dlgrad's data.mnist()). */
export const MNIST_BATCHES = 16;
export const MNIST_BATCH = 128;

/** What the driver asks a worker to do. */
export interface RunRequest {
  id: number;
  cell: string;
  /** Aim for about this much measured time (after warm-up). */
  targetMs: number;
  /** Give up on more repetitions past this; one run longer than this is reported alone. */
  capMs: number;
  /** Warm-up runs and the fewest timed runs (both within capMs). */
  warmup: number;
  minReps: number;
  /** Path of the MNIST batch file. */
  mnist: string;
}

/** What a worker answers. `skip` is a reason the cell cannot run on that library. */
export interface RunResult {
  id: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  reps?: number;
  note?: string;
  skip?: string;
  error?: string;
  /** Bandwidth-bound cells where the library can measure it: STREAM-add GB/s on the same threads,
   *  one run after each timed run (untimed), the median: the cell's bandwidth limit side by side. */
  streamGBs?: number;
}

/** Protocol lines from workers start with this; anything else on their stdout is just printed. */
export const TAG = "@@bench ";

export interface Measured {
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  note?: string;
  streamGBs?: number;
}

/** Cells whose run takes less than this (ms, after the first runs) get measure()'s JIT warm-up. */
const WARM_MS = 50;

/**
 * Wraps the methods `names` of obj (a backend, or its fused kernels) with a timer: while on()
 * holds, every call reports its method, arguments and start and end times (performance.now()).
 * The one instrument of the profilers (bench/profile-gpt.ts, bench/profile-mlp.ts).
 */
export function timeCalls(
  obj: Record<string, unknown>, names: readonly string[], on: () => boolean,
  report: (name: string, args: unknown[], t0: number, t1: number) => void,
): void {
  for (const name of names) {
    const fn = obj[name];
    if (typeof fn !== "function") continue;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      if (!on()) return fn.apply(this, args);
      const t0 = performance.now();
      const r = fn.apply(this, args);
      report(name, args, t0, performance.now());
      return r;
    };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `fn` (one run of the workload, finished when it returns or its promise settles): `warmup`
 * warm-up runs (a second one for fast cells), then enough repetitions for about `targetMs`, at
 * least `minReps` and at most 500 samples, all within `capMs`. Runs shorter than WARM_MS are
 * warmed up for ~300 ms more, and runs far shorter than 1 ms are batched so each sample is ~1 ms.
 * A first run longer than the cap is reported alone (noted); after a shorter one, at least one
 * timed run follows even past the cap.
 */
export async function measure(
  fn: () => unknown, opts: { targetMs: number; capMs: number; warmup?: number; minReps?: number },
  now: () => number = () => performance.now(),
  stream?: () => number,
): Promise<Measured> {
  const { targetMs, capMs } = opts;
  const start = now();
  const timeOnce = async (): Promise<number> => {
    const t0 = now();
    const r = fn();
    if (r instanceof Promise) await r;
    return now() - t0;
  };
  let w = await timeOnce();
  if (w > capMs) return { medianMs: w, minMs: w, maxMs: w, reps: 1, note: "one run, warm-up included (slow)" };
  for (let i = 1; i < (opts.warmup ?? 1) && now() - start < capMs / 3; i++) w = await timeOnce();
  if (w < targetMs / 4) w = Math.min(w, await timeOnce());
  if (w < WARM_MS) {
    // a JIT compiles a hot function after thousands of calls, not after one or two: run fast cells
    // for ~300 ms first (hundreds to 30,000+ calls) so that every JavaScript library is timed in
    // its steady state, as a long training loop runs (the W4 MLP step took ~1 ms on its second
    // call and ~0.3 ms after a few hundred: timed from the second call, its median was mostly JIT
    // warm-up and the first touch of fresh memory)
    const warm = now();
    while (now() - warm < Math.min(300, capMs / 6)) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    if (w >= 1) w = await timeOnce();
  }
  // Batch tiny runs: `inner` calls per sample.
  let inner = 1;
  if (w < 1) {
    const t0 = now();
    let k = 0;
    while (now() - t0 < 5) {
      const r = fn();
      if (r instanceof Promise) await r;
      k++;
    }
    w = (now() - t0) / k;
    inner = Math.max(1, Math.ceil(1 / Math.max(w, 1e-6)));
  }
  const per = w * inner;
  const left = capMs - (now() - start);
  let reps = Math.round(targetMs / per);
  reps = Math.max(opts.minReps ?? 3, Math.min(500, reps));
  reps = Math.max(1, Math.min(reps, Math.floor(left / per)));
  const samples: number[] = [], streams: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    for (let i = 0; i < inner; i++) {
      const x = fn();
      if (x instanceof Promise) await x;
    }
    samples.push((now() - t0) / inner);
    if (stream) streams.push(stream());
    if (now() - start > capMs) break;
  }
  return {
    streamGBs: stream ? median(streams) : undefined,
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    reps: samples.length,
    note: samples.length < 3 ? `${samples.length} rep${samples.length > 1 ? "s" : ""} (slow)` : undefined,
  };
}

/** Reads the MNIST batch file: [MNIST_BATCHES, 128, 784] float32 pixels then [MNIST_BATCHES, 128] int32 labels. */
export function parseMnistBatches(buf: Uint8Array): { images: Float32Array; labels: Int32Array } {
  const nImg = MNIST_BATCHES * MNIST_BATCH * 784, nLab = MNIST_BATCHES * MNIST_BATCH;
  if (buf.byteLength !== 4 * (nImg + nLab)) throw new Error(`mnist batch file: expected ${4 * (nImg + nLab)} bytes, got ${buf.byteLength}`);
  const copy = new Uint8Array(buf).buffer; // aligned
  return { images: new Float32Array(copy, 0, nImg), labels: new Int32Array(copy, 4 * nImg, nLab) };
}

/** A small deterministic generator (mulberry32) for data every JS library shares. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard-normal floats (Box–Muller) from `rng`. */
export function randn(n: number, r: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r(), v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * The W4 training data every library shares: MNIST_BATCHES batches of MNIST_BATCH digits drawn
 * (seeded shuffle) from the training images [N·784] and labels [N] of dlgrad's data.mnist().
 */
export function mnistBatches(images: Float32Array, labels: Int32Array): { images: Float32Array; labels: Int32Array } {
  const n = labels.length, r = rng(42);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const total = MNIST_BATCHES * MNIST_BATCH;
  const img = new Float32Array(total * 784), lab = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    img.set(images.subarray(perm[k] * 784, (perm[k] + 1) * 784), k * 784);
    lab[k] = labels[perm[k]];
  }
  return { images: img, labels: lab };
}

/** One training step of `model` on batch k of (xs, ys) with crossEntropy and `opt`, timed by phase
 *  (forward with the loss, backward, optimizer step, reading the loss, and the whole step): the
 *  step the profile scripts (bench/profile-mlp.ts, bench/profile-cnn.ts) time and break down. */
export function phasedSteps<X, Y, T extends { crossEntropy(y: Y): { backward(): void; item(): number } }>(
  model: { forward(x: X): T }, opt: { zeroGrad(): void; step(): void }, xs: X[], ys: Y[],
): { phases: string[]; times: number[][]; step(): void } {
  const phases = ["forward+loss", "backward", "optimizer", "item", "step"];
  const times = phases.map(() => [] as number[]);
  let k = 0;
  return {
    phases,
    times,
    step(): void {
      const i = k++ % xs.length;
      const t0 = performance.now();
      opt.zeroGrad();
      const loss = model.forward(xs[i]).crossEntropy(ys[i]);
      const t1 = performance.now();
      loss.backward();
      const t2 = performance.now();
      opt.step();
      const t3 = performance.now();
      loss.item();
      const t4 = performance.now();
      [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0].forEach((t, j) => times[j].push(t));
    },
  };
}
