// A tiny PNG writer (8-bit grayscale, RGB or RGBA; zlib from node:zlib, CRC-32 by hand) and a
// helper that tiles small images into a grid, e.g. an 8×8 grid of 28×28 digits. No dependencies.
import * as fs from "node:fs";
import * as path from "node:path";
import { deflateSync } from "node:zlib";

/** An 8-bit image: `data` holds height·width·channels bytes, row by row. */
export interface Image {
  width: number;
  height: number;
  /** 1 grayscale, 3 RGB, 4 RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the one of PNG, zlib and gzip: polynomial 0xEDB88320, reflected). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "latin1");
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Encodes an image as PNG bytes (bit depth 8, no interlace, filter 0 on every row). */
export function encodePng(img: Image): Buffer {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  const stride = width * channels;
  if (data.length !== stride * height) {
    throw new Error(`encodePng: data has ${data.length} bytes, expected ${height}·${width}·${channels} = ${stride * height}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6; // colour type: gray, RGB, RGBA
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type: none
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([Buffer.from(PNG_SIGNATURE), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", new Uint8Array(0))]);
}

/** Writes an image as a PNG file (creating the directory; atomically, via a temporary file). */
export function writePng(file: string, img: Image): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, encodePng(img));
  fs.renameSync(tmp, file);
}

/** Maps floats to bytes: `lo` → 0, `hi` → 255, clamped and rounded. */
export function toBytes(values: ArrayLike<number>, lo = 0, hi = 1): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] - lo) * scale);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v; // NaN → 0 (comparisons false → v, Uint8Array stores NaN as 0)
  }
  return out;
}

export interface GridOptions {
  /** Height and width of each tile (e.g. 28, 28). */
  tileHeight: number;
  tileWidth: number;
  /** Columns of the grid (default ⌈√n⌉); rows follow from the number of tiles. */
  cols?: number;
  /** Pixels between tiles and around the grid (default 2). */
  pad?: number;
  /** Value of the padding, in the same range as the pixels (default `lo`). */
  padValue?: number;
  /** Pixel range mapped to 0..255 (default 0..1; a GAN with tanh output uses -1..1). */
  lo?: number;
  hi?: number;
}

/**
 * Tiles `n` grayscale images into one grayscale image. `pixels` holds n·tileHeight·tileWidth
 * values (e.g. `tensor.toTypedArray()` of a [64, 784] or [64, 1, 28, 28] batch), in [lo, hi].
 */
export function imageGrid(pixels: ArrayLike<number>, opts: GridOptions): Image {
  const { tileHeight: th, tileWidth: tw } = opts;
  const tile = th * tw;
  if (tile <= 0 || pixels.length % tile !== 0 || pixels.length === 0) {
    throw new Error(`imageGrid: ${pixels.length} values is not a whole number of ${th}×${tw} tiles`);
  }
  const n = pixels.length / tile;
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const pad = opts.pad ?? 2;
  const lo = opts.lo ?? 0, hi = opts.hi ?? 1;
  const width = cols * tw + (cols + 1) * pad, height = rows * th + (rows + 1) * pad;
  const bytes = toBytes(pixels, lo, hi);
  const data = new Uint8Array(width * height).fill(toBytes([opts.padValue ?? lo], lo, hi)[0]);
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k / cols), c = k % cols;
    const y0 = pad + r * (th + pad), x0 = pad + c * (tw + pad);
    for (let y = 0; y < th; y++) data.set(bytes.subarray(k * tile + y * tw, k * tile + (y + 1) * tw), (y0 + y) * width + x0);
  }
  return { width, height, channels: 1, data };
}

/** Nearest-neighbour upscaling by an integer factor (small digits are easier to look at ×2 or ×4). */
export function upscale(img: Image, factor: number): Image {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscale: factor must be a positive integer, got ${factor}`);
  if (factor === 1) return img;
  const { width, height, channels } = img;
  const W = width * factor, H = height * factor;
  const data = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < W; x++) {
      const s = (sy * width + Math.floor(x / factor)) * channels, d = (y * W + x) * channels;
      for (let ch = 0; ch < channels; ch++) data[d + ch] = img.data[s + ch];
    }
  }
  return { width: W, height: H, channels, data };
}
