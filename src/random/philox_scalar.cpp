// SPDX-License-Identifier: MIT
// The portable Philox fill kernels: one Philox4x32-10 call at a time. They define the bits the
// SIMD kernels (philox_avx2.cpp, philox_avx512.cpp) reproduce.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "random/kernels.h"
#include "random/philox_kernels.h"
#include "random/philox_trunc_normal_lanes.h"
#include "random/philox_uniform_bound.h"
#include "weightinit/random/arith_mode.h"

namespace weightinit::detail {

namespace {

void words_scalar(std::uint32_t* out, std::uint64_t call0, std::int64_t calls,
                  const PhiloxKey& key) {
  for (std::int64_t k = 0; k < calls; ++k) {
    const PhiloxCounter w = philox_words(key, call0 + static_cast<std::uint64_t>(k));
    for (std::size_t j = 0; j < 4; ++j) out[4 * k + static_cast<std::int64_t>(j)] = w[j];
  }
}

void uniform_f32_scalar(float* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                        double a, double b) {
  const double d = b - a;
  for (std::int64_t k = 0; k < calls; ++k) {
    const PhiloxCounter w = philox_words(key, call0 + static_cast<std::uint64_t>(k));
    for (std::size_t j = 0; j < 4; ++j) {
      const double u = static_cast<double>(philox_u01_f32(w[j]));
      out[4 * k + static_cast<std::int64_t>(j)] = below_bound(static_cast<float>(a + d * u), a, b);
    }
  }
}

void uniform_f64_scalar(double* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                        double a, double b) {
  const double d = b - a;
  for (std::int64_t k = 0; k < calls; ++k) {
    const PhiloxCounter w = philox_words(key, call0 + static_cast<std::uint64_t>(k));
    out[2 * k] = below_bound(a + d * philox_u01_f64(w[0], w[1]), a, b);
    out[2 * k + 1] = below_bound(a + d * philox_u01_f64(w[2], w[3]), a, b);
  }
}

void normal_f32_from_uniforms_scalar(float* data, std::int64_t groups, float mean, float std) {
  if (cpu_has_avx2_fma()) {
    normal_fill_f32_avx2(data, groups, mean, std);
  } else {
    for (std::int64_t m = 0; m < groups; ++m) {
      normal_fill_16_f32_avx2_emulated(data + 16 * m, mean, std);
    }
  }
}

void normal_f32_scalar(float* out, std::uint64_t group0, std::int64_t groups, const PhiloxKey& key,
                       float mean, float std) {
  for (std::int64_t k = 0; k < 4 * groups; ++k) {
    const PhiloxCounter w = philox_words(key, 4 * group0 + static_cast<std::uint64_t>(k));
    for (std::size_t j = 0; j < 4; ++j)
      out[4 * k + static_cast<std::int64_t>(j)] = philox_u01_f32(w[j]);
  }
  normal_f32_from_uniforms_scalar(out, groups, mean, std);
}

/// Scalar lanes for TruncNormalV2 (philox_trunc_normal_lanes.h): one float per "vector".
/// log_v2 and the polynomials are written out there rather than calling std::log because the
/// SIMD kernels must reproduce them bit for bit, and no libm promises the same bits as vector
/// code.
struct ScalarLanes {
  using F = float;
  using I = std::int32_t;
  using Mask = bool;
  struct Consts {
    double l, d;
    F scale, mean, lo, hi;
  };
  static Consts broadcast(const trunc_v2::Params& p) {
    return {p.l, p.d, p.scale, p.mean, p.lo, p.hi};
  }
  static F set(float v) { return v; }
  static I seti(std::int32_t v) { return v; }
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F div(F a, F b) { return a / b; }
  static F sqrt(F a) { return std::sqrt(a); }
  static F neg(F a) { return -a; }
  static F max(F a, F b) { return a > b ? a : b; }
  static F min(F a, F b) { return a < b ? a : b; }
  static I bits(F a) {
    I i;
    std::memcpy(&i, &a, sizeof i);
    return i;
  }
  static F from_bits(I i) {
    F a;
    std::memcpy(&a, &i, sizeof a);
    return a;
  }
  static I addi(I a, I b) { return a + b; }
  static I subi(I a, I b) { return a - b; }
  static I andi(I a, I b) { return a & b; }
  static I ori(I a, I b) { return a | b; }
  static I srai23(I a) { return a >> 23; }
  static I srli9(I a) { return static_cast<I>(static_cast<std::uint32_t>(a) >> 9); }
  static I slli1(I a) { return static_cast<I>(static_cast<std::uint32_t>(a) << 1); }
  static F cvt_i2f(I a) { return static_cast<float>(a); }
  static Mask lt(F a, F b) { return a < b; }
  static bool all(Mask m) { return m; }
  static F blend(Mask m, F if_false, F if_true) { return m ? if_true : if_false; }
  static void y_and_t(I n, const Consts& c, F& y, F& t) {
    const double u = static_cast<double>(n) * (1.0 / 16777216.0);
    const double yd = c.l + c.d * u;
    y = static_cast<float>(yd);
    t = static_cast<float>((1.0 - yd) * (1.0 + yd));
  }
};

void trunc_normal_f32_scalar(float* out, std::uint64_t call0, std::int64_t calls,
                             const PhiloxKey& key, const trunc_v2::Params& params) {
  const ScalarLanes::Consts c = ScalarLanes::broadcast(params);
  for (std::int64_t k = 0; k < calls; ++k) {
    const PhiloxCounter w = philox_words(key, call0 + static_cast<std::uint64_t>(k));
    for (std::size_t j = 0; j < 4; ++j) {
      out[4 * k + static_cast<std::int64_t>(j)] =
          TruncNormalV2<ScalarLanes>::values(static_cast<std::int32_t>(w[j]), c);
    }
  }
}

}  // namespace

const PhiloxKernels& philox_kernels_scalar() {
  static constexpr PhiloxKernels kernels = {words_scalar,
                                            uniform_f32_scalar,
                                            uniform_f64_scalar,
                                            normal_f32_scalar,
                                            normal_f32_from_uniforms_scalar,
                                            trunc_normal_f32_scalar};
  return kernels;
}

}  // namespace weightinit::detail
