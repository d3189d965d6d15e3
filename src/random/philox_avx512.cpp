// SPDX-License-Identifier: MIT
// AVX-512 Philox fill kernels. This file alone is compiled with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -mavx2 -mfma; callers check cpu_has_avx512() first (philox_isa.h).
//
// Philox4x32-10 runs on 8 counters per 512-bit vector, one per 64-bit lane: each lane keeps its
// 32-bit Philox word in the low half, so _mm512_mul_epu32 yields the full 32x32->64 product
// and the high half of a lane is don't-care until the words are packed. Lanes carry calls in
// an order chosen so that two 64-bit unpacks put the words back in element order.
// Every per-element operation is the one the scalar kernels (philox_scalar.cpp) perform, in the
// same order and rounding, so the bits are identical. Only functions with internal linkage are
// defined here: no inline function of a shared header gets an AVX-512 body the linker could
// pick for other files.
// GCC 12 reports its own AVX-512 intrinsics' _mm512_undefined_*() operands as uninitialized
// (GCC bug 105593); the warning points into the header, so it is silenced there only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstdint>
#include <cstring>
#include <limits>

#include "random/philox_kernels.h"
#include "random/philox_normal_avx512.h"
#include "random/philox_trunc_normal_lanes.h"
#include "random/philox_uniform_bound.h"

namespace weightinit::detail {

namespace {

/// Calls per vector (one per 64-bit lane).
constexpr std::int64_t kLanes = 8;
/// Independent vectors in flight per step: enough Philox chains to hide the multiply latency.
constexpr int kUnroll = 4;

/// Lane → call offset for element-order output: unpacklo of lanes 0,2,4,6 gives calls 0..3 and
/// unpackhi of lanes 1,3,5,7 gives calls 4..7.
__m512i element_order_offsets() { return _mm512_set_epi64(7, 3, 6, 2, 5, 1, 4, 0); }

/// Lane → call offset for two 16-element normal groups (calls 0..3 and 4..7): unpacklo yields
/// calls 0,1,4,5 (the d[0..7] halves) and unpackhi calls 2,3,6,7 (the d[8..15] halves).
__m512i normal_pair_offsets() { return _mm512_set_epi64(7, 5, 6, 4, 3, 1, 2, 0); }

/// The ten round keys of a stream, broadcast: round r uses k + r·W (mod 2^32).
struct RoundKeys {
  __m512i k0[10];
  __m512i k1[10];
};

RoundKeys round_keys(const PhiloxKey& key) {
  RoundKeys keys;
  auto k0 = static_cast<std::uint32_t>(key.seed);
  auto k1 = static_cast<std::uint32_t>(key.seed >> 32);
  for (int r = 0; r < 10; ++r) {
    keys.k0[r] = _mm512_set1_epi32(static_cast<int>(k0));
    keys.k1[r] = _mm512_set1_epi32(static_cast<int>(k1));
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return keys;
}

/// The four Philox words of 8 calls (word in the low half of each 64-bit lane).
struct Lanes {
  __m512i c0, c1, c2, c3;
};

/// Counters of calls base + offsets[lane] of the stream.
[[gnu::always_inline]] inline Lanes counters(std::uint64_t base, __m512i offsets,
                                             const PhiloxKey& key) {
  const __m512i call = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(base)), offsets);
  return {call, _mm512_srli_epi64(call, 32),
          _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(key.stream))),
          _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(key.stream >> 32)))};
}

/// Rounds [first, last) of Philox4x32-10 on U vectors of counters, interleaved round by round.
template <int U>
[[gnu::always_inline]] inline void philox_rounds(Lanes (&s)[U], const RoundKeys& keys, int first,
                                                 int last) {
  const __m512i m0 = _mm512_set1_epi64(kPhiloxM0);
  const __m512i m1 = _mm512_set1_epi64(kPhiloxM1);
  for (int r = first; r < last; ++r) {
    for (int u = 0; u < U; ++u) {
      const __m512i p0 = _mm512_mul_epu32(s[u].c0, m0);
      const __m512i p1 = _mm512_mul_epu32(s[u].c2, m1);
      // 0x96: a ^ b ^ c.
      s[u].c0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), s[u].c1, keys.k0[r], 0x96);
      s[u].c2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), s[u].c3, keys.k1[r], 0x96);
      s[u].c1 = p1;
      s[u].c3 = p0;
    }
  }
}

