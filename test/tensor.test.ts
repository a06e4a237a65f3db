// The autograd engine and Tensor basics: deep graphs, accumulation, noGrad, detach, DOT
// output, PyTorch-style printing, seeding, and the README example.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { F, Tensor, availableDevices, grad, manualSeed, noGrad, tensor } from "../src/node.js";
import { generator, random } from "../src/random.js";

describe("autograd engine", () => {
  test("a 100,000-op chain runs backward without a stack overflow", () => {
    const x = tensor(0.5, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = i % 2 === 0 ? y.add(1) : y.mul(1);
    assert.equal(y.item(), 50_000.5);
    y.backward();
    assert.equal(x.grad!.item(), 1);
  });

  test("a deep chain through grad() and toDot() too", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = y.mul(1);
    const [g] = grad(y.sum(), [x]);
    assert.deepEqual(g.toArray(), [1, 1]);
    assert.ok(Tensor.toDot(y).startsWith("digraph"));
  });

  test("gradients accumulate across two backward() calls", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
    x.mul(x).sum().backward(); // d/dx x² = 2x, added to the previous 2
    assert.deepEqual(x.grad!.toArray(), [4, 6, 8]);
    // the same graph twice (no buffers are freed in dlgrad)
    const y = x.mul(3).sum();
    x.grad = null;
    y.backward();
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6, 6]);
  });

  test("a second backward() adds into .grad in place, as PyTorch's AccumulateGrad does", () => {
    for (const device of availableDevices().filter((d) => d !== "webgpu")) {
      const x = tensor([1, 2, 3], { requiresGrad: true, device });
      x.mul(2).sum().backward();
      const g1 = x.grad!;
      x.mul(x).sum().backward();
      assert.equal(x.grad, g1, `${device}: the same tensor`);
      assert.deepEqual(g1.toArray(), [4, 6, 8], device);
      // a gradient the caller assigned as a view whose elements alias (expand): a new tensor, the view untouched
      const base = tensor([1], { device });
      x.grad = base.expand([3]);
      x.mul(2).sum().backward();
      assert.deepEqual(x.grad!.toArray(), [3, 3, 3], device);
      assert.deepEqual(base.toArray(), [1], device);
      // one that requires grad itself is not written either
      const r = tensor([0, 0, 0], { requiresGrad: true, device });
      x.grad = r;
      x.mul(2).sum().backward();
      assert.deepEqual(r.toArray(), [0, 0, 0], device);
      assert.deepEqual(x.grad!.toArray(), [2, 2, 2], device);
    }
  });

  test("each leaf's first .grad is a buffer of its own, not another leaf's or the caller's gradient", () => {
    for (const device of availableDevices().filter((d) => d !== "webgpu")) {
      // add's rule hands one gradient tensor to both parents
      const x = tensor([1, 2], { requiresGrad: true, device }), y = tensor([3, 4], { requiresGrad: true, device });
      x.add(y).sum().backward();
      assert.notEqual(x.grad!.data, y.grad!.data, `${device}: x and y share a .grad buffer`);
      x.grad!.mul_(5); // an optimizer writes .grad in place: y's must not move
      assert.deepEqual(y.grad!.toArray(), [1, 1], device);
      // backward(gradient) on a leaf: .grad is a copy, so the caller's tensor stays its own
      const z = tensor([1, 2], { requiresGrad: true, device }), seed = tensor([7, 8], { device });
      z.backward(seed);
      assert.notEqual(z.grad!.data, seed.data, device);
      // a later backward adds into those buffers in place, each separately
      x.add(y).sum().backward();
      assert.deepEqual(x.grad!.toArray(), [6, 6], device);
      assert.deepEqual(y.grad!.toArray(), [2, 2], device);
    }
  });

  test("a tensor used twice gets the sum of both gradients; non-leaves get no .grad", () => {
    const x = tensor([1, -2], { requiresGrad: true });
    const h = x.mul(3);
    h.add(h.mul(h)).sum().backward(); // d/dx (3x + 9x²) = 3 + 18x
    assert.deepEqual(x.grad!.toArray(), [21, -33]);
    assert.equal(h.isLeaf, false);
    assert.equal(h.grad, null);
  });

  test("gradients summed in place: windows of one base, shared and handed-on gradients stay right", () => {
    for (const device of availableDevices()) {
      // x feeds three overlapping slices, a split, itself (a handed-on gradient) and a reshape
      const x = Tensor.arange(12, undefined, 1, { device, dtype: "float32" }).reshape(3, 4).detach();
      x.requiresGrad = true;
      const a = x.mul(2);
      const [p, q] = a.split([1, 3], 1);
      const loss = a.slice([0, 2]).sum().add(a.slice([1, 3]).mul(3).sum()).add(a.slice([], [1, 3]).sum())
        .add(p.mul(5).sum()).add(q.sum()).add(a.mul(a).sum()).add(a.reshape(12).sum()).add(x.sum());
      const [ga] = grad(loss, [a]);
      loss.backward();
      // d loss / d a[i][j] = [i < 2] + 3[i >= 1] + [1 <= j < 3] + 5[j = 0] + [j >= 1] + 2a + 1
      const want = Array.from({ length: 12 }, (_, n) => {
        const i = Math.floor(n / 4), j = n % 4;
        return +(i < 2) + 3 * +(i >= 1) + +(j >= 1 && j < 3) + 5 * +(j === 0) + +(j >= 1) + 4 * n + 1;
      });
      assert.deepEqual(Array.from(ga.toTypedArray()), want, device);
      assert.deepEqual(Array.from(x.grad!.toTypedArray()), want.map((w) => 2 * w + 1), device);
      // an accumulated gradient handed on to two parents at once (add's backward), one of which
      // then gets more: the other must not see it
      const y = Tensor.ones([3, 4], { device, requiresGrad: true });
      const u = y.mul(2), v = y.mul(3), b = u.add(v);
      u.mul(7).sum().add(v.mul(11).sum()).add(b.slice([0, 2]).sum().add(b.slice([1, 3]).sum())).backward();
      const gb = (n: number) => +(n < 8) + +(n >= 4);
      assert.deepEqual(Array.from(y.grad!.toTypedArray()), want.map((_, n) => 2 * (gb(n) + 7) + 3 * (gb(n) + 11)), device);
    }
  });

  test("backward with an explicit non-uniform gradient", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.mul(x).backward(tensor([[1, 0.5], [-1, 2]]));
    assert.deepEqual(x.grad!.toArray(), [[2, 2], [-6, 16]]);
  });

  test("noGrad records nothing, returns its value, and restores recording even after a throw", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.deepEqual(y.toArray(), [2, 4]);
    assert.throws(() => noGrad(() => {
      throw new Error("boom");
    }), /boom/);
    const z = x.mul(2);
    assert.equal(z.requiresGrad, true, "recording is back on after noGrad threw");
    // nested
    noGrad(() => noGrad(() => x.add(1)));
    assert.equal(x.mul(1).requiresGrad, true);
  });

  test("detach cuts the graph and shares storage", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.deepEqual(d.toArray(), [1, 2, 3]);
    d.mul(x).sum().backward(); // only the x branch counts: grad = d = x
    assert.deepEqual(x.grad!.toArray(), [1, 2, 3]);
    assert.equal(d.grad, null);
  });

  test("requiresGrad flags: leaves, ops on leaves, and setting it", () => {
    const a = tensor([1, 2]);
    assert.equal(a.requiresGrad, false);
    assert.equal(a.isLeaf, true);
    assert.equal(a.mul(2).requiresGrad, false);
    a.requiresGrad = true;
    const b = a.mul(2);
    assert.equal(b.requiresGrad, true);
    assert.equal(b.isLeaf, false);
    assert.ok(b.gradFn !== null);
  });

  test("Tensor.toDot returns a Graphviz digraph naming the ops", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const dot = Tensor.toDot(a.mul(b).exp().sum());
    assert.equal(typeof dot, "string");
    assert.ok(dot.startsWith("digraph"), dot.slice(0, 40));
    assert.match(dot, /mul/);
    assert.match(dot, /exp/);
    assert.match(dot, /sum/);
    assert.ok(dot.trimEnd().endsWith("}"));
  });
});

