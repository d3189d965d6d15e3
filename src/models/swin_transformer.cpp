// SPDX-License-Identifier: MIT
// torchvision/models/swin_transformer.py (0.14.1; 0.29.1 builds the same): PatchMerging,
// ShiftedWindowAttention (shifted_window_attention), SwinTransformerBlock, SwinTransformer, with
// torchvision.ops' Permute, MLP and StochasticDepth.
#include "weightinit/models/swin_transformer.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <thread>

#include "models/dot_product_attention.h"
#include "models/parameter_grad.h"
#include "models/transformer_parts.h"
#include "models/zoo_parts.h"
#include "random/torch_draw_record.h"
#include "weightinit/error.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {

/// torchvision.ops.misc.Permute(dims): x.permute(dims) (made contiguous here).
class Permute final : public nn::Module {
 public:
  explicit Permute(Shape dims) : dims_(std::move(dims)) {}
  std::string type_name() const override { return "Permute"; }
  Tensor forward(const Tensor& input) override { return input.permute(dims_).contiguous(); }
  /// dx = dy permuted back.
  Tensor backward(const Tensor& grad_output) override {
    Shape inverse(dims_.size());
    for (std::size_t i = 0; i < dims_.size(); ++i) {
      inverse[static_cast<std::size_t>(dims_[i])] = static_cast<std::int64_t>(i);
    }
    return grad_output.permute(inverse).contiguous();
  }

 private:
  Shape dims_;
};

/// x with row i (index 0) multiplied by factors[i].
Tensor scale_rows(const Tensor& x, const std::vector<double>& factors) {
  const std::int64_t rows = x.size(0), row = x.numel() / std::max<std::int64_t>(rows, 1);
  Tensor y = x.contiguous().clone();
  Tensor flat = y.view({rows, row});
  for (std::int64_t i = 0; i < rows; ++i) {
    Tensor r = flat.select(0, i);
    r.copy_(nn::functional::mul(
        r.contiguous(), Tensor::full({row}, factors[static_cast<std::size_t>(i)], x.dtype())));
  }
  return y;
}

/// torchvision.ops.StochasticDepth(p, "row") (Huang et al. 2016, "Deep Networks with Stochastic
/// Depth"): the identity in eval mode or at p = 0; in training, each sample (row) is kept with
/// probability 1 − p and scaled by 1/(1 − p), from the default generator (masks need not match
/// PyTorch's). Backward: dx = dy scaled by the same row factors.
class StochasticDepth final : public nn::Module {
 public:
  explicit StochasticDepth(double p) : p_(p) {}
  std::string type_name() const override { return "StochasticDepth"; }
  std::string extra_repr() const override;

  Tensor forward(const Tensor& input) override {
    if (!is_training() || p_ == 0.0) {
      save_for_backward({});
      return input;
    }
    const double survival = 1.0 - p_;
    const std::vector<double> u = rand({input.size(0)}, DType::Float64).to_vector<double>();
    std::vector<double> factors(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) factors[i] = u[i] < survival ? 1.0 / survival : 0.0;
    save_for_backward({Tensor::from_data<double>(factors, {input.size(0)})});
    return scale_rows(input, factors);
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    if (saved.empty()) return grad_output;
    return scale_rows(grad_output, saved[0].to_vector<double>());
  }

 private:
  double p_;
};

std::string StochasticDepth::extra_repr() const {
  char text[64];
  std::snprintf(text, sizeof text, "p=%g, mode=row", p_);
  return text;
}

/// torch.roll(x, shifts=(sh, sw), dims=(1, 2)): out[i] = x[(i − s) mod n] along each dim.
Tensor roll_hw(const Tensor& x, std::int64_t sh, std::int64_t sw) {
  Tensor out = x;
  for (const auto& [dim, shift] : {std::pair{1, sh}, std::pair{2, sw}}) {
    const std::int64_t n = out.size(dim), s = ((shift % n) + n) % n;
    if (s == 0) continue;
    out = nn::functional::cat({out.slice(dim, n - s, n), out.slice(dim, 0, n - s)}, dim);
  }
  return out;
}

