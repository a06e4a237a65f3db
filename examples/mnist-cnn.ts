// npm run mnist:cnn: train a small CNN on MNIST digits: two blocks of 3×3 convolution, ReLU and 2×2
// max-pooling (16 then 32 channels), dropout, and a linear head; Adam, cross-entropy. Same flags
// and outputs as examples/mnist.ts (`--help`). The weights load into the CNN class of
// bench/mnist_torch.py (conv1.weight, conv2.weight, fc.weight, ...).
import { Tensor, nn, optim, data } from "../src/index.js";
import { Progress, pct } from "./util/progress.js";
import { parseMnistArgs, setup, loadData, evaluate, evaluateSaved, finish, countParameters, type History } from "./util/mnist-common.js";

class CNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3, { padding: 1 }); // [N, 16, 28, 28]
  pool1 = new nn.MaxPool2d(2); //                     [N, 16, 14, 14]
  conv2 = new nn.Conv2d(16, 32, 3, { padding: 1 }); // [N, 32, 14, 14]
  pool2 = new nn.MaxPool2d(2); //                     [N, 32, 7, 7]
  dropout = new nn.Dropout(0.25);
  fc = new nn.Linear(32 * 7 * 7, 10);

  override forward(x: Tensor): Tensor {
    x = x.reshape([-1, 1, 28, 28]); // the data is [N, 784]
    x = this.pool1.forward(this.conv1.forward(x).relu());
    x = this.pool2.forward(this.conv2.forward(x).relu());
    return this.fc.forward(this.dropout.forward(x.flatten(1)));
  }
}

const args = parseMnistArgs(
  "mnist-cnn",
  "Trains a small CNN (2 × conv3×3 + ReLU + maxpool, dropout, linear) with Adam on MNIST digits and saves the weights and the learning curves.",
  { epochs: 10, batchSize: 64, lr: 1e-3 },
);
setup(args); // device and seed

const model = new CNN();
const split = loadData(args);
const { trainImages, trainLabels, testImages, testLabels } = split;
if (args.load !== undefined) evaluateSaved("mnist-cnn", model, args, split); // --load: evaluate, no training

const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: args.batchSize, shuffle: true, seed: args.seed });
const optimizer = new optim.Adam(model.parameters(), { lr: args.lr });
console.log(
  `CNN conv16-conv32-fc (${countParameters(model).toLocaleString("en-US")} parameters), Adam lr ${args.lr}, batch ${args.batchSize}, ` +
    `${args.epochs} epoch${args.epochs === 1 ? "" : "s"}, ${trainImages.shape[0]} training / ${testImages.shape[0]} test samples from ${split.source}, device ${args.device}`,
);

const history: History = { stepX: [], stepLoss: [], epochs: [] };
const bar = new Progress({ total: loader.length, epochs: args.epochs, every: 25 });
const runStart = performance.now();
let trainSeconds = 0;

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

    const l = loss.item();
    lossSum += l * x.shape[0];
    correct += logits.argmax(1).eq(y).sum().item();
    seen += x.shape[0];
    history.stepX.push(epoch - 1 + ++step / loader.length);
    history.stepLoss.push(l);
    bar.update(step, { loss: lossSum / seen, acc: correct / seen });
  }
  const seconds = (performance.now() - t0) / 1000;
  trainSeconds += seconds;
  const testAccuracy = evaluate(model, testImages, testLabels, 500);
  history.epochs.push({ epoch, loss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy, seconds });
  bar.endEpoch({ loss: lossSum / seen, acc: correct / seen }, `test acc ${pct(testAccuracy)}`);
}

finish("mnist-cnn", model, args, split, history, {
  trainSeconds, totalSeconds: (performance.now() - runStart) / 1000, steps: args.epochs * loader.length,
}, "MNIST CNN conv16-conv32-fc");
