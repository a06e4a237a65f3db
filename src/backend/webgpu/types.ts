// The webgpu device's public value types, kept free of GPU types so that the package's declaration
// files type-check for consumers without DOM or @webgpu/types.

/** What initDevice("webgpu") found. */
export interface AdapterSummary {
  /** the adapter's description, e.g. "llvmpipe (LLVM 19.1.7, 256 bits)" or a GPU's name */
  name: string;
  /** the adapter's vendor as WebGPU reports it (may be empty) */
  vendor: string;
  /** the adapter's architecture as WebGPU reports it (may be empty) */
  architecture: string;
  /** "browser" (navigator.gpu) or "node" (the webgpu package) */
  runtime: "browser" | "node";
}

/** What `webgpu.memoryStats()` reports about the device's buffer pool (torch.cuda.memory_stats). */
export interface MemoryStats {
  /** bytes in slots that back live storage */
  allocatedBytes: number;
  /** bytes held on the device for reuse (free slots, unused chunk space, free large buffers) */
  cachedBytes: number;
  /** allocatedBytes + cachedBytes: everything the pool holds on the device */
  reservedBytes: number;
  /** the most allocatedBytes has been since the device was initialised */
  peakAllocatedBytes: number;
  /** GPU buffers created since the device was initialised (a steady loop stops creating them) */
  buffersCreated: number;
  /** command buffers submitted and compute dispatches encoded since the device was initialised */
  submits: number;
  /** compute dispatches encoded since the device was initialised */
  dispatches: number;
}
