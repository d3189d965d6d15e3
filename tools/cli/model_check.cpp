// SPDX-License-Identifier: MIT
// check_model_fits: a deferred build (shapes only) decides before the real one.
#include "model_check.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "weightinit/error.h"
#include "weightinit/models/registry.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::cli {

namespace {

/// "27.0 GB" (decimal units).
std::string gigabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

}  // namespace

std::optional<std::uint64_t> available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

void check_model_fits(const std::string& spec, const std::string& command, bool needs_forward,
                      bool needs_float_input) {
  models::BuiltModel planned;
  {
    const DeferredAllocationGuard deferred;
    Generator unused(0);  // a deferred build draws nothing; the real generator stays untouched
    planned = models::build_model(spec, unused);
  }
  WEIGHTINIT_CHECK(!needs_forward || planned.has_forward, ValueError, command,
                   " needs a forward pass, which ", spec,
                   " does not have yet (it is built and initialized, not run; the torchvision "
                   "models, the CIFAR WRNs and GPT-2 run); "
                   "weightinit summary ",
                   spec, " --shapes lists its parameters");
  WEIGHTINIT_CHECK(!needs_float_input || planned.token_vocab == 0, ValueError, command,
                   " runs the model on torch.rand input, as torchsummary does, but ", spec,
                   " takes token ids: weightinit forward ", spec, " runs it; weightinit summary ",
                   spec, " --style torchinfo feeds it ids; --shapes lists its parameters");
  std::uint64_t bytes = 0;
  for (const auto& [name, t] : planned.module->state_dict()) {
    bytes += static_cast<std::uint64_t>(t.numel()) * t.element_size();
  }
  const std::optional<std::uint64_t> available = available_memory_bytes();
  WEIGHTINIT_CHECK(!available || bytes <= *available, ValueError, spec, " needs ", gigabytes(bytes),
                   " for its parameters, more than the ", gigabytes(available.value_or(0)),
                   " of memory available: weightinit init ", spec,
                   " --out DIR streams it in bounded memory, and weightinit "
                   "summary ",
                   spec, " --shapes lists its parameters");
}

}  // namespace weightinit::cli
