// SPDX-License-Identifier: MIT
// Losses with their input gradients (llm.c style): cross_entropy, nll_loss, mse_loss,
// BCE-with-logits.
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/tensor/tensor.h"

namespace weightinit::train {

/// A loss value and the gradient of that loss with respect to the input (same shape as the
/// input, in its dtype, contiguous). The loss is accumulated in double and reported as a double.
struct LossResult {
  double loss = 0.0;
  Tensor grad_input;
};

/// `torch.nn.functional.cross_entropy(logits, targets, label_smoothing=eps)`, mean reduction.
/// logits (N, C) float32/float64, targets N class indices in [0, C).
///   loss = (1-eps) * mean_i(-log_softmax(x_i)[t_i]) + eps * mean_i(mean_c(-log_softmax(x_i)[c]))
///   d loss / d x_ic = (softmax(x_i)_c - ((1-eps) [c == t_i] + eps / C)) / N
/// (label smoothing: Szegedy et al. 2016, "Rethinking the Inception Architecture").
/// Throws ShapeError for a non-2-D input or mismatched batch sizes, IndexError
/// ("Target 5 is out of bounds.") for a bad target, ValueError for eps outside [0, 1].
LossResult cross_entropy(const Tensor& logits, const std::vector<std::int64_t>& targets,
                         double label_smoothing = 0.0);

/// `torch.nn.functional.nll_loss(log_probs, targets)`, mean reduction:
///   loss = mean_i(-log_probs[i, t_i]),  d loss / d log_probs[i, c] = -[c == t_i] / N.
/// Same errors as cross_entropy.
LossResult nll_loss(const Tensor& log_probs, const std::vector<std::int64_t>& targets);

/// `torch.nn.functional.mse_loss(input, target)`, mean reduction:
///   loss = mean((x - y)^2),  d loss / d x = 2 (x - y) / n.
/// Shapes must be equal (ShapeError; torch would broadcast with a warning).
LossResult mse_loss(const Tensor& input, const Tensor& target);

/// `torch.nn.functional.binary_cross_entropy_with_logits(input, target)`, mean reduction, in
/// the stable form  l = max(x, 0) - x y + log1p(exp(-|x|)),  d loss / d x = (sigmoid(x) - y) / n.
/// Shapes must be equal (ShapeError, torch's "Target size (...) must be the same as input size
/// (...)").
LossResult binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target);

}  // namespace weightinit::train