/// x (B, H, W, C) zero-padded at the bottom and right to (B, ph, pw, C), as F.pad.
Tensor pad_hw(const Tensor& x, std::int64_t ph, std::int64_t pw) {
  if (ph == x.size(1) && pw == x.size(2)) return x;
  Tensor out = Tensor::zeros({x.size(0), ph, pw, x.size(3)}, x.dtype());
  out.slice(1, 0, x.size(1)).slice(2, 0, x.size(2)).copy_(x);
  return out;
}

/// Python's bounds of a[start:stop] on an axis of length n (stop nullopt: to the end).
std::pair<std::int64_t, std::int64_t> py_slice(std::int64_t start, std::optional<std::int64_t> stop,
                                               std::int64_t n) {
  const auto wrap = [n](std::int64_t i) {
    return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n);
  };
  const std::int64_t a = wrap(start), b = stop ? wrap(*stop) : n;
  return {a, std::max(a, b)};
}

/// shifted_window_attention's attn_mask: (windows, N, N), 0 where two tokens of a window come
/// from the same region of the shifted map and −100 elsewhere, the regions labelled by the
/// same slice assignments as torchvision (a zero shift making one region of its axis).
std::vector<float> shift_mask(std::int64_t ph, std::int64_t pw, std::int64_t ws, std::int64_t sh,
                              std::int64_t sw) {
  std::vector<std::int64_t> label(static_cast<std::size_t>(ph * pw), 0);
  const std::optional<std::int64_t> end;
  const std::pair<std::int64_t, std::optional<std::int64_t>> hs[] = {
      {0, -ws}, {-ws, -sh}, {-sh, end}};
  const std::pair<std::int64_t, std::optional<std::int64_t>> wss[] = {
      {0, -ws}, {-ws, -sw}, {-sw, end}};
  std::int64_t count = 0;
  for (const auto& [h0, h1] : hs) {
    for (const auto& [w0, w1] : wss) {
      const auto [ha, hb] = py_slice(h0, h1, ph);
      const auto [wa, wb] = py_slice(w0, w1, pw);
      for (std::int64_t h = ha; h < hb; ++h) {
        for (std::int64_t w = wa; w < wb; ++w) label[static_cast<std::size_t>(h * pw + w)] = count;
      }
      ++count;
    }
  }
  const std::int64_t nh = ph / ws, nw = pw / ws, n = ws * ws;
  std::vector<float> mask(static_cast<std::size_t>(nh * nw * n * n));
  for (std::int64_t wi = 0; wi < nh * nw; ++wi) {
    const auto token = [&](std::int64_t i) {
      const std::int64_t h = (wi / nw) * ws + i / ws, w = (wi % nw) * ws + i % ws;
      return label[static_cast<std::size_t>(h * pw + w)];
    };
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        mask[static_cast<std::size_t>((wi * n + i) * n + j)] =
            token(i) == token(j) ? 0.0f : -100.0f;
      }
    }
  }
  return mask;
}