describe("printing like PyTorch", () => {
  test("floats with four decimals and the requiresGrad flag", () => {
    assert.equal(tensor([[0.1, 0.2]], { requiresGrad: true }).toString(), "tensor([[0.1000, 0.2000]], requiresGrad=true)");
    assert.equal(tensor([[0.1, 0.2]]).toString(), "tensor([[0.1000, 0.2000]])");
    assert.equal(tensor(3.5).toString(), "tensor(3.5000)");
    assert.equal(tensor([0.001, 1]).toString(), "tensor([0.0010, 1.0000])");
  });

  test("integer-valued floats print as `1.`", () => {
    assert.equal(tensor([1, 2, 3]).toString(), "tensor([1., 2., 3.])");
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), "tensor([[1., 2.],\n        [3., 4.]])");
  });

  test("int32 prints integers and its dtype", () => {
    assert.equal(tensor([1, 2, 3], { dtype: "int32" }).toString(), "tensor([1, 2, 3], dtype=int32)");
    assert.equal(tensor([[1, 2], [3, 4]], { dtype: "int32" }).toString(), "tensor([[1, 2],\n        [3, 4]], dtype=int32)");
  });

  test("JSON.stringify writes the values as nested arrays (a number for 0-d), not the internals", () => {
    assert.equal(JSON.stringify({ w: tensor([[1, 2], [3, 4.5]]), s: tensor(3), i: Tensor.arange(3), e: Tensor.zeros([0, 2]) }), '{"w":[[1,2],[3,4.5]],"s":3,"i":[0,1,2],"e":[]}');
    assert.equal(JSON.stringify(tensor([1, 2]).T), "[1,2]");
  });

  test("scientific notation, nan and inf, empty", () => {
    assert.equal(tensor([-1.5, 2.25, 1e-5]).toString(), "tensor([-1.5000e+00,  2.2500e+00,  1.0000e-05])");
    assert.equal(tensor([100000, 1]).toString(), "tensor([1.0000e+05, 1.0000e+00])");
    assert.equal(tensor([1.5, NaN, Infinity, -Infinity]).toString(), "tensor([1.5000,    nan,    inf,   -inf])");
    assert.equal(Tensor.zeros([0, 3]).toString(), "tensor([], size=(0, 3))");
  });

  test("large tensors elide the middle with ...", () => {
    const s = Tensor.arange(0, 2000, 1, { dtype: "float32" }).toString();
    assert.ok(s.startsWith("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,"), s);
    assert.match(s, /\.\.\./);
    assert.match(s, /1\.9990e\+03\]\)$/);
    assert.ok(!s.includes("1.0000e+03"), "the middle is not printed");
    assert.ok(s.length < 200, `${s.length} characters`);
    const m = Tensor.arange(0, 1200, 1, { dtype: "float32" }).reshape([40, 30]).toString();
    assert.ok(m.split("\n").some((l) => l.trim() === "...,"), m);
    assert.ok(m.length < 1000);
  });

  test("console.log / util.inspect print the same as toString", () => {
    const t = tensor([[0.1, 0.2]], { requiresGrad: true });
    assert.equal(inspect(t), t.toString());
  });
});

