// Tensor hooks (registerHook) and retained gradients of non-leaf tensors (retainGrad), on every device.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, availableDevices, grad } from "../src/node.js";

for (const device of availableDevices()) {
  describe(`hooks on ${device}`, () => {
    const leaf = (v: number[]) => Tensor.from(v, { device, requiresGrad: true });

    test("a hook on an intermediate tensor sees its complete gradient and can replace it upstream", () => {
      const x = leaf([1, 2, 3]);
      const y = x.mul(2);
      const seen: number[][] = [];
      y.registerHook((g) => {
        seen.push(g.toArray() as number[]);
        return g.mul(10);
      });
      // y is used twice: the hook runs once, on the sum of both contributions
      y.mul(y).sum().add(y.sum()).backward();
      assert.deepEqual(seen, [[5, 9, 13]]); // 2y + 1
      assert.deepEqual(x.grad!.toArray(), [100, 180, 260]); // 10·(2y + 1)·2
    });

    test("hooks chain in order, a hook returning nothing leaves the gradient, remove() unregisters", () => {
      const x = leaf([1, -1]);
      const y = x.mul(3);
      const order: string[] = [];
      const h1 = y.registerHook((g) => {
        order.push("a");
        return g.add(1);
      });
      y.registerHook(() => void order.push("b"));
      y.registerHook((g) => {
        order.push("c");
        return g.mul(2);
      });
      y.sum().backward();
      assert.deepEqual(order, ["a", "b", "c"]);
      assert.deepEqual(x.grad!.toArray(), [12, 12]); // ((1 + 1)·2)·3
      h1.remove();
      x.grad = null;
      y.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [6, 6]);
    });

    test("a hook on a leaf changes what accumulates into .grad", () => {
      const x = leaf([1, 2]);
      x.registerHook((g) => g.neg());
      x.square().sum().backward();
      x.square().sum().backward();
      assert.deepEqual(x.grad!.toArray(), [-4, -8]);
    });

    test("hooks run under grad(), and with createGraph the replaced gradient is differentiable", () => {
      const x = leaf([2, 3]);
      const y = x.square();
      const h = y.registerHook((g) => g.mul(y)); // g·y flows on
      const [gx] = grad(y.sum(), x, { createGraph: true }); // (1·y)·2x = 2x³
      assert.deepEqual(gx.toArray(), [16, 54]);
      h.remove(); // (else it would run again where the second sweep passes through y)
      const [ggx] = grad(gx.sum(), x); // 6x²
      assert.deepEqual(ggx.toArray(), [24, 54]);
    });

    test("retainGrad keeps a non-leaf's gradient after backward, accumulating", () => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      assert.equal(y.retainsGrad, false);
      y.retainGrad();
      assert.equal(y.retainsGrad, true);
      const z = x.mul(2);
      y.square().sum().backward();
      assert.deepEqual(y.grad!.toArray(), [6, 12]); // 2y
      assert.equal(z.grad, null, "only retained tensors keep gradients");
      y.square().sum().backward();
      assert.deepEqual(y.grad!.toArray(), [12, 24]);
      x.retainGrad(); // a no-op on a leaf
      assert.equal(x.retainsGrad, false);
      // the retained gradient is the one after the tensor's hooks
      const w = x.mul(1);
      w.retainGrad();
      w.registerHook((g) => g.mul(5));
      w.sum().backward();
      assert.deepEqual(w.grad!.toArray(), [5, 5]);
    });

    test("errors", () => {
      const c = Tensor.from([1, 2], { device });
      assert.throws(() => c.registerHook((g) => g), /registerHook: cannot register a hook on a tensor that does not require grad \(shape \[2\]\)/);
      assert.throws(() => c.retainGrad(), /retainGrad: cannot retain the gradient of a tensor that does not require grad/);
      assert.throws(() => leaf([1]).registerHook(3 as never), /registerHook: hook must be a function, got number/);
      const x = leaf([1, 2]);
      const y = x.mul(2);
      y.registerHook(() => Tensor.zeros([3], { device }));
      assert.throws(() => y.sum().backward(), /registerHook: a hook must return nothing or a Tensor of the gradient's shape \[2\], got shape \[3\]/);
    });
  });
}
