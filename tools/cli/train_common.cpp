// SPDX-License-Identifier: MIT
// Options, data and Ctrl-C handling shared by the training commands.
#include "train_common.h"

#include <unistd.h>

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

}  // namespace weightinit::cli
