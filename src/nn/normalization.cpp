// SPDX-License-Identifier: MIT
// BatchNorm, LayerNorm and RMSNorm modules.
#include "weightinit/nn/normalization.h"

#include <cmath>
#include <vector>

#include "nn/default_init.h"
#include "nn/functional/common.h"
#include "nn/repr_util.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/random/torch_version.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::nn {

BatchNorm::BatchNorm(int spatial_dims, std::int64_t num_features, double eps, double momentum,
                     bool affine, bool track_running_stats, DType dtype)
    : spatial_dims_(spatial_dims),
      num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      affine_(affine),
      track_running_stats_(track_running_stats) {
  if (affine) {
    register_parameter("weight", Tensor::empty({num_features}, dtype));
    register_parameter("bias", Tensor::empty({num_features}, dtype));
  }
  if (track_running_stats) {
    register_buffer("running_mean", Tensor::empty({num_features}, dtype));
    register_buffer("running_var", Tensor::empty({num_features}, dtype));
    register_buffer("num_batches_tracked", Tensor::zeros({}, DType::Int64));
  }
  if (!deferred_allocation()) reset_own_parameters(default_generator());  // draws nothing
}

std::string BatchNorm::type_name() const {
  return "BatchNorm" + std::to_string(spatial_dims_) + "d";
}

std::optional<DefaultInit> BatchNorm::default_init(const std::string& name) const {
  return detail::norm_default_init(name);
}

void BatchNorm::reset_own_parameters(Generator& gen) {
  // torch: reset_running_stats(), then ones_(weight), zeros_(bias).
  if (track_running_stats_) {
    buffer("running_mean").fill_(0.0);
    buffer("running_var").fill_(1.0);
    buffer("num_batches_tracked").fill_(0.0);
  }
  draw_default_inits(gen);
}

Tensor BatchNorm::forward(const Tensor& input) {
  const std::int64_t want = spatial_dims_ + 2;
  const bool ok = spatial_dims_ == 1 ? (input.dim() == 2 || input.dim() == 3) : input.dim() == want;
  WEIGHTINIT_CHECK(ok, ShapeError, "expected ",
                   spatial_dims_ == 1 ? "2D or 3D" : std::to_string(want) + "D", " input (got ",
                   input.dim(), "D input)");
  Tensor none;
  const bool use_batch_stats = is_training() || !track_running_stats_;
  if (is_training() && track_running_stats_) {
    Tensor& n = buffer("num_batches_tracked");
    n.fill_(n.item() + 1);
  }
  Tensor& mean = track_running_stats_ ? buffer("running_mean") : none;
  Tensor& var = track_running_stats_ ? buffer("running_var") : none;
  Tensor& weight = affine_ ? parameter("weight").data : none;
  Tensor& bias = affine_ ? parameter("bias").data : none;
  Tensor output =
      functional::batch_norm(input, mean, var, weight, bias, use_batch_stats, momentum_, eps_);
  if (grad_enabled()) {
    // {input}: batch statistics (recomputed in backward from the input); {input, mean, var}:
    // the running stats as used here (copies, in case the buffers change before backward).
    if (use_batch_stats) {
      save_for_backward({input});
    } else {
      save_for_backward({input, mean.clone(), var.clone()});
    }
  }
  return output;
}

Tensor BatchNorm::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  const bool batch_stats = saved.size() == 1;
  const Tensor none;
  const functional::Grads grads = functional::batch_norm_backward(
      grad_output, saved[0], batch_stats ? none : saved[1], batch_stats ? none : saved[2],
      affine_ ? parameter("weight").data : none, affine_, batch_stats, eps_);
  if (affine_) {
    accumulate_grad("weight", grads.weight);
    accumulate_grad("bias", grads.bias);
  }
  return grads.input;
}

std::string BatchNorm::extra_repr() const {
  // PyTorch 2.12+ prints its `bias` argument too (the default torch profile's release).
  const bool bias_shown = default_torch_version() == TorchVersion::V2_12;
  return std::to_string(num_features_) + ", eps=" + detail::py_float(eps_) +
         ", momentum=" + detail::py_float(momentum_) + ", affine=" + detail::py_bool(affine_) +
         (bias_shown ? ", bias=" + detail::py_bool(affine_) : std::string()) +
         ", track_running_stats=" + detail::py_bool(track_running_stats_);
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, DType dtype)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
  if (affine_) {
    register_parameter("weight", Tensor::empty(normalized_shape_, dtype));
    register_parameter("bias", Tensor::empty(normalized_shape_, dtype));
  }
  if (!deferred_allocation()) reset_own_parameters(default_generator());  // draws nothing
}

std::optional<DefaultInit> LayerNorm::default_init(const std::string& name) const {
  return detail::norm_default_init(name);
}

Tensor LayerNorm::forward(const Tensor& input) {
  Tensor none;
  Tensor output =
      functional::layer_norm(input, normalized_shape_, affine_ ? parameter("weight").data : none,
                             affine_ ? parameter("bias").data : none, eps_);
  save_for_backward({input});
  return output;
}

