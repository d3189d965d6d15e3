// SPDX-License-Identifier: MIT
// Philox stream fills (philox4x32-10/v2): uniform, normal and truncated normal. Argument checks,
// OpenMP over chunks of whole Philox calls, and the run-time choice of the SIMD kernels
// (philox_isa.h); element i depends only on (key, i), so neither changes any bit.
#include "weightinit/random/philox_stream.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random/erfinv.h"
#include "random/philox_isa.h"
#include "random/philox_kernels.h"
#include "weightinit/error.h"

namespace weightinit {

namespace {

/// Elements handed to one OpenMP iteration (whole groups; about 64 KiB of float32).
constexpr std::int64_t kChunkElements = std::int64_t{1} << 14;
/// Philox calls whose words are buffered at a time by the fills with scalar math.
constexpr std::int64_t kWordBatchCalls = 128;
/// Below this many elements the fill runs on the calling thread only.
constexpr std::int64_t kParallelMin = std::int64_t{1} << 15;

constexpr double kTwoPi = 6.283185307179586;  // double(2π)
constexpr double kSqrt2 = 1.4142135623730951;

/// Runs `fill(g, count, dst)` — which writes the G·count values of logical groups
/// g..g+count−1 (group g = logical elements [G·g, G·g + G)) to dst — so that out[j] receives
/// logical element first + j for j in [0, n). Partial groups at either end go through a
/// scratch buffer. Every group is computed from its own index only, so the split across
/// threads cannot change any bit.
template <std::int64_t G, class T, class Fill>
void for_groups(T* out, std::int64_t n, std::int64_t first, Fill&& fill) {
  if (n == 0) return;
  const std::uint64_t lo = static_cast<std::uint64_t>(first);
  const std::uint64_t hi = lo + static_cast<std::uint64_t>(n);  // exclusive
  const std::uint64_t g_lo = lo / G;
  const std::uint64_t g_hi = (hi + G - 1) / G;  // exclusive
  const auto partial = [&](std::uint64_t g) {
    T tmp[G];
    fill(g, 1, tmp);
    for (std::int64_t j = 0; j < G; ++j) {
      const std::uint64_t i = g * G + static_cast<std::uint64_t>(j);
      if (i >= lo && i < hi) out[i - lo] = tmp[j];
    }
  };
  // Full groups: [f_lo, f_hi).
  const std::uint64_t f_lo = (lo + G - 1) / G;
  const std::uint64_t f_hi = hi / G;
  if (f_lo >= f_hi) {  // no full group: one or two partial ones
    for (std::uint64_t g = g_lo; g < g_hi; ++g) partial(g);
    return;
  }
  if (g_lo < f_lo) partial(g_lo);
  if (f_hi < g_hi) partial(f_hi);
  constexpr std::int64_t kChunkGroups = kChunkElements / G;
  const std::int64_t full = static_cast<std::int64_t>(f_hi - f_lo);
  const std::int64_t chunks = (full + kChunkGroups - 1) / kChunkGroups;
  T* const base = out + (f_lo * G - lo);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t g0 = c * kChunkGroups;
    const std::int64_t count = std::min(kChunkGroups, full - g0);
    fill(f_lo + static_cast<std::uint64_t>(g0), count, base + g0 * G);
  }
}

void check_target(const Tensor& t, std::int64_t first_index, const char* op) {
  WEIGHTINIT_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, DTypeError, op,
                   " expects a float32 or float64 tensor, but got dtype ", dtype_name(t.dtype()));
  WEIGHTINIT_CHECK(t.is_contiguous(), ValueError, op, " expects a contiguous tensor");
  WEIGHTINIT_CHECK(first_index >= 0, ValueError, op, " expects first_index >= 0, but found ",
                   first_index);
  WEIGHTINIT_CHECK(first_index <= std::numeric_limits<std::int64_t>::max() - t.numel(), ValueError,
                   op, ": first_index + numel overflows int64");
}

