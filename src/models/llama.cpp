// SPDX-License-Identifier: MIT
// LLaMA's shape with Hugging Face's module names (transformers/models/llama/modeling_llama.py:
// LlamaForCausalLM, LlamaModel, LlamaDecoderLayer, LlamaAttention, LlamaMLP, LlamaRMSNorm).
#include "weightinit/models/llama.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "models/transformer_parts.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/functional.h"
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

namespace {

/// (B, KV, T, D) → (B, KV·rep, T, D): query head h uses key/value head h / rep (transformers'
/// repeat_kv).
Tensor repeat_kv(const Tensor& x, std::int64_t rep) {
  if (rep == 1) return x;
  const std::int64_t b = x.size(0), kv = x.size(1);
  std::vector<Tensor> heads;
  for (std::int64_t i = 0; i < b; ++i) {
    for (std::int64_t h = 0; h < kv; ++h) {
      for (std::int64_t r = 0; r < rep; ++r)
        heads.push_back(x.slice(0, i, i + 1).slice(1, h, h + 1));
    }
  }
  Shape sizes = x.sizes();
  sizes[1] = kv * rep;
  return nn::functional::cat(heads, 1).view({b, kv * rep, sizes[2], sizes[3]});
}

/// The adjoint of repeat_kv: each key/value head's gradient sums its `rep` query heads'.
Tensor sum_repeated_kv(const Tensor& g, std::int64_t rep) {
  if (rep == 1) return g;
  const std::int64_t b = g.size(0), kv = g.size(1) / rep;
  std::vector<Tensor> heads;
  for (std::int64_t i = 0; i < b; ++i) {
    for (std::int64_t h = 0; h < kv; ++h) {
      Tensor sum = g.slice(0, i, i + 1).slice(1, h * rep, h * rep + 1).contiguous();
      for (std::int64_t r = 1; r < rep; ++r) {
        sum = nn::functional::add(sum, g.slice(0, i, i + 1).slice(1, h * rep + r, h * rep + r + 1));
      }
      heads.push_back(sum);
    }
  }
  return nn::functional::cat(heads, 1).view({b, kv, g.size(2), g.size(3)});
}

/// transformers' LlamaAttention (eager, no dropout, no cache): q, k, v projections, rotary
/// embedding of q and k (positions 0..T−1), grouped key/value heads, causal attention, o_proj.
class LlamaAttention final : public nn::Module {
 public:
  LlamaAttention(std::int64_t heads, std::int64_t kv_heads, double rope_theta)
      : heads_(heads), kv_heads_(kv_heads), theta_(rope_theta) {}
  std::string type_name() const override { return "LlamaAttention"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 3, ShapeError,
                     "LlamaAttention: expected input of shape (batch, length, hidden_size), but "
                     "got ",
                     shape_str(input.sizes()));
    namespace F = nn::functional;
    const Tensor q =
        F::rotary_embedding(detail::split_heads((*child("q_proj"))(input), heads_), theta_);
    const Tensor k =
        F::rotary_embedding(detail::split_heads((*child("k_proj"))(input), kv_heads_), theta_);
    const Tensor v = detail::split_heads((*child("v_proj"))(input), kv_heads_);
    const std::int64_t rep = heads_ / kv_heads_;
    const Tensor kr = repeat_kv(k, rep), vr = repeat_kv(v, rep);
    if (nn::grad_enabled()) save_for_backward({q, kr, vr});
    return (*child("o_proj"))(detail::merge_heads(F::causal_attention(q, kr, vr)));
  }

  Tensor backward(const Tensor& grad_output) override {
    namespace F = nn::functional;
    const std::vector<Tensor> saved = pop_saved();
    const Tensor dy = child("o_proj")->backward(grad_output);
    const F::AttentionGrads g =
        F::causal_attention_backward(detail::split_heads(dy, heads_), saved[0], saved[1], saved[2]);
    const std::int64_t rep = heads_ / kv_heads_;
    const Tensor dq = F::rotary_embedding_backward(g.q, theta_);
    const Tensor dk = F::rotary_embedding_backward(sum_repeated_kv(g.k, rep), theta_);
    const Tensor dv = sum_repeated_kv(g.v, rep);
    Tensor dx = child("q_proj")->backward(detail::merge_heads(dq));
    dx = F::add(dx, child("k_proj")->backward(detail::merge_heads(dk)));
    return F::add(dx, child("v_proj")->backward(detail::merge_heads(dv)));
  }

 private:
  std::int64_t heads_, kv_heads_;
  double theta_;
};

/// transformers' LlamaMLP: down_proj(silu(gate_proj(x)) · up_proj(x)) (SwiGLU, Shazeer 2020).
class LlamaMlp final : public nn::Module {
 public:
  std::string type_name() const override { return "LlamaMLP"; }

