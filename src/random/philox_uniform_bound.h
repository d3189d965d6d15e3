// SPDX-License-Identifier: MIT
// Internal: keeping Philox uniform values inside [a, b) after rounding, shared by the scalar,
// AVX2 and AVX-512 kernels.
//
// Internal linkage on purpose (the unnamed namespace): this header is included by files
// compiled for different ISAs (philox_avx2.cpp with -mavx2, philox_avx512.cpp with -mavx512f).
// An inline function with external linkage would be one symbol for all of them, and the linker
// could give the portable kernels the body compiled for AVX-512.
#pragma once

#include <cstdint>
#include <cstring>

namespace weightinit::detail {
namespace {  // NOLINT(google-build-namespaces): see above

/// The next value below v (std::nextafter(v, -inf) for non-NaN v), by its bits.
template <class T, class Bits>
T next_below_bits(T v) {
  Bits bits;
  std::memcpy(&bits, &v, sizeof bits);
  constexpr Bits sign = Bits{1} << (8 * sizeof(Bits) - 1);
  if ((bits & ~sign) == 0) {
    bits = sign | 1u;  // ±0 → −(smallest subnormal)
  } else if ((bits & sign) == 0) {
    --bits;
  } else {
    ++bits;
  }
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

[[maybe_unused]] inline float next_below(float v) {
  return next_below_bits<float, std::uint32_t>(v);
}
[[maybe_unused]] inline double next_below(double v) {
  return next_below_bits<double, std::uint64_t>(v);
}

/// `value`, or the next representable value below it when a < b and value >= b: a uniform on
/// [a, b) whose rounded value reached b is moved back inside (philox4x32-10 v1/v2 rule).
template <class T>
T below_bound(T value, double a, double b) {
  return (a < b && static_cast<double>(value) >= b) ? next_below(value) : value;
}

}  // namespace
}  // namespace weightinit::detail
