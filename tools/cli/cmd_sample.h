// SPDX-License-Identifier: MIT
// `weightinit sample SPEC --shape ...`: fill a tensor by an init spec and print or save it.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds the `sample` subcommand to `app`. Its callback parses the spec and options, fills
/// `Tensor::empty(shape, dtype)` from the default generator seeded like `torch.manual_seed(seed)`,
/// and writes the tensor as text (PyTorch's repr), JSON or raw little-endian bytes. Errors are
/// thrown: weightinit::IoError for output failures, other weightinit::Error for bad input.
void add_sample_command(CLI::App& app);

}  // namespace weightinit::cli