describe("seeding", () => {
  test("manualSeed makes rand, randn, randint and uniform reproducible", () => {
    const draw = () => [
      Tensor.rand([5]).toArray(), Tensor.randn([2, 3]).toArray(),
      Tensor.randint(0, 10, [6]).toArray(), Tensor.uniform([4], -2, 3).toArray(),
    ];
    manualSeed(42);
    const a = draw();
    manualSeed(42);
    const b = draw();
    assert.deepEqual(a, b);
    manualSeed(43);
    const c = draw();
    assert.notDeepEqual(a[0], c[0], "another seed gives other numbers");
    assert.notDeepEqual(a[1], c[1]);
  });

  // a call's value is r·2^-32; a float32 fill holds its top 24 bits (never 1)
  const top24 = (u: number) => Math.floor(u * 2 ** 24) / 2 ** 24;

  test("a stream's bulk fill (what rand and dropout use) gives the values of as many calls, in order", () => {
    for (const seed of [0, 42, 2 ** 40 + 5]) {
      const a = generator(seed), b = generator(seed);
      a();
      b();
      const f32 = new Float32Array(5000), f64 = new Float64Array(300);
      a.fill(f32, 7, 4000);
      a.fill(f64, 0, 300);
      for (let i = 0; i < 4000; i++) assert.equal(f32[7 + i], top24(b()), `seed ${seed}, float32 ${i}`);
      for (let i = 0; i < 300; i++) assert.equal(f64[i], b(), `seed ${seed}, float64 ${i}`);
      assert.equal(a(), b(), "the same state after the fills");
      assert.ok(f32[0] === 0 && f32[4007] === 0, "nothing outside [offset, offset + n)");
    }
    // the largest draws stay below 1 in float32: a state whose next r is 2^32 - 1
    const g = generator(0), one = new Float32Array(1), s = g.state;
    // s1 = 0x831C71C7 gives r = rotl(s1·5, 7)·9 = 0xFFFFFFFF (mod 2^32): r's only input is s1
    s[1] = 0x831c71c7 | 0;
    assert.equal((Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)), 9) >>> 0), 0xffffffff);
    g.fill(one, 0, 1);
    assert.equal(one[0], 1 - 2 ** -24);
    for (const device of availableDevices()) {
      // the same through each backend's random kernel, from the global stream's state
      manualSeed(0);
      (random as unknown as { state: Int32Array }).state[1] = 0x831c71c7 | 0;
      assert.equal(Tensor.rand([1], { device }).item(), 1 - 2 ** -24, device);
    }
    // Tensor.rand on every device draws what the global stream's calls give (on cpu the C kernel
    // steps the stream's state itself), and leaves the stream where those calls leave it
    for (const device of availableDevices()) {
      manualSeed(5);
      const got = [...(Tensor.rand([3000], { device }).toArray() as number[]), ...(Tensor.rand([2, 17], { device }).toArray() as number[][]).flat()];
      const next = random();
      manualSeed(5);
      const want = Array.from({ length: 3034 }, () => top24(random()));
      assert.deepEqual(got, want, device);
      assert.equal(next, random(), `${device}: the stream continues after the fills`);
    }
  });

  test("distributions look right", () => {
    manualSeed(7);
    const u = Array.from(Tensor.rand([4000]).toTypedArray());
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.03, `rand mean ${mean}`);
    const n = Array.from(Tensor.randn([4000]).toTypedArray());
    const nm = n.reduce((s, v) => s + v, 0) / n.length;
    const nv = n.reduce((s, v) => s + (v - nm) ** 2, 0) / n.length;
    assert.ok(Math.abs(nm) < 0.08 && Math.abs(nv - 1) < 0.1, `randn mean ${nm} var ${nv}`);
    const r = Array.from(Tensor.randint(3, 7, [1000]).toTypedArray());
    assert.ok(r.every((v) => Number.isInteger(v) && v >= 3 && v < 7));
    assert.equal(new Set(r).size, 4);
    assert.equal(Tensor.randint(0, 5, [3]).dtype, "int32");
  });
});

