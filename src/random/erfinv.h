// SPDX-License-Identifier: MIT
// Inverse error function exactly as ATen's calc_erfinv (ATen/native/Math.h) computes it.
#pragma once

#include <cmath>
#include <limits>

namespace weightinit::detail {

/// erfinv(y) for float or double: a rational approximation (Giles-style central and tail
/// branches, the coefficients of ATen's calc_erfinv) refined by two Newton steps
/// x -= (erf(x) - y) / (2/√π · exp(-x²)). `fused` reproduces torch's AVX2 build, where GCC
/// turns every polynomial step p·z + c into one fma; without it each rounds twice.
/// |y| > 1 gives NaN, |y| = 1 gives ±inf. Uses the C library's erf/exp/log, as torch does.
template <class T>
T calc_erfinv(T y, bool fused) {
  constexpr T a[4] = {static_cast<T>(0.886226899), static_cast<T>(-1.645349621),
                      static_cast<T>(0.914624893), static_cast<T>(-0.140543331)};
  constexpr T b[4] = {static_cast<T>(-2.118377725), static_cast<T>(1.442710462),
                      static_cast<T>(-0.329097515), static_cast<T>(0.012229801)};
  constexpr T c[4] = {static_cast<T>(-1.970840454), static_cast<T>(-1.624906493),
                      static_cast<T>(3.429567803), static_cast<T>(1.641345311)};
  constexpr T d[2] = {static_cast<T>(3.543889200), static_cast<T>(1.637067800)};
  const auto madd = [fused](T p, T z, T k) -> T { return fused ? std::fma(p, z, k) : p * z + k; };

  const T y_abs = std::abs(y);
  if (y_abs > static_cast<T>(1.0)) return std::numeric_limits<T>::quiet_NaN();
  if (y_abs == static_cast<T>(1.0)) return std::copysign(std::numeric_limits<T>::infinity(), y);
  T x;
  if (y_abs <= static_cast<T>(0.7)) {
    const T z = y * y;
    const T num = madd(madd(madd(a[3], z, a[2]), z, a[1]), z, a[0]);
    const T dem = madd(madd(madd(madd(b[3], z, b[2]), z, b[1]), z, b[0]), z, static_cast<T>(1.0));
    x = y * num / dem;
  } else {
    const T z = std::sqrt(-std::log((static_cast<T>(1.0) - y_abs) / static_cast<T>(2.0)));
    const T num = madd(madd(madd(c[3], z, c[2]), z, c[1]), z, c[0]);
    const T dem = madd(madd(d[1], z, d[0]), z, static_cast<T>(1.0));
    x = std::copysign(num, y) / dem;
  }
  const T k = static_cast<T>(2.0) / static_cast<T>(std::sqrt(3.14159265358979323846));
  for (int step = 0; step < 2; ++step) {
    x = x - (std::erf(x) - y) / (k * std::exp(-x * x));
  }
  return x;
}

}  // namespace weightinit::detail
