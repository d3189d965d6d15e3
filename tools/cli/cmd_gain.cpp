// SPDX-License-Identifier: MIT
// `weightinit gain`: the recommended gain of a nonlinearity, with full precision.
#include "cmd_gain.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "atomic_file.h"
#include "weightinit/error.h"
#include "weightinit/init/fan.h"

namespace weightinit::cli {

namespace {

struct GainOptions {
  std::string nonlinearity;
  std::string param;  // empty: not given
};

/// PARAM as a number: leaky_relu's negative slope (torch's message for anything else), or a
/// number the other nonlinearities ignore, as calculate_gain does.
std::optional<double> parse_param(init::Nonlinearity nonlinearity, const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (nonlinearity == init::Nonlinearity::LeakyReLU) return init::parse_negative_slope(text);
  try {
    return init::parse_negative_slope(text);
  } catch (const ValueError&) {
    throw ValueError("invalid PARAM '" + text + "': expected a number");
  }
}

std::string full_precision(double value) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, 17);
  return std::string(buf, r.ptr);
}

void run_gain(const GainOptions& o) {
  const init::Nonlinearity nonlinearity = init::parse_nonlinearity(o.nonlinearity);
  const std::optional<double> param = parse_param(nonlinearity, o.param);
  write_output("", full_precision(init::calculate_gain(nonlinearity, param)) + "\n");
}

}  // namespace

void add_gain_command(CLI::App& app) {
  auto o = std::make_shared<GainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gain", "Recommended gain of a nonlinearity, like torch.nn.init.calculate_gain");
  cmd->add_option("NONLINEARITY", o->nonlinearity,
                  "linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, "
                  "conv_transpose3d, sigmoid, tanh, relu, leaky_relu or selu")
      ->required();
  cmd->add_option("PARAM", o->param, "leaky_relu's negative slope (default 0.01)");
  cmd->callback([o] { run_gain(*o); });
}

}  // namespace weightinit::cli
