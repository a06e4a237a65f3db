// dlgrad in Node (package.json's "node" export): everything src/index.ts exports, plus the `cpu`
// backend (the C addon, when it loads) and the file system behind paths in save, load,
// loadMetadata and data.mnist({ dir }).
/**
 * What Node gets from `import ... from "dlgrad"`: the `index` module's API, plus the `cpu` device
 * (the C addon, when it built) and file paths in `save`, `load`, `loadMetadata` and `data.mnist({ dir })`.
 * @module
 */
import "./backend/wasm.js"; // first: the addon's message names the fall-back, wasm when it loaded
import "./backend/native.js"; // registers "cpu" when the addon loads
import { setFileSystem } from "./io/files.js";
import { nodeFiles } from "./io/node-files.js";
import { Worker } from "node:worker_threads";
import { deferWasmWorker, startWasmWorker } from "./backend/wasm.js";
import { availableDevices } from "./backend/backend.js";

setFileSystem(nodeFiles);

// the wasm backend's GEMM worker (a second thread; see src/backend/wasm.ts), unless the backend
// did not load or DLGRAD_WASM_THREADS=1: at once where wasm is the default device (no addon),
// otherwise on the wasm backend's first product. unref: it never keeps the process alive.
if (process.env.DLGRAD_WASM_THREADS !== "1") {
  (availableDevices().includes("cpu") ? deferWasmWorker : startWasmWorker)((code) => {
    const w = new Worker(code, { eval: true, execArgv: [] }); // not the parent's (--input-type=module would make it ESM)
    w.unref();
    // unref again after each listener: adding one refs the worker's port again
    return {
      postMessage: (m) => w.postMessage(m), onMessage: (f) => void w.on("message", f).unref(), onError: (f) => void w.on("error", f).unref(),
      terminate: () => void w.terminate(),
    };
  });
}

export * from "./index.js";
