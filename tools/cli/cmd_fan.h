// SPDX-License-Identifier: MIT
// `weightinit fan SHAPE`: torch.nn.init._calculate_fan_in_and_fan_out.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds the `fan` subcommand to `app`; its callback prints
/// "fan_in=N fan_out=N receptive_field=N" for a weight shape. Bad shapes throw
/// weightinit::ValueError / ShapeError.
void add_fan_command(CLI::App& app);

}  // namespace weightinit::cli
