// SPDX-License-Identifier: MIT
// log, sin and cos for float32 exactly as PyTorch's AVX2 normal_ kernel computes them
// (ATen/native/cpu/avx_mathfun.h: Julien Pommier's Cephes-based log256_ps / sincos256_ps,
// compiled by torch with -mfma so that GCC fuses each mul+add). Written once over a lane
// "Ops" backend so the AVX2 intrinsics build and the portable scalar build share one
// algorithm: the scalar build uses std::fma and gives the same bits on any CPU.
#pragma once

#include <cstdint>

namespace weightinit::detail {

/// The algorithm over a backend `Ops` providing a float vector F, an int32 vector I and the
/// usual lane operations (see ScalarOps in normal.cpp and Avx2Ops in normal_fill_avx2.cpp).
template <class Ops>
struct AvxMathfun {
  using F = typename Ops::F;
  using I = typename Ops::I;

  /// Natural log; x <= 0 gives NaN. Cephes logf: x = m·2^e with m in [√½, √2), then
  /// log(m) ≈ (m-1) - (m-1)²/2 + (m-1)³·P(m-1), plus e·ln2 split as q1 + q2.
  static F log(F x) {
    const F one = Ops::set(1.0f);
    const F invalid = Ops::cmp_le(x, Ops::set(0.0f));
    x = Ops::max(x, Ops::from_bits(Ops::seti(0x00800000)));  // cut off denormals
    I exponent = Ops::srli23(Ops::to_bits(x));
    x = Ops::and_(x, Ops::from_bits(Ops::seti(~0x7f800000)));  // keep the mantissa
    x = Ops::or_(x, Ops::set(0.5f));                           // ... in [0.5, 1)
    exponent = Ops::subi(exponent, Ops::seti(0x7f));
    F e = Ops::add(Ops::cvt_i2f(exponent), one);
    const F mask = Ops::cmp_lt(x, Ops::set(0.707106781186547524f));  // SQRTHF
    const F tmp = Ops::and_(x, mask);
    x = Ops::sub(x, one);
    e = Ops::sub(e, Ops::and_(one, mask));
    x = Ops::add(x, tmp);
    const F z = Ops::mul(x, x);
    F y = Ops::set(7.0376836292E-2f);
    y = Ops::fma(y, x, Ops::set(-1.1514610310E-1f));
    y = Ops::fma(y, x, Ops::set(1.1676998740E-1f));
    y = Ops::fma(y, x, Ops::set(-1.2420140846E-1f));
    y = Ops::fma(y, x, Ops::set(1.4249322787E-1f));
    y = Ops::fma(y, x, Ops::set(-1.6668057665E-1f));
    y = Ops::fma(y, x, Ops::set(2.0000714765E-1f));
    y = Ops::fma(y, x, Ops::set(-2.4999993993E-1f));
    y = Ops::fma(y, x, Ops::set(3.3333331174E-1f));
    y = Ops::mul(y, x);
    y = Ops::fma(y, z, Ops::mul(e, Ops::set(-2.12194440e-4f)));  // + e*q1 (rounded first)
    y = Ops::fma(z, Ops::set(-0.5f), y);                         // - 0.5*z (exact product)
    x = Ops::add(x, y);
    x = Ops::fma(e, Ops::set(0.693359375f), x);  // + e*q2
    return Ops::or_(x, invalid);
  }

  /// sin and cos together. Cody-Waite reduction by π/4 in three parts (DP1..DP3), then the
  /// Cephes minimax polynomials on [-π/4, π/4]; octant bits choose and sign the results.
  static void sincos(F x, F* s, F* c) {
    F sign_sin = Ops::and_(x, Ops::from_bits(Ops::seti(static_cast<std::int32_t>(0x80000000u))));
    x = Ops::and_(x, Ops::from_bits(Ops::seti(0x7fffffff)));        // |x|
    I j = Ops::cvtt_f2i(Ops::mul(x, Ops::set(1.27323954473516f)));  // 4/π
    j = Ops::addi(j, Ops::seti(1));
    j = Ops::andi(j, Ops::seti(~1));
    const F y = Ops::cvt_i2f(j);
    const F swap_sign_sin = Ops::from_bits(Ops::slli29(Ops::andi(j, Ops::seti(4))));
    const F poly_mask = Ops::from_bits(Ops::cmpeqi(Ops::andi(j, Ops::seti(2)), Ops::seti(0)));
    x = Ops::fma(y, Ops::set(-0.78515625f), x);
    x = Ops::fma(y, Ops::set(-2.4187564849853515625e-4f), x);
    x = Ops::fma(y, Ops::set(-3.77489497744594108e-8f), x);
    const F sign_cos =
        Ops::from_bits(Ops::slli29(Ops::andnoti(Ops::subi(j, Ops::seti(2)), Ops::seti(4))));
    sign_sin = Ops::xor_(sign_sin, swap_sign_sin);

    const F z = Ops::mul(x, x);
    F yc = Ops::fma(Ops::set(2.443315711809948E-005f), z, Ops::set(-1.388731625493765E-003f));
    yc = Ops::fma(yc, z, Ops::set(4.166664568298827E-002f));
    yc = Ops::mul(yc, z);
    yc = Ops::fma(yc, z, Ops::neg(Ops::mul(z, Ops::set(0.5f))));
    yc = Ops::add(yc, Ops::set(1.0f));
    F ys = Ops::fma(Ops::set(-1.9515295891E-4f), z, Ops::set(8.3321608736E-3f));
    ys = Ops::fma(ys, z, Ops::set(-1.6666654611E-1f));
    ys = Ops::mul(ys, z);
    ys = Ops::fma(ys, x, x);

    // Select with and/andnot and recombine with adds, as the original does (this turns a
    // selected -0 into +0, so it is kept rather than replaced by a blend).
    const F ysin2 = Ops::and_(poly_mask, ys);
    const F ysin1 = Ops::andnot(poly_mask, yc);
    ys = Ops::sub(ys, ysin2);
    yc = Ops::sub(yc, ysin1);
    *s = Ops::xor_(Ops::add(ysin1, ysin2), sign_sin);
    *c = Ops::xor_(Ops::add(yc, ys), sign_cos);
  }

  /// torch's normal_fill_16_AVX2 on one half-block: u1 = 1 - lo, u2 = hi (uniforms in [0,1)),
  /// r = sqrt(-2 log u1), θ = 2π·u2 (2π rounded to float), outputs fma(r·cos θ, std, mean) and
  /// fma(r·sin θ, std, mean).
  static void box_muller(F lo, F hi, F mean, F std, F* out_lo, F* out_hi) {
    const F u1 = Ops::sub(Ops::set(1.0f), lo);
    const F radius = Ops::sqrt(Ops::mul(Ops::set(-2.0f), log(u1)));
    const F theta = Ops::mul(Ops::set(6.2831853071795864769f), hi);
    F sin_theta, cos_theta;
    sincos(theta, &sin_theta, &cos_theta);
    *out_lo = Ops::fma(Ops::mul(radius, cos_theta), std, mean);
    *out_hi = Ops::fma(Ops::mul(radius, sin_theta), std, mean);
  }
};

}  // namespace weightinit::detail
