// SPDX-License-Identifier: MIT
// Philox stream fills (philox4x32-10/v1): uniform, normal and truncated normal, OpenMP-parallel.
#include "weightinit/random/philox_stream.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random/erfinv.h"
#include "random/kernels.h"
#include "weightinit/error.h"
#include "weightinit/random/arith_mode.h"

namespace weightinit {

namespace {

/// Groups handed to one OpenMP iteration (a chunk of G·kChunkGroups elements).
constexpr std::int64_t kChunkGroups = 256;
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

/// value, or the next representable value below it when value >= b (keeps [a, b)).
template <class T>
T below(T value, double a, double b) {
  if (a < b && static_cast<double>(value) >= b) {
    return std::nextafter(value, -std::numeric_limits<T>::infinity());
  }
  return value;
}

void uniform_f32(float* out, std::int64_t n, std::int64_t first, double a, double b,
                 const PhiloxKey& key) {
  const double d = b - a;
  for_groups<4>(out, n, first, [&](std::uint64_t g, std::int64_t count, float* dst) {
    for (std::int64_t k = 0; k < count; ++k) {
      const PhiloxCounter w = philox_words(key, g + static_cast<std::uint64_t>(k));
      for (int j = 0; j < 4; ++j) {
        const double u = static_cast<double>(philox_u01_f32(w[static_cast<std::size_t>(j)]));
        dst[4 * k + j] = below(static_cast<float>(a + d * u), a, b);
      }
    }
  });
}

void uniform_f64(double* out, std::int64_t n, std::int64_t first, double a, double b,
                 const PhiloxKey& key) {
  const double d = b - a;
  for_groups<2>(out, n, first, [&](std::uint64_t g, std::int64_t count, double* dst) {
    for (std::int64_t k = 0; k < count; ++k) {
      const PhiloxCounter w = philox_words(key, g + static_cast<std::uint64_t>(k));
      dst[2 * k] = below(a + d * philox_u01_f64(w[0], w[1]), a, b);
      dst[2 * k + 1] = below(a + d * philox_u01_f64(w[2], w[3]), a, b);
    }
  });
}

void normal_f32(float* out, std::int64_t n, std::int64_t first, float mean, float std,
                const PhiloxKey& key) {
  const bool avx2 = cpu_has_avx2_fma();
  for_groups<16>(out, n, first, [&](std::uint64_t g, std::int64_t count, float* dst) {
    for (std::int64_t k = 0; k < 4 * count; ++k) {
      const PhiloxCounter w = philox_words(key, 4 * g + static_cast<std::uint64_t>(k));
      for (int j = 0; j < 4; ++j) dst[4 * k + j] = philox_u01_f32(w[static_cast<std::size_t>(j)]);
    }
    if (avx2) {
      detail::normal_fill_f32_avx2(dst, count, mean, std);
    } else {
      for (std::int64_t b = 0; b < count; ++b) {
        detail::normal_fill_16_f32_avx2_emulated(dst + 16 * b, mean, std);
      }
    }
  });
}

void normal_f64(double* out, std::int64_t n, std::int64_t first, double mean, double std,
                const PhiloxKey& key) {
  for_groups<2>(out, n, first, [&](std::uint64_t g, std::int64_t count, double* dst) {
    for (std::int64_t k = 0; k < count; ++k) {
      const PhiloxCounter w = philox_words(key, g + static_cast<std::uint64_t>(k));
      const double u1 = 1.0 - philox_u01_f64(w[0], w[1]);
      const double u2 = philox_u01_f64(w[2], w[3]);
      const double r = std::sqrt(-2.0 * std::log(u1));
      const double theta = kTwoPi * u2;
      dst[2 * k] = r * std::cos(theta) * std + mean;
      dst[2 * k + 1] = r * std::sin(theta) * std + mean;
    }
  });
}

template <class T>
void trunc_normal(T* out, std::int64_t n, std::int64_t first, double mean, double std, double a,
                  double b, const PhiloxKey& key) {
  const double l = std::erf((a - mean) / std / kSqrt2);
  const double h = std::erf((b - mean) / std / kSqrt2);
  const double scale = std * kSqrt2;
  const auto value = [&](double u) {
    const double x = detail::calc_erfinv<double>(l + (h - l) * u, false);
    return static_cast<T>(std::clamp(x * scale + mean, a, b));
  };
  for_groups<2>(out, n, first, [&](std::uint64_t g, std::int64_t count, T* dst) {
    for (std::int64_t k = 0; k < count; ++k) {
      const PhiloxCounter w = philox_words(key, g + static_cast<std::uint64_t>(k));
      dst[2 * k] = value(philox_u01_f64(w[0], w[1]));
      dst[2 * k + 1] = value(philox_u01_f64(w[2], w[3]));
    }
  });
}

}  // namespace

Tensor& philox_uniform_(Tensor& t, double a, double b, const PhiloxKey& key,
                        std::int64_t first_index) {
  check_target(t, first_index, "philox_uniform_");
  WEIGHTINIT_CHECK(std::isfinite(a) && std::isfinite(b), ValueError,
                   "philox_uniform_ expects finite bounds, but found a=", a, ", b=", b);
  WEIGHTINIT_CHECK(a <= b, ValueError, "philox_uniform_ expects a <= b, but found a=", a,
                   " > b=", b);
  if (t.dtype() == DType::Float32) {
    uniform_f32(t.data_ptr<float>(), t.numel(), first_index, a, b, key);
  } else {
    uniform_f64(t.data_ptr<double>(), t.numel(), first_index, a, b, key);
  }
  return t;
}

Tensor& philox_normal_(Tensor& t, double mean, double std, const PhiloxKey& key,
                       std::int64_t first_index) {
  check_target(t, first_index, "philox_normal_");
  WEIGHTINIT_CHECK(std::isfinite(std) && std >= 0.0, ValueError,
                   "philox_normal_ expects std >= 0.0, but found std ", std);
  if (t.dtype() == DType::Float32) {
    normal_f32(t.data_ptr<float>(), t.numel(), first_index, static_cast<float>(mean),
               static_cast<float>(std), key);
  } else {
    normal_f64(t.data_ptr<double>(), t.numel(), first_index, mean, std, key);
  }
  return t;
}

Tensor& philox_trunc_normal_(Tensor& t, double mean, double std, double a, double b,
                             const PhiloxKey& key, std::int64_t first_index) {
  check_target(t, first_index, "philox_trunc_normal_");
  WEIGHTINIT_CHECK(std::isfinite(std) && std > 0.0, ValueError,
                   "philox_trunc_normal_ expects std > 0.0, but found std ", std);
  WEIGHTINIT_CHECK(a < b, ValueError, "philox_trunc_normal_ expects a < b, but found a=", a,
                   ", b=", b);
  if (t.dtype() == DType::Float32) {
    trunc_normal(t.data_ptr<float>(), t.numel(), first_index, mean, std, a, b, key);
  } else {
    trunc_normal(t.data_ptr<double>(), t.numel(), first_index, mean, std, a, b, key);
  }
  return t;
}

}  // namespace weightinit
