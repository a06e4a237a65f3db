// The GPT example's building blocks (corpus cleaning, tokenizer, batches, KV cache, sampling) and
// a smoke run of `examples/gpt.ts` with tiny sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, manualSeed, noGrad } from "../src/node.js";
import { CharTokenizer, Rng, cleanBrown, cleanSentence, getBatch, loadBrown, splitTrainVal, stripTag } from "../examples/gpt/data.js";
import { GPT, KVCache, generate, sampleFromLogits } from "../examples/gpt/model.js";

test("stripTag keeps the word before the last slash", () => {
  assert.equal(stripTag("jury/nn"), "jury");
  assert.equal(stripTag("Atlanta's/np$"), "Atlanta's");
  assert.equal(stripTag("1/2/cd"), "1/2");
  assert.equal(stripTag("./."), ".");
  assert.equal(stripTag("untagged"), "untagged");
});

test("cleanSentence: tags stripped, `` and '' become \", punctuation attached", () => {
  assert.equal(
    cleanSentence("\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./."),
    'The jury said "no evidence" that any irregularities took place.',
  );
  assert.equal(
    cleanSentence("``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd ;/. was/bedz it/pps ?/. Yes/rb !/."),
    '"Only a handful", the jury said; was it? Yes!',
  );
  assert.equal(cleanSentence("costs/vbz (/( about/rb $/$ 5/cd )/) :/: fine/jj"), "costs (about $5): fine");
  assert.equal(cleanSentence("he/pps said/vbd '/' go/vb '/' now/rb"), "he said 'go' now");
  assert.equal(cleanSentence("Mayor/nn Ivan/np Allen/np Jr./np ./."), "Mayor Ivan Allen Jr.");
  assert.equal(cleanSentence("4'/nns 10''/nns tall/jj"), "4' 10\" tall");
  assert.equal(cleanSentence("It's/pps+bez done/vbn --/-- finally/rb ./."), "It's done -- finally.");
});

test("cleanBrown: one sentence per line, blank lines dropped", () => {
  const tagged = "\n\n\tThe/at cat/nn sat/vbd ./.\n\n\n\tIt/pps slept/vbd ./.\n\n";
  assert.equal(cleanBrown(tagged), "The cat sat.\nIt slept.");
});

test("the Brown corpus: about 6 million characters, 85 distinct, no tags or `` left", () => {
  const text = loadBrown();
  assert.ok(text.length > 5_800_000 && text.length < 6_200_000, `length ${text.length}`);
  const tok = CharTokenizer.fromText(text);
  assert.equal(tok.vocabSize, 85);
  assert.ok(!text.includes("``") && !text.includes("''"));
  assert.ok(!/\/(at|nn|vbd) /.test(text.slice(0, 100_000)));
  assert.ok(text.startsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\""));
});

test("CharTokenizer: sorted vocabulary, encode/decode round trip, unknown characters rejected", () => {
  const text = "hello, world!\nThe café ☕ 𝄞.";
  const tok = CharTokenizer.fromText(text);
  assert.deepEqual(tok.chars, [...new Set(text)].sort());
  const ids = tok.encode(text);
  assert.equal(ids.length, [...text].length);
  assert.ok(ids.every((i) => i >= 0 && i < tok.vocabSize));
  assert.equal(tok.decode(ids), text);
  assert.equal(new CharTokenizer(tok.toString()).decode(ids), text); // the checkpoint form
  assert.throws(() => tok.encode("xyz?"), /not in the vocabulary/);
  assert.throws(() => tok.decode([tok.vocabSize]), /out of range/);
});

test("splitTrainVal and getBatch: 90/10, windows with targets shifted by one, reproducible", () => {
  const ids = Int32Array.from({ length: 1000 }, (_, i) => i);
  const { train, val } = splitTrainVal(ids);
  assert.equal(train.length, 900);
  assert.equal(val[0], 900);
  const a = getBatch(train, 4, 8, new Rng(7));
  const b = getBatch(train, 4, 8, new Rng(7));
  assert.deepEqual(a.x.shape, [4, 8]);
  assert.equal(a.x.dtype, "int32");
  assert.deepEqual(a.x.toArray(), b.x.toArray());
  const x = a.x.toArray() as number[][], y = a.y.toArray() as number[][];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 8; c++) {
      assert.equal(y[r][c], x[r][c] + 1);
      assert.ok(y[r][c] < 900);
    }
  }
});

function tinyModel(): GPT {
  manualSeed(3);
  return new GPT({ vocabSize: 13, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 });
}

