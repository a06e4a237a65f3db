// The public `webgpu` namespace (torch.cuda's helpers): memory, synchronisation, the adapter.
// Wrappers with plain types, so the package's declaration files never mention GPU types.
import * as impl from "./index.js";
import type { AdapterSummary, MemoryStats } from "./types.js";
export type { AdapterSummary, MemoryStats } from "./types.js";

/**
 * True when a webgpu device is running (after `await initDevice("webgpu")` and no loss since) (torch.cuda.is_available).
 * @example
 * if (!webgpu.isAvailable()) await initDevice("webgpu");
 */
export function isAvailable(): boolean {
  return impl.isAvailable();
}
/**
 * The adapter of the running device, or null when none runs.
 * @example
 * console.log(webgpu.adapterInfo()?.name);
 */
export function adapterInfo(): AdapterSummary | null {
  return impl.adapterInfo();
}
/**
 * Bytes the buffer pool holds and what the device has been asked to do (torch.cuda.memory_stats).
 * @throws Error when no webgpu device runs (call `await initDevice("webgpu")` first) or it was lost.
 * @example
 * const { allocatedBytes, peakAllocatedBytes } = webgpu.memoryStats();
 */
export function memoryStats(): MemoryStats {
  return impl.memoryStats();
}
/**
 * Destroy the pool's cached large buffers (torch.cuda.empty_cache); live tensors are unaffected.
 * @throws Error when no webgpu device runs (call `await initDevice("webgpu")` first) or it was lost.
 * @example
 * webgpu.emptyCache();
 */
export function emptyCache(): void {
  impl.emptyCache();
}
/**
 * Resolves when every op enqueued so far has run (torch.cuda.synchronize); rejects with what the device reported.
 * @throws Error when no webgpu device runs (call `await initDevice("webgpu")` first) or it was lost.
 * @example
 * await webgpu.synchronize(); // e.g. before stopping a timer
 */
export function synchronize(): Promise<void> {
  return impl.synchronize();
}
/**
 * Submit the enqueued ops now instead of at the end of the current task (no PyTorch counterpart).
 * @throws Error when no webgpu device runs (call `await initDevice("webgpu")` first) or it was lost.
 * @example
 * webgpu.flush();
 */
export function flush(): void {
  impl.flush();
}
/** The GPUDevice in use, for interop with other WebGPU code (typed `object` here so that the
 *  declarations need no GPU types: cast it to GPUDevice where @webgpu/types are loaded).
 *  @throws Error when no webgpu device runs or it was lost.
 *  @example
 *  const device = webgpu.gpuDevice() as GPUDevice;
 */
export function gpuDevice(): object {
  return impl.gpuDevice();
}
