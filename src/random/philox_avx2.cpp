// SPDX-License-Identifier: MIT
// AVX2 Philox fill kernels. This file alone is compiled with -mavx2 -mfma; callers check
// cpu_has_avx2_fma() first (philox_isa.h).
//
// Philox4x32-10 runs on 4 counters per 256-bit vector, one per 64-bit lane (the word in the low
// half, so _mm256_mul_epu32 yields the full 32x32->64 product). The words are then turned into
// values with the scalar kernels' per-element formulas (same operations, same roundings; the
// library is built with -ffp-contract=off), and float32 normal_ runs torch's AVX2 block
// (normal_fill_f32_avx2). Only functions with internal linkage are defined here, so no inline
// function of a shared header gets an AVX2 body the linker could pick for other files.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "random/kernels.h"
#include "random/philox_kernels.h"
#include "random/philox_trunc_normal_lanes.h"
#include "random/philox_uniform_bound.h"

namespace weightinit::detail {

namespace {

/// Calls per vector (one per 64-bit lane).
constexpr std::int64_t kLanes = 4;
/// Independent vectors in flight per step (hides the multiply latency).
constexpr int kUnroll = 4;
/// Calls converted per batch by the word-buffer kernels.
constexpr std::int64_t kBatchCalls = 64;

/// The ten round keys of a stream, broadcast: round r uses k + r·W (mod 2^32).
struct RoundKeys {
  __m256i k0[10];
  __m256i k1[10];
};

RoundKeys round_keys(const PhiloxKey& key) {
  RoundKeys keys;
  auto k0 = static_cast<std::uint32_t>(key.seed);
  auto k1 = static_cast<std::uint32_t>(key.seed >> 32);
  for (int r = 0; r < 10; ++r) {
    keys.k0[r] = _mm256_set1_epi32(static_cast<int>(k0));
    keys.k1[r] = _mm256_set1_epi32(static_cast<int>(k1));
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return keys;
}

/// The four Philox words of 4 calls (word in the low half of each 64-bit lane).
struct Lanes {
  __m256i c0, c1, c2, c3;
};

/// Counters of calls base + {0, 2, 1, 3}[lane]: the unpacks in words_in_order then yield calls
/// 0, 1 and 2, 3 in order.
Lanes counters(std::uint64_t base, const PhiloxKey& key) {
  const __m256i call = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(base)),
                                        _mm256_set_epi64x(3, 1, 2, 0));
  return {call, _mm256_srli_epi64(call, 32),
          _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(key.stream))),
          _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(key.stream >> 32)))};
}

/// Philox4x32-10 on U vectors of counters, interleaved round by round.
template <int U>
void philox10(Lanes (&s)[U], const RoundKeys& keys) {
  const __m256i m0 = _mm256_set1_epi64x(kPhiloxM0);
  const __m256i m1 = _mm256_set1_epi64x(kPhiloxM1);
  for (int r = 0; r < 10; ++r) {
    for (int u = 0; u < U; ++u) {
      const __m256i p0 = _mm256_mul_epu32(s[u].c0, m0);
      const __m256i p1 = _mm256_mul_epu32(s[u].c2, m1);
      s[u].c0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), s[u].c1), keys.k0[r]);
      s[u].c2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), s[u].c3), keys.k1[r]);
      s[u].c1 = p1;
      s[u].c3 = p0;
    }
  }
}

/// Stores the 16 words of 4 calls in order (call by call, w0..w3).
void store_words(std::uint32_t* out, const Lanes& s) {
  const __m256i w01 = _mm256_blend_epi32(s.c0, _mm256_slli_epi64(s.c1, 32), 0xAA);
  const __m256i w23 = _mm256_blend_epi32(s.c2, _mm256_slli_epi64(s.c3, 32), 0xAA);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_unpacklo_epi64(w01, w23));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), _mm256_unpackhi_epi64(w01, w23));
}

