// SPDX-License-Identifier: MIT
// Internal: recording the fill an init would make on a deferred tensor, to replay it later chunk
// by chunk (the streaming writer). Only Philox fills and constants can be recorded: each element
// depends only on (key, index), so any chunk can be computed on its own.
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/random/philox_stream.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::detail {

/// One whole-tensor fill: element i of the tensor (row-major) gets element first + i of the
/// Philox stream `key` under the distribution, or `p0` for Constant.
struct ElementwiseDraw {
  enum class Kind { Uniform, Normal, TruncNormal, Constant };
  Kind kind = Kind::Constant;
  double p0 = 0, p1 = 0, p2 = 0, p3 = 0;  // uniform a, b; normal mean, std; trunc mean, std, a, b
  PhiloxKey key{0, 0};
  std::int64_t first = 0;
  std::int64_t numel = 0;  // elements of the tensor it was recorded on
  Tensor target;           // the deferred tensor it was recorded on (set by the recorder)
};

/// A draw of `kind` with arguments p0..p3 (key, first, numel and target are set when it runs).
inline ElementwiseDraw draw_of(ElementwiseDraw::Kind kind, double p0, double p1, double p2 = 0,
                               double p3 = 0) {
  ElementwiseDraw d;
  d.kind = kind;
  d.p0 = p0;
  d.p1 = p1;
  d.p2 = p2;
  d.p3 = p3;
  return d;
}

/// While alive, fills of deferred tensors on this thread (Philox uniform_/normal_/
/// trunc_normal_, and fill_) are appended to `draws` instead of throwing. Recorders nest (the
/// innermost records).
class DrawRecorder {
 public:
  DrawRecorder();
  ~DrawRecorder();
  DrawRecorder(const DrawRecorder&) = delete;
  DrawRecorder& operator=(const DrawRecorder&) = delete;

  std::vector<ElementwiseDraw> draws;

 private:
  DrawRecorder* previous_;
};

/// The active recorder of this thread, or nullptr.
DrawRecorder* active_draw_recorder();

/// Records fill_(value) of deferred tensor `t`; false when no recorder is active.
bool record_deferred_constant(const Tensor& t, double value);

/// Writes elements [offset, offset + chunk.numel()) of `draw` into the contiguous float32 or
/// float64 tensor `chunk`: exactly what the recorded fill writes there on the whole tensor.
void replay_elementwise_draw(const ElementwiseDraw& draw, Tensor& chunk, std::int64_t offset);

}  // namespace weightinit::detail
