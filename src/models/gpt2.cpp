// SPDX-License-Identifier: MIT
// GPT-2's shape with nanoGPT's module names (model.py: GPT, Block, CausalSelfAttention, MLP).
#include "weightinit/models/gpt2.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <vector>

#include "models/transformer_parts.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/transformers_conv1d.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {

using detail::merge_heads;
using detail::split_heads;

/// nanoGPT's CausalSelfAttention (dropout 0): q, k, v = c_attn(x).split(C, dim=2), each split
/// into n_head heads, y = causal attention, heads merged, c_proj(y).
class CausalSelfAttention final : public nn::Module {
 public:
  explicit CausalSelfAttention(std::int64_t n_head) : n_head_(n_head) {}
  std::string type_name() const override { return "CausalSelfAttention"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 3, ShapeError,
                     "CausalSelfAttention: expected input of shape (batch, length, n_embd), "
                     "but got ",
                     shape_str(input.sizes()));
    const Tensor qkv = (*child("c_attn"))(input);
    const std::int64_t c = qkv.size(2) / 3;
    const Tensor q = split_heads(qkv.slice(2, 0, c), n_head_);
    const Tensor k = split_heads(qkv.slice(2, c, 2 * c), n_head_);
    const Tensor v = split_heads(qkv.slice(2, 2 * c, 3 * c), n_head_);
    if (nn::grad_enabled()) save_for_backward({q, k, v});
    return (*child("c_proj"))(merge_heads(nn::functional::causal_attention(q, k, v)));
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> saved = pop_saved();
    const Tensor dy = child("c_proj")->backward(grad_output);
    const nn::functional::AttentionGrads g = nn::functional::causal_attention_backward(
        split_heads(dy, n_head_), saved[0], saved[1], saved[2]);
    const Tensor dqkv =
        nn::functional::cat({merge_heads(g.q), merge_heads(g.k), merge_heads(g.v)}, 2);
    return child("c_attn")->backward(dqkv);
  }

 private:
  std::int64_t n_head_;
};

/// nanoGPT's GPT with its head tied to wte: token ids (B, T) → wte(idx) + wpe(arange(T)) →
/// drop → the blocks → ln_f → logits = x·wteᵀ (B, T, vocab). The tied head's gradient is added
/// to wte.weight.grad.
class Gpt final : public nn::Module {
 public:
  std::string type_name() const override { return "GPT"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 2, ShapeError,
                     "GPT: expected token ids of shape (batch, length), but got ",
                     shape_str(input.sizes()));
    Parts p = parts();
    const std::int64_t t = input.size(1);
    WEIGHTINIT_CHECK(t <= p.wpe->weight().size(0), ShapeError, "Cannot forward sequence of length ",
                     t, ", block size is only ", p.wpe->weight().size(0));
    std::vector<std::int64_t> positions(static_cast<std::size_t>(t));
    for (std::int64_t i = 0; i < t; ++i) positions[static_cast<std::size_t>(i)] = i;
    const Tensor tok = (*p.wte)(input);
    // (T, C), broadcast over the batch; through operator(), as nanoGPT calls wpe(pos), so
    // hooks (torchinfo's rows) see it.
    const Tensor pos = (*p.wpe)(Tensor::from_data<std::int64_t>(positions, {t}));
    Tensor pos_b = Tensor::empty(tok.sizes(), tok.dtype());
    for (std::int64_t i = 0; i < input.size(0); ++i) pos_b.select(0, i).copy_(pos);
    Tensor x = (*p.drop)(nn::functional::add(tok, pos_b));
    for (nn::Module* block : p.h->children()) x = (*block)(x);
    x = (*p.ln_f)(x);
    if (nn::grad_enabled()) save_for_backward({x});
    return nn::functional::linear(x, p.wte->weight(), Tensor());
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor x = pop_saved().at(0);
    Parts p = parts();
    const nn::functional::Grads head =
        nn::functional::linear_backward(grad_output, x, p.wte->weight(), false);
    Tensor g = p.ln_f->backward(head.input);
    const auto blocks = p.h->children();
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) g = (*it)->backward(g);
    g = p.drop->backward(g);
    // The position embedding's gradient sums over the batch.
    const std::int64_t b = g.size(0), t = g.size(1), c = g.size(2);
    Tensor pos_grad = g.select(0, 0).contiguous();
    for (std::int64_t i = 1; i < b; ++i) {
      pos_grad = nn::functional::add(pos_grad, g.select(0, i).contiguous());
    }
    p.wpe->backward(pos_grad.view({t, c}));
    p.wte->backward(g);
    nn::Parameter& w = p.wte->parameter("weight");
    if (w.requires_grad) w.grad = nn::functional::add(w.grad, head.weight);
    return Tensor();  // token ids have no gradient
  }

 private:
  struct Parts {
    nn::Embedding* wte;
    nn::Embedding* wpe;
    nn::Module* drop;
    nn::Module* h;
    nn::Module* ln_f;
  };
  Parts parts() {
    Parts p{};
    for (const auto& [name, m] : children().front()->named_children()) {
      if (name == "wte") p.wte = dynamic_cast<nn::Embedding*>(m);
      if (name == "wpe") p.wpe = dynamic_cast<nn::Embedding*>(m);
      if (name == "drop") p.drop = m;
      if (name == "h") p.h = m;
      if (name == "ln_f") p.ln_f = m;
    }
    return p;
  }
};

}  // namespace