/// Philox4x32-10 on U vectors of counters.
template <int U>
void philox10(Lanes (&s)[U], const RoundKeys& keys) {
  philox_rounds(s, keys, 0, 10);
}

/// 32-bit lanes {lo[0], hi[0], lo[2], hi[2], ...}: the low halves of the 64-bit lanes of `lo`
/// and `hi`, interleaved (as one 64-bit value: hi·2^32 + lo).
[[gnu::always_inline]] inline __m512i pack_low_halves(__m512i lo, __m512i hi) {
  const __m512i index = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
  return _mm512_permutex2var_epi32(lo, index, hi);
}

/// The 32 words of 8 calls in order: `first` holds the words of lanes 0,2,4,6 (call by call,
/// w0..w3), `second` those of lanes 1,3,5,7.
[[gnu::always_inline]] inline void words_in_order(const Lanes& s, __m512i* first, __m512i* second) {
  const __m512i w01 = pack_low_halves(s.c0, s.c1);
  const __m512i w23 = pack_low_halves(s.c2, s.c3);
  *first = _mm512_unpacklo_epi64(w01, w23);
  *second = _mm512_unpackhi_epi64(w01, w23);
}

/// The smallest float f with double(f) >= b: float values v satisfy v >= f exactly when
/// double(v) >= b, so the float32 bound check needs no conversion back to double.
float float_at_or_above(double b) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (b > kMax) return std::numeric_limits<float>::infinity();
  if (b <= -kMax) return -std::numeric_limits<float>::max();
  float f = static_cast<float>(b);
  if (static_cast<double>(f) < b) f = next_below(-f) * -1.0f;  // the next float above f
  return f;
}

/// The uniform_ parameters in lanes: a, b − a, and the bound test.
struct UniformParams {
  __m512d a, d, b;
  __m512 b_f32;  // float_at_or_above(b)
  bool bounded;  // a < b: values reaching b are moved below it
  double a_s, b_s;
};

UniformParams uniform_params(double a, double b) {
  return {_mm512_set1_pd(a),
          _mm512_set1_pd(b - a),
          _mm512_set1_pd(b),
          _mm512_set1_ps(float_at_or_above(b)),
          a < b,
          a,
          b};
}

/// float32 uniform_ values of 16 words: float(a + (b − a)·u), u = philox_u01_f32 (in double).
__m512 uniform_f32_values(__m512i w, const UniformParams& p) {
  const __m512i m = _mm512_srli_epi32(w, 8);
  const __m512d scale = _mm512_set1_pd(1.0 / 16777216.0);
  const __m512d u_lo = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(m)), scale);
  const __m512d u_hi = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(m, 1)), scale);
  const __m256 v_lo = _mm512_cvtpd_ps(_mm512_add_pd(p.a, _mm512_mul_pd(p.d, u_lo)));
  const __m256 v_hi = _mm512_cvtpd_ps(_mm512_add_pd(p.a, _mm512_mul_pd(p.d, u_hi)));
  return _mm512_insertf32x8(_mm512_castps256_ps512(v_lo), v_hi, 1);
}

/// Stores 16 float32 uniforms, moving any that reached b below it.
void store_uniform_f32(float* out, __m512 v, const UniformParams& p) {
  _mm512_storeu_ps(out, v);
  if (p.bounded && _mm512_cmp_ps_mask(v, p.b_f32, _CMP_GE_OQ) != 0) {
    for (int j = 0; j < 16; ++j) {
      if (static_cast<double>(out[j]) >= p.b_s) out[j] = next_below(out[j]);
    }
  }
}

