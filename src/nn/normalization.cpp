// SPDX-License-Identifier: MIT
// BatchNorm and LayerNorm modules.
#include "weightinit/nn/normalization.h"

#include "nn/repr_util.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"

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
  reset_own_parameters(default_generator());  // draws nothing
}

std::string BatchNorm::type_name() const {
  return "BatchNorm" + std::to_string(spatial_dims_) + "d";
}

void BatchNorm::reset_own_parameters(Generator& /*gen*/) {
  // torch: reset_running_stats(), then ones_(weight), zeros_(bias).
  if (track_running_stats_) {
    buffer("running_mean").fill_(0.0);
    buffer("running_var").fill_(1.0);
    buffer("num_batches_tracked").fill_(0.0);
  }
  if (affine_) {
    init::ones_(parameter("weight").data);
    init::zeros_(parameter("bias").data);
    note_init("weight", "ones", 0.0);
    note_init("bias", "zeros", 0.0);
  }
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
  return functional::batch_norm(input, mean, var, weight, bias, use_batch_stats, momentum_, eps_);
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + detail::py_float(eps_) +
         ", momentum=" + detail::py_float(momentum_) + ", affine=" + detail::py_bool(affine_) +
         ", track_running_stats=" + detail::py_bool(track_running_stats_);
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, DType dtype)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
  if (affine_) {
    register_parameter("weight", Tensor::empty(normalized_shape_, dtype));
    register_parameter("bias", Tensor::empty(normalized_shape_, dtype));
  }
  reset_own_parameters(default_generator());  // draws nothing
}

void LayerNorm::reset_own_parameters(Generator& /*gen*/) {
  if (affine_) {
    init::ones_(parameter("weight").data);
    init::zeros_(parameter("bias").data);
    note_init("weight", "ones", 0.0);
    note_init("bias", "zeros", 0.0);
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  Tensor none;
  return functional::layer_norm(input, normalized_shape_, affine_ ? parameter("weight").data : none,
                                affine_ ? parameter("bias").data : none, eps_);
}

std::string LayerNorm::extra_repr() const {
  return detail::py_tuple(normalized_shape_) + ", eps=" + detail::py_float(eps_) +
         ", elementwise_affine=" + detail::py_bool(affine_);
}

}  // namespace weightinit::nn
