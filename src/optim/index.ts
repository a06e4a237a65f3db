// optim: optimizers and learning-rate schedulers.
export {
  Optimizer, type ParamGroup, type ParamsInput, type ParamState, type OptimizerStateDict, type BaseHyper,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, Adagrad, type RMSpropOptions, type AdagradOptions } from "./rmsprop.js";
export { Adamax, NAdam, RAdam, type AdamaxOptions, type NAdamOptions, type RAdamOptions } from "./adam_variants.js";
export { Adadelta, type AdadeltaOptions } from "./adadelta.js";
export { Rprop, ASGD, type RpropOptions, type ASGDOptions } from "./rprop_asgd.js";
export {
  sgdUpdate, adamUpdate, rmspropUpdate, adagradUpdate, type SGDHyper, type AdamHyper, type AdamState, type RMSpropHyper,
  type RMSpropState, type AdagradHyper, type AdagradState,
} from "./updates.js";
/** Learning-rate schedulers (torch.optim.lr_scheduler): `StepLR`, `CosineAnnealingLR`, `OneCycleLR`, `ReduceLROnPlateau`, ... */
export * as lrScheduler from "./lr_scheduler.js";
export { LBFGS, type LBFGSOptions, type LBFGSHyper, type LBFGSClosure } from "./lbfgs.js";
