// SPDX-License-Identifier: MIT
// `weightinit init`: torch.manual_seed(seed), build the model (its constructors draw), apply the
// policy (its rules draw, in named_parameters() order), save the state dict as safetensors.
#include "cmd_init.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weightinit/init/policy.h"
#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/generator.h"
#include "weightinit/threads.h"

namespace weightinit::cli {

namespace {

struct InitArgs {
  std::string model;
  std::string policy;
  std::int64_t seed = 0;
  std::string output;
  std::string dtype = "float32";
  bool strict = false;
  std::vector<std::string> variables;  // NAME=VALUE
  bool explain = false;
  std::string rng = "torch";
  int threads = 0;
};

std::map<std::string, double> parse_variables(const std::vector<std::string>& items) {
  std::map<std::string, double> out;
  for (const auto& item : items) {
    const std::size_t eq = item.find('=');
    WEIGHTINIT_CHECK(eq != std::string::npos && eq > 0, ValueError, "--set '", item,
                     "': expected NAME=VALUE, like --set depth=16");
    const std::string value = item.substr(eq + 1);
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    WEIGHTINIT_CHECK(used == value.size() && !value.empty(), ValueError, "--set '", item,
                     "': the value '", value, "' is not a number");
    out[item.substr(0, eq)] = v;
  }
  return out;
}

void run_init(const InitArgs& a) {
  init::PolicyApplyOptions options;
  options.strict = a.strict;
  options.variables = parse_variables(a.variables);
  const RngFamily family = parse_rng_family(a.rng);
  if (a.threads != 0) set_num_threads(a.threads);
  const auto start = std::chrono::steady_clock::now();
  manual_seed(static_cast<std::uint64_t>(a.seed));
  const models::BuiltModel built = models::build_model(a.model, default_generator());
  const init::Policy policy = init::Policy::resolve(a.policy, *built.module);
  // Philox: every parameter from its own stream (seed, qualified name); "default" redraws the
  // constructor's scheme there, so no value depends on the torch stream the constructors used.
  Generator philox = Generator::philox(static_cast<std::uint64_t>(a.seed));
  Generator& gen = family == RngFamily::Philox ? philox : default_generator();
  const init::PolicyReport report = policy.apply(*built.module, gen, options);
  const double init_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& w : report.warnings)
    std::fprintf(stderr, "weightinit: warning: %s\n", w.c_str());

  const std::map<std::string, std::string> metadata{
      {"format", "pt"},
      {"weightinit_version", WEIGHTINIT_VERSION},
      {"seed", std::to_string(a.seed)},
      {"model", a.model},
      {"generator",
       family == RngFamily::Philox ? std::string(kPhiloxAlgorithm) : std::string("torch-mt19937")},
      {"arith_mode", std::string(arith_mode_name(default_generator().arith_mode()))},
      {"policy", policy.source()},
      {"policy_rules", policy.text()},
  };
  std::optional<io::StoredDType> stored;
  if (a.dtype == "bf16") stored = io::StoredDType::BF16;
  if (a.dtype == "f16") stored = io::StoredDType::F16;
  const nn::StateDict state = built.module->state_dict();
  io::save_safetensors(a.output, state, metadata, stored);
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (a.explain) {
    std::printf("%-44s %-14s %-8s %s\n", "parameter", "type", "rule", "init");
    for (const auto& p : report.parameters) {
      const std::string rule =
          p.rule < 0 ? "-" : "line " + std::to_string(policy.rules()[p.rule].line);
      std::printf("%-44s %-14s %-8s %s\n", p.name.c_str(), p.type.c_str(), rule.c_str(),
                  p.rule < 0 ? "(no rule: constructor's init)" : p.init.c_str());
    }
  }
  std::int64_t values = 0;
  for (const auto& [name, t] : state) values += t.numel();
  std::printf(
      "%s: %zu tensors (%lld values) initialized with %s, seed %lld, in %.3f s; written "
      "to %s (%s) in %.3f s total\n",
      a.model.c_str(), state.size(), static_cast<long long>(values), policy.source().c_str(),
      static_cast<long long>(a.seed), init_seconds, a.output.c_str(), a.dtype.c_str(),
      total_seconds);
}

}  // namespace

void add_init_command(CLI::App& app) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "init", "build a model, initialize it with a policy (file or built-in name), save it");
  cmd->add_option("MODEL", args->model, "a model spec, e.g. resnet50, mlp:784-256-10")->required();
  cmd->add_option("--policy", args->policy,
                  "a policy file, or a built-in policy: torch-default, torchvision-resnet, ... "
                  "(weightinit list --policies)")
      ->required();
  cmd->add_option("--seed", args->seed, "torch.manual_seed before building (default 0)");
  cmd->add_option("-o,--output", args->output, "the .safetensors file to write")->required();
  cmd->add_option("--dtype", args->dtype, "stored float type: float32 (default), bf16 or f16")
      ->check(CLI::IsMember({"float32", "bf16", "f16"}));
  cmd->add_flag("--strict", args->strict,
                "an unmatched rule or a parameter no rule matches is an error, not a warning");
  cmd->add_option("--set", args->variables,
                  "NAME=VALUE: a variable for the policy's expressions (repeatable)");
  cmd->add_flag("--explain", args->explain, "print the rule and init of every parameter");
  cmd->add_option("--rng", args->rng,
                  "torch (default: PyTorch's MT19937, bit-identical) or philox (a counter-based "
                  "stream per parameter name: the same values for any build order)");
  cmd->add_option("--threads", args->threads, "threads for the fills (default: all)");
  cmd->callback([args] { run_init(*args); });
}

}  // namespace weightinit::cli
