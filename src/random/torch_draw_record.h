// SPDX-License-Identifier: MIT
// Internal: planning the torch family's draws without drawing them. PyTorch's generator is one
// sequential MT19937 stream, but every element-wise fill takes a number of 32-bit words known in
// advance (uniform_: one per float32 element, two per float64; normal_ on n >= 16 contiguous
// elements: n, plus 16 for the tail block when n % 16 != 0, times the same), so a fill of a
// deferred tensor can be recorded with the word offset it starts at, and any chunk of it
// computed later by jumping the generator there (Generator::discard).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::detail {

/// One torch-family fill of a whole deferred tensor: element i (row-major) is what
/// `uniform_`/`normal_` with (p0, p1) gives it when the fill starts at word `first_word`.
/// Uniform and Normal (16 elements or more) are element-wise: any chunk can be computed alone.
/// NormalScalar, normal_ on fewer than 16 elements, goes through torch's cached Box-Muller
/// sample: it is computed whole, from the cache left by the pair of draws at
/// `cached_pair_word` (none when nullopt). Constant is fill_(p0): no words.
struct TorchDraw {
  enum class Kind { Uniform, Normal, NormalScalar, Constant };
  Kind kind = Kind::Uniform;
  double p0 = 0, p1 = 0;  // uniform from, to; normal mean, std
  DType dtype = DType::Float32;
  std::int64_t numel = 0;
  std::uint64_t first_word = 0;
  std::optional<std::uint64_t> cached_pair_word;  // NormalScalar: the cache it starts with
  Tensor target;                                  // the deferred tensor it was recorded on
};

/// The 32-bit words `draw` takes from the stream.
std::uint64_t torch_draw_words(const TorchDraw& draw);

/// While alive, torch-family uniform_/normal_ of deferred tensors on this thread are appended to
/// `draws`, each starting at `next_word`, which then moves past the words the fill takes; the
/// generator itself does not move. Fills that cannot be planned element-wise (normal_ on fewer
/// than 16 elements, which draws through the cached Box-Muller sample; a view) throw Error, as
/// any other use of a deferred tensor's memory does. Recorders nest (the innermost records).
class TorchDrawRecorder {
 public:
  explicit TorchDrawRecorder(std::uint64_t first_word);
  ~TorchDrawRecorder();
  TorchDrawRecorder(const TorchDrawRecorder&) = delete;
  TorchDrawRecorder& operator=(const TorchDrawRecorder&) = delete;

  std::vector<TorchDraw> draws;
  std::uint64_t next_word;
  /// Where the pair of draws whose sine sample torch caches began (nullopt: no cached sample).
  /// A recorder starts with none, as after manual_seed.
  std::optional<std::uint64_t> cached_pair_word;

 private:
  TorchDrawRecorder* previous_;
};

/// The active torch recorder of this thread, or nullptr.
TorchDrawRecorder* active_torch_recorder();

/// Records a torch-family fill of deferred `t` (after its arguments were checked). Throws Error
/// when no recorder is active or `t` is a view.
void record_torch_fill(const Tensor& t, TorchDraw::Kind kind, double p0, double p1);

/// A torch-family generator that moves to word positions of one stream: `base` is the stream's
/// state at word 0 of the plan (the seeded generator, with its torch version and arithmetic mode).
/// seek() jumps forward from where it is, or from `base` when the target lies behind.
class TorchCursor {
 public:
  explicit TorchCursor(const Generator& base);
  /// Positions the generator at word `word` with the cached normal sample `cached`.
  Generator& seek(std::uint64_t word, std::optional<double> cached = std::nullopt);
  Generator& generator() { return gen_; }
  /// The sample torch caches after the pair of draws at `pair_word` (nullopt for nullopt).
  std::optional<double> cached_sample(std::optional<std::uint64_t> pair_word);
  /// Seeks that moved the generator, and the seconds they took (jumps and skipped words).
  std::uint64_t moves() const { return moves_; }
  double move_seconds() const { return move_seconds_; }
  /// A copy at the same position with no moves counted yet (for another thread).
  TorchCursor fork() const {
    TorchCursor copy = *this;
    copy.moves_ = 0;
    copy.move_seconds_ = 0;
    return copy;
  }
  /// Adds `other`'s moves and their seconds to this cursor's (a fork that filled a piece).
  void count_moves_of(const TorchCursor& other) {
    moves_ += other.moves_;
    move_seconds_ += other.move_seconds_;
  }
  /// The generator's word position in the plan (after whatever it drew since a seek).
  std::uint64_t word() const { return gen_.words_drawn() - origin_; }

 private:
  Generator base_, gen_;
  std::uint64_t origin_;  // base_.words_drawn(): word 0 of the plan
  std::uint64_t moves_ = 0;
  double move_seconds_ = 0;
};

/// Writes elements [offset, offset + chunk.numel()) of `draw` into the contiguous `chunk`
/// (the draw's dtype): exactly what the recorded fill writes there on the whole tensor. A
/// normal_ chunk is computed from whole 16-blocks (and the tail block), which Box-Muller
/// transforms on their own; a NormalScalar draw only whole (ValueError otherwise).
void replay_torch_draw(const TorchDraw& draw, TorchCursor& cursor, Tensor& chunk,
                       std::int64_t offset);

}  // namespace weightinit::detail
