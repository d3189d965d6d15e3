// SPDX-License-Identifier: MIT
// structure_summary: the per-module parameter table from shapes alone.
#include "weightinit/diag/structure.h"

#include <algorithm>
#include <cstdio>

#include "detail/text.h"
#include "weightinit/tensor/shape.h"

namespace weightinit::diag {

namespace {

using weightinit::detail::with_commas;

std::string gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f GB", bytes / 1e9);
  return buf;
}

}  // namespace

StructureSummary structure_summary(nn::Module& model) {
  StructureSummary s;
  for (auto& [name, module] : model.named_modules()) {
    StructureRow row{name, module->type_name(), {}, 0};
    for (auto& [pname, p] : module->named_parameters(false)) {
      row.tensors.emplace_back(pname, p->data.sizes());
      row.params += p->data.numel();
      if (p->requires_grad) s.trainable_params += p->data.numel();
    }
    for (auto& [bname, b] : module->named_buffers(false)) {
      row.tensors.emplace_back(bname, b->sizes());
      s.buffer_elements += b->numel();
    }
    if (row.tensors.empty()) continue;
    s.total_params += row.params;
    s.rows.push_back(std::move(row));
  }
  return s;
}

std::string StructureSummary::str() const {
  std::size_t name_width = 12;
  std::vector<std::string> left, middle;
  for (const auto& r : rows) {
    left.push_back((r.name.empty() ? std::string("(model)") : r.name) + " (" + r.type + ")");
    std::string shapes;
    for (const auto& [n, shape] : r.tensors) {
      shapes += (shapes.empty() ? "" : ", ") + n + ": " + shape_str(shape);
    }
    middle.push_back(shapes);
    name_width = std::max(name_width, left.back().size());
  }
  std::size_t mid_width = 10;
  for (const auto& m : middle) mid_width = std::max(mid_width, m.size());
  const std::string rule(name_width + mid_width + 19, '-');
  char buf[1024];
  std::string out = rule + "\n";
  std::snprintf(buf, sizeof buf, "%-*s  %-*s %15s\n", static_cast<int>(name_width), "Layer (type)",
                static_cast<int>(mid_width), "Parameters", "Param #");
  out += buf + std::string(rule.size(), '=') + "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += left[i] + std::string(name_width - left[i].size() + 2, ' ') + middle[i] +
           std::string(mid_width - middle[i].size() + 1, ' ');
    std::snprintf(buf, sizeof buf, "%15s\n", with_commas(rows[i].params).c_str());
    out += buf;
  }
  out += std::string(rule.size(), '=') + "\n";
  out += "Total params: " + with_commas(total_params) + "\n";
  out += "Trainable params: " + with_commas(trainable_params) + "\n";
  out += "Non-trainable params: " + with_commas(total_params - trainable_params) + "\n";
  out += "Buffer elements: " + with_commas(buffer_elements) + "\n";
  out += rule + "\n";
  const auto n = static_cast<double>(total_params);
  out += "Params size: " + gb(4 * n) + " (float32), " + gb(2 * n) + " (bf16/f16)\n";
  return out + rule + "\n";
}

}  // namespace weightinit::diag
