// Line charts as hand-written SVG: axes, "nice" ticks, grid, labels, several series, a legend.
// Several charts can sit side by side in one file (loss on the left, accuracy on the right).
// No dependencies.
//
//   writeSvg("out/curves.svg", chartsSvg([
//     { title: "loss", xLabel: "epoch", series: [{ name: "train", x: steps, y: losses }] },
//     { title: "accuracy", xLabel: "epoch", yFormat: "percent", series: [{ name: "test", y: accs }] },
//   ]));
import * as fs from "node:fs";
import * as path from "node:path";

export interface Series {
  name: string;
  /** Values; NaN or non-finite ones leave a gap. */
  y: readonly number[];
  /** x of each value (default 1, 2, 3, ...). */
  x?: readonly number[];
  /** CSS colour (default: the next of a 10-colour palette). */
  color?: string;
  dashed?: boolean;
  /** Draw a dot at each point (default: when there are at most 40 points). */
  markers?: boolean;
  /** Line width (default 2). */
  width?: number;
}

export interface Chart {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly Series[];
  /** Axis ranges (default: the data's, widened to nice ticks). */
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Tick labels: "percent" shows fractions as `95%`; a function formats them itself. */
  yFormat?: "percent" | ((v: number) => string);
  xFormat?: (v: number) => string;
  /** Where the legend goes (default "top-right"; "none" hides it). */
  legend?: "top-right" | "bottom-right" | "top-left" | "bottom-left" | "none";
}

export interface SvgOptions {
  /** Size of each chart in px (default 480 × 320). */
  width?: number;
  height?: number;
  /** Charts per row (default: all in one row). */
  columns?: number;
  /** A title above all charts. */
  title?: string;
}

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Escapes text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** 1, 2 or 5 times a power of ten, close to `raw`. */
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/**
 * About `count` round tick values covering [lo, hi], and the range widened to the outer ticks
 * (unless `fixedLo`/`fixedHi`, which keep that end exactly).
 */
export function niceTicks(lo: number, hi: number, count = 5, fixedLo = false, fixedHi = false): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, ticks: [0, 0.5, 1] };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    if (!fixedLo) lo -= d;
    if (!fixedHi || hi === lo) hi += d;
  }
  const step = niceStep((hi - lo) / Math.max(1, count));
  const nlo = fixedLo ? lo : Math.floor(lo / step + 1e-9) * step;
  const nhi = fixedHi ? hi : Math.ceil(hi / step - 1e-9) * step;
  const d = decimalsFor(step);
  const ticks: number[] = [];
  for (let k = Math.ceil(nlo / step - 1e-9); k <= Math.floor(nhi / step + 1e-9); k++) ticks.push(Number((k * step).toFixed(d)));
  return { lo: nlo, hi: nhi, ticks };
}

