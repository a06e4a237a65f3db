// npm run mnist: train an MLP (784→256→128→10, ReLU) with Adam and cross-entropy on MNIST digits,
// with a live progress bar; print the test accuracy after each epoch; save the weights as
// safetensors and the loss and accuracy curves as SVG. `--help` lists the flags.
//
// The weights are named like PyTorch's nn.Sequential ("0.weight", "0.bias", "2.weight", ...), so
//   model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
//   model.load_state_dict(safetensors.torch.load_file("out/mnist-mlp.safetensors"))
// loads them in PyTorch.
import { nn, optim, data } from "../src/index.js";
import { Progress, pct } from "./util/progress.js";
import { parseMnistArgs, setup, loadData, evaluate, evaluateSaved, finish, countParameters, type History } from "./util/mnist-common.js";

const args = parseMnistArgs(
  "mnist",
  "Trains an MLP (784→256→128→10, ReLU) with Adam on MNIST digits and saves the weights and the learning curves.",
  { epochs: 15, batchSize: 64, lr: 1e-3 },
);
setup(args); // device and seed

const model = new nn.Sequential(
  new nn.Linear(784, 256), new nn.ReLU(),
  new nn.Linear(256, 128), new nn.ReLU(),
  new nn.Linear(128, 10),
);

const split = loadData(args); // [N, 784] float32 images in [0, 1], [N] int32 labels
const { trainImages, trainLabels, testImages, testLabels } = split;
if (args.load !== undefined) evaluateSaved("mnist-mlp", model, args, split); // --load: evaluate, no training

const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: args.batchSize, shuffle: true, seed: args.seed });
const optimizer = new optim.Adam(model.parameters(), { lr: args.lr });
console.log(
  `MLP 784-256-128-10 (${countParameters(model).toLocaleString("en-US")} parameters), Adam lr ${args.lr}, batch ${args.batchSize}, ` +
    `${args.epochs} epoch${args.epochs === 1 ? "" : "s"}, ${trainImages.shape[0]} training / ${testImages.shape[0]} test samples from ${split.source}, device ${args.device}`,
);

const history: History = { stepX: [], stepLoss: [], epochs: [] };
const bar = new Progress({ total: loader.length, epochs: args.epochs });
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
  const testAccuracy = evaluate(model, testImages, testLabels);
  history.epochs.push({ epoch, loss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy, seconds });
  bar.endEpoch({ loss: lossSum / seen, acc: correct / seen }, `test acc ${pct(testAccuracy)}`);
}

finish("mnist-mlp", model, args, split, history, {
  trainSeconds, totalSeconds: (performance.now() - runStart) / 1000, steps: args.epochs * loader.length,
}, "MNIST MLP 784-256-128-10");
