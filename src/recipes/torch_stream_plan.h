// SPDX-License-Identifier: MIT
// Internal: the torch family's draw plan for the streaming writer. For a deferred model, its
// recorded constructor draws and a policy, it says how each parameter's values are made and
// where in PyTorch's one MT19937 stream: an element-wise draw at a word offset (any chunk of it
// computed on its own), a constant, or a whole-tensor init computed from its start position (the
// word and the cached Box-Muller sample). Draws a later rule overwrites are jumped over.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "random/torch_draw_record.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/recipes/torch_construction.h"

namespace weightinit::recipes {

struct TorchConstruction {
  std::vector<weightinit::detail::TorchDraw> draws;
  std::uint64_t end_word = 0;                         // where the constructors left the stream
  std::optional<std::uint64_t> end_cached_pair_word;  // and the cached sample they left
};

/// A position in the torch stream: the word, and the cached normal sample there.
struct TorchStreamPosition {
  std::uint64_t word = 0;
  std::optional<double> cached;
};

/// How one parameter's values are made (exactly one of draw, constant, whole).
struct TorchParameterPlan {
  std::optional<weightinit::detail::TorchDraw> draw;  ///< element-wise, chunk by chunk
  std::optional<double> constant;                     ///< a fill with one value
  bool whole = false;                                 ///< the policy's init, run from `start`
  TorchStreamPosition start;                          ///< whole: where its draws begin
  std::optional<std::int64_t> zero_row;               ///< an Embedding's padding row
};

/// The plan of every parameter of `plan` (by qualified name) and where the stream ends, which
/// equals `torch.get_rng_state()` after `torch.manual_seed(s); m = Model(); policy(m)`.
struct TorchStreamPlan {
  std::map<std::string, TorchParameterPlan> parameters;
  TorchStreamPosition end;
};

/// Plans the torch family's draws for `policy_plan` (Policy::plan with RngFamily::Torch) over
/// the model whose construction was recorded. `base` is the generator as it was before the
/// model was built (word 0). Whole-tensor inits (orthogonal_, sparse_, 2.12+'s rejection
/// trunc_normal_, the scalar normal_ path) are run once here on a scratch tensor to learn how
/// many words they take, which may depend on the values. Throws PolicyError as Policy::draw.
TorchStreamPlan plan_torch_stream(const Policy& policy, const PolicyPlan& policy_plan,
                                  const TorchConstruction& construction, const Generator& base);

/// The element-wise draw of the constructor that made `parameter` last, if one did.
std::optional<weightinit::detail::TorchDraw> constructor_draw(const TorchConstruction& construction,
                                                              const Tensor& parameter);

}  // namespace weightinit::recipes
