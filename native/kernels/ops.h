/* The primitive ops of the C kernels: one X-macro list of arms per family, keyed by the names of
 * src/prims.ts (copied into ../gen/ops_list.h by scripts/gen-ops.mjs before every build).
 *
 * The TS lists give the tags, in TS order (UN_exp is UNARY_OPS.indexOf("exp")), and the names that
 * binding.c's init() compares at load; the arm lists below give the switch arms of both dtypes
 * (elementwise.c, reduce.c). A TS name without an arm does not compile (the _Static_asserts name
 * dl_arm_<family>_<name>, which only an arm declares), nor does an arm without a TS name (its
 * case label names a tag that does not exist, and the counts differ).
 *
 * The arms are expressions of x (and y) that follow src/backend/js.ts exactly: float32 ops that
 * JS computes in double (exp, pow, ...) are computed in double and rounded once; int32 results
 * wrap like a store into an Int32Array (ops exact in integers directly, the rest as f(double),
 * then ToInt32). */
#ifndef DL_OPS_H
#define DL_OPS_H

#include "../gen/ops_list.h"

#define DL_TAG_NAME(name) #name,

/* ---- unary: name, grain (log2 of the elements worth a thread; 18 marks the cheap ops, which
 * also walk strided views directly), float32 arm, int32 arm ------------------------------------ */
#define DL_UNARY_ARMS(X)                                                                         \
  X(copy, 18, x, x)                                                                              \
  X(neg, 18, -x, (int32_t)(0u - (uint32_t)x))                                                    \
  X(exp, 15, (float)dl_exp_d((double)x), dl_toint32(exp((double)x)))                             \
  X(log, 15, (float)dl_log_d((double)x), dl_toint32(log((double)x)))                             \
  X(sqrt, 18, sqrtf(x), dl_toint32(sqrt((double)x)))                                             \
  X(rsqrt, 15, (float)(1.0 / sqrt((double)x)), dl_toint32(1.0 / sqrt((double)x)))                \
  X(abs, 18, fabsf(x), x < 0 ? (int32_t)(0u - (uint32_t)x) : x)                                  \
  X(sin, 13, (float)sin((double)x), dl_toint32(sin((double)x)))                                  \
  X(cos, 13, (float)cos((double)x), dl_toint32(cos((double)x)))                                  \
  X(square, 18, x * x, (int32_t)((uint32_t)x * (uint32_t)x))                                     \
  X(relu, 18, x > 0.0f ? x : (x != x ? x : 0.0f), x > 0 ? x : 0)                                 \
  X(sigmoid, 15, (float)dl_sigmoid_d((double)x), dl_toint32(dl_sigmoid_d((double)x)))            \
  X(tanh, 15, (float)dl_tanh_d((double)x), dl_toint32(tanh((double)x)))                          \
  X(erf, 15, (float)dl_erf_d((double)x), dl_toint32(dl_erf_d((double)x)))                        \
  X(sign, 18, x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f), (x > 0) - (x < 0))                       \
  X(log1p, 15, (float)dl_log1p_d((double)x), dl_toint32(log1p((double)x)))                       \
  X(reciprocal, 18, 1.0f / x, dl_toint32(1.0 / (double)x))                                       \
  X(floor, 18, floorf(x), x)                                                                     \
  X(ceil, 18, ceilf(x), x)                                                                       \
  X(round, 18, rintf(x), x) /* half to even in the default rounding mode */                      \
  X(trunc, 18, truncf(x), x)                                                                     \
  X(exp2, 13, (float)exp2((double)x), dl_toint32(exp2((double)x)))                               \
  X(log2, 13, (float)log2((double)x), dl_toint32(log2((double)x)))                               \
  X(log10, 13, (float)log10((double)x), dl_toint32(log10((double)x)))                            \
  X(expm1, 13, (float)expm1((double)x), dl_toint32(expm1((double)x)))                           \
  X(tan, 13, (float)tan((double)x), dl_toint32(tan((double)x)))                                  \
  X(sinh, 13, (float)sinh((double)x), dl_toint32(sinh((double)x)))                               \
  X(cosh, 13, (float)cosh((double)x), dl_toint32(cosh((double)x)))                               \
  X(asin, 13, (float)asin((double)x), dl_toint32(asin((double)x)))                               \
  X(acos, 13, (float)acos((double)x), dl_toint32(acos((double)x)))                               \
  X(atan, 13, (float)atan((double)x), dl_toint32(atan((double)x)))                               \
  X(isnan, 18, x != x ? 1.0f : 0.0f, x != x) /* int32: 0 and 1, as an int is never NaN or inf */ \
  X(isinf, 18, fabsf(x) == INFINITY ? 1.0f : 0.0f, x != x)                                       \
  X(isfinite, 18, x - x == 0.0f ? 1.0f : 0.0f, x == x) /* x - x is NaN for NaN and ±inf */

