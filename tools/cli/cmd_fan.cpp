// SPDX-License-Identifier: MIT
// `weightinit fan`: fan_in, fan_out and receptive field of a weight shape.
#include "cmd_fan.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "weightinit/init/fan.h"
#include "weightinit/tensor/shape.h"

namespace weightinit::cli {

namespace {

void run_fan(const std::string& shape_text) {
  const init::Fans fans = init::calculate_fan_in_and_fan_out(parse_shape(shape_text));
  write_output("", "fan_in=" + std::to_string(fans.fan_in) +
                       " fan_out=" + std::to_string(fans.fan_out) +
                       " receptive_field=" + std::to_string(fans.receptive_field) + "\n");
}

}  // namespace

void add_fan_command(CLI::App& app) {
  auto shape = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "fan", "Fans of a weight shape, like torch.nn.init._calculate_fan_in_and_fan_out");
  cmd->add_option("SHAPE", *shape, "weight shape, (out, in, kernel...): 64,3,7,7")->required();
  cmd->callback([shape] { run_fan(*shape); });
}

}  // namespace weightinit::cli
