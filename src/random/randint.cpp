// SPDX-License-Identifier: MIT
// torch.randint: uniform integers in [low, high) as torch's CPU random_from_to kernel draws them.
#include <cstdint>

#include "weightinit/error.h"
#include "weightinit/random/sampling.h"

namespace weightinit {

Tensor randint(std::int64_t low, std::int64_t high, const Shape& sizes, Generator& gen) {
  WEIGHTINIT_CHECK(low < high, ValueError,
                   "random_ expects 'from' to be less than 'to', but got from=", low,
                   " >= to=", high);
  Tensor t = Tensor::empty(sizes, DType::Int64);
  const std::uint64_t range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  std::int64_t* out = t.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    // uniform_int_from_to_distribution: one 32-bit word below a 2^32 range, random64() above.
    const std::uint64_t word = range >= (std::uint64_t{1} << 32) ? gen.random64() : gen.random();
    out[i] = static_cast<std::int64_t>(word % range + static_cast<std::uint64_t>(low));
  }
  return t;
}

}  // namespace weightinit
