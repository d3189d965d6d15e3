// SPDX-License-Identifier: MIT
// `weightinit export`: build a model after manual_seed and save its state dict as safetensors.
#include "cmd_export.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "model_check.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/generator.h"

namespace weightinit::cli {

namespace {

struct ExportArgs {
  std::string model;
  std::uint64_t seed = 0;
  std::string dtype = "float32";
  std::string output;
};

std::optional<io::StoredDType> stored_dtype(const std::string& name) {
  if (name == "bf16") return io::StoredDType::BF16;
  if (name == "f16") return io::StoredDType::F16;
  return std::nullopt;  // float32: every tensor as it is
}

void run_export(const ExportArgs& a) {
  manual_seed(a.seed);
  check_model_fits(a.model, "export", /*needs_forward=*/false);
  const models::BuiltModel built = models::build_model(a.model, default_generator());
  const std::map<std::string, std::string> metadata{
      {"format", "pt"},
      {"weightinit_version", WEIGHTINIT_VERSION},
      {"seed", std::to_string(a.seed)},
      {"model", a.model},
      {"generator", "torch-mt19937"},
      {"policy", "torch-default"},
  };
  io::save_safetensors(a.output, built.module->state_dict(), metadata, stored_dtype(a.dtype));
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "save a model's initial state dict as safetensors");
  cmd->add_option("MODEL", args->model, "seed-mlp, c3d[:CLASSES], mlp:784-256-10[:relu]")
      ->required();
  add_seed_option(cmd, args->seed, "torch.manual_seed before building");
  add_torch_profile_option(cmd);
  cmd->add_option("--dtype", args->dtype, "stored float type: float32 (default), bf16 or f16")
      ->check(CLI::IsMember({"float32", "bf16", "f16"}));
  cmd->add_option("-o,--output", args->output, "the .safetensors file to write")
      ->required()
      ->check(output_file());
  cmd->callback([args] { run_export(*args); });
}

}  // namespace weightinit::cli