/// Runs `per_call(w, dst + E·k)` for the words w of calls g..g+count−1 (k counting them),
/// generated `kWordBatchCalls` at a time by the kernels' `words` (E = elements per call).
template <std::int64_t E, class T, class PerCall>
void with_words(const detail::PhiloxKernels& kernels, const PhiloxKey& key, std::uint64_t g,
                std::int64_t count, T* dst, PerCall&& per_call) {
  std::uint32_t words[4 * kWordBatchCalls];
  for (std::int64_t k0 = 0; k0 < count; k0 += kWordBatchCalls) {
    const std::int64_t calls = std::min(kWordBatchCalls, count - k0);
    kernels.words(words, g + static_cast<std::uint64_t>(k0), calls, key);
    for (std::int64_t k = 0; k < calls; ++k) per_call(words + 4 * k, dst + E * (k0 + k));
  }
}

void normal_f64(double* out, std::int64_t n, std::int64_t first, double mean, double std,
                const PhiloxKey& key, const detail::PhiloxKernels& kernels) {
  for_groups<2>(out, n, first, [&](std::uint64_t g, std::int64_t count, double* dst) {
    with_words<2>(kernels, key, g, count, dst, [&](const std::uint32_t* w, double* pair) {
      const double u1 = 1.0 - philox_u01_f64(w[0], w[1]);
      const double u2 = philox_u01_f64(w[2], w[3]);
      const double r = std::sqrt(-2.0 * std::log(u1));
      const double theta = kTwoPi * u2;
      pair[0] = r * std::cos(theta) * std + mean;
      pair[1] = r * std::sin(theta) * std + mean;
    });
  });
}

/// The smallest float >= v (−FLT_MAX for v <= −FLT_MAX, +inf above FLT_MAX).
float float_at_or_above(double v) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (v <= -kMax) return -std::numeric_limits<float>::max();
  if (v > kMax) return std::numeric_limits<float>::infinity();
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

/// The largest float <= v (FLT_MAX for v >= FLT_MAX, −inf below −FLT_MAX).
float float_at_or_below(double v) { return -float_at_or_above(-v); }

/// The constants of a float32 v2 truncated-normal fill (random/philox_trunc_normal_f32.h).
detail::trunc_v2::Params trunc_normal_f32_params(double mean, double std, double a, double b) {
  const double l = std::erf((a - mean) / std / kSqrt2);
  const double h = std::erf((b - mean) / std / kSqrt2);
  return {l,
          h - l,
          static_cast<float>(std * kSqrt2),
          static_cast<float>(mean),
          float_at_or_above(a),
          float_at_or_below(b)};
}

/// The float64 truncated normal (v1's method, kept in v2): calc_erfinv in double, per element.
template <class T>
void trunc_normal(T* out, std::int64_t n, std::int64_t first, double mean, double std, double a,
                  double b, const PhiloxKey& key, const detail::PhiloxKernels& kernels) {
  const double l = std::erf((a - mean) / std / kSqrt2);
  const double h = std::erf((b - mean) / std / kSqrt2);
  const double scale = std * kSqrt2;
  const auto value = [&](double u) {
    const double x = detail::calc_erfinv<double>(l + (h - l) * u, false);
    return static_cast<T>(std::clamp(x * scale + mean, a, b));
  };
  for_groups<2>(out, n, first, [&](std::uint64_t g, std::int64_t count, T* dst) {
    with_words<2>(kernels, key, g, count, dst, [&](const std::uint32_t* w, T* pair) {
      pair[0] = value(philox_u01_f64(w[0], w[1]));
      pair[1] = value(philox_u01_f64(w[2], w[3]));
    });
  });
}

}  // namespace

