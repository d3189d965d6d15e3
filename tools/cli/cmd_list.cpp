// SPDX-License-Identifier: MIT
// `weightinit list`: the init schemes a spec can name.
#include "cmd_list.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "weightinit/init/spec.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/container.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/recipes/policy.h"

namespace weightinit::cli {

namespace {

/// "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)", "constant(val)", "zeros".
std::string signature(const init::Scheme& scheme) {
  if (scheme.params.empty()) return scheme.name;
  std::string out = scheme.name + "(";
  for (std::size_t i = 0; i < scheme.params.size(); ++i) {
    const init::SchemeParam& p = scheme.params[i];
    out += (i ? ", " : "") + p.name;
    if (!p.default_text.empty()) out += "=" + p.default_text;
  }
  return out + ")";
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

std::string param_lines(const init::Scheme& scheme) {
  std::size_t width = 0;
  for (const auto& p : scheme.params) width = std::max(width, p.name.size());
  std::string out;
  for (const auto& p : scheme.params) {
    const std::string value = p.default_text.empty() ? "(required)" : "= " + p.default_text;
    out += "    " + pad(p.name, width) + "  " + pad(value, 14) + "  " + p.description + "\n";
  }
  return out;
}

std::string describe(const init::Scheme& scheme) {
  return signature(scheme) + "\n" +                                            //
         "  formula: " + scheme.formula + "\n" +                               //
         "  paper:   " + (scheme.paper.empty() ? "-" : scheme.paper) + "\n" +  //
         "  torch:   " + scheme.torch_equivalent + "\n" + param_lines(scheme);
}

void run_list() {
  std::string out;
  for (const init::Scheme& scheme : init::schemes()) {
    if (!out.empty()) out += "\n";
    out += describe(scheme);
  }
  write_output("", out);
}

/// Every built-in policy: name, options, summary, source and its rules.
void run_list_policies() {
  std::string out;
  nn::Sequential empty;  // the rules as written; gpt2 gets n_layer = 12 for display
  for (const auto& p : recipes::builtin_policies()) {
    if (!out.empty()) out += "\n";
    out += p.name + (p.options.empty() ? "" : "(" + p.options + ")") + "\n";
    out += "  " + p.summary + "\n  source: " + p.source + "\n";
    std::map<std::string, std::string> options;
    if (p.name == "gpt2") options["n_layer"] = "12";
    std::map<std::string, double> variables;
    std::string text;
    try {
      text = recipes::builtin_policy_text(p.name, options, empty, variables);
    } catch (const recipes::PolicyError&) {
      // mup names the model's readout, fixup counts its residual blocks: no generic text.
      text = "# rules built from the model (docs/policies.md)\n";
    }
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      out += "    " + text.substr(start, end - start) + "\n";
      start = end == std::string::npos ? text.size() : end + 1;
    }
  }
  write_output("", out);
}

/// Every torch profile: what it fixes, verified (and against which build) or modelled, and
/// which is the default here.
void run_list_torch_profiles() {
  const TorchProfile& chosen = default_torch_profile();
  std::string out;
  for (const TorchProfile& p : torch_profiles()) {
    out += p.name + (&p == &chosen ? "  (default here)" : "") + "\n";
    out += "  release behaviour " + std::string(torch_version_name(p.version)) +
           ", ATEN_CPU_CAPABILITY=" + p.capability + ", " + std::string(arith_mode_name(p.arith)) +
           " arithmetic\n";
    out += p.verified ? "  verified: " + p.verified_with + "\n"
                      : std::string("  modelled from PyTorch's source, not run against a build\n");
    if (!p.exceptions.empty()) out += "  exception: " + p.exceptions + "\n";
  }
  out += "This CPU: PyTorch would pick its " + pytorch_cpu_capability() + " kernels.\n";
  write_output("", out);
}

}  // namespace

void add_list_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "list", "Every init scheme: parameters and defaults, formula, paper, PyTorch equivalent");
  auto policies = std::make_shared<bool>(false);
  auto models = std::make_shared<bool>(false);
  auto profiles = std::make_shared<bool>(false);
  cmd->add_flag("--policies", *policies, "list the built-in init policies and their rules");
  cmd->add_flag("--models", *models, "list the models the zoo builds (summary, init, ...)");
  cmd->add_flag("--torch-profiles", *profiles,
                "list the torch profiles (--torch-profile): what each fixes, verified or modelled");
  cmd->callback([policies, models, profiles] {
    if (*profiles) {
      run_list_torch_profiles();
    } else if (*models) {
      std::string out;
      for (const std::string& line : models::known_models()) out += line + "\n";
      write_output("", out);
    } else {
      *policies ? run_list_policies() : run_list();
    }
  });
}

}  // namespace weightinit::cli
