// SPDX-License-Identifier: MIT
// Structured inits: identity, Caffe's bilinear and positive_unitball fillers, delta-orthogonal
// convolutions, orthogonal in Keras' layout, and ZerO's Hadamard-based deterministic init.
#pragma once

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

/// gain · identity: for 2-D, gain on the diagonal w[i, i] (eye_ for non-square shapes); for
/// 3-, 4- and 5-D convolution weights, gain at the kernel centre of w[i, i] (dirac_), so the
/// layer passes its input through, scaled. ShapeError for 1-D or more than 5-D.
Tensor& identity_(Tensor& tensor, double gain = 1.0);

/// Caffe's BilinearFiller (Long et al. 2015, FCN) for ConvTranspose upsampling weights of 3, 4
/// or 5 dimensions: every (out, in) slice gets the separable kernel
///   w[x1, x2, ...] = Π_d (1 − |x_d / f_d − c_d|),  f_d = ceil(k_d / 2),
///   c_d = (2 f_d − 1 − f_d mod 2) / (2 f_d),
/// which is bilinear interpolation by a factor f_d. No randomness. ShapeError for fewer than 3
/// dimensions.
Tensor& bilinear_(Tensor& tensor);

/// Caffe's PositiveUnitballFiller: U(0, 1), then each slice along dim 0 divided by its sum, so
/// every output unit's weights are positive and sum to 1. ShapeError for 0-D.
Tensor& positive_unitball_(Tensor& tensor, Generator& gen = default_generator());

/// Delta-orthogonal (Xiao et al. 2018, "Dynamical Isometry and a Mean Field Theory of CNNs"):
/// a convolution weight (out, in, k...) that is zero except at the spatial centre, where
/// w[:, :, centre] = gain · H with H an (out × in) orthogonal matrix drawn as orthogonal_
/// draws it. Needs out ≥ in (the paper's condition for an orthogonal, norm-preserving map);
/// ShapeError otherwise and for fewer than 3 or more than 5 dimensions.
Tensor& delta_orthogonal_(Tensor& tensor, double gain = 1.0, Generator& gen = default_generator());

/// tf.keras.initializers.Orthogonal's layout: the tensor, viewed as (Π shape[:-1],
/// shape[-1]) (Keras kernels end with the output axis), gets a (semi-)orthogonal matrix drawn as
/// orthogonal_ draws it, times gain. PyTorch's orthogonal_ views it as (shape[0], Π rest).
/// ShapeError for fewer than 2 dimensions.
Tensor& orthogonal_keras_(Tensor& tensor, double gain = 1.0, Generator& gen = default_generator());

/// ZerO (Zhao et al. 2022, "ZerO Initialization: Initializing Neural Networks with only Zeros
/// and Ones"), Algorithm 1, deterministic. For a matrix W (P_out × P_in):
///   P_out = P_in: identity;  P_out < P_in: partial identity (ones at [i, i]);
///   P_out > P_in: c · I*(P_out × 2^m) · H_m · I*(2^m × P_in), m = ceil(log2 P_out),
///   c = 2^(−(m−1)/2), H_m the Sylvester Hadamard matrix (±1 entries).
/// For 3- to 5-D convolution weights the matrix sits at the kernel centre, zeros elsewhere.
/// ShapeError for fewer than 2 or more than 5 dimensions.
Tensor& zero_hadamard_(Tensor& tensor);

}  // namespace weightinit::init
