// The public `webgpu` namespace (torch.cuda's helpers): memory, synchronisation, the adapter.
// Wrappers with plain types, so the package's declaration files never mention GPU types.
import * as impl from "./index.js";
import type { AdapterSummary, MemoryStats } from "./types.js";
export type { AdapterSummary, MemoryStats } from "./types.js";

/** True when a webgpu device is running (after `await initDevice("webgpu")` and no loss since). */
export function isAvailable(): boolean {
  return impl.isAvailable();
}
/** The adapter of the running device, or null. */
export function adapterInfo(): AdapterSummary | null {
  return impl.adapterInfo();
}
/** Bytes the buffer pool holds and what the device has been asked to do (torch.cuda.memory_stats). */
export function memoryStats(): MemoryStats {
  return impl.memoryStats();
}
/** Destroy the pool's cached large buffers (torch.cuda.empty_cache). */
export function emptyCache(): void {
  impl.emptyCache();
}
/** Resolves when every op enqueued so far has run (torch.cuda.synchronize); rejects with what the device reported. */
export function synchronize(): Promise<void> {
  return impl.synchronize();
}
/** Submit the enqueued ops now instead of at the end of the current task. */
export function flush(): void {
  impl.flush();
}
/** The GPUDevice in use, for interop with other WebGPU code (typed `object` here so that the
 *  declarations need no GPU types: cast it to GPUDevice where @webgpu/types are loaded). */
export function gpuDevice(): object {
  return impl.gpuDevice();
}
