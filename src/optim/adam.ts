// Adam and AdamW (decoupled weight decay).
import type { Tensor } from "../tensor.js";
import { type Args, given } from "../functional/args.js";
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { adamUpdate, type AdamHyper, type AdamState } from "./updates.js";

/** Options of `Adam` and `AdamW` (PyTorch's keywords in camelCase). */
export interface AdamOptions {
  /** learning rate (default 1e-3) */
  lr?: number;
  /** decay rates of the first and second moment averages (default [0.9, 0.999]) */
  betas?: [number, number];
  /** added to the denominator (default 1e-8) */
  eps?: number;
  /** L2 penalty added to the gradient (Adam, default 0) or decoupled decay (AdamW, default 0.01) */
  weightDecay?: number;
  /** use the maximum of past second moments (default false) */
  amsgrad?: boolean;
  /** ascend instead of descend (default false) */
  maximize?: boolean;
}

/** PyTorch's positional hyperparameters after params, then an options object (maximize only there, keyword-only as in PyTorch). */
type AdamArgs = Args<[lr: number, betas: [number, number], eps: number, weightDecay: number, amsgrad: boolean], AdamOptions>;

/** The hyperparameters from `args` (see AdamArgs) over the defaults. */
function hyper(name: string, args: readonly unknown[], weightDecay: number): AdamHyper {
  const opts = optimizerArgs(name, args, ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"], 5) as AdamOptions;
  return {
    lr: given(opts.lr, 1e-3),
    betas: (Array.isArray(opts.betas) ? [...opts.betas] : given(opts.betas, [0.9, 0.999])) as [number, number], // checked by validate
    eps: given(opts.eps, 1e-8),
    weightDecay: given(opts.weightDecay, weightDecay),
    amsgrad: opts.amsgrad ?? false,
    maximize: opts.maximize ?? false,
  };
}

function validateAdam(name: string, g: AdamHyper): void {
  if (!(g.eps >= 0)) throw new Error(`${name}: invalid eps ${g.eps} (must be >= 0)`);
  g.betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) throw new Error(`${name}: invalid beta at index ${i}: ${b} (must be in [0, 1))`);
  });
  if (!(g.weightDecay >= 0)) throw new Error(`${name}: invalid weightDecay ${g.weightDecay} (must be >= 0)`);
}

/**
 * `torch.optim.Adam(params, lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, amsgrad=false)` (L2
 * weightDecay added to the gradient), those positional or in an options object; maximize only there.
 * @throws Error for a negative lr, eps or weightDecay, betas outside [0, 1), or an unknown option.
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 3e-4 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: ParamsInput<AdamHyper>, opts?: AdamOptions);
  constructor(params: ParamsInput<AdamHyper>, ...args: AdamArgs);
  constructor(params: ParamsInput<AdamHyper>, ...args: unknown[]) {
    super(params, hyper("Adam", args, 0));
  }

  protected override validate(g: ParamGroup<AdamHyper>): void {
    super.validate(g);
    validateAdam(this.constructor.name, g);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamUpdate(p, grad, state as AdamState, group, false);
  }
}

/**
 * `torch.optim.AdamW(params, lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0.01, amsgrad=false)`, those
 * positional or in an options object (maximize only there): Adam with decoupled weight decay p ← p·(1 − lr·λ).
 * @throws Error for a negative lr, eps or weightDecay, betas outside [0, 1), or an unknown option.
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1 });
 */
export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: ParamsInput<AdamHyper>, opts?: AdamOptions);
  constructor(params: ParamsInput<AdamHyper>, ...args: AdamArgs);
  constructor(params: ParamsInput<AdamHyper>, ...args: unknown[]) {
    super(params, hyper("AdamW", args, 0.01));
  }

  protected override validate(g: ParamGroup<AdamHyper>): void {
    super.validate(g);
    validateAdam(this.constructor.name, g);
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamHyper>): void {
    adamUpdate(p, grad, state as AdamState, group, true);
  }
}
