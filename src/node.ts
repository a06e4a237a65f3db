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

setFileSystem(nodeFiles);

export * from "./index.js";
