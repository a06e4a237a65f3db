// Shared by the op tests: reading the PyTorch fixtures and comparing tensors with tolerances.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor } from "../src/node.js";

export type Num = number | string; // NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity"

export interface FTensor {
  data: Num[];
  shape: number[];
  dtype?: "float32" | "int32";
}

export interface FInput extends FTensor {
  name: string;
  dtype: "float32" | "int32";
  layout: "contiguous" | "transposed" | "sliced" | "expanded";
  grad: boolean;
  slice?: (number | null | (number | null)[])[];
  expand?: number[];
}

export interface FCase {
  name: string;
  family: string;
  op: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  inputs: FInput[];
  outs: FTensor[];
  gs: (FTensor | null)[];
  grads: (FTensor | null)[];
  tol: [number, number];
  second?: { hs: (FTensor | null)[]; grads2: (FTensor | null)[] };
}

export interface Fixtures {
  version: number;
  torch: string;
  cases: FCase[];
}

/** Decode a fixture number: the strings "NaN", "Infinity" and "-Infinity" stand for themselves. */
export function num(v: Num): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw new Error(`fixture: bad number ${JSON.stringify(v)}`);
}

/** Replace the special-number strings in an args object by numbers, everything else unchanged. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function decodeArgs(v: any): any {
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return num(v);
  if (Array.isArray(v)) return v.map(decodeArgs);
  if (v !== null && typeof v === "object") {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const o: Record<string, any> = {};
    for (const [k, x] of Object.entries(v)) o[k] = decodeArgs(x);
    return o;
  }
  return v;
}

export function loadFixtures(): Fixtures {
  const url = new URL("../../test/fixtures/ops.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Fixtures;
}

/** A tensor on `device` from a fixture tensor (float32 unless it says int32). */
export function fromFixture(f: FTensor, device: string, requiresGrad = false, dtype = f.dtype ?? "float32"): Tensor {
  const vals = f.data.map(num);
  const arr = dtype === "int32" ? Int32Array.from(vals) : Float32Array.from(vals);
  return Tensor.from(arr, { shape: f.shape, device, requiresGrad: requiresGrad && dtype !== "int32" });
}

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

/** True when `a` matches `e`: NaN and ±Infinity exactly, finite values within atol + rtol*|e|. */
export function close(a: number, e: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  if (!Number.isFinite(a)) return false;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/**
 * Assert that tensor `t` has the expected shape and values. `expected` is flat row-major data.
 * Integer tensors are compared exactly. The message names `what` and lists the first mismatches.
 */
export function assertTensorClose(
  t: Tensor | null | undefined,
  expected: { data: Num[] | number[]; shape: readonly number[]; dtype?: string },
  tol: readonly [number, number],
  what: string,
): void {
  assert.ok(t instanceof Tensor, `${what}: expected a Tensor, got ${String(t)}`);
  checkValues(t, t.toTypedArray(), expected, tol, what);
}

/** assertTensorClose through the async read, for devices whose memory is not host-visible (webgpu). */
export async function assertTensorCloseAsync(
  t: Tensor | null | undefined,
  expected: { data: Num[] | number[]; shape: readonly number[]; dtype?: string },
  tol: readonly [number, number],
  what: string,
): Promise<void> {
  assert.ok(t instanceof Tensor, `${what}: expected a Tensor, got ${String(t)}`);
  checkValues(t, await t.toTypedArrayAsync(), expected, tol, what);
}

function checkValues(
  t: Tensor, got: ArrayLike<number>, expected: { data: Num[] | number[]; shape: readonly number[]; dtype?: string },
  tol: readonly [number, number], what: string,
): void {
  assert.deepEqual([...t.shape], [...expected.shape], `${what}: shape ${shapeStr(t.shape)}, expected ${shapeStr(expected.shape)}`);
  if (expected.dtype) assert.equal(t.dtype, expected.dtype, `${what}: dtype ${t.dtype}, expected ${expected.dtype}`);
  assert.equal(got.length, expected.data.length, `${what}: ${got.length} elements, expected ${expected.data.length}`);
  const [atol, rtol] = t.dtype === "int32" ? [0, 0] : tol;
  const bad: string[] = [];
  let nbad = 0;
  for (let i = 0; i < got.length; i++) {
    const e = num(expected.data[i]);
    if (!close(got[i], e, atol, rtol)) {
      nbad++;
      if (bad.length < 6) bad.push(`[${i}] got ${got[i]}, expected ${e}`);
    }
  }
  assert.ok(nbad === 0, `${what}: ${nbad} of ${got.length} values differ: ${bad.join("; ")}`);
}

/** Run every item; collect failures and report them all in one assertion at the end. */
export function runAll<T>(items: readonly T[], name: (x: T) => string, fn: (x: T) => void): void {
  const failures: string[] = [];
  for (const it of items) {
    try {
      fn(it);
    } catch (e) {
      failures.push(failureLine(name(it), e));
    }
  }
  reportFailures(failures, items.length);
}

/** runAll for async checks: the items run one after another. */
export async function runAllAsync<T>(items: readonly T[], name: (x: T) => string, fn: (x: T) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const it of items) {
    try {
      await fn(it);
    } catch (e) {
      failures.push(failureLine(name(it), e));
    }
  }
  reportFailures(failures, items.length);
}

function failureLine(name: string, e: unknown): string {
  return `${name}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;
}

function reportFailures(failures: string[], total: number): void {
  if (failures.length === 0) return;
  const shown = failures.slice(0, 40);
  assert.fail(`${failures.length} of ${total} cases failed:\n  ${shown.join("\n  ")}${failures.length > shown.length ? `\n  ... and ${failures.length - shown.length} more` : ""}`);
}
