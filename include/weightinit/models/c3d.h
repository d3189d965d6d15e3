// SPDX-License-Identifier: MIT
// C3D (Tran et al. 2015, "Learning Spatiotemporal Features with 3D Convolutional Networks"),
// as seed document 000 builds and initializes it.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/pooling.h"

namespace weightinit::models {

/// Eight 3×3×3 Conv3d layers (64, 128, 256×2, 512×4 channels) with five MaxPool3d, then
/// fc6 8192→4096, fc7 4096→4096, fc8 4096→num_classes, ReLU and Dropout(0.5). Input
/// (N, 3, 16, 112, 112). The seed's __init_weight runs after construction: kaiming_normal_ on
/// every Conv3d weight in modules() order (BatchNorm3d would get 1/0; C3D has none). The
/// draws are PyTorch's, so `manual_seed(s); C3D(101)` equals torch's parameters bit for bit.
/// `pretrained = true` then loads conv1..fc7 from a safetensors file (`weights_path`, or the
/// environment variable WEIGHTINIT_C3D_WEIGHTS), as the seed's __load_pretrained_weights does
/// after __init_weight; fc8 keeps its init (its class count is the caller's). Every one of
/// those tensors must be in the file with its shape (ValueError / ShapeError otherwise; IoError
/// for an unreadable or malformed file); other entries are ignored.
class C3D : public nn::Module {
 public:
  explicit C3D(std::int64_t num_classes, bool pretrained = false,
               Generator& gen = default_generator(), const std::string& weights_path = "");
  std::string type_name() const override { return "C3D"; }
  Tensor forward(const Tensor& input) override;
  /// Back-propagates through the layers in reverse (the shared ReLU and Dropout modules pop
  /// their calls last-in first-out).
  Tensor backward(const Tensor& grad_output) override;

 private:
  void init_weight(Generator& gen);
  void load_pretrained_weights(const std::string& path);
  std::shared_ptr<nn::Conv3d> conv1, conv2, conv3a, conv3b, conv4a, conv4b, conv5a, conv5b;
  std::shared_ptr<nn::MaxPool3d> pool1, pool2, pool3, pool4, pool5;
  std::shared_ptr<nn::Linear> fc6, fc7, fc8;
  std::shared_ptr<nn::Dropout> dropout;
  std::shared_ptr<nn::ReLU> relu;
};

}  // namespace weightinit::models
