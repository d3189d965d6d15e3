// SPDX-License-Identifier: MIT
// Internal, AVX-512 only (include from files built with -mavx512f -mavx512dq -mfma): torch's
// float32 Box-Muller block (normal_fill_16_AVX2 with avx_mathfun's log256_ps / sincos256_ps, as
// AvxMathfun::box_muller in avx_mathfun.h) on 16 lanes, specialised to the inputs a Philox fill
// gives it. Every floating-point operation of AvxMathfun is performed in the same order with the
// same rounding; only the integer, bitwise and select steps are rewritten with AVX-512 masks and
// ternary logic, and steps that are the identity on the inputs below are left out:
//   - log's argument is u1 = 1 − d with d = m·2^-24, m in [0, 2^24): u1 = (2^24 − m)·2^-24 is a
//     normal float in [2^-24, 1], so the "≤ 0 → NaN" and denormal cut-off steps change nothing,
//     and the exact 2^-24 scaling is moved into the exponent (same mantissa, same e);
//   - sincos's argument is θ = float(2π)·u2 with u2 = m·2^-24: θ is in [0, 2π), never negative
//     (the sign steps vanish), and float(2π)·(m·2^-24) = float(float(2π)·2^-24 · m) exactly
//     (scaling by a power of two commutes with rounding for normal results; θ = 0 for m = 0).
// tests/random/philox_test.cpp checks every one of the 2^24 values of each input against the
// scalar emulation of torch's block (bit for bit).
#pragma once

#include <immintrin.h>

namespace weightinit::detail::avx512 {

/// Applies `step(i)` for i in [0, N): each step of the block below runs on all N independent
/// vectors before the next step, so the N dependency chains interleave.
#define WEIGHTINIT_EACH(N, i) for (int i = 0; i < (N); ++i)

/// log(N·2^-24) for integers N = 2^24 − m in [1, 2^24] given as floats (exact): avx_mathfun's
/// log256_ps on u1 = N·2^-24, lane by lane, on N vectors.
template <int N>
[[gnu::always_inline]] inline void log_u1(const __m512 (&n)[N], __m512 (&out)[N]) {
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 e[N], x[N], z[N], y[N];
  __mmask16 below_sqrthf[N];
  WEIGHTINIT_EACH(N, i) {
    const __m512i bits = _mm512_castps_si512(n[i]);
    // Exponent of u1 plus one (log256_ps's e after "e = cvt(exponent − 0x7f) + 1"): N's biased
    // exponent minus 0x7f, minus 24 for the 2^-24 scale, plus one, converted (small integers,
    // so "+ 1" in float equals "+ 1" before the conversion).
    e[i] = _mm512_cvtepi32_ps(
        _mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(0x7f + 24 - 1)));
    // Mantissa in [0.5, 1): (bits & ~0x7f800000) | bits(0.5) — 0xEA is (a & b) | c.
    x[i] = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(bits, _mm512_set1_epi32(~0x7f800000),
                                                         _mm512_set1_epi32(0x3f000000), 0xEA));
  }
  WEIGHTINIT_EACH(N, i) {
    below_sqrthf[i] = _mm512_cmp_ps_mask(x[i], _mm512_set1_ps(0.707106781186547524f), _CMP_LT_OS);
    // x = (x − 1) + (x & mask) and e = e − (1 & mask): adding or subtracting +0 on the other
    // lanes is the identity here (x − 1 is in [−0.5, 0), e is a whole number other than −0).
    const __m512 x_minus_one = _mm512_sub_ps(x[i], one);
    e[i] = _mm512_mask_sub_ps(e[i], below_sqrthf[i], e[i], one);
    x[i] = _mm512_mask_add_ps(x_minus_one, below_sqrthf[i], x_minus_one, x[i]);
    z[i] = _mm512_mul_ps(x[i], x[i]);
    y[i] = _mm512_set1_ps(7.0376836292E-2f);
  }
  const float coefficients[] = {-1.1514610310E-1f, 1.1676998740E-1f,  -1.2420140846E-1f,
                                1.4249322787E-1f,  -1.6668057665E-1f, 2.0000714765E-1f,
                                -2.4999993993E-1f, 3.3333331174E-1f};
  for (const float c : coefficients) {
    WEIGHTINIT_EACH(N, i) y[i] = _mm512_fmadd_ps(y[i], x[i], _mm512_set1_ps(c));
  }
  WEIGHTINIT_EACH(N, i) {
    y[i] = _mm512_mul_ps(y[i], x[i]);
    y[i] = _mm512_fmadd_ps(y[i], z[i], _mm512_mul_ps(e[i], _mm512_set1_ps(-2.12194440e-4f)));
    y[i] = _mm512_fmadd_ps(z[i], _mm512_set1_ps(-0.5f), y[i]);
    x[i] = _mm512_add_ps(x[i], y[i]);
    out[i] = _mm512_fmadd_ps(e[i], _mm512_set1_ps(0.693359375f), x[i]);
  }
}