Tensor LayerNorm::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  const Tensor none;
  const functional::Grads grads =
      functional::layer_norm_backward(grad_output, saved[0], normalized_shape_,
                                      affine_ ? parameter("weight").data : none, affine_, eps_);
  if (affine_) {
    accumulate_grad("weight", grads.weight);
    accumulate_grad("bias", grads.bias);
  }
  return grads.input;
}

std::string LayerNorm::extra_repr() const {
  // PyTorch 2.12+ prints its `bias` argument too (the default torch profile's release).
  const bool bias_shown = default_torch_version() == TorchVersion::V2_12;
  return detail::py_tuple(normalized_shape_) + ", eps=" + detail::py_float(eps_) +
         ", elementwise_affine=" + detail::py_bool(affine_) +
         (bias_shown ? ", bias=" + detail::py_bool(has_parameter("bias")) : std::string());
}

RMSNorm::RMSNorm(std::int64_t dim, double eps, DType dtype) : dim_(dim), eps_(eps) {
  WEIGHTINIT_CHECK(dim >= 1, ValueError, "RMSNorm: dim must be positive, but got ", dim);
  register_parameter("weight", Tensor::empty({dim}, dtype));
  if (!deferred_allocation()) reset_own_parameters(default_generator());  // draws nothing
}

std::optional<DefaultInit> RMSNorm::default_init(const std::string& name) const {
  // LlamaRMSNorm: self.weight = nn.Parameter(torch.ones(hidden_size)).
  return detail::norm_default_init(name);
}

Tensor RMSNorm::forward(const Tensor& input) {
  functional::impl::check_floating(input, "rms_norm", "input");
  const Tensor& weight = parameter("weight").data;
  functional::impl::check_same_dtype(weight, input.dtype(), "rms_norm", "weight");
  WEIGHTINIT_CHECK(input.dim() >= 1 && input.sizes().back() == dim_, ShapeError,
                   "Given normalized_shape=[", dim_, "], expected input with shape [*, ", dim_,
                   "], but got input of size", shape_str(input.sizes()));
  const Tensor xc = input.contiguous();
  if (grad_enabled()) save_for_backward({xc});
  const Tensor wc = weight.contiguous();
  const std::int64_t n = dim_, rows = xc.numel() / n;
  return functional::impl::dispatch_float(input.dtype(), "rms_norm", [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(xc.sizes(), input.dtype());
    const T* xp = xc.data_ptr<T>();
    const T* wp = wc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
#pragma omp parallel for schedule(static) if (xc.numel() > functional::impl::kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = xp + r * n;
      T* yr = yp + r * n;
      double sq = 0.0;
      for (std::int64_t j = 0; j < n; ++j) sq += static_cast<double>(xr[j]) * xr[j];
      const double rrms = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps_);
      for (std::int64_t j = 0; j < n; ++j) yr[j] = static_cast<T>(xr[j] * rrms * wp[j]);
    }
    return y;
  });
}

Tensor RMSNorm::backward(const Tensor& grad_output) {
  const Tensor x = pop_saved().at(0);
  functional::impl::check_same_dtype(grad_output, x.dtype(), "rms_norm_backward", "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == x.sizes(), ShapeError,
                   "RMSNorm backward: grad_output has size ", shape_str(grad_output.sizes()),
                   " but the input has size ", shape_str(x.sizes()));
  const Tensor dyc = grad_output.contiguous();
  const Tensor wc = parameter("weight").data.contiguous();
  const std::int64_t n = dim_, rows = x.numel() / n;
  return functional::impl::dispatch_float(x.dtype(), "rms_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    // r = (Σx²/n + eps)^(−1/2), g = dy·w: dx = r·(g − x·r²·Σ(g·x)/n), dw = Σ_rows dy·x·r.
    Tensor dx = Tensor::empty(x.sizes(), x.dtype());
    std::vector<double> dw(static_cast<std::size_t>(n), 0.0);
    const T* xp = x.data_ptr<T>();
    const T* dyp = dyc.data_ptr<T>();
    const T* wp = wc.data_ptr<T>();
    T* dxp = dx.data_ptr<T>();
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = xp + r * n;
      const T* dyr = dyp + r * n;
      double sq = 0.0, gx = 0.0;
      for (std::int64_t j = 0; j < n; ++j) {
        sq += static_cast<double>(xr[j]) * xr[j];
        gx += static_cast<double>(dyr[j]) * wp[j] * xr[j];
      }
      const double rrms = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps_);
      const double k = rrms * rrms * gx / static_cast<double>(n);
      for (std::int64_t j = 0; j < n; ++j) {
        dxp[r * n + j] = static_cast<T>(rrms * (static_cast<double>(dyr[j]) * wp[j] - xr[j] * k));
        dw[static_cast<std::size_t>(j)] += static_cast<double>(dyr[j]) * xr[j] * rrms;
      }
    }
    Tensor dweight = Tensor::empty({n}, x.dtype());
    for (std::int64_t j = 0; j < n; ++j) {
      dweight.data_ptr<T>()[j] = static_cast<T>(dw[static_cast<std::size_t>(j)]);
    }
    accumulate_grad("weight", dweight);
    return dx;
  });
}

std::string RMSNorm::extra_repr() const {
  return detail::py_tuple(Shape{dim_}) + ", eps=" + detail::py_float(eps_);
}

}  // namespace weightinit::nn
