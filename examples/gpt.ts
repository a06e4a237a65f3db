// npm run gpt: a character-level GPT on the Brown corpus (or any text file): trains it with AdamW,
// checkpoints it, plots the losses, and streams generated text with a KV cache. `--help` lists the flags.
//
//   npm run gpt -- --train [--steps 1500] [--lr 1e-3] [--eval-interval 250] [--resume] [--json]
//   npm run gpt -- --generate [--max-tokens 1000] [--temperature 0.8] [--top-k 20] [--prompt "The "] [--no-cache]
//   npm run gpt -- --dump-text out/brown.txt        (the cleaned corpus, for bench/gpt_torch.py)
//
// Training writes the checkpoint to --save FILE (default out/gpt.safetensors: the model, with its
// config and vocabulary as metadata), AdamW's state next to it (gpt.optim.safetensors) and the loss
// curves to --plot FILE (out/gpt-loss.svg). --generate and --resume read --load FILE (default: the
// --save file).
//
// `npm run gpt` starts node with --single-threaded-gc: on a 2-core machine V8's concurrent and
// parallel GC threads take cores from the C kernels' two threads (measured: steps ~10 % faster
// without them). `node dist/examples/gpt.js` runs the same code with V8's defaults.
import * as fs from "node:fs";
import * as path from "node:path";
import { Tensor, getDefaultDevice, initDevice, load, loadMetadata, manualSeed, noGrad, optim, nn, saveAsync, setDefaultDevice } from "../src/node.js";
import { CharTokenizer, Rng, evaluateLoss, getBatch, loadBrown, splitTrainVal } from "./gpt/data.js";
import { DEFAULT_CONFIG, GPT, type GPTConfig, generateIds } from "./gpt/model.js";
import { FLAGS, command } from "./util/args.js";
import { Progress } from "./util/progress.js";
import { chartsSvg, writeSvg } from "./util/plot.js";

const TRAINING = "training:", GENERATING = "generating:";
const cli = command({
  name: "gpt",
  synopsis: "npm run gpt -- --train | --generate | --dump-text FILE [flags]",
  description: "A character-level GPT on the Brown corpus (or --text FILE): train it, then generate text.",
  flags: {
    train: { type: "boolean", help: "train (AdamW, random windows), evaluate, checkpoint, plot" },
    generate: { type: "boolean", help: "stream text from a checkpoint (Ctrl+C stops)" },
    "dump-text": { type: "string", arg: "FILE", help: "write the cleaned training text to FILE and exit" },
    out: FLAGS.out(),
    save: FLAGS.save("where training writes the checkpoint; AdamW's state goes next to it", "<out>/gpt.safetensors"),
    load: FLAGS.load("the checkpoint that --generate and --resume read", "same as --save"),
    device: FLAGS.device(),
    seed: FLAGS.seed(1337, "seed of the initial weights, the batches and the sampling"),
    json: FLAGS.json(),
    steps: { ...FLAGS.steps(1500), section: TRAINING },
    lr: { ...FLAGS.lr(1e-3, "AdamW learning rate"), section: TRAINING },
    "batch-size": { ...FLAGS.batchSize(16), section: TRAINING },
    "eval-interval": { type: "int", arg: "N", min: 1, default: 250, help: "evaluate and checkpoint every N steps", section: TRAINING },
    "eval-iters": { type: "int", arg: "N", min: 1, default: 20, help: "validation batches per evaluation", section: TRAINING },
    "weight-decay": { type: "number", arg: "X", min: 0, default: 0.01, help: "AdamW weight decay", section: TRAINING },
    "grad-clip": { type: "number", arg: "X", min: 0, default: 0, defaultText: "0: off", help: "clip the gradients' global norm to X", section: TRAINING },
    resume: { type: "boolean", help: "continue training from the --load checkpoint", section: TRAINING },
    text: { type: "string", arg: "FILE", help: "train on FILE instead of the Brown corpus", section: TRAINING },
    plot: { ...FLAGS.plot("where the loss curves go, SVG", "<out>/gpt-loss.svg"), section: TRAINING },
    "block-size": { type: "int", arg: "N", min: 1, default: DEFAULT_CONFIG.blockSize, help: "context length", section: TRAINING },
    "n-layer": { type: "int", arg: "N", min: 1, default: DEFAULT_CONFIG.nLayer, help: "transformer blocks", section: TRAINING },
    "n-head": { type: "int", arg: "N", min: 1, default: DEFAULT_CONFIG.nHead, help: "attention heads", section: TRAINING },
    "n-embd": { type: "int", arg: "N", min: 1, default: DEFAULT_CONFIG.nEmbd, help: "width", section: TRAINING },
    "init-scheme": {
      type: "string", arg: "NAME", choices: ["torch", "gpt2"], default: "torch", section: TRAINING,
      help: "initial weights: torch (the layers' PyTorch defaults) or gpt2 (N(0, 0.02))",
    },
    "max-tokens": { type: "int", arg: "N", min: 0, default: 1000, help: "characters to generate", section: GENERATING },
    temperature: { type: "number", arg: "X", min: 0, default: 0.8, help: "sampling temperature, 0 for greedy", section: GENERATING },
    "top-k": { type: "int", arg: "N", min: 0, default: 0, defaultText: "0: all", help: "sample from the k likeliest characters", section: GENERATING },
    prompt: { type: "string", arg: "TEXT", help: "text to start from", section: GENERATING },
    "no-cache": { type: "boolean", help: "recompute the whole context at every step (no KV cache)", section: GENERATING },
  },
});
const args = cli.parse();
const savePath = args.save ?? path.join(args.out, "gpt.safetensors");
const loadPath = args.load ?? savePath;

