// SPDX-License-Identifier: MIT
// torch.nn.init: the fills, eye_/dirac_, xavier_*, kaiming_* and sparse_.
#include "weightinit/init/init.h"

#include <cmath>

#include "init/zero_element.h"
#include "weightinit/random/sampling.h"

namespace weightinit::init {

Tensor& uniform_(Tensor& tensor, double a, double b, Generator& gen) {
  if (detail::is_zero_element_noop(tensor)) return tensor;
  return weightinit::uniform_(tensor, a, b, gen);
}

Tensor& normal_(Tensor& tensor, double mean, double std, Generator& gen) {
  if (detail::is_zero_element_noop(tensor)) return tensor;
  return weightinit::normal_(tensor, mean, std, gen);
}

Tensor& constant_(Tensor& tensor, double val) {
  if (detail::is_zero_element_noop(tensor)) return tensor;
  return tensor.fill_(val);
}

Tensor& ones_(Tensor& tensor) { return constant_(tensor, 1.0); }

Tensor& zeros_(Tensor& tensor) { return constant_(tensor, 0.0); }

Tensor& eye_(Tensor& tensor) {
  WEIGHTINIT_CHECK(tensor.dim() == 2, ShapeError, "Only tensors with 2 dimensions are supported");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  tensor.fill_(0.0);
  const std::int64_t n = std::min(tensor.size(0), tensor.size(1));
  for (std::int64_t i = 0; i < n; ++i) tensor.set_item({i, i}, 1.0);
  return tensor;
}

Tensor& dirac_(Tensor& tensor, std::int64_t groups) {
  const std::int64_t dims = tensor.dim();
  WEIGHTINIT_CHECK(dims >= 3 && dims <= 5, ShapeError,
                   "Only tensors with 3, 4, or 5 dimensions are supported");
  WEIGHTINIT_CHECK(groups > 0, ValueError, "groups must be positive, but got groups=", groups);
  WEIGHTINIT_CHECK(tensor.size(0) % groups == 0, ValueError, "dim 0 must be divisible by groups");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  tensor.fill_(0.0);
  const std::int64_t out_per_group = tensor.size(0) / groups;
  const std::int64_t min_dim = std::min(out_per_group, tensor.size(1));
  std::vector<std::int64_t> index(static_cast<std::size_t>(dims));
  for (std::int64_t k = 2; k < dims; ++k) index[k] = tensor.size(k) / 2;  // the kernel centre
  for (std::int64_t g = 0; g < groups; ++g) {
    for (std::int64_t d = 0; d < min_dim; ++d) {
      index[0] = g * out_per_group + d;
      index[1] = d;
      tensor.set_item(index, 1.0);
    }
  }
  return tensor;
}

namespace {
/// Glorot's std, computed in double as torch's Python does: gain·√(2 / (fan_in + fan_out)).
double xavier_std(const Tensor& tensor, double gain) {
  const Fans fans = calculate_fan_in_and_fan_out(tensor);
  WEIGHTINIT_CHECK(fans.fan_in + fans.fan_out > 0, ShapeError,
                   "xavier init needs fan_in + fan_out > 0, but shape ", shape_str(tensor.sizes()),
                   " gives 0 (torch raises ZeroDivisionError)");
  return gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
}

/// He's std: gain / √fan, with gain = calculate_gain(nonlinearity, a).
double kaiming_std(const Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
  const std::int64_t fan = calculate_correct_fan(tensor.sizes(), mode);
  const double gain = calculate_gain(nonlinearity, a);
  return gain / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor& xavier_uniform_(Tensor& tensor, double gain, Generator& gen) {
  calculate_fan_in_and_fan_out(tensor);  // the dims check comes first, as in torch
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const double bound = std::sqrt(3.0) * xavier_std(tensor, gain);  // Var(U(-b, b)) = b²/3
  return weightinit::uniform_(tensor, -bound, bound, gen);
}

Tensor& xavier_normal_(Tensor& tensor, double gain, Generator& gen) {
  calculate_fan_in_and_fan_out(tensor);  // the dims check comes first, as in torch
  if (detail::is_zero_element_noop(tensor)) return tensor;
  return weightinit::normal_(tensor, 0.0, xavier_std(tensor, gain), gen);
}

// As in torch, kaiming_* look for a zero-element tensor before computing any fan.
Tensor& kaiming_uniform_(Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity,
                         Generator& gen) {
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const double bound = std::sqrt(3.0) * kaiming_std(tensor, a, mode, nonlinearity);
  return weightinit::uniform_(tensor, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity,
                        Generator& gen) {
  if (detail::is_zero_element_noop(tensor)) return tensor;
  return weightinit::normal_(tensor, 0.0, kaiming_std(tensor, a, mode, nonlinearity), gen);
}

Tensor& sparse_(Tensor& tensor, double sparsity, double std, Generator& gen, Generator& perm_gen) {
  WEIGHTINIT_CHECK(tensor.dim() == 2, ShapeError, "Only tensors with 2 dimensions are supported");
  WEIGHTINIT_CHECK(std::isfinite(sparsity), ValueError,
                   "sparsity must be a finite number, but got ", sparsity);
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const std::int64_t rows = tensor.size(0), cols = tensor.size(1);
  const auto num_zeros = static_cast<std::int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  // Python's perm[:num_zeros]: a negative count keeps all but the last |num_zeros| entries.
  const std::int64_t count =
      num_zeros >= 0 ? std::min(num_zeros, rows) : std::max<std::int64_t>(rows + num_zeros, 0);
  weightinit::normal_(tensor, 0.0, std, gen);
  for (std::int64_t c = 0; c < cols; ++c) {
    const std::vector<std::int64_t> perm = randperm(rows, perm_gen);
    for (std::int64_t i = 0; i < count; ++i) tensor.set_item({perm[i], c}, 0.0);
  }
  return tensor;
}

}  // namespace weightinit::init
