// SPDX-License-Identifier: MIT
// torchinfo's table: forward hooks on the model's children, its statistics and text format.
#include "weightinit/diag/torchinfo_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "detail/text.h"
#include "weightinit/error.h"
#include "weightinit/random/sampling.h"

namespace weightinit::diag {

namespace {

using weightinit::detail::with_commas;

constexpr int kColumnWidth = 25;

/// torchinfo's LayerInfo: one row per forward call of a module (pre-order, from a forward
/// pre-hook), or a container that never ran inserted above its children.
struct Layer {
  nn::Module* module = nullptr;
  std::string class_name;
  int depth = 0;        // dots in the qualified name + 1; the model itself 0
  int depth_index = 0;  // the row's number among the rows of its depth
  int parent = -1;      // index into the module table (Node) of the parent module
  bool leaf = false;    // the module has no children
  bool recursive = false;
  bool executed = false;
  Shape output;
  std::int64_t params = 0, trainable = 0, param_bytes = 0, output_bytes = 0, macs = 0;
  std::vector<std::size_t> descendants;  // rows after this one, deeper (get_children_layers)
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

/// A module of the model, as torchinfo's apply_hooks walks them: its depth and parent.
struct Node {
  nn::Module* module;
  int depth;
  int parent;  // index into the nodes, -1 for the model
};

std::vector<Node> walk(nn::Module& model) {
  std::vector<Node> nodes;
  std::map<std::string, int> index;  // qualified name → node; the model is ""
  for (auto& [name, m] : model.named_modules()) {
    if (m == &model) {
      index[""] = 0;
      nodes.push_back({m, 0, -1});
      continue;
    }
    const std::size_t dot = name.rfind('.');
    const std::string parent_name = dot == std::string::npos ? "" : name.substr(0, dot);
    const int depth = static_cast<int>(std::count(name.begin(), name.end(), '.')) + 1;
    index.emplace(name, static_cast<int>(nodes.size()));
    nodes.push_back({m, depth, index.at(parent_name)});  // modules come parents first
  }
  return nodes;
}

/// LayerInfo.calculate_num_params: every parameter of the module and its children.
Layer layer_of(const std::vector<Node>& nodes, int node) {
  const Node& n = nodes[static_cast<std::size_t>(node)];
  Layer l;
  l.module = n.module;
  l.class_name = n.module->type_name();
  l.depth = n.depth;
  l.parent = n.parent;
  l.leaf = n.module->children().empty();
  for (auto& [pname, p] : n.module->named_parameters()) {
    const std::int64_t count = p->data.numel();
    l.params += count;
    l.param_bytes += count * static_cast<std::int64_t>(p->data.element_size());
    if (p->requires_grad) l.trainable += count;
  }
  return l;
}

/// LayerInfo.calculate_macs, from the output of one call.
void add_macs(Layer& l) {
  const Shape& out = l.output;
  for (auto& [pname, p] : l.module->named_parameters()) {
    const std::int64_t n = p->data.numel();
    if (pname == "weight" || pname == "bias") {
      if (l.class_name.find("Conv") != std::string::npos) {
        l.macs += n * (out.empty() ? 1 : out[0]) * prod(out, 2);
      } else {
        l.macs += (out.empty() ? 0 : out[0]) * n;
      }
    } else if (pname.find("weight") != std::string::npos ||
               pname.find("bias") != std::string::npos) {
      l.macs += (out.empty() ? 1 : out[0]) * (out.size() > 1 ? out[1] : 1) * n;
    }
  }
}

/// torchinfo's add_missing_container_layers: a container whose forward never ran (a
/// ModuleList, a ModuleDict) is inserted, unexecuted, above its first child's row.
void add_missing_container_layers(const std::vector<Node>& nodes, std::vector<Layer>& rows) {
  std::set<const nn::Module*> ids;
  for (const Layer& l : rows) ids.insert(l.module);
  std::map<int, const nn::Module*> current;  // depth → module of the row in force
  for (std::size_t idx = 0; idx < rows.size(); ++idx) {
    std::map<int, int> hierarchy;  // depth → node
    for (int p = rows[idx].parent; p >= 0 && nodes[static_cast<std::size_t>(p)].depth > 0;
         p = nodes[static_cast<std::size_t>(p)].parent) {
      hierarchy[nodes[static_cast<std::size_t>(p)].depth] = p;
    }
    std::size_t inserted = 0;
    const int depth = rows[idx].depth;
    for (int d = 1; d < depth; ++d) {
      const nn::Module* want = nodes[static_cast<std::size_t>(hierarchy.at(d))].module;
      const auto held = current.find(d);
      if (held != current.end() && held->second == want) continue;
      // (torchinfo also skips when the row just above is this very object; an inserted
      // fallback never precedes its own child, so that test never holds.)
      Layer l = layer_of(nodes, hierarchy.at(d));
      l.recursive = ids.count(want) > 0;
      ids.insert(want);
      rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(idx + inserted), std::move(l));
      current[d] = want;
      ++inserted;
    }
    idx += inserted;
    current[depth] = rows[idx].module;
    for (int d = depth + 1; current.erase(d) > 0; ++d) {
    }
  }
}

/// torchinfo's set_children_layers: depth indexes, and each row's descendants.
void set_children_layers(std::vector<Layer>& rows) {
  std::map<int, int> count;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].depth_index = ++count[rows[i].depth];
    for (std::size_t j = i + 1; j < rows.size() && rows[j].depth > rows[i].depth; ++j) {
      rows[i].descendants.push_back(j);
    }
  }
}

