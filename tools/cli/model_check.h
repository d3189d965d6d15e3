// SPDX-License-Identifier: MIT
// Deciding before a model is built whether the command can use it: a forward pass where one is
// needed, and parameters that fit in the memory available.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace weightinit::cli {

/// The memory the kernel says is available now (MemAvailable in /proc/meminfo), in bytes, or
/// nullopt when it cannot be read.
std::optional<std::uint64_t> available_memory_bytes();

/// Builds `spec` as shapes only (no parameter memory, no draws: about 0.01 s for llama:7b) and
/// throws ValueError before any real allocation when `command` needs a forward pass the model
/// does not have ("summary needs a forward pass, which llama:1b does not have yet; weightinit
/// summary llama:1b --shapes lists its parameters"), or when its parameters and buffers need
/// more than the memory available now (naming both sizes and the streaming alternative).
/// With `needs_float_input`, a model that takes token ids (GPT-2) is refused too: summary runs
/// the model on torch.rand input, as torchsummary does.
void check_model_fits(const std::string& spec, const std::string& command, bool needs_forward,
                      bool needs_float_input = false);

}  // namespace weightinit::cli
