// Padding (torch.nn.functional.pad): constant padding writes the input into a filled tensor (its
// gradient is that window of the upstream gradient); reflect, replicate and circular padding are one
// indexSelect per padded dim with an index table built on the host, so their gradient is
// indexSelect's scatter-add and every device runs them.
import { Tensor } from "../core.js";
import { fmt } from "../shape.js";
import { narrow } from "../ops.js";
import { noGrad } from "../graph.js";
import { checkNumber, INT32_MAX } from "../check.js";
import { checkEnum, describe, given, parseArgs } from "./args.js";

/** The padding modes of {@link pad}. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";
const MODES: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];

/** The options of {@link pad}. */
export interface PadOptions {
  /** "constant" (default), "reflect" (mirror without repeating the edge), "replicate" (repeat the edge) or "circular" (wrap around). */
  mode?: PadMode;
  /** The fill value of constant padding (default 0); other modes take none. */
  value?: number;
}

/**
 * Pads the last dims of `input` (torch.nn.functional.pad). `pad` lists [before, after] pairs
 * starting from the last dim: `[left, right]` pads the last dim, `[left, right, top, bottom]` the
 * last two, and so on (at most `input.ndim` pairs).
 *
 * - `"constant"` fills with `value` (default 0) and accepts negative pads, which crop.
 * - `"reflect"`, `"replicate"` and `"circular"` pad the last 1, 2 or 3 dims of a 2-3-D, 3-4-D or 4-5-D
 *   input (PyTorch's rule), with non-negative pads; reflect needs each pad smaller than its dim, and
 *   circular at most its dim.
 *
 * PyTorch's calling forms work: `pad(x, p, "reflect")`, `pad(x, p, "constant", 1)`,
 * `pad(x, p, { mode, value })`; a number alone in the third place is the constant value.
 *
 * @param input any tensor
 * @param pad an even number of integers, at most 2·input.ndim
 * @returns a tensor shaped like input with each padded dim grown by its two pads
 * @throws on an odd or too long `pad`, an unknown mode or option key, a value with a non-constant
 *   mode, a pad too large for the mode, or an input rank the mode does not support
 * @example
 * ```ts
 * const x = Tensor.arange(4).reshape(1, 4);
 * F.pad(x, [2, 1], { mode: "reflect" }); // [[2, 1, 0, 1, 2, 3, 2]]
 * F.pad(x, [1, 1], { value: -1 });       // [[-1, 0, 1, 2, 3, -1]]
 * ```
 */
export function pad(input: Tensor, pad: readonly number[], ...rest: [] | [number] | [PadMode | PadOptions] | [PadMode, number | PadOptions]): Tensor {
  const op = "pad";
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  // a lone number in the mode's place is the value (dlgrad's older pad(x, pads, value) form)
  const args: unknown[] = typeof rest[0] === "number" && rest.length === 1 ? [undefined, rest[0]] : rest;
  const a = parseArgs(op, args, ["mode", "value"]);
  const mode = checkEnum(op, "mode", given(a.mode, "constant"), MODES);
  if (!Array.isArray(pad) || pad.length % 2 !== 0 || pad.some((p) => typeof p !== "number" || !Number.isInteger(p))) {
    throw new Error(`${op}: pad must be an array of an even number of integers, got ${describe(pad)}${Array.isArray(pad) ? ` ${JSON.stringify(pad)}` : ""}`);
  }
  if (pad.length > 2 * input.ndim) {
    throw new Error(`${op}: pad length ${pad.length} must be at most twice the input's number of dims (input ${fmt(input.shape)})`);
  }
  if (mode === "constant") return constantPad(input, pad, a.value === undefined ? 0 : checkNumber(op, "value", a.value));
  if (a.value !== undefined && a.value !== 0) throw new Error(`${op}: mode '${mode}' takes no value (got ${describe(a.value)})`);
  const nd = pad.length / 2;
  if (nd < 1 || nd > 3 || (input.ndim !== nd + 1 && input.ndim !== nd + 2)) {
    throw new Error(`${op}: mode '${mode}' pads the last 1, 2 or 3 dims of a 2-3-D, 3-4-D or 4-5-D input, got ${nd} pad pairs for input ${fmt(input.shape)}`);
  }
  let out = input;
  for (let i = 0; i < nd; i++) {
    const d = input.ndim - 1 - i, n = input.shape[d], lo = pad[2 * i], hi = pad[2 * i + 1];
    if (lo < 0 || hi < 0) throw new Error(`${op}: mode '${mode}' needs non-negative pads, got ${JSON.stringify(pad)}`);
    if (mode === "reflect" && (lo >= n || hi >= n)) {
      throw new Error(`${op}: reflect padding (${lo}, ${hi}) must be smaller than dim ${d} of input ${fmt(input.shape)} (size ${n})`);
    }
    if (mode === "circular" && (lo > n || hi > n)) {
      throw new Error(`${op}: circular padding (${lo}, ${hi}) must be at most dim ${d} of input ${fmt(input.shape)} (size ${n})`);
    }
    if (mode === "replicate" && n === 0 && lo + hi > 0) throw new Error(`${op}: replicate padding of an empty dim ${d} (input ${fmt(input.shape)})`);
    if (lo === 0 && hi === 0) continue;
    // output position j reads input position src(j - lo)
    const src = (k: number) =>
      mode === "reflect" ? (k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k) :
      mode === "replicate" ? Math.min(n - 1, Math.max(0, k)) :
      ((k % n) + n) % n;
    const idx = Int32Array.from({ length: n + lo + hi }, (_, j) => src(j - lo));
    out = out.indexSelect(d, Tensor.from(idx, { shape: [idx.length], dtype: "int32", device: input.device }));
  }
  return out;
}

/** Constant padding; negative pads crop first (a narrow view), then the rest is padded. */
function constantPad(input: Tensor, pads: readonly number[], value: number): Tensor {
  let x = input;
  const shape = [...input.shape], starts = shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = input.ndim - 1 - i, lo = pads[2 * i], hi = pads[2 * i + 1];
    const cropLo = Math.max(0, -lo), cropHi = Math.max(0, -hi);
    if (cropLo + cropHi > x.shape[d]) {
      throw new Error(`pad: negative pads (${lo}, ${hi}) remove more than dim ${d} of input ${fmt(input.shape)} holds`);
    }
    if (cropLo || cropHi) x = narrow(x, d, cropLo, x.shape[d] - cropLo - cropHi);
    starts[d] = Math.max(0, lo);
    shape[d] = x.shape[d] + Math.max(0, lo) + Math.max(0, hi);
  }
  if (shape.every((s, d) => s === x.shape[d])) return x === input ? x.clone() : x.contiguous();
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel > INT32_MAX) throw new Error(`pad: the padded shape ${fmt(shape)} has ${numel} elements, more than a tensor can hold (${INT32_MAX})`);
  const out = Tensor.full(shape, value, { dtype: x.dtype, device: x.device });
  const windowOf = (t: Tensor) => shape.reduce((w, _, d) => narrow(w, d, starts[d], x.shape[d]), t);
  if (x.numel > 0) noGrad(() => windowOf(out).assign(x));
  // the backward of padding is the window it was written into
  return out.track("pad", [x], (g) => [windowOf(g)]);
}