/// Stores 8 float64 uniforms, moving any that reached b below it.
void store_uniform_f64(double* out, __m512d v, const UniformParams& p) {
  _mm512_storeu_pd(out, v);
  if (p.bounded && _mm512_cmp_pd_mask(v, p.b, _CMP_GE_OQ) != 0) {
    for (int j = 0; j < 8; ++j) {
      if (out[j] >= p.b_s) out[j] = next_below(out[j]);
    }
  }
}

/// float64 uniform_ values from the word pairs (hi, lo) of 8 lanes: a + (b − a)·u,
/// u = (((hi << 32) | lo) >> 11)·2^-53.
__m512d uniform_f64_values(__m512i hi, __m512i lo, const UniformParams& p) {
  const __m512i bits = _mm512_srli_epi64(pack_low_halves(lo, hi), 11);
  const __m512d u =
      _mm512_mul_pd(_mm512_cvtepu64_pd(bits), _mm512_set1_pd(1.0 / 9007199254740992.0));
  return _mm512_add_pd(p.a, _mm512_mul_pd(p.d, u));
}

// ---- float32 truncated normal (philox4x32-10/v2, random/philox_trunc_normal_f32.h) ----------
// The same operations as the scalar kernel (philox_scalar.cpp) in the same order. MAXPS(a, b)
// is a > b ? a : b, so std::max(v, lo) is _mm512_max_ps(lo, v) and std::min(v, hi) is
// _mm512_min_ps(hi, v), equal bit for bit (signed zeros included).

/// AVX-512 lanes for TruncNormalV2 (philox_trunc_normal_lanes.h): 16 floats.
struct Avx512Lanes {
  using F = __m512;
  using I = __m512i;
  using Mask = __mmask16;
  struct Consts {
    __m512d l, d;
    F scale, mean, lo, hi;
  };
  static Consts broadcast(const trunc_v2::Params& p) {
    return {_mm512_set1_pd(p.l),    _mm512_set1_pd(p.d),  _mm512_set1_ps(p.scale),
            _mm512_set1_ps(p.mean), _mm512_set1_ps(p.lo), _mm512_set1_ps(p.hi)};
  }
  static F set(float v) { return _mm512_set1_ps(v); }
  static I seti(std::int32_t v) { return _mm512_set1_epi32(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  static F neg(F a) {
    return _mm512_castsi512_ps(
        _mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
  }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static I bits(F a) { return _mm512_castps_si512(a); }
  static F from_bits(I i) { return _mm512_castsi512_ps(i); }
  static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static I subi(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I andi(I a, I b) { return _mm512_and_si512(a, b); }
  static I ori(I a, I b) { return _mm512_or_si512(a, b); }
  static I srai23(I a) { return _mm512_srai_epi32(a, 23); }
  static I srli9(I a) { return _mm512_srli_epi32(a, 9); }
  static I slli1(I a) { return _mm512_slli_epi32(a, 1); }
  static F cvt_i2f(I a) { return _mm512_cvtepi32_ps(a); }
  static Mask lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static bool all(Mask m) { return m == 0xFFFF; }
  static F blend(Mask m, F if_false, F if_true) {
    return _mm512_mask_blend_ps(m, if_false, if_true);
  }
  /// The double steps in two halves of 8 lanes.
  static void y_and_t(I n, const Consts& c, F& y, F& t) {
    const __m512d scale = _mm512_set1_pd(1.0 / 16777216.0);
    const __m512d one = _mm512_set1_pd(1.0);
    const __m512d u_lo = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(n)), scale);
    const __m512d u_hi = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(n, 1)), scale);
    const __m512d y_lo = _mm512_add_pd(c.l, _mm512_mul_pd(c.d, u_lo));
    const __m512d y_hi = _mm512_add_pd(c.l, _mm512_mul_pd(c.d, u_hi));
    const __m512d t_lo = _mm512_mul_pd(_mm512_sub_pd(one, y_lo), _mm512_add_pd(one, y_lo));
    const __m512d t_hi = _mm512_mul_pd(_mm512_sub_pd(one, y_hi), _mm512_add_pd(one, y_hi));
    t = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(t_lo)), _mm512_cvtpd_ps(t_hi), 1);
    y = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(y_lo)), _mm512_cvtpd_ps(y_hi), 1);
  }
};