/// One forward pass with a pre-hook and a hook on every module (torchinfo's apply_hooks and
/// forward_pass), then add_missing_container_layers and set_children_layers.
std::vector<Layer> record_layers(nn::Module& model, const Shape& input_size, Generator& gen,
                                 DType input_dtype, std::int64_t vocab) {
  const std::vector<Node> nodes = walk(model);
  std::vector<Layer> rows;
  std::set<const nn::Module*> seen;
  std::map<const nn::Module*, std::size_t> latest;  // global_layer_info: the module's last row
  std::vector<std::tuple<nn::Module*, std::size_t, std::size_t>> hooked;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nn::Module* m = nodes[i].module;
    const int node = static_cast<int>(i);
    const std::size_t pre = m->register_forward_pre_hook([&, node](nn::Module& mod, const Tensor&) {
      Layer l = layer_of(nodes, node);
      l.recursive = !seen.insert(&mod).second;
      latest[&mod] = rows.size();
      rows.push_back(std::move(l));
    });
    const std::size_t post =
        m->register_forward_hook([&](nn::Module& mod, const Tensor&, const Tensor& out) {
          Layer& l = rows[latest.at(&mod)];
          l.output = out.sizes();
          l.output_bytes = prod(l.output) * static_cast<std::int64_t>(out.element_size());
          l.executed = true;
          add_macs(l);
        });
    hooked.emplace_back(m, pre, post);
  }
  const auto remove_hooks = [&] {
    for (auto& [m, pre, post] : hooked) {
      m->remove_forward_pre_hook(pre);
      m->remove_forward_hook(post);
    }
  };
  try {
    const nn::NoGradGuard no_grad;
    (void)model(vocab > 0 ? randint(0, vocab, input_size, gen)
                          : rand(input_size, input_dtype, gen));
  } catch (...) {
    remove_hooks();
    throw;
  }
  remove_hooks();

  add_missing_container_layers(nodes, rows);
  set_children_layers(rows);
  return rows;
}

/// LayerInfo.leftover_params / leftover_trainable_params.
std::int64_t leftover(const std::vector<Layer>& rows, std::size_t i, bool trainable) {
  const Layer& l = rows[i];
  std::int64_t rest = trainable ? l.trainable : l.params;
  for (const std::size_t c : l.descendants) {
    if (rows[c].recursive) continue;
    rest -= rows[c].leaf ? (trainable ? rows[c].trainable : rows[c].params)
                         : leftover(rows, c, trainable);
  }
  return rest;
}

