// SGD with momentum, dampening, Nesterov momentum and (L2) weight decay.
import type { Tensor } from "../tensor.js";
import { type Args, given } from "../functional/args.js";
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { sgdUpdate, type SGDHyper } from "./updates.js";

/** Options of `SGD` (PyTorch's keywords in camelCase). */
export interface SGDOptions {
  /** Learning rate (required, like PyTorch's SGD). */
  lr: number;
  /** momentum factor (default 0) */
  momentum?: number;
  /** dampening of the momentum (default 0) */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0) */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0; default false) */
  nesterov?: boolean;
  /** ascend instead of descend (default false) */
  maximize?: boolean;
}

/** SGD's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type SGDArgs = Args<
  [lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean],
  Partial<SGDOptions>
>;

/**
 * `torch.optim.SGD(params, lr, momentum=0, dampening=0, weightDecay=0, nesterov=false)`, those positional
 * or in an options object (maximize only there, keyword-only as in PyTorch):
 * `new SGD(model.parameters(), 0.1, 0.9)` is `new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })`.
 * @throws Error without lr, for a negative lr, momentum or weightDecay, Nesterov without momentum (or with dampening), or an unknown option.
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.step();
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: ParamsInput<SGDHyper>, opts: SGDOptions);
  constructor(params: ParamsInput<SGDHyper>, ...args: SGDArgs);
  constructor(params: ParamsInput<SGDHyper>, ...args: unknown[]) {
    const opts = optimizerArgs("SGD", args, ["lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize"], 5) as Partial<SGDOptions>;
    if (opts.lr === undefined) throw new Error("SGD: lr is required, e.g. new SGD(params, { lr: 0.1 })");
    super(params, {
      lr: opts.lr, // a non-number is refused by validate
      momentum: given(opts.momentum, 0),
      dampening: given(opts.dampening, 0),
      weightDecay: given(opts.weightDecay, 0),
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    });
  }

  protected override validate(g: ParamGroup<SGDHyper>): void {
    super.validate(g);
    if (!(g.momentum >= 0)) throw new Error(`SGD: invalid momentum ${g.momentum} (must be >= 0)`);
    if (!(g.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay ${g.weightDecay} (must be >= 0)`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error("SGD: nesterov momentum requires a momentum > 0 and dampening = 0");
    }
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<SGDHyper>): void {
    sgdUpdate(p, grad, state as { momentumBuffer?: Tensor }, group);
  }
}