describe("README example", () => {
  test("a.add(b).sum().backward() with b broadcast over rows", () => {
    const a = Tensor.rand([2, 3], { requiresGrad: true });
    const b = Tensor.rand([1, 3], { requiresGrad: true });
    a.add(b).sum().backward();
    assert.deepEqual(a.grad!.toArray(), [[1, 1, 1], [1, 1, 1]]);
    assert.deepEqual(b.grad!.toArray(), [[2, 2, 2]]);
  });
});

describe("devices", () => {
  test("availableDevices includes js, tensors land on the device asked for, to() copies", () => {
    const devs = availableDevices();
    assert.ok(devs.includes("js"), `devices: ${devs}`);
    for (const d of devs) {
      const x = tensor([1, 2, 3], { device: d, requiresGrad: true });
      assert.equal(x.device, d);
      for (const e of devs) {
        const y = x.to(e);
        assert.equal(y.device, e);
        assert.deepEqual(y.toArray(), [1, 2, 3]);
        y.mul(tensor([1, 2, 3], { device: e })).sum().backward();
      }
      assert.deepEqual(x.grad!.toArray(), [1 * devs.length, 2 * devs.length, 3 * devs.length], "gradients flow back through to()");
    }
  });
});

describe("dropout", () => {
  test("F.dropout: identity when not training, scaled mask when training, gradient through the same mask", () => {
    const x = Tensor.ones([1000], { requiresGrad: true });
    assert.deepEqual(F.dropout(x, 0.5, false).toArray(), x.toArray());
    manualSeed(3);
    const y = F.dropout(x, 0.25, true);
    const v = Array.from(y.toTypedArray());
    assert.ok(v.every((e) => e === 0 || Math.abs(e - 1 / 0.75) < 1e-6), "kept values are scaled by 1/(1-p)");
    const dropped = v.filter((e) => e === 0).length;
    assert.ok(dropped > 180 && dropped < 320, `${dropped} of 1000 dropped at p=0.25`);
    y.mul(tensor(Array.from({ length: 1000 }, (_, i) => i % 3))).sum().backward();
    const g = Array.from(x.grad!.toTypedArray());
    g.forEach((e, i) => assert.ok(Math.abs(e - v[i] * (i % 3)) < 1e-5, `grad[${i}] ${e}`));
    manualSeed(3);
    assert.deepEqual(F.dropout(x, 0.25, true).toArray(), y.toArray(), "reproducible under manualSeed");
    assert.ok(F.dropout(x, 1, true).toTypedArray().every((e) => e === 0), "p=1 drops everything");
    assert.deepEqual(F.dropout(x, 0, true).toArray(), x.toArray(), "p=0 keeps everything");
  });
});

