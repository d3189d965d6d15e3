// SPDX-License-Identifier: MIT
// The CIFAR ResNets of He et al. 2016, section 4.2 (akamaster/pytorch_resnet_cifar10
// resnet.py; tools/golden/cifar_resnet_ref.py): option-A shortcuts, optionally without
// BatchNorm.
#include "weightinit/models/cifar_resnet.h"

#include <string>

#include "models/blocks.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

using detail::conv2d;

/// ⌈size / 2⌉: the rows x[::2] keeps, and a 3×3 stride-2 conv's output with padding 1.
constexpr auto halved = [](std::int64_t size) -> std::int64_t { return (size + 1) / 2; };

/// The option-A shortcut, a LambdaLayer in the port: y = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0,
/// pad, pad)), i.e. every other row and column, with `pad` zero channels before and after.
/// Backward: the middle channels of dy, scattered back to the even rows and columns (zeros at
/// the others).
class OptionAShortcut final : public nn::Module {
 public:
  explicit OptionAShortcut(std::int64_t pad) : pad_(pad) {}
  std::string type_name() const override { return "LambdaLayer"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 4, ShapeError,
                     "LambdaLayer (option-A shortcut): expected a 4-D input (N, C, H, W), but got "
                     "shape ",
                     shape_str(input.sizes()));
    const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
    Tensor out = Tensor::zeros({n, c + 2 * pad_, halved(h), halved(w)}, input.dtype());
    out.slice(1, pad_, pad_ + c).copy_(input.slice(2, 0, h, 2).slice(3, 0, w, 2));
    save_for_backward({Tensor::deferred(input.sizes(), input.dtype())});  // its shape only
    return out;
  }

  Tensor backward(const Tensor& grad_output) override {
    const Shape sizes = pop_saved().at(0).sizes();
    if (!input_requires_grad()) return Tensor();
    WEIGHTINIT_CHECK(grad_output.dim() == 4 && grad_output.size(1) == sizes[1] + 2 * pad_,
                     ShapeError, "LambdaLayer (option-A shortcut): a gradient of shape ",
                     shape_str(grad_output.sizes()), " does not match the forward's input ",
                     shape_str(sizes));
    Tensor grad = Tensor::zeros(sizes, grad_output.dtype());
    grad.slice(2, 0, sizes[2], 2)
        .slice(3, 0, sizes[3], 2)
        .copy_(grad_output.slice(1, pad_, pad_ + sizes[1]));
    return grad;
  }

 private:
  std::int64_t pad_;
};

/// The port's BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the bn
/// steps left out without BatchNorm. The ReLUs are F.relu (no modules, no summary rows).
class CifarBasicBlock final : public nn::Module {
 public:
  explicit CifarBasicBlock(bool batch_norm) : batch_norm_(batch_norm) {}
  std::string type_name() const override { return "BasicBlock"; }

  Tensor forward(const Tensor& input) override {
    Tensor h = (*child("conv1"))(input);
    if (batch_norm_) h = (*child("bn1"))(h);
    Tensor out = (*child("conv2"))(nn::functional::relu(h));
    if (batch_norm_) out = (*child("bn2"))(out);
    const Tensor sum = nn::functional::add(out, (*child("shortcut"))(input));
    save_for_backward({h, sum});
    return nn::functional::relu(sum);
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor g = nn::functional::relu_backward(grad_output, saved.at(1));
    const Tensor shortcut_grad = child("shortcut")->backward(g);
    Tensor main = batch_norm_ ? child("bn2")->backward(g) : g;
    main = nn::functional::relu_backward(child("conv2")->backward(main), saved.at(0));
    if (batch_norm_) main = child("bn1")->backward(main);
    main = child("conv1")->backward(main);
    if (!main.defined()) return shortcut_grad;
    if (!shortcut_grad.defined()) return main;
    return nn::functional::add(main, shortcut_grad);
  }

  void set_input_requires_grad(bool on) override {
    Module::set_input_requires_grad(on);
    child("conv1")->set_input_requires_grad(on);
    child("shortcut")->set_input_requires_grad(on);
  }

 private:
  bool batch_norm_;
};

/// An empty nn.Sequential's backward returns dy itself even when the input needs no gradient;
/// the identity shortcut of a block whose input is data must return none.
class IdentityShortcut final : public nn::Sequential {
 public:
  Tensor backward(const Tensor& grad_output) override {
    const Tensor g = nn::Sequential::backward(grad_output);
    return input_requires_grad() ? g : Tensor();
  }
};

/// The port's ResNet: conv1, [bn1], F.relu, layer1..3, F.avg_pool2d(out, out.size(3)),
/// view(N, -1), linear.
class CifarResNet final : public nn::Module {
 public:
  CifarResNet(bool batch_norm, std::int64_t in_channels)
      : batch_norm_(batch_norm), in_channels_(in_channels) {}
  std::string type_name() const override { return "ResNet"; }

