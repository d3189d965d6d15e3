// SPDX-License-Identifier: MIT
// MT19937 jump-ahead: x^W mod φ with NTL, evaluated on the state by Horner's rule.
#include "weightinit/random/mt19937_jump.h"

#include <NTL/GF2X.h>
#include <NTL/GF2XFactoring.h>
#include <NTL/ZZ.h>
#include <NTL/vec_GF2.h>

#include <algorithm>
#include <array>
#include <vector>

#include "weightinit/error.h"

namespace weightinit {

namespace {

constexpr int kN = Mt19937::kStateSize;  // 624
constexpr int kM = Mt19937::kShift;      // 397
constexpr int kDegree = 19937;

/// A window of the recurrence x[k + 624] = x[k + 397] ^ mix(x[k], x[k + 1]): the 624 words
/// x[p .. p + 623] in a circular buffer, `start` holding x[p].
struct Window {
  std::array<std::uint32_t, kN> w{};
  int start = 0;

  std::uint32_t at(int j) const { return w[static_cast<std::size_t>((start + j) % kN)]; }

  /// x[p + 624] replaces x[p]; the window moves to p + 1.
  void step() {
    const int next = start + 1 == kN ? 0 : start + 1;
    const int far = start + kM < kN ? start + kM : start + kM - kN;
    const std::uint32_t u = w[static_cast<std::size_t>(start)];
    const std::uint32_t v = w[static_cast<std::size_t>(next)];
    const std::uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
    w[static_cast<std::size_t>(start)] =
        w[static_cast<std::size_t>(far)] ^ (y >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
    start = next;
  }

  /// this += other (GF(2)), word j of one with word j of the other.
  void add(const Window& other) {
    const int d = (start - other.start + kN) % kN;  // physical offset of this over other
    for (int k = 0; k < kN - d; ++k) w[static_cast<std::size_t>(k + d)] ^= other.w[k];
    for (int k = kN - d; k < kN; ++k) w[static_cast<std::size_t>(k + d - kN)] ^= other.w[k];
  }
};

/// φ from the lowest bit of 2·19937 successive words (any nonzero live state: the recurrence's
/// minimal polynomial is φ, which is irreducible, so every nonzero sequence has it).
NTL::GF2X derive_characteristic_polynomial() {
  Window window;
  window.w[0] = 5489u;
  for (int j = 1; j < kN; ++j) {
    window.w[j] =
        1812433253u * (window.w[j - 1] ^ (window.w[j - 1] >> 30)) + static_cast<std::uint32_t>(j);
  }
  NTL::vec_GF2 bits;
  bits.SetLength(2 * kDegree);
  for (long i = 0; i < 2 * kDegree; ++i) {
    window.step();
    bits[i] = window.at(kN - 1) & 1u;
  }
  NTL::GF2X phi;
  NTL::MinPolySeq(phi, bits, kDegree);
  if (NTL::deg(phi) != kDegree) {
    throw Error("MT19937 jump-ahead: the derived characteristic polynomial has degree " +
                std::to_string(NTL::deg(phi)) + ", not 19937");
  }
  return phi;
}

const NTL::GF2XModulus& modulus() {
  static const NTL::GF2XModulus m(derive_characteristic_polynomial());
  return m;
}

/// The window W words after `s`: g(T)·s by Horner's rule, g = x^W mod φ. Exact in every bit
/// that later words depend on; the lower 31 bits of the first word may differ (they never
/// matter to the recurrence), so callers jump one word short and step.
Window jump_window(const Window& s, std::uint64_t words) {
  NTL::ZZ e;
  NTL::conv(e, static_cast<unsigned long>(words));
  NTL::GF2X g;
  NTL::PowerXMod(g, e, modulus());
  Window r;
  r.start = s.start;
  for (long i = NTL::deg(g); i >= 0; --i) {
    r.step();
    if (NTL::IsOne(NTL::coeff(g, i))) r.add(s);
  }
  return r;
}

/// The window `words` (>= 1) words after `s`, every bit exact: one word short by the
/// polynomial, then a step.
Window advance(const Window& s, std::uint64_t words) {
  Window r = jump_window(s, words - 1);
  r.step();
  return r;
}

/// Draws `words` words through the engine's fill (its vectorised whole-block kernel).
void draw_words(Mt19937& engine, std::uint64_t words) {
  std::vector<std::uint32_t> scratch(std::min<std::uint64_t>(words, std::uint64_t{1} << 16));
  while (words > 0) {
    const std::uint64_t n = std::min<std::uint64_t>(words, scratch.size());
    engine.fill(scratch.data(), static_cast<std::int64_t>(n));
    words -= n;
  }
}

}  // namespace

void mt19937_discard(Mt19937& engine, std::uint64_t words, JumpMethod method) {
  if (words == 0) return;
  const std::uint64_t drawn = engine.words_drawn();
  // Drawing runs at about 0.4 ns a word here and a jump takes about 9 ms: below 2^24 words
  // (about 7 ms of drawing) drawing is the faster way to the same state.
  if (method == JumpMethod::Draw ||
      (method == JumpMethod::Fastest && words < (std::uint64_t{1} << 24))) {
    WEIGHTINIT_CHECK(words <= (std::uint64_t{1} << 40), ValueError, "drawing ", words,
                     " words to discard them would take hours: use JumpMethod::Polynomial");
    draw_words(engine, words);
    return;
  }
  // Draws consumed from the block in state(): a fresh engine (left 1, next 0) has "used up"
  // its seeded block, as after 624 draws; the next draw twists.
  const std::uint64_t used = engine.left() == 1 ? kN : engine.next_index();
  WEIGHTINIT_CHECK(words <= UINT64_MAX - used, ValueError, "cannot jump the generator by ", words,
                   " words: the position would pass 2^64 words");
  const std::uint64_t consumed = used + words;
  std::uint64_t blocks = consumed / kN;  // twists to do
  std::uint64_t next = consumed % kN;
  if (next == 0) {  // the block is used up and torch twists lazily: stay on the previous one
    --blocks;
    next = kN;
  }
  std::array<std::uint32_t, kN> state = engine.state();
  if (blocks > 0) {
    Window s;
    s.w = state;
    const Window r = advance(s, blocks * kN);
    for (int k = 0; k < kN; ++k) state[static_cast<std::size_t>(k)] = r.at(k);
  }
  const int left = next == static_cast<std::uint64_t>(kN) ? 1 : kN + 1 - static_cast<int>(next);
  engine.set_raw(engine.seed(), left, static_cast<std::uint32_t>(next), state, drawn + words);
}

const std::vector<bool>& mt19937_characteristic_polynomial() {
  static const std::vector<bool> bits = [] {
    const NTL::GF2X& phi = modulus().val();
    std::vector<bool> out(static_cast<std::size_t>(NTL::deg(phi)) + 1);
    for (long i = 0; i <= NTL::deg(phi); ++i)
      out[static_cast<std::size_t>(i)] = NTL::IsOne(NTL::coeff(phi, i));
    return out;
  }();
  return bits;
}

}  // namespace weightinit