// ---- Kernels ---------------------------------------------------------------------------------

/// The one loop of the word-wise fills: Philox calls [call0, call0 + calls) in blocks of kLanes
/// calls, kUnroll blocks at a time while they last, then one at a time. For each block `store(k,
/// first, second)` gets words 0..15 and 16..31 of calls k .. k + kLanes - 1 (relative to
/// call0) in element order. Returns the calls done; the caller's scalar kernel does the rest.
template <class Store>
[[gnu::always_inline]] inline std::int64_t for_each_block(std::uint64_t call0, std::int64_t calls,
                                                          const PhiloxKey& key, Store&& store) {
  const RoundKeys keys = round_keys(key);
  const __m512i offsets = element_order_offsets();
  std::int64_t k = 0;
  for (; k + kUnroll * kLanes <= calls; k += kUnroll * kLanes) {
    Lanes s[kUnroll];
    for (int u = 0; u < kUnroll; ++u) {
      s[u] = counters(call0 + static_cast<std::uint64_t>(k + u * kLanes), offsets, key);
    }
    philox10(s, keys);
    for (int u = 0; u < kUnroll; ++u) {
      __m512i first, second;
      words_in_order(s[u], &first, &second);
      store(k + u * kLanes, first, second);
    }
  }
  for (; k + kLanes <= calls; k += kLanes) {
    Lanes s[1] = {counters(call0 + static_cast<std::uint64_t>(k), offsets, key)};
    philox10(s, keys);
    __m512i first, second;
    words_in_order(s[0], &first, &second);
    store(k, first, second);
  }
  return k;
}

void words_avx512(std::uint32_t* out, std::uint64_t call0, std::int64_t calls,
                  const PhiloxKey& key) {
  const std::int64_t k =
      for_each_block(call0, calls, key, [&](std::int64_t at, __m512i first, __m512i second) {
        _mm512_storeu_si512(out + 4 * at, first);
        _mm512_storeu_si512(out + 4 * at + 16, second);
      });
  philox_kernels_scalar().words(out + 4 * k, call0 + static_cast<std::uint64_t>(k), calls - k, key);
}

void uniform_f32_avx512(float* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                        double a, double b) {
  const UniformParams p = uniform_params(a, b);
  const std::int64_t k =
      for_each_block(call0, calls, key, [&](std::int64_t at, __m512i first, __m512i second) {
        store_uniform_f32(out + 4 * at, uniform_f32_values(first, p), p);
        store_uniform_f32(out + 4 * at + 16, uniform_f32_values(second, p), p);
      });
  philox_kernels_scalar().uniform_f32(out + 4 * k, call0 + static_cast<std::uint64_t>(k), calls - k,
                                      key, a, b);
}

void uniform_f64_avx512(double* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                        double a, double b) {
  const RoundKeys keys = round_keys(key);
  const __m512i offsets = element_order_offsets();
  const UniformParams p = uniform_params(a, b);
  std::int64_t k = 0;
  for (; k + kLanes <= calls; k += kLanes) {
    Lanes s[1] = {counters(call0 + static_cast<std::uint64_t>(k), offsets, key)};
    philox10(s, keys);
    // Element 2c from (w0, w1) of call c, element 2c + 1 from (w2, w3).
    const __m512d even = uniform_f64_values(s[0].c0, s[0].c1, p);
    const __m512d odd = uniform_f64_values(s[0].c2, s[0].c3, p);
    store_uniform_f64(out + 2 * k, _mm512_unpacklo_pd(even, odd), p);
    store_uniform_f64(out + 2 * k + 8, _mm512_unpackhi_pd(even, odd), p);
  }
  philox_kernels_scalar().uniform_f64(out + 2 * k, call0 + static_cast<std::uint64_t>(k), calls - k,
                                      key, a, b);
}

