// WGSL sources of the webgpu backend's primitives: the elementwise ones generated from one table of
// expressions per op family (keyed by prims.ts's lists, so a new op without a WGSL arm is a tsc
// error), and reduce, matmul, gather and scatterAdd written by hand.
//
// Every kernel reads its parameters (sizes, strides, offsets, scalars) from one uniform block of
// i32 words at binding 0. Tensors are slots in a few large buffers (pool.ts), so a kernel does not
// get one binding per tensor: index.ts binds each distinct buffer once, as array<u32>, and
// `io()` gives every logical view NAME typed accessors NAME_ld(i) / NAME_st(i, v) on its buffer
// (bitcasts, free). Views are indexed in place through their strides, never copied first. NaN
// tests are done on the bits (`isnan_`), so no compiler can fold `x != x` away.
import type { BinaryOp, UnaryOp } from "../../prims.js";

/** Most dims a view may have after merging (index.ts merges dims contiguous in every view). */
export const MAXD = 12;
/** i32 words in each dispatch's uniform block. */
export const PARAM_WORDS = 128;
export const WG = 256;

export type Scalar = "f32" | "i32";

/** Unary ops: one WGSL expression of `x` per dtype; null where prims.ts's int rule means the op
 *  never reaches an int32 kernel ("float" casts first, "identity" returns the input). */
export const UNARY_WGSL = {
  copy: { f32: "x", i32: "x" },
  neg: { f32: "-x", i32: "-x" }, // i32: wraps, -(-2^31) = -2^31 as on the host
  exp: { f32: "exp(x)", i32: null },
  log: { f32: "logf(x)", i32: null },
  sqrt: { f32: "select(sqrt(x), nan_(), x < 0.0)", i32: null },
  rsqrt: { f32: "select(select(inverseSqrt(x), 1.0 / x, x == 0.0), nan_(), x < 0.0)", i32: null }, // ±0 -> ±inf
  abs: { f32: "abs(x)", i32: "abs(x)" },
  sin: { f32: "sincos_(x, 0u)", i32: null },
  cos: { f32: "sincos_(x, 1u)", i32: null },
  square: { f32: "x * x", i32: "x * x" },
  relu: { f32: "select(0.0, x, x > 0.0 || isnan_(x))", i32: "max(x, 0)" },
  // two branches so exp never overflows into inf/inf
  sigmoid: { f32: "select(exp(x) / (1.0 + exp(x)), 1.0 / (1.0 + exp(-x)), x >= 0.0)", i32: null },
  tanh: { f32: "tanh_(x)", i32: null },
  erf: { f32: "erf_(x)", i32: null },
  // NaN and ±0 give +0, like PyTorch; a difference of two selects, since lavapipe folds
  // select(0.0, -1.0, c) into -f32(c), which is -0 where c is false
  sign: { f32: "select(0.0, 1.0, x > 0.0) - select(0.0, 1.0, x < 0.0)", i32: "sign(x)" },
  log1p: { f32: "log1p_(x)", i32: null },
  reciprocal: { f32: "1.0 / x", i32: null },
  floor: { f32: "floor(x)", i32: null },
  ceil: { f32: "ceil(x)", i32: null },
  round: { f32: "round(x)", i32: null }, // WGSL's round is half to even, as torch.round
  trunc: { f32: "trunc(x)", i32: null },
  exp2: { f32: "exp2_(x)", i32: null },
  log2: { f32: "log2_(x)", i32: null },
  log10: { f32: "log2_(x) * 0.30102999566398120", i32: null },
  expm1: { f32: "expm1_(x)", i32: null },
  tan: { f32: "sincos_(x, 0u) / sincos_(x, 1u)", i32: null },
  sinh: { f32: "sinh_(x)", i32: null },
  cosh: { f32: "cosh_(x)", i32: null },
  asin: { f32: "asin_(x)", i32: null },
  acos: { f32: "acos_(x)", i32: null },
  atan: { f32: "atan_(x)", i32: null },
  isnan: { f32: "select(0.0, 1.0, isnan_(x))", i32: null },
  isinf: { f32: "select(0.0, 1.0, isinf_(x))", i32: null },
  isfinite: { f32: "select(0.0, 1.0, finite_(x))", i32: null },
} satisfies Record<UnaryOp, { f32: string; i32: string | null }>;

/** Binary ops of `a` and `b`. Comparisons give a bool (written as 0/1 float32); i32 + - * wrap
 *  like Math.imul; null: never reaches an int32 kernel (div and pow promote to float32). */
export const BINARY_WGSL = {
  add: { f32: "a + b", i32: "a + b" },
  sub: { f32: "a - b", i32: "a - b" },
  mul: { f32: "a * b", i32: "a * b" },
  div: { f32: "a / b", i32: null },
  pow: { f32: "pow_(a, b)", i32: null },
  // PyTorch's maximum/minimum propagate NaN from either side
  maximum: { f32: "select(select(b, a, a > b), nan_(), isnan_(a) || isnan_(b))", i32: "max(a, b)" },
  minimum: { f32: "select(select(b, a, a < b), nan_(), isnan_(a) || isnan_(b))", i32: "min(a, b)" },
  eq: { f32: "a == b", i32: "a == b" },
  ne: { f32: "!(a == b)", i32: "a != b" },
  gt: { f32: "a > b", i32: "a > b" },
  ge: { f32: "a >= b", i32: "a >= b" },
  lt: { f32: "a < b", i32: "a < b" },
  le: { f32: "a <= b", i32: "a <= b" },
  // WGSL's f32 % is a - b·trunc(a/b), inexact: fmod_ is exact, as C's fmod and JS's %
  remainder: { f32: "rem_(a, b)", i32: "irem_(a, b)" },
  fmod: { f32: "fmod_(a, b)", i32: "ifmod_(a, b)" },
  atan2: { f32: "atan2_(a, b)", i32: null },
  divFloor: { f32: "divfloor_(a, b)", i32: "idivfloor_(a, b)" },
  divTrunc: { f32: "trunc(a / b)", i32: "idivtrunc_(a, b)" },
} satisfies Record<BinaryOp, { f32: string; i32: string | null }>;

