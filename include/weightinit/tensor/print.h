// SPDX-License-Identifier: MIT
// PyTorch-style tensor printing (torch/_tensor_str.py), so output can be held against
// PyTorch's by eye or compared as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace weightinit {

class Tensor;

/// Print options, with PyTorch's defaults (`torch.set_printoptions`).
struct PrintOptions {
  int precision = 4;              ///< digits after the point (fixed) or in the mantissa (sci)
  std::int64_t threshold = 1000;  ///< more elements than this are summarised with "..."
  int edgeitems = 3;              ///< items kept at each end of a summarised dimension
  int linewidth = 80;             ///< characters per line before wrapping
  std::optional<bool> sci_mode;   ///< force (true) or forbid (false) scientific notation
};

/// The process-wide print options used by Tensor::str() and operator<<.
PrintOptions& print_options();

/// Sets the process-wide options, like `torch.set_printoptions(...)`.
void set_printoptions(const PrintOptions& options);

/// PyTorch's `repr(t)`: `tensor([...])`, with a `dtype=torch.float64` suffix for float64,
/// `size=(0, 3)` for empty tensors, and PyTorch's choice of fixed, integer (`1.`) or
/// scientific form. `requires_grad` appends `requires_grad=True` (for parameters).
std::string format_tensor(const Tensor& t, const PrintOptions& options = print_options(),
                          bool requires_grad = false);

}  // namespace weightinit
