// The arguments of the nn.functional ops: PyTorch's positional forms honoured (with PyTorch 1.13's
// values), and bad, unknown or extra arguments refused with a message naming the op and the argument.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor } from "../src/node.js";

const js = { device: "js" } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (v: unknown): any => v;
/** Calls f with arguments its TypeScript signature refuses (as JavaScript callers may). */
const call = (f: unknown, ...args: unknown[]): unknown => (f as (...a: unknown[]) => unknown)(...args);
const x = () => tensor([[1, 2, 4], [0.5, -1, 3]], js);
const y = () => tensor([[0, 1, 2], [1, 1, 1]], js);
const close = (t: Tensor, want: number | number[] | number[][], tol = 1e-5) => {
  const got = t.toArray() as unknown;
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const [g, w] = [flat(got), flat(want)];
  assert.equal(g.length, w.length, `length ${g.length} vs ${w.length}`);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i])), `element ${i}: ${v} vs ${w[i]}`));
};
const same = (a: Tensor, b: Tensor) => {
  assert.deepEqual(a.shape, b.shape);
  close(a, b.toArray() as number[]);
};

describe("F arguments: PyTorch's positional forms are honoured", () => {
  test("variance and std: (dim, unbiased, keepdim), (unbiased), and the options form", () => {
    close(F.variance(x(), 1, false), [1.5555556, 2.7222223]);
    const kept = F.variance(x(), 1, true, true);
    assert.deepEqual(kept.shape, [2, 1]);
    close(kept, [[2.3333333], [4.0833335]]);
    close(F.variance(x(), false), 2.7013888);
    same(F.variance(x(), { correction: 0 }), F.variance(x(), false));
    same(F.variance(x(), 1, { correction: 0 }), F.variance(x(), 1, false));
    same(F.variance(x(), { dim: 1, unbiased: false, keepdim: true }), F.variance(x(), 1, false, true));
    close(F.std(x(), 1, false, true), [[1.2472191], [1.6499158]]);
    same(F.std(x(), 1, { correction: 0, keepdim: true }), F.std(x(), 1, false, true));
    same(x().var(1, { correction: 0 }), F.variance(x(), 1, false)); // the Tensor method still agrees
  });

  test("logsumexp: keepdim positional or by name", () => {
    close(F.logsumexp(x(), 1, true), [[4.169846], [3.0956743]]);
    assert.deepEqual(F.logsumexp(x(), 1, true).shape, [2, 1]);
    same(F.logsumexp(x(), 1, { keepdim: true }), F.logsumexp(x(), 1, true));
    same(F.logsumexp(x(), { dim: 1, keepdim: true }), F.logsumexp(x(), 1, true));
    assert.deepEqual(F.logsumexp(x(), { keepdim: true }).shape, [1, 1]);
  });

  test("losses: reduction after the deprecated sizeAverage and reduce, weights in PyTorch's third place", () => {
    close(F.mseLoss(x(), y(), null, null, "sum"), 14.25);
    same(F.l1Loss(x(), y(), null, null, "none"), F.l1Loss(x(), y(), { reduction: "none" }));
    same(F.softMarginLoss(x(), y(), undefined, undefined, "sum"), F.softMarginLoss(x(), y(), { reduction: "sum" }));
    close(F.smoothL1Loss(x(), y(), null, null, "sum", 0.5), 7.0);
    close(F.huberLoss(x(), y(), "sum", 0.5), 3.5);
    const t = tensor([[0, 1, 1], [1, 0, 0.5]], js), w = tensor([1, 2, 3], js), pw = tensor([2, 1, 0.5], js);
    close(F.binaryCrossEntropyWithLogits(x(), t, w), 1.2279884);
    same(F.binaryCrossEntropyWithLogits(x(), t, { weight: w }), F.binaryCrossEntropyWithLogits(x(), t, w));
    close(F.binaryCrossEntropyWithLogits(x(), t, w, null, null, "mean", pw), 1.2963903);
    same(F.binaryCrossEntropyWithLogits(x(), t, { weight: w, posWeight: pw }), F.binaryCrossEntropyWithLogits(x(), t, w, null, null, "mean", pw));
    const lbl = tensor([2, 0], { dtype: "int32", ...js });
    close(F.crossEntropy(x(), lbl, w), 0.7763031);
    close(F.nllLoss(F.logSoftmax(x(), 1), lbl, w), 0.7763031);
    same(F.crossEntropy(x(), lbl, w, null, -100, null, "sum"), F.crossEntropy(x(), lbl, { weight: w, reduction: "sum" }));
    const p = x().sigmoid();
    same(F.binaryCrossEntropy(p, t, w), F.binaryCrossEntropy(p, t, { weight: w }));
    same(F.multiLabelSoftMarginLoss(x(), t, w), F.multiLabelSoftMarginLoss(x(), t, { weight: w }));
  });

  test("the other losses: PyTorch's positional order gives the options form's value", () => {
    const a = x(), b = y(), sign = tensor([[1, -1, 1], [-1, 1, 1]], js), pos = x().abs().add(0.5);
    const lp = F.logSoftmax(a, 1), p = F.softmax(b, 1);
    same(F.klDiv(lp, p, null, null, "sum", false), F.klDiv(lp, p, { reduction: "sum" }));
    same(F.marginRankingLoss(a, b, sign, 0.5, null, null, "sum"), F.marginRankingLoss(a, b, sign, { margin: 0.5, reduction: "sum" }));
    same(F.hingeEmbeddingLoss(a, sign, 2), F.hingeEmbeddingLoss(a, sign, { margin: 2 }));
    const s1 = tensor([1, -1], js);
    same(F.cosineEmbeddingLoss(a, b, s1, 0.2, null, null, "none"), F.cosineEmbeddingLoss(a, b, s1, { margin: 0.2, reduction: "none" }));
    same(F.tripletMarginLoss(a, b, pos, 0.5, 1, 1e-6, true), F.tripletMarginLoss(a, b, pos, { margin: 0.5, p: 1, swap: true }));
    const lbl = tensor([2, 0], { dtype: "int32", ...js }), w = tensor([1, 2, 3], js);
    same(F.multiMarginLoss(a, lbl, 2, 0.5, w), F.multiMarginLoss(a, lbl, { p: 2, margin: 0.5, weight: w }));
    same(F.poissonNllLoss(pos, b, false, true, null, 1e-6), F.poissonNllLoss(pos, b, { logInput: false, full: true, eps: 1e-6 }));
    same(F.gaussianNllLoss(a, b, pos, true, 1e-3, "sum"), F.gaussianNllLoss(a, b, pos, { full: true, eps: 1e-3, reduction: "sum" }));
    const logProbs = F.logSoftmax(Tensor.randn([6, 1, 4], js), 2), targets = tensor([[1, 2]], { dtype: "int32", ...js });
    same(F.ctcLoss(logProbs, targets, [6], [2], 0, "sum"), F.ctcLoss(logProbs, targets, [6], [2], { blank: 0, reduction: "sum" }));
  });

  test("activations: gelu's approximate and leakyRelu's slope positionally, inplace false accepted", () => {
    close(F.gelu(x(), "tanh"), [[0.841192, 1.9545977, 3.9999299], [0.345714, -0.158808, 2.9963627]]);
    same(F.gelu(x(), "tanh"), F.gelu(x(), { approximate: "tanh" }));
    close(F.leakyRelu(x(), 0.2, false), [[1, 2, 4], [0.5, -0.2, 3]]);
    same(F.leakyRelu(x(), { negativeSlope: 0.2 }), F.leakyRelu(x(), 0.2));
    same(F.relu(x(), false), F.relu(x()));
    same(F.silu(x(), { inplace: false }), F.silu(x()));
    same(F.hardswish(x(), false), F.hardswish(x()));
  });

  test("linear with a 1-D weight, dropout's options form", () => {
    close(F.linear(x(), tensor([1, -1, 0.5], js)), [1, 3]);
    same(F.dropout(x(), { p: 0.5, training: false }), x());
    same(F.dropout(x(), 0.3, false, false), x());
  });

  test("scaledDotProductAttention: attnMask, dropoutP and isCausal positionally", () => {
    const q = Tensor.randn([2, 4, 8], js), k = Tensor.randn([2, 4, 8], js), v = Tensor.randn([2, 4, 8], js);
    const causal = Tensor.ones([4, 4], js).tril().int();
    const masked = F.scaledDotProductAttention(q, k, v, causal);
    same(masked, F.scaledDotProductAttention(q, k, v, { attnMask: causal }));
    same(masked, F.scaledDotProductAttention(q, k, v, null, 0, true));
    assert.notDeepEqual(masked.toArray(), F.scaledDotProductAttention(q, k, v).toArray());
    same(F.scaledDotProductAttention(q, k, v, null, 0, false, { scale: 0.5 }), F.scaledDotProductAttention(q, k, v, { scale: 0.5 }));
  });
});

