// SPDX-License-Identifier: MIT
// The Philox4x32-10 counter-based bijection (Salmon et al. 2011), header-only so it inlines.
#pragma once

#include <array>
#include <cstdint>

namespace weightinit {

/// A Philox4x32 counter: four 32-bit words.
using PhiloxCounter = std::array<std::uint32_t, 4>;
/// A Philox4x32 key: two 32-bit words.
using PhiloxKeyWords = std::array<std::uint32_t, 2>;

/// Philox4x32 round multipliers and key-schedule (Weyl) increments, as in Random123's
/// philox.h: PHILOX_M4x32_0, PHILOX_M4x32_1, PHILOX_W32_0 (golden ratio), PHILOX_W32_1 (√3−1).
inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;

/// Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1,
/// 2, 3"; Random123's philox4x32_R(10, ctr, key)). A pure function: for a fixed key it is a
/// bijection of the 128-bit counter. Ten rounds; before every round but the first the key is
/// bumped, k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32). One round, with
/// p0 = 0xD2511F53·c0 and p1 = 0xCD9E8D57·c2 as 64-bit products:
///   c ← { hi(p1) ^ c1 ^ k0,  lo(p1),  hi(p0) ^ c3 ^ k1,  lo(p0) }.
/// Matches Random123's tests/kat_vectors for philox4x32 10 (see tests/random/philox_test.cpp).
constexpr PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKeyWords key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kPhiloxW0;
      key[1] += kPhiloxW1;
    }
    const std::uint64_t p0 = std::uint64_t{kPhiloxM0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{kPhiloxM1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return ctr;
}

}  // namespace weightinit
