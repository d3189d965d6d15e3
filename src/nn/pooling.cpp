// SPDX-License-Identifier: MIT
// Pooling modules.
#include "weightinit/nn/pooling.h"

#include <vector>

#include "nn/repr_util.h"

namespace weightinit::nn {

namespace {
/// torch prints an option as an int when all entries are given as one int, else as a tuple.
std::string option_text(const Shape& v) {
  return v.size() == 1 ? std::to_string(v[0]) : detail::py_tuple(v);
}
}  // namespace

MaxPool::MaxPool(int spatial_dims, functional::PoolOptions options)
    : dims_(spatial_dims), options_(std::move(options)) {
  if (options_.stride.empty()) options_.stride = options_.kernel;
}

Tensor MaxPool::forward(const Tensor& input) {
  Tensor output = functional::max_pool(input, options_);
  save_for_backward({input});
  return output;
}

Tensor MaxPool::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  return functional::max_pool_backward(grad_output, saved[0], options_);
}

std::string MaxPool::extra_repr() const {
  return "kernel_size=" + option_text(options_.kernel) +
         ", stride=" + option_text(options_.stride) + ", padding=" + option_text(options_.padding) +
         ", dilation=" + option_text(options_.dilation) +
         ", ceil_mode=" + detail::py_bool(options_.ceil_mode);
}

AvgPool::AvgPool(int spatial_dims, functional::PoolOptions options)
    : dims_(spatial_dims), options_(std::move(options)) {
  if (options_.stride.empty()) options_.stride = options_.kernel;
}

Tensor AvgPool::forward(const Tensor& input) {
  Tensor output = functional::avg_pool(input, options_);
  save_for_backward({input});
  return output;
}

Tensor AvgPool::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  return functional::avg_pool_backward(grad_output, saved[0], options_);
}

std::string AvgPool::extra_repr() const {
  return "kernel_size=" + option_text(options_.kernel) +
         ", stride=" + option_text(options_.stride) + ", padding=" + option_text(options_.padding);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  Tensor output = functional::adaptive_avg_pool2d(input, output_size_);
  save_for_backward({input});
  return output;
}

Tensor AdaptiveAvgPool2d::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  return functional::adaptive_avg_pool2d_backward(grad_output, saved[0]);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + option_text(output_size_);
}

}  // namespace weightinit::nn
