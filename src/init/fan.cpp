// SPDX-License-Identifier: MIT
// calculate_gain and the fan computations of torch.nn.init.
#include "weightinit/init/fan.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "weightinit/error.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

namespace {

struct NonlinearityName {
  Nonlinearity value;
  std::string_view name;
};

constexpr NonlinearityName kNames[] = {
    {Nonlinearity::Linear, "linear"},
    {Nonlinearity::Conv1d, "conv1d"},
    {Nonlinearity::Conv2d, "conv2d"},
    {Nonlinearity::Conv3d, "conv3d"},
    {Nonlinearity::ConvTranspose1d, "conv_transpose1d"},
    {Nonlinearity::ConvTranspose2d, "conv_transpose2d"},
    {Nonlinearity::ConvTranspose3d, "conv_transpose3d"},
    {Nonlinearity::Sigmoid, "sigmoid"},
    {Nonlinearity::Tanh, "tanh"},
    {Nonlinearity::ReLU, "relu"},
    {Nonlinearity::LeakyReLU, "leaky_relu"},
    {Nonlinearity::SELU, "selu"},
};

}  // namespace

std::string_view nonlinearity_name(Nonlinearity nonlinearity) {
  for (const auto& entry : kNames) {
    if (entry.value == nonlinearity) return entry.name;
  }
  return "?";
}

Nonlinearity parse_nonlinearity(std::string_view name) {
  for (const auto& entry : kNames) {
    if (entry.name == name) return entry.value;
  }
  throw ValueError(detail::concat("Unsupported nonlinearity ", name));
}

const std::vector<Nonlinearity>& all_nonlinearities() {
  static const std::vector<Nonlinearity> all = [] {
    std::vector<Nonlinearity> v;
    for (const auto& entry : kNames) v.push_back(entry.value);
    return v;
  }();
  return all;
}

double parse_negative_slope(std::string_view text) {
  // torch accepts a Python int (not bool) or float; here: an integer or decimal literal,
  // including inf and nan as float('inf') / float('nan') would give.
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  WEIGHTINIT_CHECK(!text.empty() && ec == std::errc() && ptr == end, ValueError, "negative_slope ",
                   text, " not a valid number");
  return value;
}

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  switch (nonlinearity) {
    case Nonlinearity::Tanh:
      return 5.0 / 3;
    case Nonlinearity::ReLU:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: {
      const double slope = param.value_or(0.01);
      // Python's `negative_slope ** 2` is C's pow(x, 2.0), which differs from x*x in the last
      // bit for about 1 slope in 1000 (a = 1.3327980776308879). The volatile exponent keeps the
      // compiler from folding pow(x, 2.0) into x*x.
      volatile double two = 2.0;
      return std::sqrt(2.0 / (1 + std::pow(slope, two)));
    }
    case Nonlinearity::SELU:
      return 3.0 / 4;
    default:
      return 1.0;  // linear, conv*, conv_transpose*, sigmoid
  }
}

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  return calculate_gain(parse_nonlinearity(nonlinearity), param);
}

Fans calculate_fan_in_and_fan_out(const Shape& sizes) {
  WEIGHTINIT_CHECK(
      sizes.size() >= 2, ShapeError,
      "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  Fans fans;
  for (std::size_t d = 2; d < sizes.size(); ++d) fans.receptive_field *= sizes[d];
  fans.fan_in = sizes[1] * fans.receptive_field;
  fans.fan_out = sizes[0] * fans.receptive_field;
  return fans;
}

Fans calculate_fan_in_and_fan_out(const Tensor& tensor) {
  return calculate_fan_in_and_fan_out(tensor.sizes());
}

std::string_view fan_mode_name(FanMode mode) {
  return mode == FanMode::FanIn ? "fan_in" : "fan_out";
}

FanMode parse_fan_mode(std::string_view mode) {
  std::string lower(mode);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "fan_in") return FanMode::FanIn;
  if (lower == "fan_out") return FanMode::FanOut;
  throw ValueError(
      detail::concat("Mode ", lower, " not supported, please use one of ['fan_in', 'fan_out']"));
}

std::int64_t calculate_correct_fan(const Shape& sizes, FanMode mode) {
  const Fans fans = calculate_fan_in_and_fan_out(sizes);
  return mode == FanMode::FanIn ? fans.fan_in : fans.fan_out;
}

}  // namespace weightinit::init
