// initDevice: the asynchronous start of a device that cannot be set up at import (webgpu asks the
// browser or Dawn for an adapter, which is async). Host devices need no start and resolve at once.
import { getBackend } from "./backend.js";
import { initWebGPU } from "./webgpu/index.js";
import type { AdapterSummary } from "./webgpu/types.js";

/**
 * Make `name` usable: `await initDevice("webgpu")` starts the GPU device and registers it, so
 * `{ device: "webgpu" }`, `setDefaultDevice("webgpu")` and `DLGRAD_DEVICE=webgpu` work afterwards.
 * Throws, saying why, when the device is not available (the default device is left as it was).
 * Resolves to the adapter's summary for webgpu, null for the host devices (js, cpu, wasm).
 * @example
 * const adapter = await initDevice("webgpu");
 * const x = Tensor.randn([1024, 1024], { device: "webgpu" });
 */
export async function initDevice(name: string): Promise<AdapterSummary | null> {
  if (name === "webgpu") return initWebGPU();
  getBackend(name); // throws for a device that is unknown or did not load
  return null;
}
