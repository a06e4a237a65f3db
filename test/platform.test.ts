// The package on both platforms: the main entry bundles for a browser with esbuild (no errors,
// no warnings, nothing from node:*) and runs where only a browser's globals exist (no process,
// Buffer or require); the Node entry adds the cpu backend and file paths; package.json's
// "exports" and "imports" pick the right files.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as vm from "node:vm";
import * as esbuild from "esbuild";
import * as nodeEntry from "../src/node.js";
import * as mainEntry from "../src/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const entry = fileURLToPath(new URL("../src/index.js", import.meta.url)); // dist/src/index.js

/** Bundles the main entry for a browser; esbuild's errors and warnings come back in the result. */
async function bundle(format: "esm" | "iife"): Promise<esbuild.BuildResult & { text: string }> {
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format,
    globalName: format === "iife" ? "dlgrad" : undefined,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { ...r, text: r.outputFiles![0].text };
}

describe("the main entry in a browser", () => {
  it("bundles with esbuild for platform browser: no errors, no warnings, no node: import, no Node-only file", async () => {
    const r = await bundle("esm");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, []);
    assert.doesNotMatch(r.text, /(?:from|import|require)\s*\(?\s*["']node:/);
    const inputs = Object.keys(r.metafile!.inputs);
    assert.ok(inputs.some((f) => f.endsWith("dist/src/tensor.js")));
    for (const f of inputs) {
      assert.doesNotMatch(f, /^node:|node_modules|native\.js$|node-files\.js$|mnist-digits-node\.js$|src\/node\.js$/, `the browser bundle pulls in ${f}`);
    }
  });

  it("package.json: types first, then node → the Node entry (require() through src/index.cjs), default → the main entry", () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
    const dot = pkg.exports["."];
    assert.deepEqual(Object.keys(dot), ["types", "node", "default"]);
    assert.deepEqual(dot, {
      types: "./dist/src/index.d.ts",
      node: { require: "./src/index.cjs", default: "./dist/src/node.js" },
      default: "./dist/src/index.js",
    });
    assert.match(readFileSync(`${root}/src/index.cjs`, "utf8"), /require\("\.\.\/dist\/src\/node\.js"\)/, "require() gives the Node entry too");
  });

  it("runs with only a browser's globals: trains, saves to bytes and loads them back, mnist(); paths give clear errors", async () => {
    const { text } = await bundle("iife");
    // a fresh realm with the web platform's globals that dlgrad may use, and none of Node's
    const { TextEncoder, TextDecoder, atob, btoa, console, performance, setTimeout, clearTimeout, queueMicrotask } = globalThis;
    const ctx = vm.createContext({ TextEncoder, TextDecoder, atob, btoa, console, performance, setTimeout, clearTimeout, queueMicrotask });
    vm.runInContext(text, ctx, { filename: "dlgrad.browser.js" });
    const result = vm.runInContext(
      `(() => {
        const { Tensor, nn, optim, save, load, loadMetadata, data, getDefaultDevice, availableDevices } = dlgrad;
        const errs = [typeof process, typeof Buffer, typeof require];
        const model = new nn.Linear(3, 1);
        const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
        const x = Tensor.randn([16, 3]), y = x.sum(1, { keepdim: true });
        let first, last;
        for (let i = 0; i < 50; i++) {
          const loss = model.forward(x).sub(y).pow(2).mean();
          opt.zeroGrad(); loss.backward(); opt.step();
          last = loss.item(); if (i === 0) first = last;
        }
        const bytes = save(model, { metadata: { note: "from a page" } });
        const back = load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const other = new nn.Linear(3, 1);
        other.loadStateDict(back);
        const same = other.forward(x).sub(model.forward(x)).abs().max().item();
        const m = data.mnist();
        const message = (f) => { try { f(); return "no error"; } catch (e) { return e.message; } };
        return JSON.stringify({
          globals: errs, device: getDefaultDevice(), devices: availableDevices(), first, last, same,
          isBytes: bytes instanceof Uint8Array, meta: loadMetadata(bytes),
          mnist: [m.trainImages.shape, m.testImages.shape, m.trainImages.sum().item(), m.testLabels.sum().item()],
          savePath: message(() => save(model, "weights.safetensors")),
          loadPath: message(() => load("weights.safetensors")),
          mnistDir: message(() => data.mnist({ dir: "mnist" })),
        });
      })()`,
      ctx,
    );
    const r = JSON.parse(result as string);
    assert.deepEqual(r.globals, ["undefined", "undefined", "undefined"], "the realm has none of Node's globals");
    // a realm has WebAssembly (a V8 builtin): the wasm backend loads there as in a page
    assert.equal(r.device, "wasm");
    assert.deepEqual(r.devices, ["js", "wasm"]);
    assert.ok(r.last < r.first / 10, `training lowers the loss: ${r.first} → ${r.last}`);
    assert.equal(r.same, 0, "the weights loaded from the bytes give the same outputs");
    assert.equal(r.isBytes, true);
    assert.deepEqual(r.meta, { note: "from a page" });
    // the same digits as in Node
    const m = nodeEntry.data.mnist();
    assert.deepEqual(r.mnist, [[7996, 784], [2004, 784], m.trainImages.sum().item(), m.testLabels.sum().item()]);
    assert.match(r.savePath, /^save: file paths need Node's file system, which this environment \(a browser\?\) does not have: call save\(stateDict\) without a path to get the safetensors bytes/);
    assert.match(r.loadPath, /^load: file paths need Node's file system, .*: pass the file's bytes instead \(a Uint8Array or ArrayBuffer, e\.g\. from fetch\(\) or a file input\)/);
    assert.match(r.mnistDir, /^mnist: file paths need Node's file system, .*: call mnist\(\) without \{ dir \} for the bundled digits/);
  });
});

describe("the Node entry", () => {
  it("re-exports every export of the main entry, the same objects", () => {
    for (const [k, v] of Object.entries(mainEntry)) assert.equal((nodeEntry as Record<string, unknown>)[k], v, k);
    assert.deepEqual(Object.keys(nodeEntry).sort(), Object.keys(mainEntry).sort());
  });

  it("#mnist-digits: Node reads the digits' file when mnist() is called; other platforms import the generated module", async () => {
    assert.match(import.meta.resolve("#mnist-digits"), /\/dist\/src\/data\/mnist-digits-node\.js$/);
    const r = await bundle("esm");
    assert.ok(Object.keys(r.metafile!.inputs).some((f) => f.endsWith("dist/src/data/mnist-digits.js")), "the browser bundle holds the digits");
    const { digits: fromFile } = await import("../src/data/mnist-digits-node.js");
    const { digits: fromModule } = await import("../src/data/mnist-digits.js");
    assert.deepEqual(fromFile(), fromModule());
  });

  it("registers the cpu backend when the addon loads", () => {
    if (process.env.DLGRAD_REQUIRE_CPU === "1") assert.ok(nodeEntry.availableDevices().includes("cpu"));
    assert.ok(nodeEntry.availableDevices().includes("js"));
  });
});
