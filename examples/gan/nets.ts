// The GAN's two MLPs (examples/mnist-gan.ts).
import { nn } from "../../src/node.js";

/** noise → h → 2h → 4h → 784, LeakyReLU(0.2) between, Tanh at the end: images in [−1, 1]. With
 *  noise 128 and h 256: 128 → 256 → 512 → 1024 → 784. */
export function generator(noise = 128, h = 256): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(noise, h), new nn.LeakyReLU(0.2),
    new nn.Linear(h, 2 * h), new nn.LeakyReLU(0.2),
    new nn.Linear(2 * h, 4 * h), new nn.LeakyReLU(0.2),
    new nn.Linear(4 * h, 784), new nn.Tanh(),
  );
}

/** 784 → 4h → 2h → h → 1 logit, LeakyReLU(0.2) between. With h 256: 784 → 1024 → 512 → 256 → 1. */
export function discriminator(h = 256): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(784, 4 * h), new nn.LeakyReLU(0.2),
    new nn.Linear(4 * h, 2 * h), new nn.LeakyReLU(0.2),
    new nn.Linear(2 * h, h), new nn.LeakyReLU(0.2),
    new nn.Linear(h, 1),
  );
}
