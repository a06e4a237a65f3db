// The GAN example's networks and a smoke run of `examples/mnist-gan.ts` with tiny sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, manualSeed, noGrad, optim } from "../src/node.js";
import { discriminator, generator } from "../examples/gan/nets.js";

const count = (ps: Tensor[]) => ps.reduce((s, p) => s + p.numel, 0);

test("generator 128→256→512→1024→784 with Tanh; discriminator 784→1024→512→256→1", () => {
  manualSeed(0);
  const G = generator(128, 256), D = discriminator(256);
  assert.equal(count(G.parameters()), 128 * 256 + 256 + 256 * 512 + 512 + 512 * 1024 + 1024 + 1024 * 784 + 784);
  assert.equal(count(D.parameters()), 784 * 1024 + 1024 + 1024 * 512 + 512 + 512 * 256 + 256 + 256 + 1);
  noGrad(() => {
    const img = G.forward(Tensor.randn([3, 128]).mul(10));
    assert.deepEqual(img.shape, [3, 784]);
    assert.ok(img.abs().max().item() <= 1);
    assert.deepEqual(D.forward(img).shape, [3, 1]);
  });
});

test("a few discriminator steps lower its loss on a fixed batch", () => {
  manualSeed(1);
  const G = generator(8, 8), D = discriminator(8);
  const real = Tensor.rand([16, 784]).mul(2).sub(1);
  const fake = noGrad(() => G.forward(Tensor.randn([16, 8])));
  const opt = new optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const lossD = () => D.forward(real).binaryCrossEntropyWithLogits(Tensor.ones([16, 1])).add(D.forward(fake).binaryCrossEntropyWithLogits(Tensor.zeros([16, 1])));
  const before = noGrad(lossD).item();
  for (let i = 0; i < 5; i++) {
    opt.zeroGrad();
    lossD().backward();
    opt.step();
  }
  assert.ok(noGrad(lossD).item() < before);
});

test("smoke: npm run gan -- --epochs 2 (tiny) writes a PNG grid per epoch", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-gan-"));
  try {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "examples", "mnist-gan.js");
    const out = execFileSync(process.execPath, [script, "--epochs", "2", "--limit", "64", "--batch-size", "32", "--hidden", "8", "--noise", "8",
      "--out", dir, "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const summary = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.equal(summary.epoch, 2);
    assert.equal(summary.steps, 4);
    for (const k of ["lossD", "lossG", "msPerStep"]) assert.ok(Number.isFinite(summary[k]), k);
    for (const n of [1, 2]) {
      const png = fs.readFileSync(path.join(dir, `gan-epoch-${n}.png`));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      // 8×8 tiles of 28 px with 2 px padding, upscaled 2×: (8·28 + 9·2)·2 = 484
      assert.equal(png.readUInt32BE(16), 484);
      assert.equal(png.readUInt32BE(20), 484);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
