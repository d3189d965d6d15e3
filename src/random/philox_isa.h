// SPDX-License-Identifier: MIT
// Internal: which instruction set runs the Philox stream fills, and fills with an explicit
// choice (the tests use these to compare every ISA with the scalar path bit for bit).
#pragma once

#include <cstdint>
#include <string_view>

#include "random/philox_kernels.h"
#include "weightinit/random/philox_stream.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::detail {

/// The kernel sets of the Philox fills; all give the same bits.
enum class PhiloxIsa : std::uint8_t { Scalar, Avx2, Avx512 };

/// "scalar", "avx2" or "avx512".
std::string_view philox_isa_name(PhiloxIsa isa);

/// True when this CPU can run `isa` (Scalar always).
bool philox_isa_supported(PhiloxIsa isa);

/// The fastest supported ISA (chosen once per process): Avx512, else Avx2, else Scalar.
PhiloxIsa philox_best_isa();

/// The kernel table of `isa` (which must be supported).
const PhiloxKernels& philox_kernels(PhiloxIsa isa);

/// philox_uniform_ run with the kernels of `isa` (same checks, same bits).
Tensor& philox_uniform_with_isa(Tensor& t, double a, double b, const PhiloxKey& key,
                                std::int64_t first_index, PhiloxIsa isa);

/// philox_normal_ run with the kernels of `isa` (same checks, same bits).
Tensor& philox_normal_with_isa(Tensor& t, double mean, double std, const PhiloxKey& key,
                               std::int64_t first_index, PhiloxIsa isa);

/// philox_trunc_normal_ run with the kernels of `isa` (same checks, same bits).
Tensor& philox_trunc_normal_with_isa(Tensor& t, double mean, double std, double a, double b,
                                     const PhiloxKey& key, std::int64_t first_index, PhiloxIsa isa);

}  // namespace weightinit::detail