void trunc_normal_f32_avx512(float* out, std::uint64_t call0, std::int64_t calls,
                             const PhiloxKey& key, const trunc_v2::Params& params) {
  const Avx512Lanes::Consts c = Avx512Lanes::broadcast(params);
  const std::int64_t k =
      for_each_block(call0, calls, key, [&](std::int64_t at, __m512i first, __m512i second) {
        _mm512_storeu_ps(out + 4 * at, TruncNormalV2<Avx512Lanes>::values(first, c));
        _mm512_storeu_ps(out + 4 * at + 16, TruncNormalV2<Avx512Lanes>::values(second, c));
      });
  philox_kernels_scalar().trunc_normal_f32(out + 4 * k, call0 + static_cast<std::uint64_t>(k),
                                           calls - k, key, params);
}

/// Stores normal pair i (two 16-element groups, at out + 32·i) from r = √(−2·log u1) inputs:
/// log_u[i] = log u1 and sin_t/cos_t of θ for the 16 lane pairs (lanes 0..7: first group).
template <int N>
[[gnu::always_inline]] inline void store_normal_pairs(float* out, const __m512 (&log_u)[N],
                                                      const __m512 (&sin_t)[N],
                                                      const __m512 (&cos_t)[N], __m512 mean,
                                                      __m512 std) {
  for (int i = 0; i < N; ++i) {
    const __m512 radius = _mm512_sqrt_ps(_mm512_mul_ps(_mm512_set1_ps(-2.0f), log_u[i]));
    const __m512 c = _mm512_fmadd_ps(_mm512_mul_ps(radius, cos_t[i]), std, mean);
    const __m512 s = _mm512_fmadd_ps(_mm512_mul_ps(radius, sin_t[i]), std, mean);
    _mm512_storeu_ps(out + 32 * i, _mm512_shuffle_f32x4(c, s, _MM_SHUFFLE(1, 0, 1, 0)));
    _mm512_storeu_ps(out + 32 * i + 16, _mm512_shuffle_f32x4(c, s, _MM_SHUFFLE(3, 2, 3, 2)));
  }
}

/// The Box-Muller inputs of a normal pair from its Philox lanes (normal_pair_offsets):
/// n = 2^24 − m_lo (u1 = n·2^-24) and m_hi (u2 = m_hi·2^-24) as floats, exact.
[[gnu::always_inline]] inline void normal_inputs(const Lanes& s, __m512* n, __m512* m_hi) {
  __m512i first, second;
  words_in_order(s, &first, &second);
  *n =
      _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_set1_epi32(1 << 24), _mm512_srli_epi32(first, 8)));
  *m_hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(second, 8));
}

/// Normal pairs i0, i0 + 1 of a block: log, sin/cos and the stores.
template <int N>
[[gnu::always_inline]] inline void normal_two_pairs(float* out, const __m512 (&n)[N],
                                                    const __m512 (&m_hi)[N], int i0, __m512 mean,
                                                    __m512 std) {
  const __m512 n2[2] = {n[i0], n[i0 + 1]};
  const __m512 m2[2] = {m_hi[i0], m_hi[i0 + 1]};
  __m512 log_u[2], sin_t[2], cos_t[2];
  avx512::log_u1(n2, log_u);
  avx512::sincos_theta(m2, sin_t, cos_t);
  store_normal_pairs(out + 32 * i0, log_u, sin_t, cos_t, mean, std);
}

