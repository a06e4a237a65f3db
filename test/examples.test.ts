// The examples: smoke runs of `npm run mnist` / `mnist:cnn` as child processes with tiny settings,
// and unit tests of their helpers (progress bar, SVG charts, PNG writer).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { load, loadMetadata } from "../src/node.js";
import { Progress, formatDuration, formatMetric, pct, type ProgressStream } from "../examples/util/progress.js";
import { chartsSvg, niceTicks, escapeXml, writeSvg } from "../examples/util/plot.js";
import { crc32, encodePng, imageGrid, upscale, writePng, toBytes, PNG_SIGNATURE, type Image } from "../examples/util/png.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "dlgrad-examples-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/examples/<script> ...args` with DLGRAD_DEVICE unset. */
function run(script: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  const env = { ...process.env };
  delete env.DLGRAD_DEVICE;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(EXAMPLES, script), ...args], { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON object on the last line of stdout. */
function lastJson(r: Run): Record<string, unknown> {
  assert.equal(r.code, 0, `exit code ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const lines = r.stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

describe("examples/mnist.js (smoke)", () => {
  it("trains 1 epoch on 512 samples, writes weights and curves, --json last; --load gives the same accuracy", async () => {
    const out = join(dir, "mlp");
    const save = join(dir, "mlp-weights.safetensors");
    const r = await run("mnist.js", ["--epochs", "1", "--limit", "512", "--batch-size", "64", "--json", "--out", out, "--save", save]);
    const j = lastJson(r);
    assert.equal(j.epochs, 1);
    assert.equal(j.trainSamples, 512);
    assert.equal(j.testSamples, 512);
    assert.equal(typeof j.trainSeconds, "number");
    const acc = j.testAccuracy as number;
    assert.ok(acc >= 0 && acc <= 1, `testAccuracy ${acc}`);
    assert.ok(acc > 0.3, `one epoch on 512 digits should beat chance by far, got ${acc}`);
    assert.equal((j.history as unknown[]).length, 1);
    assert.equal(j.weights, save);
    assert.ok(statSync(save).size > 4 * 235_146, "the weights file holds the 235,146 parameters");
    assert.equal(loadMetadata(save).model, "mnist-mlp");
    const svg = readFileSync(join(out, "mnist-mlp.svg"), "utf8");
    assert.match(svg, /^<\?xml[^]*<svg [^]*<\/svg>\s*$/);
    assert.match(r.stdout, /epoch 1\/1/);
    assert.match(r.stdout, /test acc/);

    const back = lastJson(await run("mnist.js", ["--load", save, "--limit", "512", "--json"]));
    assert.equal(back.epochs, 0);
    assert.equal(back.trainSeconds, 0);
    assert.equal(back.testAccuracy, acc, "the saved weights evaluate to the accuracy measured after training");
  });

  it("--data-dir reads IDX files (plain and .gz)", async () => {
    const idxDir = join(dir, "idx");
    mkdirSync(idxDir);
    // 100 training and 20 test 28×28 images: digit d is a bright column at x = 2 + 2d
    const images = (n: number) => {
      const b = Buffer.alloc(16 + n * 784);
      b.writeUInt32BE(0x00000803, 0);
      b.writeUInt32BE(n, 4);
      b.writeUInt32BE(28, 8);
      b.writeUInt32BE(28, 12);
      for (let i = 0; i < n; i++) for (let y = 0; y < 28; y++) b[16 + i * 784 + y * 28 + 2 + 2 * (i % 10)] = 255;
      return b;
    };
    const labels = (n: number) => {
      const b = Buffer.alloc(8 + n);
      b.writeUInt32BE(0x00000801, 0);
      b.writeUInt32BE(n, 4);
      for (let i = 0; i < n; i++) b[8 + i] = i % 10;
      return b;
    };
    writeFileSync(join(idxDir, "train-images-idx3-ubyte.gz"), zlib.gzipSync(images(100)));
    writeFileSync(join(idxDir, "train-labels-idx1-ubyte"), labels(100));
    writeFileSync(join(idxDir, "t10k-images-idx3-ubyte"), images(20));
    writeFileSync(join(idxDir, "t10k-labels-idx1-ubyte.gz"), zlib.gzipSync(labels(20)));
    const r = await run("mnist.js", ["--data-dir", idxDir, "--epochs", "3", "--batch-size", "10", "--lr", "0.01", "--json", "--out", join(dir, "idx-out")]);
    const j = lastJson(r);
    assert.equal(j.trainSamples, 100);
    assert.equal(j.testSamples, 20);
    assert.equal(j.testAccuracy, 1, "ten trivially separable classes");
    assert.match(r.stdout, /from IDX files in /);
    const missing = await run("mnist.js", ["--data-dir", join(dir, "nope")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--data-dir: .* does not exist/);
  });

  it("--help lists the MNIST flags; an unavailable --device exits 2 with a message", async () => {
    const [h, dev] = await Promise.all([run("mnist.js", ["--help"]), run("mnist.js", ["--device", "tpu"])]);
    assert.equal(h.code, 0);
    for (const flag of ["--epochs", "--batch-size", "--lr", "--data-dir", "--device", "--save", "--load", "--json", "--seed", "--limit", "--plot", "--out"]) {
      assert.ok(h.stdout.includes(flag), `--help mentions ${flag}`);
    }
    assert.equal(dev.code, 2);
    assert.match(dev.stderr, /^mnist: --device: unknown or unavailable device 'tpu' \(available: [a-z, ]+\)\n/);
  });
});

describe("the examples' command lines", () => {
  const scripts = [
    { script: "mnist.js", name: "mnist", bad: ["--epochs", "abc"], badLine: "mnist: --epochs must be an integer ≥ 1, got 'abc'" },
    { script: "mnist-cnn.js", name: "mnist-cnn", bad: ["--lr=-1"], badLine: "mnist-cnn: --lr must be a number > 0, got '-1'" },
    { script: "mnist-gan.js", name: "gan", bad: ["--batch-size", "0"], badLine: "gan: --batch-size must be an integer ≥ 1, got '0'" },
    { script: "gpt.js", name: "gpt", bad: ["--train", "--steps", "1.5"], badLine: "gpt: --steps must be an integer ≥ 0, got '1.5'" },
    { script: "lstm.js", name: "lstm", bad: ["--hidden", "0"], badLine: "lstm: --hidden must be an integer ≥ 1, got '0'" },
  ];

  it("an unknown or malformed flag: one line naming it, then the usage, exit 2, no stack trace", async () => {
    const runs = await Promise.all(scripts.flatMap((s) => [run(s.script, ["--frobnicate"]), run(s.script, s.bad)]));
    const missing = await run("gpt.js", ["--out"]); // the command line of the bug report: no stack trace
    scripts.forEach((s, i) => {
      const [unknown, bad] = runs.slice(2 * i, 2 * i + 2);
      const cases: [Run, string][] = [[unknown, `${s.name}: unknown flag --frobnicate`], [bad, s.badLine]];
      if (s.name === "gpt") cases.push([missing, "gpt: --out needs a value"]);
      for (const [r, line] of cases) {
        assert.equal(r.code, 2, `${s.script}: ${r.stderr}`);
        const [first, blank, ...rest] = r.stderr.split("\n");
        assert.equal(first, line, s.script);
        assert.equal(blank, "");
        assert.match(rest.join("\n"), /^.*\n\nusage: /, `${s.script}: the usage follows`);
        assert.doesNotMatch(r.stderr, /\n\s+at |Error|ERR_PARSE_ARGS/, `${s.script}: no stack trace`);
        assert.equal(r.stdout, "");
      }
    });
  });

  it("--help: the same flags for the same things, exit 0; each example opens with how to run it", async () => {
    const helps = await Promise.all(scripts.map((s) => run(s.script, ["--help"])));
    scripts.forEach((s, i) => {
      const h = helps[i];
      assert.equal(h.code, 0, s.script);
      for (const flag of ["--device NAME", "--seed N", "--out DIR", "--json", "--batch-size N", "--lr X", "--help"]) {
        assert.ok(h.stdout.includes(`  ${flag} `), `${s.script} --help lists ${flag}`);
      }
      const source = readFileSync(join(EXAMPLES, "..", "..", "examples", s.script.replace(/\.js$/, ".ts")), "utf8");
      assert.match(source, /^\/\/ npm run [\w:]+: .+/, `${s.script} opens with a comment saying what it shows and how to run it`);
    });
    assert.match(helps[3].stdout, /  --save FILE .*\n  --load FILE /, "gpt: --save and --load, as in the MNIST examples");
    for (const h of helps.slice(0, 2)) assert.match(h.stdout, /  --save FILE [^]*  --plot FILE [^]*  --load FILE /);
  });
});

describe("examples/mnist-cnn.js (smoke)", () => {
  it("trains 1 epoch on 128 samples and writes its files", async () => {
    const out = join(dir, "cnn");
    const r = await run("mnist-cnn.js", ["--epochs", "1", "--limit", "128", "--batch-size", "32", "--json", "--out", out]);
    const j = lastJson(r);
    assert.equal(j.epochs, 1);
    assert.equal(j.trainSamples, 128);
    const acc = j.testAccuracy as number;
    assert.ok(acc >= 0 && acc <= 1, `testAccuracy ${acc}`);
    assert.ok(existsSync(join(out, "mnist-cnn.safetensors")));
    assert.ok(existsSync(join(out, "mnist-cnn.svg")));
  });
});

describe("examples/mnist-resnet.js (smoke)", () => {
  it("trains a few steps, saves weights with BatchNorm's buffers, and loads them back", async () => {
    const out = join(dir, "resnet");
    const r = await run("mnist-resnet.js", ["--epochs", "1", "--limit", "64", "--batch-size", "32", "--json", "--out", out]);
    const j = lastJson(r);
    assert.equal(j.epochs, 1);
    assert.equal(j.trainSamples, 64);
    assert.ok(Number.isFinite(j.finalLoss as number), `finalLoss ${String(j.finalLoss)}`);
    const saved = join(out, "mnist-resnet.safetensors");
    assert.ok(existsSync(saved));
    const back = lastJson(await run("mnist-resnet.js", ["--load", saved, "--limit", "64", "--json"]));
    assert.equal(back.testAccuracy, j.testAccuracy, "the loaded weights and running statistics evaluate the same");
  });
});

/** A fake output stream that records what is written. */
function sink(isTTY: boolean): ProgressStream & { text: string } {
  const s = { text: "", isTTY, columns: 200, write(x: string) { s.text += x; return true; } };
  return s;
}

describe("examples/util/progress", () => {
  it("plain mode: one line per epoch, plus every N steps, with step/total, metrics, it/s, ETA", () => {
    let t = 0;
    const out = sink(false);
    const bar = new Progress({ total: 10, epochs: 2, stream: out, every: 4, now: () => t });
    assert.equal(bar.tty, false);
    for (let e = 1; e <= 2; e++) {
      bar.startEpoch(e);
      for (let s = 0; s < 10; s++) {
        t += 100; // 10 it/s
        bar.tick({ loss: 1 / (s + 1), acc: 0.5 });
      }
      t += 5000; // evaluation: not part of the epoch's time
      bar.endEpoch(undefined, `test acc ${pct(0.9)}`);
    }
    const lines = out.text.trimEnd().split("\n");
    assert.equal(lines.length, 6, out.text); // steps 4 and 8, then the end line, per epoch
    assert.ok(!out.text.includes("\r"));
    assert.equal(lines[0], "epoch 1/2  step 4/10  loss 0.2500  acc 50.00%  10.0 it/s  ETA 0:02");
    assert.equal(lines[2], "epoch 1/2  10/10  loss 0.1000  acc 50.00%  10.0 it/s  1.0s  test acc 90.00%");
    assert.match(lines[5], /^epoch 2\/2  10\/10 /);
  });

  it("TTY mode: redraws in place with \\r, throttled, and ends each epoch with a newline", () => {
    let t = 0;
    const out = sink(true);
    const bar = new Progress({ total: 100, epochs: 1, stream: out, minIntervalMs: 50, now: () => t });
    assert.equal(bar.tty, true);
    bar.startEpoch(1);
    for (let s = 0; s < 100; s++) {
      t += 10;
      bar.tick({ loss: 0.5 });
    }
    bar.log("a message");
    bar.endEpoch();
    const draws = out.text.split("\r").filter((x) => x.startsWith("epoch")).length;
    assert.ok(draws >= 15 && draws <= 25, `about one draw per 50 ms, got ${draws}`);
    assert.match(out.text, /\[#{24}\] {2}100\/100/);
    assert.ok(out.text.includes("\na message\n") || out.text.includes("\x1b[Ka message\n"));
    assert.ok(out.text.endsWith("\n"));
  });

  it("formats durations and metrics", () => {
    assert.equal(formatDuration(5), "0:05");
    assert.equal(formatDuration(125), "2:05");
    assert.equal(formatDuration(3725), "1:02:05");
    assert.equal(formatDuration(Infinity), "?");
    assert.equal(formatMetric("loss", 0.123456), "loss 0.1235");
    assert.equal(formatMetric("acc", 0.9471), "acc 94.71%");
    assert.equal(formatMetric("lr", 1e-5), "lr 1.00e-5");
    assert.equal(formatMetric("note", "ok"), "note ok");
  });
});

describe("examples/util/plot", () => {
  it("nice ticks cover the range with round steps", () => {
    assert.deepEqual(niceTicks(0, 1, 5), { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    const r = niceTicks(0.913, 0.987, 5);
    assert.ok(r.lo <= 0.913 && r.hi >= 0.987);
    assert.deepEqual(r.ticks, [0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99]);
    assert.deepEqual(niceTicks(0.5, 1, 5).ticks, [0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    assert.deepEqual(niceTicks(1, 15, 6, true, true).ticks, [2, 4, 6, 8, 10, 12, 14]);
    assert.deepEqual(niceTicks(3, 3).ticks.length > 1, true);
  });

  it("writes an SVG with axes, labels, one path per series, a legend; NaN leaves a gap; text is escaped", () => {
    const svg = chartsSvg(
      [
        { title: "loss <train>", xLabel: "epoch", yLabel: "cross-entropy", series: [{ name: "a & b", y: [3, 2, NaN, 1, 0.5] }, { name: "c", y: [2, 1.5, 1, 0.7, 0.6], dashed: true }] },
        { title: "accuracy", yFormat: "percent", series: [{ name: "test", y: [0.5, 0.8, 0.9] }] },
      ],
      { title: "curves" },
    );
    assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="960" height="352"/);
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    assert.ok(svg.includes("loss &lt;train&gt;") && svg.includes("a &amp; b") && !svg.includes("a & b"));
    assert.equal((svg.match(/<path /g) ?? []).length, 3);
    const first = svg.match(/<path d="([^"]+)"/)![1];
    assert.equal((first.match(/M/g) ?? []).length, 2, "a NaN splits the line");
    assert.ok(svg.includes(">epoch</text>") && svg.includes(">cross-entropy</text>"));
    assert.ok(svg.includes(">90%</text>") && svg.includes(">50%</text>"));
    assert.ok(svg.includes('stroke-dasharray="6 4"'));
    // tags balance
    const opens = (svg.match(/<(g|svg|clipPath)[ >]/g) ?? []).length;
    const closes = (svg.match(/<\/(g|svg|clipPath)>/g) ?? []).length;
    assert.equal(opens, closes);
    assert.equal(escapeXml(`<"'&>`), "&lt;&quot;&#39;&amp;&gt;");
    const f = join(dir, "sub", "c.svg");
    writeSvg(f, svg);
    assert.equal(readFileSync(f, "utf8"), svg);
  });

  it("rejects a series whose x and y differ in length", () => {
    assert.throws(() => chartsSvg({ series: [{ name: "s", x: [1, 2], y: [1] }] }), /series "s" has 2 x values and 1 y values/);
  });
});

/** Decodes the PNGs encodePng writes (8-bit, filter 0), checking the signature, chunk CRCs and IHDR. */
function decodePng(buf: Buffer): Image & { chunks: string[] } {
  assert.deepEqual([...buf.subarray(0, 8)], [...PNG_SIGNATURE]);
  let off = 8;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0, height = 0, colorType = -1;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    const typeAndBody = buf.subarray(off + 4, off + 8 + len);
    assert.equal(crc, crc32(typeAndBody), `${type} CRC`);
    const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    if (zcrc) assert.equal(crc, zcrc(typeAndBody), `${type} CRC (node:zlib)`);
    chunks.push(type);
    if (type === "IHDR") {
      assert.equal(len, 13);
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, "bit depth");
      colorType = body[9];
      assert.deepEqual([body[10], body[11], body[12]], [0, 0, 0]);
    } else if (type === "IDAT") idat.push(Buffer.from(body));
    off += 12 + len;
  }
  assert.equal(off, buf.length);
  const channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, 1 | 3 | 4>)[colorType];
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, (stride + 1) * height);
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, "filter type");
    data.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, channels, data, chunks };
}

