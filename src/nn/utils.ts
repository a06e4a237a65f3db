// nn.utils: gradient clipping.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.filter((p) => p.grad !== null).map((p) => p.grad as Tensor);
}

/**
 * Scales the gradients of `params` in place so that their joint norm is at most `maxNorm`
 * (`torch.nn.utils.clip_grad_norm_`): total = ‖(‖g₁‖, ‖g₂‖, ...)‖ₚ, and every g is multiplied by
 * min(1, maxNorm / (total + 1e-6)). `normType` is a p ≥ 1 or Infinity. Returns the total norm
 * before clipping. Parameters without a gradient are skipped.
 * @example
 * loss.backward();
 * const norm = nn.utils.clipGradNorm(model.parameters(), 1.0);
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): number {
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  const total = noGrad(() => {
    if (normType === Infinity) {
      return Math.max(...grads.map((g) => (g.numel === 0 ? 0 : g.abs().max().item())));
    }
    if (!(normType > 0)) throw new Error(`nn.utils.clipGradNorm: normType must be positive, got ${normType}`);
    let acc = 0;
    for (const g of grads) {
      const n = normType === 2 ? Math.sqrt(g.square().sum().item()) : g.abs().pow(normType).sum().item() ** (1 / normType);
      acc += n ** normType;
    }
    return acc ** (1 / normType);
  });
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) noGrad(() => grads.forEach((g) => g.assign(g.mul(coef))));
  return total;
}

/**
 * Clamps every gradient of `params` to [−clipValue, clipValue] in place (`clip_grad_value_`).
 * @example
 * nn.utils.clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() => gradsOf(params).forEach((g) => g.assign(g.clamp(-clipValue, clipValue))));
}