/// sin and cos of θ = float(2π)·(m·2^-24) for integers m in [0, 2^24) given as floats (exact):
/// avx_mathfun's sincos256_ps on θ, lane by lane, on N vectors.
template <int N>
[[gnu::always_inline]] inline void sincos_theta(const __m512 (&m)[N], __m512 (&s)[N],
                                                __m512 (&c)[N]) {
  __m512 x[N], y[N], z[N], yc[N], ys[N];
  __m512i swap_sign_sin[N], sign_cos[N];
  __mmask16 poly_mask[N];
  WEIGHTINIT_EACH(N, i) {
    // float(2π)·2^-24 is exact.
    x[i] = _mm512_mul_ps(m[i], _mm512_set1_ps(6.2831853071795864769f / 16777216.0f));
    __m512i j = _mm512_cvttps_epi32(_mm512_mul_ps(x[i], _mm512_set1_ps(1.27323954473516f)));
    j = _mm512_and_si512(_mm512_add_epi32(j, _mm512_set1_epi32(1)), _mm512_set1_epi32(~1));
    y[i] = _mm512_cvtepi32_ps(j);
    swap_sign_sin[i] = _mm512_slli_epi32(_mm512_and_si512(j, _mm512_set1_epi32(4)), 29);
    // avx_mathfun's poly_mask: lanes where (j & 2) == 0 take sin from the sine polynomial.
    poly_mask[i] = _mm512_testn_epi32_mask(j, _mm512_set1_epi32(2));
    sign_cos[i] = _mm512_slli_epi32(
        _mm512_andnot_si512(_mm512_sub_epi32(j, _mm512_set1_epi32(2)), _mm512_set1_epi32(4)), 29);
  }
  WEIGHTINIT_EACH(N, i) x[i] = _mm512_fmadd_ps(y[i], _mm512_set1_ps(-0.78515625f), x[i]);
  WEIGHTINIT_EACH(N, i) {
    x[i] = _mm512_fmadd_ps(y[i], _mm512_set1_ps(-2.4187564849853515625e-4f), x[i]);
  }
  WEIGHTINIT_EACH(N, i) {
    x[i] = _mm512_fmadd_ps(y[i], _mm512_set1_ps(-3.77489497744594108e-8f), x[i]);
    z[i] = _mm512_mul_ps(x[i], x[i]);
  }
  WEIGHTINIT_EACH(N, i) {
    yc[i] = _mm512_fmadd_ps(_mm512_set1_ps(2.443315711809948E-005f), z[i],
                            _mm512_set1_ps(-1.388731625493765E-003f));
    ys[i] =
        _mm512_fmadd_ps(_mm512_set1_ps(-1.9515295891E-4f), z[i], _mm512_set1_ps(8.3321608736E-3f));
  }
  WEIGHTINIT_EACH(N, i) {
    yc[i] = _mm512_fmadd_ps(yc[i], z[i], _mm512_set1_ps(4.166664568298827E-002f));
    ys[i] = _mm512_fmadd_ps(ys[i], z[i], _mm512_set1_ps(-1.6666654611E-1f));
  }
  WEIGHTINIT_EACH(N, i) {
    yc[i] = _mm512_mul_ps(yc[i], z[i]);
    ys[i] = _mm512_mul_ps(ys[i], z[i]);
  }
  WEIGHTINIT_EACH(N, i) {
    // fma(yc, z, −(z·0.5)): the negation is exact, so fmsub gives the same rounding.
    yc[i] = _mm512_fmsub_ps(yc[i], z[i], _mm512_mul_ps(z[i], _mm512_set1_ps(0.5f)));
    ys[i] = _mm512_fmadd_ps(ys[i], x[i], x[i]);
  }
  WEIGHTINIT_EACH(N, i) {
    yc[i] = _mm512_add_ps(yc[i], _mm512_set1_ps(1.0f));
    // avx_mathfun selects with and/andnot and recombines with adds: sin = (chosen) + (+0),
    // cos = (other) + (+0) for the finite values here, which turns a chosen −0 into +0.
    const __m512 zero = _mm512_setzero_ps();
    const __m512 sin_poly = _mm512_add_ps(_mm512_mask_blend_ps(poly_mask[i], yc[i], ys[i]), zero);
    const __m512 cos_poly = _mm512_add_ps(_mm512_mask_blend_ps(poly_mask[i], ys[i], yc[i]), zero);
    s[i] = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(sin_poly), swap_sign_sin[i]));
    c[i] = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(cos_poly), sign_cos[i]));
  }
}

#undef WEIGHTINIT_EACH

}  // namespace weightinit::detail::avx512
