// WGSL of the webgpu backend's ops along one dim: the scans (one thread walks one line in order, as
// the host kernels do) and the stable sort. Short lines (up to RANK_MAX) sort in one dispatch, a
// thread per element that counts the elements of its line ranked before it (O(n) each); longer
// ones by a bitonic network over 64-bit keys in a scratch buffer (the value's bits made
// order-preserving, then the position, so equal keys keep their order), padded to a power of two:
// log2(P)·(log2(P)+1)/2 compare-exchange dispatches over every line at once, then one that writes
// values and indices.
import type { ScanOp } from "../backend.js";
import { MAXD, PRELUDE, type Scalar, WG } from "./kernels.js";

/** Lines up to this long sort by ranks; longer ones by the bitonic network. */
export const RANK_MAX = 64;

/** The words of a line dispatch: [items, nd, line length, flag, aux, the lines' shape[MAXD], then
 *  per view: offset, step along the dim, strides[MAXD]]. flag and aux are the kernel's scalars. */
export const LN = { n: 0, nd: 1, len: 2, flag: 3, aux: 4, shape: 5, view: (j: number) => 5 + MAXD + j * (MAXD + 2) };

/** The grid-stride loop over items; for each, o0.. (the line's first element in each view),
 *  s0.. (their steps along the dim) and, when perElement, pos (the item's place in its line). */
