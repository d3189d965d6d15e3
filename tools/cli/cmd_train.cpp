// SPDX-License-Identifier: MIT
// `weightinit train`: build, initialize, train, evaluate, log.
#include "cmd_train.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "exit_codes.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "train_common.h"
#include "weightinit/data/dataset.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/models/registry.h"
#include "weightinit/recipes/layers.h"
#include "weightinit/threads.h"
#include "weightinit/train/progress.h"
#include "weightinit/train/trainer.h"

namespace weightinit::cli {

namespace {

struct TrainArgs {
  std::string model;
  std::string init = "default";
  std::string bias_init;
  train::TrainConfig config;
  std::uint64_t seed = 0;
  int threads = 0;  // 0: leave as is
  std::string data = "fashion-mnist";
  std::string data_dir;
  std::int64_t train_samples = 0;  // 0: all
  std::string progress = "auto";
  std::string log;
};

nlohmann::json epoch_json(const train::EpochInfo& e) {
  nlohmann::json j = {{"epoch", e.epoch},
                      {"steps", e.steps},
                      {"train_loss", e.train_loss},
                      {"train_accuracy", e.train_accuracy},
                      {"seconds", e.seconds}};
  if (e.evaluated) {
    j["test_loss"] = e.test_loss;
    j["test_accuracy"] = e.test_accuracy;
  }
  return j;
}

int run_train(const TrainArgs& a) {
  train::validate(a.config);
  const auto mode = progress_mode(a.progress);
  check_data_options(a.data, a.train_samples);
  if (a.threads != 0) set_num_threads(a.threads);
  // Parse the specs before any work, so a typo fails at once (exit 2).
  std::optional<init::Initializer> weight_init, bias_init;
  if (a.init != "default") weight_init = init::Initializer::parse(a.init);
  if (!a.bias_init.empty()) bias_init = init::Initializer::parse(a.bias_init);
  // Open the log first: an unwritable destination fails before training, not after.
  std::unique_ptr<io::AtomicFileWriter> log;
  if (!a.log.empty()) log = std::make_unique<io::AtomicFileWriter>(a.log);

  // torch.manual_seed(seed); model = ...; init loop; DataLoader(shuffle=True,
  // generator=torch.default_generator): every draw comes from the default generator in this order.
  manual_seed(a.seed);
  Generator& gen = default_generator();
  const models::BuiltModel built = models::build_model(a.model, gen);
  check_trains_on_images("train", a.model, built.token_vocab);
  int layers = 0;
  if (weight_init) {
    layers = recipes::init_weight_layers(*built.module, *weight_init,
                                         bias_init ? &*bias_init : nullptr, gen);
  }

  const TrainTestData sets =
      load_train_test(a.data, a.data_dir, a.train_samples, built.input_size, a.seed);
  const data::Dataset& train_set = sets.train;
  const data::Dataset& test_set = sets.test;

  train::check_sample_size(train_set, built.input_size);
  // Built before the header: a bad --lr-group fails with nothing printed (exit 2).
  train::Trainer trainer(*built.module, built.input_size, a.config, gen);
  std::printf("model %s, %s init%s, %lld train / %lld test samples, %d thread(s)\n",
              a.model.c_str(), weight_init ? weight_init->canonical().c_str() : "default",
              layers > 0 ? (" on " + std::to_string(layers) + " layers").c_str() : "",
              static_cast<long long>(train_set.size()), static_cast<long long>(test_set.size()),
              num_threads());
  std::fflush(stdout);

  train::ProgressPrinter printer(stderr, mode, a.config.epochs);
  train::TrainHistory history;
  {
    const StopOnSigint ctrl_c;
    history = trainer.fit(train_set, &test_set, &printer, &StopOnSigint::requested());
  }

  std::optional<double> final_accuracy;
  if (!history.epochs.empty() && history.epochs.back().evaluated) {
    final_accuracy = history.epochs.back().test_accuracy;
  }
  if (log) {
    nlohmann::json j;
    j["command"] = "train";
    j["model"] = a.model;
    j["init"] = weight_init ? weight_init->canonical() : "default";
    j["bias_init"] = bias_init ? bias_init->canonical() : "default";
    j["seed"] = a.seed;
    j["threads"] = num_threads();
    j["data"] = {
        {"name", a.data}, {"train_samples", train_set.size()}, {"test_samples", test_set.size()}};
    j["config"] = {{"epochs", a.config.epochs},       {"batch_size", a.config.batch_size},
                   {"optimizer", a.config.optimizer}, {"lr", a.config.lr},
                   {"momentum", a.config.momentum},   {"weight_decay", a.config.weight_decay},
                   {"nesterov", a.config.nesterov},   {"label_smoothing", a.config.label_smoothing},
                   {"max_steps", a.config.max_steps}};
    j["config"]["lr_groups"] = nlohmann::json::array();
    for (const auto& g : a.config.lr_groups) {
      j["config"]["lr_groups"].push_back({{"glob", g.glob}, {"factor", g.factor}});
    }
    j["step_loss"] = history.step_losses;
    j["epochs"] = nlohmann::json::array();
    for (const auto& e : history.epochs) j["epochs"].push_back(epoch_json(e));
    j["steps"] = history.steps;
    j["train_seconds"] = history.train_seconds;
    j["interrupted"] = history.interrupted;
    j["test_accuracy"] = final_accuracy ? nlohmann::json(*final_accuracy) : nlohmann::json();
    const std::string text = j.dump(1) + "\n";
    log->write(text.data(), text.size());
    log->commit();
  }
  if (history.interrupted) {
    std::printf("interrupted after %lld steps%s\n", static_cast<long long>(history.steps),
                a.log.empty() ? "" : ("; log written to " + a.log).c_str());
    return kExitInterrupted;
  }
  if (final_accuracy) std::printf("test accuracy %.4f\n", *final_accuracy);
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train a model on Fashion-MNIST and report accuracy");
  cmd->add_option("--model", args->model, "model spec: mlp:784-256-256-10:relu, cnn, ...")
      ->required();
  cmd->add_option("--init", args->init,
                  "init spec for every Linear/Conv weight, e.g. kaiming_normal (default: the "
                  "constructors' init)");
  cmd->add_option("--bias-init", args->bias_init, "init spec for their biases (e.g. zeros)");
  cmd->add_option("--epochs", args->config.epochs, "epochs (default 1)");
  cmd->add_option("--batch", args->config.batch_size, "batch size (default 128)");
  cmd->add_option("--lr", args->config.lr, "learning rate (default 0.1)");
  cmd->add_option("--optimizer", args->config.optimizer, "sgd, adam or adamw (default sgd)");
  cmd->add_option("--momentum", args->config.momentum, "SGD momentum (default 0)");
  cmd->add_option("--weight-decay", args->config.weight_decay, "weight decay (default 0)");
  cmd->add_flag("--nesterov", args->config.nesterov, "Nesterov momentum (SGD)");
  cmd->add_option("--label-smoothing", args->config.label_smoothing, "default 0");
  add_lr_group_option(cmd, args->config.lr_groups);
  add_seed_option(cmd, args->seed, "torch.manual_seed before building");
  add_torch_profile_option(cmd);
  cmd->add_option("--threads", args->threads, "OpenMP and BLAS threads (default: all)");
  cmd->add_option("--data", args->data, "fashion-mnist (default) or synthetic");
  cmd->add_option("--data-dir", args->data_dir,
                  "Fashion-MNIST directory (default $WEIGHTINIT_FASHION_MNIST_DIR or "
                  "/usr/share/datasets/fashion-mnist)");
  cmd->add_option("--train-samples", args->train_samples,
                  "use the first N training samples (default all)")
      ->check(positive_count("leave it out for the whole training set"));
  cmd->add_option("--max-steps", args->config.max_steps, "stop after N steps (default no limit)");
  cmd->add_option("--progress", args->progress, "auto (bar on a TTY), bar, lines or none");
  cmd->add_option("--log", args->log, "write the loss and accuracy curves as JSON")
      ->check(output_file());
  cmd->callback([args] {
    const int code = run_train(*args);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace weightinit::cli