export const COMPARISONS: readonly BinaryOp[] = ["eq", "ne", "gt", "ge", "lt", "le"];

/** Helpers every kernel may call: the uniform block, NaN/inf constants and the float functions
 *  WGSL lacks or leaves undefined outside their domain. Unused functions cost nothing. */
export const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<uniform> P: array<vec4<i32>, ${PARAM_WORDS / 4}>;
fn prm(i: u32) -> i32 { return P[i >> 2u][i & 3u]; }
fn prmu(i: u32) -> u32 { return u32(P[i >> 2u][i & 3u]); }
fn prmf(i: u32) -> f32 { return bitcast<f32>(P[i >> 2u][i & 3u]); }
// NaN and inf as run-time values (a const-expression may not hold them)
fn nan_() -> f32 { var u = 0x7fc00000u; return bitcast<f32>(u); }
fn inf_() -> f32 { var u = 0x7f800000u; return bitcast<f32>(u); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn finite_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
// A subnormal x is scaled into the normal range first, exactly (by 2^64): lavapipe's log, log2 and
// frexp of one came out as if x were near the smallest normal (log(1.7e-40) = -88.0 for -91.6),
// which the fuzzer found through cumprod. Where a GPU flushes subnormals, x·2^64 is 0 (log -inf).
const MIN_NORMAL_ = 1.17549435e-38;
const TWO_64_ = 18446744073709551616.0;
struct Frexp_ { fract: f32, exp: i32 }
fn frexp_(x: f32) -> Frexp_ {
  if (x != 0.0 && abs(x) < MIN_NORMAL_) {
    let f = frexp(x * TWO_64_);
    return Frexp_(f.fract, f.exp - 64);
  }
  let f = frexp(x);
  return Frexp_(f.fract, f.exp);
}
fn logf(x: f32) -> f32 {
  if (x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (x < MIN_NORMAL_) { return log(x * TWO_64_) - 44.361419555836500; } // 64·ln 2
  return log(x);
}
fn log1p_(x: f32) -> f32 {
  // Goldberg: log(u)·x/(u-1) with u = 1 + x cancels the rounding of u
  if (x <= -1.0) { return select(nan_(), -inf_(), x == -1.0); }
  let u = 1.0 + x;
  if (u == 1.0 || isinf_(x)) { return x; }
  return log(u) * (x / (u - 1.0));
}
// |error| < 1.2e-7 (Numerical Recipes erfc), the js backend's formula
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let z = abs(x);
  if (z < 0.5) { // Taylor series: erf(0) is exactly 0
    let x2 = x * x;
    return x * 1.1283791670955126 * (1.0 + x2 * (-1.0 / 3.0 + x2 * (0.1 + x2 * (-1.0 / 42.0 + x2 * (1.0 / 216.0 + x2 * (-1.0 / 1320.0 + x2 / 9360.0))))));
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
// Math.pow's cases: WGSL's pow is exp2(b·log2(a)), undefined for a < 0
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  let m = abs(a);
  var r: f32;
  if (m == 0.0) { r = select(inf_(), 0.0, b > 0.0); }
  else if (isinf_(m)) { r = select(0.0, inf_(), b > 0.0); }
  else if (b == 0.5) { r = sqrt(m); }
  else if (b == -1.0) { r = 1.0 / m; }
  else { r = exp2(b * log2_(m)); }
  if (a < 0.0 || (a == 0.0 && (bitcast<u32>(a) >> 31u) == 1u)) {
    // a negative base (or -0): an odd integer exponent gives the negated power, a fraction NaN
    if (isinf_(b)) { return r; }
    if (floor(b) != b) { return select(nan_(), r, a == 0.0 || isinf_(a)); }
    if (abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1) { return -r; }
  }
  return r;
}
// sin (q0 = 0) and cos (q0 = 1): WGSL's are only specified on [-pi, pi], so reduce x by pi/2 to
// r in [-pi/4, pi/4] and a quadrant, and evaluate Cephes' float polynomials on r. The reduction is
// Cody-Waite's in three parts (exact products through fma) below 65536, where it is accurate, and
// Payne-Hanek's above (sincos_large_): in three parts it left |r| up to ~1e13 for x ~ 1e15, whose
// polynomials overflowed (cos gave inf).
// sin's sign from x's sign bit (so sin(-0) = -0)
fn sincos_(x: f32, q0: u32) -> f32 {
  let v = sincos_abs_(abs(x), q0);
  return select(v, -v, q0 == 0u && signbit_(x));
}
fn sincos_abs_(x: f32, q0: u32) -> f32 {
  if (!finite_(x)) { return nan_(); }
  if (x >= 65536.0) { return sincos_large_(x, q0); }
  let k = round(x * 0.636619772367581);
  var r = fma(-k, 1.5703125, x);
  r = fma(-k, 4.837512969970703125e-4, r);
  r = fma(-k, 7.54978995489188216e-8, r);
  return sincos_poly_(r, (u32(k - 4.0 * floor(k * 0.25)) + q0) & 3u);
}
// sin(r) for quadrant q = 0, cos(r) for 1, -sin(r) for 2, -cos(r) for 3 (|r| <= pi/4)
fn sincos_poly_(r: f32, q: u32) -> f32 {
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  if (q == 0u) { return s; }
  if (q == 1u) { return c; }
  if (q == 2u) { return -s; }
  return -c;
}
// a·b as (low word, high word): WGSL has no 64-bit integers, so four 16 x 16-bit products
fn mul32_(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>((ll & 0xffffu) | (mid << 16u), ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u));
}
// Payne-Hanek for finite x >= 65536: x = m·2^E (m the 24-bit significand), and x·2/pi mod 4 is
// m times the 64 bits of 2/pi from the place 2^(1-E) down (the bits above it give multiples of 4
// quadrants, those below it less than 2^-38 of one). t holds 2/pi's bits after 10 zero bits (8 so
// that E >= -7 starts inside it, then the 2^1 and 2^0 places), 192 in all: enough for E <= 104.
fn sincos_large_(x: f32, q0: u32) -> f32 {
  var t = array<u32, 6>(0x0028be60u, 0xdb939105u, 0x4a7f09d5u, 0xf47d4d37u, 0x7036d8a5u, 0x664f10e4u);
  let b = bitcast<u32>(x);
  let m = (b & 0x7fffffu) | 0x800000u;
  let i0 = (b >> 23u) - 142u; // E + 8 = (biased exponent - 127 - 23) + 8
  let w = i0 >> 5u;
  let sh = i0 & 31u;
  // a shift by 32 is taken mod 32 in WGSL: sh == 0 picks the words whole
  let hi = select((t[w] << sh) | (t[w + 1u] >> (32u - sh)), t[w], sh == 0u);
  let lo = select((t[w + 1u] << sh) | (t[w + 2u] >> (32u - sh)), t[w + 1u], sh == 0u);
  // m·(hi:lo) with its binary point 62 bits up: bits 62-63 are the quadrant, 0-61 the fraction
  let pl = mul32_(m, lo);
  let ph = mul32_(m, hi);
  let p1 = pl.y + ph.x; // its carry and ph.y count whole turns
  var q = p1 >> 30u;
  var f = f32(p1 & 0x3fffffffu) * 9.313225746154785e-10 + f32(pl.x) * 2.168404344971009e-19; // 2^-30, 2^-62
  if (f >= 0.5) {
    f = f - 1.0;
    q = q + 1u;
  }
  return sincos_poly_(f * 1.5707963267948966, (q + q0) & 3u);
}
// 2^x as 2^floor(x) (exact, ldexp) times 2^frac(x): WGSL's exp2 loses accuracy with |x|
fn exp2_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 128.0) { return inf_(); }
  if (x < -150.0) { return 0.0; }
  let k = floor(x);
  return ldexp(exp2(x - k), i32(k));
}
fn log2_(x: f32) -> f32 {
  if (x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (x < MIN_NORMAL_) { return log2(x * TWO_64_) - 64.0; } // as in logf
  return log2(x);
}
// e^x - 1: its Taylor series near 0, where exp(x) - 1 cancels
fn expm1_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0 +
      x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x / 362880.0))))))));
  }
  return exp(x) - 1.0;
}
// sinh and cosh: a series near 0 (no cancellation), e^(|x|-1)·e/2 for large |x| (no overflow of e^|x|)
fn sinh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a < 0.5) {
    let z = a * a;
    r = a + a * z * (1.0 / 6.0 + z * (1.0 / 120.0 + z * (1.0 / 5040.0 + z / 362880.0)));
  } else if (a > 80.0) {
    r = exp(a - 1.0) * 1.3591409142295225;
  } else {
    let e = exp(a);
    r = 0.5 * (e - 1.0 / e);
  }
  return select(r, -r, signbit_(x));
}
fn cosh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  if (a > 80.0) { return exp(a - 1.0) * 1.3591409142295225; }
  let e = exp(a);
  return 0.5 * (e + 1.0 / e);
}
// Cephes' tanhf: its polynomial for |x| < 0.625 (the builtin tanh of lavapipe loses tiny values:
// tanh(-1e-30) gave -3e-8), 1 - 2/(e^2|x| + 1) above, ±1 beyond 15
fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var r = 1.0;
  if (a < 0.625) {
    let z = a * a;
    r = ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1) * z * a + a;
  } else if (a <= 15.0) {
    r = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
  }
  return select(r, -r, signbit_(x));
}
// Cephes' atanf, asinf and acosf (WGSL's atan and atan2 may be off by 4096 ulp)
fn atan_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var y0 = 0.0;
  var t = a;
  if (a > 2.414213562373095) { y0 = 1.5707963267948966; t = -1.0 / a; }
  else if (a > 0.4142135623730950) { y0 = 0.7853981633974483; t = (a - 1.0) / (a + 1.0); }
  let z = t * t;
  let y = y0 + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * t + t);
  return select(y, -y, signbit_(x));
}
fn asin_(x: f32) -> f32 {
  let a = abs(x);
  if (isnan_(x) || a > 1.0) { return nan_(); }
  let big = a > 0.5;
  var z = a * a;
  var t = a;
  if (big) { z = 0.5 * (1.0 - a); t = sqrt(z); }
  var y = ((((4.2163199048e-2 * z + 2.4181311049e-2) * z + 4.5470025998e-2) * z + 7.4953002686e-2) * z + 1.6666752422e-1) * z * t + t;
  if (big) { y = 1.5707963267948966 - (y + y); }
  return select(y, -y, signbit_(x));
}
fn acos_(x: f32) -> f32 {
  if (isnan_(x) || abs(x) > 1.0) { return nan_(); }
  if (x < -0.5) { return 3.141592653589793 - 2.0 * asin_(sqrt(0.5 * (1.0 + x))); }
  if (x > 0.5) { return 2.0 * asin_(sqrt(0.5 * (1.0 - x))); }
  return 1.5707963267948966 - asin_(x);
}
fn signbit_(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
// Math.atan2(y, x): the angle in [0, pi/2] of (|x|, |y|), then the quadrant from the signs (-0 too)
fn atan2_(y: f32, x: f32) -> f32 {
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  let ax = abs(x);
  let ay = abs(y);
  var a: f32;
  if (isinf_(ax) && isinf_(ay)) { a = 0.7853981633974483; }
  else if (ay == 0.0) { a = 0.0; }
  else if (ax >= ay) { a = atan_(ay / ax); }
  else { a = 1.5707963267948966 - atan_(ax / ay); }
  if (signbit_(x)) { a = 3.141592653589793 - a; }
  return select(a, -a, signbit_(y));
}
// C's fmod, exactly: |a| reduced by |b|·2^k for k from the largest down; each step r - t is exact
// (t <= r < 2t) and at least halves r
fn fmod_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b) || isinf_(a) || b == 0.0) { return nan_(); }
  let m = abs(b);
  var r = abs(a);
  if (isinf_(b) || r < m) { return a; }
  let em = frexp_(m).exp;
  for (var i = 0; i < 300 && r >= m; i++) {
    var t = ldexp(m, frexp_(r).exp - em);
    if (t > r) { t = t * 0.5; }
    r = r - t;
  }
  return select(r, -r, signbit_(a));
}
// Python's % (torch.remainder): fmod moved onto b's side
fn rem_(a: f32, b: f32) -> f32 {
  let m = fmod_(a, b);
  return select(m, m + b, m != 0.0 && ((b < 0.0) != (m < 0.0)));
}
// int32: a zero divisor gives 0 (the kernel also flags it, see binaryKernel), and b = -1 gives 0
// without computing i32 min % -1
fn ifmod_(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  return a % b;
}
fn irem_(a: i32, b: i32) -> i32 {
  let m = ifmod_(a, b);
  return select(m, m + b, m != 0 && ((b < 0) != (m < 0)));
}
// div with rounding_mode 'trunc' and 'floor' (the C kernels' dl_divtrunc_i32, dl_divfloor_i32 and
// dl_divfloor_f): a zero divisor gives 0 (flagged), INT32_MIN / -1 wraps to INT32_MIN
fn idivtrunc_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  return a / b;
}
fn idivfloor_(a: i32, b: i32) -> i32 {
  let q = idivtrunc_(a, b);
  return select(q, q - 1, b != 0 && b != -1 && a % b != 0 && ((a < 0) != (b < 0)));
}
// PyTorch's div_floor_floating: the quotient of the exact a - fmod(a, b), moved down when the
// remainder's sign differs from b's (1 // 0.1 is 9); b = 0 gives a / b
fn divfloor_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return a / b; }
  let m = fmod_(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { d = d - 1.0; }
  if (d == 0.0) { return bitcast<f32>(bitcast<u32>(a / b) & 0x80000000u); } // 0 with the quotient's sign
  var fl = floor(d);
  if (d - fl > 0.5) { fl = fl + 1.0; }
  return fl;
}
// float -> int32 like Math.trunc then an Int32Array store: wraps modulo 2^32, NaN and ±inf give 0
fn f2i(x: f32) -> i32 {
  if (!finite_(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  var r = t - 4294967296.0 * floor(t / 4294967296.0);
  if (r >= 2147483648.0) { r = r - 4294967296.0; }
  return i32(r);
}
`;

/** The word offsets of an elementwise block: [n, nd, serial, shape[MAXD], then per view: offset, strides[MAXD]]. */
export const EW = { n: 0, nd: 1, serial: 2, shape: 3, view: (j: number) => 3 + MAXD + j * (MAXD + 1) };
/** The first free word after `views` views, for kernel-specific scalars. */
export const ewExtra = (views: number) => EW.view(views);

/** A logical view of a kernel: its accessor name, element type and the binding (1..k) of its buffer. */
export interface IoView {
  name: string;
  type: Scalar;
  binding: number;
}

/** Declarations of bindings 1..k (writable where `access[b - 1]` is "w") and each view's accessors. */
export function io(views: readonly IoView[], access: string): string {
  const lines: string[] = [];
  for (let b = 1; b <= access.length; b++) {
    lines.push(`@group(0) @binding(${b}) var<storage, ${access[b - 1] === "w" ? "read_write" : "read"}> B${b}: array<u32>;`);
  }
  for (const v of views) {
    lines.push(`fn ${v.name}_ld(i: i32) -> ${v.type} { return bitcast<${v.type}>(B${v.binding}[i]); }`);
    if (access[v.binding - 1] === "w") lines.push(`fn ${v.name}_st(i: i32, x: ${v.type}) { B${v.binding}[i] = bitcast<u32>(x); }`);
  }
  return lines.join("\n");
}

/**
 * An elementwise kernel over views v0 (the output), v1, ...: each thread walks a grid-stride loop
 * of element indices, turns each index into coordinates of the merged shape and one offset per
 * view, then runs `body` with o0, o1, ... in scope. serial = 1: thread 0 alone visits every
 * element in order (an accumulating copy whose output overlaps itself).
 */
export function elementwise(nViews: number, body: string, decls: string): string {
  const init = Array.from({ length: nViews }, (_, j) => `var o${j} = prm(${EW.view(j)}u);`).join(" ");
  const step = Array.from({ length: nViews }, (_, j) => `o${j} += c * prm(${EW.view(j) + 1}u + d);`).join(" ");
  return /* wgsl */ `${PRELUDE}
${decls}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prmu(${EW.n}u);
  let nd = prmu(${EW.nd}u);
  var i = gid.x + gid.y * nw.x * ${WG}u;
  var stride = nw.x * nw.y * ${WG}u;
  if (prm(${EW.serial}u) != 0) {
    if (i != 0u) { return; }
    stride = 1u;
  }
  for (; i < n; i += stride) {
    ${init}
    var rem = i;
    for (var d = nd; d > 0u; ) {
      d -= 1u;
      let s = prmu(${EW.shape}u + d);
      let c = i32(rem % s);
      rem = rem / s;
      ${step}
    }
    ${body}
  }
}`;
}

/** Each kernel below returns its WGSL given `decls`, the io() of its views (names fixed per kernel). */
export function unaryKernel(op: UnaryOp, t: Scalar, decls: string): string {
  const expr = UNARY_WGSL[op][t];
  if (expr === null) throw new Error(`webgpu: unary ${op} has no int32 kernel (the op casts to float32 first)`);
  return elementwise(2, `let x = v1_ld(o1); v0_st(o0, ${expr});`, decls);
}

export function binaryKernel(op: BinaryOp, t: Scalar, decls: string): string {
  const expr = BINARY_WGSL[op][t];
  if (expr === null) throw new Error(`webgpu: binary ${op} has no int32 kernel (the op promotes to float32 first)`);
  const cmp = COMPARISONS.includes(op);
  const body = `let a = v1_ld(o1); let b = v2_ld(o2); v0_st(o0, ${cmp ? `select(0.0, 1.0, ${expr})` : expr});`;
  const code = t === "i32" ? ERR_DIVIDE[op as keyof typeof ERR_DIVIDE] : undefined;
  if (code === undefined) return elementwise(3, body, decls);
  // integer division by zero: what the op checks on the host, flagged here for the next readback
  return elementwise(3, `${body} if (b == 0) { atomicMax(&err[0], ${code}); }`, `${decls}\n${ERR_DECL}`);
}

/** The error codes of int32 division by zero, for the error words (index.ts names them). */
export const ERR_DIVIDE = { remainder: 2, fmod: 3, divFloor: 4, divTrunc: 5 } as const;

export function castKernel(to: Scalar, from: Scalar, decls: string): string {
  const conv = to === from ? "x" : to === "i32" ? "f2i(x)" : "f32(x)";
  return elementwise(2, `let x = v1_ld(o1); v0_st(o0, ${conv});`, decls);
}

export function whereKernel(cond: Scalar, decls: string): string {
  const test = cond === "f32" ? "!(v1_ld(o1) == 0.0)" : "v1_ld(o1) != 0";
  return elementwise(4, `v0_st(o0, select(v3_ld(o3), v2_ld(o2), ${test}));`, decls);
}

export function copyKernel(accumulate: boolean, decls: string): string {
  return elementwise(2, accumulate ? "v0_st(o0, v0_ld(o0) + v1_ld(o1));" : "v0_st(o0, v1_ld(o1));", decls);
}

/** fill: the value's bits in the word after the one view. */
export function fillKernel(t: Scalar, decls: string): string {
  const v = t === "f32" ? `prmf(${ewExtra(1)}u)` : `prm(${ewExtra(1)}u)`;
  return elementwise(1, `v0_st(o0, ${v});`, decls);
}

/** The error words written by kernels that find a bad index on the device (see index.ts). */
export const ERR_BINDING = 15;
const ERR_DECL = `@group(0) @binding(${ERR_BINDING}) var<storage, read_write> err: array<atomic<i32>, 4>;`;

/**
 * gather: views v0 = out, v1 = index (out's shape), v2 = a (a's strides with 0 along dim). The
 * words after the views: a's stride along dim, a's size along dim, the op code for errors.
 */
export function gatherKernel(decls: string): string {
  const x = ewExtra(3);
  return elementwise(3, `
    let k = v1_ld(o1);
    if (k < 0 || k >= prm(${x + 1}u)) {
      atomicMax(&err[0], prm(${x + 2}u)); atomicStore(&err[1], k); atomicStore(&err[2], prm(${x + 1}u));
    } else { v0_st(o0, v2_ld(o2 + k * prm(${x}u))); }`, `${decls}\n${ERR_DECL}`);
}

/** scatterAdd words: [nOut, nd, dim, outOffset, idxOffset, srcOffset, outShape[MAXD], idxShape[MAXD], idxStrides[MAXD], srcStrides[MAXD]]. */
export const SC = { nOut: 0, nd: 1, dim: 2, oOff: 3, iOff: 4, sOff: 5, oShape: 6, iShape: 6 + MAXD, iStr: 6 + 2 * MAXD, sStr: 6 + 3 * MAXD };

/**
 * scatterAdd without atomics: one thread per output element sums, in index order, the src
 * elements whose index points at it (the order and float32 rounding of the js reference).
 */
export function scatterAddKernel(decls: string): string {
  return /* wgsl */ `${PRELUDE}
${decls}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = prmu(${SC.nOut}u);
  let nd = prmu(${SC.nd}u);
  let dim = prmu(${SC.dim}u);
  for (var i = gid.x + gid.y * nw.x * ${WG}u; i < n; i += nw.x * nw.y * ${WG}u) {
    var rem = i;
    var io = prm(${SC.iOff}u);
    var so = prm(${SC.sOff}u);
    var j = 0;
    var inside = true;
    for (var d = nd; d > 0u; ) {
      d -= 1u;
      let c = i32(rem % prmu(${SC.oShape}u + d));
      rem = rem / prmu(${SC.oShape}u + d);
      if (d == dim) { j = c; continue; }
      if (c >= prm(${SC.iShape}u + d)) { inside = false; }
      io += c * prm(${SC.iStr}u + d);
      so += c * prm(${SC.sStr}u + d);
    }
    if (!inside) { continue; }
    let o = prm(${SC.oOff}u) + i32(i);
    var acc = out_ld(o);
    let len = prm(${SC.iShape}u + dim);
    let si = prm(${SC.iStr}u + dim);
    let ss = prm(${SC.sStr}u + dim);
    for (var k = 0; k < len; k++) {
      if (idx_ld(io + k * si) == j) { acc = acc + src_ld(so + k * ss); }
    }
    out_st(o, acc);
  }
}`;
}

/** reduce words: [nOut, R, ndK, ndR, aOffset, outOffset, keptShape, keptStrides, redShape, redStrides]. */
export const RD = { nOut: 0, R: 1, ndK: 2, ndR: 3, aOff: 4, oOff: 5, kShape: 6, kStr: 6 + MAXD, rShape: 6 + 2 * MAXD, rStr: 6 + 3 * MAXD };
export const RWG = 64;

/**
 * Reductions. wide = true: one workgroup per output element, its threads stride over the reduced
 * elements and combine in shared memory; wide = false: one thread per output element, a serial
 * loop (short reductions). arg ops carry (value, position) pairs, position = index along the one
 * reduced axis; ties go to the lower position and NaN is the extreme (the first NaN wins).
 */
export function reduceKernel(op: "sum" | "max" | "min" | "argmax" | "argmin", t: Scalar, wide: boolean, decls: string): string {
  const arg = op === "argmax" || op === "argmin";
  const isMax = op === "max" || op === "argmax";
  const init = op === "sum" ? (t === "f32" ? "0.0" : "0")
    : t === "f32" ? (isMax ? "-inf_()" : "inf_()") : isMax ? "-2147483647 - 1" : "2147483647";
  const nanOf = (v: string) => (t === "f32" ? `isnan_(${v})` : "false");
  const better = (a: string, b: string) => `(${a} ${isMax ? ">" : "<"} ${b})`;
  // combine (v, p) into the accumulator (acc, pos); pairs come in no particular order
  const combine = op === "sum" ? "acc = acc + v;"
    : !arg ? `if (${nanOf("acc")}) {} else if (${nanOf("v")} || ${better("v", "acc")}) { acc = v; }`
    : `{ let an = ${nanOf("acc")}; let vn = ${nanOf("v")};
         if ((vn && (!an || p < pos)) || (!an && !vn && (${better("v", "acc")} || (v == acc && p < pos)))) { acc = v; pos = p; } }`;
  const result = arg ? "pos" : "acc";
  const loadLoop = (start: string, step: string) => /* wgsl */ `
    var acc: ${t} = ${init};
    var pos: i32 = 2147483647;
    for (var r = ${start}; r < R; r += ${step}) {
      var rem = r;
      var off = base;
      for (var d = ndR; d > 0u; ) {
        d -= 1u;
        let s = prmu(${RD.rShape}u + d);
        off += i32(rem % s) * prm(${RD.rStr}u + d);
        rem = rem / s;
      }
      let v = a_ld(off);
      let p = i32(r);
      ${combine}
    }`;
  const baseOf = /* wgsl */ `
    var rem = o;
    var base = prm(${RD.aOff}u);
    for (var d = ndK; d > 0u; ) {
      d -= 1u;
      let s = prmu(${RD.kShape}u + d);
      base += i32(rem % s) * prm(${RD.kStr}u + d);
      rem = rem / s;
    }`;
  const head = /* wgsl */ `${PRELUDE}