/// A constructor's nn.init.trunc_normal_(std=0.02) on `table`. While the torch family's draw
/// plan records a deferred build (word offsets, not values), a trunc_normal_ cannot be planned
/// element-wise (erfinv after uniform_ up to 2.11, a data-dependent redraw loop from 2.12), so it
/// is drawn now, from the plan's position in the seeded stream, into a materialized tensor of
/// its own (a few KiB), and the plan moves past the words it took. The generator's normal cache
/// is not involved: trunc_normal_ draws uniform_ (≤ 2.11) or normal_ on ≥ 16 elements (2.12+).
Tensor constructor_trunc_normal(Tensor table, double std, Generator& gen) {
  if (!constructors_draw()) return table;
  if (!table.is_deferred()) {
    init::trunc_normal_(table, 0.0, std, -2.0, 2.0, gen);
    return table;
  }
  weightinit::detail::TorchDrawRecorder* plan = weightinit::detail::active_torch_recorder();
  Generator at = gen;  // the seeded generator stands at word 0 of the plan
  at.discard(plan->next_word);
  const std::uint64_t start = at.words_drawn();
  std::vector<float> zeros(static_cast<std::size_t>(table.numel()), 0.0f);
  Tensor real = Tensor::from_data<float>(zeros, table.sizes());
  // On a thread of its own: tensors are deferred, and draws recorded, per thread, and the
  // sampler's scratch tensors (2.12's redraws) need memory.
  std::exception_ptr error;
  std::thread([&] {
    try {
      init::trunc_normal_(real, 0.0, std, -2.0, 2.0, at);
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
  plan->next_word += at.words_drawn() - start;
  return real;
}

/// torchvision's ShiftedWindowAttention (dropout 0): its qkv and proj Linears are applied
/// through their weights, as shifted_window_attention does (no summary rows for them).
class ShiftedWindowAttention final : public nn::Module {
 public:
  ShiftedWindowAttention(std::int64_t dim, std::int64_t window, std::int64_t shift,
                         std::int64_t heads, Generator& gen)
      : window_(window), shift_(shift), heads_(heads) {
    register_module("qkv", std::make_shared<nn::Linear>(dim, 3 * dim, true, gen));
    register_module("proj", std::make_shared<nn::Linear>(dim, dim, true, gen));
    const std::int64_t side = 2 * window - 1;
    register_parameter("relative_position_bias_table",
                       constructor_trunc_normal(Tensor::zeros({side * side, heads}), 0.02, gen));
    note_init("relative_position_bias_table", "ShiftedWindowAttention: trunc_normal(std=0.02)",
              0.02);
    const std::int64_t n = window * window;
    std::vector<std::int64_t> index(static_cast<std::size_t>(n * n));
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t dh = i / window - j / window + window - 1;
        const std::int64_t dw = i % window - j % window + window - 1;
        index[static_cast<std::size_t>(i * n + j)] = dh * side + dw;
      }
    }
    register_buffer("relative_position_index", Tensor::from_data<std::int64_t>(index, {n * n}));
  }
  std::string type_name() const override { return "ShiftedWindowAttention"; }

  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name == "relative_position_bias_table") {
      return nn::DefaultInit{"trunc_normal(mean=0, std=0.02, a=-2, b=2)", "trunc_normal(std=0.02)",
                             0.02, std::nullopt};
    }
    return std::nullopt;
  }

  Tensor forward(const Tensor& input) override;
  /// The forward's steps reversed: crop → zero pad, rolls back, windows, proj's and the
  /// attention's backward (the table's gradient gathered from the bias's through
  /// relative_position_index), qkv's, the windows merged, the shift undone, the padding cropped.
  Tensor backward(const Tensor& grad_output) override;

 private:
  /// The relative position bias (heads, N, N), plus the shift mask per window when `mask` is
  /// given: (windows or 1, heads, N, N).
  Tensor attention_bias(const std::vector<float>* mask, std::int64_t windows, DType dtype);
  /// Adds dL/dbias (groups, heads, N, N) into the table's gradient through the index.
  void add_table_grad(const Tensor& bias_grad);

  std::int64_t window_, shift_, heads_;
};