namespace detail {

Tensor& philox_uniform_with_isa(Tensor& t, double a, double b, const PhiloxKey& key,
                                std::int64_t first_index, PhiloxIsa isa) {
  check_target(t, first_index, "philox_uniform_");
  WEIGHTINIT_CHECK(std::isfinite(a) && std::isfinite(b), ValueError,
                   "philox_uniform_ expects finite bounds, but found a=", a, ", b=", b);
  WEIGHTINIT_CHECK(a <= b, ValueError, "philox_uniform_ expects a <= b, but found a=", a,
                   " > b=", b);
  const PhiloxKernels& kernels = philox_kernels(isa);
  const std::int64_t n = t.numel();
  if (t.dtype() == DType::Float32) {
    for_groups<4>(t.data_ptr<float>(), n, first_index,
                  [&](std::uint64_t g, std::int64_t count, float* dst) {
                    kernels.uniform_f32(dst, g, count, key, a, b);
                  });
  } else {
    for_groups<2>(t.data_ptr<double>(), n, first_index,
                  [&](std::uint64_t g, std::int64_t count, double* dst) {
                    kernels.uniform_f64(dst, g, count, key, a, b);
                  });
  }
  return t;
}

Tensor& philox_normal_with_isa(Tensor& t, double mean, double std, const PhiloxKey& key,
                               std::int64_t first_index, PhiloxIsa isa) {
  check_target(t, first_index, "philox_normal_");
  WEIGHTINIT_CHECK(std::isfinite(std) && std >= 0.0, ValueError,
                   "philox_normal_ expects std >= 0.0, but found std ", std);
  const PhiloxKernels& kernels = philox_kernels(isa);
  if (t.dtype() == DType::Float32) {
    const auto mean_f = static_cast<float>(mean);
    const auto std_f = static_cast<float>(std);
    for_groups<16>(t.data_ptr<float>(), t.numel(), first_index,
                   [&](std::uint64_t g, std::int64_t count, float* dst) {
                     kernels.normal_f32(dst, g, count, key, mean_f, std_f);
                   });
  } else {
    normal_f64(t.data_ptr<double>(), t.numel(), first_index, mean, std, key, kernels);
  }
  return t;
}

Tensor& philox_trunc_normal_with_isa(Tensor& t, double mean, double std, double a, double b,
                                     const PhiloxKey& key, std::int64_t first_index,
                                     PhiloxIsa isa) {
  check_target(t, first_index, "philox_trunc_normal_");
  WEIGHTINIT_CHECK(std::isfinite(std) && std > 0.0, ValueError,
                   "philox_trunc_normal_ expects std > 0.0, but found std ", std);
  WEIGHTINIT_CHECK(a < b, ValueError, "philox_trunc_normal_ expects a < b, but found a=", a,
                   ", b=", b);
  const PhiloxKernels& kernels = philox_kernels(isa);
  if (t.dtype() == DType::Float32) {
    const trunc_v2::Params params = trunc_normal_f32_params(mean, std, a, b);
    for_groups<4>(t.data_ptr<float>(), t.numel(), first_index,
                  [&](std::uint64_t g, std::int64_t count, float* dst) {
                    kernels.trunc_normal_f32(dst, g, count, key, params);
                  });
  } else {
    trunc_normal(t.data_ptr<double>(), t.numel(), first_index, mean, std, a, b, key, kernels);
  }
  return t;
}

}  // namespace detail

Tensor& philox_uniform_(Tensor& t, double a, double b, const PhiloxKey& key,
                        std::int64_t first_index) {
  return detail::philox_uniform_with_isa(t, a, b, key, first_index, detail::philox_best_isa());
}

Tensor& philox_normal_(Tensor& t, double mean, double std, const PhiloxKey& key,
                       std::int64_t first_index) {
  return detail::philox_normal_with_isa(t, mean, std, key, first_index, detail::philox_best_isa());
}

Tensor& philox_trunc_normal_(Tensor& t, double mean, double std, double a, double b,
                             const PhiloxKey& key, std::int64_t first_index) {
  return detail::philox_trunc_normal_with_isa(t, mean, std, a, b, key, first_index,
                                              detail::philox_best_isa());
}

}  // namespace weightinit
