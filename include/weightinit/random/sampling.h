// SPDX-License-Identifier: MIT
// In-place random fills and factories, bit-identical to PyTorch's CPU kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit {

/// Fills `t` with samples from U[from, to), like `Tensor.uniform_(from, to, generator=gen)`.
///
/// One draw per element, in memory order. float32: x = (random() & 0xFFFFFF) * 2^-24,
/// value = x*(to-from) + from in float (one fused rounding in ArithMode::Avx2). float64:
/// x = (random64() & (2^53-1)) * 2^-53, the same formula in double.
/// Rules (PyTorch's wording): from and to must lie within ±max of the dtype ("from is out of
/// bounds for float"), "uniform_ expects to return a [from, to) range, but found from=1 > to=0",
/// and to-from must not overflow. `from == to` is allowed and still draws. An empty tensor
/// draws nothing. Bit-identical to PyTorch's CPU `uniform_` for the same generator state.
Tensor& uniform_(Tensor& t, double from = 0.0, double to = 1.0,
                 Generator& gen = default_generator());

/// Fills `t` with samples from N(mean, std²), like `Tensor.normal_(mean, std, generator=gen)`.
///
/// Box-Muller (Box & Muller 1958): z0 = √(-2 ln u1)·cos(2π u2), z1 = √(-2 ln u1)·sin(2π u2).
/// With torch's two code paths:
/// - 16 or more contiguous elements: all n uniforms first, then each 16-block pairs element j
///   with j+8; when n % 16 != 0 the last 16 elements are redrawn from 16 fresh uniforms. The
///   cached sample is neither used nor changed. float32 in ArithMode::Avx2 reproduces
///   avx_mathfun's log256_ps/sincos256_ps.
/// - fewer than 16 elements, or a non-contiguous tensor: one scalar double Box-Muller per pair,
///   in memory order, with the sine kept in the generator's cache for the next call.
/// Rules: "normal expects std >= 0.0, but found std -1". An empty tensor draws nothing.
/// Bit-identical to PyTorch's CPU `normal_` for the same generator state.
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0,
                Generator& gen = default_generator());

/// Integers uniform in [low, high), like `torch.randint(low, high, sizes, generator=gen)`
/// (int64): element k is (w % (high − low)) + low with w one 32-bit draw, or random64() when
/// high − low >= 2^32, as torch's CPU random_from_to kernel (bit-identical). ValueError unless
/// low < high.
Tensor randint(std::int64_t low, std::int64_t high, const Shape& sizes,
               Generator& gen = default_generator());

/// A random permutation of 0..n-1, like `torch.randperm(n, generator=gen)` (returned as a
/// vector rather than an int64 tensor). For n < 214748364: for i in [0, n-2], swap r[i] with
/// r[i + random() % (n-i)] (n-1 draws). Larger n uses torch's inside-out Fisher-Yates with
/// random64(). Throws ValueError for n < 0 ("n must be non-negative, got-1").
std::vector<std::int64_t> randperm(std::int64_t n, Generator& gen = default_generator());

/// `torch.rand(sizes)`: empty(sizes, dtype).uniform_(0, 1).
Tensor rand(const Shape& sizes, DType dtype = DType::Float32, Generator& gen = default_generator());

/// `torch.randn(sizes)`: empty(sizes, dtype).normal_(0, 1).
Tensor randn(const Shape& sizes, DType dtype = DType::Float32,
             Generator& gen = default_generator());

}  // namespace weightinit
