// SPDX-License-Identifier: MIT
// LSUV (Mishkin & Matas 2015): orthogonal pre-init, then per-layer output-variance scaling.
#include "weightinit/recipes/lsuv.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "weightinit/init/init.h"
#include "weightinit/recipes/layers.h"

namespace weightinit::recipes {

namespace {

/// Population variance of every element of `t`, in double.
double variance_of(const Tensor& t) {
  const std::vector<double> v = t.to_vector<double>();
  if (v.empty()) return 0.0;
  double sum = 0.0;
  for (const double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double sq = 0.0;
  for (const double x : v) sq += (x - mean) * (x - mean);
  return sq / static_cast<double>(v.size());
}

/// Multiplies every element of `t` by `factor` (in its dtype, one rounding).
void scale(Tensor& t, double factor) {
  std::vector<double> v = t.to_vector<double>();
  for (double& x : v) x *= factor;
  Tensor src = t.dtype() == DType::Float32
                   ? Tensor::from_data<float>(std::vector<float>(v.begin(), v.end()), t.sizes())
                   : Tensor::from_data<double>(v, t.sizes());
  t.copy_(src);
}

}  // namespace

std::vector<LsuvLayer> lsuv_init(nn::Module& model, const Tensor& batch, Generator& gen,
                                 const LsuvOptions& options) {
  WEIGHTINIT_CHECK(options.tolerance > 0, ValueError, "LSUV tolerance must be > 0, but got ",
                   options.tolerance);
  WEIGHTINIT_CHECK(options.max_iterations >= 0, ValueError,
                   "LSUV max_iterations must be >= 0, but got ", options.max_iterations);
  WEIGHTINIT_CHECK(options.target_variance > 0, ValueError,
                   "LSUV target_variance must be > 0, but got ", options.target_variance);
  std::vector<std::pair<std::string, nn::Module*>> layers;
  for (auto& [name, module] : model.named_modules()) {
    if (module->is_weight_layer()) layers.emplace_back(name, module);
  }
  WEIGHTINIT_CHECK(!layers.empty(), ValueError,
                   "LSUV needs a model with Linear or Conv layers, and this one has none");
  if (options.orthogonal_preinit) {
    for (auto& [name, module] : layers) {
      for (auto& [pname, p] : module->named_parameters(false)) {
        gen.set_stream(name.empty() ? pname : name + "." + pname);
        if (pname == "weight") init::orthogonal_(p->data, 1.0, gen);
        if (pname == "bias") init::zeros_(p->data);
      }
    }
  }
  // The order the forward pass calls the layers (a layer called twice counts once, first).
  const nn::NoGradGuard no_grad;
  std::vector<nn::Module*> order;
  std::vector<std::pair<nn::Module*, std::size_t>> hooks;
  Tensor captured;
  nn::Module* watched = nullptr;
  for (auto& [name, module] : layers) {
    hooks.emplace_back(
        module, module->register_forward_hook([&](nn::Module& m, const Tensor&, const Tensor& out) {
          if (std::find(order.begin(), order.end(), &m) == order.end()) order.push_back(&m);
          if (&m == watched) captured = out;
        }));
  }
  struct RemoveHooks {
    std::vector<std::pair<nn::Module*, std::size_t>>& hooks;
    ~RemoveHooks() {
      for (auto& [m, id] : hooks) m->remove_forward_hook(id);
    }
  } remove{hooks};
  (void)model(batch);

  std::vector<LsuvLayer> report;
  for (nn::Module* layer : order) {
    LsuvLayer row;
    for (auto& [name, module] : layers) {
      if (module == layer) row.name = name;
    }
    row.type = layer->type_name();
    Tensor& weight = layer->parameter("weight").data;
    watched = layer;
    (void)model(batch);
    double var = variance_of(captured);
    row.initial_variance = var;
    while (std::abs(var - options.target_variance) >= options.tolerance &&
           row.iterations < options.max_iterations && var > 0 && std::isfinite(var)) {
      scale(weight, std::sqrt(options.target_variance / var));
      ++row.iterations;
      (void)model(batch);
      var = variance_of(captured);
    }
    row.final_variance = var;
    row.converged = std::abs(var - options.target_variance) < options.tolerance;
    report.push_back(row);
  }
  return report;
}

}  // namespace weightinit::recipes
