// Argument checks of the nn layers (Linear, LayerNorm, RMSNorm, dropout, the activations, Flatten,
// Softmax, MultiheadAttention, the recurrent layers, padding, pooling, containers) and of Module's
// train and loadStateDict: PyTorch's positional parameters honoured, the rest refused with a clear error.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, nn, tensor } from "../src/node.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = { device: "js" };
const x2 = () => tensor([[1, -2, 3], [0.5, -0.5, 2]], js);
const close = (a: Tensor, b: number[][], tol = 1e-5) =>
  (a.toArray() as number[][]).forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= tol, `[${i}, ${j}]: ${v} vs ${b[i][j]}`)));
const INPLACE = "inplace=true is not supported \\(dlgrad has no in-place activations\\): use the returned tensor";

describe("nn layers honour PyTorch's positional parameters", () => {
  test("Linear(in, out, bias)", () => {
    assert.equal(new nn.Linear(3, 4, false).bias, null);
    assert.equal(new nn.Linear(3, 4, { bias: false }).bias, null);
    assert.deepEqual(new nn.Linear(3, 4, true).bias!.shape, [4]);
  });

  test("GELU(approximate) as PyTorch's nn.GELU('tanh')", () => {
    const y = new nn.GELU("tanh").to("js").forward(x2());
    close(y, [[0.841192, -0.0454023, 2.9963627], [0.345714, -0.154286, 1.9545977]]);
    close(new nn.GELU({ approximate: "tanh" }).forward(x2()), y.toArray() as number[][], 0);
    assert.equal(new nn.GELU("none").approximate, "none");
  });

  test("LayerNorm(shape, eps, elementwiseAffine), RMSNorm(shape, eps, elementwiseAffine)", () => {
    const ln = new nn.LayerNorm(3, 1e-1, false).to("js");
    assert.equal(ln.weight, null);
    assert.equal(ln.eps, 0.1);
    close(ln.forward(x2()), [[0.1603339, -1.2826707, 1.1223369], [-0.1550435, -1.0853040, 1.2403474]]);
    const rms = new nn.RMSNorm(3, 1e-3, false);
    assert.equal(rms.eps, 1e-3);
    assert.equal(rms.weight, null);
  });

  test("MultiheadAttention(embedDim, numHeads, dropout, bias, ..., batchFirst)", () => {
    const m = new nn.MultiheadAttention(8, 2, 0.1, false, false, false, 8, null, true);
    assert.equal(m.dropout, 0.1);
    assert.equal(m.inProjBias, null);
    assert.equal(m.batchFirst, true);
  });

  test("MultiheadAttention.forward(q, k, v, keyPaddingMask, needWeights, attnMask, ...) in PyTorch's order", () => {
    const m = new nn.MultiheadAttention(8, 2).to("js").eval();
    const q = Tensor.randn([5, 2, 8], js);
    const pad = tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], { dtype: "int32", device: "js" });
    const [a, wa] = m.forward(q, q, q, pad);
    const [b, wb] = m.forward(q, q, q, { keyPaddingMask: pad });
    assert.deepEqual(a.toArray(), b.toArray());
    assert.deepEqual(wa!.toArray(), wb!.toArray());
    assert.equal(m.forward(q, q, q, null, false)[1], null);
  });

  test("Dropout(p), LeakyReLU(slope), Flatten(start, end) by name; inplace false taken", () => {
    assert.equal(new nn.Dropout({ p: 0.2 }).p, 0.2);
    assert.equal(new nn.Dropout(0.2, false).p, 0.2);
    assert.equal(new nn.LeakyReLU({ negativeSlope: 0.2 }).negativeSlope, 0.2);
    assert.equal(new nn.LeakyReLU(0.2, false).negativeSlope, 0.2);
    assert.deepEqual(new nn.Flatten({ startDim: 0 }).forward(x2()).shape, [6]);
    for (const M of [nn.ReLU, nn.SiLU, nn.ReLU6, nn.SELU, nn.Mish, nn.Hardswish, nn.Hardsigmoid]) new M(false);
    assert.equal(new nn.ELU(0.5, false).alpha, 0.5);
  });

  test("Upsample(size, scaleFactor, mode) positional; containers take null", () => {
    const x = Tensor.randn([1, 2, 3, 3], js);
    const a = new nn.Upsample(null, 2, "bilinear").forward(x), b = new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(x);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.deepEqual(a.shape, [1, 2, 6, 6]);
    assert.equal(new nn.ModuleDict(null).size, 0);
    assert.equal(new nn.ParameterList(null).length, 0);
  });

  test("loadStateDict(sd, strict) positional; train(mode) a boolean", () => {
    const m = new nn.Linear(3, 4);
    assert.deepEqual(m.loadStateDict({ weight: Tensor.zeros([4, 3]) }, false), { missingKeys: ["bias"], unexpectedKeys: [] });
    assert.throws(() => m.loadStateDict({ weight: Tensor.zeros([4, 3]) }, true), /missing keys: "bias"/);
    assert.equal(m.train(false).training, false);
  });
});

