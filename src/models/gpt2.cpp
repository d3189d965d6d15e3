// SPDX-License-Identifier: MIT
// GPT-2's shape with nanoGPT's module names (model.py: GPT, Block, CausalSelfAttention, MLP).
#include "weightinit/models/gpt2.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <vector>

#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/transformers_conv1d.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

std::shared_ptr<nn::Module> make_gpt2(std::int64_t n_layer, std::int64_t n_embd, Generator& gen,
                                      std::int64_t vocab_size, std::int64_t block_size) {
  WEIGHTINIT_CHECK(n_layer >= 1 && n_embd >= 1 && vocab_size >= 1 && block_size >= 1, ValueError,
                   "GPT-2 sizes must be positive, but got n_layer ", n_layer, ", n_embd ", n_embd,
                   ", vocab ", vocab_size, ", block ", block_size);
  auto net = detail::container("GPT");
  auto transformer = detail::container("ModuleDict");
  transformer->register_module(
      "wte", std::make_shared<nn::Embedding>(vocab_size, n_embd, std::nullopt, gen));
  transformer->register_module(
      "wpe", std::make_shared<nn::Embedding>(block_size, n_embd, std::nullopt, gen));
  transformer->register_module("drop", std::make_shared<nn::Dropout>(0.0));
  auto h = detail::container("ModuleList");
  for (std::int64_t i = 0; i < n_layer; ++i) {
    auto block = detail::container("Block");
    block->register_module("ln_1", std::make_shared<nn::LayerNorm>(Shape{n_embd}));
    auto attn = detail::container("CausalSelfAttention");
    attn->register_module("c_attn", std::make_shared<nn::Linear>(n_embd, 3 * n_embd, true, gen));
    attn->register_module("c_proj", std::make_shared<nn::Linear>(n_embd, n_embd, true, gen));
    block->register_module("attn", attn);
    block->register_module("ln_2", std::make_shared<nn::LayerNorm>(Shape{n_embd}));
    auto mlp = detail::container("MLP");
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
