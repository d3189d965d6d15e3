// SPDX-License-Identifier: MIT
// LSUV: layer-sequential unit-variance initialization (Mishkin & Matas 2015, "All you need is a
// good init"), a data-dependent init that needs one batch and forward passes.
#pragma once

#include <string>
#include <vector>

#include "weightinit/nn/module.h"
#include "weightinit/random/generator.h"

namespace weightinit::recipes {

/// Settings of lsuv_init, with the paper's defaults.
struct LsuvOptions {
  double target_variance = 1.0;    ///< the output variance each layer is scaled to
  double tolerance = 0.1;          ///< stop when |Var(output) − target| < tolerance
  int max_iterations = 10;         ///< per layer (the paper's T_max)
  bool orthogonal_preinit = true;  ///< step 1: orthonormal weights and zero biases first
};

/// What LSUV did to one Linear / Conv layer, in forward-call order.
struct LsuvLayer {
  std::string name;               ///< qualified module name
  std::string type;               ///< "Linear", "Conv2d", ...
  int iterations = 0;             ///< rescalings done
  double initial_variance = 0.0;  ///< output variance after the pre-init
  double final_variance = 0.0;    ///< output variance when it stopped
  bool converged = false;         ///< |final − target| < tolerance
};

/// LSUV (Mishkin & Matas 2015, Algorithm 1):
///   1. (orthogonal_preinit) every Linear / Conv weight ← orthogonal_(gain 1), bias ← 0, in
///      named_parameters() order from `gen` (Philox: each on its own named stream);
///   2. for each such layer in the order the forward pass calls it: run `model` on `batch`
///      (no grad), B = the layer's output; while |Var(B) − target| ≥ tolerance and fewer than
///      max_iterations rescalings: W ← W · √(target / Var(B)), run again.
/// Var is the population variance over every element of B (the paper's Var(B_L)). A layer
/// whose output variance is 0 (dead input) cannot be rescaled and is reported unconverged.
/// Throws ValueError when the model has no Linear / Conv layer or an option is out of range
/// (tolerance ≤ 0, max_iterations < 0, target ≤ 0), and what the model's forward throws for a
/// batch of the wrong shape.
std::vector<LsuvLayer> lsuv_init(nn::Module& model, const Tensor& batch, Generator& gen,
                                 const LsuvOptions& options = {});

}  // namespace weightinit::recipes
