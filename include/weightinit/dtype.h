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
};

/// Size in bytes of one element of `dtype`.
std::size_t element_size(DType dtype);

/// Short name: "float32" or "float64".
std::string_view dtype_name(DType dtype);

/// Parses "float32"/"float"/"f32" or "float64"/"double"/"f64"; throws ValueError otherwise.
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

}  // namespace weightinit
