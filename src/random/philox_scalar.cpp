// SPDX-License-Identifier: MIT
// The portable Philox fill kernels: one Philox4x32-10 call at a time. They define the bits the
// SIMD kernels (philox_avx2.cpp, philox_avx512.cpp) reproduce.
#include <cmath>
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

}  // namespace

const PhiloxKernels& philox_kernels_scalar() {
  static constexpr PhiloxKernels kernels = {words_scalar, uniform_f32_scalar, uniform_f64_scalar,
                                            normal_f32_scalar, normal_f32_from_uniforms_scalar};
  return kernels;
}

}  // namespace weightinit::detail
