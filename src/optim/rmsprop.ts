// RMSprop (with momentum and the centered variant) and Adagrad, PyTorch 1.13's single-tensor rules.
import { Tensor } from "../tensor.js";
import { type Args, checkScalar, given } from "../functional/args.js";
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { type AdagradHyper, type AdagradState, type RMSpropHyper, type RMSpropState, adagradUpdate, rmspropUpdate } from "./updates.js";

/** Options of `RMSprop`: any of its hyperparameters (see `RMSpropHyper`). */
export type RMSpropOptions = Partial<RMSpropHyper>;

const nonNegative = (name: string, op: string, v: unknown) => checkScalar(op, name, v, (x) => x >= 0, "a number >= 0");

/** RMSprop's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type RMSpropArgs = Args<
  [lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean],
  RMSpropOptions
>;

/**
 * `torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weightDecay=0, momentum=0, centered=false)`, positional
 * or in an options object, with `maximize = false` only there (keyword-only in PyTorch 2).
 * @throws Error for negative hyperparameters or an unknown option.
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: ParamsInput<RMSpropHyper>, opts?: RMSpropOptions);
  constructor(params: ParamsInput<RMSpropHyper>, ...args: RMSpropArgs);
  constructor(params: ParamsInput<RMSpropHyper>, ...args: unknown[]) {
    const o: RMSpropOptions = optimizerArgs("RMSprop", args, ["lr", "alpha", "eps", "weightDecay", "momentum", "centered", "maximize"], 6);
    super(params, {
      lr: given(o.lr, 0.01), alpha: given(o.alpha, 0.99), eps: given(o.eps, 1e-8), weightDecay: given(o.weightDecay, 0),
      momentum: given(o.momentum, 0), centered: o.centered ?? false, maximize: o.maximize ?? false,
    });
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

/** Adagrad's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type AdagradArgs = Args<
  [lr: number, lrDecay: number, weightDecay: number, initialAccumulatorValue: number, eps: number],
  AdagradOptions
>;

/**
 * `torch.optim.Adagrad(params, lr=0.01, lrDecay=0, weightDecay=0, initialAccumulatorValue=0, eps=1e-10)`, positional
 * or in an options object, with `maximize = false` only there (keyword-only in PyTorch).
 * Like PyTorch's, its state (step 0 and the accumulated sum) exists from construction.
 * @throws Error for negative hyperparameters or an unknown option.
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: ParamsInput<AdagradHyper>, opts?: AdagradOptions);
  constructor(params: ParamsInput<AdagradHyper>, ...args: AdagradArgs);
  constructor(params: ParamsInput<AdagradHyper>, ...args: unknown[]) {
    const o: AdagradOptions = optimizerArgs("Adagrad", args, ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps", "maximize"], 5);
    super(params, {
      lr: given(o.lr, 0.01), lrDecay: given(o.lrDecay, 0), weightDecay: given(o.weightDecay, 0),
      initialAccumulatorValue: given(o.initialAccumulatorValue, 0), eps: given(o.eps, 1e-10), maximize: o.maximize ?? false,
    });
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
