// SPDX-License-Identifier: MIT
// The samplers' hooks into Generator (private to the library; not installed): the cached
// Box-Muller sample and the Philox element counter, which only the fills may move.
#pragma once

#include <cstdint>
#include <optional>

#include "weightinit/random/generator.h"

namespace weightinit::detail {

struct GeneratorAccess {
  /// Philox: reserves `n` elements of the current stream for a fill; returns the first index.
  static std::int64_t take_philox_elements(Generator& gen, std::int64_t n) {
    const std::int64_t first = gen.philox_offset_;
    gen.philox_offset_ += n;
    return first;
  }
  /// Sets torch's next_double_normal_sample (the scalar normal_ paths leave one or use it).
  static void set_next_double_normal_sample(Generator& gen, std::optional<double> v) {
    gen.next_double_normal_ = v;
  }
  /// Sets torch's float cache (tests and state restore only; no CPU sampler uses it).
  static void set_next_float_normal_sample(Generator& gen, std::optional<float> v) {
    gen.next_float_normal_ = v;
  }
};

}  // namespace weightinit::detail
