// SPDX-License-Identifier: MIT
// The portable Philox fill kernels: one Philox4x32-10 call at a time. They define the bits the
// SIMD kernels (philox_avx2.cpp, philox_avx512.cpp) reproduce.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "random/kernels.h"
#include "random/philox_kernels.h"
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

/// log_v2 (random/philox_trunc_normal_f32.h): musl's logf, from FreeBSD's e_logf.c, for
/// positive normal floats. Written out here rather than calling std::log because the SIMD
/// kernels must reproduce it bit for bit, and no libm promises the same bits as our vector code.
float log_v2(float t) {
  namespace c = trunc_v2;
  std::int32_t ix;
  std::memcpy(&ix, &t, sizeof ix);
  ix += 0x3f800000 - c::kSqrtHalfBits;
  const std::int32_t k = (ix >> 23) - 127;
  ix = (ix & 0x007fffff) + c::kSqrtHalfBits;
  float x;
  std::memcpy(&x, &ix, sizeof x);
  const float f = x - 1.0f;
  const float s = f / (2.0f + f);
  const float z = s * s;
  const float q = z * z;
  const float t1 = q * (c::kLg2 + q * c::kLg4);
  const float t2 = z * (c::kLg1 + q * c::kLg3);
  const float r = t2 + t1;
  const float h = 0.5f * f * f;
  const auto dk = static_cast<float>(k);
  return s * (h + r) + dk * c::kLn2Lo - h + f + dk * c::kLn2Hi;
}

/// Horner's rule, every step rounded on its own: ((c0·z + c1)·z + ...) + c8.
float horner9(const float (&coef)[9], float z) {
  float p = coef[0];
  for (int i = 1; i < 9; ++i) p = coef[i] + p * z;
  return p;
}

float trunc_normal_value(std::uint32_t word, const trunc_v2::Params& p) {
  const std::uint32_t m = word >> 9;
  const double u = static_cast<double>(2 * m + 1) * (1.0 / 16777216.0);
  const double y = p.l + p.d * u;
  const float t =
      std::max(static_cast<float>((1.0 - y) * (1.0 + y)), std::numeric_limits<float>::min());
  const float w = -log_v2(t);
  const float poly = w < 5.0f ? horner9(trunc_v2::kCentral, w - 2.5f)
                              : horner9(trunc_v2::kTail, std::sqrt(w) - 3.0f);
  const float x = poly * static_cast<float>(y);
  const float v = x * p.scale + p.mean;
  return std::min(std::max(v, p.lo), p.hi);
}

void trunc_normal_f32_scalar(float* out, std::uint64_t call0, std::int64_t calls,
                             const PhiloxKey& key, const trunc_v2::Params& params) {
  for (std::int64_t k = 0; k < calls; ++k) {
    const PhiloxCounter w = philox_words(key, call0 + static_cast<std::uint64_t>(k));
    for (std::size_t j = 0; j < 4; ++j) {
      out[4 * k + static_cast<std::int64_t>(j)] = trunc_normal_value(w[j], params);
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
