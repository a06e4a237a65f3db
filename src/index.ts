// dlgrad: the public surface (see API.md).
import "./backend/js.js";
import "./backend/native.js"; // registers "cpu" when the addon loads

export { Tensor, tensor, grad } from "./tensor.js";
export type { DType, TensorOptions, FromOptions, NestedArray, SliceIndex } from "./tensor.js";
export { noGrad, isGradEnabled } from "./graph.js";
export { manualSeed } from "./random.js";
export { availableDevices, getDefaultDevice, setDefaultDevice, registerBackend } from "./backend/backend.js";
export type { Backend, View } from "./backend/backend.js";
export * as F from "./functional.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export { save, load, loadMetadata } from "./io/safetensors.js";
