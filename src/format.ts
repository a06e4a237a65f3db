// PyTorch-style printing: tensor([[0.1000, 0.2000]], requiresGrad=true), eliding the middle of big tensors.
import type { Tensor } from "./tensor.js";

const EDGE = 3, THRESHOLD = 1000, LINE_WIDTH = 80;

/** One formatter for all elements, chosen like torch._tensor_str._Formatter. */
function makeFormatter(values: ArrayLike<number>, isInt: boolean): (v: number) => string {
  if (isInt) return (v) => String(v);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] !== 0) finite.push(Math.abs(values[i]));
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (finite.length === 0) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const max = Math.max(...finite), min = Math.min(...finite);
  const intMode = finite.every((v) => Math.round(v) === v);
  const sci = intMode ? max / min > 1000 || max > 1e8 : max / min > 1000 || max > 1e8 || min < 1e-4;
  if (sci) return (v) => (Number.isFinite(v) ? sciStr(v) : special(v));
  if (intMode) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

function sciStr(v: number): string {
  // JS writes 1.0000e-5; PyTorch (Python) writes 1.0000e-05
  return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}

/** gradFn / requiresGrad / dtype, as PyTorch appends them. */
function suffixOf(t: Tensor): string[] {
  const suffix: string[] = [];
  if (t.dtype !== "float32") suffix.push(`dtype=${t.dtype}`);
  if (t.gradFn) suffix.push(`gradFn=<${t.gradFn.op}>`);
  else if (t.requiresGrad) suffix.push("requiresGrad=true");
  return suffix;
}

export function formatTensor(t: Tensor): string {
  const host = t.backend.read(t);
  if (host === null) {
    // device memory (webgpu): printing cannot wait for the device, so say what the tensor is
    const what = `<${t.ndim ? `shape [${t.shape.join(", ")}]` : "0-d"} on ${t.device}: await t.toArrayAsync() to read the values>`;
    return `tensor(${[what, `device='${t.device}'`, ...suffixOf(t)].join(", ")})`;
  }
  const flat = host;
  const summarize = flat.length > THRESHOLD;
  const shown: number[] = [];
  // indices kept per dim: all, or the first and last EDGE when summarizing
  const keep = (n: number) => (summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()]);
  const strides: number[] = [];
  let st = 1;
  for (let d = t.ndim - 1; d >= 0; d--) {
    strides[d] = st;
    st *= t.shape[d];
  }
  const collect = (d: number, base: number) => {
    if (d === t.ndim) return void shown.push(flat[base]);
    for (const i of keep(t.shape[d])) if (i >= 0) collect(d + 1, base + i * strides[d]);
  };
  if (flat.length > 0) collect(0, 0);
  const f = makeFormatter(shown, t.dtype === "int32");
  const width = Math.max(0, ...shown.map((v) => f(v).length));
  const cell = (v: number) => f(v).padStart(width);
  const indent = "tensor(".length;

  const render = (d: number, base: number, ind: number): string => {
    if (d === t.ndim) return cell(flat[base]);
    const idx = keep(t.shape[d]);
    if (d === t.ndim - 1) {
      const items = idx.map((i) => (i < 0 ? " ..." : cell(flat[base + i * strides[d]]))); // PyTorch's ellipsis item
      // wrap long rows the way PyTorch does: as many items per line as fit in LINE_WIDTH
      const per = Math.max(1, Math.floor((LINE_WIDTH - ind) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += per) lines.push(items.slice(i, i + per).join(", "));
      return `[${lines.join(`,\n${" ".repeat(ind + 1)}`)}]`;
    }
    const sep = `,${"\n".repeat(t.ndim - d - 1)}${" ".repeat(ind + 1)}`;
    return `[${idx.map((i) => (i < 0 ? "..." : render(d + 1, base + i * strides[d], ind + 1))).join(sep)}]`;
  };

  let body: string;
  if (t.numel === 0) body = t.ndim <= 1 ? "[]" : `[], size=(${t.shape.join(", ")})`;
  else body = render(0, 0, indent);
  return `tensor(${[body, ...suffixOf(t)].join(", ")})`;
}
