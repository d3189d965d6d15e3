// SPDX-License-Identifier: MIT
// Internal: one MT19937 twist plus the tempering of all 624 outputs, written as plain loops for
// the compiler to vectorise. Included by mt19937_bulk{,_avx2,_avx512}.cpp, each built for its
// ISA; everything here has internal linkage (an anonymous namespace), so no TU's ISA-specific
// copy can be picked by the linker for another.
#pragma once

#include <cstdint>

namespace {

constexpr int kN = 624;
constexpr int kM = 397;

inline std::uint32_t mt_mix(std::uint32_t u, std::uint32_t v) {
  const std::uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
  return (y >> 1) ^ ((0u - (v & 1u)) & 0x9908b0dfu);
}

/// The same twist as Mt19937::twist, then out[i] = temper(state[i]) for i in [0, 624).
inline void mt_twist_temper(std::uint32_t* __restrict state, std::uint32_t* __restrict out) {
  // k < 227: state[k + 1] and state[k + 397] are still the old values.
  for (int k = 0; k < kN - kM; ++k) state[k] = state[k + kM] ^ mt_mix(state[k], state[k + 1]);
  // 227 <= k < 623: state[k − 227] is new (written by the first loop).
  for (int k = kN - kM; k < kN - 1; ++k) {
    state[k] = state[k + kM - kN] ^ mt_mix(state[k], state[k + 1]);
  }
  state[kN - 1] = state[kM - 1] ^ mt_mix(state[kN - 1], state[0]);
  for (int i = 0; i < kN; ++i) {
    std::uint32_t y = state[i];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    out[i] = y;
  }
}

}  // namespace