test("GPT: ~1.2M parameters in the default configuration", () => {
  manualSeed(0);
  const m = new GPT({ vocabSize: 85, blockSize: 128, nLayer: 6, nHead: 4, nEmbd: 128 });
  assert.equal(m.numParams(), 1_228_032);
  const names = m.namedParameters().map(([n]) => n);
  assert.ok(names.includes("blocks.5.attn.qkv.weight") && names.includes("head.weight") && !names.includes("head.bias"));
});

test("KV cache: incremental decoding gives the logits of a full forward (within 1e-4)", () => {
  const m = tinyModel();
  m.eval();
  const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 5 + 3) % 13);
  noGrad(() => {
    const full = m.forward(Tensor.from(ids, { shape: [1, 12], dtype: "int32" }));
    const cache = new KVCache(2);
    const chunk = (a: number, b: number) => m.forward(Tensor.from(ids.slice(a, b), { shape: [1, b - a], dtype: "int32" }), cache);
    const parts = [chunk(0, 5), chunk(5, 8)]; // a prompt, then several new tokens at once
    for (let i = 8; i < 12; i++) parts.push(chunk(i, i + 1)); // then one at a time
    assert.equal(cache.length, 12);
    const inc = Tensor.cat(parts, 1);
    assert.deepEqual(inc.shape, full.shape);
    assert.ok(full.sub(inc).abs().max().item() < 1e-4);
    assert.throws(() => chunk(0, 5), /exceed the context/);
  });
});

test("sampling: temperature 0 and top-1 are greedy; top-k never leaves the k best", () => {
  const logits = [0.1, 2.5, -1, 2.4, 0];
  const rng = new Rng(1);
  assert.equal(sampleFromLogits(logits, () => rng.next(), { temperature: 0 }), 1);
  assert.equal(sampleFromLogits(logits, () => rng.next(), { topK: 1 }), 1);
  for (let i = 0; i < 200; i++) assert.ok([1, 3].includes(sampleFromLogits(logits, () => rng.next(), { topK: 2 })));
});

test("generate: reproducible with a seed; with and without the cache agree within the context", async () => {
  const m = tinyModel();
  const run = (seed: number, cache = true) => {
    const rng = new Rng(seed);
    return generate(m, [1, 2, 3], 30, () => rng.next(), { temperature: 1, topK: 5, cache });
  };
  const a = await run(42), b = await run(42);
  assert.equal(a.length, 30);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, await run(43));
  // greedy, prompt + tokens within the 16-position context: the cache changes nothing
  const greedy = (cache: boolean) => generate(m, [4, 5], 12, () => 0.5, { temperature: 0, cache });
  assert.deepEqual(await greedy(true), await greedy(false));
});

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, "..", "examples", "gpt.js");

test("smoke: npm run gpt -- --train (tiny), --resume, --generate", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-gpt-"));
  try {
    const textFile = path.join(dir, "text.txt");
    fs.writeFileSync(textFile, "the quick brown fox jumps over the lazy dog.\n".repeat(60));
    const ckpt = path.join(dir, "gpt.safetensors");
    const tiny = ["--text", textFile, "--save", ckpt, "--plot", path.join(dir, "loss.svg"), "--n-layer", "1", "--n-head", "2",
      "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--eval-interval", "3", "--eval-iters", "2", "--json"];
    const run = (...a: string[]) => JSON.parse(execFileSync(process.execPath, [script, ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n").at(-1)!);
    const first = run("--train", "--steps", "3", ...tiny);
    assert.equal(first.step, 3);
    for (const k of ["trainLoss", "valLoss", "msPerStep"]) assert.ok(Number.isFinite(first[k]), k);
    assert.ok(first.valLoss < 3.5); // ln(vocab of 28) = 3.33 at the start
    assert.ok(fs.existsSync(ckpt) && fs.existsSync(ckpt.replace(".safetensors", ".optim.safetensors")));
    assert.match(fs.readFileSync(path.join(dir, "loss.svg"), "utf8"), /<svg/);
    const resumed = run("--train", "--steps", "6", "--resume", ...tiny);
    assert.equal(resumed.step, 6);
    assert.equal(resumed.history.length, 2);
    assert.equal(resumed.history[0].valLoss, first.valLoss);
    const gen = run("--generate", "--load", ckpt, "--max-tokens", "20", "--prompt", "the ", "--json");
    assert.equal(gen.chars, 20);
    assert.equal(gen.text.length, 20);
    assert.ok(gen.charsPerSec > 0);
    const noCache = run("--generate", "--load", ckpt, "--max-tokens", "20", "--no-cache", "--json");
    assert.equal(noCache.cache, false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
