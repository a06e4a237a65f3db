// The webgpu buffer pool: GPU buffers in size classes, handed back when the storage that owned one
// is garbage-collected (FinalizationRegistry), so training needs no dispose().
//
// Classes are 4 per power of two (x1, x1.25, x1.5, x1.75), so a buffer wastes at most 25 %.
// A freed buffer may still be read by commands that were encoded but not yet submitted: that is
// safe because every later use of it is encoded after them on the same queue (see index.ts).

/** What the pool needs from a device: one call. */
export interface BufferMaker {
  createBuffer(desc: GPUBufferDescriptor): GPUBuffer;
}

export interface MemoryStats {
  /** bytes in buffers that back live storage */
  allocatedBytes: number;
  /** bytes in buffers held by the pool for reuse (not backing any storage) */
  cachedBytes: number;
  /** allocatedBytes + cachedBytes: what the pool holds on the device */
  reservedBytes: number;
  /** the most reservedBytes has been since the device was initialised */
  peakReservedBytes: number;
  /** buffers created since the device was initialised (a steady loop stops creating them) */
  buffersCreated: number;
}

/** Bytes of the class that holds `bytes` (at least 16). */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(16, Math.ceil(bytes / 16) * 16);
  const p = 2 ** Math.floor(Math.log2(bytes));
  const q = p / 4;
  return Math.ceil(bytes / q) * q;
}

export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

export class BufferPool {
  #free = new Map<number, GPUBuffer[]>();
  #allocated = 0;
  #cached = 0;
  #peak = 0;
  #created = 0;
  /** Each registered storage returns its buffer here when collected; the token unregisters it. */
  #registry = new FinalizationRegistry<{ buffer: GPUBuffer; bytes: number }>((h) => this.release(h.buffer, h.bytes));
  #dead = false;

  constructor(private readonly device: BufferMaker) {}

  /** A buffer of at least `bytes`, from the free list of its class or new. */
  acquire(bytes: number): { buffer: GPUBuffer; bytes: number } {
    const size = sizeClass(bytes);
    const list = this.#free.get(size);
    let buffer = list?.pop();
    if (buffer) this.#cached -= size;
    else {
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
      this.#created++;
    }
    this.#allocated += size;
    this.#peak = Math.max(this.#peak, this.#allocated + this.#cached);
    return { buffer, bytes: size };
  }

  /** Give `buffer` back to the pool when `owner` is collected. */
  track(owner: object, buffer: GPUBuffer, bytes: number): void {
    this.#registry.register(owner, { buffer, bytes });
  }

  release(buffer: GPUBuffer, bytes: number): void {
    if (this.#dead) return;
    this.#allocated -= bytes;
    let list = this.#free.get(bytes);
    if (!list) this.#free.set(bytes, (list = []));
    list.push(buffer);
    this.#cached += bytes;
  }

  /** Destroy the cached buffers (torch.cuda.empty_cache). Safe while commands are pending:
   *  WebGPU keeps a destroyed buffer's memory until the work that uses it has finished. */
  emptyCache(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#cached = 0;
  }

  /** The device is gone: forget everything (its buffers went with it). */
  kill(): void {
    this.#dead = true;
    this.#free.clear();
  }

  stats(): MemoryStats {
    return {
      allocatedBytes: this.#allocated,
      cachedBytes: this.#cached,
      reservedBytes: this.#allocated + this.#cached,
      peakReservedBytes: this.#peak,
      buffersCreated: this.#created,
    };
  }
}
