// The seeded generators: one global stream behind every random creator and dropout, and
// independent streams (`generator(seed)`) for DataLoader shuffling and tests.

function splitmix32(x: number): () => number {
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A xoshiro128** stream of uniform floats in [0, 1) with 32 random bits, seeded through
 *  splitmix32 so nearby seeds give unrelated streams. */
export function generator(seed: number): RandomStream {
  if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
  const s = Int32Array.of(next(), next(), next(), next()); // the same bits as uint32 words
  // the state in int32 locals for the loop: n values in one call are 5-10x faster than n calls
  // (dropout's masks). A float32 array gets the top 24 bits, (r >>> 8)·2^-24, as PyTorch's float
  // rand: r·2^-32 rounded to float32 would be exactly 1 for the top 128 values of r (about one in
  // 33 million draws, so a 4096² rand would hold a 1 four times in ten).
  const fill = (o: Float32Array | Float64Array, offset: number, n: number) => {
    const f32 = o instanceof Float32Array;
    let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3]; // int32 locals (a uint32 above 2^31 would be a double)
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul(rotl(m, 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      o[offset + i] = f32 ? (r >>> 8) * 5.960464477539063e-8 : r * 2.3283064365386963e-10; // 2^-24 / 2^-32: exact (and ~20 % faster than dividing)
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
  };
  // one value: the same step, through a one-element array (exact: r·2^-32 is a double)
  const cell = new Float64Array(1);
  const one = () => {
    fill(cell, 0, 1);
    return cell[0];
  };
  return Object.assign(one, { fill, state: s });
}

/** A uniform stream that can also fill o[offset .. offset + n) with its next n values in one call
 *  (the values n calls would return, in order; in a Float32Array their top 24 bits, so that none
 *  rounds up to 1). `state` is its xoshiro128** state (four words, advanced in place): a backend
 *  may fill float32 arrays from it in native code instead, with the same steps and the same 24
 *  bits, so the values match. */
export type RandomStream = (() => number) & { fill(o: Float32Array | Float64Array, offset: number, n: number): void; readonly state: Int32Array };

// PyTorch's default seed: runs are reproducible even without manualSeed
let global = generator(67280421310721);

/**
 * Reseed the global stream every random creator draws from (rand, randn, randint, randperm,
 * dropout, init, DataLoader shuffling without its own seed), like torch.manual_seed. The
 * generator is dlgrad's own: the values are reproducible, but not PyTorch's.
 * @example
 * manualSeed(42);
 * const w = Tensor.randn([3, 3]);
 */
export function manualSeed(seed: number): void {
  global = generator(seed);
}

/** The next uniform float in [0, 1) from the global stream. */
export function random(): number {
  return global();
}
/** random's bulk form: the global stream's next n values into o[offset ..) (the backends' random
 *  kernels use it when their rng has it) */
random.fill = (o: Float32Array | Float64Array, offset: number, n: number): void => global.fill(o, offset, n);
/** the global stream's state (see RandomStream): manualSeed replaces the stream, so read it per call */
Object.defineProperty(random, "state", { get: () => global.state });
