// SPDX-License-Identifier: MIT
// AVX2+FMA builds of the float32 uniform_ and normal_ hot loops. This file alone is compiled
// with -mavx2 -mfma; callers check cpu_has_avx2_fma() first. Explicit _mm256_fmadd_ps /
// std::fma calls give the fused roundings torch's AVX2 kernels have; -ffp-contract=off keeps
// every other operation rounded separately.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "random/avx_mathfun.h"
#include "random/kernels.h"

namespace weightinit::detail {

namespace {

/// Lane operations on 8 floats / 8 int32 for AvxMathfun.
struct Avx2Ops {
  using F = __m256;
  using I = __m256i;
  static F set(float v) { return _mm256_set1_ps(v); }
  static I seti(std::int32_t v) { return _mm256_set1_epi32(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F and_(F a, F b) { return _mm256_and_ps(a, b); }
  static F andnot(F a, F b) { return _mm256_andnot_ps(a, b); }
  static F or_(F a, F b) { return _mm256_or_ps(a, b); }
  static F xor_(F a, F b) { return _mm256_xor_ps(a, b); }
  static F cmp_lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OS); }
  static F cmp_le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OS); }
  static I to_bits(F a) { return _mm256_castps_si256(a); }
  static F from_bits(I a) { return _mm256_castsi256_ps(a); }
  static I cvtt_f2i(F a) { return _mm256_cvttps_epi32(a); }
  static F cvt_i2f(I a) { return _mm256_cvtepi32_ps(a); }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static I subi(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I andi(I a, I b) { return _mm256_and_si256(a, b); }
  static I andnoti(I a, I b) { return _mm256_andnot_si256(a, b); }
  static I cmpeqi(I a, I b) { return _mm256_cmpeq_epi32(a, b); }
  static I srli23(I a) { return _mm256_srli_epi32(a, 23); }
  static I slli29(I a) { return _mm256_slli_epi32(a, 29); }
};

}  // namespace

void uniform_f32_fma_avx2(float* data, std::int64_t n, float from, float d) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t word;
    std::memcpy(&word, data + i, sizeof word);     // the word drawn into this slot
    data[i] = std::fma(u01_float(word), d, from);  // inlined vfmadd with -mfma
  }
}

void normal_fill_f32_avx2(float* data, std::int64_t blocks, float mean, float std) {
  const __m256 mean_v = _mm256_set1_ps(mean);
  const __m256 std_v = _mm256_set1_ps(std);
  for (std::int64_t b = 0; b < blocks; ++b) {
    float* p = data + 16 * b;
    __m256 lo, hi;
    AvxMathfun<Avx2Ops>::box_muller(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), mean_v, std_v, &lo,
                                    &hi);
    _mm256_storeu_ps(p, lo);
    _mm256_storeu_ps(p + 8, hi);
  }
}

}  // namespace weightinit::detail
