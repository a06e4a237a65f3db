// npm run mnist:resnet: train a small residual CNN with batch normalization on MNIST digits: a
// 3×3 convolution stem (16 channels, BatchNorm, ReLU, 2×2 max-pooling), two residual blocks (16
// channels at 14×14, then 32 channels at 7×7 with a strided 1×1 projection shortcut) and a
// linear head on the flattened 7×7 map; Adam, cross-entropy. Same flags and outputs as
// examples/mnist.ts (`--help`). The weights load into the ResNet class of bench/mnist_torch.py
// (stem.0.weight, block1.conv1.weight, block1.bn1.runningMean as running_mean, ...).
import { Tensor, nn } from "../src/node.js";
import { parseMnistArgs, setup, loadData, evaluateSaved, train } from "./util/mnist-common.js";

/** conv-BN-ReLU-conv-BN plus the input (projected when the shape changes), then ReLU: He et al.'s basic block. */
class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential | null;

  constructor(inC: number, outC: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(outC);
    this.conv2 = new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(outC);
    this.shortcut = stride !== 1 || inC !== outC
      ? new nn.Sequential(new nn.Conv2d(inC, outC, 1, { stride, bias: false }), new nn.BatchNorm2d(outC))
      : null;
  }

  override forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(this.bn1.forward(this.conv1.forward(x)).relu()));
    return y.add(this.shortcut ? this.shortcut.forward(x) : x).relu();
  }
}

class ResNet extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(1, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2)); // [N, 16, 14, 14]
  block1 = new BasicBlock(16, 16, 1); // [N, 16, 14, 14]
  block2 = new BasicBlock(16, 32, 2); // [N, 32, 7, 7]
  fc = new nn.Linear(32 * 7 * 7, 10);

  override forward(x: Tensor): Tensor {
    x = x.reshape([-1, 1, 28, 28]); // the data is [N, 784]
    x = this.block2.forward(this.block1.forward(this.stem.forward(x)));
    return this.fc.forward(x.flatten(1)); // the 7×7 map keeps where the strokes are
  }
}

const args = parseMnistArgs(
  "mnist-resnet",
  "Trains a small residual CNN with BatchNorm (conv stem, 2 basic blocks, linear) with Adam on MNIST digits and saves the weights and the learning curves.",
  { epochs: 6, batchSize: 64, lr: 1e-3 },
);
await setup(args); // device (webgpu is started here) and seed

const model = new ResNet();
const split = loadData(args);
if (args.load !== undefined) await evaluateSaved("mnist-resnet", model, args, split); // --load: evaluate, no training

await train("mnist-resnet", "ResNet stem16-block16-block32-fc", model, args, split, { evalBatch: 500, barEvery: 25 });
