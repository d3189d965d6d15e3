// SPDX-License-Identifier: MIT
// The torch family's draw plan for the streaming writer. See recipes/torch_stream_plan.h.
#include "recipes/torch_stream_plan.h"

#include "random/deferred_draw.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::recipes {

using weightinit::detail::TorchCursor;
using weightinit::detail::TorchDraw;
using weightinit::detail::TorchDrawRecorder;

TorchConstructionRecorder::TorchConstructionRecorder()
    : recorder_(std::make_unique<TorchDrawRecorder>(0)) {}

TorchConstructionRecorder::~TorchConstructionRecorder() = default;

std::shared_ptr<const TorchConstruction> TorchConstructionRecorder::finish() {
  WEIGHTINIT_CHECK(recorder_ != nullptr, ValueError,
                   "TorchConstructionRecorder::finish was called twice");
  auto construction = std::make_shared<TorchConstruction>();
  construction->draws = std::move(recorder_->draws);
  construction->end_word = recorder_->next_word;
  construction->end_cached_pair_word = recorder_->cached_pair_word;
  recorder_.reset();
  return construction;
}

std::optional<TorchDraw> constructor_draw(const TorchConstruction& construction,
                                          const Tensor& parameter) {
  std::optional<TorchDraw> last;
  for (const TorchDraw& d : construction.draws) {
    if (d.target.shares_storage_with(parameter) && d.numel == parameter.numel()) last = d;
  }
  return last;
}

namespace {

/// A parameter the policy leaves as its constructor made it: the constructor's last draw (and
/// its padding row), else the constant its module's reset sets, else torch.empty's zeros.
TorchParameterPlan kept_parameter(const TorchConstruction& construction,
                                  const PlannedParameter& p) {
  TorchParameterPlan plan;
  // Materialized by its constructor (swin_t's relative_position_bias_table): the writer takes
  // its values; resetting its module below would overwrite them.
  if (!p.parameter->data.is_deferred()) return plan;
  if ((plan.draw = constructor_draw(construction, p.parameter->data))) {
    if (const auto d = p.owner->default_init(p.local)) plan.zero_row = d->zero_row;
    return plan;
  }
  // Constants (LayerNorm's 1 and 0): the module's reset recorded on a throwaway Philox stream.
  weightinit::detail::DrawRecorder constants;
  Generator scratch = Generator::philox(0);
  p.owner->reset_own_parameters(scratch);
  plan.constant = 0.0;
  for (const auto& d : constants.draws) {
    if (d.target.shares_storage_with(p.parameter->data) &&
        d.kind == weightinit::detail::ElementwiseDraw::Kind::Constant) {
      plan.constant = d.p0;
    }
  }
  return plan;
}

/// The policy's init of parameter `i` as one element-wise draw or constant, recorded on a
/// deferred tensor from word `word` (nullopt when it needs the whole tensor); `word` moves on.
std::optional<TorchParameterPlan> elementwise(const Policy& policy, const PolicyPlan& plan,
                                              std::size_t i, const Generator& base,
                                              std::uint64_t& word) {
  const PlannedParameter& p = plan.parameters[i];
  const Tensor& shape_of = p.parameter->data;
  const DeferredAllocationGuard deferred_scratch;  // an init's own scratch tensors: shapes only
  Tensor target = Tensor::deferred(shape_of.sizes(), shape_of.dtype());
  weightinit::detail::DrawRecorder constants;
  TorchDrawRecorder draws(word);
  Generator unused = base;  // records only: it does not move
  try {
    policy.draw(plan, i, target, unused);
  } catch (const Error&) {
    return std::nullopt;  // needs memory: the whole tensor (the real run reports real errors)
  }
  TorchParameterPlan out;
  if (draws.draws.size() == 1 && constants.draws.empty() &&
      draws.draws[0].kind != TorchDraw::Kind::NormalScalar &&  // the cache: whole, in order
      draws.draws[0].target.shares_storage_with(target) && draws.draws[0].numel == target.numel()) {
    out.draw = draws.draws[0];
    out.draw->target = p.parameter->data;
    word = draws.next_word;
    return out;
  }
  if (draws.draws.empty() && constants.draws.size() == 1 &&
      constants.draws[0].target.shares_storage_with(target) &&
      constants.draws[0].numel == target.numel()) {
    out.constant = constants.draws[0].p0;
    return out;
  }
  return std::nullopt;
}

}  // namespace

TorchStreamPlan plan_torch_stream(const Policy& policy, const PolicyPlan& policy_plan,
                                  const TorchConstruction& construction, const Generator& base) {
  TorchStreamPlan out;
  TorchCursor cursor(base);
  TorchStreamPosition pos{construction.end_word,
                          cursor.cached_sample(construction.end_cached_pair_word)};
  for (std::size_t i = 0; i < policy_plan.parameters.size(); ++i) {
    const PlannedParameter& p = policy_plan.parameters[i];
    if (!p.init) {
      out.parameters[p.name] = kept_parameter(construction, p);
      continue;
    }
    if (auto plan = elementwise(policy, policy_plan, i, base, pos.word)) {
      out.parameters[p.name] = std::move(*plan);
      continue;
    }
    // Whole: run it once from here to learn the words it takes (they may depend on the values,
    // as 2.12+'s rejection trunc_normal_ redraws) and the cached sample it leaves.
    TorchParameterPlan plan;
    plan.whole = true;
    plan.start = pos;
    Tensor scratch = Tensor::empty(p.parameter->data.sizes(), p.parameter->data.dtype());
    Generator& gen = cursor.seek(pos.word, pos.cached);
    policy.draw(policy_plan, i, scratch, gen);
    pos = {cursor.word(), gen.next_double_normal_sample()};
    out.parameters[p.name] = std::move(plan);
  }
  out.end = pos;
  return out;
}

}  // namespace weightinit::recipes
