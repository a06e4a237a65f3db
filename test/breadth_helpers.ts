// Shared by the issue-12 composite tests: reading a breadth_*.json fixture file (the case format of
// ops.json), running its cases on a device through a dispatch function, and a float64 gradcheck.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, grad, initDevice, noGrad } from "../src/node.js";
import { generator as rng } from "../src/random.js";
import { type FCase, type Fixtures, assertTensorClose, assertTensorCloseAsync, decodeArgs, fromFixture } from "./helpers.js";
import { buildInput } from "./op_cases.js";

export function loadBreadth(name: string): Fixtures {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), "utf8")) as Fixtures;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Dispatch = (op: string, by: Record<string, Tensor>, args: Record<string, any>, device: string) => Tensor[];
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Starts webgpu for a file's fixture runs: false, or why its tests skip (no adapter here).
 *  DLGRAD_REQUIRE_WEBGPU=1 (CI) makes a missing adapter an error. */
export async function startWebgpu(): Promise<string | false> {
  let skip: string | false = false;
  try {
    await initDevice("webgpu");
  } catch (e) {
    skip = `no WebGPU adapter: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (skip && process.env.DLGRAD_REQUIRE_WEBGPU === "1") throw new Error(`DLGRAD_REQUIRE_WEBGPU=1 but ${skip}`);
  return skip;
}

/** runCase through the async reads, for devices whose memory is not host-visible (webgpu): the
 *  outputs, then the gradients of sum(out·g) of every leaf. `dispatch` may itself be async (ops
 *  whose output shape depends on values). */
export async function runCaseAsync(c: FCase, device: string, dispatch: (op: string, by: Record<string, Tensor>, args: ReturnType<typeof decodeArgs>, device: string) => Tensor[] | Promise<Tensor[]>): Promise<void> {
  const built = c.inputs.map((inp) => buildInput(inp, device));
  const by: Record<string, Tensor> = {};
  c.inputs.forEach((inp, i) => (by[inp.name] = built[i].x));
  const outs = await dispatch(c.op, by, decodeArgs(c.args), device);
  for (const [i, o] of outs.entries()) await assertTensorCloseAsync(o, c.outs[i], c.tol, `out[${i}]`);
  const terms = outs.flatMap((o, i) => (c.gs[i] && o.requiresGrad ? [o.mul(fromFixture(c.gs[i]!, device)).sum()] : []));
  if (terms.length === 0) return;
  terms.reduce((s, t) => s.add(t)).backward();
  for (const [i, inp] of c.inputs.entries()) {
    const leaf = built[i].leaf;
    if (inp.grad) await assertTensorCloseAsync(leaf.grad ?? Tensor.zeros(leaf.shape, { device }), c.grads[i]!, c.tol, `grad[${inp.name}]`);
  }
}

/** Runs one case: outputs against PyTorch's, then the gradients of sum(out·g) of every leaf, and
 *  checks that the op did not write into its inputs. */
export function runCase(c: FCase, device: string, dispatch: Dispatch): void {
  const args = decodeArgs(c.args);
  const built = c.inputs.map((inp) => buildInput(inp, device));
  const before = built.map((b) => Array.from(b.leaf.toTypedArray()));
  const by: Record<string, Tensor> = {};
  c.inputs.forEach((inp, i) => (by[inp.name] = built[i].x));
  const outs = dispatch(c.op, by, args, device);
  assert.equal(outs.length, c.outs.length, `${outs.length} outputs, expected ${c.outs.length}`);
  outs.forEach((o, i) => {
    assert.equal(o.device, device, `out[${i}] is on device ${o.device}`);
    assertTensorClose(o, c.outs[i], c.tol, `out[${i}]`);
  });
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    const g = c.gs[i];
    if (!g || !o.requiresGrad) return;
    const term = o.mul(fromFixture(g, device)).sum();
    loss = loss ? loss.add(term) : term;
  });
  const leaves = built.filter((_, i) => c.inputs[i].grad);
  if (loss && leaves.length) {
    (loss as Tensor).backward();
    c.inputs.forEach((inp, i) => {
      if (!inp.grad) return;
      const leaf = built[i].leaf;
      assertTensorClose(leaf.grad ?? Tensor.zeros(leaf.shape), c.grads[i]!, c.tol, `grad[${inp.name}]`);
    });
  }
  built.forEach((b, i) => assert.deepEqual(Array.from(b.leaf.toTypedArray()), before[i], `input ${c.inputs[i].name} was modified`));
}

// ---- float64 gradcheck on the js backend (central differences against backward, non-uniform g)

const OPTS = { dtype: "float64", device: "js" } as const;

export type Kind = "normal" | "pos" | "unit" | "spread";
export interface Spec {
  shape: number[];
  kind?: Kind;
}
export const S = (shape: number[], kind?: Kind): Spec => ({ shape, kind });

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function values(r: () => number, n: number, kind: Kind): Float64Array {
  const out = new Float64Array(n);
  if (kind === "spread") {
    // distinct values at least 0.1 apart: no ties for max, kinks never within eps
    const perm = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const offset = 0.013 + 0.07 * r();
    for (let i = 0; i < n; i++) out[i] = (perm[i] - n / 2) * 0.1 + offset;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = kind === "pos" ? 0.3 + 1.7 * u : kind === "unit" ? 0.05 + 0.9 * u : (u < 0.5 ? -1 : 1) * (0.1 + 1.9 * r());
  }
  return out;
}

const numelOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const leafOf = (d: Float64Array, shape: readonly number[], requiresGrad: boolean) => Tensor.from(d, { ...OPTS, shape, requiresGrad });

function weighted(outs: Tensor[], gs: Tensor[]): Tensor {
  return outs.map((o, i) => o.mul(gs[i]).sum()).reduce((a, b) => a.add(b));
}

/**
 * d/dx of L = Σ_i (f(x)_i · g_i).sum() by backward against central differences (eps 1e-6), every
 * input element. With `second`, also checks grad-of-grad through grad(..., { createGraph }).
 */
export function gradcheck(name: string, specs: Spec[], f: (xs: Tensor[]) => Tensor | Tensor[], opts: { second?: boolean; atol?: number; rtol?: number } = {}): void {
  const EPS = 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-5;
  const r = rng(hash(name));
  const datas = specs.map((s) => values(r, numelOf(s.shape), s.kind ?? "normal"));
  const run = (leaves: Tensor[]) => [f(leaves)].flat();
  const outs0 = noGrad(() => run(datas.map((d, i) => leafOf(d, specs[i].shape, false))));
  const gs = outs0.map((o) => leafOf(values(r, o.numel, "normal"), o.shape, false));
  const leaves = datas.map((d, i) => leafOf(d, specs[i].shape, true));
  const outs = run(leaves);
  outs.forEach((o) => assert.equal(o.dtype, "float64", `${name}: output dtype ${o.dtype}`));
  const g1 = grad(weighted(outs, gs), leaves, { createGraph: opts.second ?? false, allowUnused: true });
  const loss = () => noGrad(() => weighted(run(datas.map((d, i) => leafOf(d, specs[i].shape, false))), gs).item());
  const check = (analytic: Tensor[], value: () => number, what: string) => {
    specs.forEach((_, i) => {
      const an = analytic[i].toTypedArray(), d = datas[i];
      for (let j = 0; j < d.length; j++) {
        const x0 = d[j];
        d[j] = x0 + EPS;
        const lp = value();
        d[j] = x0 - EPS;
        const lm = value();
        d[j] = x0;
        const numeric = (lp - lm) / (2 * EPS);
        assert.ok(Math.abs(an[j] - numeric) <= atol + rtol * Math.abs(numeric),
          `${name}: ${what} d/d input ${i} [${j}]: backward ${an[j]}, finite differences ${numeric}`);
      }
    });
  };
  check(g1, loss, "first-order");
  if (!opts.second) return;
  // M(x) = Σ_i (∂L/∂x_i · h_i).sum() and its gradient through the graph of the first one
  const hs = specs.map((s) => leafOf(values(r, numelOf(s.shape), "normal"), s.shape, false));
  const g2 = grad(weighted(g1, hs), leaves, { allowUnused: true });
  const m = () => {
    const ls = datas.map((d, i) => leafOf(d, specs[i].shape, true));
    return weighted(grad(weighted(run(ls), gs), ls, { allowUnused: true }), hs).item();
  };
  check(g2, m, "second-order");
}
