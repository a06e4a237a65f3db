// npm run mnist: train an MLP (784→256→128→10, ReLU) with Adam and cross-entropy on MNIST digits,
// with a live progress bar; print the test accuracy after each epoch; save the weights as
// safetensors and the loss and accuracy curves as SVG. `--help` lists the flags.
//
// The weights are named like PyTorch's nn.Sequential ("0.weight", "0.bias", "2.weight", ...), so
//   model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
//   model.load_state_dict(safetensors.torch.load_file("out/mnist-mlp.safetensors"))
// loads them in PyTorch.
import { nn, optim, data, load } from "../src/index.js";
import { Progress, pct } from "./util/progress.js";
import {
  parseMnistArgs, setup, loadData, evaluate, writeCurves, saveWeights, countParameters, type History, type EpochRecord,
} from "./util/mnist-common.js";

const args = parseMnistArgs(
  "mnist",
  "Trains an MLP (784→256→128→10, ReLU) with Adam on MNIST digits and saves the weights and the learning curves.",
  { epochs: 15, batchSize: 64, lr: 1e-3 },
);
setup(args);

const model = new nn.Sequential(
  new nn.Linear(784, 256), new nn.ReLU(),
  new nn.Linear(256, 128), new nn.ReLU(),
  new nn.Linear(128, 10),
);

const { trainImages, trainLabels, testImages, testLabels, source } = loadData(args);
const log = (s: string) => console.log(s);

if (args.load !== undefined) {
  // --load: evaluate saved weights, no training
  model.loadStateDict(load(args.load));
  const t0 = performance.now();
  const testAccuracy = evaluate(model, testImages, testLabels);
  const evalSeconds = (performance.now() - t0) / 1000;
  log(`${args.load}: test accuracy ${pct(testAccuracy)} on ${testImages.shape[0]} test samples (${source}, device ${args.device})`);
  if (args.json) {
    console.log(JSON.stringify({ example: "mnist-mlp", loaded: args.load, device: args.device, testSamples: testImages.shape[0], testAccuracy, trainSeconds: 0, evalSeconds, epochs: 0 }));
  }
  process.exit(0);
}

const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: args.batchSize, shuffle: true, seed: args.seed });
const optimizer = new optim.Adam(model.parameters(), { lr: args.lr });
log(
  `MLP 784-256-128-10 (${countParameters(model).toLocaleString("en-US")} parameters), Adam lr ${args.lr}, batch ${args.batchSize}, ` +
    `${args.epochs} epochs, on ${trainImages.shape[0]} training / ${testImages.shape[0]} test samples from ${source}, device ${args.device}`,
);

const history: History = { stepX: [], stepLoss: [], epochs: [] };
const bar = new Progress({ total: loader.length, epochs: args.epochs });
let trainSeconds = 0;
const runStart = performance.now();

for (let epoch = 1; epoch <= args.epochs; epoch++) {
  bar.startEpoch(epoch);
  const t0 = performance.now();
  let lossSum = 0, correct = 0, seen = 0, step = 0;
  for (const [x, y] of loader) {
    const logits = model.forward(x);
    const loss = logits.crossEntropy(y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();

    const n = x.shape[0], l = loss.item();
    lossSum += l * n;
    correct += logits.argmax(1).eq(y).sum().item();
    seen += n;
    step++;
    history.stepX.push(epoch - 1 + step / loader.length);
    history.stepLoss.push(l);
    bar.update(step, { loss: lossSum / seen, acc: correct / seen });
  }
  const seconds = (performance.now() - t0) / 1000;
  trainSeconds += seconds;
  const testAccuracy = evaluate(model, testImages, testLabels);
  const rec: EpochRecord = { epoch, loss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy, seconds };
  history.epochs.push(rec);
  bar.endEpoch({ loss: rec.loss, acc: rec.trainAccuracy }, `test acc ${pct(testAccuracy)}`);
}

const last = history.epochs[history.epochs.length - 1];
const totalSeconds = (performance.now() - runStart) / 1000;
const weights = saveWeights(model, args.save, {
  model: "mlp-784-256-128-10", epochs: args.epochs, testAccuracy: last.testAccuracy.toFixed(4),
});
writeCurves(args.plot, `MNIST MLP 784-256-128-10 · test accuracy ${pct(last.testAccuracy)}`, history);
log(
  `test accuracy ${pct(last.testAccuracy)} after ${args.epochs} epoch${args.epochs === 1 ? "" : "s"}; training took ${trainSeconds.toFixed(1)} s ` +
    `(${((args.epochs * loader.length) / trainSeconds).toFixed(0)} steps/s, ${totalSeconds.toFixed(1)} s with evaluation)`,
);
log(`saved the weights to ${weights} and the curves to ${args.plot}`);

if (args.json) {
  console.log(
    JSON.stringify({
      example: "mnist-mlp",
      device: args.device,
      epochs: args.epochs,
      batchSize: args.batchSize,
      lr: args.lr,
      seed: args.seed,
      trainSamples: trainImages.shape[0],
      testSamples: testImages.shape[0],
      testAccuracy: last.testAccuracy,
      trainAccuracy: last.trainAccuracy,
      finalLoss: last.loss,
      trainSeconds,
      totalSeconds,
      weights,
      plot: args.plot,
      history: history.epochs,
    }),
  );
}

