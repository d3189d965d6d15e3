// SPDX-License-Identifier: MIT
// Element types a Tensor can hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weightinit {

/// Element type of a Tensor. float32 and float64 today; bfloat16 and float16 are planned
/// (they add an enumerator here, a case in element_size/dtype_name, and a conversion in the
/// samplers, which compute in float as PyTorch does for reduced precision).
enum class DType : std::uint8_t {
  Float32,  ///< IEEE-754 binary32, torch.float32 (PyTorch's default dtype)
  Float64,  ///< IEEE-754 binary64, torch.float64
  Int64,    ///< signed 64-bit integer, torch.int64 (counters such as num_batches_tracked)
};

/// True for Float32 and Float64, the dtypes the samplers and init functions fill.
constexpr bool is_floating_point(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64;
}

/// Throws DTypeError "{op} expects a floating-point tensor, but got dtype {name}" unless
/// `dtype` is floating-point.
void check_floating_point(DType dtype, const char* op);

/// Size in bytes of one element of `dtype`.
std::size_t element_size(DType dtype);

/// Short name: "float32", "float64" or "int64".
std::string_view dtype_name(DType dtype);

/// Parses "float32"/"float"/"f32", "float64"/"double"/"f64" or "int64"/"long"; throws
/// ValueError otherwise.
DType parse_dtype(std::string_view name);

/// Maps a C++ element type to its DType (float → Float32, double → Float64).
template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::Float32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::Float64;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::Int64;
}

}  // namespace weightinit
