// SPDX-License-Identifier: MIT
// LLaMA's shape with Hugging Face's module names (transformers/models/llama/modeling_llama.py:
// LlamaForCausalLM, LlamaModel, LlamaDecoderLayer, LlamaAttention, LlamaMLP, LlamaRMSNorm).
#include "weightinit/models/llama.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

LlamaConfig llama_preset(std::string_view name) {
  LlamaConfig c;  // the defaults are LLaMA 7B's
  std::string_view base = name;
  constexpr std::string_view tied_suffix = "-tied";
  if (base.size() > tied_suffix.size() &&
      base.substr(base.size() - tied_suffix.size()) == tied_suffix) {
    c.tied = true;
    base.remove_suffix(tied_suffix.size());
  }
  if (base == "7b") return c;  // huggyllama/llama-7b, meta-llama/Llama-2-7b-hf
  if (base == "1b") {
    // TinyLlama/TinyLlama-1.1B (config.json): LLaMA-2's architecture, 4 key/value heads.
    c.d_model = 2048;
    c.n_layers = 22;
    c.n_heads = 32;
    c.n_kv_heads = 4;
    c.ffn_dim = 5632;
    c.rms_norm_eps = 1e-5;
    return c;
  }
  throw ValueError(weightinit::detail::concat("unknown LLaMA preset '", name,
                                              "': known presets are 7b, 1b, 7b-tied and 1b-tied"));
}

void check_llama_config(const LlamaConfig& c) {
  WEIGHTINIT_CHECK(c.vocab_size >= 1 && c.d_model >= 1 && c.n_layers >= 1 && c.n_heads >= 1 &&
                       c.n_kv_heads >= 1 && c.ffn_dim >= 1,
                   ValueError, "LLaMA sizes must be positive, but got vocab ", c.vocab_size, ", d ",
                   c.d_model, ", layers ", c.n_layers, ", heads ", c.n_heads, ", kv_heads ",
                   c.n_kv_heads, ", ffn ", c.ffn_dim);
  WEIGHTINIT_CHECK(c.d_model % c.n_heads == 0, ValueError, "LLaMA: d ", c.d_model,
                   " is not divisible by heads ", c.n_heads);
  WEIGHTINIT_CHECK(c.n_heads % c.n_kv_heads == 0, ValueError, "LLaMA: heads ", c.n_heads,
                   " is not divisible by kv_heads ", c.n_kv_heads,
                   " (each key/value head serves heads / kv_heads query heads)");
}

std::int64_t llama_parameter_count(const LlamaConfig& c) {
  check_llama_config(c);
  const std::int64_t d = c.d_model, kv = c.kv_dim(), f = c.ffn_dim, v = c.vocab_size;
  const std::int64_t attention = d * d + kv * d + kv * d + d * d;  // q, k, v, o
  const std::int64_t mlp = 3 * f * d;                              // gate, up, down
  const std::int64_t norms = 2 * d;                                // input, post_attention
  return v * d + c.n_layers * (attention + mlp + norms) + d + (c.tied ? 0 : v * d);
}

namespace {

/// LlamaPreTrainedModel._init_weights over `root`'s modules in post-order (children first, as
/// transformers' init pass walks them): Linear and Embedding weights N(0, initializer_range),
/// RMSNorm weights 1 (already so: no draw). A deferred build that does not record its draws
/// skips them, like every constructor draw, and keeps the notes.
void transformers_init_weights(nn::Module& root, const LlamaConfig& c, Generator& gen) {
  const bool draw = constructors_draw();
  char note[96];
  std::snprintf(note, sizeof note, "transformers _init_weights: normal(0, %g)",
                c.initializer_range);
  std::vector<std::pair<std::string, nn::Module*>> modules = root.named_modules();
  // named_modules() is pre-order; the leaves (the only modules with parameters here) come in
  // the same order either way.
  for (auto& [name, m] : modules) {
    const std::string type = m->type_name();
    if (type == "Linear" || type == "Embedding") {
      if (draw) normal_(m->parameter("weight").data, 0.0, c.initializer_range, gen);
      m->note_init("weight", note, c.initializer_range);
    } else if (type == "RMSNorm") {
      m->note_init("weight", "transformers _init_weights: ones", std::nan(""));
    }
  }
}

}  // namespace

std::shared_ptr<nn::Module> make_llama(const LlamaConfig& c, Generator& gen) {
  check_llama_config(c);
  const std::int64_t d = c.d_model, kv = c.kv_dim(), f = c.ffn_dim;
  auto net = detail::container("LlamaForCausalLM");
  auto model = detail::container("LlamaModel");
  model->register_module("embed_tokens",
                         std::make_shared<nn::Embedding>(c.vocab_size, d, std::nullopt, gen));
  auto layers = detail::container("ModuleList");
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    auto layer = detail::container("LlamaDecoderLayer");
    auto attn = detail::container("LlamaAttention");
    attn->register_module("q_proj", std::make_shared<nn::Linear>(d, d, false, gen));
    attn->register_module("k_proj", std::make_shared<nn::Linear>(d, kv, false, gen));
    attn->register_module("v_proj", std::make_shared<nn::Linear>(d, kv, false, gen));
    attn->register_module("o_proj", std::make_shared<nn::Linear>(d, d, false, gen));
    layer->register_module("self_attn", attn);
    auto mlp = detail::container("LlamaMLP");
    mlp->register_module("gate_proj", std::make_shared<nn::Linear>(d, f, false, gen));
    mlp->register_module("up_proj", std::make_shared<nn::Linear>(d, f, false, gen));
    mlp->register_module("down_proj", std::make_shared<nn::Linear>(f, d, false, gen));
    mlp->register_module("act_fn", detail::container("SiLU"));  // no parameters
    layer->register_module("mlp", mlp);
    layer->register_module("input_layernorm", std::make_shared<nn::RMSNorm>(d, c.rms_norm_eps));
    layer->register_module("post_attention_layernorm",
                           std::make_shared<nn::RMSNorm>(d, c.rms_norm_eps));
    layers->register_module(std::to_string(i), layer);
  }
  model->register_module("layers", layers);
  model->register_module("norm", std::make_shared<nn::RMSNorm>(d, c.rms_norm_eps));
  net->register_module("model", model);
  if (c.transformers_init) transformers_init_weights(*model, c, gen);  // LlamaModel.post_init()
  auto lm_head = std::make_shared<nn::Linear>(d, c.vocab_size, false, gen);
  if (c.transformers_init) transformers_init_weights(*lm_head, c, gen);  // the head's post_init
  // Tied: transformers builds and draws the head too, then ties it to embed_tokens.
  if (!c.tied) net->register_module("lm_head", lm_head);
  return net;
}

}  // namespace weightinit::models