void words_avx2(std::uint32_t* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key) {
  const RoundKeys keys = round_keys(key);
  std::int64_t k = 0;
  for (; k + kUnroll * kLanes <= calls; k += kUnroll * kLanes) {
    Lanes s[kUnroll];
    for (int u = 0; u < kUnroll; ++u) {
      s[u] = counters(call0 + static_cast<std::uint64_t>(k + u * kLanes), key);
    }
    philox10(s, keys);
    for (int u = 0; u < kUnroll; ++u) store_words(out + 4 * (k + u * kLanes), s[u]);
  }
  for (; k + kLanes <= calls; k += kLanes) {
    Lanes s[1] = {counters(call0 + static_cast<std::uint64_t>(k), key)};
    philox10(s, keys);
    store_words(out + 4 * k, s[0]);
  }
  philox_kernels_scalar().words(out + 4 * k, call0 + static_cast<std::uint64_t>(k), calls - k, key);
}

/// philox_u01_f32: (w >> 8)·2^-24.
float u01_f32(std::uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }

/// philox_u01_f64: (((hi << 32) | lo) >> 11)·2^-53.
double u01_f64(std::uint32_t hi, std::uint32_t lo) {
  return static_cast<double>(((std::uint64_t{hi} << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

void uniform_f32_avx2(float* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                      double a, double b) {
  const double d = b - a;
  std::uint32_t words[4 * kBatchCalls];
  for (std::int64_t k = 0; k < calls; k += kBatchCalls) {
    const std::int64_t count = calls - k < kBatchCalls ? calls - k : kBatchCalls;
    words_avx2(words, call0 + static_cast<std::uint64_t>(k), count, key);
    float* dst = out + 4 * k;
    for (std::int64_t j = 0; j < 4 * count; ++j) {
      const double u = static_cast<double>(u01_f32(words[j]));
      dst[j] = below_bound(static_cast<float>(a + d * u), a, b);
    }
  }
}

void uniform_f64_avx2(double* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                      double a, double b) {
  const double d = b - a;
  std::uint32_t words[4 * kBatchCalls];
  for (std::int64_t k = 0; k < calls; k += kBatchCalls) {
    const std::int64_t count = calls - k < kBatchCalls ? calls - k : kBatchCalls;
    words_avx2(words, call0 + static_cast<std::uint64_t>(k), count, key);
    double* dst = out + 2 * k;
    for (std::int64_t j = 0; j < 2 * count; ++j) {
      dst[j] = below_bound(a + d * u01_f64(words[2 * j], words[2 * j + 1]), a, b);
    }
  }
}

void normal_f32_avx2(float* out, std::uint64_t group0, std::int64_t groups, const PhiloxKey& key,
                     float mean, float std) {
  // The uniforms go to `out` first (group m: calls 4(group0 + m)..+3 in order), then torch's
  // AVX2 block turns each 16 into normals in place, as the scalar kernel does.
  static_assert(sizeof(float) == sizeof(std::uint32_t));
  std::uint32_t words[4 * kBatchCalls];
  const std::int64_t calls = 4 * groups;
  for (std::int64_t k = 0; k < calls; k += kBatchCalls) {
    const std::int64_t count = calls - k < kBatchCalls ? calls - k : kBatchCalls;
    words_avx2(words, 4 * group0 + static_cast<std::uint64_t>(k), count, key);
    float* dst = out + 4 * k;
    for (std::int64_t j = 0; j < 4 * count; ++j) dst[j] = u01_f32(words[j]);
  }
  normal_fill_f32_avx2(out, groups, mean, std);
}

void normal_f32_from_uniforms_avx2(float* data, std::int64_t groups, float mean, float std) {
  normal_fill_f32_avx2(data, groups, mean, std);
}

// ---- float32 truncated normal (philox4x32-10/v2, random/philox_trunc_normal_f32.h) ----------
// The scalar kernel's operations in the same order; std::max(v, lo) is _mm256_max_ps(lo, v)
// and std::min(v, hi) is _mm256_min_ps(hi, v) (MAXPS/MINPS return the second operand on ties).

/// AVX2 lanes for TruncNormalV2 (philox_trunc_normal_lanes.h): 8 floats.
struct Avx2Lanes {
  using F = __m256;
  using I = __m256i;
  using Mask = __m256;
  struct Consts {
    __m256d l, d;
    F scale, mean, lo, hi;
  };
  static Consts broadcast(const trunc_v2::Params& p) {
    return {_mm256_set1_pd(p.l),    _mm256_set1_pd(p.d),  _mm256_set1_ps(p.scale),
            _mm256_set1_ps(p.mean), _mm256_set1_ps(p.lo), _mm256_set1_ps(p.hi)};
  }
  static F set(float v) { return _mm256_set1_ps(v); }
  static I seti(std::int32_t v) { return _mm256_set1_epi32(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static I bits(F a) { return _mm256_castps_si256(a); }
  static F from_bits(I i) { return _mm256_castsi256_ps(i); }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static I subi(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I andi(I a, I b) { return _mm256_and_si256(a, b); }
  static I ori(I a, I b) { return _mm256_or_si256(a, b); }
  static I srai23(I a) { return _mm256_srai_epi32(a, 23); }
  static I srli9(I a) { return _mm256_srli_epi32(a, 9); }
  static I slli1(I a) { return _mm256_slli_epi32(a, 1); }
  static F cvt_i2f(I a) { return _mm256_cvtepi32_ps(a); }
  static Mask lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static bool all(Mask m) { return _mm256_movemask_ps(m) == 0xFF; }
  static F blend(Mask m, F if_false, F if_true) { return _mm256_blendv_ps(if_false, if_true, m); }
  /// The double steps in two halves of 4 lanes.
  static void y_and_t(I n, const Consts& c, F& y, F& t) {
    const __m256d scale = _mm256_set1_pd(1.0 / 16777216.0);
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d u_lo = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(n)), scale);
    const __m256d u_hi = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(n, 1)), scale);
    const __m256d y_lo = _mm256_add_pd(c.l, _mm256_mul_pd(c.d, u_lo));
    const __m256d y_hi = _mm256_add_pd(c.l, _mm256_mul_pd(c.d, u_hi));
    const __m256d t_lo = _mm256_mul_pd(_mm256_sub_pd(one, y_lo), _mm256_add_pd(one, y_lo));
    const __m256d t_hi = _mm256_mul_pd(_mm256_sub_pd(one, y_hi), _mm256_add_pd(one, y_hi));
    t = _mm256_set_m128(_mm256_cvtpd_ps(t_hi), _mm256_cvtpd_ps(t_lo));
    y = _mm256_set_m128(_mm256_cvtpd_ps(y_hi), _mm256_cvtpd_ps(y_lo));
  }
};

void trunc_normal_f32_avx2(float* out, std::uint64_t call0, std::int64_t calls,
                           const PhiloxKey& key, const trunc_v2::Params& params) {
  const Avx2Lanes::Consts c = Avx2Lanes::broadcast(params);
  std::uint32_t words[4 * kBatchCalls];
  std::int64_t k = 0;
  for (; k + 2 <= calls; k += kBatchCalls) {
    std::int64_t count = calls - k < kBatchCalls ? calls - k : kBatchCalls;
    count -= count % 2;  // whole vectors of 8 words; an odd last call goes to the scalar kernel
    words_avx2(words, call0 + static_cast<std::uint64_t>(k), count, key);
    float* dst = out + 4 * k;
    for (std::int64_t j = 0; j < 4 * count; j += 8) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + j));
      _mm256_storeu_ps(dst + j, TruncNormalV2<Avx2Lanes>::values(w, c));
    }
    if (count < kBatchCalls) {
      k += count;
      break;
    }
  }
  philox_kernels_scalar().trunc_normal_f32(out + 4 * k, call0 + static_cast<std::uint64_t>(k),
                                           calls - k, key, params);
}

}  // namespace

const PhiloxKernels& philox_kernels_avx2() {
  static constexpr PhiloxKernels kernels = {words_avx2,
                                            uniform_f32_avx2,
                                            uniform_f64_avx2,
                                            normal_f32_avx2,
                                            normal_f32_from_uniforms_avx2,
                                            trunc_normal_f32_avx2};
  return kernels;
}

}  // namespace weightinit::detail
