// Shared by the training-stack tests: the PyTorch fixtures of scripts/make_train_fixtures.py and tolerant comparisons.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor } from "../src/node.js";

export interface FT {
  data: number[];
  shape: number[];
  dtype?: "int32" | "float32" | "float64";
}

export interface LayerCase {
  name: string;
  layer: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  params: Record<string, FT>;
  inputs: FT[];
  g: FT;
  out: FT;
  weights?: FT;
  grads: Record<string, FT>;
  tol: [number, number];
}

export interface OptimCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: Record<string, any>;
  params0: FT[];
  grads: FT[][];
  params: FT[][];
  state: Record<string, FT>;
}

export interface SchedCase {
  name: string;
  scheduler: "StepLR" | "CosineAnnealingLR" | "LinearLR";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  lrs: number[][];
}

export interface ClipCase {
  name: string;
  maxNorm: number;
  normType: number | "Infinity";
  grads: FT[];
  total: number;
  clipped: FT[];
}

export interface TrainFixtures {
  torch: string;
  layers: LayerCase[];
  optim: OptimCase[];
  schedulers: SchedCase[];
  clip: ClipCase[];
  pyWritten: Record<string, FT & { stDtype: string }>;
}

export const FIXTURES = new URL("../../test/fixtures/", import.meta.url);

let cached: TrainFixtures | null = null;
export function loadTrain(): TrainFixtures {
  cached ??= JSON.parse(readFileSync(new URL("train.json", FIXTURES), "utf8")) as TrainFixtures;
  return cached;
}

/** A tensor from a fixture tensor (float32 unless it says otherwise). */
export function ft(f: FT, requiresGrad = false): Tensor {
  const dtype = f.dtype ?? "float32";
  const arr = dtype === "int32" ? Int32Array.from(f.data) : dtype === "float64" ? Float64Array.from(f.data) : Float32Array.from(f.data);
  return Tensor.from(arr, { shape: f.shape, dtype, requiresGrad });
}

/** A js copy of a tensor on any device (webgpu's read asynchronously), for assertClose; null stays null. */
export async function onHost(t: Tensor | null | undefined): Promise<Tensor | null> {
  return t ? t.detach().toAsync("js") : null;
}

/** |a − e| <= atol + rtol·|e| elementwise, with matching shapes; `what` names the comparison. */
export function assertClose(actual: Tensor | null, expected: FT, tol: [number, number], what: string): void {
  assert.ok(actual, `${what}: missing (null)`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  const [atol, rtol] = tol;
  let worst = -1, worstErr = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const err = Math.abs(a[i] - expected.data[i]) - (atol + rtol * Math.abs(expected.data[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${a[worst]}, expected ${expected.data[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Same for plain numbers. */
export function assertNear(actual: number, expected: number, tol: [number, number], what: string): void {
  const [atol, rtol] = tol;
  assert.ok(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected), `${what}: ${actual}, expected ${expected}`);
}
