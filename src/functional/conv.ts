// Convolutions as im2col and one GEMM (see docs/ARCHITECTURE.md): the kh·kw taps of the padded,
// dilated input are stacked into columns [C·kh·kw, N·OH·OW], so the forward and both gradients are
// one large matmul each; groups split the columns and the weight into a batch of G matmuls. A
// transposed convolution is the adjoint: one GEMM into columns, then col2im. 1-D convolutions are
// 2-D ones over a height of 1; 3-D ones are one 2-D one with the kernel's depth taps as channels
// and the output depths as batch (the transposed one: the taps as output channels, then a col2im
// over depth).
import { Tensor } from "../core.js";
import { fmt, sameShape } from "../shape.js";
import { col2im, im2col } from "../ops.js";
import { conv2d as fusedConv2d } from "../fused.js";
import type { ConvWindow } from "../backend/backend.js";
import { type Args, checkInt, describe, given, parseArgs, tuple } from "./args.js";
import { pad } from "./pad.js";

/** A convolution's padding: the same on both sides of each spatial dim, or PyTorch's strings:
 *  "valid" (none) and "same" (the output as large as the input; stride 1 only). */
export type ConvPadding = number | readonly number[] | "same" | "valid";

/** The options of {@link conv1d}, {@link conv2d} and {@link conv3d} (PyTorch's keyword arguments). */
export interface ConvOptions {
  /** Step between windows, one number or one per spatial dim (default 1). */
  stride?: number | readonly number[];
  /** Zero padding on both sides, per spatial dim, or "same" / "valid" (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: number | readonly number[];
  /** Input and output channels split into this many independent groups (default 1). */
  groups?: number;
}

/** The options of {@link convTranspose1d}, {@link convTranspose2d} and {@link convTranspose3d} (PyTorch's keyword arguments). */
export interface ConvTransposeOptions {
  /** The stride of the convolution this is the adjoint of (default 1). */
  stride?: number | readonly number[];
  /** The padding of the convolution this is the adjoint of: removes that many rows/columns from each side of the output (default 0). */
  padding?: number | readonly number[];
  /** Extra rows/columns added to one side of the output (default 0); smaller than stride or dilation. */
  outputPadding?: number | readonly number[];
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number | readonly number[];
}

const CONV_ARGS = ["stride", "padding", "dilation", "groups"] as const;
const CONVT_ARGS = ["stride", "padding", "outputPadding", "groups", "dilation"] as const;
type ConvRest = Args<[stride: number | readonly number[], padding: ConvPadding, dilation: number | readonly number[], groups: number], ConvOptions>;
type ConvTRest = Args<
  [stride: number | readonly number[], padding: number | readonly number[], outputPadding: number | readonly number[], groups: number, dilation: number | readonly number[]],
  ConvTransposeOptions
>;

