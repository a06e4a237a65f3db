// The webgpu memory pool: tensors are slots in a few large GPU buffers ("chunks"), handed back
// when the storage that owned one is garbage-collected (FinalizationRegistry): no dispose().
//
// Why slots and not one GPUBuffer per tensor: creating a buffer and a bind group per op costs
// ~50 and ~125 µs on Dawn (lavapipe), more than the op. With slots, the kernels of a training step
// see the same few chunks over and over, so their bind groups come from a cache (index.ts). Chunks
// grow (32 MB, 64, ... 256): with 32 MB chunks only, a GPT step's tensors spread over a dozen
// chunks and each step met new combinations of them (11 new bind groups per step, against 2).
// Slots come in size classes (4 per power of two: at most 25 % waste); a freed slot is reused by
// the next allocation of its class. Tensors too big for a chunk get a buffer of their own, pooled
// the same way. A freed slot may still be read by commands encoded but not yet submitted: that is
// safe because every later use is encoded after them on the same queue (see index.ts).
//
// The JavaScript collector cannot see GPU memory, so each large slot owes an untouched host
// ArrayBuffer of a quarter of its size ("ballast", paid in chunks of 33 MiB: backend.ts's
// BallastAccount): V8 counts it as external memory and collects sooner when the device holds a lot.

import type { MemoryStats } from "./types.js";
import { BallastAccount } from "../backend.js";

export interface BufferMaker {
  createBuffer(desc: GPUBufferDescriptor): GPUBuffer;
}


/** Bytes of the class that holds `bytes` (at least 64; 4 classes per power of two above 256). */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const q = 2 ** Math.floor(Math.log2(bytes)) / 4;
  return Math.ceil(bytes / q) * q;
}

export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

/** A place for a tensor: `bytes` at byte `offset` of `buffer`. */
export interface Slot {
  buffer: GPUBuffer;
  offset: number;
  bytes: number;
}

const BALLAST_MIN = 1 << 20;

export class BufferPool {
  /** The largest chunk: chunks start at 32 MB and double up to this (256 MB, or the device's
   *  binding limit), so a large model's tensors sit in a few chunks, whose combinations (the bind
   *  groups) repeat from step to step; a small program still reserves only 32 MB. */
  readonly chunkBytes: number;
  #nextChunk: number;
  #free = new Map<number, Slot[]>();
  #chunk: GPUBuffer | null = null;
  #bump = 0;
  #allocated = 0;
  #reserved = 0;
  #peak = 0;
  #created = 0;
  #registry = new FinalizationRegistry<Slot>((s) => this.release(s));
  #ballasts = new BallastAccount();
  #dead = false;

  constructor(private readonly device: BufferMaker, maxBinding: number) {
    this.chunkBytes = Math.min(256 << 20, maxBinding);
    this.#nextChunk = Math.min(32 << 20, this.chunkBytes);
  }

  #create(size: number): GPUBuffer {
    this.#created++;
    this.#reserved += size;
    return this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  /** A slot of at least `bytes`: a free one of its class, else carved from a chunk, else a buffer of its own. */
  acquire(bytes: number): Slot {
    const size = sizeClass(bytes);
    let slot = this.#free.get(size)?.pop();
    if (!slot) {
      if (size > this.chunkBytes / 8) slot = { buffer: this.#create(size), offset: 0, bytes: size };
      else {
        if (!this.#chunk || this.#bump + size > this.#chunk.size) {
          this.#chunk = this.#create(this.#nextChunk);
          this.#nextChunk = Math.min(2 * this.#nextChunk, this.chunkBytes);
          this.#bump = 0;
        }
        slot = { buffer: this.#chunk, offset: this.#bump, bytes: size };
        this.#bump += size;
      }
    }
    this.#allocated += size;
    this.#peak = Math.max(this.#peak, this.#allocated);
    return slot;
  }

  /** Give `slot` back when `owner` is collected; large slots get their ballast (see the header). */
  track(owner: object & { ballast?: ArrayBuffer }, slot: Slot): void {
    if (slot.bytes >= BALLAST_MIN) owner.ballast = this.#ballasts.take(slot.bytes / 4);
    this.#registry.register(owner, slot);
  }

  release(slot: Slot): void {
    if (this.#dead) return;
    this.#allocated -= slot.bytes;
    let list = this.#free.get(slot.bytes);
    if (!list) this.#free.set(slot.bytes, (list = []));
    list.push(slot);
  }

  /** Destroy the free buffers of large tensors (torch.cuda.empty_cache); chunks stay. Returns true
   *  when some buffer was destroyed. Call only with no unsubmitted work that uses them. */
  emptyCache(): boolean {
    let any = false;
    for (const [size, list] of this.#free) {
      if (size <= this.chunkBytes / 8) continue;
      for (const s of list) s.buffer.destroy();
      this.#reserved -= size * list.length;
      any ||= list.length > 0;
      this.#free.delete(size);
    }
    return any;
  }

  /** The device is gone: forget everything (its buffers went with it). */
  kill(): void {
    this.#dead = true;
    this.#free.clear();
  }

  stats(): Omit<MemoryStats, "submits" | "dispatches"> {
    return {
      allocatedBytes: this.#allocated,
      cachedBytes: this.#reserved - this.#allocated,
      reservedBytes: this.#reserved,
      peakAllocatedBytes: this.#peak,
      buffersCreated: this.#created,
    };
  }
}