  Tensor forward(const Tensor& input) override {
    namespace F = nn::functional;
    const Tensor gate = (*child("gate_proj"))(input);
    const Tensor up = (*child("up_proj"))(input);
    if (nn::grad_enabled()) save_for_backward({gate, up});
    return (*child("down_proj"))(F::mul(F::silu(gate), up));
  }

  Tensor backward(const Tensor& grad_output) override {
    namespace F = nn::functional;
    const std::vector<Tensor> saved = pop_saved();
    const Tensor& gate = saved[0];
    const Tensor& up = saved[1];
    const Tensor dh = child("down_proj")->backward(grad_output);
    const Tensor dgate = F::silu_backward(F::mul(dh, up), gate);
    const Tensor dup = F::mul(dh, F::silu(gate));
    // Backward pops each projection's own record: the order between them does not matter.
    return F::add(child("up_proj")->backward(dup), child("gate_proj")->backward(dgate));
  }
};

/// LlamaForCausalLM without a cache: token ids (B, T) → embed_tokens → the decoder layers →
/// norm → lm_head (or, tied, x·embed_tokens.weightᵀ, whose gradient adds into the embedding's).
class LlamaForCausalLM final : public nn::Module {
 public:
  explicit LlamaForCausalLM(bool tied) : tied_(tied) {}
  std::string type_name() const override { return "LlamaForCausalLM"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 2, ShapeError,
                     "LlamaForCausalLM: expected token ids of shape (batch, length), but got ",
                     shape_str(input.sizes()));
    Parts p = parts();
    Tensor x = (*p.embed)(input);
    for (nn::Module* layer : p.layers->children()) x = (*layer)(x);
    x = (*p.norm)(x);
    if (!tied_) return (*p.head)(x);
    if (nn::grad_enabled()) save_for_backward({x});
    return nn::functional::linear(x, p.embed->weight(), Tensor());
  }

  Tensor backward(const Tensor& grad_output) override {
    Parts p = parts();
    Tensor g;
    nn::functional::Grads head;
    if (tied_) {
      head =
          nn::functional::linear_backward(grad_output, pop_saved().at(0), p.embed->weight(), false);
      g = head.input;
    } else {
      g = p.head->backward(grad_output);
    }
    g = p.norm->backward(g);
    const auto layers = p.layers->children();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) g = (*it)->backward(g);
    p.embed->backward(g);
    nn::Parameter& w = p.embed->parameter("weight");
    if (tied_ && w.requires_grad) {
      w.grad = w.grad.defined() ? nn::functional::add(w.grad, head.weight) : head.weight;
    }
    return Tensor();  // token ids have no gradient
  }

 private:
  struct Parts {
    nn::Embedding* embed = nullptr;
    nn::Module* layers = nullptr;
    nn::Module* norm = nullptr;
    nn::Module* head = nullptr;
  };
  Parts parts() {
    Parts p;
    for (const auto& [name, m] : named_children()) {
      if (name == "lm_head") p.head = m;
      if (name != "model") continue;
      for (const auto& [inner, c] : m->named_children()) {
        if (inner == "embed_tokens") p.embed = dynamic_cast<nn::Embedding*>(c);
        if (inner == "layers") p.layers = c;
        if (inner == "norm") p.norm = c;
      }
    }
    return p;
  }
  bool tied_;
};

}  // namespace

std::shared_ptr<nn::Module> make_llama(const LlamaConfig& c, Generator& gen) {
  check_llama_config(c);
  const std::int64_t d = c.d_model, kv = c.kv_dim(), f = c.ffn_dim;
  auto net = std::make_shared<LlamaForCausalLM>(c.tied);
  auto model = detail::container("LlamaModel");
  model->register_module("embed_tokens",
                         std::make_shared<nn::Embedding>(c.vocab_size, d, std::nullopt, gen));
  auto layers = detail::container("ModuleList");
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    auto layer = std::make_shared<detail::PreNormBlock>(
        "LlamaDecoderLayer", "input_layernorm", "self_attn", "post_attention_layernorm", "mlp");
    auto attn = std::make_shared<LlamaAttention>(c.n_heads, c.n_kv_heads, c.rope_theta);
    attn->register_module("q_proj", std::make_shared<nn::Linear>(d, d, false, gen));
    attn->register_module("k_proj", std::make_shared<nn::Linear>(d, kv, false, gen));
    attn->register_module("v_proj", std::make_shared<nn::Linear>(d, kv, false, gen));
    attn->register_module("o_proj", std::make_shared<nn::Linear>(d, d, false, gen));
    layer->register_module("self_attn", attn);
    auto mlp = std::make_shared<LlamaMlp>();
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