std::shared_ptr<nn::Module> make_gpt2(std::int64_t n_layer, std::int64_t n_embd, Generator& gen,
                                      std::int64_t vocab_size, std::int64_t block_size,
                                      std::int64_t n_head) {
  if (n_head == 0 && n_embd % 64 == 0) n_head = n_embd / 64;
  WEIGHTINIT_CHECK(n_layer >= 1 && n_embd >= 1 && vocab_size >= 1 && block_size >= 1 &&
                       n_head >= 1 && n_embd % n_head == 0,
                   ValueError,
                   "GPT-2 sizes must be positive and n_embd a multiple of n_head, but got "
                   "n_layer ",
                   n_layer, ", n_embd ", n_embd, ", n_head ", n_head, ", vocab ", vocab_size,
                   ", block ", block_size);
  auto net = std::make_shared<Gpt>();
  auto transformer = detail::container("ModuleDict");
  transformer->register_module(
      "wte", std::make_shared<nn::Embedding>(vocab_size, n_embd, std::nullopt, gen));
  transformer->register_module(
      "wpe", std::make_shared<nn::Embedding>(block_size, n_embd, std::nullopt, gen));
  transformer->register_module("drop", std::make_shared<nn::Dropout>(0.0));
  auto h = detail::container("ModuleList");
  for (std::int64_t i = 0; i < n_layer; ++i) {
    auto block = std::make_shared<detail::PreNormBlock>("Block", "ln_1", "attn", "ln_2", "mlp");
    block->register_module("ln_1", std::make_shared<nn::LayerNorm>(Shape{n_embd}));
    auto attn = std::make_shared<CausalSelfAttention>(n_head);
    attn->register_module("c_attn", std::make_shared<nn::Linear>(n_embd, 3 * n_embd, true, gen));
    attn->register_module("c_proj", std::make_shared<nn::Linear>(n_embd, n_embd, true, gen));
    block->register_module("attn", attn);
    block->register_module("ln_2", std::make_shared<nn::LayerNorm>(Shape{n_embd}));
    auto mlp = std::make_shared<detail::Chain>("MLP");
    mlp->register_module("c_fc", std::make_shared<nn::Linear>(n_embd, 4 * n_embd, true, gen));
    mlp->register_module("gelu", std::make_shared<nn::GELU>());
    mlp->register_module("c_proj", std::make_shared<nn::Linear>(4 * n_embd, n_embd, true, gen));
    block->register_module("mlp", mlp);
    h->register_module(std::to_string(i), block);
  }
  transformer->register_module("h", h);
  transformer->register_module("ln_f", std::make_shared<nn::LayerNorm>(Shape{n_embd}));
  net->register_module("transformer", transformer);
  return net;
}

Gpt2Config gpt2_preset(std::string_view name) {
  static const std::tuple<const char*, std::int64_t, std::int64_t, std::int64_t> sizes[] = {
      {"small", 12, 768, 12},
      {"medium", 24, 1024, 16},
      {"large", 36, 1280, 20},
      {"xl", 48, 1600, 25}};
  for (const auto& [size, layers, width, heads] : sizes) {
    if (name == size) {
      Gpt2Config c;
      c.n_layer = layers;
      c.n_embd = width;
      c.n_head = heads;
      return c;
    }
  }
  throw ValueError(
      weightinit::detail::concat("unknown GPT-2 preset '", name,
                                 "': GPT-2 sizes are gpt2:small, gpt2:medium, gpt2:large and "
                                 "gpt2:xl"));
}

