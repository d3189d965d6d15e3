// SPDX-License-Identifier: MIT
// Reading and writing state dicts in the safetensors format of huggingface/safetensors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/tensor/state_dict.h"

namespace weightinit::io {

/// Element type of a tensor as stored in a safetensors file. Tensor has no bfloat16/float16
/// dtype: BF16 and F16 exist only on disk (written by conversion, widened to float32 on load).
enum class StoredDType : std::uint8_t {
  F32,   ///< IEEE-754 binary32
  F64,   ///< IEEE-754 binary64
  I64,   ///< signed 64-bit integer
  BF16,  ///< bfloat16: 8 exponent bits, 7 mantissa bits
  F16,   ///< IEEE-754 binary16: 5 exponent bits, 10 mantissa bits
};

/// How a tensor of `dtype` is stored without conversion: F32, F64 or I64.
StoredDType natural_stored(DType dtype);

/// The dtype's name in a safetensors header: "F32", "F64", "I64", "BF16" or "F16".
std::string_view stored_dtype_name(StoredDType dtype);

/// Size in bytes of one stored element.
std::size_t stored_element_size(StoredDType dtype);

/// Rounds `value` to bfloat16 bits, to nearest with ties to even, like `torch.bfloat16` casts:
/// overflow gives ±inf, subnormals are kept, every NaN becomes 0x7FC0.
std::uint16_t float_to_bf16_bits(float value);
/// Rounds `value` to IEEE binary16 bits, to nearest with ties to even, like `torch.float16`
/// casts: overflow gives ±inf, subnormals are kept, NaN becomes a quiet NaN with its sign.
std::uint16_t float_to_f16_bits(float value);
/// The float32 value of bfloat16 bits (exact).
float bf16_bits_to_float(std::uint16_t bits);
/// The float32 value of binary16 bits (exact).
float f16_bits_to_float(std::uint16_t bits);

/// Writes `tensors` (any strides; names unique, not "__metadata__") to `path` in the
/// safetensors format, in the given order, with `metadata` as the header's "__metadata__".
/// Float32/Float64/Int64 are written as F32/F64/I64; with `convert_floats_to` BF16 or F16 the
/// floating tensors are rounded to it (float64 first to float32, as PyTorch's casts do) and
/// Int64 tensors are kept. The write is atomic: a temporary file in the same directory is
/// written, fsync'ed and renamed over `path`; on failure it is removed and `path` is left as
/// it was. Throws ValueError for bad arguments and IoError (path and system reason) otherwise.
void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      std::optional<StoredDType> convert_floats_to = std::nullopt);

/// One tensor of a safetensors header: name, stored dtype, shape.
struct SafetensorsEntry {
  std::string name;
  StoredDType dtype;
  Shape shape;
};

/// The first bytes of a safetensors file holding `entries` in this order: the 8-byte
/// little-endian header length, then the JSON header (keys sorted, "__metadata__" first when
/// given) padded with spaces to a multiple of 8. The data of entry k follows at the sum of the
/// earlier entries' sizes. save_safetensors writes exactly this header.
std::string safetensors_header(const std::vector<SafetensorsEntry>& entries,
                               const std::map<std::string, std::string>& metadata);

/// The content of a safetensors file.
struct SafetensorsFile {
  /// The header's "__metadata__" (empty when absent).
  std::map<std::string, std::string> metadata;
  /// The tensors in header order; BF16/F16 are widened to Float32.
  StateDict tensors;
  /// The dtype each tensor had in the file, parallel to `tensors`.
  std::vector<StoredDType> stored;
};

/// Reads a safetensors file with F32, F64, I64, BF16 or F16 tensors. Throws IoError naming
/// `path` and the broken rule for a malformed file (short file, header length, UTF-8, JSON,
/// dtype, shape/size mismatch, offsets out of range, overlapping or not covering the data,
/// duplicate names, non-string metadata) or when the file cannot be read.
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace weightinit::io
