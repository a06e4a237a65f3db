/* Double-precision exp and log written so that GCC vectorises loops that call them.
 *
 * The js backend computes float32 ops in double (Math.exp etc.) and rounds on store; doing the
 * same here, with a ~1 ulp double result, gives the same float32 as JS except when the exact
 * value lies within ~1e-16 (relative) of a float32 rounding boundary. */
#ifndef DL_VMATH_H
#define DL_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

static inline double dl_bits_to_d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static inline uint64_t dl_d_to_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* exp(x) for x in double; results for |x| beyond the float32 range are clamped (the callers
 * round to float32, where exp(-110) is 0 and exp(100) is +Inf). NaN propagates. */
static inline double dl_exp_d(double x) {
  x = x > 100.0 ? 100.0 : x;
  x = x < -110.0 ? -110.0 : x;
  double kd = fma(x, 0x1.71547652b82fep0, 0x1.8p52); /* round(x / ln2) in the low mantissa bits */
  const uint64_t ki = dl_d_to_bits(kd);
  kd -= 0x1.8p52;
  double r = fma(kd, -0x1.62e42fee00000p-1, x); /* x - k*ln2, ln2 in two parts */
  r = fma(kd, -0x1.a39ef35793c76p-33, r);
  /* Taylor series to r^12: |r| <= 0.347, truncation error < 2e-16 */
  double p = 1.0 / 479001600.0;
  p = fma(p, r, 1.0 / 39916800.0);
  p = fma(p, r, 1.0 / 3628800.0);
  p = fma(p, r, 1.0 / 362880.0);
  p = fma(p, r, 1.0 / 40320.0);
  p = fma(p, r, 1.0 / 5040.0);
  p = fma(p, r, 1.0 / 720.0);
  p = fma(p, r, 1.0 / 120.0);
  p = fma(p, r, 1.0 / 24.0);
  p = fma(p, r, 1.0 / 6.0);
  p = fma(p, r, 0.5);
  p = fma(p, r, 1.0);
  p = fma(p, r, 1.0);
  return p * dl_bits_to_d((ki + 1023) << 52); /* 2^k: k in [-159, 145], a normal double */
}

/* log(x) for x in double (fdlibm's reduction and polynomial, branch-free). */
static inline double dl_log_d(double x) {
  const uint64_t bits = dl_d_to_bits(x);
  /* x = m * 2^e with m in [sqrt(2)/2, sqrt(2)) */
  const uint64_t hx = bits >> 32;
  const uint64_t i = ((hx & 0x000fffff) + 0x95f64) & 0x100000; /* 0x100000 when mantissa >= sqrt2 */
  const int64_t e = (int64_t)(hx >> 20) - 1023 + (int64_t)(i >> 20);
  const double m = dl_bits_to_d((bits & 0x000fffffffffffffULL) | ((uint64_t)(i ^ 0x3ff00000) << 32));
  const double f = m - 1.0;
  const double hfsq = 0.5 * f * f;
  const double s = f / (2.0 + f);
  const double z = s * s, w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double R = t2 + t1;
  const double dk = (double)e;
  double y = dk * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + R) + dk * 1.90821492927058770002e-10)) - f);
  /* special cases (x is never a double subnormal here: it comes from a float32) */
  y = x == 0.0 ? -INFINITY : y;
  y = x < 0.0 ? NAN : y;
  y = x == INFINITY ? x : y;
  y = x != x ? x : y;
  return y;
}

