// What the MNIST examples share: command-line flags, the data (with --limit), evaluation, and the
// outputs (weights as safetensors, curves as SVG, the --json line). The training loops themselves
// are in examples/mnist.ts and examples/mnist-cnn.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { Tensor, noGrad, manualSeed, nn, optim, data, saveAsync, load, initDevice, setDefaultDevice } from "../../src/node.js";
import { FLAGS, command } from "./args.js";
import { chartsSvg, writeSvg } from "./plot.js";
import { Progress, pct } from "./progress.js";

export interface Defaults {
  epochs: number;
  batchSize: number;
  lr: number;
}

export interface MnistArgs extends Defaults {
  /** Directory of IDX files, or undefined for the bundled digits. */
  dataDir: string | undefined;
  device: string;
  /** Where the weights go (default `<out>/<name>.safetensors`). */
  save: string;
  /** Weights to evaluate instead of training. */
  load: string | undefined;
  /** Directory of the default outputs (weights, curves). */
  out: string;
  plot: string;
  json: boolean;
  seed: number;
  /** Use only this many training (and test) samples; 0 = all. */
  limit: number;
}

/** Parses the MNIST examples' flags (`--help` prints the usage and exits; a bad flag exits 2). */
export function parseMnistArgs(name: string, description: string, defaults: Defaults, argv = process.argv.slice(2)): MnistArgs {
  const file = modelFile(name);
  const cli = command({
    name,
    synopsis: `npm run ${name === "mnist" ? "mnist" : "mnist:cnn"} -- [flags]   (or: node dist/examples/${name}.js [flags])`,
    description,
    flags: {
      epochs: FLAGS.epochs(defaults.epochs),
      "batch-size": FLAGS.batchSize(defaults.batchSize),
      lr: FLAGS.lr(defaults.lr, "Adam learning rate"),
      seed: FLAGS.seed(0, "seed of the initial weights, the shuffling and dropout"),
      "data-dir": {
        type: "string", arg: "DIR",
        help: "train on the IDX files in DIR (train-images-idx3-ubyte[.gz], ...; e.g.\nthe full 60,000-digit MNIST) instead of the 10,000 bundled digits",
      },
      limit: FLAGS.limit("use only N training and N test samples, spread evenly over each set\n(quick runs; default: all)"),
      device: FLAGS.device(),
      out: FLAGS.out(),
      save: FLAGS.save("where to write the trained weights, safetensors", `<out>/${file}.safetensors`),
      plot: FLAGS.plot("where to write the loss and accuracy curves, SVG", `<out>/${file}.svg`),
      load: FLAGS.load("evaluate the weights in FILE on the test set, without training"),
      json: FLAGS.json("end with one line of JSON (testAccuracy, trainSeconds, epochs, history...)"),
    },
  });
  const a = cli.parse(argv);
  if (a["data-dir"] !== undefined && !fs.existsSync(a["data-dir"])) cli.fail(`--data-dir: ${a["data-dir"]} does not exist`);
  if (a.load !== undefined && !fs.existsSync(a.load)) cli.fail(`--load: ${a.load} does not exist`);
  return {
    epochs: a.epochs,
    batchSize: a["batch-size"],
    lr: a.lr,
    seed: a.seed,
    dataDir: a["data-dir"],
    limit: a.limit ?? 0,
    device: a.device,
    out: a.out,
    save: a.save ?? path.join(a.out, `${file}.safetensors`),
    plot: a.plot ?? path.join(a.out, `${file}.svg`),
    load: a.load,
    json: a.json,
  };
}

/** `mnist` → `mnist-mlp`, `mnist-cnn` → `mnist-cnn`: the base name of the output files. */
function modelFile(name: string): string {
  return name === "mnist" ? "mnist-mlp" : name;
}

export interface Split {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
  source: string;
}

/** `n` indices spread evenly over `0..total-1` (every digit appears even though the bundled set is sorted by digit). */
function spread(total: number, n: number): Tensor {
  const idx = new Int32Array(Math.min(n, total));
  for (let i = 0; i < idx.length; i++) idx[i] = Math.floor((i * total) / idx.length);
  return Tensor.from(idx, { shape: [idx.length], dtype: "int32" });
}

