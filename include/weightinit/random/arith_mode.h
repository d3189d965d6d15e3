// SPDX-License-Identifier: MIT
// Which of PyTorch's CPU arithmetic modes the samplers reproduce.
#pragma once

#include <cstdint>
#include <string_view>

namespace weightinit {

/// PyTorch compiles its CPU kernels once per CPU capability, and the results differ in the last
/// bit between them. weightinit reproduces either, on any x86-64 CPU.
enum class ArithMode : std::uint8_t {
  /// Torch's AVX2/AVX-512 kernels (built with -mfma): every a*b+c in uniform_, the Box-Muller
  /// scale and erfinv is one fused rounding, and float32 normal_ (>= 16 contiguous elements)
  /// uses avx_mathfun's log256_ps/sincos256_ps. Torch uses this on CPUs with AVX2 and FMA.
  Avx2,
  /// Torch's DEFAULT kernels (`ATEN_CPU_CAPABILITY=default`, or CPUs without AVX2): separate
  /// multiply and add roundings and glibc logf/cosf/sinf.
  Default,
};

/// "avx2" or "default".
std::string_view arith_mode_name(ArithMode mode);

/// Parses "avx2" (also "avx512", which runs the same kernels) or "default"; throws ValueError.
ArithMode parse_arith_mode(std::string_view name);

/// The mode PyTorch would use in this process: the `WEIGHTINIT_ARITH` environment variable if
/// set, else `ATEN_CPU_CAPABILITY` if set (as torch reads it), else that of
/// default_torch_profile() (`WEIGHTINIT_TORCH_PROFILE`, or Avx2 when the CPU has AVX2 and FMA,
/// else Default).
ArithMode detect_arith_mode();

/// The mode new generators get (initially detect_arith_mode()).
ArithMode default_arith_mode();

/// Changes the mode new generators get, and the mode of default_generator().
void set_default_arith_mode(ArithMode mode);

/// True when this CPU can run weightinit's AVX2+FMA kernels (a speed matter only: both modes
/// give the same bits on every CPU, through a scalar fallback).
bool cpu_has_avx2_fma();

/// True when this CPU (and the OS) can run weightinit's AVX-512 kernels: AVX-512 F, DQ, BW and
/// VL, plus AVX2 and FMA. A speed matter only, like cpu_has_avx2_fma().
bool cpu_has_avx512();

}  // namespace weightinit
