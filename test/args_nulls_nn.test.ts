// Explicit nulls for the nn modules' and optimizers' arguments: a null where PyTorch refuses None
// gets the argument's own error (no longer silently read as the default); where PyTorch accepts
// None, null still works.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, nn, optim, tensor } from "../src/node.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const N = null as any;
const js = { device: "js" };
const params = () => new nn.Linear(2, 2).parameters();
const sgd = () => new optim.SGD(params(), 0.1, 0.9);
const S = optim.lrScheduler;

describe("nn and optim refuse null where PyTorch refuses None", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["Conv2d stride", () => new nn.Conv2d(3, 4, 3, N), /^nn\.Conv2d: stride must be a positive integer or an array of 2, got null$/],
    ["Conv2d padding", () => new nn.Conv2d(3, 4, 3, 1, N), /^nn\.Conv2d: padding must be a non-negative integer or an array of 2, got null$/],
    ["Conv2d dilation", () => new nn.Conv2d(3, 4, 3, 1, 0, N), /^nn\.Conv2d: dilation must be a positive integer or an array of 2, got null$/],
    ["Conv2d groups", () => new nn.Conv2d(3, 4, 3, 1, 0, 1, N), /^nn\.Conv2d: groups must be an integer >= 1, got null$/],
    ["Conv2d bias", () => new nn.Conv2d(3, 4, 3, 1, 0, 1, 1, N), /^nn\.Conv2d: bias must be true or false, got null$/],
    ["Conv2d paddingMode", () => new nn.Conv2d(3, 4, 3, { paddingMode: N }), /^nn\.Conv2d: paddingMode must be 'zeros' or 'reflect' or 'replicate' or 'circular', got null$/],
    ["ConvTranspose2d outputPadding", () => new nn.ConvTranspose2d(3, 4, 3, 1, 0, N), /^nn\.ConvTranspose2d: outputPadding must be a non-negative integer or an array of 2, got null$/],
    ["ELU alpha", () => new nn.ELU(N), /^nn\.ELU: alpha must be a number, got null$/],
    ["Hardtanh minVal", () => new nn.Hardtanh(N), /^nn\.Hardtanh: minVal must be a number, got null$/],
    ["Hardtanh maxVal", () => new nn.Hardtanh(-1, N), /^nn\.Hardtanh: maxVal must be a number, got null$/],
    ["Softplus beta", () => new nn.Softplus(N), /^nn\.Softplus: beta must be a number, got null$/],
    // PyTorch's None is a deprecated implicit dim (0 for 3-D input): refused, as nn.Softmax does, not read as -1
    ["Softmin dim", () => new nn.Softmin(N), /^nn\.Softmin: dim must be an integer, got null$/],
    ["GLU dim", () => new nn.GLU(N), /^nn\.GLU: dim must be an integer, got null$/],
    ["PReLU init", () => new nn.PReLU(1, N), /^nn\.PReLU: init must be a number, got null$/],
    ["CELU alpha", () => new nn.CELU(N), /^nn\.CELU: alpha must be a nonzero number, got null$/],
    ["Hardshrink lambd", () => new nn.Hardshrink(N), /^nn\.Hardshrink: lambd must be a number, got null$/],
    ["Softshrink lambd", () => new nn.Softshrink(N), /^nn\.Softshrink: lambd must be a number >= 0, got null$/],
    ["GRU numLayers", () => new nn.GRU(4, 3, N), /^nn\.GRU: numLayers must be an integer >= 1, got null$/],
    ["LSTM bias", () => new nn.LSTM(4, 3, 1, N), /^nn\.LSTM: bias must be true or false, got null$/],
    ["RNN dropout", () => new nn.RNN(4, 3, { dropout: N }), /^nn\.RNN: dropout must be a probability in \[0, 1\], got null$/],
    ["GRUCell bias", () => new nn.GRUCell(4, 3, N), /^nn\.GRUCell: bias must be true or false, got null$/],
    ["RNNCell nonlinearity", () => new nn.RNNCell(4, 3, true, N), /^nn\.RNNCell: nonlinearity must be 'tanh' or 'relu', got null$/],
    ["CrossEntropyLoss all null", () => new nn.CrossEntropyLoss(N, N, N, N, N, N), /^nn\.CrossEntropyLoss: reduction must be 'mean' or 'sum' or 'none', got null$/],
    ["CrossEntropyLoss ignoreIndex", () => new nn.CrossEntropyLoss(N, N, N), /^nn\.CrossEntropyLoss: ignoreIndex must be an integer, got null$/],
    ["CrossEntropyLoss labelSmoothing", () => new nn.CrossEntropyLoss(N, N, -100, N, "mean", N), /^nn\.CrossEntropyLoss: labelSmoothing must be a number in \[0, 1\], got null$/],
    ["MSELoss reduction", () => new nn.MSELoss(N, N, N), /^nn\.MSELoss: reduction must be 'mean' or 'sum' or 'none', got null$/],
    ["NLLLoss ignoreIndex", () => new nn.NLLLoss(N, N, N), /^nn\.NLLLoss: ignoreIndex must be an integer, got null$/],
    ["SmoothL1Loss beta", () => new nn.SmoothL1Loss({ beta: N }), /^nn\.SmoothL1Loss: beta must be a non-negative number, got null$/],
    ["HuberLoss delta", () => new nn.HuberLoss("mean", N), /^nn\.HuberLoss: delta must be a positive number, got null$/],
    ["KLDivLoss logTarget", () => new nn.KLDivLoss({ logTarget: N }), /^nn\.KLDivLoss: logTarget must be true or false, got null$/],
    ["CosineSimilarity dim", () => new nn.CosineSimilarity(N), /^nn\.CosineSimilarity: dim must be an integer, got null$/],
    ["PairwiseDistance p", () => new nn.PairwiseDistance(N), /^nn\.PairwiseDistance: p must be a non-negative number or Infinity, got null$/],
    ["MarginRankingLoss margin", () => new nn.MarginRankingLoss(N), /^nn\.MarginRankingLoss: margin must be a number, got null$/],
    ["TripletMarginLoss swap", () => new nn.TripletMarginLoss({ swap: N }), /^nn\.TripletMarginLoss: swap must be true or false, got null$/],
    ["AvgPool2d padding", () => new nn.AvgPool2d(2, 2, N), /^nn\.AvgPool2d: padding must be a non-negative integer or an array of 2, got null$/],
    ["MaxPool2d padding", () => new nn.MaxPool2d(2, 2, N), /^nn\.MaxPool2d: padding must be a non-negative integer or an array of 2, got null$/],
    ["MaxPool1d dilation", () => new nn.MaxPool1d(2, 2, 0, N), /^nn\.MaxPool1d: dilation must be a positive integer or a one-element array of them, got null$/],
    ["LocalResponseNorm alpha", () => new nn.LocalResponseNorm(2, N), /^nn\.LocalResponseNorm: alpha must be a number, got null$/],
    ["TransformerEncoderLayer dimFeedforward", () => new nn.TransformerEncoderLayer(8, 2, N), /^nn\.TransformerEncoderLayer: dimFeedforward must be an integer >= 1, got null$/],
    ["Transformer dModel", () => new nn.Transformer(N), /^nn\.Transformer: dModel must be an integer >= 1, got null$/],
    ["Unfold stride", () => new nn.Unfold(2, { stride: N }), /^nn\.Unfold: stride must be a positive integer or an array of 2, got null$/],
    ["EmbeddingBag mode", () => new nn.EmbeddingBag(5, 3, { mode: N }), /^nn\.EmbeddingBag: mode must be 'sum' or 'mean' or 'max', got null$/],
    ["Bilinear bias", () => new nn.Bilinear(2, 2, 3, { bias: N }), /^nn\.Bilinear: bias must be true or false, got null$/],
    ["init.kaimingUniform_ mode", () => nn.init.kaimingUniform_(Tensor.empty([3, 4], js), { mode: N }), /^nn\.init: mode must be "fanIn" or "fanOut", got null$/],
    ["init.kaimingNormal_ nonlinearity", () => nn.init.kaimingNormal_(Tensor.empty([3, 4], js), { nonlinearity: N }), /^nn\.init\.calculateGain: unsupported nonlinearity null$/],
    ["loadStateDict strict", () => new nn.Linear(2, 2).loadStateDict({}, { strict: N }), /^Linear\.loadStateDict: strict must be true or false, got null$/],
    ["Embedding.fromPretrained freeze", () => nn.Embedding.fromPretrained(Tensor.ones([3, 2], js), { freeze: N }), /^nn\.Embedding\.fromPretrained: freeze must be true or false, got null$/],
    ["Adam lr", () => new optim.Adam(params(), N), /^Adam: lr must be a number, got null$/],
    ["Adam betas", () => new optim.Adam(params(), 1e-3, N), /^Adam: betas must be an array of 2 numbers, got null$/],
    ["AdamW weightDecay", () => new optim.AdamW(params(), 1e-3, [0.9, 0.999], 1e-8, N), /^AdamW: weightDecay must be a number, got null$/],
    ["SGD momentum", () => new optim.SGD(params(), 0.1, N), /^SGD: momentum must be a number, got null$/],
    ["RMSprop alpha", () => new optim.RMSprop(params(), 0.01, N), /^RMSprop: alpha must be a number, got null$/],
    ["Adagrad lr", () => new optim.Adagrad(params(), N), /^Adagrad: lr must be a number, got null$/],
    ["Adadelta rho", () => new optim.Adadelta(params(), 1, N), /^Adadelta: rho must be a number, got null$/],
    ["LBFGS maxIter", () => new optim.LBFGS(params(), 1, N), /^LBFGS: maxIter must be an integer >= 1, got null$/],
    ["StepLR gamma", () => new S.StepLR(sgd(), 1, N), /^StepLR: gamma must be a number, got null$/],
    ["CosineAnnealingLR etaMin", () => new S.CosineAnnealingLR(sgd(), 10, N), /^CosineAnnealingLR: etaMin must be a number, got null$/],
    ["LinearLR startFactor", () => new S.LinearLR(sgd(), N), /^LinearLR: startFactor must be in \(0, 1\], got null$/],
    ["OneCycleLR divFactor", () => new S.OneCycleLR(sgd(), 1, 10, { divFactor: N }), /^OneCycleLR: divFactor must be a number, got null$/],
    ["ReduceLROnPlateau factor", () => new S.ReduceLROnPlateau(sgd(), "min", N), /^ReduceLROnPlateau: factor must be a number < 1, got null$/],
    ["CyclicLR gamma", () => new S.CyclicLR(sgd(), 0.1, 1, { gamma: N }), /^CyclicLR: gamma must be a number, got null$/],
  ];
  for (const [name, f, re] of cases) test(name, () => assert.throws(f, (e: Error) => (assert.match(e.message, re), true)));
});

