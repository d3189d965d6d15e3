// SPDX-License-Identifier: MIT
// torchsummary's table: hooks, rows, totals and its exact text format.
#include "weightinit/diag/summary.h"

#include <cmath>
#include <cstdio>

#include "detail/text.h"
#include "weightinit/nn/container.h"
#include "weightinit/random/sampling.h"

namespace weightinit::diag {

namespace {

using weightinit::detail::with_commas;

/// Python's str(list) for a shape: "[5, 3]".
std::string list_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

/// "{:>20}  {:>25} {:>15}".
std::string row_text(const std::string& a, const std::string& b, const std::string& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%20s  %25s %15s", a.c_str(), b.c_str(), c.c_str());
  return buf;
}

std::string mb(const char* label, double value) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s: %0.2f", label, value);
  return buf;
}

std::int64_t prod(const Shape& s) {
  std::int64_t p = 1;
  for (const auto v : s) p *= v;
  return p;
}

}  // namespace

std::string Summary::str() const {
  const std::string rule(64, '-'), double_rule(64, '=');
  std::string out =
      rule + "\n" + row_text("Layer (type)", "Output Shape", "Param #") + "\n" + double_rule + "\n";
  for (const auto& r : rows) {
    out += row_text(r.layer, list_str(r.output_shape), with_commas(r.params)) + "\n";
  }
  out += double_rule + "\n";
  out += "Total params: " + with_commas(total_params) + "\n";
  out += "Trainable params: " + with_commas(trainable_params) + "\n";
  out += "Non-trainable params: " + with_commas(total_params - trainable_params) + "\n";
  out += rule + "\n";
  out += mb("Input size (MB)", input_size_mb) + "\n";
  out += mb("Forward/backward pass size (MB)", forward_backward_mb) + "\n";
  out += mb("Params size (MB)", params_size_mb) + "\n";
  out += mb("Estimated Total Size (MB)", total_size_mb) + "\n";
  return out + rule + "\n";
}

Summary summary(nn::Module& model, const Shape& input_size, std::int64_t batch_size,
                Generator& gen) {
  Summary result;
  std::vector<std::pair<nn::Module*, std::size_t>> hooked;
  model.apply([&](nn::Module& m) {
    // torchsummary 1.5.1's rule: no row for the model itself or any nn.Sequential, subclasses
    // (torchvision's _Transition, Conv2dNormActivation) included.
    if (&m == &model || dynamic_cast<const nn::Sequential*>(&m) != nullptr) return;
    const std::size_t id =
        m.register_forward_hook([&](nn::Module& mod, const Tensor&, const Tensor& out) {
          SummaryRow row;
          row.layer = mod.type_name() + "-" + std::to_string(result.rows.size() + 1);
          row.output_shape = out.sizes();
          if (!row.output_shape.empty()) row.output_shape[0] = batch_size;
          for (const char* name : {"weight", "bias"}) {
            if (mod.has_parameter(name)) row.params += mod.parameter(name).data.numel();
          }
          row.counts_trainable =
              mod.has_parameter("weight") && mod.parameter("weight").requires_grad;
          result.rows.push_back(std::move(row));
        });
    hooked.emplace_back(&m, id);
  });
  Shape batch{2};  // "batch_size of 2 for batchnorm"
  batch.insert(batch.end(), input_size.begin(), input_size.end());
  try {
    const nn::NoGradGuard no_grad;  // a shape probe: record nothing for backward
    model(rand(batch, DType::Float32, gen));
  } catch (...) {
    for (auto& [m, id] : hooked) m->remove_forward_hook(id);
    throw;
  }
  for (auto& [m, id] : hooked) m->remove_forward_hook(id);

  std::int64_t total_output = 0;
  for (const auto& r : result.rows) {
    result.total_params += r.params;
    total_output += prod(r.output_shape);
    if (r.counts_trainable) result.trainable_params += r.params;
  }
  constexpr double kMiB = 1024.0 * 1024.0;
  result.input_size_mb = std::abs(static_cast<double>(prod(input_size) * batch_size) * 4. / kMiB);
  result.forward_backward_mb = std::abs(2. * static_cast<double>(total_output) * 4. / kMiB);
  result.params_size_mb = std::abs(static_cast<double>(result.total_params) * 4. / kMiB);
  result.total_size_mb = result.params_size_mb + result.forward_backward_mb + result.input_size_mb;
  return result;
}

std::string parameter_report(nn::Module& model) {
  char line[512];
  std::snprintf(line, sizeof line, "%-24s %-20s %8s %8s  %-30s %10s %10s %10s\n", "Parameter",
                "Shape", "fan_in", "fan_out", "Init", "std (init)", "mean", "std");
  std::string out = line;
  for (auto& [name, p] : model.named_parameters()) {
    const std::vector<double> v = p->data.to_vector<double>();
    double mean = 0, var = 0;
    for (const double x : v) mean += x;
    if (!v.empty()) mean /= static_cast<double>(v.size());
    for (const double x : v) var += (x - mean) * (x - mean);
    if (!v.empty()) var /= static_cast<double>(v.size());
    std::string fan_in = "-", fan_out = "-";
    if (p->data.dim() >= 2) {
      std::int64_t rf = 1;
      for (std::int64_t d = 2; d < p->data.dim(); ++d) rf *= p->data.size(d);
      fan_in = std::to_string(p->data.size(1) * rf);
      fan_out = std::to_string(p->data.size(0) * rf);
    }
    char promised[32] = "-";
    if (!std::isnan(p->init.promised_std))
      std::snprintf(promised, sizeof promised, "%.4g", p->init.promised_std);
    std::snprintf(line, sizeof line, "%-24s %-20s %8s %8s  %-30s %10s %10.4g %10.4g\n",
                  name.c_str(), list_str(p->data.sizes()).c_str(), fan_in.c_str(), fan_out.c_str(),
                  p->init.scheme.empty() ? "(not recorded)" : p->init.scheme.c_str(), promised,
                  mean, std::sqrt(var));
    out += line;
  }
  return out;
}

}  // namespace weightinit::diag
