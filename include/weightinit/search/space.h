// SPDX-License-Identifier: MIT
// Search spaces over initialization (issue #11, seed 003's RandomizedSearchCV done better): per
// layer group the init specs to try, with ranges inside them, plus training settings.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/train/trainer.h"

namespace weightinit::search {

/// A numeric range or a list of options.
struct Domain {
  enum class Kind { Fixed, Uniform, LogUniform, Choice } kind = Kind::Fixed;
  double lo = 0.0, hi = 0.0;         ///< Uniform / LogUniform bounds
  std::vector<std::string> options;  ///< Fixed (one) / Choice (several), as written
};

/// One line `selector: alternative | alternative | ...`. An alternative is an init spec (or
/// "default") whose numeric arguments may be ranges: U(a, b) (uniform) or logU(a, b)
/// (log-uniform), e.g. `orthogonal(gain=U(0.5, 2))`.
struct SpaceRule {
  std::string selector;
  std::vector<std::string> alternatives;  ///< as written, ranges included
  int line = 0;
};

/// A search space: policy rules with alternatives, and training settings
/// (`@lr: logU(0.01, 0.3)`, `@epochs: 3`, `@batch: 128`, `@optimizer: sgd | adam`,
/// `@momentum: U(0, 0.9)`, `@weight_decay: 0`).
struct SearchSpace {
  std::string source;
  std::vector<SpaceRule> rules;
  std::map<std::string, Domain> settings;

  /// Parses a space file: one rule or setting per line, `#` comments, blank lines ignored.
  /// Throws recipes::PolicyError ("FILE:LINE:COL: reason") for a line without ':', an empty
  /// alternative, a malformed range (`U(2, 1)`: "expects lo < hi"; logU needs lo > 0), an
  /// alternative that is not a valid init spec (with its column, "did you mean"), an unknown
  /// setting (`@lrr`: "did you mean '@lr'?") or a setting value of the wrong kind.
  static SearchSpace parse(std::string_view text, std::string source);
  /// Reads and parses a space file; IoError when it cannot be read, ValueError when it is a
  /// directory or larger than 16 MiB.
  static SearchSpace load(const std::string& path);
};

/// One point of a space: the policy text (one rule per space rule, ranges drawn) and the
/// training settings.
struct TrialConfig {
  std::string policy_text;  ///< "Linear.weight: orthogonal(gain=1.2345)\n..."
  train::TrainConfig config;
  /// "Linear.weight=orthogonal(gain=1.23); bias=zeros; lr=0.05" for tables and logs.
  std::string summary;
};

/// Trial `index` of a random search: each rule's alternative uniformly, each range uniformly
/// (or log-uniformly), each setting likewise, from Generator(seed) advanced by the trial index
/// (Philox stream "trial/INDEX": the same trial for any order or number of workers). Values are
/// written with 17 significant digits, so the policy reproduces them exactly.
TrialConfig sample_trial(const SearchSpace& space, std::uint64_t seed, std::int64_t index);

/// Training configs that between them take every option and range bound of every setting,
/// one setting at a time (the others at TrainConfig's defaults): what run_search validates
/// before training, and where it finds the largest @epochs.
std::vector<train::TrainConfig> setting_corners(const SearchSpace& space);

/// Every combination for a grid search: each alternative, each range at `points` values
/// (evenly spaced, log-spaced for logU; the midpoint when points is 1), each setting option.
/// Throws ValueError when there would be more than `limit` trials.
std::vector<TrialConfig> grid_trials(const SearchSpace& space, int points,
                                     std::size_t limit = 10000);

}  // namespace weightinit::search
