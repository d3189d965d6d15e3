// SPDX-License-Identifier: MIT
// Generator: PyTorch's CPU generator (at::CPUGeneratorImpl), bit for bit.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "weightinit/random/arith_mode.h"
#include "weightinit/random/mt19937.h"
#include "weightinit/random/philox_stream.h"
#include "weightinit/random/torch_version.h"

namespace weightinit {

namespace detail {
struct GeneratorAccess;
}  // namespace detail

/// The two generator families (docs/rng.md). Torch: PyTorch's MT19937 stream, bit-identical to
/// torch for the same seed and call order. Philox: counter-based Philox4x32-10 streams keyed by
/// (seed, stream name), where element i of a fill depends only on (seed, stream, i) — the same
/// values for any thread count, sharding or order in which parameters are built.
enum class RngFamily { Torch, Philox };

/// "torch" or "philox".
std::string_view rng_family_name(RngFamily family);
/// Parses "torch" or "philox"; ValueError otherwise ("unknown --rng 'x': expected torch or
/// philox").
RngFamily parse_rng_family(std::string_view name);

/// PyTorch's CPU random generator: MT19937 plus the cached Box-Muller normal samples.
/// Given the same seed, every sampler in weightinit draws exactly the words torch draws and
/// turns them into the same bits, so `manual_seed(s)` here and `torch.manual_seed(s)` there give
/// identical tensors. A Generator also carries the arithmetic mode and the torch version whose
/// kernels the samplers reproduce.
///
/// Not thread-safe: use one Generator per thread (or lock around default_generator()).
///
/// **Example**
///     weightinit::Generator gen(42);       // torch.Generator().manual_seed(42)
///     auto t = weightinit::Tensor::empty({3, 5});
///     weightinit::uniform_(t, -1, 1, gen); // t.uniform_(-1, 1, generator=gen)
class Generator {
 public:
  /// Seed of a fresh `torch.Generator()`.
  static constexpr std::uint64_t kDefaultSeed = 67280421310721ull;
  /// Size in bytes of the state blob, identical to `torch.get_rng_state()` (CPU).
  static constexpr std::size_t kStateBytes = 5056;

  /// Generator seeded with `seed` in the process-wide default mode and torch version.
  explicit Generator(std::uint64_t seed = kDefaultSeed);
  /// A generator of the Philox family: fills draw from the current stream (set_stream; the
  /// stream "" at first), element k of a fill being element offset + k of the stream, where
  /// offset counts the elements earlier fills of the stream took. random()/random64() draw
  /// words from a separate region of the stream (calls 2^63 + k/4), so they never reuse a fill's
  /// counters. The arithmetic mode does not matter to Philox fills (one exact mapping).
  static Generator philox(std::uint64_t seed);
  Generator(std::uint64_t seed, ArithMode mode, TorchVersion version = default_torch_version());

  /// Re-seeds like `torch.manual_seed(seed)`: resets the engine and clears both cached normal
  /// samples. A negative int64 seed converts to its two's complement, as torch maps it.
  /// Philox: the new seed, the stream "" and its counters at 0.
  Generator& manual_seed(std::uint64_t seed);
  /// The full 64-bit seed last given (`Generator.initial_seed()`).
  std::uint64_t initial_seed() const { return engine_.seed(); }

  /// One 32-bit draw.
  std::uint32_t random() { return family_ == RngFamily::Torch ? engine_() : philox_word(); }
  /// Two draws; the first is the high word (torch's random64()).
  std::uint64_t random64() {
    const std::uint64_t hi = random();
    const std::uint64_t lo = random();
    return (hi << 32) | lo;
  }
  /// The next `out.size()` 32-bit draws, in order (faster than repeated random()).
  void fill_random(std::span<std::uint32_t> out) {
    if (family_ == RngFamily::Torch) {
      engine_.fill(out.data(), static_cast<std::int64_t>(out.size()));
    } else {
      for (auto& w : out) w = philox_word();
    }
  }

  RngFamily family() const { return family_; }
  /// Philox: selects the stream `name` (usually a parameter's qualified name) and restarts its
  /// element and word counters at 0. Torch: no effect (one stream).
  void set_stream(std::string_view name);
  /// The current stream's name ("" at first).
  const std::string& stream_name() const { return stream_name_; }
  /// Philox: the key of the current stream, (seed, stream_id(name)).
  PhiloxKey philox_key() const { return philox_key_; }

  /// The sine sample Box-Muller leaves for the next scalar normal draw (torch's
  /// next_double_normal_sample). Set by odd-length scalar normal_ paths; cleared by use and by
  /// manual_seed. Carried across tensors, dtypes and functions, as in torch.
  std::optional<double> next_double_normal_sample() const { return next_double_normal_; }
  /// Torch's float cache: kept and serialised, but no CPU sampler uses it (as in torch).
  std::optional<float> next_float_normal_sample() const { return next_float_normal_; }

  /// Advances the stream as `words` draws of random() would, in constant time (MT19937
  /// jump-ahead, random/mt19937_jump.h): the state afterwards equals torch's after drawing that
  /// many 32-bit words (uniform_ draws one per float32 element, two per float64). The cached
  /// normal samples are part of the state and stay as they are, as drawing words leaves them.
  /// Torch family only: ValueError for a Philox generator (its fills are indexed, not drawn).
  void discard(std::uint64_t words);

  /// The 32-bit words drawn since manual_seed or set_state (discard counts its words): the
  /// position in torch's stream. Torch family.
  std::uint64_t words_drawn() const { return engine_.words_drawn(); }

  /// The state as the 5056 bytes `torch.get_rng_state()` returns for the same generator
  /// (Torch family; ValueError for a Philox generator, whose state is seed, stream, offset).
  std::array<std::uint8_t, kStateBytes> get_state() const;
  /// Restores a state from get_state() or from `torch.get_rng_state().numpy().tobytes()`.
  /// Throws ValueError when the size is not 5056 or the MT19937 fields are out of range.
  void set_state(std::span<const std::uint8_t> state);

  ArithMode arith_mode() const { return mode_; }
  void set_arith_mode(ArithMode mode) { mode_ = mode; }
  TorchVersion torch_version() const { return version_; }
  void set_torch_version(TorchVersion version) { version_ = version; }

  const Mt19937& engine() const { return engine_; }

 private:
  friend struct detail::GeneratorAccess;  // the samplers' hooks (src/random/generator_access.h)
  std::uint32_t philox_word();

  Mt19937 engine_;
  RngFamily family_ = RngFamily::Torch;
  std::string stream_name_;
  PhiloxKey philox_key_{0, 0};
  std::int64_t philox_offset_ = 0;  // elements taken by fills of the current stream
  std::uint64_t philox_words_ = 0;  // words taken by random() in the current stream
  std::optional<double> next_double_normal_;
  std::optional<float> next_float_normal_;
  ArithMode mode_;
  TorchVersion version_;
};

/// The process-wide generator that samplers use when none is given (torch's default CPU
/// generator). Like torch, it starts from a nondeterministic seed until manual_seed is called.
Generator& default_generator();

/// Seeds default_generator(), like `torch.manual_seed(seed)`. Returns it.
Generator& manual_seed(std::uint64_t seed);

}  // namespace weightinit
