// DataLoader: mini-batches of a dataset, optionally shuffled each epoch with a seeded generator.
import { Tensor } from "../tensor.js";
import { generator as mulberry32 } from "../random.js";

/**
 * What a DataLoader batches:
 * - an array of tensors with equal first dims (`[images, labels]`): sample i is row i of each,
 *   and a batch is `[images.indexSelect(0, idx), labels.indexSelect(0, idx)]`;
 * - or an object `{ length, get(i) }` whose `get` returns one sample as an array of tensors:
 *   (or a single tensor): a batch stacks the samples' tensors along a new first dim.
 */
export type Dataset = readonly Tensor[] | {
  /** the number of samples */
  readonly length: number;
  /** sample i (0 <= i < length): a tensor or an array of tensors */
  get(i: number): Tensor | readonly Tensor[];
};

/** Options of `DataLoader` (PyTorch's batch_size, shuffle, drop_last, and a generator seed). */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false: keep it). */
  dropLast?: boolean;
  /**
   * Seed of the loader's own shuffling generator: the sequence of epochs' orders depends only on
   * it. Without one, orders come from the library's global generator (`manualSeed`).
   */
  seed?: number;
}

/**
 * Iterates over mini-batches, each an array of tensors: `for (const [x, y] of loader)`.
 * Each `for..of` is one epoch; `loader.length` is the number of batches in one.
 * torch.utils.data.DataLoader without workers, samplers or collate_fn.
 * @throws Error for a non-positive batchSize, an empty or 0-d dataset, or tensors with different first dims.
 * @example
 * const loader = new data.DataLoader([images, labels], { batchSize: 32, shuffle: true, seed: 0 });
 * for (const [x, y] of loader) { opt.zeroGrad(); model.forward(x).crossEntropy(y).backward(); opt.step(); }
 */
export class DataLoader implements Iterable<Tensor[]> {
  /** the dataset batched */
  readonly dataset: Dataset;
  /** samples per batch */
  readonly batchSize: number;
  /** whether each epoch's order is shuffled */
  readonly shuffle: boolean;
  /** whether a last, smaller batch is dropped */
  readonly dropLast: boolean;
  /** the number of samples in the dataset */
  readonly numSamples: number;
  #rng: (() => number) | null;

  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (Array.isArray(dataset)) {
      if (dataset.length === 0) throw new Error("DataLoader: the dataset is an empty array; give an array of tensors like [images, labels]");
      dataset.forEach((t, i) => {
        if (!(t instanceof Tensor)) throw new Error(`DataLoader: dataset[${i}] is not a Tensor`);
        if (t.ndim === 0) throw new Error(`DataLoader: dataset[${i}] is a 0-d tensor; samples are rows along the first dim`);
      });
      const n = (dataset[0] as Tensor).shape[0];
      dataset.forEach((t, i) => {
        if ((t as Tensor).shape[0] !== n) {
          throw new Error(
            `DataLoader: dataset tensors have different lengths: dataset[0] has ${n} samples, dataset[${i}] has ${(t as Tensor).shape[0]}`,
          );
        }
      });
      this.numSamples = n;
    } else if (dataset && typeof (dataset as { get?: unknown }).get === "function") {
      const n = (dataset as { length: number }).length;
      if (!Number.isInteger(n) || n < 0) throw new Error(`DataLoader: dataset.length must be a non-negative integer, got ${n}`);
      this.numSamples = n;
    } else {
      throw new Error("DataLoader: dataset must be an array of tensors or an object with length and get(i)");
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.#rng = opts.seed === undefined ? null : mulberry32(opts.seed);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.numSamples / this.batchSize) : Math.ceil(this.numSamples / this.batchSize);
  }

  /** The sample order of a new epoch. */
  #order(): Int32Array {
    const n = this.numSamples;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    if (this.#rng === null) return Tensor.randperm(n, { device: "js" }).toTypedArray() as Int32Array; // host order, any default device
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.#rng() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** One epoch of batches (`for (const [x, y] of loader)`), each an array of tensors. */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    const order = this.#order();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      yield this.#batch(idx);
    }
  }

  #batch(idx: Int32Array): Tensor[] {
    const ds = this.dataset;
    if (Array.isArray(ds)) {
      const index = Tensor.from(Int32Array.from(idx), { shape: [idx.length], dtype: "int32" });
      return (ds as readonly Tensor[]).map((t) => t.indexSelect(0, index));
    }
    const get = (ds as { get(i: number): Tensor | readonly Tensor[] }).get.bind(ds);
    const samples = Array.from(idx, (i) => {
      const s = get(i);
      return s instanceof Tensor ? [s] : s;
    });
    const k = samples[0].length;
    return Array.from({ length: k }, (_, j) => Tensor.stack(samples.map((s) => s[j]), 0));
  }
}

