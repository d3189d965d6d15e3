// SPDX-License-Identifier: MIT
// Internal: running a Philox fill on any tensor (the stream fills need contiguous memory).
#pragma once

#include "random/deferred_draw.h"
#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::detail {

/// Reserves t.numel() elements of gen's current Philox stream and fills `t` with `draw`'s
/// distribution (its kind and p0..p3; key, first and numel are set here): element k of t in
/// row-major order is stream element first + k. Non-contiguous tensors go through a
/// contiguous copy. A deferred `t` is recorded by the active DrawRecorder instead (Error when
/// there is none, or when `t` is a view that is not the whole contiguous tensor). Returns t.
Tensor& philox_fill(Tensor& t, Generator& gen, ElementwiseDraw draw);

}  // namespace weightinit::detail