/**
 * 1-D convolution (cross-correlation) of input [N, C, L] (or unbatched [C, L]) with weight
 * [OC, C/groups, k] and an optional bias [OC] (torch.nn.functional.conv1d). Arguments after the
 * bias are PyTorch's, positional (stride, padding, dilation, groups) or in an options object.
 *
 * @returns [N, OC, Lout] (or [OC, Lout]), Lout = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1
 * @throws on shapes that do not match, channels not divisible by groups, non-positive stride,
 *   dilation or groups, padding "same" with a stride above 1, or an unknown option
 * @example
 * ```ts
 * const y = F.conv1d(Tensor.randn([2, 4, 10]), Tensor.randn([6, 2, 3]), null, { padding: "same", dilation: 2, groups: 2 });
 * y.shape; // [2, 6, 10]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, ...rest: ConvRest): Tensor {
  return convNd("conv1d", 1, input, weight, bias, rest);
}

/**
 * 2-D convolution (cross-correlation) of input [N, C, H, W] (or unbatched [C, H, W]) with weight
 * [OC, C/groups, kh, kw] and an optional bias [OC] (torch.nn.functional.conv2d). Arguments after
 * the bias are PyTorch's, positional (stride, padding, dilation, groups) or in an options object.
 * Computed as im2col and one GEMM (a batch of `groups` GEMMs), on every device.
 *
 * @returns [N, OC, OH, OW] (or [OC, OH, OW]), OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1
 * @throws on shapes that do not match, channels not divisible by groups, non-positive stride,
 *   dilation or groups, padding "same" with a stride above 1, a kernel larger than the padded
 *   input, or an unknown option
 * @example
 * ```ts
 * const x = Tensor.randn([1, 4, 8, 8]), w = Tensor.randn([8, 2, 3, 3]);
 * F.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 }).shape; // [1, 8, 4, 4]
 * F.conv2d(x, w, null, { padding: "same", dilation: 2, groups: 2 }).shape; // [1, 8, 8, 8]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, ...rest: ConvRest): Tensor {
  return convNd("conv2d", 2, input, weight, bias, rest);
}

/**
 * 1-D transposed convolution (torch.nn.functional.conv_transpose1d, the gradient of conv1d with
 * respect to its input) of input [N, C, L] (or [C, L]) with weight [C, OC/groups, k] and an
 * optional bias [OC]. Positional arguments after the bias: stride, padding, outputPadding, groups,
 * dilation (PyTorch's order), or an options object.
 *
 * @returns [N, OC, Lout], Lout = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1
 * @throws as {@link convTranspose2d}
 * @example
 * ```ts
 * F.convTranspose1d(Tensor.randn([1, 2, 5]), Tensor.randn([2, 3, 4]), null, { stride: 2 }).shape; // [1, 3, 12]
 * ```
 */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, ...rest: ConvTRest): Tensor {
  return convTransposeNd("convTranspose1d", 1, input, weight, bias, rest);
}

/**
 * 2-D transposed convolution (torch.nn.functional.conv_transpose2d, the gradient of conv2d with
 * respect to its input; sometimes called deconvolution) of input [N, C, H, W] (or [C, H, W]) with
 * weight [C, OC/groups, kh, kw] and an optional bias [OC]: one GEMM into columns, then col2im.
 * Positional arguments after the bias: stride, padding, outputPadding, groups, dilation
 * (PyTorch's order), or an options object.
 *
 * @returns [N, OC, OH, OW], OH = (H − 1)·sh − 2·ph + dh·(kh − 1) + oph + 1
 * @throws on shapes that do not match, channels not divisible by groups, non-positive stride,
 *   dilation or groups, an outputPadding not smaller than the stride or the dilation, an output
 *   smaller than 1, or an unknown option
 * @example
 * ```ts
 * const up = F.convTranspose2d(Tensor.randn([1, 4, 5, 5]), Tensor.randn([4, 2, 3, 3]), null,
 *   { stride: 2, padding: 1, outputPadding: 1 });
 * up.shape; // [1, 2, 10, 10]
 * ```
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, ...rest: ConvTRest): Tensor {
  return convTransposeNd("convTranspose2d", 2, input, weight, bias, rest);
}

/**
 * 3-D convolution (cross-correlation) of input [N, C, D, H, W] (or unbatched [C, D, H, W]) with
 * weight [OC, C/groups, kd, kh, kw] and an optional bias [OC] (torch.nn.functional.conv3d).
 * Arguments after the bias are PyTorch's, positional (stride, padding, dilation, groups) or in an
 * options object. Computed as one conv2d: the kd depth taps of each output depth are stacked as
 * channels, the output depths as batch (so one GEMM, fused where the device has it).
 *
 * @returns [N, OC, OD, OH, OW] (or [OC, OD, OH, OW]), OD = ⌊(D + 2·pd − dd·(kd − 1) − 1) / sd⌋ + 1
 * @throws as {@link conv2d}: shapes that do not match, channels not divisible by groups,
 *   non-positive stride, dilation or groups, padding "same" with a stride above 1, a kernel larger
 *   than the padded input, or an unknown option
 * @example
 * ```ts
 * const x = Tensor.randn([1, 4, 6, 8, 8]), w = Tensor.randn([8, 2, 3, 3, 3]);
 * F.conv3d(x, w, null, { stride: 2, padding: 1, groups: 2 }).shape; // [1, 8, 3, 4, 4]
 * F.conv3d(x, w, null, { padding: "same", groups: 2 }).shape; // [1, 8, 6, 8, 8]
 * ```
 */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, ...rest: ConvRest): Tensor {
  return convNd("conv3d", 3, input, weight, bias, rest);
}

