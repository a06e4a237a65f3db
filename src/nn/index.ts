// nn: modules, layers, initialisers, utilities, and the functional composites as nn.functional.
export { Module, Parameter, isParameter, type StateDict, type LoadResult } from "./module.js";
export * from "./layers.js";
export * from "./losses.js";
export * from "./activations.js";
export * from "./norms.js";
export * from "./pooling.js";
export * from "./rnn.js";
export * from "./transformer.js";
export * from "./conv.js";
export * from "./resize.js";
export * from "./sampling.js";
export * from "./containers.js";
export * from "./padding.js";
/** Parameter initialisers (torch.nn.init): in place, without autograd. */
export * as init from "./init.js";
/** Training utilities (torch.nn.utils): gradient clipping. */
export * as utils from "./utils.js";
/** The functional ops again, as `nn.functional` (the same namespace as `F`). */
export * as functional from "../functional.js";
