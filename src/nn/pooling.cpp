// SPDX-License-Identifier: MIT
// Pooling modules.
#include "weightinit/nn/pooling.h"

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

Tensor MaxPool::forward(const Tensor& input) { return functional::max_pool(input, options_); }

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

Tensor AvgPool::forward(const Tensor& input) { return functional::avg_pool(input, options_); }

std::string AvgPool::extra_repr() const {
  return "kernel_size=" + option_text(options_.kernel) +
         ", stride=" + option_text(options_.stride) + ", padding=" + option_text(options_.padding);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  return functional::adaptive_avg_pool2d(input, output_size_);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + option_text(output_size_);
}

}  // namespace weightinit::nn