const optimPath = (ckpt: string) => ckpt.replace(/(\.safetensors)?$/, ".optim.safetensors");

function loadText(): string {
  return args.text ? fs.readFileSync(args.text, "utf8") : loadBrown();
}

interface HistoryPoint {
  step: number;
  trainLoss: number;
  valLoss: number;
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function train(): Promise<void> {
  const { steps, lr, seed } = args;
  const batchSize = args["batch-size"], evalInterval = args["eval-interval"], evalIters = args["eval-iters"], gradClip = args["grad-clip"];
  const ckpt = savePath;
  const quiet = Boolean(args.json);
  const say = (s: string) => (quiet ? process.stderr : process.stdout).write(s + "\n");

  const t0 = performance.now();
  const text = loadText();
  let tok = CharTokenizer.fromText(text);
  let config: GPTConfig = {
    vocabSize: tok.vocabSize,
    blockSize: args["block-size"],
    nLayer: args["n-layer"],
    nHead: args["n-head"],
    nEmbd: args["n-embd"],
    dropout: 0,
    init: args["init-scheme"] as GPTConfig["init"],
  };
  let startStep = 0;
  let history: HistoryPoint[] = [];
  let trainCurve: [number, number][] = [];
  if (args.resume) {
    const meta = loadMetadata(loadPath);
    config = JSON.parse(meta.config);
    const saved = new CharTokenizer(meta.vocab);
    if (saved.toString() !== tok.toString()) throw new Error(`gpt: --resume: the vocabulary of ${loadPath} does not match this text's`);
    tok = saved;
    startStep = Number(meta.step);
    history = JSON.parse(meta.history ?? "[]");
    trainCurve = JSON.parse(meta.trainCurve ?? "[]");
  }
  const ids = tok.encode(text);
  const { train: trainIds, val: valIds } = splitTrainVal(ids);

  manualSeed(seed);
  const model = new GPT(config);
  const opt = new optim.AdamW(model.parameters(), { lr, weightDecay: args["weight-decay"] });
  if (args.resume) {
    model.loadStateDict(load(loadPath));
    // its step counts are read as numbers: load it on the host (loadStateDict copies the moments to the parameters' device)
    const device = getDefaultDevice();
    setDefaultDevice("js");
    const optState = load(optimPath(loadPath));
    setDefaultDevice(device);
    opt.loadStateDict(optState);
    opt.lr = lr;
  }
  say(
    `gpt: ${model.numParams().toLocaleString("en-US")} parameters, ${config.nLayer} layers, ${config.nHead} heads, width ${config.nEmbd}, ` +
      `context ${config.blockSize}; ${text.length.toLocaleString("en-US")} characters (${tok.vocabSize} distinct), ` +
      `${trainIds.length.toLocaleString("en-US")} train / ${valIds.length.toLocaleString("en-US")} val; device ${getDefaultDevice()}; ` +
      `loaded in ${((performance.now() - t0) / 1000).toFixed(1)}s` + (args.resume ? `; resuming at step ${startStep}` : ""),
  );

  const saveCheckpoint = async (step: number) => {
    fs.mkdirSync(path.dirname(path.resolve(ckpt)), { recursive: true });
    const metadata = {
      config: JSON.stringify(config),
      vocab: tok.toString(),
      step: String(step),
      seed: String(seed),
      history: JSON.stringify(history),
      trainCurve: JSON.stringify(trainCurve),
    };
    // saveAsync: the weights may be on webgpu, whose memory is read with the async form
    await saveAsync(model, ckpt, { metadata });
    await saveAsync(opt.stateDict(), optimPath(ckpt), { metadata: { step: String(step) } });
  };

  // batches depend only on the seed and the step: skip the windows of the steps already done
  const rng = new Rng(seed);
  for (let i = 0; i < startStep * batchSize; i++) rng.next();

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on("SIGINT", onSigint);
  const bar = new Progress({ total: Math.max(0, steps - startStep), label: "gpt", every: quiet ? 0 : 10, stream: quiet ? process.stderr : process.stdout });
  const stepMs: number[] = [];
  let recent: number[] = [];
  let ema = NaN;
  let step = startStep;
  let last: HistoryPoint | null = history.at(-1) ?? null;
  const tokensPerStep = batchSize * config.blockSize;
  while (step < steps && !stop) {
    const ts = performance.now();
    const { x, y } = getBatch(trainIds, batchSize, config.blockSize, rng);
    const loss = model.loss(x, y);
    opt.zeroGrad();
    loss.backward();
    if (gradClip > 0) nn.utils.clipGradNorm(model.parameters(), gradClip);
    opt.step();
    const l = await loss.itemAsync();
    const ms = performance.now() - ts;
    step++;
    stepMs.push(ms);
    recent.push(l);
    ema = Number.isNaN(ema) ? l : 0.9 * ema + 0.1 * l;
    trainCurve.push([step, l]);
    bar.update(step - startStep, { loss: ema, "tok/s": String(Math.round((tokensPerStep * 1000) / median(stepMs.slice(-20)))) });
    if (step % evalInterval === 0 || step === steps) {
      const valLoss = await evaluateLoss(model, valIds, batchSize, config.blockSize, evalIters, seed);
      last = { step, trainLoss: recent.reduce((a, b) => a + b, 0) / recent.length, valLoss };
      history.push(last);
      recent = [];
      bar.log(`step ${step}: train loss ${last.trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)}, ${median(stepMs).toFixed(0)} ms/step (median)`);
      await saveCheckpoint(step);
    }
    await new Promise((r) => setImmediate(r)); // let Ctrl+C in
  }
  bar.done();
  process.off("SIGINT", onSigint);
  if (stop && step % evalInterval !== 0) {
    const valLoss = await evaluateLoss(model, valIds, batchSize, config.blockSize, evalIters, seed);
    last = { step, trainLoss: recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN, valLoss };
    history.push(last);
    say(`stopped at step ${step}: val loss ${valLoss.toFixed(4)}`);
    await saveCheckpoint(step);
  }
  if (step === startStep && !fs.existsSync(ckpt)) await saveCheckpoint(step); // --steps 0: the initial weights
  const plot = args.plot ?? path.join(args.out, "gpt-loss.svg");
  if (history.length) {
    const smooth: number[] = [];
    let e = NaN;
    for (const [, l] of trainCurve) smooth.push((e = Number.isNaN(e) ? l : 0.95 * e + 0.05 * l));
    writeSvg(plot, chartsSvg({
      title: `char GPT, ${model.numParams().toLocaleString("en-US")} parameters, lr ${lr}, batch ${batchSize}`,
      xLabel: "step",
      yLabel: "loss (nats/char)",
      series: [
        { name: "train (smoothed)", x: trainCurve.map(([s]) => s), y: smooth, markers: false, width: 1.5 },
        { name: "validation", x: history.map((h) => h.step), y: history.map((h) => h.valLoss) },
      ],
    }, { width: 720, height: 420 }));
    say(`loss curve: ${plot}; checkpoint: ${ckpt}`);
  }
  const summary = {
    step,
    trainLoss: last?.trainLoss ?? NaN,
    valLoss: last?.valLoss ?? NaN,
    msPerStep: median(stepMs),
    msPerStepMean: stepMs.length ? stepMs.reduce((a, b) => a + b, 0) / stepMs.length : NaN,
    tokensPerSec: (tokensPerStep * 1000) / median(stepMs),
    stepsRun: stepMs.length,
    device: getDefaultDevice(),
    params: model.numParams(),
    lr,
    batchSize,
    history,
  };
  if (args.json) process.stdout.write(JSON.stringify(summary) + "\n");
}

async function generateMain(): Promise<void> {
  const ckpt = loadPath;
  if (!fs.existsSync(ckpt)) throw new Error(`gpt: no checkpoint at ${ckpt}: train first (npm run gpt -- --train), or give --load FILE`);
  const meta = loadMetadata(ckpt);
  const config: GPTConfig = JSON.parse(meta.config);
  const tok = new CharTokenizer(meta.vocab);
  manualSeed(0);
  const model = new GPT(config);
  model.loadStateDict(load(ckpt));
  const maxTokens = args["max-tokens"], temperature = args.temperature, topK = args["top-k"];
  const cache = !args["no-cache"];
  const prompt = args.prompt ?? (tok.chars.includes("\n") ? "\n" : tok.chars[0]);
  const promptIds = tok.encode(prompt);
  const rng = new Rng(args.seed);
  const out = args.json ? process.stderr : process.stdout;
  if (args.prompt) out.write(prompt);
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on("SIGINT", onSigint);
  const gen = generateIds(model, promptIds, () => rng.next(), { temperature, topK: topK || undefined, cache });
  const t0 = performance.now();
  let n = 0;
  let text = "";
  while (n < maxTokens && !stop) {
    const ch = tok.decode([(await gen.next()).value]);
    text += ch;
    out.write(ch);
    n++;
    if (n % 8 === 0) await new Promise((r) => setImmediate(r)); // let Ctrl+C in
  }
  const secs = (performance.now() - t0) / 1000;
  process.off("SIGINT", onSigint);
  const rate = n / secs;
  process.stderr.write(`\n\n${n} characters in ${secs.toFixed(2)}s: ${rate.toFixed(1)} chars/s (${cache ? "KV cache" : "no cache"}, device ${getDefaultDevice()}, step ${meta.step})\n`);
  if (args.json) process.stdout.write(JSON.stringify({ chars: n, seconds: secs, charsPerSec: rate, cache, device: getDefaultDevice(), step: Number(meta.step), text }) + "\n");
}

async function main(): Promise<void> {
  if (!args.train && !args.generate && !args["dump-text"]) cli.fail("nothing to do: give --train, --generate or --dump-text FILE");
  if (args.device === "webgpu") await initDevice("webgpu"); // asking for an adapter is asynchronous
  setDefaultDevice(args.device);
  if (args["dump-text"]) {
    const file = args["dump-text"];
    const text = loadText();
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`gpt: wrote ${text.length.toLocaleString("en-US")} characters (${CharTokenizer.fromText(text).vocabSize} distinct) to ${file}`);
  }
  if (args.train) await train();
  if (args.generate) await generateMain();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
