// npm run mnist:cnn: train a small CNN on MNIST digits: two blocks of 3×3 convolution, ReLU and 2×2
// max-pooling (16 then 32 channels), dropout, and a linear head; Adam, cross-entropy. Same flags
// and outputs as examples/mnist.ts (`--help`). The weights load into the CNN class of
// bench/mnist_torch.py (conv1.weight, conv2.weight, fc.weight, ...).
import { Tensor, nn } from "../src/node.js";
import { parseMnistArgs, setup, loadData, evaluateSaved, train } from "./util/mnist-common.js";

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
await setup(args); // device (webgpu is started here) and seed

const model = new CNN();
const split = loadData(args);
if (args.load !== undefined) await evaluateSaved("mnist-cnn", model, args, split); // --load: evaluate, no training

await train("mnist-cnn", "CNN conv16-conv32-fc", model, args, split, { evalBatch: 500, barEvery: 25 });
