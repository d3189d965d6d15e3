// SPDX-License-Identifier: MIT
// Counter-based Philox streams: element i's value depends only on (seed, stream id, i).
#pragma once

#include <cstdint>
#include <string_view>

#include "weightinit/random/philox.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit {

/// The versioned id of the mapping below ((seed, stream, index) → value). Any change to the
/// bits a fill produces needs a new id; docs/rng.md ("Philox streams") states it in full.
/// v2 (this one) differs from v1 only in float32 trunc_normal_ (a vectorisable inverse CDF);
/// uniform_, normal_ and float64 trunc_normal_ give v1's bits.
inline constexpr std::string_view kPhiloxAlgorithm = "philox4x32-10/v2";

/// Where a Philox stream starts: the user's seed and a 64-bit stream id (usually
/// stream_id(parameter name)). Two keys that differ in either field give unrelated streams.
struct PhiloxKey {
  std::uint64_t seed;
  std::uint64_t stream;
};

/// Frozen 64-bit stream id of a name: FNV-1a 64 over the name's bytes (as given, e.g. UTF-8),
///   h = 0xcbf29ce484222325;  for each byte c: h = (h ^ c) · 0x100000001b3  (mod 2^64).
/// stream_id("") = 0xcbf29ce484222325, stream_id("a") = 0xaf63dc4c8601ec8c.
constexpr std::uint64_t stream_id(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (const char ch : name) {
    h ^= static_cast<std::uint8_t>(ch);
    h *= 0x100000001b3u;
  }
  return h;
}

/// PhiloxKey{seed, stream_id(name)}.
constexpr PhiloxKey philox_key(std::uint64_t seed, std::string_view name) {
  return {seed, stream_id(name)};
}

/// The four words of Philox call number `call` of a stream (v1 mapping):
///   key     = { lo32(seed), hi32(seed) }
///   counter = { lo32(call), hi32(call), lo32(stream), hi32(stream) }
///   words   = philox4x32_10(counter, key).
/// Distinct (seed, stream, call) triples give distinct (key, counter) inputs.
constexpr PhiloxCounter philox_words(const PhiloxKey& key, std::uint64_t call) {
  return philox4x32_10(
      {static_cast<std::uint32_t>(call), static_cast<std::uint32_t>(call >> 32),
       static_cast<std::uint32_t>(key.stream), static_cast<std::uint32_t>(key.stream >> 32)},
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)});
}

/// float32 uniform in [0, 1) from one word: (w >> 8) · 2^-24 (the top 24 bits, exact).
constexpr float philox_u01_f32(std::uint32_t w) {
  return static_cast<float>(w >> 8) * (1.0f / 16777216.0f);
}

/// float64 uniform in [0, 1) from two words: (((hi << 32) | lo) >> 11) · 2^-53 (top 53 bits).
constexpr double philox_u01_f64(std::uint32_t hi, std::uint32_t lo) {
  return static_cast<double>(((std::uint64_t{hi} << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

/// Fills the contiguous float32/float64 tensor `t` with U[a, b): element j of `t` is logical
/// element i = first_index + j of the stream `key`.
/// - float32: 4 elements per call; element i uses word i % 4 of call i / 4: u = philox_u01_f32,
///   value = float(a + (b − a)·u) evaluated in double, then rounded once to float.
/// - float64: 2 elements per call; element i uses words (w[2k], w[2k+1]), k = i % 2, of call
///   i / 2: u = philox_u01_f64(w[2k], w[2k+1]), value = a + (b − a)·u in double.
/// If the rounded value is ≥ b (and a < b) it is replaced by the next value below it, so the
/// result lies in [a, b). Bit-identical for any thread count and any sharding by first_index.
/// Throws DTypeError (not float32/float64), ValueError (non-contiguous, a > b, non-finite a or
/// b, first_index < 0).
Tensor& philox_uniform_(Tensor& t, double a, double b, const PhiloxKey& key,
                        std::int64_t first_index = 0);

/// Fills `t` with N(mean, std²), element j being logical element first_index + j.
/// - float32: 16-element groups aligned to logical index 16g use calls 4g..4g+3; their 16
///   words give uniforms d[0..15] = philox_u01_f32 (call 4g+q word r → d[4q + r]); then
///   torch's AVX2 float normal block (normal_fill_16_AVX2: avx_mathfun log256_ps/sincos256_ps
///   with fused multiply-adds, the same bits on every x86-64 CPU — an exact scalar emulation
///   runs without AVX2) pairs d[j] with d[j+8], j = 0..7: u1 = 1 − d[j], u2 = d[j+8],
///   r = √(−2 ln u1), θ = 2π·u2, e[j] = fma(r cos θ, std, mean), e[j+8] = fma(r sin θ, std, mean).
/// - float64: 2 elements per call; u1 = 1 − philox_u01_f64(w0, w1), u2 = philox_u01_f64(w2, w3),
///   r = √(−2·log u1), θ = 2π·u2, element 2c = r·cos θ·std + mean, element 2c+1 =
///   r·sin θ·std + mean (glibc log/cos/sin, each operation rounded, no fma).
/// Throws as philox_uniform_, and ValueError when std < 0 or not finite.
Tensor& philox_normal_(Tensor& t, double mean, double std, const PhiloxKey& key,
                       std::int64_t first_index = 0);

/// Fills `t` with N(mean, std²) truncated to [a, b], by inverse CDF, one uniform per element.
/// α = (a − mean)/std, β = (b − mean)/std, l = erf(α/√2), h = erf(β/√2) (double, glibc erf).
/// - float32 (v2): 4 elements per call like float32 uniform_; element i uses word w = word
///   i % 4 of call i / 4: u = ((w >> 9)·2 + 1)·2^-24 in (0, 1), y = l + (h − l)·u (double),
///   x = erfinv(y) by Giles' (2010) single-precision approximation with w = −log((1 − y)(1 + y)),
///   the product formed in double and rounded to float, log by musl/FreeBSD's logf algorithm
///   written out, every step an individually rounded IEEE operation (no fma), so AVX2, AVX-512
///   and scalar code give the same bits; value = clamp(x·float(std·√2) + float(mean)) to [a, b]
///   rounded inwards to float. Exact steps: src/random/philox_trunc_normal_f32.h.
/// - float64 (as v1): 2 elements per call, u = philox_u01_f64(w[2k], w[2k+1]) as float64
///   uniform_; y = l + (h − l)·u, x = erfinv(y) (ATen's calc_erfinv, unfused:
///   src/random/erfinv.h), value = clamp(x·(std·√2) + mean, a, b), all in double.
/// Throws as philox_uniform_, and ValueError unless std > 0 and a < b.
Tensor& philox_trunc_normal_(Tensor& t, double mean, double std, double a, double b,
                             const PhiloxKey& key, std::int64_t first_index = 0);

}  // namespace weightinit