describe("examples/util/png", () => {
  it("crc32 matches the standard check value", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(Buffer.from("IEND")), 0xae426082);
  });

  it("a grayscale and an RGB image decode back: signature, IHDR, CRCs, pixels", () => {
    const gray: Image = { width: 3, height: 2, channels: 1, data: Uint8Array.from([0, 128, 255, 1, 2, 3]) };
    const g = decodePng(encodePng(gray));
    assert.deepEqual(g.chunks, ["IHDR", "IDAT", "IEND"]);
    assert.deepEqual([g.width, g.height, g.channels], [3, 2, 1]);
    assert.deepEqual([...g.data], [...gray.data]);
    const rgb: Image = { width: 2, height: 2, channels: 3, data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) };
    const c = decodePng(encodePng(rgb));
    assert.deepEqual([c.width, c.height, c.channels], [2, 2, 3]);
    assert.deepEqual([...c.data], [...rgb.data]);
    assert.throws(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }), /expected 2·2·1 = 4/);
  });

  it("imageGrid tiles 64 digits 8×8 with padding; toBytes clamps; upscale repeats pixels", () => {
    const n = 64, px = new Float32Array(n * 28 * 28);
    for (let k = 0; k < n; k++) px.fill(k / 63, k * 784, (k + 1) * 784);
    const img = imageGrid(px, { tileHeight: 28, tileWidth: 28, cols: 8, pad: 2 });
    assert.deepEqual([img.width, img.height, img.channels], [8 * 28 + 9 * 2, 8 * 28 + 9 * 2, 1]);
    assert.equal(img.data[0], 0); // padding
    const at = (x: number, y: number) => img.data[y * img.width + x];
    assert.equal(at(2, 2), 0); // tile 0 = 0.0
    assert.equal(at(2 + 30 * 7, 2 + 30 * 7), 255); // tile 63 = 1.0
    assert.equal(at(2 + 30, 2), Math.round(255 / 63)); // tile 1
    const file = join(dir, "grid", "g.png");
    writePng(file, img);
    const back = decodePng(readFileSync(file));
    assert.deepEqual([...back.data], [...img.data]);
    assert.deepEqual([...toBytes([-1, 0, 0.5, 1, 2, NaN], 0, 1)], [0, 0, 128, 255, 255, 0]);
    assert.deepEqual([...toBytes([-1, 1], -1, 1)], [0, 255]);
    const up = upscale({ width: 2, height: 1, channels: 1, data: Uint8Array.from([10, 20]) }, 2);
    assert.deepEqual([up.width, up.height, ...up.data], [4, 2, 10, 10, 20, 20, 10, 10, 20, 20]);
    assert.throws(() => imageGrid(new Float32Array(100), { tileHeight: 28, tileWidth: 28 }), /not a whole number of 28×28 tiles/);
  });
});

