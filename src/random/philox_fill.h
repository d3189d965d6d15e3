// SPDX-License-Identifier: MIT
// Internal: running a Philox fill on any tensor (the stream fills need contiguous memory).
#pragma once

#include <cstdint>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::detail {

/// Reserves t.numel() elements of gen's current Philox stream and calls fill(contiguous tensor,
/// first index): on `t` itself when it is contiguous, else on a contiguous copy that is then
/// copied back (element k of the fill is element k of t in row-major order). Returns t.
template <typename Fill>
Tensor& philox_fill(Tensor& t, Generator& gen, Fill&& fill) {
  const std::int64_t first = gen.take_philox_elements(t.numel());
  if (t.numel() == 0) return t;
  if (t.is_contiguous()) {
    fill(t, first);
    return t;
  }
  Tensor work = Tensor::empty(t.sizes(), t.dtype());
  fill(work, first);
  t.copy_(work);
  return t;
}

}  // namespace weightinit::detail