${decls}`;
  const params = `let nOut = prmu(${RD.nOut}u); let R = prmu(${RD.R}u); let ndK = prmu(${RD.ndK}u); let ndR = prmu(${RD.ndR}u);`;
  if (!wide) {
    return /* wgsl */ `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  ${params}
  for (var o = gid.x + gid.y * nw.x * ${WG}u; o < nOut; o += nw.x * nw.y * ${WG}u) {
    ${baseOf}
    ${loadLoop("0u", "1u")}
    out_st(prm(${RD.oOff}u) + i32(o), ${result});
  }
}`;
  }
  // shared-memory tree: combine the partner's pair into this thread's
  const treeCombine = op === "sum" ? "acc = acc + v;" : combine;
  return /* wgsl */ `${head}
var<workgroup> sv: array<${t}, ${RWG}>;
var<workgroup> sp: array<i32, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nw: vec3<u32>) {
  ${params}
  for (var o = wid.x + wid.y * nw.x; o < nOut; o += nw.x * nw.y) {
    ${baseOf}
    ${loadLoop("lid", `${RWG}u`)}
    sv[lid] = acc;
    sp[lid] = pos;
    for (var h = ${RWG / 2}u; h > 0u; h = h >> 1u) {
      workgroupBarrier();
      if (lid < h) {
        let v = sv[lid + h];
        let p = sp[lid + h];
        ${treeCombine}
        sv[lid] = acc;
        sp[lid] = pos;
      }
    }
    workgroupBarrier();
    if (lid == 0u) { out_st(prm(${RD.oOff}u) + i32(o), ${arg ? "sp[0]" : "sv[0]"}); }
    workgroupBarrier();
  }
}`;
}

/** matmul words: [M, N, K, nBatch, ndB, aOff, bOff, outOff, sam, sak, sbk, sbn, hasBias, biasOff, biasStride,
 *  batchShape[MAXD], aBatchStrides[MAXD], bBatchStrides[MAXD]]. */
export const MM = {
  M: 0, N: 1, K: 2, nBatch: 3, ndB: 4, aOff: 5, bOff: 6, oOff: 7, sam: 8, sak: 9, sbk: 10, sbn: 11,
  bias: 12, biasOff: 13, biasStr: 14, bShape: 15, aBStr: 15 + MAXD, bBStr: 15 + 2 * MAXD,
};
export const TILE = 64, TK = 16;

/** Both matmul kernels' entry: the sizes and strides, this workgroup's output tile (tile × tile at
 *  row0, col0; threads tx, ty of 16×16), and the loop over the products of the batch with each
 *  product's offsets into a (ao) and b (bo). The body follows; the caller closes the loop. */
function mmHead(tile: number): string {
  return /* wgsl */ `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let M = prm(${MM.M}u); let N = prm(${MM.N}u); let K = prm(${MM.K}u);
  let nBatch = prmu(${MM.nBatch}u); let ndB = prmu(${MM.ndB}u);
  let sam = prm(${MM.sam}u); let sak = prm(${MM.sak}u); let sbk = prm(${MM.sbk}u); let sbn = prm(${MM.sbn}u);
  let row0 = i32(wid.y) * ${tile}; let col0 = i32(wid.x) * ${tile};
  let tx = i32(lid.x); let ty = i32(lid.y);
  let flat = ty * 16 + tx;
  for (var bi = wid.z; bi < nBatch; bi += nw.z) {
    var ao = prm(${MM.aOff}u); var bo = prm(${MM.bOff}u);
    var rem = bi;
    for (var d = ndB; d > 0u; ) {
      d -= 1u;
      let s = prmu(${MM.bShape}u + d);
      let c = i32(rem % s);
      rem = rem / s;
      ao += c * prm(${MM.aBStr}u + d);
      bo += c * prm(${MM.bBStr}u + d);
    }`;
}

/**
 * Tiled matmul: a workgroup of 16×16 threads computes a 64×64 tile of one product, each thread a
 * 4×4 block, through 64×16 and 16×64 tiles of a and b staged in shared memory (loaded through
 * the strides, zero outside). The bias is added in the store (nn.Linear without a second pass).
 */
export function matmulKernel(decls: string): string {
  return /* wgsl */ `${PRELUDE}
${decls}
var<workgroup> As: array<array<f32, ${TILE}>, ${TK}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${TK}>;
@compute @workgroup_size(16, 16)
${mmHead(TILE)}
    var acc: array<array<f32, 4>, 4>;
    for (var i = 0; i < 4; i++) { for (var j = 0; j < 4; j++) { acc[i][j] = 0.0; } }
    for (var k0 = 0; k0 < K; k0 += ${TK}) {
      // 1024 elements of each tile, 4 per thread
      for (var e = 0; e < 4; e++) {
        let q = flat + e * 256;
        let ar = q / ${TK}; let ak = q % ${TK};
        let gr = row0 + ar; let gk = k0 + ak;
        var av = 0.0;
        if (gr < M && gk < K) { av = a_ld(ao + gr * sam + gk * sak); }
        As[ak][ar] = av;
        let bk = q / ${TILE}; let bc = q % ${TILE};
        let gk2 = k0 + bk; let gc = col0 + bc;
        var bv = 0.0;
        if (gk2 < K && gc < N) { bv = b_ld(bo + gk2 * sbk + gc * sbn); }
        Bs[bk][bc] = bv;
      }
      workgroupBarrier();
      for (var k = 0; k < ${TK}; k++) {
        var ar: array<f32, 4>; var br: array<f32, 4>;
        for (var i = 0; i < 4; i++) { ar[i] = As[k][ty + 16 * i]; br[i] = Bs[k][tx + 16 * i]; }
        for (var i = 0; i < 4; i++) { for (var j = 0; j < 4; j++) { acc[i][j] = fma(ar[i], br[j], acc[i][j]); } }
      }
      workgroupBarrier();
    }
    let hasBias = prm(${MM.bias}u) != 0;
    let oo = prm(${MM.oOff}u) + i32(bi) * M * N;
    for (var i = 0; i < 4; i++) {
      let r = row0 + ty + 16 * i;
      if (r >= M) { continue; }
      for (var j = 0; j < 4; j++) {
        let c = col0 + tx + 16 * j;
        if (c >= N) { continue; }
        var v = acc[i][j];
        if (hasBias) { v = v + bias_ld(prm(${MM.biasOff}u) + c * prm(${MM.biasStr}u)); }
        out_st(oo + r * N + c, v);
      }
    }
  }
}`;
}

/** The big-tile matmul's shape: BK k-steps per shared tile; pad: rows of 33 vec4 instead of 32. */
export interface BigMatmul { bk: number; pad: boolean }
/** Workgroup memory the big-tile matmul needs (both tiles). */
export const bigMatmulBytes = (c: BigMatmul): number => 2 * c.bk * (c.pad ? 33 : 32) * 16;

/**
 * Big-tile matmul, for products with enough 128×128 output tiles to fill the GPU: 16×16 threads
 * compute a 128×128 tile, each thread an 8×8 block (rows ty·4.., 64+ty·4..; columns tx·4..,
 * 64+tx·4..) in 16 vec4 accumulators, so each k step costs 4 vec4 reads of workgroup memory for
 * 64 FMAs (the 64×64 kernel: 8 scalar reads for 16). The tiles are stored k-major as vec4 rows of
 * the output's dimension; a warp's reads then hit 2 addresses of a (broadcast) and 16 consecutive
 * vec4 of b. Loads walk the operand's contiguous dimension across threads (coalesced), whichever
 * it is (a·b, aᵀ·b, a·bᵀ all occur in backward); padding the rows to 33 vec4 spreads the stores of
 * a k-contiguous load over the banks. The next tile's loads are issued before the current tile's
 * FMAs (held in registers) so their latency hides behind the arithmetic.
 */
export function matmulBigKernel(cfg: BigMatmul): (decls: string) => string {
  const { bk } = cfg;
  const rs = cfg.pad ? 33 : 32;
  const per = (bk * 128) / 256; // elements of each tile one thread loads
  const fmas: string[] = [];
  for (let r = 0; r < 8; r++) {
    const a = `${r < 4 ? "a0" : "a1"}.${"xyzw"[r % 4]}`;
    fmas.push(`acc[${2 * r}] = fma(vec4<f32>(${a}), b0, acc[${2 * r}]); acc[${2 * r + 1}] = fma(vec4<f32>(${a}), b1, acc[${2 * r + 1}]);`);
  }
  // (m, k) of a's element e for this thread, and (k, n) of b's, with the contiguous index fastest
  const coordsA = `var m = q / ${bk}; var kk = q % ${bk}; if (!aKFast) { m = q % 128; kk = q / 128; }`;
  const coordsB = `var n = q % 128; var kk = q / 128; if (!bNFast) { n = q / ${bk}; kk = q % ${bk}; }`;
  return (decls) => /* wgsl */ `${PRELUDE}