/**
 * 3-D transposed convolution (torch.nn.functional.conv_transpose3d, the gradient of conv3d with
 * respect to its input) of input [N, C, D, H, W] (or [C, D, H, W]) with weight
 * [C, OC/groups, kd, kh, kw] and an optional bias [OC]: one convTranspose2d over the depth planes
 * (the kd taps as extra output channels), then their overlapping depths summed by col2im.
 * Positional arguments after the bias: stride, padding, outputPadding, groups, dilation
 * (PyTorch's order), or an options object.
 *
 * @returns [N, OC, OD, OH, OW], OD = (D − 1)·sd − 2·pd + dd·(kd − 1) + opd + 1
 * @throws as {@link convTranspose2d}
 * @example
 * ```ts
 * F.convTranspose3d(Tensor.randn([1, 4, 3, 3, 3]), Tensor.randn([4, 2, 3, 3, 3]), null,
 *   { stride: 2, padding: 1, outputPadding: 1 }).shape; // [1, 2, 6, 6, 6]
 * ```
 */
export function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvTransposeOptions, ...rest: ConvTRest): Tensor {
  return convTransposeNd("convTranspose3d", 3, input, weight, bias, rest);
}

const isOpts = (v: unknown): boolean => typeof v === "object" && v !== null && !(v instanceof Tensor) && !Array.isArray(v);

/** The bias (null when left out; an options object in its place is the options) and the rest. */
function splitBias(op: string, bias: unknown, rest: readonly unknown[]): [Tensor | null, unknown[]] {
  if (isOpts(bias) && rest.length === 0) return [null, [bias]];
  if (bias != null && !(bias instanceof Tensor)) throw new Error(`${op}: bias must be a Tensor or null, got ${describe(bias)}`);
  return [bias ?? null, [...rest]];
}

