// SPDX-License-Identifier: MIT
// Internal: keeping Philox uniform values inside [a, b) after rounding.
#pragma once

#include <cmath>
#include <limits>

namespace weightinit::detail {

/// `value`, or the next representable value below it when a < b and value >= b: a uniform on
/// [a, b) whose rounded value reached b is moved back inside (philox4x32-10 v1/v2 rule).
template <class T>
T below_bound(T value, double a, double b) {
  if (a < b && static_cast<double>(value) >= b) {
    return std::nextafter(value, -std::numeric_limits<T>::infinity());
  }
  return value;
}

}  // namespace weightinit::detail