/** MNIST from `--data-dir` or the bundled digits, cut to `--limit` samples. Call after setting the device. */
export function loadData(args: MnistArgs): Split {
  const d = data.mnist(args.dataDir !== undefined ? { dir: args.dataDir } : {});
  let { trainImages, trainLabels, testImages, testLabels } = d;
  if (args.limit > 0) {
    const tr = spread(trainImages.shape[0], args.limit), te = spread(testImages.shape[0], args.limit);
    [trainImages, trainLabels] = [trainImages.indexSelect(0, tr), trainLabels.indexSelect(0, tr)];
    [testImages, testLabels] = [testImages.indexSelect(0, te), testLabels.indexSelect(0, te)];
  }
  const source = args.dataDir !== undefined ? `IDX files in ${args.dataDir}` : "the bundled digits";
  return { trainImages, trainLabels, testImages, testLabels, source };
}

/** Selects the device (starting webgpu when asked for) and seeds the generator: call first. */
export async function setup(args: MnistArgs): Promise<void> {
  if (args.device === "webgpu") {
    await initDevice("webgpu").catch((e: Error) => {
      console.error(`--device webgpu: ${e.message}`);
      process.exit(2);
    });
  }
  setDefaultDevice(args.device);
  manualSeed(args.seed);
}

/** Accuracy of `model` on (images, labels), in eval mode and without a graph, `batch` samples at a time. */
export async function evaluate(model: nn.Module, images: Tensor, labels: Tensor, batch = 1000): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  const counts: Tensor[] = [];
  noGrad(() => {
    const n = images.shape[0];
    for (let i = 0; i < n; i += batch) {
      const end = Math.min(n, i + batch);
      const logits = model.forward(images.slice([i, end])) as Tensor;
      counts.push(logits.argmax(1).eq(labels.slice([i, end])).sum());
    }
  });
  model.train(wasTraining);
  // read once at the end (the async form works on every device; on webgpu it is one wait)
  let correct = 0;
  for (const c of counts) correct += await c.itemAsync();
  return correct / images.shape[0];
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Seconds of training in this epoch (evaluation excluded). */
  seconds: number;
}

export interface History {
  /** Per step: x in epochs (epoch − 1 + step/steps) and the batch loss. */
  stepX: number[];
  stepLoss: number[];
  epochs: EpochRecord[];
}

/** Writes the loss and accuracy curves as an SVG: loss per step and per epoch; train and test accuracy per epoch. */
export function writeCurves(file: string, title: string, h: History): void {
  const ex = h.epochs.map((e) => e.epoch);
  const svg = chartsSvg(
    [
      {
        title: "training loss",
        xLabel: "epoch",
        yLabel: "cross-entropy",
        xMin: 0,
        yMin: 0,
        series: [
          { name: "per step", x: h.stepX, y: h.stepLoss, color: "#9ecae1", width: 1, markers: false },
          { name: "epoch mean", x: ex, y: h.epochs.map((e) => e.loss), color: "#1f77b4" },
        ],
      },
      {
        title: "accuracy",
        xLabel: "epoch",
        yFormat: "percent",
        yMax: 1,
        xMin: ex.length > 1 ? undefined : 0,
        legend: "bottom-right",
        series: [
          { name: "train", x: ex, y: h.epochs.map((e) => e.trainAccuracy), color: "#ff7f0e" },
          { name: "test", x: ex, y: h.epochs.map((e) => e.testAccuracy), color: "#2ca02c" },
        ],
      },
    ],
    { title },
  );
  writeSvg(file, svg);
}

/** Saves the weights (with metadata) and returns the path. */
export async function saveWeights(model: nn.Module, file: string, metadata: Record<string, string | number>): Promise<string> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // saveAsync: the weights may be on webgpu, whose memory is read with the async form
  await saveAsync(model, file, { metadata: Object.fromEntries(Object.entries({ format: "pt", ...metadata }).map(([k, v]) => [k, String(v)])) });
  return file;
}

/** Number of scalars in the model's parameters. */
export function countParameters(model: nn.Module): number {
  return model.parameters().reduce((n, p) => n + p.numel, 0);
}

