// The in-page side of test/browser.test.ts: web/checks.ts on this page's copy of dlgrad.
import * as dlgrad from "../src/index.js";
import { runChecks } from "./checks.js";
import { wasmConfig, wasmInfo, wasmThreadsReady } from "../src/backend/wasm.js";

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

Object.assign(window, {
  dlgradChecks: async (device: string) => {
    if (device === "webgpu") await dlgrad.initDevice("webgpu"); // at once when the page already started it
    return runChecks(dlgrad, device);
  },
  dlgradAdapter: () => dlgrad.webgpu.adapterInfo(),
  dlgradDevices: () => dlgrad.availableDevices(),
  dlgradWasmThreads: wasmThreadCheck,
});
