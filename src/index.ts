// dlgrad: the public surface (see API.md), the same in Node and in a browser: nothing here imports
// node:*. The Node entry, src/node.ts, adds the `cpu` addon backend and file paths for save/load.
import "./backend/js.js";
import "./backend/wasm.js"; // registers "wasm" where WebAssembly SIMD is available

export { Tensor, tensor, grad } from "./tensor.js";
export type { DType, TensorOptions, FromOptions, NestedArray, SliceIndex } from "./tensor.js";
export { noGrad, isGradEnabled } from "./graph.js";
export { manualSeed } from "./random.js";
export { availableDevices, getDefaultDevice, setDefaultDevice, registerBackend } from "./backend/backend.js";
export { initDevice } from "./backend/device.js";
export * as webgpu from "./backend/webgpu/api.js";
export type { Backend, View } from "./backend/backend.js";
export type { ValuesIndices, SortOptions, TopkOptions } from "./tensor.js";
export * as F from "./functional.js";
export {
  addcmul, addmm, bmm, cdist, diag, diagonal, einsum, flip, indexAdd, indexFill, indexPut, lerp, maskedSelect, maskedSelectAsync,
  nonzero, nonzeroAsync, norm, outer, repeatInterleave, roll, scatter, scatterAdd, tile, trace, unbind, unflatten,
} from "./tensor_ops.js";
export type {
  AddcmulOptions, AddInPlaceOptions, AddmmOptions, CdistOptions, IndexAddOptions, IndexPutOptions, NonzeroOptions, NormOptions, NormOrd,
  RepeatInterleaveOptions,
} from "./tensor_ops.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export { save, load, loadMetadata } from "./io/safetensors.js";
