// SPDX-License-Identifier: MIT
// --torch-profile, shared by every command that draws.
#include "torch_profile_option.h"

#include <CLI/CLI.hpp>

#include "weightinit/random/torch_profile.h"

namespace weightinit::cli {

void add_torch_profile_option(CLI::App* cmd) {
  cmd->add_option_function<std::string>(
         "--torch-profile",
         [](const std::string& name) { set_default_torch_profile(torch_profile(name)); },
         "the PyTorch build to reproduce, e.g. 2.14-avx512 or 1.13-avx2 (weightinit list "
         "--torch-profiles; default: WEIGHTINIT_TORCH_PROFILE, else the newest verified 2.x "
         "profile for this CPU)")
      ->type_name("NAME");
}

}  // namespace weightinit::cli
