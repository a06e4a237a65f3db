// optim: optimizers and learning-rate schedulers.
export {
  Optimizer, type ParamGroup, type ParamsInput, type ParamState, type OptimizerStateDict, type BaseHyper,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { sgdUpdate, adamUpdate, type SGDHyper, type AdamHyper, type AdamState } from "./updates.js";
export * as lrScheduler from "./lr_scheduler.js";
