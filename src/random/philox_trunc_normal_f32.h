// SPDX-License-Identifier: MIT
// Internal: the constants of the float32 truncated normal of philox4x32-10/v2, shared by the
// scalar, AVX2 and AVX-512 kernels. Only constants and a plain struct live here (no inline
// function a file built with -mavx512f could give an AVX-512 body to).
//
// Element i of a float32 fill uses word i % 4 of Philox call i / 4 (as float32 uniform_):
//   m  = w >> 9                          (23 bits)
//   u  = (2m + 1)·2^-24                  (exact, in (0, 1): never 0 or 1)
//   y  = l + d·u                         (double; l = erf(α/√2), d = erf(β/√2) − l)
//   t  = max(float((1 − y)·(1 + y)), FLT_MIN)   ((1 − y)(1 + y) in double, then rounded)
//   w  = −log_v2(t)                      (float; FreeBSD's logf algorithm, below)
//   p  = w < 5 ? P_central(w − 2.5) : P_tail(√w − 3)   (Giles 2010 single-precision erfinv,
//        Horner, each product and sum rounded on its own; P's coefficients below)
//   x  = p·float(y)                      (= erfinv(y))
//   v  = min(max(x·scale + mean, lo), hi)   (scale = float(std·√2), [lo, hi] = [a, b] rounded
//        inwards to float)
// Every step is +, −, ×, ÷, √ or an integer operation, each correctly rounded IEEE-754 with no
// fused multiply-add, so every ISA gives the same bits. The (1 − y)(1 + y) product is formed in
// double before rounding, so the tail (|y| near 1) keeps its relative accuracy.
//
// log_v2(t), t a positive normal float (FreeBSD e_logf.c, Sun Microsystems 1993):
//   ix = bits(t) + (0x3f800000 − 0x3f3504f3);  k = (ix >> 23) − 127;
//   f  = float_from_bits((ix & 0x7fffff) + 0x3f3504f3) − 1       (f in [√½ − 1, √2 − 1))
//   s = f/(2 + f);  z = s·s;  q = z·z;
//   R = z·(Lg1 + q·Lg3) + q·(Lg2 + q·Lg4);  h = 0.5·f·f;
//   log_v2 = (((s·(h + R) + k·ln2_lo) − h) + f) + k·ln2_hi
#pragma once

#include <cstdint>

namespace weightinit::detail::trunc_v2 {

inline constexpr float kLn2Hi = 6.9313812256e-01f;         // 0x3f317180
inline constexpr float kLn2Lo = 9.0580006145e-06f;         // 0x3717f7d1
inline constexpr float kLg1 = 0.66666662693f;              // 0xaaaaaa.0p-24
inline constexpr float kLg2 = 0.40000972152f;              // 0xccce13.0p-25
inline constexpr float kLg3 = 0.28498786688f;              // 0x91e9ee.0p-25
inline constexpr float kLg4 = 0.24279078841f;              // 0xf89e26.0p-26
inline constexpr std::int32_t kSqrtHalfBits = 0x3f3504f3;  // bits of √½ (rounded)

/// Giles (2010), "Approximating the erfinv function", single precision: the central branch
/// (w < 5) in powers of (w − 2.5), highest first.
inline constexpr float kCentral[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                                      -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                                      -0.00417768164f,  0.246640727f,    1.50140941f};
/// The tail branch (w ≥ 5) in powers of (√w − 3), highest first.
inline constexpr float kTail[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f,
                                   -0.00367342844f,  0.00573950773f,  -0.0076224613f,
                                   0.00943887047f,   1.00167406f,     2.83297682f};

/// The per-fill constants.
struct Params {
  double l;     // erf(α/√2), α = (a − mean)/std
  double d;     // erf(β/√2) − l, β = (b − mean)/std
  float scale;  // float(std·√2)
  float mean;   // float(mean)
  float lo;     // the smallest float ≥ a (−FLT_MAX for a = −∞)
  float hi;     // the largest float ≤ b (FLT_MAX for b = +∞)
};

}  // namespace weightinit::detail::trunc_v2
