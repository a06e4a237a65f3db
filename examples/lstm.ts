// npm run lstm: a character-level LSTM language model on the Brown corpus (or any text file), with the
// GPT example's data pipeline (examples/gpt/data.ts): trains it with Adam on random windows, reports
// the validation loss, checkpoints it, plots the losses and samples text. `--help` lists the flags.
//
//   npm run lstm -- [--steps 1000] [--lr 3e-3] [--hidden 128] [--n-layer 1] [--json]
//   npm run lstm -- --dump-text out/brown.txt        (the cleaned corpus, for bench/lstm_torch.py)
//   /usr/bin/python3 bench/lstm_torch.py --text out/brown.txt    (PyTorch, the same configuration)
//
// The model: Embedding(vocab, nEmbd) → nn.LSTM(nEmbd, hidden, nLayer, batchFirst) → Linear(hidden, vocab),
// cross-entropy on every position of each window, every window starting from zero states. The
// batches and validation windows come from the same seeded generator as bench/lstm_torch.py's, so
// the two runs see the same characters; their initial weights differ (each library's own generator),
// and their validation losses at the same step should agree within a few hundredths.
import * as fs from "node:fs";
import * as path from "node:path";
import { Tensor, getDefaultDevice, initDevice, manualSeed, nn, noGrad, optim, saveAsync, setDefaultDevice } from "../src/node.js";
import { CharTokenizer, Rng, evaluateLoss, getBatch, loadBrown, splitTrainVal } from "./gpt/data.js";
import { FLAGS, command } from "./util/args.js";
import { Progress } from "./util/progress.js";
import { chartsSvg, writeSvg } from "./util/plot.js";

const cli = command({
  name: "lstm",
  synopsis: "npm run lstm -- [flags]",
  description: "A character-level LSTM on the Brown corpus (or --text FILE): train it, report the validation loss, sample text.",
  flags: {
    out: FLAGS.out(),
    save: FLAGS.save("where the trained weights go (safetensors)", "<out>/lstm.safetensors"),
    plot: FLAGS.plot("where the loss curves go, SVG", "<out>/lstm-loss.svg"),
    device: FLAGS.device(),
    seed: FLAGS.seed(1337, "seed of the initial weights, the batches and the sampling"),
    json: FLAGS.json(),
    steps: FLAGS.steps(1000),
    lr: FLAGS.lr(3e-3, "Adam learning rate"),
    "batch-size": FLAGS.batchSize(32),
    "block-size": { type: "int", arg: "N", min: 1, default: 64, help: "characters per training window (steps of backpropagation through time)" },
    "eval-interval": { type: "int", arg: "N", min: 1, default: 250, help: "evaluate every N steps" },
    "eval-iters": { type: "int", arg: "N", min: 1, default: 20, help: "validation batches per evaluation" },
    "grad-clip": { type: "number", arg: "X", min: 0, default: 1, defaultText: "1; 0: off", help: "clip the gradients' global norm to X" },
    "n-embd": { type: "int", arg: "N", min: 1, default: 32, help: "embedding width" },
    hidden: { type: "int", arg: "N", min: 1, default: 128, help: "LSTM hidden size" },
    "n-layer": { type: "int", arg: "N", min: 1, default: 1, help: "stacked LSTM layers" },
    dropout: { type: "number", arg: "X", min: 0, default: 0, help: "dropout between LSTM layers (training only)" },
    text: { type: "string", arg: "FILE", help: "train on FILE instead of the Brown corpus" },
    "dump-text": { type: "string", arg: "FILE", help: "write the cleaned training text to FILE and exit" },
    sample: { type: "int", arg: "N", min: 0, default: 200, help: "characters to sample after training (0: none)" },
  },
});
const args = cli.parse();

/** The hyperparameters, saved with the weights. */
interface LSTMConfig {
  vocabSize: number;
  nEmbd: number;
  hidden: number;
  nLayer: number;
  dropout: number;
}

/** Embedding → LSTM → Linear: next-character logits at every position. */
class CharLSTM extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;

  constructor(readonly config: LSTMConfig) {
    super();
    this.embed = new nn.Embedding(config.vocabSize, config.nEmbd);
    this.lstm = new nn.LSTM(config.nEmbd, config.hidden, { numLayers: config.nLayer, dropout: config.dropout, batchFirst: true });
    this.head = new nn.Linear(config.hidden, config.vocabSize);
  }

  /** ids [B, T] → logits [B, T, vocab] and the final states. */
  override forward(ids: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(ids), state);
    return [this.head.forward(out), next];
  }

  loss(x: Tensor, y: Tensor): Tensor {
    const [logits] = this.forward(x);
    return logits.reshape([-1, this.config.vocabSize]).crossEntropy(y.reshape([-1]));
  }

  numParams(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }
}