/* The js backend's erf (Numerical Recipes erfc, |error| < 1.2e-7), operation for operation. */
static inline double dl_erf_d(double x) {
  const double z = fabs(x);
  if (z < 0.5) { /* Taylor series: erf(0) is exactly 0 (the erfc form leaves -3e-8 there) */
    const double x2 = x * x;
    return x * 1.1283791670955126 *
           (1 + x2 * (-1.0 / 3 + x2 * (1.0 / 10 + x2 * (-1.0 / 42 + x2 * (1.0 / 216 + x2 * (-1.0 / 1320 + x2 / 9360))))));
  }
  const double t = 1.0 / (1.0 + 0.5 * z);
  const double r = t * dl_exp_d(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  double y = x >= 0.0 ? 1.0 - r : r - 1.0;
  return x != x ? x : y;
}

/* sigmoid as the js backend computes it: two branches so that exp never overflows */
static inline double dl_sigmoid_d(double x) {
  const double e = dl_exp_d(-fabs(x));
  return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* expm1(x) = e^x - 1 without cancellation near 0: same reduction as dl_exp_d,
 * e^x - 1 = 2^k * (q + 1) - 1 = 2^k * q + (2^k - 1) with q = e^r - 1 from its series. */
static inline double dl_expm1_d(double x) {
  x = x > 100.0 ? 100.0 : x;
  x = x < -110.0 ? -110.0 : x;
  double kd = fma(x, 0x1.71547652b82fep0, 0x1.8p52);
  const uint64_t ki = dl_d_to_bits(kd);
  kd -= 0x1.8p52;
  double r = fma(kd, -0x1.62e42fee00000p-1, x);
  r = fma(kd, -0x1.a39ef35793c76p-33, r);
  double p = 1.0 / 479001600.0;
  p = fma(p, r, 1.0 / 39916800.0);
  p = fma(p, r, 1.0 / 3628800.0);
  p = fma(p, r, 1.0 / 362880.0);
  p = fma(p, r, 1.0 / 40320.0);
  p = fma(p, r, 1.0 / 5040.0);
  p = fma(p, r, 1.0 / 720.0);
  p = fma(p, r, 1.0 / 120.0);
  p = fma(p, r, 1.0 / 24.0);
  p = fma(p, r, 1.0 / 6.0);
  p = fma(p, r, 0.5);
  const double q = fma(p * r, r, r); /* e^r - 1 = r + r^2 (1/2 + r/6 + ...) */
  const double s = dl_bits_to_d((ki + 1023) << 52); /* 2^k */
  return fma(s, q, s - 1.0);
}

/* tanh(x) = expm1(2|x|) / (expm1(2|x|) + 2) with the sign of x (keeps -0, NaN) */
static inline double dl_tanh_d(double x) {
  const double ax = fabs(x);
  const double e = dl_expm1_d(2.0 * (ax > 40.0 ? 40.0 : ax));
  const double t = e / (e + 2.0);
  const double y = copysign(t, x);
  return x != x ? x : y;
}

/* log1p(x) = log(u) - ((u - 1) - x) / u with u = 1 + x rounded: the second term puts back what
 * the rounding of u lost */
static inline double dl_log1p_d(double x) {
  const double u = 1.0 + x;
  const double c = (u - 1.0) - x;
  const double y = dl_log_d(u) - c / u;
  double r = u == 1.0 ? x : y;       /* |x| below half an ulp of 1 (and +-0) */
  r = u == 0.0 ? -INFINITY : r;      /* x = -1 */
  r = x == INFINITY ? x : r;
  r = (x < -1.0 || x != x) ? NAN : r;
  return r;
}

/* exp in float32 for x <= 88, written so that GCC vectorises the loops that call it (8 or 16
 * lanes; the double exp ran at ~4 ns per element). Cephes' expf (range reduction by ln2 in two
 * parts, degree-6 polynomial, ~1 ulp); the argument is clamped below at -87 so that 2^k stays a
 * normal float, and below -87 the result is 0 (so that inf * exp(-inf) is NaN as in js). NaN passes
 * through. Every argument whose result is kept is <= 0 (a softmax's x·scale − max, a
 * log-probability, GELU's −z²; attention computes the masked lanes past a row's kept entries and
 * drops them), so there is no clamp at 88 (above it 2^k is garbage): GCC compiled the two clamps
 * into compares and blends on the critical path, and dropping the upper one made GELU 15-22 %
 * faster (AVX2, Zen 3; same bits). */
static inline float dl_exp_f(float x) {
  const float x0 = x;
  x = x < -87.0f ? -87.0f : x;
  float kd = fmaf(x, 1.44269504088896341f, 12582912.0f); /* 1.5 * 2^23 + round(x / ln2) */
  uint32_t kb;
  memcpy(&kb, &kd, 4);
  kd -= 12582912.0f;
  float r = fmaf(kd, -0.693359375f, x);
  r = fmaf(kd, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = fmaf(p, r, 1.3981999507e-3f);
  p = fmaf(p, r, 8.3334519073e-3f);
  p = fmaf(p, r, 4.1665795894e-2f);
  p = fmaf(p, r, 1.6666665459e-1f);
  p = fmaf(p, r, 5.0000001201e-1f);
  p = fmaf(p * r, r, r) + 1.0f;
  const uint32_t sb = (kb - 0x4B400000u + 127u) << 23; /* 2^k, k in [-126, 127] */
  float s;
  memcpy(&s, &sb, 4);
  return x0 < -87.0f ? 0.0f : p * s;
}

/* ---- row reductions ------------------------------------------------------------------------- */
/* Eight independent accumulators: a single running sum is a serial chain that the compiler may not
 * reorder (no fast-math), so it would also keep the loop that feeds it from vectorising. */

static inline double dl_sum_f(const float* a, int64_t n) {
  double acc[8] = { 0 };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += a[i + k];
  for (; i < n; i++) acc[0] += a[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static inline double dl_dot_f(const float* a, const float* b, int64_t n) {
  double acc[8] = { 0 };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * b[i + k];
  for (; i < n; i++) acc[0] += (double)a[i] * b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* a[0] + ... + a[15] added pairwise: lane l with l + 8, then + 4, + 2, + 1. That is the order of
 * _mm512_reduce_add_ps (one tree of shuffles), so the AVX-512 build gives the same bits; a scalar
 * chain of 15 dependent adds per row had been a fifth of attention's forward. */
static inline float dl_hsum16(const float* a) {
#if defined(__AVX512F__)
  return _mm512_reduce_add_ps(_mm512_loadu_ps(a));
#else
  float t[16];
  memcpy(t, a, sizeof t);
  for (int h = 8; h > 0; h /= 2)
    for (int l = 0; l < h; l++) t[l] += t[l + h];
  return t[0];
#endif
}

/* 16 float lanes held as DL_V16 vectors of DL_VW floats each (lane l in vector l / DL_VW): one zmm
 * with AVX-512, one 64-byte vector for wasm (clang splits it into four v128 well), two ymm with AVX,
 * four xmm otherwise. GCC and clang keep arrays of these in registers where the same sums over
 * float[16] arrays went through the stack (or, GCC, vectorised the loop around a 16-lane one across
 * its iterations: layerNorm's sums 1.6x slower). Not one 64-byte vector below AVX-512: GCC keeps a
 * vector wider than its registers in memory, so on the AVX2 build every += on one went through the
 * stack (on a Zen 3, 2 threads: layerNorm [2048, 128] 378 us, its backward 307). The loops over the
 * DL_V16 vectors have constant bounds, so they unroll completely. */
#if defined(__AVX512F__) || defined(__wasm__)
#define DL_VW 16
#elif defined(__AVX__)
#define DL_VW 8
#else
#define DL_VW 4
#endif
#define DL_V16 (16 / DL_VW)
typedef float vf __attribute__((vector_size(DL_VW * sizeof(float))));
/* (macros, not functions: a vector wider than the target's registers passed by value draws GCC's
 * ABI note) */
#define ldv(p) __extension__({ vf v_; memcpy(&v_, (p), sizeof v_); v_; })
#define stv(p, v) __extension__({ const vf v_ = (v); memcpy((p), &v_, sizeof v_); })
/* the sum of the 16 lanes in a[0..DL_V16), in dl_hsum16's order */
static inline float hsum16v(const vf* a) {
  float t[16];
  memcpy(t, a, sizeof t);
  return dl_hsum16(t);
}

/* Σ a[0..n) in float32: 16 independent partial sums (lane p % 16), so the loop vectorises (one
 * running sum is a chain of dependent adds: 10x slower), then dl_hsum16 */
static inline float dl_sum16_f(const float* a, int64_t n) {
  float acc[16] = { 0 };
  int64_t p = 0;
  for (; p + 16 <= n; p += 16)
    for (int l = 0; l < 16; l++) acc[l] += a[p + l];
  for (; p < n; p++) acc[p & 15] += a[p];
  return dl_hsum16(acc);
}

/* max of a[0..n). A NaN is not looked for: the softmaxes that use this put it through exp and
 * their sum, so it reaches every entry anyway (and the NaN test kept the loop from vectorising). */
static inline float dl_max_f(const float* a, int64_t n) {
  int64_t i = 0;
#if defined(__AVX__)
  /* GCC leaves the select loop below scalar (a vmaxss per element, AVX2 and AVX-512 builds alike).
     vmaxps gives its second operand where either is NaN or both are zeros: acc[k] then, as the
     select does, so the lanes hold the same values */
  float acc[8];
  __m256 v = _mm256_set1_ps(-INFINITY);
  for (; i + 8 <= n; i += 8) v = _mm256_max_ps(_mm256_loadu_ps(a + i), v);
  _mm256_storeu_ps(acc, v);
#else
  float acc[8] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY };
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] = a[i + k] > acc[k] ? a[i + k] : acc[k];
#endif
  for (; i < n; i++) acc[0] = a[i] > acc[0] ? a[i] : acc[0];
  float m = acc[0];
  for (int k = 1; k < 8; k++) m = acc[k] > m ? acc[k] : m;
  return m;
}

/* o[0..n) = softmax of scale·x over its first `kept` entries, 0 past them (o may be x; scale > 0,
 * so max(scale·x) = scale·max(x)). The exp loop writes o first: every loop vectorises. */
static inline void dl_softmax_row_f(float* o, const float* x, int64_t kept, int64_t n, float scale) {
  const float mf = dl_max_f(x, kept) * scale;
  for (int64_t i = 0; i < kept; i++) o[i] = dl_exp_f(x[i] * scale - mf);
  const float inv = (float)(1.0 / dl_sum_f(o, kept));
  for (int64_t i = 0; i < kept; i++) o[i] *= inv;
  for (int64_t i = kept; i < n; i++) o[i] = 0.0f;
}

#endif
