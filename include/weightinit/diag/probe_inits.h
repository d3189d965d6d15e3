// SPDX-License-Identifier: MIT
// probe_inits: one model probed under several inits on one batch, as `weightinit probe` does.
#pragma once

#include <cstdint>
#include <string>

#include "weightinit/diag/reports.h"

namespace weightinit::diag {

/// A probe experiment: a model spec, the inits (specs separated by ';') and the batch.
struct ProbeSetup {
  std::string model;
  std::string inits;
  std::string bias_init = "zeros";
  std::string data = "fashion-mnist";  ///< or "synthetic"
  std::string data_dir;                ///< empty: data::default_dir()
  std::int64_t batch = 256;
  std::uint64_t seed = 0;
  /// For a model that takes token ids (GPT-2, LLaMA): the sequence length; 0 takes the model's
  /// context length, at most 128.
  std::int64_t seq_len = 0;
};

/// Builds the model once per init (Generator(seed), then the init on its Linear/Conv layers
/// with `bias_init` on their biases, or LSUV), probes it on one batch (the first test images,
/// or N(0, 1) samples from Generator(seed + 1)) and returns the report. A model that takes
/// token ids gets `batch` sequences of ids uniform in [0, vocab) from Generator(seed + 1), and
/// predicts each next id (whatever `data` says: random tokens carry no text, so the loss at
/// init should be near ln(vocab)). Throws ValueError /
/// SpecError / ShapeError for a bad setup, IoError for unreadable data.
ProbeReport probe_inits(const ProbeSetup& setup);

}  // namespace weightinit::diag
