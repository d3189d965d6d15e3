// SPDX-License-Identifier: MIT
// The CIFAR ResNets of He et al. 2016, section 4.2 (akamaster/pytorch_resnet_cifar10
// resnet.py; tools/golden/cifar_resnet_ref.py): option-A shortcuts, optionally without
// BatchNorm.
#include "weightinit/models/cifar_resnet.h"

#include <cmath>
#include <string>
#include <vector>

#include "models/blocks.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/rezero.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {

using detail::conv2d;

/// ⌈size / 2⌉: the rows x[::2] keeps, and a 3×3 stride-2 conv's output with padding 1.
constexpr auto halved = [](std::int64_t size) -> std::int64_t { return (size + 1) / 2; };

/// fn applied to every element of x (float32 or float64, in its own precision), as a new
/// contiguous tensor.
template <class Fn>
Tensor pointwise(const Tensor& x, Fn&& fn) {
  Tensor out = x.contiguous().clone();
  const std::int64_t n = out.numel();
  if (out.dtype() == DType::Float32) {
    float* p = out.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = fn(p[i]);
  } else {
    WEIGHTINIT_CHECK(out.dtype() == DType::Float64, DTypeError,
                     "FixupBasicBlock: expected a float32 or float64 tensor");
    double* p = out.data_ptr<double>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = fn(p[i]);
  }
  return out;
}

/// x + b for a scalar b (Fixup's scalar biases), in x's precision.
Tensor shifted(const Tensor& x, double b) {
  return pointwise(x, [b](auto v) { return v + static_cast<decltype(v)>(b); });
}

/// x · s + b, rounded after the product as torch's `out * scale + bias` is.
Tensor affine(const Tensor& x, double s, double b) {
  return pointwise(x, [s, b](auto v) {
    using T = decltype(v);
    const T product = v * static_cast<T>(s);
    return product + static_cast<T>(b);
  });
}

/// Σ a·b over all elements (Σ a when b is undefined), accumulated in double.
double sum_of(const Tensor& a, const Tensor& b = Tensor()) {
  const std::vector<double> av = a.to_vector<double>();
  const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>();
  double s = 0.0;
  for (std::size_t i = 0; i < av.size(); ++i) s += b.defined() ? av[i] * bv[i] : av[i];
  return s;
}

/// The ⌈H/4⌉ × ⌈W/4⌉ input checks every CIFAR ResNet variant makes (see make_cifar_resnet).
void check_cifar_input(const Tensor& input, std::int64_t in_channels) {
  WEIGHTINIT_CHECK(input.dim() == 4 && input.size(1) == in_channels, ShapeError,
                   "CIFAR ResNet: expected an input (N, ", in_channels, ", H, W), but got shape ",
                   shape_str(input.sizes()));
  const std::int64_t h = input.size(2), w = input.size(3);
  WEIGHTINIT_CHECK(h >= 4 && w >= 4, ShapeError, "CIFAR ResNet: an input of ", h, "x", w,
                   " is too small for its two stride-2 stages, which need at least 4x4 "
                   "(4 -> 2 -> 1)");
  WEIGHTINIT_CHECK(halved(halved(h)) == halved(halved(w)), ShapeError, "CIFAR ResNet: an input of ",
                   h, "x", w, " leaves a ", halved(halved(h)), "x", halved(halved(w)),
                   " map after the two stride-2 stages, and the average pool over its width "
                   "(F.avg_pool2d(out, out.size(3))) needs a square one");
}

/// F.avg_pool2d(x, x.size(3)): kernel = stride = the width.
nn::functional::PoolOptions whole_map_pool(const Tensor& x) {
  nn::functional::PoolOptions o;
  o.kernel = {x.size(3)};
  return o;
}

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
    const Tensor pooled = nn::functional::avg_pool(x, whole_map_pool(x));
    save_for_backward({h, x});
    return (*child("linear"))(pooled.contiguous().view({x.size(0), x.size(1)}));
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor& features = saved.at(1);
    Tensor g = child("linear")->backward(grad_output);
    g = nn::functional::avg_pool_backward(
        g.contiguous().view({features.size(0), features.size(1), 1, 1}), features,
        whole_map_pool(features));
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
  void check_input(const Tensor& input) const { check_cifar_input(input, in_channels_); }

  bool batch_norm_;
  std::int64_t in_channels_;
};

