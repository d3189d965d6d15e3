// SPDX-License-Identifier: MIT
// `weightinit gain NONLINEARITY [PARAM]`: torch.nn.init.calculate_gain.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds the `gain` subcommand to `app`; its callback prints calculate_gain(NONLINEARITY, PARAM)
/// with 17 significant digits. Bad names or parameters throw weightinit::ValueError.
void add_gain_command(CLI::App& app);

}  // namespace weightinit::cli
