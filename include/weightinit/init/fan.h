// SPDX-License-Identifier: MIT
// Gains and fans: torch.nn.init.calculate_gain and _calculate_fan_in_and_fan_out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/tensor/shape.h"

namespace weightinit {
class Tensor;
}

namespace weightinit::init {

/// The nonlinearities calculate_gain knows, with PyTorch's names.
enum class Nonlinearity {
  Linear,           ///< "linear": gain 1
  Conv1d,           ///< "conv1d": gain 1
  Conv2d,           ///< "conv2d": gain 1
  Conv3d,           ///< "conv3d": gain 1
  ConvTranspose1d,  ///< "conv_transpose1d": gain 1
  ConvTranspose2d,  ///< "conv_transpose2d": gain 1
  ConvTranspose3d,  ///< "conv_transpose3d": gain 1
  Sigmoid,          ///< "sigmoid": gain 1
  Tanh,             ///< "tanh": gain 5/3
  ReLU,             ///< "relu": gain √2
  LeakyReLU,        ///< "leaky_relu": gain √(2 / (1 + negative_slope²))
  SELU,             ///< "selu": gain 3/4
};

/// PyTorch's name ("leaky_relu", "conv_transpose2d", ...).
std::string_view nonlinearity_name(Nonlinearity nonlinearity);

/// Parses PyTorch's names; throws ValueError "Unsupported nonlinearity {name}".
Nonlinearity parse_nonlinearity(std::string_view name);

/// Every nonlinearity, in the order of the enum.
const std::vector<Nonlinearity>& all_nonlinearities();

/// Parses a negative_slope given as text (CLI, specs). Throws ValueError
/// "negative_slope {text} not a valid number" for anything that is not an int or float literal
/// (booleans included, as in torch).
double parse_negative_slope(std::string_view text);

/// Recommended gain for a nonlinearity, like `torch.nn.init.calculate_gain(nonlinearity, param)`:
/// linear/conv*/sigmoid → 1, tanh → 5/3, relu → √2, selu → 3/4 (Klambauer et al. 2017),
/// leaky_relu → √(2 / (1 + slope²)) with slope = param or 0.01 when absent
/// (He et al. 2015, "Delving Deep into Rectifiers"). `param` is ignored for the others.
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);
/// The same, by PyTorch's name.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);

/// Fans of a weight shape: fan_in = size(1)·rf, fan_out = size(0)·rf, where the receptive field
/// rf = prod(size(2:)) (1 for 2-D).
struct Fans {
  std::int64_t fan_in = 0;
  std::int64_t fan_out = 0;
  std::int64_t receptive_field = 1;
};

/// Like `torch.nn.init._calculate_fan_in_and_fan_out`. Throws ShapeError "Fan in and fan out can
/// not be computed for tensor with fewer than 2 dimensions".
Fans calculate_fan_in_and_fan_out(const Shape& sizes);
Fans calculate_fan_in_and_fan_out(const Tensor& tensor);

/// Which fan kaiming_* divides by.
enum class FanMode {
  FanIn,   ///< preserves the variance of activations in the forward pass
  FanOut,  ///< preserves the variance of gradients in the backward pass
};

/// "fan_in" or "fan_out".
std::string_view fan_mode_name(FanMode mode);

/// Parses "fan_in"/"fan_out" (case-insensitive, as torch lowers it); throws ValueError
/// "Mode {mode} not supported, please use one of ['fan_in', 'fan_out']".
FanMode parse_fan_mode(std::string_view mode);

/// fan_in or fan_out of `sizes`, like `torch.nn.init._calculate_correct_fan`.
std::int64_t calculate_correct_fan(const Shape& sizes, FanMode mode);

}  // namespace weightinit::init
