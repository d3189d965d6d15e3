// SPDX-License-Identifier: MIT
#include "commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

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

namespace {

/// "an integer" for CLI11's INT, "a number" for FLOAT, "a TYPE" otherwise.
std::string expected_value(const std::string& type) {
  if (type == "INT" || type == "UINT") return "an integer";
  if (type == "FLOAT") return "a number";
  return "a value of type " + type;
}

}  // namespace

/// CLI11's message in our wording: a missing or unknown command (CLI11: "A subcommand is
/// required"), unexpected arguments (CLI11 lists them reversed), a value that does not convert
/// ("Could not convert: --threads = abc") and an option without its value.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const std::string what = e.what();
  if (app.get_subcommands().empty()) {
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
  const CLI::App* command = app.get_subcommands().front();
  const std::string name = command->get_name();
  const std::string help = " (see weightinit " + name + " --help)";
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const std::size_t colon = what.find(": ");
    std::vector<std::string> extras;  // CLI11 lists them last first
    std::string rest = colon == std::string::npos ? what : what.substr(colon + 2);
    for (std::size_t start = 0; start <= rest.size();) {
      const std::size_t space = std::min(rest.find(' ', start), rest.size());
      if (space > start) extras.insert(extras.begin(), rest.substr(start, space - start));
      start = space + 1;
    }
    std::string list;
    for (const auto& x : extras) list += (list.empty() ? "'" : ", '") + x + "'";
    return std::string(extras.size() == 1 ? "unexpected argument " : "unexpected arguments ") +
           list + " for weightinit " + name + help;
  }
  constexpr std::string_view convert = "Could not convert: ";
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr && what.rfind(convert, 0) == 0) {
    const std::string body = what.substr(convert.size());
    const std::size_t eq = body.find(" = ");
    if (eq != std::string::npos) {
      const std::string option = body.substr(0, eq), value = body.substr(eq + 3);
      const CLI::Option* opt = command->get_option_no_throw(option);
      const std::string type = opt != nullptr ? opt->get_type_name() : std::string();
      return "invalid value '" + value + "' for " + option + ": expected " + expected_value(type);
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr &&
      what.find("required") != std::string::npos && what.find(':') != std::string::npos) {
    return what.substr(0, what.find(':')) + " needs a value" + help;
  }
  return what;
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