/* ---- binary: name, kind, grain, float32 arm, int32 arm. Kinds: ARITH (out has the inputs'
 * dtype), CMP (the arm is a truth value; out is float32 or int32), FLOAT (float32 only: int32
 * division is true division above the backends, so int32 inputs are refused) --------------- */
#define DL_BINARY_ARMS(X)                                                                        \
  X(add, ARITH, 18, x + y, (int32_t)((uint32_t)x + (uint32_t)y))                                 \
  X(sub, ARITH, 18, x - y, (int32_t)((uint32_t)x - (uint32_t)y))                                 \
  X(mul, ARITH, 18, x * y, (int32_t)((uint32_t)x * (uint32_t)y))                                 \
  X(div, FLOAT, 18, x / y, 0)                                                                    \
  X(pow, ARITH, 13, (float)js_pow((double)x, (double)y), dl_toint32(js_pow((double)x, (double)y))) \
  X(maximum, ARITH, 18, (x != x || y != y) ? NAN : (x > y ? x : y), x > y ? x : y)               \
  X(minimum, ARITH, 18, (x != x || y != y) ? NAN : (x < y ? x : y), x < y ? x : y)               \
  X(eq, CMP, 18, x == y, x == y)                                                                 \
  X(ne, CMP, 18, x != y, x != y)                                                                 \
  X(gt, CMP, 18, x > y, x > y)                                                                   \
  X(ge, CMP, 18, x >= y, x >= y)                                                                 \
  X(lt, CMP, 18, x < y, x < y)                                                                   \
  X(le, CMP, 18, x <= y, x <= y)                                                                 \
  X(remainder, ARITH, 13, dl_rem_f(x, y), dl_rem_i32(x, y))                                      \
  X(fmod, ARITH, 13, fmodf(x, y), dl_fmod_i32(x, y))                                             \
  X(divFloor, ARITH, 13, dl_divfloor_f(x, y), dl_divfloor_i32(x, y))                             \
  X(divTrunc, ARITH, 13, truncf(x / y), dl_divtrunc_i32(x, y))                                   \
  X(atan2, ARITH, 13, (float)atan2((double)x, (double)y), dl_toint32(atan2((double)x, (double)y)))

enum { DL_ARITH, DL_CMP, DL_FLOAT };

/* ---- reduce: name, kind (SUM; EXT: max/min; ARG: argmax/argmin, int32 indices along one
 * axis), 1 for the max direction ------------------------------------------------------------- */
#define DL_REDUCE_ARMS(X) X(sum, SUM, 0) X(max, EXT, 1) X(min, EXT, 0) X(argmax, ARG, 1) X(argmin, ARG, 0)

enum { DL_SUM, DL_EXT, DL_ARG };

/* ---- tags, and the checks that the arms and the TS lists name the same ops ---------------- */

#define DL_FAMILY(FAM, TS, ARMS, WHAT)                                                           \
  enum { TS(FAM##_TAG) FAM##_COUNT };                                                            \
  enum { ARMS(FAM##_ARM) FAM##_ARMS };                                                           \
  _Static_assert(FAM##_ARMS == FAM##_COUNT TS(FAM##_NEED),                                       \
                 "native/kernels/ops.h: the " WHAT " arms do not match the list of src/prims.ts");

#define UN_TAG(name) UN_##name,
#define UN_ARM(name, ...) dl_arm_un_##name,
#define UN_NEED(name) + 0 * dl_arm_un_##name
DL_FAMILY(UN, DL_TS_UNARY, DL_UNARY_ARMS, "unary")

#define BIN_TAG(name) BIN_##name,
#define BIN_ARM(name, ...) dl_arm_bin_##name,
#define BIN_NEED(name) + 0 * dl_arm_bin_##name
DL_FAMILY(BIN, DL_TS_BINARY, DL_BINARY_ARMS, "binary")

#define RED_TAG(name) RED_##name,
#define RED_ARM(name, ...) dl_arm_red_##name,
#define RED_NEED(name) + 0 * dl_arm_red_##name
DL_FAMILY(RED, DL_TS_REDUCE, DL_REDUCE_ARMS, "reduce")

/* per-tag properties, from the arms */
#define DL_BIN_KIND(name, kind, ...) [BIN_##name] = DL_##kind,
static const signed char dl_binary_kind[BIN_COUNT] = { DL_BINARY_ARMS(DL_BIN_KIND) };
#define DL_RED_KIND(name, kind, max) [RED_##name] = { DL_##kind, max },
static const struct { signed char kind, max; } dl_reduce_kind[RED_COUNT] = { DL_REDUCE_ARMS(DL_RED_KIND) };

/* FUSED_KERNELS (DL_TS_FUSED) is checked the same way against binding.c's descriptors */

#endif