  Tensor forward(const Tensor& input) override {
    check_input(input);
    Tensor h = (*child("conv1"))(input);
    if (batch_norm_) h = (*child("bn1"))(h);
    Tensor x = nn::functional::relu(h);
    for (const char* layer : {"layer1", "layer2", "layer3"}) x = (*child(layer))(x);
    const Tensor pooled = nn::functional::avg_pool(x, pool_options(x));
    save_for_backward({h, x});
    return (*child("linear"))(pooled.contiguous().view({x.size(0), x.size(1)}));
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor& features = saved.at(1);
    Tensor g = child("linear")->backward(grad_output);
    g = nn::functional::avg_pool_backward(
        g.contiguous().view({features.size(0), features.size(1), 1, 1}), features,
        pool_options(features));
    for (const char* layer : {"layer3", "layer2", "layer1"}) g = child(layer)->backward(g);
    g = nn::functional::relu_backward(g, saved.at(0));
    if (batch_norm_) g = child("bn1")->backward(g);
    return child("conv1")->backward(g);
  }

  void set_input_requires_grad(bool on) override {
    Module::set_input_requires_grad(on);
    child("conv1")->set_input_requires_grad(on);
  }

 private:
  static nn::functional::PoolOptions pool_options(const Tensor& x) {
    nn::functional::PoolOptions o;
    o.kernel = {x.size(3)};  // F.avg_pool2d(out, out.size()[3]): stride = kernel
    return o;
  }

  void check_input(const Tensor& input) const {
    WEIGHTINIT_CHECK(input.dim() == 4 && input.size(1) == in_channels_, ShapeError,
                     "CIFAR ResNet: expected an input (N, ", in_channels_,
                     ", H, W), but got shape ", shape_str(input.sizes()));
    const std::int64_t h = input.size(2), w = input.size(3);
    WEIGHTINIT_CHECK(h >= 4 && w >= 4, ShapeError, "CIFAR ResNet: an input of ", h, "x", w,
                     " is too small for its two stride-2 stages, which need at least 4x4 "
                     "(4 -> 2 -> 1)");
    WEIGHTINIT_CHECK(halved(halved(h)) == halved(halved(w)), ShapeError,
                     "CIFAR ResNet: an input of ", h, "x", w, " leaves a ", halved(halved(h)), "x",
                     halved(halved(w)),
                     " map after the two stride-2 stages, and the average pool over its width "
                     "(F.avg_pool2d(out, out.size(3))) needs a square one");
  }

  bool batch_norm_;
  std::int64_t in_channels_;
};

}  // namespace

namespace detail {

std::shared_ptr<nn::Module> make_option_a_shortcut(std::int64_t planes) {
  return std::make_shared<OptionAShortcut>(planes / 4);
}

std::shared_ptr<nn::Module> make_cifar_basic_block(std::int64_t in_planes, std::int64_t planes,
                                                   std::int64_t stride, bool batch_norm,
                                                   Generator& gen) {
  WEIGHTINIT_CHECK((stride == 1 && in_planes == planes) || in_planes + 2 * (planes / 4) == planes,
                   ValueError, "a CIFAR BasicBlock's option-A shortcut pads ", planes / 4,
                   " channels on each side, which does not take ", in_planes, " channels to ",
                   planes);
  auto block = std::make_shared<CifarBasicBlock>(batch_norm);
  block->register_module("conv1", conv2d(in_planes, planes, 3, stride, 1, false, gen));
  if (batch_norm) block->register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  block->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
  if (batch_norm) block->register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  if (stride != 1 || in_planes != planes) {
    block->register_module("shortcut", make_option_a_shortcut(planes));
  } else {
    block->register_module("shortcut", std::make_shared<IdentityShortcut>());
  }
  return block;
}

}  // namespace detail

std::int64_t cifar_resnet_blocks_per_stage(std::int64_t depth) {
  WEIGHTINIT_CHECK(depth >= 8 && (depth - 2) % 6 == 0, ValueError,
                   "a CIFAR ResNet's depth is 6n + 2 with n >= 1 blocks per stage (8, 14, 20, 32, "
                   "44, 56, 110, 1202, ...), but got depth ",
                   depth);
  return (depth - 2) / 6;
}

std::shared_ptr<nn::Module> make_cifar_resnet(const CifarResNetConfig& config, Generator& gen) {
  const std::int64_t n = cifar_resnet_blocks_per_stage(config.depth);
  WEIGHTINIT_CHECK(config.in_channels >= 1 && config.num_classes >= 1, ValueError,
                   "a CIFAR ResNet needs in_channels >= 1 and num_classes >= 1, but got "
                   "in_channels ",
                   config.in_channels, ", num_classes ", config.num_classes);
  auto net = std::make_shared<CifarResNet>(config.batch_norm, config.in_channels);
  net->register_module("conv1", conv2d(config.in_channels, 16, 3, 1, 1, false, gen));
  if (config.batch_norm) net->register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
  std::int64_t in_planes = 16;
  const std::int64_t planes[3] = {16, 32, 64};
  for (int stage = 0; stage < 3; ++stage) {
    auto layer = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      layer->push_back(
          detail::make_cifar_basic_block(in_planes, planes[stage], stride, config.batch_norm, gen));
      in_planes = planes[stage];
    }
    net->register_module("layer" + std::to_string(stage + 1), layer);
  }
  net->register_module("linear", std::make_shared<nn::Linear>(64, config.num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
