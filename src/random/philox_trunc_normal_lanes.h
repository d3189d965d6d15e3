// SPDX-License-Identifier: MIT
// Internal: the float32 truncated normal of philox4x32-10/v2 (philox_trunc_normal_f32.h), written
// once over a lane backend, as avx_mathfun.h writes torch's log/sincos: the scalar, AVX2 and
// AVX-512 kernels instantiate it with their own Ops (each defined in its file's anonymous
// namespace, so no instantiation is shared between files built with different ISA flags).
#pragma once

#include <cstdint>
#include <limits>

#include "random/philox_trunc_normal_f32.h"

namespace weightinit::detail {

/// The algorithm over `Ops`, which provides:
///   F (float lanes), I (int32 lanes), Mask (a lane predicate), Consts (a fill's Params
///   broadcast: F scale, mean, lo, hi and what y_and_t needs);
///   set(float), seti(int32); add, sub, mul, div, sqrt, neg; max(a, b) = a > b ? a : b and
///   min(a, b) = a < b ? a : b (MAXPS/MINPS, so NaNs and signed zeros go as the scalar code
///   std::max(b, a) / std::min(b, a) sends them); bits(F) -> I, from_bits(I) -> F;
///   addi, subi, andi, ori, srai23 (arithmetic), srli9 and slli1 (logical); cvt_i2f;
///   lt(a, b) -> Mask, all(Mask), blend(Mask m, F if_false, F if_true);
///   y_and_t(I n, const Consts&, F& y, F& t): in double, u = n·2^-24, y = l + d·u,
///   t = (1 − y)(1 + y), each rounded once to float at the end.
/// Every operation is one correctly rounded IEEE-754 step with no fused multiply-add, so every
/// backend gives the scalar kernel's bits.
template <class Ops>
struct TruncNormalV2 {
  using F = typename Ops::F;
  using I = typename Ops::I;

  /// log_v2 (FreeBSD e_logf.c) of positive normal floats.
  [[gnu::always_inline]] static inline F log_v2(F t) {
    namespace c = trunc_v2;
    I ix = Ops::addi(Ops::bits(t), Ops::seti(0x3f800000 - c::kSqrtHalfBits));
    const I k = Ops::subi(Ops::srai23(ix), Ops::seti(127));
    ix = Ops::addi(Ops::andi(ix, Ops::seti(0x007fffff)), Ops::seti(c::kSqrtHalfBits));
    const F f = Ops::sub(Ops::from_bits(ix), Ops::set(1.0f));
    const F s = Ops::div(f, Ops::add(Ops::set(2.0f), f));
    const F z = Ops::mul(s, s);
    const F q = Ops::mul(z, z);
    const F t1 = Ops::mul(q, Ops::add(Ops::set(c::kLg2), Ops::mul(q, Ops::set(c::kLg4))));
    const F t2 = Ops::mul(z, Ops::add(Ops::set(c::kLg1), Ops::mul(q, Ops::set(c::kLg3))));
    const F r = Ops::add(t2, t1);
    const F h = Ops::mul(Ops::mul(Ops::set(0.5f), f), f);
    const F dk = Ops::cvt_i2f(k);
    F v = Ops::mul(s, Ops::add(h, r));
    v = Ops::add(v, Ops::mul(dk, Ops::set(c::kLn2Lo)));
    v = Ops::sub(v, h);
    v = Ops::add(v, f);
    return Ops::add(v, Ops::mul(dk, Ops::set(c::kLn2Hi)));
  }

  /// Horner's rule, every step rounded on its own: ((c0·z + c1)·z + ...) + c8.
  [[gnu::always_inline]] static inline F horner9(const float (&coef)[9], F z) {
    F p = Ops::set(coef[0]);
    for (int i = 1; i < 9; ++i) p = Ops::add(Ops::set(coef[i]), Ops::mul(p, z));
    return p;
  }

  /// The truncated-normal values of the words `w` (one per lane, element order).
  [[gnu::always_inline]] static inline F values(I w, const typename Ops::Consts& c) {
    const I n = Ops::ori(Ops::slli1(Ops::srli9(w)), Ops::seti(1));
    F y, t;
    Ops::y_and_t(n, c, y, t);
    t = Ops::max(Ops::set(std::numeric_limits<float>::min()), t);
    const F w_log = Ops::neg(log_v2(t));
    const auto central = Ops::lt(w_log, Ops::set(5.0f));
    const F p_central = horner9(trunc_v2::kCentral, Ops::sub(w_log, Ops::set(2.5f)));
    F poly = p_central;
    if (!Ops::all(central)) {  // the tail branch only when a lane needs it (|y| > 0.9966)
      const F p_tail = horner9(trunc_v2::kTail, Ops::sub(Ops::sqrt(w_log), Ops::set(3.0f)));
      poly = Ops::blend(central, p_tail, p_central);
    }
    const F x = Ops::mul(poly, y);
    const F v = Ops::add(Ops::mul(x, c.scale), c.mean);
    return Ops::min(c.hi, Ops::max(c.lo, v));
  }
};

}  // namespace weightinit::detail
