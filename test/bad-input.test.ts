// The bad-input table: each wrong call and the error it must give, naming the public op the user
// called and the argument (never an internal op such as cpu.alloc, or a raw TypeError).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, grad, noGrad, optim, tensor } from "../src/node.js";
import { nn } from "../src/node.js"; // nn.utils rows

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (v: unknown) => v as any;
const x23 = () => Tensor.ones([2, 3]);

const table: [string, () => unknown, RegExp][] = [
  // creation
  ["unknown dtype", () => Tensor.zeros([2], { dtype: any("bogus") }), /^zeros: unknown dtype the string 'bogus'/],
  ["unknown option key", () => Tensor.ones([2], any({ dtyp: "int32" })), /^ones: unknown option 'dtyp'/],
  ["unknown device", () => Tensor.rand([2], { device: "tpu" }), /^rand: unknown or unavailable device the string 'tpu'/],
  ["fill value not a number", () => Tensor.full([2], any("a")), /^full: fill value must be a number, got the string 'a'/],
  ["int32 overflow in tensor()", () => tensor([3e9], { dtype: "int32" }), /^tensor: value 3000000000 cannot be converted to int32/],
  ["NaN into int32", () => Tensor.full([2], NaN, { dtype: "int32" }), /^full: value NaN cannot be converted to int32/],
  ["randint beyond int32", () => Tensor.randint(0, 1e10, [2]), /^randint: high must be an integer in/],
  ["huge shape", () => Tensor.zeros([2 ** 20, 2 ** 20]), /^zeros: shape \[1048576, 1048576\] has 1099511627776 elements/],
  ["shape with a fraction", () => Tensor.empty([2.5]), /^empty: invalid shape/],
  ["requiresGrad on int32", () => Tensor.arange(3, { requiresGrad: true }), /^arange: only floating-point tensors can require gradients/],
  ["tensor of strings", () => tensor(any(["a"])), /^tensor: data must hold only numbers or booleans/],
  ["zerosLike of a number", () => Tensor.zerosLike(any(3)), /^zerosLike: expected a Tensor, got 3/],
  ["arange with a string", () => Tensor.arange(any("5")), /^arange: end must be a finite number/],
  ["linspace fractional steps", () => Tensor.linspace(0, 1, 2.5), /^linspace: steps must be an integer/],
  // elementwise and selection
  ["add(null)", () => x23().add(any(null)), /^add: expected a Tensor or a number, got null/],
  ["mul('2')", () => x23().mul(any("2")), /^mul: expected a Tensor or a number, got the string '2'/],
  ["shapes that do not broadcast", () => x23().add(Tensor.ones([4])), /^add: shapes \[2, 3\] and \[4\] cannot broadcast/],
  ["assign through an expanded view", () => Tensor.zeros([1, 3]).expand(2, 3).assign(Tensor.ones([2, 3])), /^assign: cannot write into a view whose elements overlap/],
  // reductions
  ["sum with a string dim", () => x23().sum(any("1")), /^sum: dim must be an integer, got the string '1'/],
  ["sum with an unknown option", () => x23().sum(0, any({ keepDim: true })), /^sum: unknown option 'keepDim' \(expected 'keepdim'\)/],
  ["mean dim out of range", () => x23().mean(2), /^mean: dim 2 is out of range/],
  ["var with a bad correction", () => x23().var(0, { correction: any("1") }), /^var: correction must be a finite number/],
  ["softmax(2) of a 2-D tensor", () => x23().softmax(2), /^softmax: dim 2 is out of range for a tensor with 2 dims/],
  ["max over an empty dim", () => Tensor.ones([2, 0]).max(1), /^max: cannot reduce over dim 1 of size 0/],
  // views
  ["narrow with a fractional start", () => Tensor.ones([3, 6]).narrow(0, 0.5, 2), /^narrow: start must be an integer, got 0.5/],
  ["narrow with a fractional length", () => Tensor.ones([3, 6]).narrow(0, 0, 1.5), /^narrow: length must be an integer >= 0, got 1.5/],
  ["narrow with NaN", () => Tensor.ones([3, 6]).narrow(0, NaN, 1), /^narrow: start must be an integer, got NaN/],
  ["narrow past the end", () => Tensor.ones([3]).narrow(0, 2, 2), /^narrow: range \[2, 4\) is out of bounds/],
  ["unfold with a fractional step", () => Tensor.ones([4]).unfold(0, 2, 1.5), /^unfold: step must be an integer >= 1, got 1.5/],
  ["reshape to a wrong size", () => x23().reshape(4), /^reshape: /],
  ["stack with a number", () => Tensor.stack([Tensor.ones([2]), any(1)]), /^stack: entry 1 must be a Tensor, got 1/],
  ["cat of nothing", () => Tensor.cat([]), /^cat: expects a non-empty array of tensors/],
  // functional
  ["maxPool2d kernel 0", () => F.maxPool2d(Tensor.ones([1, 1, 4, 4]), 0), /^maxPool2d: kernelSize and stride must be positive/],
  ["layerNorm with a wrong weight", () => F.layerNorm(x23(), [3], Tensor.ones([4])), /^layerNorm: weight of shape \[4\] does not match the normalized shape \[3\]/],
  ["conv2d with a wrong bias", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), Tensor.ones([3])), /^conv2d: bias must have shape \[2\]/],
  ["conv2d with an unknown option", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), null, any({ dilation: 2 })), /^conv2d: unknown option 'dilation'/],
  ["oneHot out of range", () => F.oneHot(tensor([0, 5], { dtype: "int32" }), 3), /^oneHot: index 5 is out of range/],
  ["crossEntropy with float class indices", () => F.crossEntropy(x23(), tensor([0, 1])), /^crossEntropy: /],
  // autograd
  ["grad with a number as input", () => grad(Tensor.ones([2], { requiresGrad: true }).sum(), [any(5)]), /^grad: inputs\[0\] must be a Tensor, got 5/],
  ["grad with an unknown option", () => { const x = Tensor.ones([2], { requiresGrad: true }); return grad(x.sum(), x, any({ retainGraph: true })); }, /^grad: unknown option 'retainGraph'/],
  ["a preset .grad of the wrong shape", () => { Tensor.ones([2], { requiresGrad: true }).grad = Tensor.ones([3]); }, /^grad: assigned gradient \[3\] float32/],
  ["backward after an in-place write", () => {
    const w = Tensor.ones([2], { requiresGrad: true });
    const y = w.mul(w).sum();
    noGrad(() => w.assign(2));
    y.backward();
  }, /^backward: a tensor of shape \[2\] needed by the gradient of 'mul' was modified in place/],
  // optimizers
  ["Adam with a string lr", () => new optim.Adam([Tensor.ones([2], { requiresGrad: true })], { lr: any("0.1") }), /^Adam: lr must be a number, got the string '0.1'/],
  ["Adam with one beta", () => new optim.Adam([Tensor.ones([2], { requiresGrad: true })], { betas: any(0.9) }), /^Adam: betas must be an array of 2 numbers, got 0.9/],
  ["SGD with an unknown option", () => new optim.SGD([Tensor.ones([2], { requiresGrad: true })], any({ lr: 0.1, momentun: 0.9 })), /^SGD: unknown option 'momentun'/],
  // gradient clipping
  ["clipGradNorm with a string maxNorm", () => nn.utils.clipGradNorm([Tensor.ones([2], { requiresGrad: true })], any("1")), /^nn\.utils\.clipGradNorm: maxNorm must be a number, got the string '1'/],
  ["clipGradNorm with normType 0", () => nn.utils.clipGradNorm([Tensor.ones([2], { requiresGrad: true })], 1, 0), /^nn\.utils\.clipGradNorm: normType must be positive, got 0/],
];