describe("nn layers refuse bad or extra arguments", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["Linear bias", () => new nn.Linear(3, 4, { bias: "no" as any }), /^nn\.Linear: bias must be true or false, got the string 'no'$/],
    ["Linear option", () => new nn.Linear(3, 4, { bogus: 1 } as any), /^nn\.Linear: unknown option 'bogus' \(expected 'bias'\)$/],
    ["Linear object", () => new nn.Linear({ inFeatures: 3 } as any, 4), /^nn\.Linear: inFeatures must be a positive integer, got Object$/],
    ["Linear input size", () => new nn.Linear(3, 4).forward(Tensor.zeros([2, 3, 8, 8])), /^nn\.Linear: input must be \[\.\.\., inFeatures\] with inFeatures = 3, got \[2, 3, 8, 8\]$/],
    ["Linear null input", () => new nn.Linear(3, 4).forward(null as any), /^nn\.Linear: input must be a Tensor, got null$/],
    ["Linear.forward extra", () => (new nn.Linear(3, 4) as any).forward(x2(), 1), /^nn\.Linear\.forward: expected at most 1 argument \(input\), got 2$/],
    ["LayerNorm null", () => new nn.LayerNorm(3).forward(null as any), /^nn\.LayerNorm: input must be a Tensor, got null$/],
    ["LayerNorm size", () => new nn.LayerNorm(-3), /^nn\.LayerNorm: normalizedShape must be a positive integer or an array of them, got -3$/],
    ["LayerNorm eps", () => new nn.LayerNorm(3, { eps: "a" as any }), /^nn\.LayerNorm: eps must be a number, got the string 'a'$/],
    ["LayerNorm affine", () => new nn.LayerNorm(3, { elementwiseAffine: "no" as any }), /^nn\.LayerNorm: elementwiseAffine must be true or false, got the string 'no'$/],
    ["LayerNorm option", () => new nn.LayerNorm(3, { bogus: 1 } as any), /^nn\.LayerNorm: unknown option 'bogus' \(expected 'eps', 'elementwiseAffine', 'bias'\)$/],
    ["RMSNorm option", () => new nn.RMSNorm(3, { bogus: 1 } as any), /^nn\.RMSNorm: unknown option 'bogus' \(expected 'eps', 'elementwiseAffine'\)$/],
    ["RMSNorm eps", () => new nn.RMSNorm(3, { eps: "a" as any }), /^nn\.RMSNorm: eps must be a number, got the string 'a'$/],
    ["Dropout string", () => new nn.Dropout("0.2" as any), /^nn\.Dropout: p must be a probability in \[0, 1\], got the string '0\.2'$/],
    ["Dropout inplace", () => new nn.Dropout(0.2, true), new RegExp(`^nn\\.Dropout: ${INPLACE}$`)],
    ["Dropout null input", () => new nn.Dropout(0.2).forward(null as any), /^nn\.Dropout: input must be a Tensor, got null$/],
    ["ReLU inplace", () => new nn.ReLU(true), new RegExp(`^nn\\.ReLU: ${INPLACE}$`)],
    ["ReLU6 inplace", () => new nn.ReLU6(true), new RegExp(`^nn\\.ReLU6: ${INPLACE}$`)],
    ["Hardtanh inplace", () => new nn.Hardtanh(-1, 1, true), new RegExp(`^nn\\.Hardtanh: ${INPLACE}$`)],
    ["LeakyReLU inplace", () => new nn.LeakyReLU(0.2, true), new RegExp(`^nn\\.LeakyReLU: ${INPLACE}$`)],
    ["ReLU null input", () => new nn.ReLU().forward(null as any), /^nn\.ReLU: input must be a Tensor, got null$/],
    ["Tanh null input", () => new nn.Tanh().forward(null as any), /^nn\.Tanh: input must be a Tensor, got null$/],
    ["ReLU.forward extra", () => (new nn.ReLU() as any).forward(x2(), 1), /^nn\.ReLU\.forward: expected at most 1 argument \(input\), got 2$/],
    ["Mish.forward extra", () => (new nn.Mish() as any).forward(x2(), 1), /^nn\.Mish\.forward: expected at most 1 argument \(input\), got 2$/],
    ["Identity.forward extra", () => (new nn.Identity() as any).forward(x2(), 1), /^nn\.Identity\.forward: expected at most 1 argument \(input\), got 2$/],
    ["Tanh argument", () => new (nn.Tanh as any)(true), /^nn\.Tanh: takes no arguments, got 1$/],
    ["Sigmoid argument", () => new (nn.Sigmoid as any)(true), /^nn\.Sigmoid: takes no arguments, got 1$/],
    ["Softsign argument", () => new (nn.Softsign as any)(true), /^nn\.Softsign: takes no arguments, got 1$/],
    ["GELU approximate", () => new nn.GELU({ approximate: "tanhh" as any }), /^nn\.GELU: approximate must be 'none' or 'tanh', got the string 'tanhh'$/],
    ["GELU option", () => new nn.GELU({ bogus: 1 } as any), /^nn\.GELU: unknown option 'bogus' \(expected 'approximate'\)$/],
    ["LeakyReLU null", () => new nn.LeakyReLU(null as any), /^nn\.LeakyReLU: negativeSlope must be a number, got null$/],
    ["Softmax extra", () => new (nn.Softmax as any)(1, 2), /^nn\.Softmax: expected at most 1 argument \(dim\), got 2$/],
    ["LogSoftmax extra", () => new (nn.LogSoftmax as any)(1, 2), /^nn\.LogSoftmax: expected at most 1 argument \(dim\), got 2$/],
    ["Unflatten extra", () => new (nn.Unflatten as any)(1, [3, 1], 5), /^nn\.Unflatten: expected at most 2 arguments \(dim, unflattenedSize\), got 3$/],
    ["ChannelShuffle extra", () => new (nn.ChannelShuffle as any)(3, 1), /^nn\.ChannelShuffle: expected at most 1 argument \(groups\), got 2$/],
    ["AdaptiveAvgPool1d extra", () => new (nn.AdaptiveAvgPool1d as any)(2, 1), /^nn\.AdaptiveAvgPool1d: expected at most 1 argument \(outputSize\), got 2$/],
    ["AdaptiveAvgPool3d extra", () => new (nn.AdaptiveAvgPool3d as any)(2, 1), /^nn\.AdaptiveAvgPool3d: expected at most 1 argument \(outputSize\), got 2$/],
    ["PixelShuffle extra", () => new (nn.PixelShuffle as any)(2, 1), /^nn\.PixelShuffle: expected at most 1 argument \(upscaleFactor\), got 2$/],
    ["PixelUnshuffle extra", () => new (nn.PixelUnshuffle as any)(2, 1), /^nn\.PixelUnshuffle: expected at most 1 argument \(downscaleFactor\), got 2$/],
    ["ZeroPad2d extra", () => new (nn.ZeroPad2d as any)(1, 7), /^nn\.ZeroPad2d: expected at most 1 argument \(padding\), got 2$/],
    ["ConstantPad1d extra", () => new (nn.ConstantPad1d as any)(1, 0.5, 7), /^nn\.ConstantPad1d: expected at most 2 arguments \(padding, value\), got 3$/],
    ["ModuleList number", () => new nn.ModuleList(5 as any), /^nn\.ModuleList: modules must be an array or iterable of nn\.Modules, got 5$/],
    ["ModuleList extra", () => new (nn.ModuleList as any)([new nn.ReLU()], 1), /^nn\.ModuleList: expected at most 1 argument \(modules\), got 2$/],
    ["Upsample extra", () => new (nn.Upsample as any)(null, 2, "nearest", null, null, 1),
      /^nn\.Upsample: expected at most 5 optional arguments \(size, scaleFactor, mode, alignCorners, recomputeScaleFactor\), got 6$/],
    ["ModuleDict extra", () => new (nn.ModuleDict as any)({}, 1), /^nn\.ModuleDict: expected at most 1 argument \(modules\), got 2$/],
    ["Flatten null input", () => new nn.Flatten().forward(null as any), /^nn\.Flatten: input must be a Tensor, got null$/],
    ["MHA option", () => new nn.MultiheadAttention(8, 2, { bogus: 1 } as any),
      /^nn\.MultiheadAttention: unknown option 'bogus' \(expected 'dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst'\)$/],
    ["MHA batchFirst", () => new nn.MultiheadAttention(8, 2, { batchFirst: "yes" as any }), /^nn\.MultiheadAttention: batchFirst must be true or false, got the string 'yes'$/],
    ["MHA kdim", () => new nn.MultiheadAttention(8, 2, { kdim: 4 }),
      /^nn\.MultiheadAttention: kdim must be null or embedDim \(8\): other key\/value widths are not supported, got 4$/],
    ["MHA addBiasKv", () => new nn.MultiheadAttention(8, 2, 0, true, true), /^nn\.MultiheadAttention: addBiasKv=true is not supported \(only false\)$/],
    ["MHA dropout", () => new nn.MultiheadAttention(8, 2, { dropout: 2 }), /^nn\.MultiheadAttention: dropout must be a probability in \[0, 1\], got 2$/],
    ["MHA needWeights", () => { const q = Tensor.randn([5, 2, 8]); new nn.MultiheadAttention(8, 2).forward(q, q, q, { needWeights: "no" as any }); },
      /^nn\.MultiheadAttention: needWeights must be true or false, got the string 'no'$/],
    ["MHA isCausal", () => { const q = Tensor.randn([5, 2, 8]); new nn.MultiheadAttention(8, 2).forward(q, q, q, { isCausal: "yes" as any }); },
      /^nn\.MultiheadAttention: isCausal must be true or false, got the string 'yes'$/],
    ["MHA extra", () => { const q = Tensor.randn([5, 2, 8]); (new nn.MultiheadAttention(8, 2) as any).forward(q, q, q, null, true, null, true, false, 1); },
      /^nn\.MultiheadAttention: expected at most 5 optional arguments \(keyPaddingMask, needWeights, attnMask, averageAttnWeights, isCausal\), got 6$/],
    ["RNN.forward extra", () => (new nn.RNN(3, 4) as any).forward(Tensor.zeros([5, 2, 3]), Tensor.zeros([1, 2, 4]), 1),
      /^nn\.RNN\.forward: expected at most 2 arguments \(input, hx\), got 3$/],
    ["LSTM.forward extra", () => (new nn.LSTM(3, 4) as any).forward(Tensor.zeros([5, 2, 3]), null, 1), /^nn\.LSTM\.forward: expected at most 2 arguments \(input, hx\), got 3$/],
    ["GRUCell.forward extra", () => (new nn.GRUCell(3, 4) as any).forward(Tensor.zeros([2, 3]), null, 1),
      /^nn\.GRUCell\.forward: expected at most 2 arguments \(input, hx\), got 3$/],
    ["TransformerEncoderLayer src", () => new nn.TransformerEncoderLayer(8, 2, 16, 0).forward(Tensor.zeros([2, 3, 8, 8])),
      /^nn\.TransformerEncoderLayer: src must be \[L, N, E\] \(\[N, L, E\] with batchFirst\) or unbatched \[L, E\], with E = dModel = 8, got \[2, 3, 8, 8\]$/],
    ["train", () => new nn.Linear(3, 4).train("no" as any), /^Linear\.train: mode must be true or false, got the string 'no'$/],
    ["loadStateDict option", () => new nn.Linear(3, 4).loadStateDict({}, { bogus: 1 } as any), /^Linear\.loadStateDict: unknown option 'bogus' \(expected 'strict'\)$/],
    ["loadStateDict strict", () => new nn.Linear(3, 4).loadStateDict({}, "no" as any), /^Linear\.loadStateDict: strict must be true or false, got the string 'no'$/],
  ];
  for (const [name, f, re] of cases) test(name, () => assert.throws(f, (e: Error) => (assert.match(e.message, re), true)));
});
