// SPDX-License-Identifier: MIT
// `weightinit list`: every init scheme with its parameters, formula, paper and torch name.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds the `list` subcommand to `app`; its callback prints every scheme of init::schemes().
void add_list_command(CLI::App& app);

}  // namespace weightinit::cli
