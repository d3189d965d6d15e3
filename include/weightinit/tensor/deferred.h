// SPDX-License-Identifier: MIT
// Deferred allocation: building models as shapes only, like PyTorch's meta device.
#pragma once

namespace weightinit {

/// True while a DeferredAllocationGuard is alive on the calling thread.
bool deferred_allocation();

/// Whether a module's constructor makes its draws now: always for real tensors; under a
/// DeferredAllocationGuard only while the torch family's draw plan records them (their word
/// offsets, not values: recipes::TorchConstructionRecorder). Otherwise a deferred build skips
/// them and keeps shapes only.
bool constructors_draw();

/// While alive, Tensor::empty, zeros and full on this thread make deferred tensors (shape and
/// dtype, no memory) and layers skip their constructors' draws, so a model of any size is built
/// in microseconds and a few kilobytes: `weightinit summary llama:7b` or the streaming writer
/// (weightinit/recipes/sharded_writer.h), which fills each parameter chunk by chunk later. Like
/// `with torch.device("meta"): model = Model()` in PyTorch. Guards nest.
class DeferredAllocationGuard {
 public:
  DeferredAllocationGuard();
  ~DeferredAllocationGuard();
  DeferredAllocationGuard(const DeferredAllocationGuard&) = delete;
  DeferredAllocationGuard& operator=(const DeferredAllocationGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace weightinit