/// The ReZero block: nn::ReZero over conv2(relu(conv1(x))) with the option-A shortcut (none for
/// the identity), then F.relu: y = relu(shortcut(x) + α·F(x)), α = 0 at build.
class CifarReZeroBlock final : public nn::ReZero {
 public:
  CifarReZeroBlock(std::shared_ptr<nn::Module> branch, std::shared_ptr<nn::Module> shortcut)
      : nn::ReZero(std::move(branch), std::move(shortcut)) {}
  std::string type_name() const override { return "BasicBlock"; }

  Tensor forward(const Tensor& input) override {
    const Tensor sum = nn::ReZero::forward(input);
    save_for_backward({sum});  // popped before ReZero's own record
    return nn::functional::relu(sum);
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor sum = pop_saved().at(0);
    return nn::ReZero::backward(nn::functional::relu_backward(grad_output, sum));
  }
};

/// A scalar parameter of Fixup's, [1]: zeros (the biases) or ones (scale), drawing nothing.
class FixupScalars : public nn::Module {
 public:
  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name == "scale") return nn::DefaultInit{"ones", "ones", 0.0, std::nullopt};
    if (name.rfind("bias", 0) == 0) return nn::DefaultInit{"zeros", "zeros", 0.0, std::nullopt};
    return nn::Module::default_init(name);
  }

 protected:
  void add_scalars(std::initializer_list<const char*> names) {
    for (const char* name : names) register_parameter(name, Tensor::empty({1}));
    if (!deferred_allocation()) reset_own_parameters(default_generator());  // draws nothing
  }
  double scalar(const char* name) { return parameter(name).data.item(); }
  void add_scalar_grad(const char* name, double g) {
    accumulate_grad(name, Tensor::full({1}, g, parameter(name).data.dtype()));
  }
};

/// hongyi-zhang/Fixup's FixupBasicBlock: out = conv2(relu(conv1(x + bias1a) + bias1b) + bias2a)
/// · scale + bias2b; shortcut x, or cat(downsample(x + bias1a), zeros) when the stride is 2;
/// y = relu(out + shortcut).
class FixupBasicBlock final : public FixupScalars {
 public:
  FixupBasicBlock() { add_scalars({"bias1a", "bias1b", "bias2a", "scale", "bias2b"}); }
  std::string type_name() const override { return "FixupBasicBlock"; }

  Tensor forward(const Tensor& input) override {
    const Tensor a = shifted(input, scalar("bias1a"));
    const Tensor hb = shifted((*child("conv1"))(a), scalar("bias1b"));
    const Tensor o = (*child("conv2"))(shifted(nn::functional::relu(hb), scalar("bias2a")));
    Tensor identity = input;
    if (Module* down = find_child("downsample")) {
      const Tensor d = (*down)(a);
      identity = nn::functional::cat({d, Tensor::zeros(d.sizes(), d.dtype())}, 1);
    }
    const Tensor sum = nn::functional::add(affine(o, scalar("scale"), scalar("bias2b")), identity);
    save_for_backward({hb, o, sum});
    return nn::functional::relu(sum);
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor g = nn::functional::relu_backward(grad_output, saved.at(2));
    add_scalar_grad("bias2b", sum_of(g));
    add_scalar_grad("scale", sum_of(g, saved.at(1)));
    const Tensor g2 = child("conv2")->backward(affine(g, scalar("scale"), 0.0));
    add_scalar_grad("bias2a", sum_of(g2));
    const Tensor g1 = nn::functional::relu_backward(g2, saved.at(0));
    add_scalar_grad("bias1b", sum_of(g1));
    Tensor ga = child("conv1")->backward(g1);
    Module* down = find_child("downsample");
    if (down != nullptr) {
      const std::int64_t c = g.size(1) / 2;  // the identity's channels come first
      ga = nn::functional::add(ga, down->backward(g.slice(1, 0, c).contiguous()));
    }
    add_scalar_grad("bias1a", sum_of(ga));
    if (!input_requires_grad()) return Tensor();
    return down != nullptr ? ga : nn::functional::add(ga, g);
  }
};

