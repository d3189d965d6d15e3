// SPDX-License-Identifier: MIT
// The zero-element rule shared by every init function (private).
#pragma once

#include "weightinit/init/warnings.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init::detail {

/// True (after warning "Initializing zero-element tensors is a no-op", torch's kaiming_* text)
/// when `tensor` has no elements: the init function then returns it unchanged, drawing nothing.
inline bool is_zero_element_noop(const Tensor& tensor) {
  if (tensor.numel() != 0) return false;
  warn("Initializing zero-element tensors is a no-op");
  return true;
}

}  // namespace weightinit::init::detail
