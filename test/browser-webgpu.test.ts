// dlgrad's webgpu device in a real browser: Debian's Chromium, headless, with --enable-unsafe-webgpu,
// which there gives navigator.gpu a SwiftShader adapter (software Vulkan inside Chromium). The demo
// page (out/web/, as `npm run web` builds it) runs a few training steps on `webgpu` and on `js`: the
// losses and the test accuracy must agree; then web/checks.ts's ops and gradients run on `webgpu`
// in the page and are compared with Node's js backend.
//
// Skipped, printing why, when /usr/bin/chromium is missing (DLGRAD_REQUIRE_BROWSER=1 makes that a
// failure in browser.test.ts) or when Chromium gives no WebGPU adapter; DLGRAD_REQUIRE_WEBGPU=1
// turns the latter into a failure, since headless Chromium here is known to have one.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import * as dlgrad from "../src/index.js";
import { runChecks } from "../web/checks.js";
import * as path from "node:path";
import { ROOT, buildWeb } from "../web/build.js";
import { startServer } from "../web/serve.js";
import { chromiumMissing, clickDownload, launchChromium } from "../web/chromium.js";

/** A few steps: SwiftShader runs one in a few hundred ms on a loaded machine. */
const STEPS = 4;

const missing = chromiumMissing();
if (missing) console.log(`browser-webgpu.test: skipped: ${missing}`);

interface Demo {
  device: string;
  state: string;
  step: number;
  totalSteps: number;
  losses: number[];
  accuracy: { step: number; acc: number }[];
  msPerStep: number;
  error: string | null;
}
type Checks = Record<string, { values: number[] } | { error: string }>;

async function runDemo(page: Page, url: string): Promise<Demo> {
  await page.goto(url);
  await page.waitForFunction(() => {
    const d = (window as unknown as { dlgradDemo?: Demo }).dlgradDemo;
    return d !== undefined && (d.state === "done" || d.state === "error");
  }, { timeout: 120_000, polling: 200 });
  return page.evaluate(() => {
    const { finished: _f, predict: _p, ...rest } = (window as unknown as { dlgradDemo: Demo & Record<string, unknown> }).dlgradDemo;
    return rest as unknown as Demo;
  });
}

test("webgpu in headless Chromium (SwiftShader)", { skip: missing ? `skipped: ${missing}` : false, timeout: 240_000 }, async (t) => {
  // its own build folder: test/browser.test.ts builds and serves out/web/ at the same time (emptied first)
  const dir = path.join(ROOT, "out", "web-webgpu-test");
  await buildWeb(dir);
  const server = await startServer(dir);
  const chromium = await launchChromium({ webgpu: true });
  t.after(async () => {
    await chromium.close();
    await server.close();
  });
  const page = await chromium.browser.newPage();
  await page.goto(`${server.url}style.css`); // any page of the origin: a secure context (navigator.gpu needs one)
  const probe = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return "Chromium has no navigator.gpu (--enable-unsafe-webgpu did not apply)";
    return (await gpu.requestAdapter()) ? null : "navigator.gpu.requestAdapter() gave no adapter";
  });
  if (probe !== null) {
    if (process.env.DLGRAD_REQUIRE_WEBGPU === "1") assert.fail(`headless Chromium should give a SwiftShader WebGPU adapter here: ${probe}`);
    console.log(`browser-webgpu.test: skipped: ${probe}`);
    t.skip(probe);
    return;
  }
  // (after the probe: its page has no favicon)
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String((e as Error)?.message ?? e)));
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()}${m.location()?.url ? ` (${m.location().url})` : ""}`));

  await t.test(`the demo trains ${STEPS} steps on webgpu: the losses and the test accuracy match js; so do ops and gradients`, async () => {
    const gpu = await runDemo(page, `${server.url}index.html?device=webgpu&steps=${STEPS}`);
    assert.equal(gpu.error, null, `the demo failed on webgpu: ${gpu.error}`);
    assert.equal(gpu.device, "webgpu");

    // the weights download from webgpu too (saveAsync: GPU memory is read asynchronously)
    const bytes = await clickDownload(page, "#download", "mnist-mlp.safetensors");
    assert.ok(bytes, `no download from the webgpu demo (page errors: ${errors.join("; ")})`);
    assert.deepEqual(Object.keys(dlgrad.load(bytes)).sort(), ["0.bias", "0.weight", "2.bias", "2.weight"]);

    // web/checks.ts on the same page (its kernels are compiled already) against Node's js backend
    await page.addScriptTag({ url: `${server.url}checks-page.js`, type: "module" });
    await page.waitForFunction(() => "dlgradChecks" in window, { timeout: 10_000 });
    const want = await runChecks(dlgrad, "js");
    const got = await page.evaluate((d) => (window as unknown as { dlgradChecks: (d: string) => Promise<Checks> }).dlgradChecks(d), "webgpu");
    const adapter = await page.evaluate(() => (window as unknown as { dlgradAdapter: () => unknown }).dlgradAdapter());
    assert.deepEqual(Object.keys(got), Object.keys(want));
    let worst = 0;
    for (const [name, w] of Object.entries(want)) {
      const g = got[name];
      assert.ok("values" in w, `Node: ${name}: ${"error" in w ? w.error : ""}`);
      assert.ok("values" in g, `webgpu in the page: ${name}: ${"error" in g ? g.error : ""}`);
      assert.equal(g.values.length, w.values.length, `${name}: ${g.values.length} values, expected ${w.values.length}`);
      w.values.forEach((wv, i) => {
        const gv = g.values[i], err = Math.abs(gv - wv) / (1e-5 + 1e-4 * Math.max(1, Math.abs(wv)));
        worst = Math.max(worst, err);
        assert.ok(err <= 1 || (Number.isNaN(gv) && Number.isNaN(wv)), `webgpu: ${name}: value ${i} is ${gv}, Node's js gives ${wv}`);
      });
    }
    console.log(`browser-webgpu.test: adapter ${JSON.stringify(adapter)}; ${Object.keys(want).length} checks on webgpu agree with Node ` +
      `(worst ${(worst * 100).toFixed(1)} % of the tolerance)`);

    const cpu = await runDemo(page, `${server.url}index.html?device=js&steps=${STEPS}`);
    assert.equal(cpu.error, null, `the demo failed on js: ${cpu.error}`);
    assert.equal(gpu.step, STEPS);
    assert.equal(gpu.losses.length, STEPS);
    gpu.losses.forEach((l, i) => assert.ok(Math.abs(l - cpu.losses[i]) <= 1e-4 * Math.abs(cpu.losses[i]), `step ${i + 1}: loss ${l} on webgpu, ${cpu.losses[i]} on js`));
    const [a, b] = [gpu.accuracy.at(-1)!, cpu.accuracy.at(-1)!];
    assert.equal(a.step, STEPS);
    assert.ok(Math.abs(a.acc - b.acc) <= 1e-3, `test accuracy ${a.acc} on webgpu, ${b.acc} on js`);
    console.log(`browser-webgpu.test: ${STEPS} demo steps on webgpu, ${gpu.msPerStep.toFixed(0)} ms/step (js ${cpu.msPerStep.toFixed(0)}); ` +
      `losses ${gpu.losses.map((l) => l.toFixed(4)).join(" ")}; test accuracy ${(a.acc * 100).toFixed(1)} %`);
    assert.deepEqual(errors, [], "errors on the page");
  });
});