describe("bad input gets an error naming the public op and the argument", () => {
  for (const [name, call, message] of table) {
    test(name, () => assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof Error && !(e instanceof TypeError), `a plain Error, not ${String(e)}`);
      assert.match(e.message, message);
      return true;
    }));
  }
});

describe("valid edge cases that used to be refused or wrong", () => {
  for (const device of availableDevices()) {
    test(`on ${device}`, () => {
      const o = { device };
      assert.equal(Tensor.ones([2, 3], o).sum([]).item(), 6); // PyTorch 1.13: an empty dim list reduces every dim
      assert.deepEqual(Tensor.ones([2, 3], o).sum({ keepdim: true }).toArray(), [[6]]);
      assert.deepEqual(Tensor.arange(6, o).narrow(0, -2, 2).toArray(), [4, 5]);
      assert.deepEqual(Tensor.ones([3, 0], o).softmax(1).shape, [3, 0]);
      assert.deepEqual(Tensor.ones([3, 0], o).logsumexp(1).toArray(), [-Infinity, -Infinity, -Infinity]);
      assert.deepEqual(Tensor.ones([2, 0], o).matmul(Tensor.ones([0, 3], o)).toArray(), [[0, 0, 0], [0, 0, 0]]);
      assert.deepEqual(F.scaledDotProductAttention(Tensor.ones([1, 2, 4], o), Tensor.ones([1, 0, 4], o), Tensor.ones([1, 0, 4], o)).toArray(),
        [[[0, 0, 0, 0], [0, 0, 0, 0]]]);
      // ignored rows are selected out: a NaN or -inf row (masked padding) leaves the loss finite
      const logits = tensor([[NaN, 1], [1, 2], [-Infinity, -Infinity]], o);
      const target = tensor([-100, 1, -100], { dtype: "int32", device });
      assert.ok(Math.abs(F.crossEntropy(logits, target).item() - 0.31326) < 1e-4);
      // std of a constant: gradient 0 (PyTorch), not NaN
      const c = Tensor.ones([3], { requiresGrad: true, device });
      c.std().backward();
      assert.deepEqual(c.grad!.toArray(), [0, 0, 0]);
      // inf/NaN upstream gradients do not leak through relu, maximum or max where the input lost
      const r = tensor([-1, 2], { requiresGrad: true, device });
      r.relu().backward(tensor([Infinity, 1], o));
      assert.deepEqual(r.grad!.toArray(), [0, 1]);
      const a = tensor([1, 5], { requiresGrad: true, device }), b = tensor([3, 5], { requiresGrad: true, device });
      a.maximum(b).backward(tensor([NaN, 2], o));
      assert.deepEqual([a.grad!.toArray(), b.grad!.toArray()], [[0, 1], [NaN, 1]]);
      // PyTorch's special values: erf(0) is exactly 0, sign(NaN) and sign(-0) are 0, pow(1, y) is 1
      assert.deepEqual(Tensor.zeros([20], o).erf().floor().toArray(), Array(20).fill(0));
      assert.deepEqual(tensor(Array(20).fill(NaN), o).sign().toArray(), Array(20).fill(0));
      assert.deepEqual(tensor(Array(20).fill(1), o).pow(tensor(Array(20).fill(NaN), o)).toArray(), Array(20).fill(1));
      const m = tensor([1, 3, 3], { requiresGrad: true, device });
      m.max().backward(tensor(Infinity, o));
      assert.deepEqual(m.grad!.toArray(), [0, Infinity, Infinity]);
    });
  }
});
