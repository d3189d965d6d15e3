// SPDX-License-Identifier: MIT
// probe(): per-layer statistics of one forward/backward pass, gathered with forward hooks.
#include "weightinit/diag/probe.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "weightinit/error.h"
#include "weightinit/recipes/layers.h"
#include "weightinit/train/loss.h"

namespace weightinit::diag {

namespace {

const std::set<std::string>& activations() {
  static const std::set<std::string> names = {"ReLU", "LeakyReLU", "ELU",    "SELU",
                                              "GELU", "Tanh",      "Sigmoid"};
  return names;
}

bool is_residual_block(const std::string& type) {
  static const std::set<std::string> names = {"Block", "LlamaDecoderLayer", "BasicBlock",
                                              "Bottleneck", "FixupBasicBlock"};
  return names.count(type) > 0;
}

struct Call {
  nn::Module* module;
  Tensor output;
};

/// Population mean and std of n float64 values.
std::pair<double, double> mean_std(const double* p, std::int64_t n) {
  const double dn = n > 0 ? static_cast<double>(n) : 1.0;
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sum += p[i];
  const double mean = sum / dn;
  double sq = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sq += (p[i] - mean) * (p[i] - mean);
  return {mean, std::sqrt(sq / dn)};
}

/// Population mean and std of every element of y, in float64.
std::pair<double, double> mean_std(const Tensor& y) {
  const Tensor v = y.to(DType::Float64).contiguous();
  return mean_std(v.data_ptr<double>(), v.numel());
}

void fill_stats(LayerProbe& row, const Tensor& y, const std::string& activation) {
  const Tensor v = y.to(DType::Float64).contiguous();
  const double* p = v.data_ptr<double>();
  const std::int64_t n = v.numel();
  double zeros = 0.0, saturated = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    zeros += p[i] == 0.0 ? 1.0 : 0.0;
    if (activation == "Tanh") saturated += std::abs(p[i]) > 0.99 ? 1.0 : 0.0;
    if (activation == "Sigmoid") saturated += (p[i] < 0.01 || p[i] > 0.99) ? 1.0 : 0.0;
  }
  const double dn = n > 0 ? static_cast<double>(n) : 1.0;
  std::tie(row.act_mean, row.act_std) = mean_std(p, n);
  row.zero_fraction = zeros / dn;
  row.saturated_fraction = (activation == "Tanh" || activation == "Sigmoid")
                               ? saturated / dn
                               : std::numeric_limits<double>::quiet_NaN();
}

double frobenius(const Tensor& t) {
  if (!t.defined()) return 0.0;
  const Tensor v = t.to(DType::Float64).contiguous();
  const double* p = v.data_ptr<double>();
  double s = 0.0;
  for (std::int64_t i = 0; i < v.numel(); ++i) s += p[i] * p[i];
  return std::sqrt(s);
}

std::string verdict_of(const ProbeResult& r) {
  const std::size_t hidden = r.layers.size() > 1 ? r.layers.size() - 1 : 1;
  bool finite = std::isfinite(r.loss);
  double saturated = 0.0;
  for (const LayerProbe& l : r.layers) {
    finite = finite && std::isfinite(l.act_std) && std::isfinite(l.grad_norm);
  }
  for (std::size_t i = 0; i < hidden; ++i) {
    const double s = r.layers[i].saturated_fraction;
    saturated += std::isnan(s) ? 0.0 : s;
  }
  if (!finite) return "exploding";
  if (saturated / static_cast<double>(hidden) > 0.5) return "saturated";
  if (r.act_std_ratio > 1e2 || r.grad_norm_ratio > 1e2) return "exploding";
  if (r.act_std_ratio < 1e-2 || r.layers[hidden - 1].act_std < 1e-6 || r.grad_norm_ratio < 1e-2)
    return "vanishing";
  return "ok";
}

}  // namespace

ProbeResult probe(nn::Module& model, const Tensor& x, const std::vector<std::int64_t>& labels,
                  const std::string& init_label) {
  std::vector<Call> calls;
  std::vector<std::pair<nn::Module*, std::size_t>> hooks;
  std::map<nn::Module*, std::string> names;
  ProbeResult r;
  bool first_block = true;
  for (auto& [name, m] : model.named_modules()) {
    names[m] = name;
    if (is_residual_block(m->type_name())) {
      const std::string block_name = name;
      hooks.emplace_back(
          m, m->register_forward_hook([&r, &first_block, block_name](
                                          nn::Module& mod, const Tensor& in, const Tensor& out) {
            if (first_block) r.stream_input_std = mean_std(in).second;
            first_block = false;
            const auto [mean, std] = mean_std(out);
            r.blocks.push_back({block_name, mod.type_name(), mean, std});
          }));
      continue;
    }
    if (!m->children().empty()) continue;
    hooks.emplace_back(
        m, m->register_forward_hook([&calls](nn::Module& mod, const Tensor&, const Tensor& out) {
          calls.push_back({&mod, out});
        }));
  }
  auto remove_hooks = [&] {
    for (auto& [m, id] : hooks) m->remove_forward_hook(id);
  };
  r.init = init_label;
  try {
    model.train();
    model.zero_grad();
    const Tensor out = model(x);
    // A language model's (B, T, vocab) logits: B·T predictions of the next token.
    const Tensor logits =
        out.dim() == 3 ? out.contiguous().view({out.size(0) * out.size(1), out.size(2)}) : out;
    const train::LossResult loss = train::cross_entropy(logits, labels);
    r.loss = loss.loss;
    model.backward(out.dim() == 3 ? loss.grad_input.view(out.sizes()) : loss.grad_input);
  } catch (...) {
    remove_hooks();
    model.clear_saved();
    throw;
  }
  remove_hooks();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    nn::Module* m = calls[i].module;
    if (!m->is_weight_layer()) continue;
    LayerProbe row;
    row.name = names[m];
    row.type = m->type_name();
    const bool act_next =
        i + 1 < calls.size() && activations().count(calls[i + 1].module->type_name()) > 0;
    row.activation = act_next ? calls[i + 1].module->type_name() : "-";
    fill_stats(row, act_next ? calls[i + 1].output : calls[i].output, row.activation);
    row.grad_norm = frobenius(m->parameter("weight").grad);
    r.layers.push_back(row);
  }
  WEIGHTINIT_CHECK(!r.layers.empty(), ValueError,
                   "probe: the model has no Linear or Conv layer to report on");
  const std::size_t hidden = r.layers.size() > 1 ? r.layers.size() - 1 : 1;
  const double first_std = r.layers.front().act_std, last_std = r.layers[hidden - 1].act_std;
  r.act_std_ratio = first_std > 0 ? last_std / first_std : (last_std > 0 ? INFINITY : 0.0);
  const double g_first = r.layers.front().grad_norm, g_last = r.layers.back().grad_norm;
  r.grad_norm_ratio = g_last > 0 ? g_first / g_last : (g_first > 0 ? INFINITY : 1.0);
  r.verdict = verdict_of(r);
  return r;
}

}  // namespace weightinit::diag
