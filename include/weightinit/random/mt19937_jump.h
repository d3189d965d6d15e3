// SPDX-License-Identifier: MIT
// Jump-ahead for MT19937: the state after any number of draws, without drawing them.
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/random/mt19937.h"

namespace weightinit {

/// Advances `engine` exactly as `words` calls of operator() would (torch's bookkeeping of
/// `left`/`next` included), in time independent of `words`. MT19937 is linear over GF(2): the
/// state after W words is g(T)·s, where T is one step of the recurrence, g(x) = x^W mod φ(x) and
/// φ is the recurrence's characteristic polynomial of degree 19937 (Haramoto, Matsumoto,
/// Nishimura, Panneton & L'Ecuyer 2008, "Efficient jump ahead for F2-linear random number
/// generators"). φ is derived once per process from 2·19937 output bits by Berlekamp–Massey
/// (NTL's MinPolySeq) and x^W mod φ is NTL's PowerXMod. A jump takes about 9 ms whatever W
/// (docs/performance.md); `Fastest` draws the words instead below 2^24 of them, where drawing is
/// quicker. Throws ValueError when the position would pass 2^64 words.
enum class JumpMethod { Fastest, Polynomial, Draw };
void mt19937_discard(Mt19937& engine, std::uint64_t words, JumpMethod method = JumpMethod::Fastest);

/// φ(x), the characteristic polynomial of MT19937's recurrence, as its coefficient bits from
/// x^0 up (19938 of them, the last one set), for tests and documentation.
const std::vector<bool>& mt19937_characteristic_polynomial();

}  // namespace weightinit