/** Decimals needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsFor(step: number): number {
  let d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  while (d < 10 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++;
  return d;
}

function tickStep(ticks: number[]): number {
  return ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
}

function defaultFormat(ticks: number[]): (v: number) => string {
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e6 || (big > 0 && big < 1e-3)) return (v) => (v === 0 ? "0" : v.toExponential(1));
  const d = decimalsFor(tickStep(ticks));
  return (v) => v.toFixed(d);
}

function percentFormat(ticks: number[]): (v: number) => string {
  const d = decimalsFor(tickStep(ticks) * 100);
  return (v) => `${(v * 100).toFixed(d)}%`;
}

const f2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** One chart as an SVG `<g>` at (ox, oy), `w` × `h` px. */
function chartGroup(chart: Chart, ox: number, oy: number, w: number, h: number): string {
  const series = chart.series.map((s, i) => ({
    ...s,
    x: s.x ?? s.y.map((_, j) => j + 1),
    color: s.color ?? PALETTE[i % PALETTE.length],
  }));
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new Error(`plot: series "${s.name}" has ${s.x.length} x values and ${s.y.length} y values`);
  }
  const xs: number[] = [], ys: number[] = [];
  for (const s of series) {
    s.y.forEach((y, j) => {
      if (Number.isFinite(y) && Number.isFinite(s.x[j])) {
        xs.push(s.x[j]);
        ys.push(y);
      }
    });
  }
  const dataXMin = xs.length ? Math.min(...xs) : 0, dataXMax = xs.length ? Math.max(...xs) : 1;
  const dataYMin = ys.length ? Math.min(...ys) : 0, dataYMax = ys.length ? Math.max(...ys) : 1;
  const xr = niceTicks(chart.xMin ?? dataXMin, chart.xMax ?? dataXMax, 6, true, true);
  const yr = niceTicks(chart.yMin ?? dataYMin, chart.yMax ?? dataYMax, 5, chart.yMin !== undefined, chart.yMax !== undefined);
  const xTicks = xr.ticks.filter((t) => t >= xr.lo - 1e-9 && t <= xr.hi + 1e-9);
  const yTicks = yr.ticks.filter((t) => t >= yr.lo - 1e-9 && t <= yr.hi + 1e-9);
  const fy = chart.yFormat === "percent" ? percentFormat(yTicks) : (chart.yFormat ?? defaultFormat(yTicks));
  const fx = chart.xFormat ?? defaultFormat(xTicks);

  const yLabelW = Math.max(...yTicks.map((t) => fy(t).length), 1) * 7 + 10;
  const left = (chart.yLabel ? 22 : 6) + yLabelW, right = 16, top = chart.title ? 34 : 14, bottom = chart.xLabel ? 48 : 30;
  const pw = Math.max(10, w - left - right), ph = Math.max(10, h - top - bottom);
  const X = (v: number) => left + ((v - xr.lo) / (xr.hi - xr.lo || 1)) * pw;
  const Y = (v: number) => top + ph - ((v - yr.lo) / (yr.hi - yr.lo || 1)) * ph;

  const out: string[] = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<rect x="${left}" y="${top}" width="${f2(pw)}" height="${f2(ph)}" fill="#fff" stroke="none"/>`);
  if (chart.title) out.push(`<text x="${f2(left + pw / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  // grid and ticks
  for (const t of yTicks) {
    const y = f2(Y(t));
    out.push(`<line x1="${left}" y1="${y}" x2="${f2(left + pw)}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="#333"/>`);
    out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(fy(t))}</text>`);
  }
  for (const t of xTicks) {
    const x = f2(X(t));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${f2(top + ph)}" stroke="#e4e4e4"/>`);
    out.push(`<line x1="${x}" y1="${f2(top + ph)}" x2="${x}" y2="${f2(top + ph + 5)}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${f2(top + ph + 18)}" text-anchor="middle" font-size="11">${escapeXml(fx(t))}</text>`);
  }
  // axes
  out.push(`<rect x="${left}" y="${top}" width="${f2(pw)}" height="${f2(ph)}" fill="none" stroke="#333"/>`);
  if (chart.xLabel) out.push(`<text x="${f2(left + pw / 2)}" y="${f2(h - 10)}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`);
  if (chart.yLabel) {
    out.push(`<text transform="translate(14,${f2(top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(chart.yLabel)}</text>`);
  }
  // series, clipped to the plot area
  const clip = `clip${Math.round(ox)}_${Math.round(oy)}`;
  out.push(`<clipPath id="${clip}"><rect x="${left}" y="${top}" width="${f2(pw)}" height="${f2(ph)}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  for (const s of series) {
    let d = "";
    let pen = false;
    const pts: [number, number][] = [];
    s.y.forEach((y, j) => {
      const x = s.x[j];
      if (!Number.isFinite(y) || !Number.isFinite(x)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${f2(X(x))} ${f2(Y(y))}`;
      pen = true;
      pts.push([X(x), Y(y)]);
    });
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    if (d) out.push(`<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${dash}/>`);
    if (s.markers ?? pts.length <= 40) {
      for (const [x, y] of pts) out.push(`<circle cx="${f2(x)}" cy="${f2(y)}" r="3" fill="${escapeXml(s.color)}"/>`);
    }
  }
  out.push(`</g>`);
  // legend
  const where = chart.legend ?? "top-right";
  if (where !== "none" && series.length > 0) {
    const lw = Math.max(...series.map((s) => s.name.length)) * 7.5 + 44, lh = series.length * 18 + 8;
    const lx = where.endsWith("right") ? left + pw - lw - 8 : left + 8;
    const ly = where.startsWith("top") ? top + 8 : top + ph - lh - 8;
    out.push(`<g transform="translate(${f2(lx)},${f2(ly)})">`);
    out.push(`<rect width="${lw}" height="${lh}" fill="#fff" fill-opacity="0.85" stroke="#bbb" rx="3"/>`);
    series.forEach((s, i) => {
      const y = 13 + i * 18;
      const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
      out.push(`<line x1="8" y1="${y}" x2="28" y2="${y}" stroke="${escapeXml(s.color)}" stroke-width="${s.width ?? 2}"${dash}/>`);
      out.push(`<text x="34" y="${y}" dominant-baseline="middle" font-size="12">${escapeXml(s.name)}</text>`);
    });
    out.push(`</g>`);
  }
  out.push(`</g>`);
  return out.join("\n");
}

/** One or more charts as a complete SVG document. */
export function chartsSvg(charts: Chart | readonly Chart[], opts: SvgOptions = {}): string {
  const list = Array.isArray(charts) ? (charts as readonly Chart[]) : [charts as Chart];
  if (list.length === 0) throw new Error("plot: no charts");
  const w = opts.width ?? 480, h = opts.height ?? 320;
  const cols = Math.max(1, Math.min(opts.columns ?? list.length, list.length));
  const rows = Math.ceil(list.length / cols);
  const titleH = opts.title ? 32 : 0;
  const W = cols * w, H = rows * h + titleH;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" fill="#222">`,
    `<rect width="${W}" height="${H}" fill="#fafafa"/>`,
  ];
  if (opts.title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(opts.title)}</text>`);
  list.forEach((c, i) => out.push(chartGroup(c, (i % cols) * w, titleH + Math.floor(i / cols) * h, w, h)));
  out.push(`</svg>`, "");
  return out.join("\n");
}

/** Writes text to a file (creating the directory; atomically, via a temporary file). */
export function writeSvg(file: string, svg: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, svg);
  fs.renameSync(tmp, file);
}
