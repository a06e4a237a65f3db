// Every op against PyTorch's golden values (test/fixtures/ops.json, written by
// scripts/make_fixtures.py), forward and backward, on every available device.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, grad } from "../src/node.js";
import { type FCase, assertTensorClose, decodeArgs, fromFixture, loadFixtures, runAll, shapeStr } from "./helpers.js";
import { buildInput, cross, crossRun, runOp, sumLoss } from "./op_cases.js";

const fixtures = loadFixtures();

function zerosOrNull(t: Tensor | null, shape: readonly number[]): Tensor {
  return t ?? Tensor.zeros(shape);
}

function runCase(c: FCase, device: string): void {
  const args = decodeArgs(c.args);
  const built = c.inputs.map((inp) => buildInput(inp, device));
  const before = built.map((b) => Array.from(b.leaf.toTypedArray()));
  const outs = runOp(c, built.map((b) => b.x), args);
  assert.equal(outs.length, c.outs.length, `${outs.length} outputs, expected ${c.outs.length}`);
  outs.forEach((o, i) => {
    assert.equal(o.device, device, `out[${i}] is on device ${o.device}`);
    assertTensorClose(o, c.outs[i], c.tol, `out[${i}]`);
  });
  const gs = c.gs.map((g) => (g ? fromFixture(g, device) : null));
  const loss = sumLoss(outs, gs);
  const gradLeaves = built.filter((_, i) => c.inputs[i].grad).map((b) => b.leaf);
  if (loss && gradLeaves.length > 0) {
    if (c.second) {
      // grads with createGraph, then d/dleaf of sum_j (grads_j * h_j).sum()
      const g1 = grad(loss, gradLeaves, { createGraph: true, allowUnused: true });
      let k = 0;
      let loss2: Tensor | null = null;
      c.inputs.forEach((inp, i) => {
        if (!inp.grad) return;
        const g = g1[k++];
        assertTensorClose(g, c.grads[i]!, c.tol, `grad[${inp.name}] (createGraph)`);
        const h = fromFixture(c.second!.hs[i]!, device);
        const term = g.mul(h).sum();
        loss2 = loss2 ? loss2.add(term) : term;
      });
      const g2 = grad(loss2!, gradLeaves, { allowUnused: true });
      k = 0;
      c.inputs.forEach((inp, i) => {
        if (!inp.grad) return;
        assertTensorClose(g2[k++], c.second!.grads2[i]!, c.tol, `second-order grad[${inp.name}]`);
      });
    } else {
      loss.backward();
      c.inputs.forEach((inp, i) => {
        if (!inp.grad) return;
        const leaf = built[i].leaf;
        assertTensorClose(zerosOrNull(leaf.grad, leaf.shape), c.grads[i]!, c.tol, `grad[${inp.name}]`);
      });
    }
  }
  // no op may write into its inputs
  built.forEach((b, i) => {
    assert.deepEqual(Array.from(b.leaf.toTypedArray()), before[i], `input ${c.inputs[i].name} was modified`);
  });
}

const families = [...new Set(fixtures.cases.map((c) => c.family))];

test("fixtures are present and cover the op families", () => {
  assert.ok(fixtures.cases.length > 500, `only ${fixtures.cases.length} cases`);
  for (const f of ["unary", "binary", "compare", "select", "reduce", "matmul", "movement", "slice", "gather", "join", "nn", "F", "second", "special"]) {
    assert.ok(families.includes(f), `family ${f} missing from ops.json`);
  }
  // every case carries a non-uniform upstream gradient: a plain .sum() would hide a rule that drops g
  for (const c of fixtures.cases) {
    for (const g of c.gs) {
      if (g && g.data.length > 1) assert.ok(new Set(g.data).size > 1, `${c.name}: uniform upstream gradient`);
    }
  }
});

for (const device of availableDevices()) {
  describe(`device ${device}`, () => {
    for (const family of families) {
      const cases = fixtures.cases.filter((c) => c.family === family);
      test(`${family} (${cases.length} cases)`, () => {
        runAll(cases, (c) => `${c.name} ${c.inputs.map((i) => `${i.name}${shapeStr(i.shape)}:${i.layout}`).join(" ")}`,
          (c) => runCase(c, device));
      });
    }
  });
}

// ---- every other device against the js reference, on sizes that are larger and more ragged
// than the fixtures' (odd lengths, tails after any blocking, non-contiguous, broadcast, 0-d)


const others = availableDevices().filter((d) => d !== "js");
describe("every device agrees with the js reference on larger, ragged inputs", () => {
  for (const device of others) {
    test(`${device} vs js (${cross.length} cases)`, () => {
      runAll(cross, (c) => c.name, (c) => {
        const ref = crossRun(c, "js");
        const got = crossRun(c, device);
        const tol = c.tol ?? [1e-5, 1e-4];
        ref.outs.forEach((o, i) => {
          assert.equal(got.outs[i].device, device);
          assertTensorClose(got.outs[i], { data: Array.from(o.toTypedArray()), shape: o.shape, dtype: o.dtype }, tol, `out[${i}]`);
        });
        ref.grads.forEach((g, i) => {
          if (g) assertTensorClose(got.grads[i], { data: Array.from(g.toTypedArray()), shape: g.shape }, tol, `grad[${i}]`);
        });
      });
    });
  }
  test("the cross-device cases run on js", { skip: others.length > 0 ? "other devices present: covered above" : false }, () => {
    // with js alone there is nothing to compare; still run every case so that the table stays valid
    runAll(cross, (c) => c.name, (c) => {
      const { outs } = crossRun(c, "js");
      for (const o of outs) assert.ok(o.toTypedArray().every((v) => !Number.isNaN(v)), "NaN in output");
    });
  });
});