describe("F arguments: bad, unknown and extra arguments are refused", () => {
  const lbl = () => tensor([2, 0], { dtype: "int32", ...js });
  const i32 = () => Tensor.zeros([2, 3], { dtype: "int32", ...js });
  const cases: [string, () => unknown, RegExp][] = [
    ["variance correction in the options", () => call(F.variance, x(), 1, { correction: any("a") }), /^variance: correction must be a finite number, got the string 'a'$/],
    ["variance unbiased and correction", () => F.variance(x(), 1, { unbiased: false, correction: 0 }), /^variance: give unbiased or correction, not both$/],
    ["variance keepdim", () => F.variance(x(), 1, true, any("yes")), /^variance: keepdim must be true or false, got the string 'yes'$/],
    ["variance fractional dim", () => F.variance(x(), 1.5), /^variance: dim must be an integer, got 1\.5$/],
    ["variance unknown key", () => F.variance(x(), 1, any({ bogus: 1 })), /^variance: unknown option 'bogus' \(expected 'dim', 'unbiased', 'keepdim', 'correction'\)$/],
    ["variance extra positional", () => call(F.variance, x(), 1, true, true, 1), /^variance: expected at most 3 arguments after the tensor arguments \(dim, unbiased, keepdim\), got 4$/],
    ["std null input", () => call(F.std, any(null), 1), /^std: input must be a Tensor, got null$/],
    ["logsumexp keepdim", () => F.logsumexp(x(), 1, { keepdim: any("yes") }), /^logsumexp: keepdim must be true or false, got the string 'yes'$/],
    ["logsumexp string dim", () => F.logsumexp(x(), any("1")), /^logsumexp: dim must be an integer, got the string '1'$/],
    ["logsumexp options not last", () => call(F.logsumexp, x(), 1, { keepdim: true }, 1), /^logsumexp: an options object must be the last argument$/],
    ["mseLoss reduction in sizeAverage's place", () => call(F.mseLoss, x(), y(), any("sum")), /^mseLoss: sizeAverage \(PyTorch's deprecated size_average\) is not supported, got the string 'sum': give reduction instead \('mean', 'sum' or 'none'\), e\.g\. \{ reduction: 'sum' \}$/],
    ["mseLoss reduce", () => F.mseLoss(x(), y(), null, any(false)), /^mseLoss: reduce \(PyTorch's deprecated reduce\) is not supported, got boolean: give reduction instead \('mean', 'sum' or 'none'\), e\.g\. \{ reduction: 'sum' \}$/],
    ["mseLoss unknown key", () => F.mseLoss(x(), y(), any({ bogus: 1 })), /^mseLoss: unknown option 'bogus' \(expected 'reduction'\)$/],
    ["mseLoss null input", () => F.mseLoss(any(null), y()), /^mseLoss: input must be a Tensor, got null$/],
    ["l1Loss options not last", () => call(F.l1Loss, x(), y(), {}, 1), /^l1Loss: an options object must be the last argument$/],
    ["crossEntropy options not last", () => call(F.crossEntropy, x(), lbl(), {}, 1), /^crossEntropy: an options object must be the last argument$/],
    ["klDiv reduction in sizeAverage's place", () => call(F.klDiv, x(), y(), "sum"), /^klDiv: sizeAverage \(PyTorch's deprecated size_average\) is not supported, got the string 'sum': give reduction instead \('mean', 'sum' or 'none'\), e\.g\. \{ reduction: 'sum' \}$/],
    ["hingeEmbeddingLoss options not last", () => call(F.hingeEmbeddingLoss, x(), y(), {}, 1), /^hingeEmbeddingLoss: an options object must be the last argument$/],
    ["gaussianNllLoss too many", () => call(F.gaussianNllLoss, x(), y(), y(), false, 1e-6, "mean", 1), /^gaussianNllLoss: expected at most 3 arguments after the tensor arguments \(full, eps, reduction\), got 4$/],
    ["tripletMarginLoss unknown key", () => call(F.tripletMarginLoss, x(), y(), y(), { sizeAverage: null }), /^tripletMarginLoss: unknown option 'sizeAverage' \(expected 'margin', 'p', 'eps', 'swap', 'reduction'\)$/],
    ["huberLoss too many", () => call(F.huberLoss, x(), y(), "sum", 1, 2), /^huberLoss: expected at most 2 arguments after the tensor arguments \(reduction, delta\), got 3$/],
    ["bceWithLogits posWeight a number", () => call(F.binaryCrossEntropyWithLogits, x(), y(), { posWeight: any(2) }), /^binaryCrossEntropyWithLogits: posWeight must be a Tensor or null, got 2$/],
    ["bceWithLogits unknown key", () => F.binaryCrossEntropyWithLogits(x(), y(), any({ bogus: 1 })), /^binaryCrossEntropyWithLogits: unknown option 'bogus' \(expected 'weight', 'reduction', 'posWeight'\)$/],
    ["bceWithLogits weight shape", () => F.binaryCrossEntropyWithLogits(x(), y(), Tensor.ones([2], js)), /^binaryCrossEntropyWithLogits: weight of shape \[2\] cannot broadcast to the input's shape \[2, 3\]$/],
    ["bceWithLogits null input", () => F.binaryCrossEntropyWithLogits(any(null), y()), /^binaryCrossEntropyWithLogits: input must be a Tensor, got null$/],
    ["linear number bias", () => F.linear(x(), Tensor.ones([4, 3], js), any(5)), /^linear: bias must be a Tensor or null, got 5$/],
    ["linear bias shape", () => F.linear(x(), Tensor.ones([4, 3], js), Tensor.ones([5], js)), /^linear: bias must have shape \[4\] for weight \[4, 3\], got \[5\]$/],
    ["linear extra", () => call(F.linear, x(), Tensor.ones([4, 3], js), null, 1), /^linear: expected at most 3 arguments \(input, weight, bias\), got 4$/],
    ["linear null weight", () => call(F.linear, x(), any(null)), /^linear: weight must be a Tensor, got null$/],
    ["linear int32 input", () => F.linear(i32(), Tensor.ones([4, 3], js)), /^linear: input must be a floating-point tensor, got int32 \(shape \[2, 3\]\)$/],
    ["gelu unknown approximate", () => F.gelu(x(), { approximate: any("tanhh") }), /^gelu: approximate must be 'none' or 'tanh', got the string 'tanhh'$/],
    ["gelu unknown key", () => F.gelu(x(), any({ bogus: 1 })), /^gelu: unknown option 'bogus' \(expected 'approximate'\)$/],
    ["gelu extra", () => call(F.gelu, x(), "tanh", 1), /^gelu: expected at most 1 argument after the tensor arguments \(approximate\), got 2$/],
    ["relu inplace", () => call(F.relu, x(), true), /^relu: inplace=true is not supported \(dlgrad has no in-place activations\): use the returned tensor$/],
    ["relu null", () => F.relu(any(null)), /^relu: input must be a Tensor, got null$/],
    ["relu unknown key", () => F.relu(x(), any({ bogus: 1 })), /^relu: unknown option 'bogus' \(expected 'inplace'\)$/],
    ["sigmoid extra", () => call(F.sigmoid, x(), true), /^sigmoid: expected at most 1 argument \(input\), got 2$/],
    ["tanh string", () => call(F.tanh, any("abc")), /^tanh: input must be a Tensor, got the string 'abc'$/],
    ["silu inplace", () => F.silu(x(), { inplace: true }), /^silu: inplace=true is not supported \(dlgrad has no in-place activations\): use the returned tensor$/],
    ["mish extra", () => call(F.mish, x(), false, 1), /^mish: expected at most 1 argument after the tensor arguments \(inplace\), got 2$/],
    ["softsign extra", () => call(F.softsign, x(), { bogus: 1 }), /^softsign: expected at most 1 argument \(input\), got 2$/],
    ["leakyRelu string slope", () => call(F.leakyRelu, x(), any("0.2")), /^leakyRelu: negativeSlope must be a number, got the string '0\.2'$/],
    ["leakyRelu null slope", () => F.leakyRelu(x(), any(null)), /^leakyRelu: negativeSlope must be a number, got null$/],
    ["leakyRelu inplace", () => F.leakyRelu(x(), 0.2, true), /^leakyRelu: inplace=true is not supported \(dlgrad has no in-place activations\): use the returned tensor$/],
    ["prelu extra", () => call(F.prelu, x(), Tensor.full([3], 0.25, js), 1), /^prelu: expected at most 2 arguments \(input, weight\), got 3$/],
    ["softmax extra", () => call(F.softmax, x(), 1, "float64"), /^softmax: expected an options object, got the string 'float64'$/],
    ["dropout string p", () => call(F.dropout, x(), any("0.5")), /^dropout: p must be a probability in \[0, 1\], got the string '0\.5'$/],
    ["dropout training", () => F.dropout(x(), 0.5, any("no")), /^dropout: training must be true or false, got the string 'no'$/],
    ["dropout inplace", () => F.dropout(x(), 0.5, true, true), /^dropout: inplace=true is not supported \(dlgrad has no in-place activations\): use the returned tensor$/],
    ["layerNorm eps", () => F.layerNorm(x(), [3], null, null, any("a")), /^layerNorm: eps must be a number, got the string 'a'$/],
    ["layerNorm extra", () => call(F.layerNorm, x(), [3], null, null, 1e-5, 1), /^layerNorm: expected at most 5 arguments \(input, normalizedShape, weight, bias, eps\), got 6$/],
    ["layerNorm int32", () => call(F.layerNorm, i32(), [3]), /^layerNorm: input must be a floating-point tensor, got int32 \(shape \[2, 3\]\)$/],
    ["layerNorm string shape", () => F.layerNorm(x(), any("3")), /^layerNorm: normalizedShape must be an integer or an array of integers, got the string '3'$/],
    ["rmsNorm eps", () => F.rmsNorm(x(), [3], null, any("a")), /^rmsNorm: eps must be a number, got the string 'a'$/],
    ["rmsNorm extra", () => call(F.rmsNorm, x(), [3], null, 1e-6, 1), /^rmsNorm: expected at most 4 arguments \(input, normalizedShape, weight, eps\), got 5$/],
    ["bilinear extra", () => call(F.bilinear, x(), Tensor.ones([2, 5], js), Tensor.ones([4, 3, 5], js), null, 1), /^bilinear: expected at most 4 arguments \(input1, input2, weight, bias\), got 5$/],
    ["channelShuffle extra", () => call(F.channelShuffle, Tensor.ones([1, 4, 2, 2], js), 2, 1), /^channelShuffle: expected at most 2 arguments \(input, groups\), got 3$/],
    ["adaptiveAvgPool1d extra", () => call(F.adaptiveAvgPool1d, Tensor.ones([1, 2, 4], js), 2, 1), /^adaptiveAvgPool1d: expected at most 2 arguments \(input, outputSize\), got 3$/],
    ["adaptiveAvgPool2d extra", () => call(F.adaptiveAvgPool2d, Tensor.ones([1, 2, 4, 4], js), 2, 1), /^adaptiveAvgPool2d: expected at most 2 arguments \(input, outputSize\), got 3$/],
    ["adaptiveAvgPool3d extra", () => call(F.adaptiveAvgPool3d, Tensor.ones([1, 1, 2, 2, 2], js), 1, 1), /^adaptiveAvgPool3d: expected at most 2 arguments \(input, outputSize\), got 3$/],
    ["pixelShuffle extra", () => call(F.pixelShuffle, Tensor.ones([1, 4, 2, 2], js), 2, 1), /^pixelShuffle: expected at most 2 arguments \(input, upscaleFactor\), got 3$/],
    ["pixelUnshuffle extra", () => call(F.pixelUnshuffle, Tensor.ones([1, 1, 4, 4], js), 2, 1), /^pixelUnshuffle: expected at most 2 arguments \(input, downscaleFactor\), got 3$/],
    ["oneHot extra", () => call(F.oneHot, lbl(), 3, 1), /^oneHot: expected at most 2 arguments \(input, numClasses\), got 3$/],
    ["oneHot null", () => F.oneHot(any(null), 3), /^oneHot: input must be a Tensor, got null$/],
    ["oneHot huge numClasses", () => F.oneHot(lbl(), 1e10), /^oneHot: numClasses must be an integer in \[-1, 2147483647\], got 10000000000$/],
    ["interpolate huge scaleFactor", () => F.interpolate(Tensor.ones([1, 1, 4, 4], js), { scaleFactor: 1e5 }), /^interpolate: scaleFactor 100000 gives an output \[1, 1, 400000, 400000\] of 160000000000 elements, more than a tensor can hold \(2147483647\)$/],
    ["interpolate huge size", () => F.interpolate(Tensor.ones([1, 1, 4, 4], js), { size: [100000, 100000] }), /^interpolate: size \[100000,100000\] gives an output \[1, 1, 100000, 100000\] of 10000000000 elements, more than a tensor can hold \(2147483647\)$/],
    ["pad huge", () => F.pad(Tensor.ones([1, 1, 4, 4], js), [1e9, 1e9]), /^pad: the padded shape \[1, 1, 4, 2000000004\] has 8000000016 elements, more than a tensor can hold \(2147483647\)$/],
  ];
  const q = () => Tensor.randn([2, 4, 8], js);
  cases.push(
    ["sdpa unknown key", () => call(F.scaledDotProductAttention, q(), q(), q(), any({ is_causal: true })), /^scaledDotProductAttention: unknown option 'is_causal' \(expected 'attnMask', 'dropoutP', 'isCausal', 'scale', 'training'\)$/],
    ["sdpa isCausal", () => F.scaledDotProductAttention(q(), q(), q(), { isCausal: any("yes") }), /^scaledDotProductAttention: isCausal must be true or false, got the string 'yes'$/],
    ["sdpa attnMask a number", () => F.scaledDotProductAttention(q(), q(), q(), { attnMask: any(1) }), /^scaledDotProductAttention: attnMask must be a Tensor, got 1$/],
    ["sdpa attnMask shape", () => F.scaledDotProductAttention(q(), q(), q(), Tensor.ones([3, 3], js)), /^scaledDotProductAttention: attnMask of shape \[3, 3\] cannot broadcast to the attention scores' shape \[2, 4, 4\] \(\[\.\.\., L, S\]\)$/],
    ["sdpa dropoutP", () => F.scaledDotProductAttention(q(), q(), q(), null, 2), /^scaledDotProductAttention: dropoutP must be a probability in \[0, 1\], got 2$/],
    ["sdpa scale", () => F.scaledDotProductAttention(q(), q(), q(), { scale: any("a") }), /^scaledDotProductAttention: scale must be a number, got the string 'a'$/],
    ["sdpa scale positional", () => call(F.scaledDotProductAttention, q(), q(), q(), null, 0, false, 0.5), /^scaledDotProductAttention: expected at most 3 arguments after the tensor arguments \(attnMask, dropoutP, isCausal\), got 4$/],
    ["sdpa null query", () => F.scaledDotProductAttention(any(null), q(), q()), /^scaledDotProductAttention: query must be a Tensor, got null$/],
    ["sdpa int32", () => F.scaledDotProductAttention(q().int(), q(), q()), /^scaledDotProductAttention: query must be a floating-point tensor, got int32 \(shape \[2, 4, 8\]\)$/],
  );
  for (const [name, f, re] of cases) {
    test(name, () => assert.throws(f, (e: Error) => {
      assert.match(e.message, re);
      return true;
    }));
  }
});
