/* math.h for the wasm build: wasi-libc's (musl's libm), except fma and fmaf.
 *
 * WebAssembly has no fused multiply-add instruction (relaxed SIMD's is not deterministic and not
 * in Node 20), so fma() would be musl's software emulation, ~100 integer instructions a call, and
 * a call in a loop also stops the loop from vectorising. The kernels use fma only to evaluate
 * polynomials and to reduce arguments by k·ln2 with ln2 split so that k·ln2_hi is exact; there an
 * unfused multiply-add costs at most an ulp of double (or float, for fmaf) before the result is
 * rounded. If a kernel ever needs the single rounding of a true fma, it must not use these. */
#ifndef DL_WASM_MATH_H
#define DL_WASM_MATH_H
#include_next <math.h>

static inline double dl_wasm_muladd(double a, double b, double c) { return a * b + c; }
static inline float dl_wasm_muladdf(float a, float b, float c) { return a * b + c; }
#define fma(a, b, c) dl_wasm_muladd((a), (b), (c))
#define fmaf(a, b, c) dl_wasm_muladdf((a), (b), (c))
#endif
