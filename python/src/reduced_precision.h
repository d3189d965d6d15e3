// SPDX-License-Identifier: MIT
// bfloat16 and float16 arrays, filled as torch fills them where that is the float32 draw
// rounded to the dtype.
#pragma once

#include <functional>

#include "bindings.h"
#include "weightinit/random/generator.h"

namespace weightinit::python {

/// True for a bfloat16 or float16 array.
bool is_reduced_precision(const CpuArray& array);

/// Fills the bfloat16/float16 `array` through a float32 tensor of its shape: `fill` runs on
/// that tensor (torch's own float32 draws), and each value is rounded to the dtype as torch's
/// casts round. Draw k goes to element k of the array in torch's element order (storage order)
/// when `gen` is given, value i to logical element i otherwise (eye_, dirac_, constant_).
///
/// With a torch-family `gen` this is torch's own result for fills that are one uniform_
/// (uniform_, xavier_uniform_, kaiming_uniform_): torch 2.x draws a reduced-precision uniform_
/// in float32 and rounds it, and from 2.12 on a value that rounds to `to` becomes `from`.
/// A fill that is one normal_ (normal_, xavier_normal_, kaiming_normal_) follows torch 2.12+'s
/// reduced-precision normal_, whose tail block is drawn differently from float32's. Any other
/// torch-family fill that draws (trunc_normal_, sparse_, orthogonal_: torch computes them in
/// the reduced dtype) is a DTypeError before anything is drawn. A Philox `gen` fills
/// anything: its values are defined as the float32 draw rounded (as `weightinit init --dtype
/// bf16` writes them).
void fill_reduced_precision(const CpuArray& array, const char* op, Generator* gen,
                            const std::function<void(Tensor&)>& fill);

}  // namespace weightinit::python