Tensor ShiftedWindowAttention::attention_bias(const std::vector<float>* mask, std::int64_t windows,
                                              DType dtype) {
  const std::int64_t n = window_ * window_;
  const auto table = parameter("relative_position_bias_table").data.to_vector<double>();
  const Tensor& index_buffer = buffer("relative_position_index");
  const auto index = index_buffer.to_vector<std::int64_t>();
  const std::int64_t groups = mask ? windows : 1;
  std::vector<double> bias(static_cast<std::size_t>(groups * heads_ * n * n));
  for (std::int64_t g = 0; g < groups; ++g) {
    for (std::int64_t h = 0; h < heads_; ++h) {
      for (std::int64_t ij = 0; ij < n * n; ++ij) {
        // relative_position_bias_table[index].view(N, N, heads).permute(2, 0, 1), plus the mask
        const double rel = table[static_cast<std::size_t>(index[ij] * heads_ + h)];
        const double m = mask ? (*mask)[static_cast<std::size_t>(g * n * n + ij)] : 0.0;
        bias[static_cast<std::size_t>((g * heads_ + h) * n * n + ij)] = rel + m;
      }
    }
  }
  return Tensor::from_data<double>(bias, {groups, heads_, n, n}).to(dtype);
}

namespace {

/// (B, pH, pW, C) → (B·windows, ws², C): the ws×ws windows of a padded image, in row-major
/// window order, each window's tokens row-major (torchvision's shifted_window_attention).
Tensor partition_windows(const Tensor& x, std::int64_t ws) {
  const std::int64_t b = x.size(0), ph = x.size(1), pw = x.size(2), c = x.size(3);
  return x.contiguous()
      .view({b, ph / ws, ws, pw / ws, ws, c})
      .permute({0, 1, 3, 2, 4, 5})
      .contiguous()
      .view({b * (ph / ws) * (pw / ws), ws * ws, c});
}

/// partition_windows' inverse: (B·windows, ws², C) → (B, pH, pW, C).
Tensor merge_windows(const Tensor& x, std::int64_t b, std::int64_t ph, std::int64_t pw,
                     std::int64_t ws) {
  const std::int64_t c = x.size(x.dim() - 1);
  return x.contiguous()
      .view({b, ph / ws, pw / ws, ws, ws, c})
      .permute({0, 1, 3, 2, 4, 5})
      .contiguous()
      .view({b, ph, pw, c});
}

}  // namespace

Tensor ShiftedWindowAttention::forward(const Tensor& input) {
  WEIGHTINIT_CHECK(input.dim() == 4, ShapeError,
                   "ShiftedWindowAttention: expected input of shape (batch, H, W, C), but got ",
                   shape_str(input.sizes()));
  const std::int64_t b = input.size(0), h = input.size(1), w = input.size(2), c = input.size(3);
  const std::int64_t ws = window_;
  const std::int64_t ph = h + (ws - h % ws) % ws, pw = w + (ws - w % ws) % ws;
  Tensor x = pad_hw(input, ph, pw);
  const std::int64_t sh = ws >= ph ? 0 : shift_, sw = ws >= pw ? 0 : shift_;
  if (sh + sw > 0) x = roll_hw(x, -sh, -sw);
  const std::int64_t nh = ph / ws, nw = pw / ws, windows = nh * nw, n = ws * ws;
  const Tensor tokens = partition_windows(x, ws);
  auto* qkv_layer = dynamic_cast<nn::Linear*>(child("qkv"));
  auto* proj = dynamic_cast<nn::Linear*>(child("proj"));
  const Tensor qkv = nn::functional::linear(tokens, qkv_layer->weight(), qkv_layer->bias())
                         .view({b * windows, n, 3, heads_, c / heads_})
                         .permute({2, 0, 3, 1, 4});
  std::vector<float> mask;
  if (sh + sw > 0) mask = shift_mask(ph, pw, ws, sh, sw);
  const Tensor bias = attention_bias(sh + sw > 0 ? &mask : nullptr, windows, input.dtype());
  const Tensor q = qkv.select(0, 0).contiguous(), k = qkv.select(0, 1).contiguous();
  const Tensor v = qkv.select(0, 2).contiguous();
  const Tensor merged = detail::merge_heads(detail::dot_product_attention(q, k, v, bias));
  save_for_backward({input, tokens, q, k, v, merged, bias});
  Tensor out =
      merge_windows(nn::functional::linear(merged, proj->weight(), proj->bias()), b, ph, pw, ws);
  if (sh + sw > 0) out = roll_hw(out, sh, sw);
  return out.slice(1, 0, h).slice(2, 0, w).contiguous();
}

