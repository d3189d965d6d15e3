// SPDX-License-Identifier: MIT
// MT19937 exactly as PyTorch's at::mt19937 runs it (header-only: the draw must inline).
#pragma once

#include <array>
#include <cstdint>

namespace weightinit {

namespace detail {
/// One twist of `state` (624 words) and the 624 tempered outputs written to `out`, exactly as
/// 624 draws after a twist give them; vectorised for AVX-512 / AVX2 when the CPU has them
/// (src/random/mt19937_bulk.cpp). Used by Mt19937::fill for whole twists.
void mt19937_twist_temper(std::uint32_t* state, std::uint32_t* out);
}  // namespace detail

/// The 32-bit Mersenne Twister (Matsumoto & Nishimura 1998, "Mersenne Twister: a
/// 623-dimensionally equidistributed uniform pseudo-random number generator"), with PyTorch's
/// seeding and bookkeeping (`at::mt19937`):
///   state[0] = seed & 0xffffffff;  state[j] = 1812433253 * (state[j-1] ^ (state[j-1] >> 30)) + j
/// then left = 1, next = 0, so the first draw twists first. Only the low 32 bits of the seed
/// feed the stream; the full 64-bit value is kept for initial_seed().
class Mt19937 {
 public:
  static constexpr int kStateSize = 624;
  static constexpr int kShift = 397;

  explicit Mt19937(std::uint64_t seed = 5489) { seed_with(seed); }

  /// Re-seeds as torch does: state from the low 32 bits, left = 1, next = 0.
  void seed_with(std::uint64_t seed) {
    seed_ = seed;
    state_[0] = static_cast<std::uint32_t>(seed & 0xffffffffu);
    for (int j = 1; j < kStateSize; ++j) {
      const std::uint32_t prev = state_[j - 1];
      state_[j] = 1812433253u * (prev ^ (prev >> 30)) + static_cast<std::uint32_t>(j);
    }
    left_ = 1;
    next_ = 0;
    twists_ = 0;
    origin_ = kStateSize;  // left 1: as if the seeded block's 624 words were drawn
  }

  /// Next tempered 32-bit output.
  std::uint32_t operator()() {
    if (--left_ == 0) twist();
    return temper(state_[next_++]);
  }

  /// Writes the next `n` outputs to `out`; the same values as n calls of operator().
  void fill(std::uint32_t* out, std::int64_t n) {
    while (n > 0) {
      if (left_ == 1 && n >= kStateSize) {  // a whole twist's outputs: the vectorised kernel
        detail::mt19937_twist_temper(state_.data(), out);
        ++twists_;
        next_ = kStateSize;  // left_ stays 1: as after 624 draws
        out += kStateSize;
        n -= kStateSize;
        continue;
      }
      if (left_ == 1) {  // the next draw twists
        twist();
        left_ = kStateSize + 1;
      }
      std::int64_t avail = left_ - 1;  // outputs left before the next twist
      const std::int64_t take = n < avail ? n : avail;
      const std::uint32_t* src = state_.data() + next_;
      for (std::int64_t i = 0; i < take; ++i) out[i] = temper(src[i]);
      next_ += static_cast<std::uint32_t>(take);
      left_ -= static_cast<int>(take);
      out += take;
      n -= take;
    }
  }

  std::uint64_t seed() const { return seed_; }
  int left() const { return left_; }
  std::uint32_t next_index() const { return next_; }
  const std::array<std::uint32_t, kStateSize>& state() const { return state_; }

  /// The 32-bit words drawn since seed_with() or set_raw() (a jump counts its words): the
  /// position in the stream that the torch family's draw plans are written in. Counted from
  /// the twists done and `left`, so drawing pays nothing for it (modulo 2^64).
  std::uint64_t words_drawn() const {
    return twists_ * kStateSize + static_cast<std::uint64_t>(kStateSize + 1 - left_) - origin_;
  }

  /// Restores raw state (as saved by torch.get_rng_state()), whose position words_drawn()
  /// then reports as `drawn`. Returns false and changes nothing when left/next are out of
  /// range (torch's "Invalid mt19937 state").
  bool set_raw(std::uint64_t seed, int left, std::uint32_t next,
               const std::array<std::uint32_t, kStateSize>& state, std::uint64_t drawn = 0) {
    if (left <= 0 || left > kStateSize || next > static_cast<std::uint32_t>(kStateSize)) {
      return false;
    }
    seed_ = seed;
    left_ = left;
    next_ = next;
    state_ = state;
    twists_ = 0;
    origin_ = static_cast<std::uint64_t>(kStateSize + 1 - left) - drawn;
    return true;
  }

 private:
  static std::uint32_t temper(std::uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  static std::uint32_t mix(std::uint32_t u, std::uint32_t v) {
    const std::uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
    return (y >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
  }

  void twist() {
    ++twists_;
    left_ = kStateSize;
    next_ = 0;
    int k = 0;
    for (; k < kStateSize - kShift; ++k)
      state_[k] = state_[k + kShift] ^ mix(state_[k], state_[k + 1]);
    for (; k < kStateSize - 1; ++k) {
      state_[k] = state_[k + kShift - kStateSize] ^ mix(state_[k], state_[k + 1]);
    }
    state_[kStateSize - 1] = state_[kShift - 1] ^ mix(state_[kStateSize - 1], state_[0]);
  }

  std::array<std::uint32_t, kStateSize> state_{};
  std::uint64_t seed_ = 0;
  int left_ = 1;
  std::uint32_t next_ = 0;
  std::uint64_t twists_ = 0;  // since seed_with / set_raw
  std::uint64_t origin_ = 0;  // words_drawn()'s offset: the block position at seed / set_raw
};

}  // namespace weightinit
