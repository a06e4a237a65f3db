// The bad-input table: each wrong call and the error it must give, naming the public op the user
// called and the argument (never an internal op such as cpu.alloc, or a raw TypeError).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, availableDevices, cdist, einsum, grad, noGrad, optim, tensor } from "../src/node.js";
import { nn } from "../src/node.js"; // the recurrent, transformer and nn.utils rows

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
  // elementwise arithmetic and predicates
  ["remainder('2')", () => x23().remainder(any("2")), /^remainder: expected a Tensor or a number, got the string '2'/],
  ["atan2 shapes that do not broadcast", () => x23().atan2(Tensor.ones([4])), /^atan2: shapes \[2, 3\] and \[4\] cannot broadcast/],
  ["int32 remainder by a zero tensor", () => tensor([5, 6], { dtype: "int32" }).remainder(tensor([2, 0], { dtype: "int32" })), /^remainder: integer division by zero \(the int32 divisor holds 1 zero/],
  ["int32 fmod by the number 0", () => tensor([5], { dtype: "int32" }).fmod(0), /^fmod: integer division by zero/],
  ["round with an unknown option", () => x23().round(any({ decimal: 1 })), /^round: unknown option 'decimal' \(expected 'decimals'\)/],
  ["round with fractional decimals", () => x23().round({ decimals: 1.5 }), /^round: decimals must be an integer, got 1.5/],
  ["round of int32 with decimals", () => tensor([5], { dtype: "int32" }).round({ decimals: 1 }), /^round: decimals is not supported for int32 tensors/],
  ["round with a number", () => x23().round(any(2)), /^round: expected an options object, got 2/],
  ["div with an unknown option", () => x23().div(2, any({ rounding_mode: "floor" })), /^div: unknown option 'rounding_mode' \(expected 'roundingMode'\)/],
  ["add with an unknown option", () => x23().add(2, any({ alfa: 2 })), /^add: unknown option 'alfa' \(expected 'alpha'\)/],
  ["sub with a non-number alpha", () => x23().sub(2, any({ alpha: "2" })), /^sub: alpha must be a number, got the string '2'/],
  ["add of int32 tensors with a fractional alpha", () => tensor([1, 2], { dtype: "int32" }).add(tensor([3, 4], { dtype: "int32" }), { alpha: 0.5 }), /^add: alpha must be an integer for int32 operands, got 0\.5/],
  ["div with an unknown rounding mode", () => x23().div(2, any({ roundingMode: "round" })), /^div: roundingMode must be 'trunc' or 'floor', got the string 'round'/],
  ["div with a string for options", () => x23().div(2, any("floor")), /^div: expected an options object, got the string 'floor'/],
  ["nanToNum with an unknown option", () => x23().nanToNum(any({ posInf: 1 })), /^nanToNum: unknown option 'posInf' \(expected 'nan', 'posinf', 'neginf'\)/],
  ["nanToNum with a string", () => x23().nanToNum({ nan: any("0") }), /^nanToNum: nan must be a number, got the string '0'/],
  ["all with a dim list", () => x23().all(any([0, 1])), /^all: dim must be an integer, got an array/],
  ["any dim out of range", () => x23().any(-3), /^any: dim -3 is out of range for a tensor with 2 dims/],
  ["any with an unknown option", () => x23().any(0, any({ keepDim: true })), /^any: unknown option 'keepDim' \(expected 'keepdim'\)/],
  // reductions
  ["sum with a string dim", () => x23().sum(any("1")), /^sum: dim must be an integer, got the string '1'/],
  ["sum with an unknown option", () => x23().sum(0, any({ keepDim: true })), /^sum: unknown option 'keepDim' \(expected 'keepdim'\)/],
  ["mean dim out of range", () => x23().mean(2), /^mean: dim 2 is out of range/],
  ["var with a bad correction", () => x23().var(0, { correction: any("1") }), /^var: correction must be a finite number/],
  ["softmax(2) of a 2-D tensor", () => x23().softmax(2), /^softmax: dim 2 is out of range for a tensor with 2 dims/],
  ["max over an empty dim", () => Tensor.ones([2, 0]).max(1), /^max: cannot reduce over dim 1 of size 0/],
  // scans, sorting, max/min with a dim
  ["cumsum dim out of range", () => x23().cumsum(2), /^cumsum: dim 2 is out of range for a tensor with 2 dims/],
  ["cumsum without a dim", () => x23().cumsum(any(undefined)), /^cumsum: dim must be an integer, got undefined/],
  ["cumprod with a fractional dim", () => x23().cumprod(0.5), /^cumprod: dim must be an integer, got 0.5/],
  ["logcumsumexp of int32", () => Tensor.arange(3, { dtype: "int32" }).logcumsumexp(0), /^logcumsumexp: expects a floating-point tensor, got int32/],
  ["cummax dim out of range", () => x23().cummax(-3), /^cummax: dim -3 is out of range/],
  ["cummin with a string dim", () => x23().cummin(any("1")), /^cummin: dim must be an integer, got the string '1'/],
  ["prod with a list of dims", () => x23().prod(any([0, 1])), /^prod: dim must be a single integer/],
  ["prod with an unknown option", () => x23().prod(0, any({ keepDim: true })), /^prod: unknown option 'keepDim' \(expected 'keepdim'\)/],
  ["sort with an unknown option", () => x23().sort(0, any({ reverse: true })), /^sort: unknown option 'reverse' \(expected 'descending', 'stable'\)/],
  ["sort with a non-boolean descending", () => x23().sort(any({ descending: 1 })), /^sort: descending must be true or false, got 1/],
  ["sort dim out of range", () => x23().sort(2), /^sort: dim 2 is out of range/],
  ["argsort with an unknown option", () => x23().argsort(0, any({ largest: true })), /^argsort: unknown option 'largest'/],
  ["topk with k larger than the dim", () => x23().topk(4), /^topk: k \(4\) is larger than the size 3 of dim -1/],
  ["topk with a negative k", () => x23().topk(-1), /^topk: k must be an integer >= 0, got -1/],
  ["topk with an unknown option", () => x23().topk(1, 0, any({ stable: true })), /^topk: unknown option 'stable' \(expected 'largest', 'sorted'\)/],
  ["max with a list of dims", () => x23().max(any([0, 1])), /^max: dim must be a single integer; for several dims use amax/],
  ["min dim out of range", () => x23().min(2), /^min: dim 2 is out of range/],
  ["max with an unknown option", () => x23().max(1, any({ keepDims: true })), /^max: unknown option 'keepDims'/],
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
  ["maxPool2d kernel 0", () => F.maxPool2d(Tensor.ones([1, 1, 4, 4]), 0), /^maxPool2d: kernelSize must be a positive integer or an array of 2, got 0$/],
  ["layerNorm with a wrong weight", () => F.layerNorm(x23(), [3], Tensor.ones([4])), /^layerNorm: weight of shape \[4\] does not match the normalized shape \[3\]/],
  ["conv2d with a wrong bias", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), Tensor.ones([3])), /^conv2d: bias must have shape \[2\]/],
  ["conv2d with an unknown option", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), null, any({ dilations: 2 })), /^conv2d: unknown option 'dilations'/],
  // convolution, padding, resizing, embeddings
  ["conv2d groups not dividing the channels", () => F.conv2d(Tensor.ones([1, 3, 4, 4]), Tensor.ones([2, 1, 3, 3]), null, { groups: 2 }), /^conv2d: weight \[2, 1, 3, 3\] with groups=2 expects input with 2 channels/],
  ["conv2d dilation 0", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), null, { dilation: 0 }), /^conv2d: dilation must be a positive integer/],
  ["conv1d negative dilation", () => F.conv1d(Tensor.ones([1, 1, 4]), Tensor.ones([2, 1, 3]), null, { dilation: -1 }), /^conv1d: dilation must be a positive integer/],
  ["conv2d padding 'same' with stride 2", () => F.conv2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([2, 1, 3, 3]), null, { padding: "same", stride: 2 }), /^conv2d: padding 'same' is not supported for strided convolutions/],
  ["convTranspose2d outputPadding too large", () => F.convTranspose2d(Tensor.ones([1, 1, 4, 4]), Tensor.ones([1, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), /^convTranspose2d: outputPadding \[2,2\] must be smaller than either stride/],
  ["pad with an options object in the value slot", () => F.pad(x23(), [1, 1], any({ valeu: 1 })), /^pad: unknown option 'valeu' \(expected 'mode', 'value'\)/],
  ["reflect pad larger than the input", () => F.pad(Tensor.ones([1, 2, 3]), [3, 0], "reflect"), /^pad: reflect padding \(3, 0\) must be smaller than dim 2 of input \[1, 2, 3\] \(size 3\)/],
  ["pad with an unknown mode", () => F.pad(x23(), [1, 1], any("wrap")), /^pad: mode must be 'constant' or 'reflect'/],
  ["interpolate with an unknown key", () => F.interpolate(Tensor.ones([1, 1, 4, 4]), any({ size: 2, scale: 2 })), /^interpolate: unknown option 'scale'/],
  ["embedding paddingIdx out of range", () => F.embedding(tensor([0], { dtype: "int32" }), x23(), { paddingIdx: -3 }), /^embedding: paddingIdx must be an integer in \[-2, 1\], got -3/],
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
  // tensor ops (src/tensor_ops.ts)
  ["flip with a repeated dim", () => x23().flip([1, -1]), /^flip: dim \[1, -1\] contains a repeated dim/],
  ["roll with more shifts than dims", () => x23().roll([1, 2], 0), /^roll: shifts \[1, 2\] and dims \[0\] must have the same length/],
  ["repeat with fewer sizes than dims", () => x23().repeat(2), /^repeat: needs at least as many sizes/],
  ["repeatInterleave with a negative count", () => x23().repeatInterleave(-1, { dim: 0 }), /^repeatInterleave: repeats must be an integer >= 0, got -1/],
  ["repeatInterleave with repeats of the wrong length", () => x23().repeatInterleave([1, 2], { dim: 1 }), /^repeatInterleave: repeats has 2 entries, dim 1 has size 3/],
  ["repeatInterleave with an unknown option", () => x23().repeatInterleave(2, any({ axis: 0 })), /^repeatInterleave: unknown option 'axis'/],
  ["unflatten to sizes of another product", () => x23().unflatten(1, [2, 2]), /^unflatten: sizes \[2, 2\] do not multiply to the size 3/],
  ["norm of int32", () => Tensor.arange(3).norm(), /^norm: input must be a floating-point tensor, got int32/],
  ["norm with p 'nuc'", () => x23().norm(any("nuc")), /^norm: p must be a number or 'fro', got the string 'nuc'/],
  ["norm 'fro' over 3 dims", () => Tensor.ones([2, 2, 2]).norm("fro", { dim: [0, 1, 2] }), /^norm: 'fro' takes at most 2 dims/],
  ["norm with an unknown option", () => x23().norm(2, any({ keepDim: true })), /^norm: unknown option 'keepDim'/],
  ["normalize with a negative eps", () => F.normalize(x23(), { eps: -1 }), /^normalize: eps must be a non-negative number, got -1/],
  ["bmm of 2-D tensors", () => x23().bmm(Tensor.ones([3, 2])), /^bmm: input must be a 3-D tensor, got shape \[2, 3\]/],
  ["bmm with different batch sizes", () => Tensor.ones([2, 2, 3]).bmm(Tensor.ones([3, 3, 2])), /^bmm: shapes \[2, 2, 3\] and \[3, 3, 2\] do not fit/],
  ["outer of a matrix", () => x23().outer(Tensor.ones([2])), /^outer: expects two 1-D tensors/],
  ["addmm with an unknown option", () => Tensor.ones([2]).addmm(Tensor.ones([2, 2]), Tensor.ones([2, 2]), any({ gamma: 1 })), /^addmm: unknown option 'gamma'/],
  ["addmm with an input that does not broadcast", () => Tensor.ones([3]).addmm(Tensor.ones([2, 2]), Tensor.ones([2, 2])), /^addmm: /],
  ["lerp with a string weight", () => x23().lerp(x23(), any("0.5")), /^lerp: weight must be a number or a Tensor/],
  ["addcmul with an unknown option", () => x23().addcmul(x23(), x23(), any({ alpha: 2 })), /^addcmul: unknown option 'alpha'/],
  ["diag of a 3-D tensor", () => Tensor.ones([2, 2, 2]).diag(), /^diag: expects a 1-D or 2-D tensor/],
  ["trace of a vector", () => Tensor.ones([3]).trace(), /^trace: expects a 2-D tensor/],
  ["cdist with mismatched features", () => cdist(x23(), Tensor.ones([2, 4])), /^cdist: x1 \[2, 3\] and x2 \[2, 4\] must be/],
  ["cdist with a negative p", () => cdist(x23(), x23(), { p: -1 }), /^cdist: p must be a non-negative number, got -1/],
  ["einsum with a bad character", () => einsum("ij,j1->i", x23(), Tensor.ones([3])), /^einsum: invalid character '1'/],
  ["einsum with too few operands", () => einsum("ij,jk->ik", x23()), /^einsum: the equation 'ij,jk->ik' has subscripts for 2 operands, but 1 were given/],
  ["einsum with the wrong number of dims", () => einsum("ijk->i", x23()), /^einsum: operand 0 has 2 dims but its subscripts 'ijk' name 3/],
  ["einsum with an output label not in the inputs", () => einsum("ij->k", x23()), /^einsum: output subscript 'k' does not appear in any operand/],
  ["einsum with a repeated output label", () => einsum("ij->ii", x23()), /^einsum: output subscript 'i' appears more than once/],
  ["einsum with sizes that do not broadcast", () => einsum("ij,ij->i", x23(), Tensor.ones([2, 4])), /^einsum: subscript 'j' has size 4 in operand 1/],
  ["einsum with a diagonal of unequal sizes", () => einsum("ii->i", x23()), /^einsum: subscript 'i' is repeated in operand 0 with sizes 2 and 3/],
  ["einsum with two arrows", () => einsum("i->i->i", Tensor.ones([2])), /^einsum: the equation 'i->i->i' has more than one '->'/],
  ["einsum of int32", () => einsum("i->", Tensor.arange(3)), /^einsum: operand 0 must be a floating-point tensor/],
  ["scatter with an index out of range", () => x23().scatter(1, tensor([[3]], { dtype: "int32" }), 0), /^scatter: index 3 is out of range for dim 1 with size 3/],
  ["scatter with a negative index", () => x23().scatter(1, tensor([[-1]], { dtype: "int32" }), 0), /^scatter: index -1 is out of range/],
  ["scatter with a float index", () => x23().scatter(1, tensor([[0]]), 0), /^scatter: index must be an int32 tensor, got float32/],
  ["scatter with an index of another rank", () => x23().scatter(1, tensor([0], { dtype: "int32" }), 0), /^scatter: index \[1\] must have as many dims as self \[2, 3\]/],
  ["scatter with an index larger than src", () => x23().scatter(1, tensor([[0, 1]], { dtype: "int32" }), Tensor.ones([1, 1])), /^scatter: index \[1, 2\] must be no larger than src/],
  ["scatter with a src of another dtype", () => x23().scatter(1, tensor([[0]], { dtype: "int32" }), Tensor.ones([1, 1], { dtype: "int32" })), /^scatter: src must have self's dtype float32, got int32/],
  ["scatter with reduce", () => x23().scatter(1, tensor([[0]], { dtype: "int32" }), x23(), any({ reduce: "add" })), /^scatter: unknown option 'reduce' \(it takes no options\)/],
  ["scatterAdd with an index out of range", () => x23().scatterAdd(0, tensor([[2]], { dtype: "int32" }), x23()), /^scatterAdd: index 2 is out of range for dim 0 with size 2/],
  ["indexAdd with a 2-D index", () => x23().indexAdd(0, tensor([[0]], { dtype: "int32" }), Tensor.ones([1, 3])), /^indexAdd: index must be a 0-d or 1-D int32 tensor/],
  ["indexAdd with a source of the wrong shape", () => x23().indexAdd(0, tensor([0], { dtype: "int32" }), Tensor.ones([1, 2])), /^indexAdd: source must have shape \[1, 3\]/],
  ["indexAdd with an unknown option", () => x23().indexAdd(0, tensor([0], { dtype: "int32" }), Tensor.ones([1, 3]), any({ beta: 1 })), /^indexAdd: unknown option 'beta'/],
  ["indexAdd with a negative index", () => x23().indexAdd(0, tensor([-1], { dtype: "int32" }), Tensor.ones([1, 3])), /^indexAdd: index -1 is out of range for dim 0 with size 2/],
  ["indexFill out of range", () => x23().indexFill(1, tensor([-4], { dtype: "int32" }), 0), /^indexFill: index -4 is out of range for dim 1 with size 3 \(expected -3..2\)/],
  ["indexFill with a tensor value of 1 dim", () => x23().indexFill(1, tensor([0], { dtype: "int32" }), Tensor.ones([1])), /^indexFill: value must be a number or a 0-d tensor/],
  ["indexPut with too many indices", () => Tensor.ones([2]).indexPut([tensor([0], { dtype: "int32" }), tensor([0], { dtype: "int32" })], 1), /^indexPut: too many indices \(2\)/],
  ["indexPut with a float mask", () => x23().indexPut([tensor([1, 0])], 1), /^indexPut: indices\[0\] must be an int32 tensor, got float32/],
  ["indexPut out of range", () => x23().indexPut([tensor([2], { dtype: "int32" })], 1), /^indexPut: indices\[0\] 2 is out of range for dim 0 with size 2/],
  ["indexPut with values that do not broadcast", () => x23().indexPut([tensor([0, 1], { dtype: "int32" })], Tensor.ones([2, 2])), /^indexPut: values of shape \[2, 2\] cannot broadcast to the indexed shape \[2, 3\]/],
  ["indexPut with an unknown option", () => x23().indexPut([tensor([0], { dtype: "int32" })], 1, any({ accumulat: true })), /^indexPut: unknown option 'accumulat'/],
  ["maskedSelect with a mask that does not broadcast", () => x23().maskedSelect(Tensor.ones([4])), /^maskedSelect: shapes \[2, 3\] and \[4\] cannot broadcast/],
  ["nonzero with an unknown option", () => x23().nonzero(any({ as_tuple: true })), /^nonzero: unknown option 'as_tuple'/],
  ["maskedFill with a 1-D tensor value", () => x23().maskedFill(x23(), any(Tensor.ones([1]))), /^maskedFill: value must be a number or a 0-d tensor/],
  ["add_ on a leaf that requires grad", () => Tensor.ones([2], { requiresGrad: true }).add_(1), /^add_: a tensor that requires grad is being used in an in-place operation/],
  ["add_ with an unknown option", () => noGrad(() => x23().add_(1, any({ alpah: 2 }))), /^add_: unknown option 'alpah'/],
  ["mul_ with a shape that does not fit", () => x23().mul_(Tensor.ones([3, 3])), /^mul_: a value of shape \[3, 3\] cannot be written into self of shape \[2, 3\]/],
  ["fill_ with a string", () => x23().fill_(any("1")), /^fill_: value must be a number or a 0-d tensor, got the string '1'/],
  ["copy_ of a number", () => x23().copy_(any(1)), /^copy_: src must be a Tensor, got 1/],
  // recurrent and transformer layers
  ["LSTM input of rank 4", () => new nn.LSTM(3, 4).forward(Tensor.ones([2, 2, 2, 3])), /^nn\.LSTM: Expected input to be 2D .* got 4D/],
  ["GRU input of the wrong size", () => new nn.GRU(3, 4).forward(Tensor.ones([5, 2, 2])), /^nn\.GRU: input\.size\(-1\) must be equal to inputSize\. Expected 3, got 2/],
  ["RNN h0 of the wrong shape", () => new nn.RNN(3, 4, 2).forward(Tensor.ones([5, 2, 3]), Tensor.ones([1, 2, 4])), /^nn\.RNN: Expected h0 of shape \[2, 2, 4\]/],
  ["LSTM with projSize", () => new nn.LSTM(3, 4, { projSize: 2 }), /^nn\.LSTM: projSize is not supported/],
  ["LSTM with an unknown option", () => new nn.LSTM(3, 4, any({ batch_first: true })), /^nn\.LSTM: unknown option 'batch_first'/],
  ["LSTMCell c of the wrong shape", () => new nn.LSTMCell(3, 4).forward(Tensor.ones([2, 3]), [Tensor.ones([2, 4]), Tensor.ones([4])]), /^nn\.LSTMCell: c must have shape \[2, 4\]/],
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
