// SPDX-License-Identifier: MIT
// Private sampling kernels shared by uniform.cpp and normal.cpp. Each turns raw MT19937
// words (already drawn in torch's order) into values, rounding exactly as torch's kernels do.
#pragma once

#include <cstdint>

namespace weightinit::detail {

/// 2^-24 and 2^-53: torch's uniform_real DIVISOR for float and double.
inline constexpr float kTwoPowMinus24 = 1.0f / 16777216.0f;
inline constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;

/// float32 uniform in [0,1) from one word: the low 24 bits times 2^-24 (exact).
inline float u01_float(std::uint32_t word) {
  return static_cast<float>(word & 0xFFFFFFu) * kTwoPowMinus24;
}
/// float64 uniform in [0,1) from random64(): the low 53 bits times 2^-53 (exact).
inline double u01_double(std::uint64_t bits) {
  return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * kTwoPowMinus53;
}

// ---- AVX2+FMA builds of the hot loops (normal_fill_avx2.cpp, compiled with -mavx2 -mfma).
// Call only when cpu_has_avx2_fma() is true.

/// In place over n words stored in `data`: data[i] = fma(u01_float(word_i), d, from).
void uniform_f32_fma_avx2(float* data, std::int64_t n, float from, float d);

/// torch's normal_fill_16_AVX2 over `blocks` consecutive 16-element blocks of uniforms in
/// [0,1): log256_ps/sincos256_ps from avx_mathfun, then fma(r*cos|sin, std, mean).
void normal_fill_f32_avx2(float* data, std::int64_t blocks, float mean, float std);

// ---- Portable versions (any CPU; the same bits).

/// One 16-element block of torch's normal_fill_16_AVX2, emulated lane by lane with std::fma.
void normal_fill_16_f32_avx2_emulated(float* data, float mean, float std);

}  // namespace weightinit::detail
