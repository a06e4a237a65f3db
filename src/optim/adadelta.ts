// Adadelta: PyTorch 1.13's single-tensor rule as a composite of tensor ops (every device).
import { Tensor } from "../tensor.js";
import { type Args, checkScalar, given } from "../functional/args.js";
import { Optimizer, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";
import { withWeightDecay } from "./updates.js";

/** Options of `Adadelta` (PyTorch's keywords in camelCase). */
export interface AdadeltaOptions {
  /** learning rate, a factor on the step Adadelta computes (default 1.0) */
  lr?: number;
  /** ρ, the decay rate of the running averages of g² and of the squared steps (default 0.9) */
  rho?: number;
  /** added inside both square roots (default 1e-6) */
  eps?: number;
  /** L2 penalty λ added to the gradient (default 0) */
  weightDecay?: number;
}

type AdadeltaHyper = Required<AdadeltaOptions>;

/**
 * `torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weightDecay=0)`, positional or in an options object.
 * g += λp; v = ρv + (1−ρ)g²;
 * Δ = √(a + ε)/√(v + ε)·g; a = ρa + (1−ρ)Δ²; p ← p − lr·Δ.
 * State per parameter: `step`, `squareAvg` (v), `accDelta` (a).
 * @throws Error for a negative lr, eps or weightDecay, rho outside [0, 1], or an unknown option.
 * @example
 * const opt = new optim.Adadelta(model.parameters());
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adadelta extends Optimizer<AdadeltaHyper> {
  constructor(params: ParamsInput<AdadeltaHyper>, opts?: AdadeltaOptions);
  constructor(params: ParamsInput<AdadeltaHyper>, ...args: Args<[lr: number, rho: number, eps: number, weightDecay: number], AdadeltaOptions>);
  constructor(params: ParamsInput<AdadeltaHyper>, ...args: unknown[]) {
    const o: AdadeltaOptions = optimizerArgs("Adadelta", args, ["lr", "rho", "eps", "weightDecay"], 4);
    super(params, { lr: given(o.lr, 1.0), rho: given(o.rho, 0.9), eps: given(o.eps, 1e-6), weightDecay: given(o.weightDecay, 0) });
  }

  protected override validate(g: ParamGroup<AdadeltaHyper>): void {
    super.validate(g);
    checkScalar("Adadelta", "rho", g.rho, (x) => x >= 0 && x <= 1, "a number in [0, 1]");
    checkScalar("Adadelta", "eps", g.eps, (x) => x >= 0, "a number >= 0");
    checkScalar("Adadelta", "weightDecay", g.weightDecay, (x) => x >= 0, "a number >= 0");
  }

  protected override update(p: Tensor, grad: Tensor, state: ParamState, h: ParamGroup<AdadeltaHyper>): void {
    if (state.step === undefined) {
      Object.assign(state, { step: 0, squareAvg: Tensor.zerosLike(p), accDelta: Tensor.zerosLike(p) });
    }
    state.step = (state.step as number) + 1; // counted, as PyTorch's, though the rule does not use it
    const squareAvg = state.squareAvg as Tensor, accDelta = state.accDelta as Tensor;
    const g = withWeightDecay(p, grad, h.weightDecay);
    // addcmul_(g, g, value) computes (value·g)·g
    squareAvg.assign(squareAvg.mul(h.rho).add(g.mul(1 - h.rho).mul(g)));
    const delta = accDelta.add(h.eps).sqrt().div(squareAvg.add(h.eps).sqrt()).mul(g);
    accDelta.assign(accDelta.mul(h.rho).add(delta.mul(1 - h.rho).mul(delta)));
    p.assign(p.add(delta.mul(-h.lr)));
  }
}
