// The public `webgpu` namespace (torch.cuda's helpers): memory, synchronisation, the adapter.
export { adapterInfo, emptyCache, flush, gpuDevice, isAvailable, memoryStats, synchronize } from "./index.js";
export type { AdapterSummary } from "./index.js";
export type { MemoryStats } from "./pool.js";