describe("examples/lstm.js (smoke)", () => {
  it("trains a few steps on a small text, evaluates, writes PyTorch-named weights and curves, samples", async () => {
    const out = join(dir, "lstm");
    mkdirSync(out);
    const textFile = join(out, "text.txt");
    writeFileSync(textFile, "the quick brown fox jumps over the lazy dog.\n".repeat(40));
    const r = await run("lstm.js", ["--text", textFile, "--steps", "4", "--n-embd", "4", "--hidden", "8", "--n-layer", "2", "--dropout", "0.1",
      "--block-size", "8", "--batch-size", "4", "--eval-interval", "2", "--eval-iters", "2", "--sample", "12", "--json", "--out", out]);
    const j = lastJson(r);
    assert.equal(j.step, 4);
    const history = j.history as { step: number; valLoss: number }[];
    assert.deepEqual(history.map((h) => h.step), [2, 4]);
    const valLoss = j.valLoss as number;
    assert.ok(Number.isFinite(valLoss) && valLoss > 0 && valLoss < Math.log(28) + 0.5, `valLoss ${valLoss} (ln 28 = 3.33 at the start)`);
    assert.equal((j.sample as string).length, 12);
    const weights = join(out, "lstm.safetensors");
    assert.equal(JSON.parse(loadMetadata(weights).config).hidden, 8);
    const names = Object.keys(load(weights));
    for (const n of ["embed.weight", "lstm.weightIhL0", "lstm.biasHhL1", "head.bias"]) assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
    assert.match(readFileSync(join(out, "lstm-loss.svg"), "utf8"), /<svg/);
  });
});