Tensor ShiftedWindowAttention::backward(const Tensor& grad_output) {
  const std::vector<Tensor> s = pop_saved();
  const Tensor &input = s[0], &tokens = s[1], &merged = s[5], &bias = s[6];
  const std::int64_t b = input.size(0), h = input.size(1), w = input.size(2);
  const std::int64_t ws = window_;
  const std::int64_t ph = h + (ws - h % ws) % ws, pw = w + (ws - w % ws) % ws;
  const std::int64_t sh = ws >= ph ? 0 : shift_, sw = ws >= pw ? 0 : shift_;
  Tensor g = pad_hw(grad_output.contiguous(), ph, pw);
  if (sh + sw > 0) g = roll_hw(g, -sh, -sw);
  g = partition_windows(g, ws);
  auto* qkv_layer = dynamic_cast<nn::Linear*>(child("qkv"));
  auto* proj = dynamic_cast<nn::Linear*>(child("proj"));
  const nn::functional::Grads go = nn::functional::linear_backward(g, merged, proj->weight(), true);
  detail::add_grad(proj->parameter("weight"), go.weight);
  detail::add_grad(proj->parameter("bias"), go.bias);
  Tensor bias_grad;
  const nn::functional::AttentionGrads ga = detail::dot_product_attention_backward(
      detail::split_heads(go.input, heads_), s[2], s[3], s[4], bias, &bias_grad);
  const Tensor dqkv = nn::functional::cat(
      {detail::merge_heads(ga.q), detail::merge_heads(ga.k), detail::merge_heads(ga.v)}, 2);
  const nn::functional::Grads gi =
      nn::functional::linear_backward(dqkv, tokens, qkv_layer->weight(), true);
  detail::add_grad(qkv_layer->parameter("weight"), gi.weight);
  detail::add_grad(qkv_layer->parameter("bias"), gi.bias);
  add_table_grad(bias_grad);
  Tensor gx = merge_windows(gi.input, b, ph, pw, ws);
  if (sh + sw > 0) gx = roll_hw(gx, sh, sw);
  return gx.slice(1, 0, h).slice(2, 0, w).contiguous();
}

void ShiftedWindowAttention::add_table_grad(const Tensor& bias_grad) {
  // The bias is relative_position_bias_table[index] as (heads, N, N), in every window's scores.
  nn::Parameter& table = parameter("relative_position_bias_table");
  const auto index = buffer("relative_position_index").to_vector<std::int64_t>();
  const auto db = bias_grad.to_vector<double>();
  const std::int64_t n2 = static_cast<std::int64_t>(index.size());
  std::vector<double> dt(static_cast<std::size_t>(table.data.numel()), 0.0);
  for (std::int64_t g = 0; g < bias_grad.size(0); ++g) {
    for (std::int64_t h = 0; h < heads_; ++h) {
      for (std::int64_t ij = 0; ij < n2; ++ij) {
        dt[static_cast<std::size_t>(index[static_cast<std::size_t>(ij)] * heads_ + h)] +=
            db[static_cast<std::size_t>((g * heads_ + h) * n2 + ij)];
      }
    }
  }
  detail::add_grad(table, Tensor::from_data<double>(dt, table.data.sizes()).to(table.data.dtype()));
}