namespace {

/// One GPT2Block as transformers registers it; returns its four Conv1D layers (c_attn,
/// attn.c_proj, c_fc, mlp.c_proj), whose constructors draw N(0, 0.02).
std::array<std::shared_ptr<nn::TransformersConv1D>, 4> add_transformers_block(nn::Module& h,
                                                                              std::int64_t i,
                                                                              const Gpt2Config& c,
                                                                              Generator& gen) {
  const std::int64_t d = c.n_embd, inner = 4 * d;
  auto block = detail::container("GPT2Block");
  block->register_module("ln_1", std::make_shared<nn::LayerNorm>(Shape{d}, c.layer_norm_epsilon));
  auto attn = detail::container("GPT2Attention");
  auto c_attn = std::make_shared<nn::TransformersConv1D>(3 * d, d, gen);
  auto attn_proj = std::make_shared<nn::TransformersConv1D>(d, d, gen);
  attn->register_module("c_attn", c_attn);
  attn->register_module("c_proj", attn_proj);
  attn->register_module("attn_dropout", std::make_shared<nn::Dropout>(0.1));
  attn->register_module("resid_dropout", std::make_shared<nn::Dropout>(0.1));
  block->register_module("attn", attn);
  block->register_module("ln_2", std::make_shared<nn::LayerNorm>(Shape{d}, c.layer_norm_epsilon));
  auto mlp = detail::container("GPT2MLP");
  auto c_fc = std::make_shared<nn::TransformersConv1D>(inner, d, gen);
  auto mlp_proj = std::make_shared<nn::TransformersConv1D>(d, inner, gen);
  mlp->register_module("c_fc", c_fc);
  mlp->register_module("c_proj", mlp_proj);
  mlp->register_module("act", detail::container("NewGELUActivation"));  // no parameters
  mlp->register_module("dropout", std::make_shared<nn::Dropout>(0.1));
  block->register_module("mlp", mlp);
  h.register_module(std::to_string(i), block);
  return {c_attn, attn_proj, c_fc, mlp_proj};
}

}  // namespace

std::shared_ptr<nn::Module> make_gpt2_transformers(const Gpt2Config& c, Generator& gen) {
  WEIGHTINIT_CHECK(c.n_layer >= 1 && c.n_embd >= 1 && c.n_head >= 1 && c.vocab_size >= 1 &&
                       c.n_positions >= 1 && c.n_embd % c.n_head == 0,
                   ValueError,
                   "GPT-2 sizes must be positive and n_embd a multiple of n_head, but "
                   "got n_layer ",
                   c.n_layer, ", n_embd ", c.n_embd, ", n_head ", c.n_head, ", vocab ",
                   c.vocab_size, ", positions ", c.n_positions);
  const std::int64_t d = c.n_embd;
  auto net = detail::container("GPT2LMHeadModel");
  auto transformer = detail::container("GPT2Model");
  auto wte = std::make_shared<nn::Embedding>(c.vocab_size, d, std::nullopt, gen);
  auto wpe = std::make_shared<nn::Embedding>(c.n_positions, d, std::nullopt, gen);
  transformer->register_module("wte", wte);
  transformer->register_module("wpe", wpe);
  transformer->register_module("drop", std::make_shared<nn::Dropout>(0.1));
  auto h = detail::container("ModuleList");
  std::vector<std::array<std::shared_ptr<nn::TransformersConv1D>, 4>> blocks;
  for (std::int64_t i = 0; i < c.n_layer; ++i)
    blocks.push_back(add_transformers_block(*h, i, c, gen));
  transformer->register_module("h", h);
  transformer->register_module("ln_f",
                               std::make_shared<nn::LayerNorm>(Shape{d}, c.layer_norm_epsilon));
  net->register_module("transformer", transformer);

  // GPT2Model.post_init(): _init_weights over the modules in post-order.
  const bool draw = constructors_draw();  // a deferred build that records nothing skips them
  const double range = c.initializer_range;
  const double scaled = range / std::sqrt(2.0 * static_cast<double>(c.n_layer));
  const auto init = [&](nn::Module& m, double s) {
    if (draw) normal_(m.parameter("weight").data, 0.0, s, gen);
    char note[96];
    std::snprintf(note, sizeof note, "transformers _init_weights: normal(0, %g)", s);
    m.note_init("weight", note, s);
  };
  init(*wte, range);
  init(*wpe, range);
  for (const auto& [c_attn, attn_proj, c_fc, mlp_proj] : blocks) {
    init(*c_attn, range);
    init(*attn_proj, range);
    init(*attn_proj, scaled);  // GPT2Attention visited after its children: c_proj rescaled
    init(*c_fc, range);
    init(*mlp_proj, range);
    init(*mlp_proj, scaled);  // GPT2MLP likewise
  }
  for (auto& [name, m] : transformer->named_modules()) {
    if (m->has_parameter("bias")) m->note_init("bias", "transformers _init_weights: zeros", 0.0);
    if (m->type_name() == "LayerNorm") {
      m->note_init("weight", "transformers _init_weights: ones", std::nan(""));
    }
  }
  // The head: built after the base model's init, drawn, then tied to wte (dropped here).
  nn::Linear lm_head(d, c.vocab_size, false, gen);
  if (draw) normal_(lm_head.weight(), 0.0, range, gen);
  return net;
}

std::int64_t gpt2_parameter_count(std::int64_t n_layer, std::int64_t n_embd,
                                  std::int64_t vocab_size, std::int64_t block_size) {
  const std::int64_t d = n_embd;
  return vocab_size * d + block_size * d + n_layer * (12 * d * d + 13 * d) + 2 * d;
}

}  // namespace weightinit::models
