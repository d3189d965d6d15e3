// SPDX-License-Identifier: MIT
// --torch-profile: which PyTorch build a drawing command reproduces.
#pragma once

#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace weightinit::cli {

/// Adds `--torch-profile NAME` to `cmd`: when given, the named profile (torch_profile(), with
/// "did you mean") becomes the default of every generator the command makes; otherwise
/// default_torch_profile() applies (WEIGHTINIT_TORCH_PROFILE, or the newest verified 2.x
/// profile for this CPU's capability).
void add_torch_profile_option(CLI::App* cmd);

}  // namespace weightinit::cli