function lineLoop(nViews: number, body: string, decls: string, perElement: boolean): string {
  const v = Array.from({ length: nViews }, (_, j) => j);
  return /* wgsl */ `${PRELUDE}
${decls}
// m·2^e for |m| in [0.5, 1), 0, inf or NaN: WGSL leaves ldexp past 2^128 indeterminate
fn ldexp_big_(m: f32, e: i32) -> f32 {
  if (m == 0.0 || !finite_(m)) { return m; }
  if (e > 128) { return select(inf_(), -inf_(), m < 0.0); }
  return ldexp(m, max(e, -200));
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prmu(${LN.n}u);
  let nd = prmu(${LN.nd}u);
  let L = prm(${LN.len}u);
  let flag = prm(${LN.flag}u);
  let aux = prm(${LN.aux}u);
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
  const out = "out_st(o0 + i * s0, acc);";
  // [what a line keeps beside acc, one element's step]
  const [state, step] = !f && (op === "cumsum" || op === "cumprod") ? ["", `acc = acc ${op === "cumsum" ? "+" : "*"} v; ${out}`]
    // float cumsum: compensated (Kahan), as the host kernels sum in float64 (a long line of
    // cancelling terms drifts in plain float32). The compensation is dropped where the sum is not
    // finite (inf - inf would poison the rest).
    : op === "cumsum" ? ["var comp = 0.0;", `let y = v - comp; let t = acc + y; comp = select(0.0, (t - acc) - y, finite_(t)); acc = t; ${out}`]
    // float cumprod: the running product as acc·2^e with |acc| in [0.5, 1) (frexp after each
    // factor), as the host kernels' float64 keeps it: a float32 product overflowed where later
    // factors bring it back
    : op === "cumprod" ? ["var e = 0;",
      "acc = acc * v; if (acc != 0.0 && finite_(acc)) { let fr = frexp_(acc); acc = fr.fract; e = e + fr.exp; } out_st(o0 + i * s0, ldexp_big_(acc, e));"]
    // the running max (acc) and Σ exp(x - max) (sm, compensated), each output max + log(sum): a
    // running log-add-exp rounded the log at every step, and over 2,720 values its error reached
    // 0.15 % of logcumsumexp's gradient (two such scans, subtracted)
    : op === "logcumsumexp" ? ["var sm = 0.0; var comp = 0.0;", `
      if (isnan_(v) || isnan_(acc)) { acc = nan_(); }
      else if (v > acc) {
        let r = select(exp(acc - v), 0.0, isinf_(v) || isinf_(acc));
        sm = sm * r + 1.0; comp = comp * r; acc = v;
      } else if (!isinf_(v) && !isinf_(acc)) {
        let y = exp(v - acc) - comp; let t = sm + y; comp = (t - sm) - y; sm = t;
      }
      out_st(o0 + i * s0, select(acc, acc + log(sm), finite_(acc)));`]
    // a later equal value takes over; a NaN takes over and stays
    : ["var bi = 0;", `if (k == 0 || ${nan("v")} || (!${nan("acc")} && (v ${op === "cummax" ? ">=" : "<="} acc))) { acc = v; bi = i; }
       ${out} idx_st(o2 + i * s2, bi);`];
  return lineLoop(3, `
    var acc: ${t} = ${init};
    ${state}
    for (var k = 0; k < L; k++) {
      let i = select(k, L - 1 - k, flag != 0);
      let v = a_ld(o1 + i * s1);
      ${step}
    }`, decls, false);
}

/** The sort of short lines: views values (v0), indices (v1), a (v2); flag = descending; NaN is the
 *  largest float. */
export function sortRankKernel(t: Scalar, decls: string): string {
  // every comparison in parentheses: WGSL would read "a < b ... c > d" as a template list
  const before = (x: string, y: string) => (t === "i32" ? `select((${x} < ${y}), (${x} > ${y}), flag != 0)`
    : `select((${x} < ${y}) || (isnan_(${y}) && !isnan_(${x})), (${x} > ${y}) || (isnan_(${x}) && !isnan_(${y})), flag != 0)`);
  return lineLoop(3, `
    let key = a_ld(o2 + pos * s2);
    var rank = 0;
    for (var j = 0; j < L; j++) {
      let kj = a_ld(o2 + j * s2);
      if (${before("kj", "key")} || ((j < pos) && !(${before("key", "kj")}))) { rank++; }
    }
    val_st(o0 + rank * s0, key);
    idx_st(o1 + rank * s1, pos);`, decls, true);
}

/** Bitonic sort, first pass: views keys (v0: pairs of words, P per line; L = P), a (v1); aux = the
 *  real line length; flag = descending. Pairs past the line's end are the largest key. */
export function sortKeysKernel(t: Scalar, decls: string): string {
  const key = t === "i32" ? "bitcast<u32>(x) ^ 0x80000000u" : "fkey_(bitcast<u32>(x))";
  return lineLoop(2, `
    var u = 0xffffffffu;
    var p = 0xffffffffu;
    if (pos < aux) {
      let x = a_ld(o1 + pos * s1);
      u = ${key};
      if (flag != 0) { u = ~u; }
      p = u32(pos);
    }
    keys_st(o0 + pos * s0, bitcast<i32>(u));
    keys_st(o0 + pos * s0 + 1, bitcast<i32>(p));`, `${decls}
// float bits made order-preserving as unsigned: ±0 equal, every NaN the largest
fn fkey_(b: u32) -> u32 {
  let m = b & 0x7fffffffu;
  if (m > 0x7f800000u) { return 0xffffffffu; }
  if (m == 0u) { return 0x80000000u; }
  if ((b & 0x80000000u) != 0u) { return ~b; }
  return b | 0x80000000u;
}`, true);
}

/** Bitonic sort, one compare-exchange stage: view keys (v0; L = P); flag = the block size k, aux =
 *  the partner distance j. */
export function sortStepKernel(decls: string): string {
  return lineLoop(1, `
    let q = pos ^ aux;
    if (q > pos) {
      let a0 = bitcast<u32>(keys_ld(o0 + pos * s0)); let a1 = bitcast<u32>(keys_ld(o0 + pos * s0 + 1));
      let b0 = bitcast<u32>(keys_ld(o0 + q * s0)); let b1 = bitcast<u32>(keys_ld(o0 + q * s0 + 1));
      let greater = (a0 > b0) || ((a0 == b0) && (a1 > b1));
      if (greater == ((pos & flag) == 0)) {
        keys_st(o0 + pos * s0, bitcast<i32>(b0)); keys_st(o0 + pos * s0 + 1, bitcast<i32>(b1));
        keys_st(o0 + q * s0, bitcast<i32>(a0)); keys_st(o0 + q * s0 + 1, bitcast<i32>(a1));
      }
    }`, decls, true);
}

/** Bitonic sort, last pass: views values (v0), indices (v1), a (v2), keys (v3); L = the line length.
 *  The value is read back from a (its own bits: -0 stays -0). */
export function sortOutKernel(decls: string): string {
  return lineLoop(4, `
    let p = keys_ld(o3 + pos * s3 + 1);
    val_st(o0 + pos * s0, a_ld(o2 + p * s2));
    idx_st(o1 + pos * s1, p);`, decls, true);
}