describe("nn and optim still accept null where PyTorch accepts None", () => {
  test("modules", () => {
    const x = Tensor.randn([1, 2, 4, 4], js);
    assert.deepEqual(new nn.MaxPool2d(2, N).forward(x).shape, [1, 2, 2, 2]); // stride None: the kernel size
    assert.equal(new nn.Embedding(5, 3, { paddingIdx: N }).paddingIdx, null);
    assert.equal(new nn.Embedding(5, 3, N).paddingIdx, null); // PyTorch's positional padding_idx
    assert.equal(new nn.Embedding(5, 3, -1).paddingIdx, 4);
    const e = nn.Embedding.fromPretrained(Tensor.ones([3, 2], js), false, N); // PyTorch's (embeddings, freeze, padding_idx)
    assert.deepEqual([e.weight.requiresGrad, e.paddingIdx], [true, null]);
    assert.equal(nn.Embedding.fromPretrained(Tensor.ones([3, 2], js), true, -1).paddingIdx, 2);
    const ce = new nn.CrossEntropyLoss(N, N, -100, N, "mean", 0); // weight, sizeAverage, reduce None
    assert.equal(ce.forward(tensor([[1, 2, 3]], js), tensor([2], { ...js, dtype: "int32" })).ndim, 0);
    new nn.MSELoss(N, N); // sizeAverage, reduce None
    new nn.GaussianNLLLoss({ full: N }); new nn.CTCLoss({ zeroInfinity: N }); // None read as False, as PyTorch does
    const layer = new nn.TransformerEncoderLayer(8, 2, 16, 0, { batchFirst: N, normFirst: N }).to("js");
    assert.deepEqual(layer.forward(Tensor.randn([3, 1, 8], js), { srcMask: N, srcKeyPaddingMask: N }).shape, [3, 1, 8]);
  });

  test("optimizers and schedulers", () => {
    new optim.Adam(params(), 1e-3, [0.9, 0.999], 1e-8, 0, N); // amsgrad None
    new optim.SGD(params(), 0.1, { nesterov: N, maximize: N });
    assert.equal(new optim.LBFGS(params(), 1, 20, N, { lineSearchFn: N }).paramGroups[0].maxEval, 25); // maxEval None: maxIter * 5 / 4
    assert.equal(new S.OneCycleLR(sgd(), 1, N, 2, 5).totalSteps, 10); // totalSteps None: epochs * stepsPerEpoch
    new S.CyclicLR(sgd(), 0.1, 1, 10, N); // stepSizeDown None: stepSizeUp
    nn.init.kaimingUniform_(Tensor.empty([3, 4], js), { a: N }); // a None: calculateGain's slope 0.01
  });
});
