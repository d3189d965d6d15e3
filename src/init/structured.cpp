// SPDX-License-Identifier: MIT
// Structured inits: identity, bilinear, positive_unitball, delta_orthogonal, orthogonal in
// Keras' layout, ZerO.
#include "weightinit/init/structured.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "init/zero_element.h"
#include "weightinit/init/init.h"

namespace weightinit::init {

namespace {

/// Writes `values` (row-major, the tensor's logical order) into `t`, whatever its strides.
void assign(Tensor& t, const std::vector<double>& values) {
  Tensor src =
      t.dtype() == DType::Float32
          ? Tensor::from_data<float>(std::vector<float>(values.begin(), values.end()), t.sizes())
          : Tensor::from_data<double>(values, t.sizes());
  t.copy_(src);
}

/// Row-major flat index of the kernel centre (k_d / 2 in each spatial dim) of a conv weight.
std::int64_t centre_index(const Shape& s) {
  std::int64_t index = 0;
  for (std::size_t d = 2; d < s.size(); ++d) index = index * s[d] + s[d] / 2;
  return index;
}

std::int64_t spatial_size(const Shape& s) {
  std::int64_t k = 1;
  for (std::size_t d = 2; d < s.size(); ++d) k *= s[d];
  return k;
}

/// A conv weight that is zero except `matrix` (out × in, row-major) at the kernel centre.
std::vector<double> at_centre(const Shape& s, const std::vector<double>& matrix) {
  const std::int64_t out = s[0], in = s[1], k = spatial_size(s), c = centre_index(s);
  std::vector<double> v(static_cast<std::size_t>(out * in * k), 0.0);
  for (std::int64_t o = 0; o < out; ++o) {
    for (std::int64_t i = 0; i < in; ++i) {
      v[static_cast<std::size_t>((o * in + i) * k + c)] =
          matrix[static_cast<std::size_t>(o * in + i)];
    }
  }
  return v;
}

void check_conv_dims(const Tensor& t, const char* what) {
  WEIGHTINIT_CHECK(t.dim() >= 3 && t.dim() <= 5, ShapeError, what,
                   ": only tensors with 3, 4, or 5 dimensions are supported, but got ",
                   shape_str(t.sizes()));
}

}  // namespace

Tensor& identity_(Tensor& tensor, double gain) {
  WEIGHTINIT_CHECK(tensor.dim() >= 2 && tensor.dim() <= 5, ShapeError,
                   "identity: only tensors with 2 to 5 dimensions are supported, but got ",
                   shape_str(tensor.sizes()));
  if (detail::is_zero_element_noop(tensor)) return tensor;
  tensor.dim() == 2 ? eye_(tensor) : dirac_(tensor);
  if (gain != 1.0) {
    std::vector<double> v = tensor.to_vector<double>();
    for (double& x : v) x *= gain;
    assign(tensor, v);
  }
  return tensor;
}

Tensor& bilinear_(Tensor& tensor) {
  check_conv_dims(tensor, "bilinear");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const Shape& s = tensor.sizes();
  const std::int64_t k = spatial_size(s), slices = s[0] * s[1];
  // The separable kernel, row-major over the spatial dims.
  std::vector<double> kernel(static_cast<std::size_t>(k), 1.0);
  for (std::int64_t flat = 0; flat < k; ++flat) {
    std::int64_t rest = flat;
    double w = 1.0;
    for (std::size_t d = s.size() - 1; d >= 2; --d) {
      const std::int64_t x = rest % s[d];
      rest /= s[d];
      const auto f = static_cast<double>((s[d] + 1) / 2);  // ceil(k / 2)
      const double c = (2 * f - 1 - std::fmod(f, 2.0)) / (2 * f);
      w *= 1 - std::abs(static_cast<double>(x) / f - c);
    }
    kernel[static_cast<std::size_t>(flat)] = w;
  }
  std::vector<double> v(static_cast<std::size_t>(slices * k));
  for (std::int64_t i = 0; i < slices; ++i) {
    std::copy(kernel.begin(), kernel.end(), v.begin() + i * k);
  }
  assign(tensor, v);
  return tensor;
}

Tensor& positive_unitball_(Tensor& tensor, Generator& gen) {
  WEIGHTINIT_CHECK(tensor.dim() >= 1, ShapeError,
                   "positive_unitball: a tensor with at least 1 dimension is needed");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  uniform_(tensor, 0.0, 1.0, gen);
  std::vector<double> v = tensor.to_vector<double>();
  const std::int64_t rows = tensor.sizes()[0], per = tensor.numel() / rows;
  for (std::int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::int64_t j = 0; j < per; ++j) sum += v[static_cast<std::size_t>(r * per + j)];
    for (std::int64_t j = 0; j < per; ++j) v[static_cast<std::size_t>(r * per + j)] /= sum;
  }
  assign(tensor, v);
  return tensor;
}

Tensor& delta_orthogonal_(Tensor& tensor, double gain, Generator& gen) {
  check_conv_dims(tensor, "delta_orthogonal");
  const Shape& s = tensor.sizes();
  WEIGHTINIT_CHECK(s[0] >= s[1], ShapeError,
                   "delta_orthogonal needs out_channels >= in_channels for an orthogonal "
                   "centre (Xiao et al. 2018), but the weight is ",
                   shape_str(s));
  if (detail::is_zero_element_noop(tensor)) return tensor;
  Tensor centre = Tensor::empty({s[0], s[1]}, DType::Float64);
  orthogonal_(centre, gain, gen);
  assign(tensor, at_centre(s, centre.to_vector<double>()));
  return tensor;
}

Tensor& orthogonal_keras_(Tensor& tensor, double gain, Generator& gen) {
  WEIGHTINIT_CHECK(tensor.dim() >= 2, ShapeError,
                   "Only tensors with 2 or more dimensions are supported");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const std::int64_t cols = tensor.sizes().back();
  Tensor flat = Tensor::empty({tensor.numel() / cols, cols}, tensor.dtype());
  orthogonal_(flat, gain, gen);
  tensor.copy_(flat.view(tensor.sizes()));
  return tensor;
}

Tensor& zero_hadamard_(Tensor& tensor) {
  WEIGHTINIT_CHECK(tensor.dim() >= 2 && tensor.dim() <= 5, ShapeError,
                   "zero_hadamard: only tensors with 2 to 5 dimensions are supported, but got ",
                   shape_str(tensor.sizes()));
  if (detail::is_zero_element_noop(tensor)) return tensor;
  const std::int64_t out = tensor.sizes()[0], in = tensor.sizes()[1];
  std::vector<double> m(static_cast<std::size_t>(out * in), 0.0);
  if (out <= in) {
    for (std::int64_t i = 0; i < out; ++i) m[static_cast<std::size_t>(i * in + i)] = 1.0;
  } else {
    std::int64_t size = 1, levels = 0;  // 2^m >= out
    while (size < out) {
      size *= 2;
      ++levels;
    }
    const double c = std::pow(2.0, -(static_cast<double>(levels) - 1.0) / 2.0);
    // Sylvester: H[r, q] = (-1)^popcount(r & q). W = c · H[:out, :in].
    for (std::int64_t r = 0; r < out; ++r) {
      for (std::int64_t q = 0; q < in; ++q) {
        const int sign = __builtin_popcountll(static_cast<unsigned long long>(r & q)) % 2;
        m[static_cast<std::size_t>(r * in + q)] = sign ? -c : c;
      }
    }
  }
  assign(tensor, tensor.dim() == 2 ? m : at_centre(tensor.sizes(), m));
  return tensor;
}

}  // namespace weightinit::init
