// SPDX-License-Identifier: MIT
#include "commands.h"

#include <CLI/CLI.hpp>
#include <string>

#include "cmd_compare.h"
#include "cmd_export.h"
#include "cmd_fan.h"
#include "cmd_gain.h"
#include "cmd_init.h"
#include "cmd_list.h"
#include "cmd_model.h"
#include "cmd_probe.h"
#include "cmd_report.h"
#include "cmd_sample.h"
#include "cmd_search.h"
#include "cmd_train.h"

namespace weightinit::cli {

/// CLI11's message, except for a missing or unknown command, which it reports as "A subcommand
/// is required".
std::string usage_message(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (!app.get_subcommands().empty()) return e.what();
  const std::string commands =
      "sample, gain, fan, list, summary, forward, params, export, init, train, probe, compare, "
      "report or search (see "
      "weightinit --help)";
  if (argc < 2) return "a command is required: " + commands;
  const std::string first = argv[1];
  if (first.empty() || first[0] != '-')
    return "unknown command '" + first + "': expected " + commands;
  return "unknown option '" + first + "': expected a command first: " + commands;
}

void add_all_commands(CLI::App& app) {
  app.set_version_flag("--version", std::string("weightinit ") + WEIGHTINIT_VERSION);
  app.require_subcommand(1);
  add_sample_command(app);
  add_gain_command(app);
  add_fan_command(app);
  add_list_command(app);
  add_model_commands(app);
  add_export_command(app);
  add_init_command(app);
  add_train_command(app);
  add_probe_command(app);
  add_compare_command(app);
  add_report_command(app);
  add_search_command(app);
}

}  // namespace weightinit::cli
