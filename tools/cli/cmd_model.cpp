// SPDX-License-Identifier: MIT
// `weightinit summary`, `forward` and `params`.
#include "cmd_model.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "atomic_file.h"
#include "model_check.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "weightinit/diag/structure.h"
#include "weightinit/diag/summary.h"
#include "weightinit/diag/torchinfo_summary.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/tensor/print.h"

namespace weightinit::cli {

namespace {

struct ModelArgs {
  std::string model;
  std::string input;  // empty: the model's own input size
  std::int64_t batch = 1;
  std::uint64_t seed = 0;
  bool train = false;
  bool verbose = false;
  bool shapes = false;
  std::string style = "torchsummary";  // summary: torchsummary (seed 004's table) or torchinfo
};

/// manual_seed(seed), then the model, drawing from the default generator as torch would: for
/// torchvision's models that includes their constructors' init loops (the torchvision-*
/// policies), so the values are those of `torch.manual_seed(s); torchvision.models.X()`; GPT-2
/// and LLaMA get the `gpt2` and `llama` policies (their init formulas; models::default_policy).
models::BuiltModel build(const ModelArgs& a) {
  manual_seed(a.seed);
  models::BuiltModel built = models::build_model(a.model, default_generator());
  const std::string policy = models::default_policy(a.model);
  if (policy != "torch-default") {
    recipes::Policy::builtin(policy, *built.module).apply(*built.module, default_generator());
  }
  if (!a.input.empty()) built.input_size = parse_shape(a.input);
  return built;
}

void run_summary(const ModelArgs& a) {
  if (a.shapes) {
    WEIGHTINIT_CHECK(!a.verbose, ValueError,
                     "--verbose reads the values, which --shapes does not build");
    models::BuiltModel built;
    {
      const DeferredAllocationGuard deferred;  // no parameter memory, no draws
      built = models::build_model(a.model, default_generator());
    }
    write_output("", diag::structure_summary(*built.module).str());
    return;
  }
  // torchinfo feeds a token model ids (dtypes=[torch.long]); torchsummary only floats.
  check_model_fits(a.model, "summary", /*needs_forward=*/true,
                   /*needs_float_input=*/a.style != "torchinfo");
  const auto built = build(a);
  if (a.style == "torchinfo") {
    WEIGHTINIT_CHECK(!a.verbose, ValueError, "--verbose goes with the torchsummary style");
    // torchinfo's input_size includes the batch: torchsummary's -1 becomes 1.
    Shape input{a.batch > 0 ? a.batch : 1};
    input.insert(input.end(), built.input_size.begin(), built.input_size.end());
    write_output(
        "", diag::torchinfo_summary(*built.module, input, default_generator(), built.token_vocab));
    return;
  }
  std::string text = diag::summary(*built.module, built.input_size, a.batch).str();
  if (a.verbose) text += diag::parameter_report(*built.module);
  write_output("", text);
}

void run_forward(const ModelArgs& a) {
  check_model_fits(a.model, "forward", /*needs_forward=*/true);
  const auto built = build(a);
  built.module->train(a.train);
  Shape shape{a.batch};
  shape.insert(shape.end(), built.input_size.begin(), built.input_size.end());
  // torch.rand(batch, *input) after the model's draws; token ids for GPT-2, as
  // torch.randint(vocab, (batch, length)).
  const Tensor input = built.token_vocab > 0 ? randint(0, built.token_vocab, shape) : rand(shape);
  const nn::NoGradGuard no_grad;  // inference only
  const Tensor output = (*built.module)(input);
  std::ostringstream os;
  os << "input " << shape_str(input.sizes()) << " -> output " << shape_str(output.sizes()) << "\n";
  const Tensor flat = output.contiguous().view({output.numel()});
  const std::int64_t shown = std::min<std::int64_t>(flat.numel(), 10);
  os << "first " << shown << " values: " << flat.slice(0, 0, shown) << "\n";
  write_output("", os.str());
}

void run_params(const ModelArgs& a) {
  check_model_fits(a.model, "params", /*needs_forward=*/false);
  const auto built = build(a);
  std::string out;
  for (auto& [name, p] : built.module->named_parameters()) {
    // print(name, parameter), as seed document 004 does.
    out += name + " Parameter containing:\n" +
           format_tensor(p->data, print_options(), p->requires_grad) + "\n";
  }
  write_output("", out);
}

CLI::App* add_command(CLI::App& app, const char* name, const char* help,
                      const std::shared_ptr<ModelArgs>& args) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("MODEL", args->model, "seed-mlp, c3d[:CLASSES], mlp:784-256-10[:relu]")
      ->required();
  add_seed_option(cmd, args->seed, "torch.manual_seed before building");
  add_torch_profile_option(cmd);
  return cmd;
}

}  // namespace

void add_model_commands(CLI::App& app) {
  auto summary_args = std::make_shared<ModelArgs>();
  CLI::App* summary = add_command(app, "summary", "torchsummary's table for a model", summary_args);
  summary->add_option("--input", summary_args->input, "input shape without batch: 3,16,112,112");
  summary_args->batch = -1;  // torchsummary.summary's default: the table shows [-1, ...]
  summary->add_option("--batch", summary_args->batch,
                      "batch size shown in the table (default -1, as torchsummary: any batch)");
  summary->add_flag("--shapes", summary_args->shapes,
                    "build the model without parameter memory (shapes only) and list each "
                    "module's parameters: any size, no forward pass (llama:7b, gpt2:xl)");
  summary
      ->add_option("--style", summary_args->style,
                   "torchsummary (default: seed 004's table) or torchinfo (torchinfo.summary's "
                   "table, input size with the batch, default batch 1)")
      ->check(CLI::IsMember({"torchsummary", "torchinfo"}));
  summary->add_flag("--verbose", summary_args->verbose,
                    "add one row per parameter: fans, init scheme, promised and actual std");
  summary->callback([summary_args] { run_summary(*summary_args); });

  auto forward_args = std::make_shared<ModelArgs>();
  CLI::App* forward = add_command(app, "forward", "run a model on torch.rand input", forward_args);
  forward->add_option("--input", forward_args->input, "input shape without batch");
  forward->add_option("--batch", forward_args->batch, "batch size (default 1)");
  forward->add_flag("--train", forward_args->train, "training mode (dropout active)");
  forward->callback([forward_args] { run_forward(*forward_args); });

  auto params_args = std::make_shared<ModelArgs>();
  CLI::App* params =
      add_command(app, "params", "named_parameters() as PyTorch prints them", params_args);
  params->callback([params_args] { run_params(*params_args); });
}

}  // namespace weightinit::cli
