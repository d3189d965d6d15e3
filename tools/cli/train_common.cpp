// SPDX-License-Identifier: MIT
// Options, data and Ctrl-C handling shared by the training commands.
#include "train_common.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <csignal>

#include "weightinit/error.h"

namespace weightinit::cli {

void check_data_options(const std::string& name, std::int64_t train_samples) {
  WEIGHTINIT_CHECK(name == "fashion-mnist" || name == "synthetic", ValueError, "unknown --data '",
                   name, "': expected fashion-mnist or synthetic");
  WEIGHTINIT_CHECK(train_samples >= 0, ValueError, "--train-samples must be >= 0, but got ",
                   train_samples);
}

train::ProgressPrinter::Mode progress_mode(const std::string& text) {
  try {
    return train::ProgressPrinter::parse_mode(text, stderr);
  } catch (const ValueError&) {
    throw ValueError("unknown --progress '" + text + "': expected auto, bar, lines or none");
  }
}

TrainTestData load_train_test(const std::string& name, const std::string& dir,
                              std::int64_t train_samples, const Shape& input_size,
                              std::uint64_t seed) {
  check_data_options(name, train_samples);
  TrainTestData d;
  if (name == "fashion-mnist") {
    const std::string where = dir.empty() ? data::default_dir() : dir;
    d.train = data::load_fashion_mnist(data::Split::Train, where);
    if (train_samples > 0 && train_samples < d.train.size()) {
      d.train.images = d.train.images.slice(0, 0, train_samples).contiguous();
      d.train.labels.resize(static_cast<std::size_t>(train_samples));
    }
    d.test = data::load_fashion_mnist(data::Split::Test, where);
    // A (1, 32, 32) model (cifar-resnet...:in_channels=1) gets the images padded by 2.
    d.train = data::fit_to_input(std::move(d.train), input_size);
    d.test = data::fit_to_input(std::move(d.test), input_size);
  } else {
    Generator gen(seed + 1);
    d.train =
        data::synthetic_gaussian(train_samples > 0 ? train_samples : 4096, input_size, 10, gen);
    d.test = data::synthetic_gaussian(1024, input_size, 10, gen);
  }
  return d;
}

namespace {
std::atomic<bool> stop_requested{false};

// Async-signal-safe: an atomic store, write(2) and signal().
extern "C" void on_sigint(int /*signal*/) {
  stop_requested.store(true);
  static const char msg[] =
      "\nweightinit: stopping after the current step (Ctrl-C again to abort)\n";
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace

StopOnSigint::StopOnSigint() {
  stop_requested.store(false);
  previous_ = std::signal(SIGINT, on_sigint);
}

StopOnSigint::~StopOnSigint() { std::signal(SIGINT, previous_); }

const std::atomic<bool>& StopOnSigint::requested() { return stop_requested; }

void add_lr_group_option(CLI::App* cmd, std::vector<train::LrGroup>& groups) {
  cmd->add_option_function<std::vector<std::string>>(
      "--lr-group",
      [&groups](const std::vector<std::string>& values) {
        groups.clear();
        for (const std::string& v : values) {
          const std::size_t eq = v.rfind('=');
          double factor = 0.0;
          std::size_t used = 0;
          bool number = false;
          if (eq != std::string::npos && eq > 0 && eq + 1 < v.size()) {
            try {
              factor = std::stod(v.substr(eq + 1), &used);
              number = used == v.size() - eq - 1;
            } catch (const std::exception&) {
              number = false;
            }
          }
          if (!number || !(factor > 0.0) || !std::isfinite(factor)) {
            throw CLI::ValidationError("--lr-group", "'" + v +
                                                         "': expected GLOB=FACTOR with a "
                                                         "positive factor, like '*bias*=0.1'");
          }
          groups.push_back({v.substr(0, eq), factor});
        }
      },
      "GLOB=FACTOR: parameters matching GLOB train at lr x FACTOR (repeatable; first match "
      "wins), e.g. Fixup's --lr-group '*bias*=0.1' --lr-group '*scale*=0.1'");
}

void check_trains_on_images(const std::string& command, const std::string& spec,
                            std::int64_t token_vocab) {
  WEIGHTINIT_CHECK(token_vocab == 0, ValueError, command, " trains on Fashion-MNIST images, but ",
                   spec,
                   " takes token ids (training on text is not supported); weightinit probe "
                   "--model ",
                   spec, " runs it on random ids");
}

}  // namespace weightinit::cli
