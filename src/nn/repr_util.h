// SPDX-License-Identifier: MIT
// Python-style text for module reprs (private).
#pragma once

#include <charconv>
#include <string>

#include "weightinit/tensor/shape.h"

namespace weightinit::nn::detail {

/// "True" / "False".
inline std::string py_bool(bool v) { return v ? "True" : "False"; }

/// Python's repr of a float for ordinary values: shortest round-trip digits, with ".0" added
/// to integral values ("0.1", "1e-05", "1.0").
inline std::string py_float(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

/// A per-dim option as torch prints it: a tuple "(3, 3)" for multi-dim, "3" for one entry
/// (the int form torch keeps for pooling options given as ints).
inline std::string py_tuple(const Shape& v) { return shape_tuple_str(v); }

}  // namespace weightinit::nn::detail