/// torchvision's PatchMerging: pad H and W to even, concatenate the four 2×2 neighbours
/// (x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]) → 4C, norm, reduction → 2C.
class PatchMerging final : public nn::Module {
 public:
  PatchMerging(std::int64_t dim, Generator& gen) {
    register_module("reduction", std::make_shared<nn::Linear>(4 * dim, 2 * dim, false, gen));
    register_module("norm", std::make_shared<nn::LayerNorm>(Shape{4 * dim}));
  }
  std::string type_name() const override { return "PatchMerging"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 4, ShapeError,
                     "PatchMerging: expected input of shape (batch, H, W, C), but got ",
                     shape_str(input.sizes()));
    const std::int64_t h = input.size(1) + input.size(1) % 2, w = input.size(2) + input.size(2) % 2;
    const Tensor x = pad_hw(input, h, w);
    const Tensor merged = nn::functional::cat(
        {x.slice(1, 0, h, 2).slice(2, 0, w, 2), x.slice(1, 1, h, 2).slice(2, 0, w, 2),
         x.slice(1, 0, h, 2).slice(2, 1, w, 2), x.slice(1, 1, h, 2).slice(2, 1, w, 2)},
        3);
    save_for_backward({input});
    return (*child("reduction"))((*child("norm"))(merged));
  }

  /// reduction's and norm's backward, then each quarter of the 4C channels back to its 2×2
  /// position; the padding cropped.
  Tensor backward(const Tensor& grad_output) override {
    const Tensor input = pop_saved().at(0);
    const Tensor gm = child("norm")->backward(child("reduction")->backward(grad_output));
    const std::int64_t h = input.size(1) + input.size(1) % 2, w = input.size(2) + input.size(2) % 2;
    const std::int64_t c = input.size(3);
    Tensor gx = Tensor::zeros({input.size(0), h, w, c}, gm.dtype());
    const std::int64_t rows[4] = {0, 1, 0, 1}, cols[4] = {0, 0, 1, 1};
    for (std::int64_t i = 0; i < 4; ++i) {
      Tensor quarter = gx.slice(1, rows[i], h, 2).slice(2, cols[i], w, 2);
      quarter.copy_(gm.slice(3, i * c, (i + 1) * c));
    }
    return gx.slice(1, 0, input.size(1)).slice(2, 0, input.size(2)).contiguous();
  }
};

/// torchvision's SwinTransformerBlock: x + sd(attn(norm1(x))), then x + sd(mlp(norm2(x))).
class SwinTransformerBlock final : public nn::Module {
 public:
  SwinTransformerBlock(std::int64_t dim, std::int64_t heads, std::int64_t window,
                       std::int64_t shift, double sd_prob, Generator& gen) {
    register_module("norm1", std::make_shared<nn::LayerNorm>(Shape{dim}));
    register_module("attn",
                    std::make_shared<ShiftedWindowAttention>(dim, window, shift, heads, gen));
    register_module("stochastic_depth", std::make_shared<StochasticDepth>(sd_prob));
    register_module("norm2", std::make_shared<nn::LayerNorm>(Shape{dim}));
    // torchvision.ops.MLP(dim, [4 dim, dim], GELU, dropout 0), then xavier_uniform_ / N(0, 1e-6²)
    auto mlp = std::make_shared<detail::NamedSequential>("MLP");
    auto fc1 = std::make_shared<nn::Linear>(dim, 4 * dim, true, gen);
    auto fc2 = std::make_shared<nn::Linear>(4 * dim, dim, true, gen);
    mlp->push_back(fc1);
    mlp->push_back(std::make_shared<nn::GELU>());
    mlp->push_back(std::make_shared<nn::Dropout>(0.0));
    mlp->push_back(fc2);
    mlp->push_back(std::make_shared<nn::Dropout>(0.0));
    for (nn::Linear* fc : {fc1.get(), fc2.get()}) {
      if (constructors_draw()) {
        init::xavier_uniform_(fc->weight(), 1.0, gen);
        init::normal_(fc->bias(), 0.0, 1e-6, gen);
      }
    }
    register_module("mlp", mlp);
  }
  std::string type_name() const override { return "SwinTransformerBlock"; }

  Tensor forward(const Tensor& input) override {
    nn::Module& sd = *child("stochastic_depth");
    const Tensor x = nn::functional::add(input, sd((*child("attn"))((*child("norm1"))(input))));
    return nn::functional::add(x, sd((*child("mlp"))((*child("norm2"))(x))));
  }

