// SPDX-License-Identifier: MIT
// Internal: the per-ISA kernels behind the Philox stream fills (philox4x32-10/v2). Every ISA
// computes the same bits; the SIMD builds evaluate Philox on many counters at once.
#pragma once

#include <cstdint>

#include "random/philox_trunc_normal_f32.h"
#include "weightinit/random/philox_stream.h"

namespace weightinit::detail {

/// The hot loops of the Philox fills for one instruction set. Each kernel writes whole Philox
/// calls (or 16-element normal groups) starting at a given call (group) index to contiguous
/// memory, exactly as the v1 mapping in philox_stream.h defines them; which ISA runs them changes
/// no bit. The scalar table runs anywhere; the AVX2 and AVX-512 tables need the CPU features
/// that philox_isa_supported() checks.
struct PhiloxKernels {
  /// out[4k + j] = word j of call call0 + k, for k in [0, calls).
  void (*words)(std::uint32_t* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key);
  /// out[4k + j] = float32 uniform_ element 4·(call0 + k) + j on [a, b), k in [0, calls).
  void (*uniform_f32)(float* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                      double a, double b);
  /// out[2k + j] = float64 uniform_ element 2·(call0 + k) + j on [a, b), k in [0, calls).
  void (*uniform_f64)(double* out, std::uint64_t call0, std::int64_t calls, const PhiloxKey& key,
                      double a, double b);
  /// out[16m + j] = float32 normal_ element 16·(group0 + m) + j, m in [0, groups).
  void (*normal_f32)(float* out, std::uint64_t group0, std::int64_t groups, const PhiloxKey& key,
                     float mean, float std);
  /// The float32 normal_ transform alone, in place: each of the `groups` 16-element groups of
  /// uniforms d (multiples of 2^-24 in [0, 1), as philox_u01_f32 makes them) becomes torch's
  /// normal block of d. normal_f32 is words → philox_u01_f32 → this (the tests run it on every
  /// possible uniform).
  void (*normal_f32_from_uniforms)(float* data, std::int64_t groups, float mean, float std);
  /// out[4k + j] = float32 trunc_normal_ element 4·(call0 + k) + j, k in [0, calls): the v2
  /// mapping of random/philox_trunc_normal_f32.h.
  void (*trunc_normal_f32)(float* out, std::uint64_t call0, std::int64_t calls,
                           const PhiloxKey& key, const trunc_v2::Params& params);
};

/// The portable kernels (scalar Philox; the float32 normal block uses AVX2 when the CPU has it,
/// its exact scalar emulation otherwise).
const PhiloxKernels& philox_kernels_scalar();

/// AVX2 kernels: Philox on 4 counters per 256-bit vector (philox_avx2.cpp, built with -mavx2
/// -mfma). Call only when cpu_has_avx2_fma() is true.
const PhiloxKernels& philox_kernels_avx2();

/// AVX-512 kernels: Philox on 8 counters per 512-bit vector and torch's normal block on 16 lanes
/// (philox_avx512.cpp, built with AVX-512F/DQ/BW/VL). Call only when cpu_has_avx512() is true.
const PhiloxKernels& philox_kernels_avx512();

}  // namespace weightinit::detail
