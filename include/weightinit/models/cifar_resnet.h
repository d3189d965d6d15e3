// SPDX-License-Identifier: MIT
// The CIFAR ResNets of He et al. 2016 (section 4.2), as akamaster/pytorch_resnet_cifar10 builds
// them.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// What normalizes (or replaces normalization in) the residual blocks.
enum class CifarNorm {
  /// He et al. 2016: BatchNorm2d after every conv (`norm=bn`, the default).
  BatchNorm,
  /// Every BatchNorm2d removed, nothing added; convs stay bias-free (`norm=none`, `bn=false`).
  None,
  /// Fixup (Zhang, Dauphin & Ma 2019), as the authors' CIFAR code builds and initializes it
  /// (`norm=fixup`): no BN; scalar biases and a scalar multiplier per block (see
  /// make_cifar_resnet).
  Fixup,
  /// ReZero (Bachlechner et al. 2020; nn::ReZero): no BN, y = relu(shortcut(x) + α·F(x)) with a
  /// scalar α per block, initialized to 0 (`norm=rezero`).
  ReZero,
};

/// "bn", "none", "fixup", "rezero"; the spelling `norm=` takes.
std::string_view cifar_norm_name(CifarNorm norm);

/// What make_cifar_resnet builds.
struct CifarResNetConfig {
  std::int64_t depth = 20;                ///< 6n + 2 (n ≥ 1): 20, 32, 44, 56, 110, 1202, ...
  CifarNorm norm = CifarNorm::BatchNorm;  ///< BN (default), none, Fixup or ReZero
  std::int64_t in_channels = 3;           ///< 1 for Fashion-MNIST padded to 32×32
  std::int64_t num_classes = 10;
};

/// n = (depth − 2) / 6, the BasicBlocks per stage. ValueError naming the depth and the rule
/// unless depth = 6n + 2 with n ≥ 1.
std::int64_t cifar_resnet_blocks_per_stage(std::int64_t depth);

/// ResNet-depth for CIFAR-10 (He et al. 2016, "Deep Residual Learning for Image Recognition",
/// section 4.2), as akamaster/pytorch_resnet_cifar10's resnet.py builds it (names, shapes, draw
/// order; tools/golden/cifar_resnet_ref.py is that definition): conv1 (3×3, in_channels → 16,
/// no bias), bn1, F.relu; layer1..3 of n BasicBlocks (conv1, bn1, conv2, bn2, shortcut) with 16,
/// 32, 64 channels, stride 2 in the first block of layer2 and layer3; F.avg_pool2d over the
/// whole map, view(N, 64), linear (64 → num_classes). The shortcut is option A: an empty
/// Sequential (the identity), or where the shape changes a LambdaLayer computing
/// F.pad(x[:, :, ::2, ::2], channels planes/4 on each side) — no parameters. ResNet-20 has
/// 269,722 parameters.
///
/// The constructors' draws only; the port's `self.apply(_weights_init)` (kaiming_normal_ on
/// every Conv2d and Linear weight) is the `cifar-resnet` policy: applying it with the same
/// generator gives `torch.manual_seed(s); resnet20()`. ValueError (cifar_resnet_blocks_per_stage)
/// before anything is built or drawn for a depth that is not 6n + 2, and for in_channels or
/// num_classes below 1.
///
/// `norm` changes the blocks (every variant has the same conv and Linear shapes, and none but
/// BatchNorm has BatchNorm2d):
/// - None: the BN steps left out (spec `norm=none` or `bn=false`).
/// - ReZero: each block is an nn::ReZero (type "BasicBlock") over the branch
///   conv2(relu(conv1(x))) (children `branch.conv1`, `branch.conv2`) with the option-A
///   `shortcut`, then relu: y = relu(shortcut(x) + α·F(x)), α (`alpha`) 0 at build. The stem and
///   the classifier are the port's without bn1.
/// - Fixup: hongyi-zhang/Fixup cifar/models/fixup_resnet_cifar.py, names included: `conv1`,
///   `bias1`, layer1..3 of FixupBasicBlocks (`bias1a`, `conv1`, `bias1b`, `bias2a`, `conv2`,
///   `scale`, `bias2b`, and for stride 2 `downsample`, an AvgPool2d(1, stride=2)), `bias2`,
///   `fc`. Block: out = conv1(x + bias1a); out = relu(out + bias1b); out = conv2(out + bias2a)
///   · scale + bias2b; the shortcut is x, or cat(downsample(x + bias1a), zeros) (the identity's
///   channels first, zeros after, unlike option A); y = relu(out + shortcut). Net: relu(conv1(x)
///   + bias1), the layers, the average pool, fc(pooled + bias2). The scalars are 0 (scale 1).
///   After the constructors' draws the authors' init runs, as FixupResNet.__init__ does: for
///   each block in order, conv1.weight ~ N(0, sqrt(2 / (out_channels·3·3)) · L^(-1/2)) with L =
///   3n blocks, then conv2.weight = 0; fc weight and bias 0; the stem conv keeps torch's
///   default. So `torch.manual_seed(s); fixup_resnetD()` and `build_model("cifar-resnetD:
///   norm=fixup")` after `manual_seed(s)` start from the same values (in_channels 3).
///
/// Forward and backward as the port's. The input must be (N, in_channels, H, W) with H, W ≥ 4
/// (the two stride-2 stages: 4 → 2 → 1) and a square final map (⌈H/4⌉ = ⌈W/4⌉, which the
/// port's avg_pool2d over out.size(3) needs); ShapeError otherwise. Input 3×32×32.
std::shared_ptr<nn::Module> make_cifar_resnet(const CifarResNetConfig& config, Generator& gen);

}  // namespace weightinit::models