  Tensor backward(const Tensor& grad_output) override {
    nn::Module& sd = *child("stochastic_depth");  // its two calls' records pop in reverse
    const Tensor gx = nn::functional::add(
        grad_output, child("norm2")->backward(child("mlp")->backward(sd.backward(grad_output))));
    const Tensor ga = child("attn")->backward(sd.backward(gx));
    return nn::functional::add(gx, child("norm1")->backward(ga));
  }
};

void check_config(const SwinConfig& c) {
  std::int64_t blocks = 0;
  bool positive = c.patch_size > 0 && c.embed_dim > 0 && c.window_size > 0 && c.num_classes > 0 &&
                  !c.depths.empty() && c.depths.size() == c.num_heads.size() &&
                  c.stochastic_depth_prob >= 0.0 && c.stochastic_depth_prob <= 1.0;
  for (std::size_t i = 0; positive && i < c.depths.size(); ++i) {
    positive = c.depths[i] > 0 && c.num_heads[i] > 0;
    blocks += c.depths[i];
  }
  WEIGHTINIT_CHECK(positive && blocks >= 2, ValueError,
                   "SwinTransformer sizes must be positive, with one head count per stage, at "
                   "least 2 blocks and a stochastic depth rate in [0, 1]; got patch_size ",
                   c.patch_size, ", embed_dim ", c.embed_dim, ", ", c.depths.size(), " depths, ",
                   c.num_heads.size(), " head counts, window_size ", c.window_size);
  for (std::size_t i = 0; i < c.depths.size(); ++i) {
    const std::int64_t dim = c.embed_dim << i;
    WEIGHTINIT_CHECK(dim % c.num_heads[i] == 0, ValueError, "SwinTransformer stage ", i, ": width ",
                     dim, " is not a multiple of its ", c.num_heads[i], " heads");
  }
}

}  // namespace

std::shared_ptr<nn::Module> make_swin_transformer(const SwinConfig& c, Generator& gen) {
  check_config(c);
  auto net = std::make_shared<detail::Chain>("SwinTransformer");
  auto features = std::make_shared<nn::Sequential>();
  auto stem = std::make_shared<nn::Sequential>();
  stem->push_back(detail::conv2d(3, c.embed_dim, c.patch_size, c.patch_size, 0, true, gen));
  stem->push_back(std::make_shared<Permute>(Shape{0, 2, 3, 1}));
  stem->push_back(std::make_shared<nn::LayerNorm>(Shape{c.embed_dim}));
  features->push_back(stem);
  std::int64_t total = 0, id = 0;
  for (const std::int64_t d : c.depths) total += d;
  for (std::size_t s = 0; s < c.depths.size(); ++s) {
    const std::int64_t dim = c.embed_dim << s;
    auto stage = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < c.depths[s]; ++i, ++id) {
      const double sd =
          c.stochastic_depth_prob * static_cast<double>(id) / static_cast<double>(total - 1);
      stage->push_back(std::make_shared<SwinTransformerBlock>(
          dim, c.num_heads[s], c.window_size, i % 2 == 0 ? 0 : c.window_size / 2, sd, gen));
    }
    features->push_back(stage);
    if (s + 1 < c.depths.size()) features->push_back(std::make_shared<PatchMerging>(dim, gen));
  }
  net->register_module("features", features);
  const std::int64_t width = c.embed_dim << (c.depths.size() - 1);
  net->register_module("norm", std::make_shared<nn::LayerNorm>(Shape{width}));
  net->register_module("permute", std::make_shared<Permute>(Shape{0, 3, 1, 2}));
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  net->register_module("flatten", std::make_shared<nn::Flatten>(1));
  net->register_module("head", std::make_shared<nn::Linear>(width, c.num_classes, true, gen));
  return net;
}

std::shared_ptr<nn::Module> make_swin_t(Generator& gen, std::int64_t num_classes) {
  SwinConfig c;
  c.num_classes = num_classes;
  return make_swin_transformer(c, gen);
}

}  // namespace weightinit::models
