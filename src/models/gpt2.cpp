// SPDX-License-Identifier: MIT
// GPT-2's shape with nanoGPT's module names (model.py: GPT, Block, CausalSelfAttention, MLP).
#include "weightinit/models/gpt2.h"

#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/embedding.h"

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

std::int64_t gpt2_parameter_count(std::int64_t n_layer, std::int64_t n_embd,
                                  std::int64_t vocab_size, std::int64_t block_size) {
  const std::int64_t d = n_embd;
  return vocab_size * d + block_size * d + n_layer * (12 * d * d + 13 * d) + 2 * d;
}

}  // namespace weightinit::models