/// hongyi-zhang/Fixup's FixupResNet: relu(conv1(x) + bias1), layer1..3, the average pool,
/// fc(pooled + bias2).
class FixupResNet final : public FixupScalars {
 public:
  explicit FixupResNet(std::int64_t in_channels) : in_channels_(in_channels) {
    add_scalars({"bias1", "bias2"});
  }
  std::string type_name() const override { return "FixupResNet"; }

  Tensor forward(const Tensor& input) override {
    check_cifar_input(input, in_channels_);
    const Tensor hb = shifted((*child("conv1"))(input), scalar("bias1"));
    Tensor x = nn::functional::relu(hb);
    for (const char* layer : {"layer1", "layer2", "layer3"}) x = (*child(layer))(x);
    const Tensor pooled = nn::functional::avg_pool(x, whole_map_pool(x));
    save_for_backward({hb, x});
    return (*child("fc"))(
        shifted(pooled.contiguous().view({x.size(0), x.size(1)}), scalar("bias2")));
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor& features = saved.at(1);
    Tensor g = child("fc")->backward(grad_output);
    add_scalar_grad("bias2", sum_of(g));
    g = nn::functional::avg_pool_backward(
        g.contiguous().view({features.size(0), features.size(1), 1, 1}), features,
        whole_map_pool(features));
    for (const char* layer : {"layer3", "layer2", "layer1"}) g = child(layer)->backward(g);
    g = nn::functional::relu_backward(g, saved.at(0));
    add_scalar_grad("bias1", sum_of(g));
    return child("conv1")->backward(g);
  }

  void set_input_requires_grad(bool on) override {
    Module::set_input_requires_grad(on);
    child("conv1")->set_input_requires_grad(on);
  }

 private:
  std::int64_t in_channels_;
};

/// FixupResNet.__init__'s loop: each block's conv1 ~ N(0, sqrt(2 / (out·k·k)) · L^(-1/2)) and
/// conv2 = 0, in module order; fc weight and bias 0. L = the number of blocks.
void fixup_init(nn::Module& net, std::int64_t blocks, Generator& gen) {
  for (const auto& [name, module] : net.named_modules()) {
    if (module->type_name() != "FixupBasicBlock") continue;
    nn::Parameter& w1 = module->child("conv1")->parameter("weight");
    const double fan = static_cast<double>(w1.data.size(0) * w1.data.size(2) * w1.data.size(3));
    const double std = std::sqrt(2.0 / fan) * std::pow(static_cast<double>(blocks), -0.5);
    init::normal_(w1.data, 0.0, std, gen);
    module->child("conv1")->note_init("weight", "Fixup: normal(std=sqrt(2 / (k * out)) * L^-0.5)",
                                      std);
    init::zeros_(module->child("conv2")->parameter("weight").data);
    module->child("conv2")->note_init("weight", "Fixup: zeros", 0.0);
  }
  nn::Module* fc = net.child("fc");
  for (const char* p : {"weight", "bias"}) {
    init::zeros_(fc->parameter(p).data);
    fc->note_init(p, "Fixup: zeros", 0.0);
  }
}

}  // namespace

