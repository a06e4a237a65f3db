// WGSL of the webgpu backend's ops along one dim: the scans (one thread walks one line in order, as
// the host kernels do) and the stable sort (one thread per element: it counts the elements of its
// line that sort before it, keys first and positions at equal keys, and stores itself at that
// rank). The sort does O(n) work per element, O(n²) per line of n: simple and exact, fine for
// the lines of sort/topk in models (up to some thousands), slow for one very long line.
import type { ScanOp } from "../backend.js";
import { MAXD, PRELUDE, type Scalar, WG } from "./kernels.js";

/** The words of a line dispatch: [items, nd, line length, flag (reverse or descending), the lines'
 *  shape[MAXD], then per view (v0, v1, v2): offset, step along the dim, strides[MAXD]]. */
export const LN = { n: 0, nd: 1, len: 2, flag: 3, shape: 4, view: (j: number) => 4 + MAXD + j * (MAXD + 2) };

/** The grid-stride loop over items; for each, o0..o2 (the line's first element in each view),
 *  s0..s2 (their steps along the dim) and, when perElement, pos (the item's place in its line). */
function lineLoop(body: string, decls: string, perElement: boolean): string {
  const v = [0, 1, 2];
  return /* wgsl */ `${PRELUDE}
${decls}
fn lae_(x: f32, y: f32) -> f32 {
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  let lo = min(x, y);
  let hi = max(x, y);
  if (isinf_(lo) && lo < 0.0) { return hi; }
  if (isinf_(hi)) { return hi; }
  return log1p_(exp(lo - hi)) + hi;
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prmu(${LN.n}u);
  let nd = prmu(${LN.nd}u);
  let L = prm(${LN.len}u);
  let flag = prm(${LN.flag}u) != 0;
  ${v.map((j) => `let s${j} = prm(${LN.view(j) + 1}u);`).join(" ")}
  for (var i = gid.x + gid.y * nw.x * ${WG}u; i < n; i += nw.x * nw.y * ${WG}u) {
    ${perElement ? "let pos = i32(i % u32(L)); var rem = i / u32(L);" : "var rem = i;"}
    ${v.map((j) => `var o${j} = prm(${LN.view(j)}u);`).join(" ")}
    for (var d = nd; d > 0u; ) {
      d -= 1u;
      let s = prmu(${LN.shape}u + d);
      let c = i32(rem % s);
      rem = rem / s;
      ${v.map((j) => `o${j} += c * prm(${LN.view(j) + 2}u + d);`).join(" ")}
    }
    ${body}
  }
}`;
}

/** A scan: views out (v0), a (v1), idx (v2, cummax/cummin only); flag = reverse. */
export function scanKernel(op: ScanOp, t: Scalar, decls: string): string {
  const f = t === "f32";
  const init = op === "cumprod" ? (f ? "1.0" : "1") : op === "logcumsumexp" ? "-inf_()" : f ? "0.0" : "0";
  const nan = (x: string) => (f ? `isnan_(${x})` : "false");
  const step = op === "cumsum" ? "acc = acc + v; out_st(o0 + i * s0, acc);"
    : op === "cumprod" ? "acc = acc * v; out_st(o0 + i * s0, acc);"
    : op === "logcumsumexp" ? "acc = lae_(v, acc); out_st(o0 + i * s0, acc);"
    // a later equal value takes over; a NaN takes over and stays
    : `if (k == 0 || ${nan("v")} || (!${nan("acc")} && (v ${op === "cummax" ? ">=" : "<="} acc))) { acc = v; bi = i; }
       out_st(o0 + i * s0, acc); idx_st(o2 + i * s2, bi);`;
  return lineLoop(`
    var acc: ${t} = ${init};
    var bi = 0;
    for (var k = 0; k < L; k++) {
      let i = select(k, L - 1 - k, flag);
      let v = a_ld(o1 + i * s1);
      ${step}
    }`, decls, false);
}

/** The sort: views values (v0), indices (v1), a (v2); flag = descending; NaN is the largest float. */
export function sortKernel(t: Scalar, decls: string): string {
  // every comparison in parentheses: WGSL would read "a < b ... c > d" as a template list
  const before = (x: string, y: string) => (t === "i32" ? `select((${x} < ${y}), (${x} > ${y}), flag)`
    : `select((${x} < ${y}) || (isnan_(${y}) && !isnan_(${x})), (${x} > ${y}) || (isnan_(${x}) && !isnan_(${y})), flag)`);
  return lineLoop(`
    let key = a_ld(o2 + pos * s2);
    var rank = 0;
    for (var j = 0; j < L; j++) {
      let kj = a_ld(o2 + j * s2);
      if (${before("kj", "key")} || ((j < pos) && !(${before("key", "kj")}))) { rank++; }
    }
    val_st(o0 + rank * s0, key);
    idx_st(o1 + rank * s1, pos);`, decls, true);
}
