// RMSprop (with momentum and the centered variant) and Adagrad, PyTorch 1.13's single-tensor rules.
import { Tensor } from "../tensor.js";
import { checkScalar } from "../functional/args.js";
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput } from "./optimizer.js";
import { type AdagradHyper, type AdagradState, type RMSpropHyper, type RMSpropState, adagradUpdate, rmspropUpdate } from "./updates.js";

/** Options of `RMSprop`: any of its hyperparameters (see `RMSpropHyper`). */
export type RMSpropOptions = Partial<RMSpropHyper>;

const nonNegative = (name: string, op: string, v: unknown) => checkScalar(op, name, v, (x) => x >= 0, "a number >= 0");

/**
 * `torch.optim.RMSprop(params, { lr = 0.01, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false })`.
 * @throws Error for negative hyperparameters or an unknown option.
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: ParamsInput<RMSpropHyper>, opts?: RMSpropOptions) {
    const o = opts ?? {};
    super(params, {
      lr: o.lr ?? 0.01, alpha: o.alpha ?? 0.99, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0, centered: o.centered ?? false, maximize: o.maximize ?? false,
    }, opts);
  }

  protected override validate(g: ParamGroup<RMSpropHyper>): void {
    super.validate(g);
    for (const k of ["alpha", "eps", "weightDecay", "momentum"] as const) nonNegative(k, "RMSprop", g[k]);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<RMSpropHyper>): void {
    rmspropUpdate(p, grad, state as RMSpropState, group);
  }
}

/** Options of `Adagrad`: any of its hyperparameters (see `AdagradHyper`). */
export type AdagradOptions = Partial<AdagradHyper>;

/**
 * `torch.optim.Adagrad(params, { lr = 0.01, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, maximize = false })`.
 * Like PyTorch's, its state (step 0 and the accumulated sum) exists from construction.
 * @throws Error for negative hyperparameters or an unknown option.
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: ParamsInput<AdagradHyper>, opts?: AdagradOptions) {
    const o = opts ?? {};
    super(params, {
      lr: o.lr ?? 0.01, lrDecay: o.lrDecay ?? 0, weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0, eps: o.eps ?? 1e-10, maximize: o.maximize ?? false,
    }, opts);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        this.state.set(p, { step: 0, sum: Tensor.full(p.shape, g.initialAccumulatorValue, { dtype: p.dtype, device: p.device }) });
      }
    }
  }

  protected override validate(g: ParamGroup<AdagradHyper>): void {
    super.validate(g);
    for (const k of ["lrDecay", "weightDecay", "initialAccumulatorValue", "eps"] as const) nonNegative(k, "Adagrad", g[k]);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdagradHyper>): void {
    adagradUpdate(p, grad, state as AdagradState, group);
  }
}