namespace detail {

std::shared_ptr<nn::Module> make_option_a_shortcut(std::int64_t planes) {
  return std::make_shared<OptionAShortcut>(planes / 4);
}

std::shared_ptr<nn::Module> make_cifar_basic_block(std::int64_t in_planes, std::int64_t planes,
                                                   std::int64_t stride, CifarNorm norm,
                                                   Generator& gen) {
  WEIGHTINIT_CHECK((stride == 1 && in_planes == planes) || in_planes + 2 * (planes / 4) == planes,
                   ValueError, "a CIFAR BasicBlock's option-A shortcut pads ", planes / 4,
                   " channels on each side, which does not take ", in_planes, " channels to ",
                   planes);
  const bool same = stride == 1 && in_planes == planes;
  if (norm == CifarNorm::Fixup) {
    WEIGHTINIT_CHECK(same || (stride == 2 && planes == 2 * in_planes), ValueError,
                     "a FixupBasicBlock's shortcut is the identity, or for stride 2 the "
                     "subsampled input with as many zero channels after it, which does not "
                     "take ",
                     in_planes, " channels to ", planes, " with stride ", stride);
    auto block = std::make_shared<FixupBasicBlock>();
    block->register_module("conv1", conv2d(in_planes, planes, 3, stride, 1, false, gen));
    block->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
    if (stride != 1) {
      nn::functional::PoolOptions o;
      o.kernel = {1};
      o.stride = {stride};
      block->register_module("downsample", std::make_shared<nn::AvgPool2d>(o));
    }
    return block;
  }
  if (norm == CifarNorm::ReZero) {
    auto branch = std::make_shared<Chain>("ResidualBranch");
    branch->register_module("conv1", conv2d(in_planes, planes, 3, stride, 1, false, gen));
    branch->register_module("relu", std::make_shared<nn::ReLU>());
    branch->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
    return std::make_shared<CifarReZeroBlock>(branch,
                                              same ? nullptr : make_option_a_shortcut(planes));
  }
  const bool batch_norm = norm == CifarNorm::BatchNorm;
  auto block = std::make_shared<CifarBasicBlock>(batch_norm);
  block->register_module("conv1", conv2d(in_planes, planes, 3, stride, 1, false, gen));
  if (batch_norm) block->register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  block->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
  if (batch_norm) block->register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  if (!same) {
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

std::string_view cifar_norm_name(CifarNorm norm) {
  switch (norm) {
    case CifarNorm::BatchNorm:
      return "bn";
    case CifarNorm::None:
      return "none";
    case CifarNorm::Fixup:
      return "fixup";
    case CifarNorm::ReZero:
      return "rezero";
  }
  return "?";
}

std::shared_ptr<nn::Module> make_cifar_resnet(const CifarResNetConfig& config, Generator& gen) {
  const std::int64_t n = cifar_resnet_blocks_per_stage(config.depth);
  WEIGHTINIT_CHECK(config.in_channels >= 1 && config.num_classes >= 1, ValueError,
                   "a CIFAR ResNet needs in_channels >= 1 and num_classes >= 1, but got "
                   "in_channels ",
                   config.in_channels, ", num_classes ", config.num_classes);
  const bool fixup = config.norm == CifarNorm::Fixup;
  const bool batch_norm = config.norm == CifarNorm::BatchNorm;
  std::shared_ptr<nn::Module> net;
  if (fixup) {
    net = std::make_shared<FixupResNet>(config.in_channels);
  } else {
    net = std::make_shared<CifarResNet>(batch_norm, config.in_channels);
  }
  net->register_module("conv1", conv2d(config.in_channels, 16, 3, 1, 1, false, gen));
  if (batch_norm) net->register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
  std::int64_t in_planes = 16;
  const std::int64_t planes[3] = {16, 32, 64};
  for (int stage = 0; stage < 3; ++stage) {
    auto layer = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      layer->push_back(
          detail::make_cifar_basic_block(in_planes, planes[stage], stride, config.norm, gen));
      in_planes = planes[stage];
    }
    net->register_module("layer" + std::to_string(stage + 1), layer);
  }
  net->register_module(fixup ? "fc" : "linear",
                       std::make_shared<nn::Linear>(64, config.num_classes, true, gen));
  if (fixup && constructors_draw()) fixup_init(*net, 3 * n, gen);
  return net;
}

}  // namespace weightinit::models
