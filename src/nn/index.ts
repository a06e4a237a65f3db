// nn: modules, layers, initialisers, utilities, and the functional composites as nn.functional.
export { Module, Parameter, isParameter, type StateDict, type LoadResult } from "./module.js";
export * from "./layers.js";
export * from "./losses.js";
export * from "./activations.js";
export * from "./norms.js";
export * from "./pooling.js";
export * from "./conv.js";
export * from "./resize.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export * as functional from "../functional.js";
