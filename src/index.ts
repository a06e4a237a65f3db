// dlgrad: the public surface (see docs/API.md), the same in Node and in a browser: nothing here imports
// node:*. The Node entry, src/node.ts, adds the `cpu` addon backend and file paths for save/load.
/**
 * dlgrad's public API, the same in Node and in a browser: `Tensor` and `tensor()`, autograd,
 * devices, `F`, `nn`, `optim`, `data`, `save`/`load` and `webgpu`. docs/API.md lists it by group.
 * @module
 */
import "./backend/js.js";
import "./backend/wasm.js"; // registers "wasm" where WebAssembly SIMD is available

export { Tensor, tensor, grad } from "./tensor.js";
export type { DType, TensorOptions, FromOptions, NestedArray, SliceIndex } from "./tensor.js";
export { noGrad, isGradEnabled } from "./graph.js";
export { manualSeed } from "./random.js";
export { availableDevices, getDefaultDevice, setDefaultDevice, registerBackend } from "./backend/backend.js";
export { initDevice } from "./backend/device.js";
/** The webgpu device's helpers, as torch.cuda's: `isAvailable`, `synchronize`, `memoryStats`, `emptyCache`, `flush`, `adapterInfo`, `gpuDevice`. */
export * as webgpu from "./backend/webgpu/api.js";
export type { Backend, View } from "./backend/backend.js";
export type { ValuesIndices, SortOptions, TopkOptions } from "./tensor.js";
export type { AddOptions, DivOptions, RoundOptions, NanToNumOptions } from "./tensor.js";
/** Functional ops (torch.nn.functional): activations, losses, normalisation, convolution, pooling, attention. */
export * as F from "./functional.js";
export {
  addcmul, addmm, bmm, cdist, cross, diag, diagonal, diff, dot, einsum, flip, frac, indexAdd, indexFill, indexPut, isclose, lerp,
  logaddexp, logit, maskedSelect, maskedSelectAsync, meshgrid, mv, nonzero, nonzeroAsync, norm, outer, repeatInterleave, roll,
  rot90, scatter, scatterAdd, tile, trace, unbind, unflatten, xlogy, tensorSplit, hstack, vstack, dstack, columnStack, takeAlongDim,
  cartesianProd, trilIndices, triuIndices,
} from "./tensor_ops.js";
export type {
  AddcmulOptions, AddInPlaceOptions, AddmmOptions, CdistOptions, DiffOptions, IndexAddOptions, IndexPutOptions, IscloseOptions,
  MeshgridOptions, NonzeroOptions, NormOptions, NormOrd, RepeatInterleaveOptions,
} from "./tensor_ops.js";
export {
  aminmax, bernoulli, bincount, bincountAsync, bucketize, countNonzero, histc, kthvalue, median, multinomial, nanmean, nanmedian,
  nanquantile, nansum, quantile, searchsorted, stdMean, unique, uniqueAsync, varMean,
} from "./statistics.js";
export type {
  AminmaxOptions, BincountOptions, HistcOptions, KeepdimOptions, MinMax, MultinomialOptions, QuantileInterpolation, QuantileOptions,
  SearchsortedOptions, UniqueOptions, UniqueResult, VarMeanOptions,
} from "./statistics.js";
/** Modules and layers (torch.nn): `Module`, `Linear`, `Conv2d`, losses, norms, `init`, `utils`, `functional`. */
export * as nn from "./nn/index.js";
/** Optimizers (torch.optim): `SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`, and `lrScheduler`. */
export * as optim from "./optim/index.js";
/** Data loading (torch.utils.data and torchvision's MNIST): `DataLoader`, `mnist`. */
export * as data from "./data/index.js";
/** Linear algebra on small matrices (torch.linalg): `det`, `slogdet`, `inv`, `solve`, `cholesky`, `kron`, `tensordot`. */
export * as linalg from "./linalg.js";
export { kron, tensordot } from "./linalg.js";
export { save, saveAsync, load, loadMetadata } from "./io/safetensors.js";
