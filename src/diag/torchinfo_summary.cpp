// SPDX-License-Identifier: MIT
// torchinfo's table: forward hooks on the model's children, its statistics and text format.
#include "weightinit/diag/torchinfo_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

#include "detail/text.h"
#include "weightinit/error.h"
#include "weightinit/random/sampling.h"

namespace weightinit::diag {

namespace {

using weightinit::detail::with_commas;

constexpr int kColumnWidth = 25;

struct Layer {
  std::string title;  // "Linear: 1-2", or the model's class name
  int depth = 0;
  Shape output;
  std::int64_t params = 0, trainable = 0;
  std::int64_t macs = 0;
  bool recursive = false;
};

std::string list_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::int64_t prod(const Shape& s, std::size_t from = 0) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

/// FormattingOptions.format_row: each cell left-aligned in its width plus a space, right-trimmed.
std::string format_row(const std::string& name, int name_width, const std::string& output,
                       const std::string& params) {
  const auto pad = [](std::string s, std::size_t w) {  // by characters, as Python pads
    std::size_t chars = 0;
    for (const char c : s) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (chars < w) s.append(w - chars, ' ');
    return s;
  };
  std::string line = pad(name, static_cast<std::size_t>(name_width)) + " " +
                     pad(output, kColumnWidth) + " " + pad(params, kColumnWidth) + " ";
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

/// Python's f"{x:,.2f}".
std::string fixed2_with_commas(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s(buf);
  const std::size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  const bool negative = !whole.empty() && whole[0] == '-';
  if (negative) whole.erase(0, 1);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3)
    whole.insert(static_cast<std::size_t>(i), ",");
  return (negative ? "-" : "") + whole + s.substr(dot);
}

/// ModelStatistics.format_output_num for the mult-adds (Units.AUTO).
std::string mult_adds_text(std::int64_t macs) {
  const double n = static_cast<double>(macs);
  const char* unit = n >= 1e12  ? "Units.TERABYTES"
                     : n >= 1e9 ? "Units.GIGABYTES"
                                : "Units.MEGABYTES";
  const double scaled = n / (n >= 1e12 ? 1e12 : n >= 1e9 ? 1e9 : 1e6);
  const std::string value = scaled == std::floor(scaled)
                                ? with_commas(static_cast<std::int64_t>(scaled))
                                : fixed2_with_commas(scaled);
  return std::string(" (") + unit + "): " + value;
}

std::string megabytes(const char* label, double bytes) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s: %0.2f\n", label, bytes / 1e6);
  return buf;
}

}  // namespace

namespace {

/// One forward pass with a hook on each child: a Layer per call, as torchinfo records them;
/// `output` receives the model's output shape.
std::vector<Layer> record_layers(nn::Module& model, const Shape& input_size, Generator& gen,
                                 Shape& output_shape) {
  std::vector<Layer> layers;
  std::set<const nn::Module*> seen;
  for (auto& [name, m] : model.named_modules()) {
    if (m != &model && name.find('.') != std::string::npos) {
      throw ValueError(
          "summary --style torchinfo supports models whose layers are direct "
          "children of the model, but '" +
          name + "' is nested");
    }
  }
  std::vector<std::pair<nn::Module*, std::size_t>> hooked;
  for (auto& [name, m] : model.named_modules()) {
    if (m == &model) continue;
    const std::size_t id =
        m->register_forward_hook([&](nn::Module& mod, const Tensor&, const Tensor& out) {
          Layer l;
          l.depth = 1;
          l.title = mod.type_name() + ": 1-" + std::to_string(layers.size() + 1);
          l.output = out.sizes();
          for (auto& [pname, p] : mod.named_parameters()) {
            const std::int64_t n = p->data.numel();
            l.params += n;
            if (p->requires_grad) l.trainable += n;
            const std::string local = pname.substr(pname.rfind('.') + 1);
            if (local != "weight" && local != "bias") continue;
            const bool conv = mod.type_name().find("Conv") != std::string::npos;
            l.macs += conv ? n * (l.output.empty() ? 1 : l.output[0]) * prod(l.output, 2)
                           : (l.output.empty() ? 0 : l.output[0]) * n;
          }
          l.recursive = l.params > 0 && !seen.insert(&mod).second;
          layers.push_back(std::move(l));
        });
    hooked.emplace_back(m, id);
  }
  Tensor output;
  try {
    const nn::NoGradGuard no_grad;
    output = model(rand(input_size, DType::Float32, gen));
  } catch (...) {
    for (auto& [m, id] : hooked) m->remove_forward_hook(id);
    throw;
  }
  for (auto& [m, id] : hooked) m->remove_forward_hook(id);
  output_shape = output.sizes();
  return layers;
}

/// torchinfo's table and ModelStatistics for `root` and its recorded layers.
std::string format_table(const Layer& root, const std::vector<Layer>& layers,
                         const Shape& input_size) {
  // ModelStatistics: leaf layers carry the totals (the model's own parameters are all in
  // its children here).
  std::int64_t total = 0, trainable = 0, macs = 0, output_bytes = 0, param_bytes = 0;
  for (const Layer& l : layers) {
    macs += l.macs;
    if (l.params > 0) output_bytes += prod(l.output) * 4 * 2;  // x2 for gradients
    if (l.recursive) continue;
    total += l.params;
    trainable += l.trainable;
    param_bytes += l.params * 4;
  }
  int name_width = 40;  // set_layer_name_width: longest title + depth*5 + 1, rounded up to 5
  int longest = static_cast<int>(root.title.size()) + 1;
  for (const Layer& l : layers)
    longest = std::max(longest, static_cast<int>(l.title.size()) + l.depth * 5 + 1);
  if (longest >= name_width) name_width = (longest + 4) / 5 * 5;
  const std::string divider(static_cast<std::size_t>(2 * kColumnWidth + name_width), '=');

  std::string out = divider + "\n";
  out += format_row("Layer (type:depth-idx)", name_width, "Output Shape", "Param #");
  out += divider + "\n";
  out += format_row(root.title, name_width, list_str(root.output), "--");
  for (const Layer& l : layers) {
    const std::string params = l.params == 0 ? "--"
                               : l.recursive ? "(recursive)"
                                             : with_commas(l.params);
    out += format_row("├─" + l.title, name_width, list_str(l.output), params);
  }
  out += divider + "\n";
  out += "Total params: " + with_commas(total) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(total - trainable) + "\n";
  out += "Total mult-adds" + mult_adds_text(macs) + "\n";
  out += divider + "\n";
  const double input_bytes = static_cast<double>(prod(input_size) * 4);
  out += megabytes("Input size (MB)", input_bytes);
  out += megabytes("Forward/backward pass size (MB)", static_cast<double>(output_bytes));
  out += megabytes("Params size (MB)", static_cast<double>(param_bytes));
  out += megabytes("Estimated Total Size (MB)",
                   input_bytes + static_cast<double>(output_bytes + param_bytes));
  return out + divider + "\n";
}

}  // namespace

std::string torchinfo_summary(nn::Module& model, const Shape& input_size, Generator& gen) {
  Layer root;
  root.title = model.type_name();
  const std::vector<Layer> layers = record_layers(model, input_size, gen, root.output);
  return format_table(root, layers, input_size);
}

}  // namespace weightinit::diag