/** The input as batched [N, C, ...spatial] with `nd` spatial dims, and whether it was unbatched. */
function batched(op: string, input: Tensor, weight: Tensor, nd: number): [Tensor, boolean] {
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describe(input)}`);
  if (!(weight instanceof Tensor)) throw new Error(`${op}: weight must be a Tensor, got ${describe(weight)}`);
  if (input.dtype === "int32" || weight.dtype === "int32") throw new Error(`${op}: expects floating-point input and weight, got ${input.dtype} and ${weight.dtype}`);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
    throw new Error(`${op}: expects a ${nd + 1}-D (unbatched) or ${nd + 2}-D (batched) input, got shape ${fmt(input.shape)}`);
  }
  if (weight.ndim !== nd + 2) throw new Error(`${op}: expects a ${nd + 2}-D weight, got shape ${fmt(weight.shape)}`);
  const unbatched = input.ndim === nd + 1;
  return [unbatched ? input.unsqueeze(0) : input, unbatched];
}

function checkBias(op: string, bias: Tensor | null, oc: number): void {
  if (bias && !sameShape(bias.shape, [oc])) throw new Error(`${op}: bias must have shape [${oc}] (one per output channel), got ${fmt(bias.shape)}`);
}

/** 1-D arguments become 2-D ones over a height of 1: [a] → [h, a]. */
const lift = (nd: number, v: number[], h: number): [number, number] => (nd === 1 ? [h, v[0]] : [v[0], v[1]]);

function convNd(op: string, nd: number, input: Tensor, weight: Tensor, biasArg: unknown, restArg: readonly unknown[]): Tensor {
  const [bias, rest] = splitBias(op, biasArg, restArg);
  const [x0, unbatched] = batched(op, input, weight, nd);
  const a = parseArgs(op, rest, CONV_ARGS);
  const groups = checkInt(op, "groups", given(a.groups, 1), 1);
  const stride = tuple(op, "stride", given(a.stride, 1), nd, 1), dilation = tuple(op, "dilation", given(a.dilation, 1), nd, 1);
  const c = x0.shape[1], [oc, cg] = weight.shape, k = weight.shape.slice(2);
  if (oc % groups !== 0) {
    throw new Error(`${op}: the ${oc} output channels of weight ${fmt(weight.shape)} must be divisible by groups (${groups})`);
  }
  if (cg * groups !== c) {
    throw new Error(`${op}: weight ${fmt(weight.shape)} with groups=${groups} expects input with ${cg * groups} channels, got input ${fmt(input.shape)}`);
  }
  checkBias(op, bias, oc);
  // padding: per dim [before, after]; "same" may need one more after than before (PyTorch pads the end)
  let lohi: [number, number][];
  const p = given(a.padding, 0);
  if (p === "valid") lohi = k.map(() => [0, 0]);
  else if (p === "same") {
    if (stride.some((s) => s !== 1)) throw new Error(`${op}: padding 'same' is not supported for strided convolutions (stride ${JSON.stringify(stride)})`);
    lohi = k.map((kk, i) => {
      const total = dilation[i] * (kk - 1), lo = Math.floor(total / 2);
      return [lo, total - lo];
    });
  } else if (typeof p === "string") throw new Error(`${op}: padding must be a number, an array, 'same' or 'valid', got '${p}'`);
  else lohi = tuple(op, "padding", p, nd, 0).map((v) => [v, v]);
  const padded = x0.shape.slice(2).map((s, i) => s + lohi[i][0] + lohi[i][1]);
  if (k.some((kk, i) => dilation[i] * (kk - 1) + 1 > padded[i])) {
    throw new Error(`${op}: kernel ${fmt(k)} with dilation ${fmt(dilation)} is larger than the padded input ${fmt(padded)}`);
  }
  if (nd === 3) {
    const y = conv3dByDepth(op, x0, weight, bias, groups, stride, dilation, lohi);
    return unbatched ? y.squeeze(0) : y;
  }
  let x = x0;
  const extra = lohi.map(([lo, hi]) => hi - lo);
  if (extra.some((e) => e > 0)) x = pad(x, reversedPairs(extra));
  if (nd === 1) x = x.unsqueeze(2);
  const [kh, kw] = lift(nd, k, 1), [sh, sw] = lift(nd, stride, 1), [dh, dw] = lift(nd, dilation, 1);
  const [ph, pw] = lift(nd, lohi.map(([lo]) => lo), 0);
  const win = { kh, kw, sh, sw, ph, pw, dh, dw }, rows = cg * kh * kw;
  const gemm = (x: Tensor, w: Tensor, b: Tensor | null) => convGemm(x, w, b, groups, win);
  const w2 = weight.reshape(oc, rows);
  // groups 1: one fused kernel per direction where the backend has it (cpu, wasm)
  let y = (groups === 1 ? fusedConv2d(x, w2, bias, win, gemm) : null) ?? gemm(x, w2, bias);
  if (nd === 1) y = y.squeeze(2);
  return unbatched ? y.squeeze(0) : y;
}

/** conv3d as one conv2d (validated arguments; x [N, C, D, H, W]): the depth padded, its kd dilated
 *  taps per output depth taken by unfold (a view) and laid out as [N·OD, G·kd·C/G, H, W], so that
 *  each group's channels are its kd·C/G taps in the order of the weight permuted to
 *  [OC, kd·C/G, kh, kw]; the 2-D output [N·OD, OC, OH, OW] is moved back to [N, OC, OD, OH, OW]. */
function conv3dByDepth(
  op: string, x0: Tensor, weight: Tensor, bias: Tensor | null, groups: number, stride: number[], dilation: number[], lohi: [number, number][],
): Tensor {
  const [[dlo, dhi], [hlo, hhi], [wlo, whi]] = lohi;
  // depth padded on both sides; height and width only by "same"'s extra end, the rest is conv2d's
  const pads = [0, whi - wlo, 0, hhi - hlo, dlo, dhi];
  const x = pads.some((v) => v > 0) ? pad(x0, pads) : x0;
  const [n, c, d, h, w] = x.shape, [oc, cg, kd, kh, kw] = weight.shape;
  const ext = dilation[0] * (kd - 1) + 1, od = Math.floor((d - ext) / stride[0]) + 1;
  let taps = x.unfold(2, ext, stride[0]); // [N, C, OD, H, W, ext]
  if (dilation[0] > 1) taps = taps.slice([], [], [], [], [], [null, null, dilation[0]]);
  const planes = taps.reshape(n, groups, c / groups, od, h, w, kd).permute(0, 3, 1, 6, 2, 4, 5).reshape(n * od, c * kd, h, w);
  const w2 = weight.permute(0, 2, 1, 3, 4).reshape(oc, kd * cg, kh, kw);
  const y = convNd(op, 2, planes, w2, bias, [{ stride: stride.slice(1), padding: [hlo, wlo], dilation: dilation.slice(1), groups }]);
  const [, , oh, ow] = y.shape;
  return y.reshape(n, od, oc, oh, ow).permute(0, 2, 1, 3, 4).contiguous(); // contiguous, like PyTorch's
}

/** The composite convolution (the reference of the fused one): x [N, C, H, W] already padded by
 *  `extra`, weight [OC, C/G·kh·kw]; im2col, one matmul (a batch of G), the transpose to
 *  [N, OC, OH, OW] and the bias. */
function convGemm(x: Tensor, weight: Tensor, bias: Tensor | null, groups: number, win: ConvWindow): Tensor {
  const { kh, kw, sh, sw, ph, pw, dh, dw } = win;
  const [n, , h, w] = x.shape, [oc, rows] = weight.shape;
  const cols = im2col(x, kh, kw, sh, sw, ph, pw, dh, dw); // [C·kh·kw, N·OH·OW], rows in the weight's order
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const prod = groups === 1
    ? weight.matmul(cols)
    : weight.reshape(groups, oc / groups, rows).matmul(cols.reshape(groups, rows, n * oh * ow)); // [G, OC/G, L]
  const out = prod.reshape(oc, n, oh, ow).transpose(0, 1); // [N, OC, OH, OW]
  return bias ? out.add(bias.reshape(1, oc, 1, 1)) : out.contiguous(); // contiguous, like PyTorch's
}

/** F.pad's list (last dim first) of "after" pads per spatial dim (first dim first). */
function reversedPairs(after: number[]): number[] {
  return [...after].reverse().flatMap((e) => [0, e]);
}

function convTransposeNd(op: string, nd: number, input: Tensor, weight: Tensor, biasArg: unknown, restArg: readonly unknown[]): Tensor {
  const [bias, rest] = splitBias(op, biasArg, restArg);
  const [x0, unbatched] = batched(op, input, weight, nd);
  const a = parseArgs(op, rest, CONVT_ARGS);
  const groups = checkInt(op, "groups", given(a.groups, 1), 1);
  const stride = tuple(op, "stride", given(a.stride, 1), nd, 1), dilation = tuple(op, "dilation", given(a.dilation, 1), nd, 1);
  const padding = tuple(op, "padding", given(a.padding, 0), nd, 0), outPad = tuple(op, "outputPadding", given(a.outputPadding, 0), nd, 0);
  const [c, ocg] = weight.shape, k = weight.shape.slice(2), oc = ocg * groups;
  if (c % groups !== 0) throw new Error(`${op}: the ${c} input channels of weight ${fmt(weight.shape)} must be divisible by groups (${groups})`);
  if (x0.shape[1] !== c) throw new Error(`${op}: weight ${fmt(weight.shape)} expects input with ${c} channels (dim 0 of the weight), got input ${fmt(input.shape)}`);
  checkBias(op, bias, oc);
  outPad.forEach((o, i) => {
    if (o >= stride[i] && o >= dilation[i]) {
      throw new Error(`${op}: outputPadding ${JSON.stringify(outPad)} must be smaller than either stride ${JSON.stringify(stride)} or dilation ${JSON.stringify(dilation)}`);
    }
  });
  const spatial = x0.shape.slice(2);
  const outSize = spatial.map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + outPad[i] + 1);
  if (outSize.some((s) => s < 1)) throw new Error(`${op}: the output size ${fmt(outSize)} of input ${fmt(input.shape)} is too small (must be at least 1)`);
  if (nd === 3) {
    const y = convTranspose3dByDepth(op, x0, weight, bias, groups, stride, padding, outPad, dilation, outSize[0]);
    return unbatched ? y.squeeze(0) : y;
  }
  // an outputPadding of a stride or more adds windows past the input's end: they read zeros
  const more = outPad.map((o, i) => Math.floor(o / stride[i]));
  let x = more.some((m) => m > 0) ? pad(x0, reversedPairs(more)) : x0;
  if (nd === 1) x = x.unsqueeze(2);
  const [n, , h, w] = x.shape, l = n * h * w;
  const [kh, kw] = lift(nd, k, 1), [sh, sw] = lift(nd, stride, 1), [dh, dw] = lift(nd, dilation, 1), [ph, pw] = lift(nd, padding, 0);
  const [oh, ow] = lift(nd, outSize, 1);
  const rows = ocg * kh * kw, cin = c / groups;
  const xs = x.transpose(0, 1).reshape(groups, cin, l); // [G, C/G, N·H·W]
  const cols = weight.reshape(groups, cin, rows).transpose(1, 2).matmul(xs).reshape(oc * kh * kw, l); // [OC·kh·kw, N·H·W]
  const out = col2im(cols, [n, oc, oh, ow], kh, kw, sh, sw, ph, pw, dh, dw);
  let y = bias ? out.add(bias.reshape(1, oc, 1, 1)) : out;
  if (nd === 1) y = y.squeeze(2);
  return unbatched ? y.squeeze(0) : y;
}

/** convTranspose3d (validated arguments; x [N, C, D, H, W]) as one convTranspose2d of the depth
 *  planes [N·D, C, H, W] whose weight [C, OC/G·kd, kh, kw] makes each tap of the kernel's depth an
 *  output channel, then col2im over depth alone: rows (OC, OH, OW, tap), columns (N, D), every
 *  tap's plane added at output depth d·sd + tap·dd − pd. */
function convTranspose3dByDepth(
  op: string, x0: Tensor, weight: Tensor, bias: Tensor | null, groups: number,
  stride: number[], padding: number[], outPad: number[], dilation: number[], outDepth: number,
): Tensor {
  const [c, ocg, kd, kh, kw] = weight.shape, oc = ocg * groups;
  // an outputPadding of a stride or more adds depth windows past the input's end: they read zeros
  const more = Math.floor(outPad[0] / stride[0]);
  const x = more > 0 ? pad(x0, [0, 0, 0, 0, 0, more]) : x0;
  const [n, , d, h, w] = x.shape;
  const planes = x.transpose(1, 2).reshape(n * d, c, h, w);
  const y = convTransposeNd(op, 2, planes, weight.reshape(c, ocg * kd, kh, kw), null, [{
    stride: stride.slice(1), padding: padding.slice(1), outputPadding: outPad.slice(1), groups, dilation: dilation.slice(1),
  }]);
  const [, , oh, ow] = y.shape; // [N·D, OC·kd, OH, OW], channels (group, o, tap)
  const cols = y.reshape(n, d, oc, kd, oh, ow).permute(2, 4, 5, 3, 0, 1).reshape(oc * oh * ow * kd, n * d);
  const out = col2im(cols, [n, oc * oh * ow, outDepth, 1], kd, 1, stride[0], 1, padding[0], 0, dilation[0], 1)
    .reshape(n, oc, oh, ow, outDepth).permute(0, 1, 4, 2, 3);
  return bias ? out.add(bias.reshape(1, oc, 1, 1, 1)) : out.contiguous();
}
