// SPDX-License-Identifier: MIT
// torch.nn.init in C++: the same names, argument order and defaults, bit-identical results.
#pragma once

#include <cstdint>

#include "weightinit/init/fan.h"
#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

/// Every function fills its tensor in place and returns it. Those that draw take an optional
/// Generator (default: default_generator()), like `generator=` in PyTorch 2.x, and draw exactly
/// the words PyTorch draws, so results are bit-identical to `torch.nn.init` on the CPU for the
/// same generator state, in the generator's arithmetic mode. A zero-element tensor is left
/// unchanged with the warning "Initializing zero-element tensors is a no-op" and draws nothing.
namespace weightinit::init {

/// U(a, b). Like `torch.nn.init.uniform_(tensor, a=0, b=1)`.
Tensor& uniform_(Tensor& tensor, double a = 0.0, double b = 1.0,
                 Generator& gen = default_generator());

/// N(mean, std²). Like `torch.nn.init.normal_(tensor, mean=0, std=1)`.
Tensor& normal_(Tensor& tensor, double mean = 0.0, double std = 1.0,
                Generator& gen = default_generator());

/// N(mean, std²) truncated to [a, b] (absolute bounds, not in units of std).
/// Like `torch.nn.init.trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)`.
/// PyTorch ≤ 2.11 (TorchVersion V1_13 / V2_0, the default): inverse CDF,
/// l = Φ((a-mean)/std), u = Φ((b-mean)/std), x = U(2l-1, 2u-1), value = erfinv(x)·std·√2 + mean,
/// clamped to [a, b] — one draw per element, bit-exact.
/// PyTorch 2.12+ (TorchVersion V2_12): rejection sampling (whole-tensor redraws when the
/// acceptance mass p = Φ(β)-Φ(α) > 0.3, a uniform proposal otherwise); built from PyTorch's
/// source and not yet verified against a running 2.12.
/// Warns "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values
/// may be incorrect." when mean < a - 2·std or mean > b + 2·std.
Tensor& trunc_normal_(Tensor& tensor, double mean = 0.0, double std = 1.0, double a = -2.0,
                      double b = 2.0, Generator& gen = default_generator());

/// Every element = val. Like `torch.nn.init.constant_(tensor, val)`.
Tensor& constant_(Tensor& tensor, double val);
/// Every element = 1. Like `torch.nn.init.ones_`.
Tensor& ones_(Tensor& tensor);
/// Every element = 0. Like `torch.nn.init.zeros_`.
Tensor& zeros_(Tensor& tensor);

/// Identity matrix (ones on the main diagonal of a rectangular 2-D tensor), preserving the
/// identity of the inputs in Linear layers. Like `torch.nn.init.eye_`. Throws ShapeError
/// "Only tensors with 2 dimensions are supported" otherwise.
Tensor& eye_(Tensor& tensor);

/// Dirac delta for {3,4,5}-D conv weights, preserving the identity of the inputs in conv layers
/// (as many input channels as possible, per group): with per = size(0)/groups, for g < groups
/// and d < min(per, size(1)), tensor[g·per + d, d, centre...] = 1, everything else 0.
/// Like `torch.nn.init.dirac_(tensor, groups=1)`. Throws ShapeError "Only tensors with 3, 4, or 5
/// dimensions are supported" and ValueError "dim 0 must be divisible by groups".
Tensor& dirac_(Tensor& tensor, std::int64_t groups = 1);

/// Glorot & Bengio 2010, "Understanding the difficulty of training deep feedforward neural
/// networks": U(-bound, bound), bound = gain·√(6 / (fan_in + fan_out)).
/// Like `torch.nn.init.xavier_uniform_(tensor, gain=1)`.
Tensor& xavier_uniform_(Tensor& tensor, double gain = 1.0, Generator& gen = default_generator());

/// Glorot & Bengio 2010: N(0, std²), std = gain·√(2 / (fan_in + fan_out)).
/// Like `torch.nn.init.xavier_normal_(tensor, gain=1)`.
Tensor& xavier_normal_(Tensor& tensor, double gain = 1.0, Generator& gen = default_generator());

/// He et al. 2015, "Delving Deep into Rectifiers": U(-bound, bound),
/// bound = gain·√(3 / fan_mode), gain = calculate_gain(nonlinearity, a).
/// Like `torch.nn.init.kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')`.
Tensor& kaiming_uniform_(Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                         Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                         Generator& gen = default_generator());

/// He et al. 2015: N(0, std²), std = gain / √fan_mode, gain = calculate_gain(nonlinearity, a).
/// Like `torch.nn.init.kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')`.
Tensor& kaiming_normal_(Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                        Generator& gen = default_generator());

/// Saxe et al. 2013, "Exact solutions to the nonlinear dynamics of learning in deep linear
/// neural networks": a (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix
/// (rows = size(0), cols = numel/rows, transposed when rows < cols), with Q's columns multiplied
/// by sign(diag(R)) so the result is Haar-distributed (Mezzadri 2007), then scaled by gain.
/// Like `torch.nn.init.orthogonal_(tensor, gain=1)`; the Gaussian draw is bit-exact and QR is
/// LAPACK's (sgeqrf/sorgqr, dgeqrf/dorgqr), so values agree with torch to within 1e-6.
/// Throws ShapeError "Only tensors with 2 or more dimensions are supported".
Tensor& orthogonal_(Tensor& tensor, double gain = 1.0, Generator& gen = default_generator());

/// Martens 2010, "Deep learning via Hessian-free optimization": N(0, std²), then in each column
/// ceil(sparsity·rows) entries set to 0. Like `torch.nn.init.sparse_(tensor, sparsity, std=0.01)`,
/// including its draw order: normal_ from `gen` first, then one randperm(rows) per column from
/// `perm_gen`, which torch always takes from the default generator even when `generator=` is
/// given. As in torch, sparsity is not range-checked: a negative value zeroes rows - k entries
/// (Python's negative slice), and a value above 1 zeroes the whole column.
/// Throws ShapeError "Only tensors with 2 dimensions are supported".
Tensor& sparse_(Tensor& tensor, double sparsity, double std = 0.01,
                Generator& gen = default_generator(), Generator& perm_gen = default_generator());

}  // namespace weightinit::init
