// SPDX-License-Identifier: MIT
// torchvision/ops/misc.py (Conv2dNormActivation, SqueezeExcitation, Permute),
// ops/stochastic_depth.py and models/convnext.py's LayerNorm2d (torchvision 0.14).
#include "models/torchvision_ops.h"

#include <algorithm>
#include <cmath>

#include "nn/repr_util.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"
#include "weightinit/random/sampling.h"

namespace weightinit::models::detail {

std::shared_ptr<nn::Module> conv_norm_activation(std::int64_t in, std::int64_t out,
                                                 const ConvNormActivationOptions& options,
                                                 Generator& gen) {
  const std::int64_t padding = options.padding < 0 ? (options.kernel - 1) / 2 : options.padding;
  auto seq = std::make_shared<NamedSequential>(options.type);
  seq->push_back(
      conv2d(in, out, options.kernel, options.stride, padding, options.bias, gen, options.groups));
  if (options.norm == ConvNorm::BatchNorm2d) {
    seq->push_back(std::make_shared<nn::BatchNorm2d>(out));
  } else {
    seq->push_back(std::make_shared<LayerNorm2d>(out, 1e-6));
  }
  if (options.activation == ConvActivation::ReLU) seq->push_back(std::make_shared<nn::ReLU>());
  if (options.activation == ConvActivation::SiLU) seq->push_back(std::make_shared<nn::SiLU>());
  return seq;
}

namespace {
template <class T>
void scale_channels_kernel(const T* s, bool per_sample, const T* x, T* y, std::int64_t n,
                           std::int64_t c, std::int64_t inner) {
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const T k = s[(per_sample ? b * c : 0) + ch];
      const std::int64_t base = (b * c + ch) * inner;
      for (std::int64_t i = 0; i < inner; ++i) y[base + i] = k * x[base + i];
    }
  }
}
}  // namespace

Tensor scale_channels(const Tensor& scale, const Tensor& x) {
  WEIGHTINIT_CHECK(x.dim() >= 2 && scale.dtype() == x.dtype(), ShapeError,
                   "scale_channels: expected an (N, C, ...) input and a scale of its dtype, but "
                   "got ",
                   shape_str(x.sizes()));
  const std::int64_t n = x.size(0), c = x.size(1),
                     inner = x.numel() / std::max<std::int64_t>(n * c, 1);
  const bool per_sample = scale.numel() == n * c && scale.dim() == x.dim();
  WEIGHTINIT_CHECK(per_sample || scale.numel() == c, ShapeError, "scale_channels: scale ",
                   shape_str(scale.sizes()), " does not broadcast over the channels of ",
                   shape_str(x.sizes()));
  const Tensor xc = x.contiguous(), sc = scale.contiguous();
  Tensor y = Tensor::empty(x.sizes(), x.dtype());
  if (x.dtype() == DType::Float32) {
    scale_channels_kernel(sc.data_ptr<float>(), per_sample, xc.data_ptr<float>(),
                          y.data_ptr<float>(), n, c, inner);
  } else {
    scale_channels_kernel(sc.data_ptr<double>(), per_sample, xc.data_ptr<double>(),
                          y.data_ptr<double>(), n, c, inner);
  }
  return y;
}

Tensor scale_channels_grad(const Tensor& grad_output, const Tensor& x, bool per_sample) {
  WEIGHTINIT_CHECK(grad_output.sizes() == x.sizes() && x.dim() >= 2, ShapeError,
                   "scale_channels_grad: the gradient ", shape_str(grad_output.sizes()),
                   " does not match the input ", shape_str(x.sizes()));
  const std::int64_t n = x.size(0), c = x.size(1);
  const std::int64_t inner = x.numel() / std::max<std::int64_t>(n * c, 1);
  const std::vector<double> g = grad_output.to_vector<double>(), xs = x.to_vector<double>();
  std::vector<double> sums(static_cast<std::size_t>(per_sample ? n * c : c), 0.0);
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double acc = 0.0;
      const std::int64_t base = (b * c + ch) * inner;
      for (std::int64_t i = 0; i < inner; ++i) {
        acc += g[static_cast<std::size_t>(base + i)] * xs[static_cast<std::size_t>(base + i)];
      }
      sums[static_cast<std::size_t>(per_sample ? b * c + ch : ch)] += acc;
    }
  }
  Shape sizes(static_cast<std::size_t>(x.dim()), 1);
  if (per_sample) {
    sizes[0] = n;
    sizes[1] = c;
  } else {
    sizes.pop_back();
    sizes[0] = c;
  }
  return Tensor::from_data<double>(sums, sizes).to(x.dtype());
}

