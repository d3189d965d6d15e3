// SPDX-License-Identifier: MIT
// Signal propagation at initialization: per-layer activation and gradient statistics of one
// forward and backward pass (Glorot & Bengio 2010; He et al. 2015).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::diag {

/// Statistics of one weight layer (Linear / Conv) in forward-call order.
struct LayerProbe {
  std::string name;  ///< qualified module name ("3")
  std::string type;  ///< "Linear", "Conv2d"
  /// The layer's "activation": the output of the parameterless nonlinearity called right after
  /// it (ReLU, LeakyReLU, ELU, SELU, GELU, Tanh, Sigmoid), or the layer's own output when none
  /// follows (the logits). `activation` names it ("ReLU", or "-" for the layer's own output).
  std::string activation;
  double act_mean = 0.0;
  double act_std = 0.0;             ///< population std over every element of the batch
  double zero_fraction = 0.0;       ///< exact zeros (dead ReLUs)
  double saturated_fraction = 0.0;  ///< tanh: |y| > 0.99; sigmoid: y < 0.01 or > 0.99; else NaN
  double grad_norm = 0.0;           ///< Frobenius norm of dLoss/dweight after one backward
};

/// The residual stream after one residual block: what the block returns (its input plus its
/// branch). A block is a module of one of these types: nanoGPT's Block, LlamaDecoderLayer,
/// torchvision's and the CIFAR ResNets' BasicBlock and Bottleneck, FixupBasicBlock.
struct BlockProbe {
  std::string name;  ///< qualified module name ("h.3", "layer2.0")
  std::string type;  ///< "Block", "BasicBlock"
  double mean = 0.0;
  double std = 0.0;  ///< population std over every element of the batch
};

/// One probe: the layers, the loss, the last/first ratios and the verdict.
struct ProbeResult {
  std::string init;  ///< label of the init, as given
  std::vector<LayerProbe> layers;
  /// The residual stream, block by block (empty for a model without residual blocks), and the
  /// std of what enters the first block (the embeddings, or the stem's output).
  std::vector<BlockProbe> blocks;
  double stream_input_std = 0.0;
  double loss = 0.0;             ///< cross-entropy of the batch
  double act_std_ratio = 0.0;    ///< act_std of the last hidden layer / of the first layer
  double grad_norm_ratio = 0.0;  ///< grad_norm of the first layer / of the last layer
  /// The first rule that holds: "exploding" when any statistic is not finite; "saturated" when
  /// the hidden layers are on average more than half saturated (tanh / sigmoid); "exploding"
  /// when act_std_ratio > 1e2 or grad_norm_ratio > 1e2; "vanishing" when act_std_ratio < 1e-2,
  /// the last hidden act_std is < 1e-6 (dead), or grad_norm_ratio < 1e-2 (the first layers get
  /// 100× smaller gradients than the last); else "ok". "Hidden" layers are all but the last
  /// weight layer (its output is the logits); with one weight layer it is compared with itself.
  std::string verdict;
};

/// Runs `model` (training mode, grad mode) on x with forward hooks on every leaf module and
/// residual block, takes cross_entropy(output, labels), back-propagates it once and collects
/// LayerProbe and BlockProbe rows. A language model's (B, T, vocab) logits are scored as B·T
/// predictions, so `labels` then holds B·T token ids (the next token at each position).
/// Existing grads are cleared (zero_grad) before and left set after. Throws ValueError when the
/// model has no Linear / Conv layer.
ProbeResult probe(nn::Module& model, const Tensor& x, const std::vector<std::int64_t>& labels,
                  const std::string& init_label);

}  // namespace weightinit::diag
