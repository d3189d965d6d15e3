// SPDX-License-Identifier: MIT
// The weightinit command line: sample, gain, fan, list, summary, forward, params, export, train,
// init, probe, compare, report.
#include <CLI/CLI.hpp>
#include <exception>
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
#include "exit_codes.h"
#include "weightinit/error.h"

namespace {

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

}  // namespace

int main(int argc, char** argv) {
  namespace cli = weightinit::cli;
  CLI::App app{"weightinit: neural-network parameter initialization, bit-identical to PyTorch",
               "weightinit"};
  app.set_version_flag("--version", std::string("weightinit ") + WEIGHTINIT_VERSION);
  app.require_subcommand(1);
  cli::add_sample_command(app);
  cli::add_gain_command(app);
  cli::add_fan_command(app);
  cli::add_list_command(app);
  cli::add_model_commands(app);
  cli::add_export_command(app);
  cli::add_init_command(app);
  cli::add_train_command(app);
  cli::add_probe_command(app);
  cli::add_compare_command(app);
  cli::add_report_command(app);
  cli::add_search_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {  // a command that ends with its own status (train: 130)
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    return cli::report_error(usage_message(app, e, argc, argv), cli::kExitUsage);
  } catch (const weightinit::IoError& e) {
    return cli::report_error(e.what(), cli::kExitFailure);
  } catch (const weightinit::Error& e) {
    return cli::report_error(e.what(), cli::kExitUsage);
  } catch (const std::exception& e) {
    return cli::report_error(e.what(), cli::kExitFailure);
  }
  return cli::kExitOk;
}