${decls}
var<workgroup> As: array<vec4<f32>, ${bk * rs}>;
var<workgroup> Bs: array<vec4<f32>, ${bk * rs}>;
@compute @workgroup_size(16, 16)
${mmHead(128)}
    let aKFast = sak == 1 && sam != 1;
    let bNFast = !(sbk == 1 && sbn != 1);
    var acc: array<vec4<f32>, 16>;
    for (var i = 0; i < 16; i++) { acc[i] = vec4<f32>(0.0); }
    var ra: array<f32, ${per}>; var rb: array<f32, ${per}>;
    for (var e = 0; e < ${per}; e++) {
      let q = flat + e * 256;
      { ${coordsA} let gr = row0 + m; let gk = kk; ra[e] = 0.0; if (gr < M && gk < K) { ra[e] = a_ld(ao + gr * sam + gk * sak); } }
      { ${coordsB} let gc = col0 + n; let gk = kk; rb[e] = 0.0; if (gk < K && gc < N) { rb[e] = b_ld(bo + gk * sbk + gc * sbn); } }
    }
    for (var k0 = 0; k0 < K; k0 += ${bk}) {
      for (var e = 0; e < ${per}; e++) {
        let q = flat + e * 256;
        { ${coordsA} As[kk * ${rs} + (m >> 2u)][m & 3] = ra[e]; }
        { ${coordsB} Bs[kk * ${rs} + (n >> 2u)][n & 3] = rb[e]; }
      }
      workgroupBarrier();
      let k1 = k0 + ${bk};
      if (k1 < K) {
        for (var e = 0; e < ${per}; e++) {
          let q = flat + e * 256;
          { ${coordsA} let gr = row0 + m; let gk = k1 + kk; ra[e] = 0.0; if (gr < M && gk < K) { ra[e] = a_ld(ao + gr * sam + gk * sak); } }
          { ${coordsB} let gc = col0 + n; let gk = k1 + kk; rb[e] = 0.0; if (gk < K && gc < N) { rb[e] = b_ld(bo + gk * sbk + gc * sbn); } }
        }
      }
      for (var k = 0; k < ${bk}; k++) {
        let a0 = As[k * ${rs} + ty]; let a1 = As[k * ${rs} + 16 + ty];
        let b0 = Bs[k * ${rs} + tx]; let b1 = Bs[k * ${rs} + 16 + tx];
        ${fmas.join("\n        ")}
      }
      workgroupBarrier();
    }
    let hasBias = prm(${MM.bias}u) != 0;
    let oo = prm(${MM.oOff}u) + i32(bi) * M * N;
    for (var r = 0; r < 8; r++) {
      let gr = row0 + select(64 + ty * 4 + r - 4, ty * 4 + r, r < 4);
      if (gr >= M) { continue; }
      for (var h = 0; h < 2; h++) {
        let v4 = acc[2 * r + h];
        for (var j = 0; j < 4; j++) {
          let gc = col0 + h * 64 + tx * 4 + j;
          if (gc >= N) { continue; }
          var v = v4[j];
          if (hasBias) { v = v + bias_ld(prm(${MM.biasOff}u) + gc * prm(${MM.biasStr}u)); }
          out_st(oo + gr * N + gc, v);
        }
      }
    }
  }
}`;
}
