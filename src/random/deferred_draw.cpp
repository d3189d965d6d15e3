// SPDX-License-Identifier: MIT
// Recording fills of deferred tensors and replaying them chunk by chunk; the Philox fill entry.
#include "random/deferred_draw.h"

#include "random/generator_access.h"
#include "random/philox_fill.h"
#include "random/torch_draw_record.h"
#include "weightinit/error.h"

namespace weightinit::detail {

namespace {
thread_local DrawRecorder* t_recorder = nullptr;

/// Appends `draw` to the active recorder; throws when `t` cannot be recorded.
void record(const Tensor& t, const ElementwiseDraw& draw, const char* op) {
  WEIGHTINIT_CHECK(t_recorder != nullptr, Error, op, ": the tensor of shape ", shape_str(t.sizes()),
                   " is deferred (built under a DeferredAllocationGuard): it has no memory");
  WEIGHTINIT_CHECK(t.is_contiguous() && t.storage_offset() == 0, Error, op,
                   ": only whole deferred tensors can be filled, not views of them");
  t_recorder->draws.push_back(draw);
  t_recorder->draws.back().target = t;
}
}  // namespace

DrawRecorder::DrawRecorder() : previous_(t_recorder) { t_recorder = this; }
DrawRecorder::~DrawRecorder() { t_recorder = previous_; }

DrawRecorder* active_draw_recorder() { return t_recorder; }

bool record_deferred_constant(const Tensor& t, double value) {
  if (t_recorder == nullptr) {
    // A constructor's constant while the torch family's draws are recorded: no words.
    if (active_torch_recorder() == nullptr) return false;
    record_torch_fill(t, TorchDraw::Kind::Constant, value, 0.0);
    return true;
  }
  ElementwiseDraw draw;
  draw.kind = ElementwiseDraw::Kind::Constant;
  draw.p0 = value;
  draw.numel = t.numel();
  record(t, draw, "fill_");
  return true;
}

void replay_elementwise_draw(const ElementwiseDraw& d, Tensor& chunk, std::int64_t offset) {
  using Kind = ElementwiseDraw::Kind;
  WEIGHTINIT_CHECK(offset >= 0 && offset + chunk.numel() <= d.numel, ValueError,
                   "replay_elementwise_draw: elements [", offset, ", ", offset + chunk.numel(),
                   ") are outside the recorded tensor's ", d.numel);
  switch (d.kind) {
    case Kind::Uniform:
      philox_uniform_(chunk, d.p0, d.p1, d.key, d.first + offset);
      break;
    case Kind::Normal:
      philox_normal_(chunk, d.p0, d.p1, d.key, d.first + offset);
      break;
    case Kind::TruncNormal:
      philox_trunc_normal_(chunk, d.p0, d.p1, d.p2, d.p3, d.key, d.first + offset);
      break;
    case Kind::Constant:
      chunk.fill_(d.p0);
      break;
  }
}

Tensor& philox_fill(Tensor& t, Generator& gen, ElementwiseDraw draw) {
  draw.key = gen.philox_key();
  draw.numel = t.numel();
  draw.first = detail::GeneratorAccess::take_philox_elements(gen, t.numel());
  if (t.is_deferred()) {
    record(t, draw, "fill");
    return t;
  }
  if (t.numel() == 0) return t;
  if (t.is_contiguous()) {
    replay_elementwise_draw(draw, t, 0);
    return t;
  }
  Tensor work = Tensor::empty(t.sizes(), t.dtype());
  replay_elementwise_draw(draw, work, 0);
  t.copy_(work);
  return t;
}

}  // namespace weightinit::detail
