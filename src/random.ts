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
export function generator(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
  const s = Uint32Array.of(next(), next(), next(), next());
  return () => {
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r / 4294967296;
  };
}

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
