// nn.utils: gradient clipping.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import { checkNumber } from "../check.js";

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.filter((p) => p.grad !== null).map((p) => p.grad as Tensor);
}

/**
 * Scales the gradients of `params` in place so that their joint norm is at most `maxNorm`
 * (`torch.nn.utils.clip_grad_norm_`): total = ‖(‖g₁‖, ‖g₂‖, ...)‖ₚ, and every g is multiplied by
 * min(1, maxNorm / (total + 1e-6)). `normType` is a p > 0 or Infinity. Parameters without a
 * gradient are skipped.
 *
 * Returns the total norm before clipping as a 0-d tensor (float32; float64 when every gradient is)
 * on the gradients' device, as PyTorch does: the norm and the scale are computed there and never
 * read back, so on `webgpu` the step does not wait for the GPU. Read it with `.item()` (or `await .itemAsync()` on webgpu).
 * All gradients must be on one device. Throws for a normType that is not positive or a maxNorm
 * that is not a number.
 *
 * @example
 * loss.backward();
 * const norm = nn.utils.clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * console.log(norm.item()); // on webgpu: await norm.itemAsync()
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  checkNumber("nn.utils.clipGradNorm", "maxNorm", maxNorm);
  checkNumber("nn.utils.clipGradNorm", "normType", normType);
  if (!(normType > 0)) throw new Error(`nn.utils.clipGradNorm: normType must be positive, got ${normType}`);
  const grads = gradsOf(params);
  if (grads.length === 0) return Tensor.zeros([]);
  const device = grads[0].device;
  for (const g of grads) {
    if (g.device !== device) throw new Error(`nn.utils.clipGradNorm: all gradients must be on one device, got '${device}' and '${g.device}'`);
  }
  return noGrad(() => {
    // each gradient's part in its own dtype; float64 only when every gradient is float64
    const dtype = grads.every((g) => g.dtype === "float64") ? "float64" : "float32";
    const zero = () => Tensor.zeros([], { device, dtype });
    let total: Tensor;
    if (normType === Infinity) {
      total = Tensor.stack(grads.map((g) => (g.numel === 0 ? zero() : g.abs().max().cast(dtype)))).max();
    } else {
      // Σ over every gradient of Σ|g|^p, then the p-th root: the same number as the norm of the norms
      const part = (g: Tensor) => (normType === 2 ? g.square().sum() : normType === 1 ? g.abs().sum() : g.abs().pow(normType).sum());
      const sum = Tensor.stack(grads.map((g) => part(g).cast(dtype))).sum();
      total = normType === 2 ? sum.sqrt() : normType === 1 ? sum : sum.pow(1 / normType);
    }
    // min(1, maxNorm / (total + 1e-6)) as a tensor: multiplying by exactly 1 leaves a gradient as it was
    const coef = Tensor.full([], maxNorm, { device, dtype }).div(total.add(1e-6)).clamp(null, 1);
    for (const g of grads) g.assign(g.mul(coef));
    return total;
  });
}

/**
 * Clamps every gradient of `params` to [−clipValue, clipValue] in place (`clip_grad_value_`).
 * @example
 * nn.utils.clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() => gradsOf(params).forEach((g) => g.assign(g.clamp(-clipValue, clipValue))));
}