SqueezeExcitation::SqueezeExcitation(std::int64_t input_channels, std::int64_t squeeze_channels,
                                     ConvActivation activation, Generator& gen) {
  register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  register_module("fc1", conv2d(input_channels, squeeze_channels, 1, 1, 0, true, gen));
  register_module("fc2", conv2d(squeeze_channels, input_channels, 1, 1, 0, true, gen));
  if (activation == ConvActivation::SiLU) {
    register_module("activation", std::make_shared<nn::SiLU>());
  } else {
    register_module("activation", std::make_shared<nn::ReLU>());
  }
  register_module("scale_activation", std::make_shared<nn::Sigmoid>());
}

Tensor SqueezeExcitation::forward(const Tensor& input) {
  Tensor s = (*child("avgpool"))(input);
  s = (*child("fc1"))(s);
  s = (*child("activation"))(s);
  s = (*child("fc2"))(s);
  s = (*child("scale_activation"))(s);
  save_for_backward({input, s});
  return scale_channels(s, input);
}

Tensor SqueezeExcitation::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  const Tensor& input = saved[0];
  const Tensor& s = saved[1];
  const Tensor direct = scale_channels(s, grad_output);
  Tensor g = scale_channels_grad(grad_output, input, /*per_sample=*/true);
  for (const char* name : {"scale_activation", "fc2", "activation", "fc1", "avgpool"}) {
    g = child(name)->backward(g);
  }
  return nn::functional::add(direct, g);
}

StochasticDepth::StochasticDepth(double p) : p_(p) {
  WEIGHTINIT_CHECK(p >= 0.0 && p <= 1.0, ValueError,
                   "drop probability has to be between 0 and 1, but got ", p);
}

Tensor StochasticDepth::forward(const Tensor& input) {
  if (!is_training() || p_ == 0.0) {
    save_for_backward({});
    return input;
  }
  const double survival = 1.0 - p_;
  const std::int64_t n = input.size(0);
  // bernoulli_(survival): one float64 uniform per row, kept when below survival.
  const std::vector<double> u = rand({n}, DType::Float64, generator()).to_vector<double>();
  // noise.div_(survival) in the input's dtype (a float32 tensor divides by float(survival)).
  const double kept = survival <= 0.0 ? 1.0
                      : input.dtype() == DType::Float32
                          ? static_cast<double>(1.0f / static_cast<float>(survival))
                          : 1.0 / survival;
  std::vector<double> keep(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = u[i] < survival ? kept : 0.0;
  // A per-row factor: scale_channels over the (N, 1, ...) view of the rows.
  const Tensor x = input.contiguous().view({n, 1, input.numel() / std::max<std::int64_t>(n, 1)});
  Tensor factors = Tensor::from_data<double>(keep, {n, 1, 1}).to(input.dtype());
  save_for_backward({factors});
  return scale_channels(factors, x).view(input.sizes());
}

Tensor StochasticDepth::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  if (saved.empty()) return grad_output;
  const std::int64_t n = grad_output.size(0);
  const Tensor g =
      grad_output.contiguous().view({n, 1, grad_output.numel() / std::max<std::int64_t>(n, 1)});
  return scale_channels(saved[0], g).view(grad_output.sizes());
}

std::string StochasticDepth::extra_repr() const {
  return "p=" + nn::detail::py_float(p_) + ", mode=row";  // torchvision's __repr__
}

Tensor Permute::forward(const Tensor& input) { return input.permute(dims_).contiguous(); }

Tensor Permute::backward(const Tensor& grad_output) {
  Shape inverse(dims_.size());
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    inverse[static_cast<std::size_t>(dims_[i])] = static_cast<std::int64_t>(i);
  }
  return grad_output.permute(inverse).contiguous();
}

Tensor LayerNorm2d::forward(const Tensor& input) {
  WEIGHTINIT_CHECK(input.dim() == 4 && input.size(1) == channels_, ShapeError,
                   "LayerNorm2d: expected an (N, ", channels_, ", H, W) input, but got ",
                   shape_str(input.sizes()));
  return nn::LayerNorm::forward(input.permute({0, 2, 3, 1}).contiguous())
      .permute({0, 3, 1, 2})
      .contiguous();
}

Tensor LayerNorm2d::backward(const Tensor& grad_output) {
  return nn::LayerNorm::backward(grad_output.permute({0, 2, 3, 1}).contiguous())
      .permute({0, 3, 1, 2})
      .contiguous();
}

std::int64_t make_divisible(double v, std::int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  std::int64_t new_v =
      std::max(divisor, static_cast<std::int64_t>(v + d / 2.0) / divisor * divisor);
  if (static_cast<double>(new_v) < 0.9 * v) new_v += divisor;
  return new_v;
}

}  // namespace weightinit::models::detail