void normal_f32_avx512(float* out, std::uint64_t group0, std::int64_t groups, const PhiloxKey& key,
                       float mean, float std) {
  static_assert(kUnroll == 4, "the pipeline below runs 4 pairs per block");
  const RoundKeys keys = round_keys(key);
  const __m512i offsets = normal_pair_offsets();
  const __m512 mean_v = _mm512_set1_ps(mean);
  const __m512 std_v = _mm512_set1_ps(std);
  const auto block_counters = [&](Lanes(&s)[kUnroll], std::int64_t first_group) {
    for (int u = 0; u < kUnroll; ++u) {
      s[u] = counters(4 * (group0 + static_cast<std::uint64_t>(first_group + 2 * u)), offsets, key);
    }
  };
  std::int64_t m = 0;  // groups done; a block is kUnroll pairs of groups (8 calls per pair)
  constexpr std::int64_t kBlockGroups = 2 * kUnroll;
  if (groups >= kBlockGroups) {
    // Software pipeline: the Philox rounds of the next block are interleaved with the normal
    // math of the current one, so the out-of-order core always has independent work.
    Lanes s[kUnroll];
    block_counters(s, 0);
    philox10(s, keys);
    for (;; m += kBlockGroups) {
      __m512 n[kUnroll], m_hi[kUnroll];
      for (int u = 0; u < kUnroll; ++u) normal_inputs(s[u], &n[u], &m_hi[u]);
      float* dst = out + 16 * m;
      if (m + 2 * kBlockGroups > groups) {
        normal_two_pairs(dst, n, m_hi, 0, mean_v, std_v);
        normal_two_pairs(dst, n, m_hi, 2, mean_v, std_v);
        m += kBlockGroups;
        break;
      }
      block_counters(s, m + kBlockGroups);
      philox_rounds(s, keys, 0, 5);
      normal_two_pairs(dst, n, m_hi, 0, mean_v, std_v);
      philox_rounds(s, keys, 5, 10);
      normal_two_pairs(dst, n, m_hi, 2, mean_v, std_v);
    }
  }
  for (; m + 2 <= groups; m += 2) {
    Lanes s[1] = {counters(4 * (group0 + static_cast<std::uint64_t>(m)), offsets, key)};
    philox10(s, keys);
    __m512 n[1], m_hi[1], log_u[1], sin_t[1], cos_t[1];
    normal_inputs(s[0], &n[0], &m_hi[0]);
    avx512::log_u1(n, log_u);
    avx512::sincos_theta(m_hi, sin_t, cos_t);
    store_normal_pairs(out + 16 * m, log_u, sin_t, cos_t, mean_v, std_v);
  }
  philox_kernels_scalar().normal_f32(out + 16 * m, group0 + static_cast<std::uint64_t>(m),
                                     groups - m, key, mean, std);
}

void normal_f32_from_uniforms_avx512(float* data, std::int64_t groups, float mean, float std) {
  const __m512 mean_v = _mm512_set1_ps(mean);
  const __m512 std_v = _mm512_set1_ps(std);
  const __m512 two24 = _mm512_set1_ps(16777216.0f);
  std::int64_t m = 0;
  for (; m + 4 <= groups; m += 4) {
    float* p = data + 16 * m;
    __m512 n[2], m_hi[2];
    for (int i = 0; i < 2; ++i) {
      const __m512 first = _mm512_loadu_ps(p + 32 * i);  // d[0..15] of group m + 2i
      const __m512 second = _mm512_loadu_ps(p + 32 * i + 16);
      // 2^24·(1 − d_lo) and 2^24·d_hi, exact.
      n[i] =
          _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f),
                                      _mm512_shuffle_f32x4(first, second, _MM_SHUFFLE(1, 0, 1, 0))),
                        two24);
      m_hi[i] = _mm512_mul_ps(_mm512_shuffle_f32x4(first, second, _MM_SHUFFLE(3, 2, 3, 2)), two24);
    }
    normal_two_pairs(p, n, m_hi, 0, mean_v, std_v);
  }
  philox_kernels_scalar().normal_f32_from_uniforms(data + 16 * m, groups - m, mean, std);
}

}  // namespace

const PhiloxKernels& philox_kernels_avx512() {
  static constexpr PhiloxKernels kernels = {words_avx512,
                                            uniform_f32_avx512,
                                            uniform_f64_avx512,
                                            normal_f32_avx512,
                                            normal_f32_from_uniforms_avx512,
                                            trunc_normal_f32_avx512};
  return kernels;
}

}  // namespace weightinit::detail
