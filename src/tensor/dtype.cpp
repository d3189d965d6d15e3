// SPDX-License-Identifier: MIT
// DType names and sizes.
#include "weightinit/dtype.h"

#include "weightinit/error.h"

namespace weightinit {

std::size_t element_size(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return 4;
    case DType::Float64:
    case DType::Int64:
      return 8;
  }
  throw DTypeError("unknown dtype");
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Int64:
      return "int64";
  }
  throw DTypeError("unknown dtype");
}

DType parse_dtype(std::string_view name) {
  if (name == "float32" || name == "float" || name == "f32") return DType::Float32;
  if (name == "float64" || name == "double" || name == "f64") return DType::Float64;
  if (name == "int64" || name == "long") return DType::Int64;
  throw ValueError(detail::concat(
      "unknown dtype '", name,
      "': expected one of float32 (float, f32), float64 (double, f64), int64 (long)"));
}

void check_floating_point(DType dtype, const char* op) {
  WEIGHTINIT_CHECK(is_floating_point(dtype), DTypeError, op,
                   " expects a floating-point tensor, but got dtype ", dtype_name(dtype));
}

}  // namespace weightinit