/** `--load`: evaluates the saved weights on the test set, prints the accuracy (and the JSON line), exits. */
export async function evaluateSaved(example: string, model: nn.Module, args: MnistArgs, split: Split): Promise<never> {
  model.loadStateDict(load(args.load!));
  const t0 = performance.now();
  const testAccuracy = await evaluate(model, split.testImages, split.testLabels);
  const evalSeconds = (performance.now() - t0) / 1000;
  console.log(`${args.load}: test accuracy ${pct(testAccuracy)} on ${split.testImages.shape[0]} test samples (${split.source}, device ${args.device})`);
  if (args.json) {
    const testSamples = split.testImages.shape[0];
    console.log(JSON.stringify({ example, loaded: args.load, device: args.device, testSamples, testAccuracy, trainSeconds: 0, evalSeconds, epochs: 0 }));
  }
  process.exit(0);
}

/**
 * The training loop both MNIST examples share: Adam and cross-entropy over shuffled batches, a
 * progress bar, the test accuracy after each epoch; then `finish`. `evalBatch` bounds the memory
 * of evaluation (the CNN's activations are larger than the MLP's).
 */
export async function train(
  example: string, title: string, model: nn.Module, args: MnistArgs, split: Split,
  opts: { evalBatch?: number; barEvery?: number } = {},
): Promise<void> {
  const { trainImages, trainLabels, testImages, testLabels } = split;
  const loader = new data.DataLoader([trainImages, trainLabels], { batchSize: args.batchSize, shuffle: true, seed: args.seed });
  const optimizer = new optim.Adam(model.parameters(), { lr: args.lr });
  console.log(
    `${title} (${countParameters(model).toLocaleString("en-US")} parameters), Adam lr ${args.lr}, batch ${args.batchSize}, ` +
      `${args.epochs} epoch${args.epochs === 1 ? "" : "s"}, ${trainImages.shape[0]} training / ${testImages.shape[0]} test samples from ${split.source}, device ${args.device}`,
  );

  const history: History = { stepX: [], stepLoss: [], epochs: [] };
  const bar = new Progress({ total: loader.length, epochs: args.epochs, every: opts.barEvery });
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

      // the async reads work on every device (on webgpu they are where the step waits for the GPU)
      const l = await loss.itemAsync();
      lossSum += l * x.shape[0];
      correct += await logits.argmax(1).eq(y).sum().itemAsync();
      seen += x.shape[0];
      history.stepX.push(epoch - 1 + ++step / loader.length);
      history.stepLoss.push(l);
      bar.update(step, { loss: lossSum / seen, acc: correct / seen });
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    const testAccuracy = await evaluate(model, testImages, testLabels, opts.evalBatch);
    history.epochs.push({ epoch, loss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy, seconds });
    bar.endEpoch({ loss: lossSum / seen, acc: correct / seen }, `test acc ${pct(testAccuracy)}`);
  }

  await finish(example, model, args, split, history, {
    trainSeconds, totalSeconds: (performance.now() - runStart) / 1000, steps: args.epochs * loader.length,
  }, title);
}

/**
 * After training: saves the weights and the curves, prints the summary, and with `--json` the
 * JSON line. `trainSeconds` is the time of the training steps, `totalSeconds` includes evaluation.
 */
async function finish(
  example: string, model: nn.Module, args: MnistArgs, split: Split, history: History,
  timing: { trainSeconds: number; totalSeconds: number; steps: number }, title: string,
): Promise<void> {
  const last = history.epochs[history.epochs.length - 1];
  const weights = await saveWeights(model, args.save, { model: example, epochs: args.epochs, testAccuracy: last.testAccuracy.toFixed(4) });
  writeCurves(args.plot, `MNIST ${title} · ${args.epochs} epoch${args.epochs === 1 ? "" : "s"} · test accuracy ${pct(last.testAccuracy)}`, history);
  const { trainSeconds, totalSeconds, steps } = timing;
  console.log(
    `test accuracy ${pct(last.testAccuracy)} after ${args.epochs} epoch${args.epochs === 1 ? "" : "s"}; training took ${trainSeconds.toFixed(1)} s ` +
      `(${(steps / trainSeconds).toFixed(1)} steps/s; ${totalSeconds.toFixed(1)} s with evaluation)`,
  );
  console.log(`saved the weights to ${weights} and the curves to ${args.plot}`);
  if (args.json) {
    console.log(
      JSON.stringify({
        example,
        device: args.device,
        epochs: args.epochs,
        batchSize: args.batchSize,
        lr: args.lr,
        seed: args.seed,
        trainSamples: split.trainImages.shape[0],
        testSamples: split.testImages.shape[0],
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
}