describe("reading values", () => {
  for (const device of availableDevices()) {
    test(`async readback equals the sync one on ${device}`, async () => {
      const x = Tensor.arange(12, { dtype: "float32", device }).reshape(3, 4).transpose(0, 1);
      assert.deepEqual(await x.toArrayAsync(), x.toArray());
      assert.deepEqual(Array.from(await x.toTypedArrayAsync()), Array.from(x.toTypedArray()));
      assert.equal(await x.sum().itemAsync(), 66);
      await assert.rejects(async () => x.itemAsync(), /item: only one-element tensors/);
    });
    test(`creation uploads host values on ${device}`, () => {
      assert.deepEqual(Tensor.eye(2, 3, { device }).toArray(), [[1, 0, 0], [0, 1, 0]]);
      assert.deepEqual(Tensor.linspace(0, 1, 3, { device }).toArray(), [0, 0.5, 1]);
      assert.deepEqual(Tensor.from(Tensor.arange(3, { device }), { dtype: "float32" }).toArray(), [0, 1, 2]);
      assert.equal(Tensor.arange(0, 5, 1, { dtype: "float32", device }).dtype, "float32");
      const u = Tensor.uniform([1000], -2, 3, { device }).toTypedArray();
      assert.ok(u.every((v) => v >= -2 && v < 3) && Math.min(...u) < -1.9 && Math.max(...u) > 2.9);
    });
  }
});
