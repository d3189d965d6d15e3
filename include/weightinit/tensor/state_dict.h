// SPDX-License-Identifier: MIT
// StateDict: named tensors in order, the currency between modules (nn) and files (io).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "weightinit/tensor/tensor.h"

namespace weightinit {

/// Ordered (name, tensor) pairs, like the OrderedDict `torch.nn.Module.state_dict()` returns.
/// It lives in the tensor layer so that io/ can read and write it without knowing nn/.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

}  // namespace weightinit
