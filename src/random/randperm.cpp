// SPDX-License-Identifier: MIT
// randperm: torch's CPU Fisher-Yates variants.
#include <numeric>

#include "weightinit/random/sampling.h"

namespace weightinit {

std::vector<std::int64_t> randperm(std::int64_t n, Generator& gen) {
  WEIGHTINIT_CHECK(n >= 0, ValueError, "n must be non-negative, got ", n);
  std::vector<std::int64_t> r(static_cast<std::size_t>(n));
  // torch's randperm_cpu: below UINT32_MAX/20 one 32-bit draw per swap keeps the modulo bias
  // small; above it, the inside-out shuffle with random64().
  constexpr std::int64_t kSmall = 0xffffffffLL / 20;
  if (n < kSmall) {
    std::iota(r.begin(), r.end(), std::int64_t{0});
    for (std::int64_t i = 0; i + 1 < n; ++i) {
      const std::int64_t z =
          static_cast<std::int64_t>(gen.random() % static_cast<std::uint64_t>(n - i));
      std::swap(r[i], r[i + z]);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t z =
          static_cast<std::int64_t>(gen.random64() % static_cast<std::uint64_t>(i + 1));
      r[i] = r[z];
      r[z] = i;
    }
  }
  return r;
}

}  // namespace weightinit