/** `n` characters sampled one at a time, carrying the LSTM's states (no context window). */
async function sample(model: CharLSTM, tok: CharTokenizer, n: number, rng: Rng): Promise<string> {
  model.eval();
  let id = tok.chars.indexOf("\n") >= 0 ? tok.chars.indexOf("\n") : 0;
  let state: [Tensor, Tensor] | undefined;
  let text = "";
  for (let i = 0; i < n; i++) {
    const probs = noGrad(() => {
      const [logits, next] = model.forward(Tensor.from(new Int32Array([id]), { shape: [1, 1], dtype: "int32" }), state);
      state = next;
      return logits.reshape([-1]).softmax(-1);
    });
    const p = await probs.toTypedArrayAsync();
    let u = rng.next();
    id = p.length - 1;
    for (let j = 0; j < p.length; j++) {
      if ((u -= p[j]) < 0) {
        id = j;
        break;
      }
    }
    text += tok.chars[id];
  }
  model.train();
  return text;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

async function main(): Promise<void> {
  if (args.device === "webgpu") await initDevice("webgpu");
  setDefaultDevice(args.device);
  const quiet = Boolean(args.json);
  const say = (s: string) => (quiet ? process.stderr : process.stdout).write(s + "\n");
  const t0 = performance.now();
  const text = args.text ? fs.readFileSync(args.text, "utf8") : loadBrown();
  if (args["dump-text"]) {
    const file = args["dump-text"];
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`lstm: wrote ${text.length.toLocaleString("en-US")} characters to ${file}`);
    return;
  }
  const { steps, lr, seed } = args;
  const batchSize = args["batch-size"], blockSize = args["block-size"], evalInterval = args["eval-interval"], evalIters = args["eval-iters"];
  const tok = CharTokenizer.fromText(text);
  const { train: trainIds, val: valIds } = splitTrainVal(tok.encode(text));
  const config: LSTMConfig = { vocabSize: tok.vocabSize, nEmbd: args["n-embd"], hidden: args.hidden, nLayer: args["n-layer"], dropout: args.dropout };
  manualSeed(seed);
  const model = new CharLSTM(config);
  const opt = new optim.Adam(model.parameters(), { lr });
  say(
    `lstm: ${model.numParams().toLocaleString("en-US")} parameters, embedding ${config.nEmbd}, hidden ${config.hidden}, ${config.nLayer} layer(s), ` +
      `windows of ${blockSize}; ${text.length.toLocaleString("en-US")} characters (${tok.vocabSize} distinct); device ${getDefaultDevice()}; ` +
      `loaded in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );

  const rng = new Rng(seed);
  const bar = new Progress({ total: steps, label: "lstm", every: quiet ? 0 : 10, stream: quiet ? process.stderr : process.stdout });
  const history: { step: number; trainLoss: number; valLoss: number }[] = [];
  const trainCurve: [number, number][] = [];
  const stepMs: number[] = [];
  let recent: number[] = [];
  let ema = NaN;
  const tStart = performance.now();
  for (let step = 1; step <= steps; step++) {
    const ts = performance.now();
    const { x, y } = getBatch(trainIds, batchSize, blockSize, rng);
    const loss = model.loss(x, y);
    opt.zeroGrad();
    loss.backward();
    if (args["grad-clip"] > 0) nn.utils.clipGradNorm(model.parameters(), args["grad-clip"]); // on the device: no read
    opt.step();
    const l = await loss.itemAsync();
    stepMs.push(performance.now() - ts);
    recent.push(l);
    trainCurve.push([step, l]);
    ema = Number.isNaN(ema) ? l : 0.9 * ema + 0.1 * l;
    bar.update(step, { loss: ema });
    if (step % evalInterval === 0 || step === steps) {
      const valLoss = await evaluateLoss(model, valIds, batchSize, blockSize, evalIters, seed);
      history.push({ step, trainLoss: recent.reduce((a, b) => a + b, 0) / recent.length, valLoss });
      recent = [];
      bar.log(`step ${step}: train loss ${history.at(-1)!.trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)}, ${median(stepMs).toFixed(0)} ms/step (median)`);
    }
  }
  bar.done();
  const trainSeconds = (performance.now() - tStart) / 1000;
  const savePath = args.save ?? path.join(args.out, "lstm.safetensors");
  fs.mkdirSync(path.dirname(path.resolve(savePath)), { recursive: true });
  await saveAsync(model, savePath, { metadata: { config: JSON.stringify(config), vocab: tok.toString(), step: String(steps), seed: String(seed) } });
  const plot = args.plot ?? path.join(args.out, "lstm-loss.svg");
  if (history.length) {
    writeSvg(plot, chartsSvg({
      title: `char LSTM, ${model.numParams().toLocaleString("en-US")} parameters, lr ${lr}, batch ${batchSize}`,
      xLabel: "step",
      yLabel: "loss (nats/char)",
      series: [
        { name: "train", x: trainCurve.map(([s]) => s), y: trainCurve.map(([, l]) => l), markers: false, width: 1 },
        { name: "validation", x: history.map((h) => h.step), y: history.map((h) => h.valLoss) },
      ],
    }, { width: 720, height: 420 }));
  }
  say(`weights: ${savePath}${history.length ? `; loss curve: ${plot}` : ""}; ${trainSeconds.toFixed(1)}s of training`);
  const sampled = args.sample > 0 ? await sample(model, tok, args.sample, new Rng(seed ^ 0xc0de)) : "";
  if (sampled) say(`sample:\n${sampled}`);
  const last = history.at(-1);
  if (args.json) {
    process.stdout.write(JSON.stringify({
      step: steps, trainLoss: last?.trainLoss ?? NaN, valLoss: last?.valLoss ?? NaN, msPerStep: median(stepMs), trainSeconds,
      device: getDefaultDevice(), params: model.numParams(), config, lr, batchSize, blockSize, history, sample: sampled,
    }) + "\n");
  }
}

main().catch((e: Error) => {
  console.error(`lstm: ${e.message}`);
  process.exit(1);
});
