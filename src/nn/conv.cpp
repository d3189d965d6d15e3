// SPDX-License-Identifier: MIT
// Convolution layers: construction (torch's _ConvNd), init, forward and backward.
#include "weightinit/nn/conv.h"

#include <cmath>
#include <vector>

#include "nn/default_init.h"
#include "nn/repr_util.h"
#include "weightinit/init/init.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::nn {

namespace {

/// A per-dim option with one entry broadcast to `dims` entries; checks the count.
Shape expand(const Shape& v, int dims, const char* what) {
  if (v.size() == 1) return Shape(static_cast<std::size_t>(dims), v[0]);
  WEIGHTINIT_CHECK(static_cast<int>(v.size()) == dims, ValueError, what, " must have 1 or ", dims,
                   " entries, but got ", shape_str(v));
  return v;
}

bool all_equal(const Shape& v, std::int64_t x) {
  for (const auto e : v) {
    if (e != x) return false;
  }
  return true;
}

}  // namespace

ConvNd::ConvNd(int spatial_dims, bool transposed, std::int64_t in_channels,
               std::int64_t out_channels, const ConvConfig& config, Generator& gen, DType dtype)
    : spatial_dims_(spatial_dims),
      transposed_(transposed),
      in_channels_(in_channels),
      out_channels_(out_channels),
      config_(config) {
  WEIGHTINIT_CHECK(config.groups > 0, ValueError, "groups must be a positive integer");
  WEIGHTINIT_CHECK(in_channels % config.groups == 0, ValueError,
                   "in_channels must be divisible by groups");
  WEIGHTINIT_CHECK(out_channels % config.groups == 0, ValueError,
                   "out_channels must be divisible by groups");
  config_.kernel_size = expand(config.kernel_size, spatial_dims, "kernel_size");
  config_.stride = expand(config.stride, spatial_dims, "stride");
  config_.padding = expand(config.padding, spatial_dims, "padding");
  config_.dilation = expand(config.dilation, spatial_dims, "dilation");
  config_.output_padding = expand(config.output_padding, spatial_dims, "output_padding");
  Shape shape = transposed ? Shape{in_channels, out_channels / config.groups}
                           : Shape{out_channels, in_channels / config.groups};
  shape.insert(shape.end(), config_.kernel_size.begin(), config_.kernel_size.end());
  register_parameter("weight", Tensor::empty(shape, dtype));
  if (config.bias) register_parameter("bias", Tensor::empty({out_channels}, dtype));
  if (constructors_draw()) reset_own_parameters(gen);  // deferred: shapes only, unless planned
}

std::optional<DefaultInit> ConvNd::default_init(const std::string& name) const {
  return detail::affine_default_init(*this, name, /*draw_bias_at_zero_fan=*/false);
}

Tensor ConvNd::forward(const Tensor& input) {
  const functional::ConvOptions options{config_.stride, config_.padding, config_.dilation,
                                        config_.groups};
  Tensor y = transposed_ ? functional::conv_transpose2d(input, weight(), bias(), options,
                                                        config_.output_padding)
                         : functional::conv(input, weight(), bias(), options);
  save_for_backward({input});
  return y;
}

Tensor ConvNd::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  const functional::ConvOptions options{config_.stride, config_.padding, config_.dilation,
                                        config_.groups};
  const bool has_bias = has_parameter("bias");
  functional::Grads g =
      transposed_ ? functional::conv_transpose2d_backward(grad_output, saved[0], weight(), has_bias,
                                                          options, config_.output_padding)
                  : functional::conv_backward(grad_output, saved[0], weight(), has_bias, options,
                                              input_requires_grad());
  accumulate_grad("weight", g.weight);
  if (has_bias) accumulate_grad("bias", g.bias);
  return g.input;
}

std::string ConvNd::extra_repr() const {
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + detail::py_tuple(config_.kernel_size) +
                  ", stride=" + detail::py_tuple(config_.stride);
  if (!all_equal(config_.padding, 0)) s += ", padding=" + detail::py_tuple(config_.padding);
  if (!all_equal(config_.dilation, 1)) s += ", dilation=" + detail::py_tuple(config_.dilation);
  if (transposed_ && !all_equal(config_.output_padding, 0)) {
    s += ", output_padding=" + detail::py_tuple(config_.output_padding);
  }
  if (config_.groups != 1) s += ", groups=" + std::to_string(config_.groups);
  if (!has_parameter("bias")) s += ", bias=False";
  return s;
}

}  // namespace weightinit::nn
