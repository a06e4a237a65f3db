// npm run mnist: train an MLP (784→256→128→10, ReLU) with Adam and cross-entropy on MNIST digits,
// with a live progress bar; print the test accuracy after each epoch; save the weights as
// safetensors and the loss and accuracy curves as SVG. `--help` lists the flags.
//
// The weights are named like PyTorch's nn.Sequential ("0.weight", "0.bias", "2.weight", ...), so
//   model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
//   model.load_state_dict(safetensors.torch.load_file("out/mnist-mlp.safetensors"))
// loads them in PyTorch.
import { nn } from "../src/node.js";
import { parseMnistArgs, setup, loadData, evaluateSaved, train } from "./util/mnist-common.js";

const args = parseMnistArgs(
  "mnist",
  "Trains an MLP (784→256→128→10, ReLU) with Adam on MNIST digits and saves the weights and the learning curves.",
  { epochs: 15, batchSize: 64, lr: 1e-3 },
);
await setup(args); // device (webgpu is started here) and seed

const model = new nn.Sequential(
  new nn.Linear(784, 256), new nn.ReLU(),
  new nn.Linear(256, 128), new nn.ReLU(),
  new nn.Linear(128, 10),
);

const split = loadData(args); // [N, 784] float32 images in [0, 1], [N] int32 labels
if (args.load !== undefined) await evaluateSaved("mnist-mlp", model, args, split); // --load: evaluate, no training

await train("mnist-mlp", "MLP 784-256-128-10", model, args, split); // the loop: examples/util/mnist-common.ts