constexpr int kMaxDepth = 3;  // torchinfo.summary's default depth

std::string row_name(const Layer& l) {
  std::string start;
  if (l.depth == 1) start = "├─";
  if (l.depth > 1) {
    for (int d = 1; d < l.depth; ++d) start += "│    ";
    start += "└─";
  }
  std::string title = l.class_name;
  if (l.depth > 0) title += ": " + std::to_string(l.depth) + "-" + std::to_string(l.depth_index);
  return start + title;
}

/// LayerInfo.num_params_to_str.
std::string params_text(const std::vector<Layer>& rows, std::size_t i) {
  const Layer& l = rows[i];
  if (l.params == 0) return "--";
  if (l.recursive) return "(recursive)";
  if (l.depth == kMaxDepth || l.leaf) {
    return l.trainable ? with_commas(l.params) : "(" + with_commas(l.params) + ")";
  }
  const std::int64_t rest = leftover(rows, i, false);
  return rest > 0 ? with_commas(rest) : "--";
}

/// torchinfo's table and ModelStatistics for the recorded rows.
std::string format_table(const std::vector<Layer>& rows, const Shape& input_size,
                         std::int64_t input_bytes_each) {
  std::int64_t total = 0, trainable = 0, macs = 0, output_bytes = 0, param_bytes = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Layer& l = rows[i];
    if (l.leaf) {
      macs += l.macs;
      if (l.params > 0) output_bytes += l.output_bytes * 2;  // x2 for gradients
      if (l.recursive) continue;
      total += std::max<std::int64_t>(l.params, 0);
      param_bytes += l.param_bytes;
      trainable += std::max<std::int64_t>(l.trainable, 0);
    } else if (!l.recursive) {
      total += std::max<std::int64_t>(leftover(rows, i, false), 0);
      trainable += std::max<std::int64_t>(leftover(rows, i, true), 0);
    }
  }
  int name_width = 40;  // set_layer_name_width: longest title + depth*5 + 1, rounded up to 5
  int longest = 0;
  for (const Layer& l : rows) {
    std::string title = l.class_name;
    if (l.depth > 0) {
      title += ": " + std::to_string(l.depth) + "-" + std::to_string(l.depth_index);
    }
    longest = std::max(longest, static_cast<int>(title.size()) + l.depth * 5 + 1);
  }
  if (longest >= name_width) name_width = (longest + 4) / 5 * 5;
  const std::string divider(static_cast<std::size_t>(2 * kColumnWidth + name_width), '=');

  std::string out = divider + "\n";
  out += format_row("Layer (type:depth-idx)", name_width, "Output Shape", "Param #");
  out += divider + "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].depth > kMaxDepth) continue;
    out +=
        format_row(row_name(rows[i]), name_width,
                   rows[i].output.empty() ? "--" : list_str(rows[i].output), params_text(rows, i));
  }
  out += divider + "\n";
  out += "Total params: " + with_commas(total) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(total - trainable) + "\n";
  out += "Total mult-adds" + mult_adds_text(macs) + "\n";
  out += divider + "\n";
  const double input_bytes = static_cast<double>(prod(input_size) * input_bytes_each);
  out += megabytes("Input size (MB)", input_bytes);
  out += megabytes("Forward/backward pass size (MB)", static_cast<double>(output_bytes));
  out += megabytes("Params size (MB)", static_cast<double>(param_bytes));
  out += megabytes("Estimated Total Size (MB)",
                   input_bytes + static_cast<double>(output_bytes + param_bytes));
  return out + divider + "\n";
}

}  // namespace

std::string torchinfo_summary(nn::Module& model, const Shape& input_size, Generator& gen,
                              std::int64_t token_vocab) {
  const std::vector<Layer> rows =
      record_layers(model, input_size, gen, DType::Float32, token_vocab);
  return format_table(rows, input_size, token_vocab > 0 ? 8 : 4);
}

}  // namespace weightinit::diag
