// The in-page side of test/browser.test.ts: web/checks.ts on this page's copy of dlgrad.
import * as dlgrad from "../src/index.js";
import { runChecks } from "./checks.js";
import { wasmConfig, wasmInfo, wasmMemoryStats, wasmThreadsReady } from "../src/backend/wasm.js";

/** the wasm GEMM's threads (2 in a cross-origin isolated page) and how a product large enough to
 *  use them compares with one thread (bit for bit) and with js (largest difference) */
async function wasmThreadCheck(): Promise<{ threads: number; note: string; sameAsOneThread: boolean; maxDiffJs: number }> {
  const threads = await wasmThreadsReady();
  dlgrad.manualSeed(3);
  const a = dlgrad.Tensor.randn([2, 131, 173], { device: "wasm" }), b = dlgrad.Tensor.randn([2, 173, 97], { device: "wasm" });
  const two = a.matmul(b).toTypedArray();
  wasmConfig({ threads: 1 });
  const one = a.matmul(b).toTypedArray();
  wasmConfig({ threads: 2 });
  const J = (t: dlgrad.Tensor) => dlgrad.Tensor.from(t.toTypedArray(), { shape: t.shape, device: "js" });
  const js = J(a).matmul(J(b)).toTypedArray();
  let same = one.length === two.length, maxDiffJs = 0;
  for (let i = 0; i < one.length; i++) {
    same &&= one[i] === two[i];
    maxDiffJs = Math.max(maxDiffJs, Math.abs(two[i] - js[i]));
  }
  return { threads, note: wasmInfo().threadsNote, sameAsOneThread: same, maxDiffJs };
}

/** 1,500 adds of 256 KiB on wasm, each followed by a macrotask (a MessageChannel message: timers
 *  are clamped to 4 ms), and the module's memory stats after. In Node such a loop allocates too
 *  little JavaScript for the collector to run, and only the pile-up ballast (src/backend/wasm.ts)
 *  brings its blocks back (test/wasm.test.ts); Chromium collected on its own here with or without
 *  it (163-207 MiB, 805-1,067 blocks given back), so this checks that the page stays bounded. */
async function wasmYieldingLoop(): Promise<{ memoryBefore: number; memoryBytes: number; hostBacked: number; reclaimed: number; sum: number }> {
  const ch = new MessageChannel();
  let wake: () => void = () => {};
  ch.port1.onmessage = () => wake();
  const macrotask = () => new Promise<void>((r) => { wake = r; ch.port2.postMessage(0); });
  const before = wasmMemoryStats();
  const a = dlgrad.Tensor.ones([65536], { device: "wasm" }), b = dlgrad.Tensor.ones([65536], { device: "wasm" });
  for (let i = 0; i < 1500; i++) {
    a.add(b);
    await macrotask();
  }
  const s = wasmMemoryStats();
  ch.port1.close();
  return {
    memoryBefore: before.memoryBytes, memoryBytes: s.memoryBytes, hostBacked: s.hostBacked - before.hostBacked,
    reclaimed: s.reclaimed - before.reclaimed, sum: a.add(b).sum().item(),
  };
}

Object.assign(window, {
  dlgradChecks: async (device: string) => {
    if (device === "webgpu") await dlgrad.initDevice("webgpu"); // at once when the page already started it
    return runChecks(dlgrad, device);
  },
  dlgradAdapter: () => dlgrad.webgpu.adapterInfo(),
  dlgradDevices: () => dlgrad.availableDevices(),
  dlgradWasmThreads: wasmThreadCheck,
  dlgradWasmYieldingLoop: wasmYieldingLoop,
});
