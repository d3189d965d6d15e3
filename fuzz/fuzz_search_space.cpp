// SPDX-License-Identifier: MIT
// Fuzzes the search-space parser and the trial draws: a space parses (and its draws make
// policies that parse), or it throws weightinit::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "weightinit/error.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/search/space.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto space = weightinit::search::SearchSpace::parse(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    for (std::int64_t i = 0; i < 3; ++i) {
      const auto trial = weightinit::search::sample_trial(space, 1, i);
      (void)weightinit::recipes::Policy::parse(trial.policy_text, "trial");
    }
    (void)weightinit::search::grid_trials(space, 2, 64);
  } catch (const weightinit::Error&) {
  }
  return 0;
}
