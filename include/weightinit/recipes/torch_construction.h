// SPDX-License-Identifier: MIT
// Recording what a deferred model's constructors draw from PyTorch's generator, so that the
// torch family can be streamed (write_initialized_shards) without building the model for real.
#pragma once

#include <cstdint>
#include <memory>

namespace weightinit::detail {
class TorchDrawRecorder;
}  // namespace weightinit::detail

namespace weightinit::recipes {

/// The draws a deferred model's constructors made from the torch generator, in order: each
/// one's scheme, arguments and the word of the stream where it starts (not its values).
struct TorchConstruction;

/// While alive, a model built on this thread under a DeferredAllocationGuard makes its
/// constructors' torch-family draws as records instead of skipping them: what
/// `torch.manual_seed(s); Model()` draws, by word offset from the seed (constructors_draw()).
/// The generator the model is built with does not move. finish() returns the records for
/// ShardedWriteOptions::torch_construction.
///
/// **Example**
///     recipes::TorchConstructionRecorder recorder;
///     models::BuiltModel built;
///     {
///       const DeferredAllocationGuard deferred;
///       built = models::build_model("resnet50", gen);
///     }
///     options.torch_construction = recorder.finish();
///
/// Throws Error from the build when a constructor draws something that cannot be planned
/// element-wise (normal_ on fewer than 16 elements).
class TorchConstructionRecorder {
 public:
  TorchConstructionRecorder();
  ~TorchConstructionRecorder();
  TorchConstructionRecorder(const TorchConstructionRecorder&) = delete;
  TorchConstructionRecorder& operator=(const TorchConstructionRecorder&) = delete;

  /// Stops recording and returns what was recorded.
  std::shared_ptr<const TorchConstruction> finish();

 private:
  std::unique_ptr<detail::TorchDrawRecorder> recorder_;
};

}  // namespace weightinit::recipes
