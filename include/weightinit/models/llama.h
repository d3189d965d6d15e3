// SPDX-License-Identifier: MIT
// LLaMA-style decoder-only transformers with Hugging Face's LlamaForCausalLM parameter names.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// The shape of a LLaMA-style model (Touvron et al. 2023, "LLaMA: Open and Efficient Foundation
/// Language Models"), with Hugging Face LlamaConfig's meaning: RMSNorm before attention and
/// MLP, SwiGLU MLP (Shazeer 2020), grouped-query attention (Ainslie et al. 2023) when
/// n_kv_heads < n_heads, no biases anywhere.
struct LlamaConfig {
  std::int64_t vocab_size = 32000;  ///< vocab_size
  std::int64_t d_model = 4096;      ///< hidden_size
  std::int64_t n_layers = 32;       ///< num_hidden_layers
  std::int64_t n_heads = 32;        ///< num_attention_heads
  std::int64_t n_kv_heads = 32;     ///< num_key_value_heads (= n_heads: multi-head attention)
  std::int64_t ffn_dim = 11008;     ///< intermediate_size
  /// tie_word_embeddings: the head shares embed_tokens.weight, so lm_head.weight is not a
  /// parameter of its own (torch's named_parameters() lists a shared tensor once).
  bool tied = false;
  double rms_norm_eps = 1e-6;                   ///< rms_norm_eps (no effect on init)
  std::int64_t max_position_embeddings = 2048;  ///< the context: the input size (ids)
  double rope_theta = 10000.0;                  ///< rope_theta (no effect on init)
  double initializer_range = 0.02;              ///< initializer_range: _init_weights' std
  /// Build as `LlamaForCausalLM(config)` in Hugging Face transformers does, its own init
  /// included (see make_llama): the bytes of `torch.manual_seed(s); LlamaForCausalLM(config)`.
  bool transformers_init = false;

  std::int64_t head_dim() const { return d_model / n_heads; }
  /// Rows of k_proj and v_proj: n_kv_heads · head_dim.
  std::int64_t kv_dim() const { return n_kv_heads * head_dim(); }
};

/// A preset by name:
///   7b   LLaMA-1 / LLaMA-2 7B: vocab 32000, d 4096, 32 layers, 32 heads, 32 kv heads, ffn 11008,
///        untied: 6,738,415,616 parameters
///   1b   TinyLlama-1.1B's shape: vocab 32000, d 2048, 22 layers, 32 heads, 4 kv heads, ffn 5632,
///        untied: 1,100,048,384 parameters
/// and `7b-tied`, `1b-tied`: the same with the head tied to embed_tokens (vocab · d fewer).
/// Throws ValueError for another name, listing these.
LlamaConfig llama_preset(std::string_view name);

/// Throws ValueError unless every size is positive, n_heads divides d_model and n_kv_heads
/// divides n_heads (as Hugging Face's attention requires).
void check_llama_config(const LlamaConfig& config);

/// The number of parameters make_llama builds, without building it:
///   V·d (embed_tokens) + L·(2·d² + 2·kv·d + 3·F·d + 2·d) + d (norm) + V·d (lm_head, untied)
/// with V vocab, d d_model, L layers, kv = kv_dim(), F ffn_dim. Checks the config.
std::int64_t llama_parameter_count(const LlamaConfig& config);

/// LlamaForCausalLM's module tree and parameters, in Hugging Face's registration order:
///   model.embed_tokens.weight                          (vocab, d)          Embedding
///   model.layers.{i}.self_attn.q_proj.weight           (d, d)              Linear, no bias
///   model.layers.{i}.self_attn.k_proj.weight           (kv, d)
///   model.layers.{i}.self_attn.v_proj.weight           (kv, d)
///   model.layers.{i}.self_attn.o_proj.weight           (d, d)
///   model.layers.{i}.mlp.gate_proj.weight              (ffn, d)
///   model.layers.{i}.mlp.up_proj.weight                (ffn, d)
///   model.layers.{i}.mlp.down_proj.weight              (d, ffn)
///   model.layers.{i}.input_layernorm.weight            (d)                 RMSNorm, ones
///   model.layers.{i}.post_attention_layernorm.weight   (d)                 RMSNorm, ones
///   model.norm.weight                                  (d)                 RMSNorm, ones
///   lm_head.weight                                     (vocab, d)          Linear, no bias
/// (LlamaDecoderLayer registers self_attn, mlp, input_layernorm, post_attention_layernorm;
/// LlamaModel embed_tokens, layers, norm; LlamaForCausalLM model, lm_head). With
/// config.tied there is no lm_head: the head is embed_tokens.weight. Module types are Hugging
/// Face's class names (LlamaForCausalLM, LlamaModel, LlamaDecoderLayer, LlamaAttention,
/// LlamaMLP with its parameterless act_fn "SiLU") except the norms, weightinit's "RMSNorm"
/// (LlamaRMSNorm); the rotary embedding (no parameters, a non-persistent buffer) is left out.
/// Constructors' draws only, in that order (Embedding N(0, 1), Linear kaiming_uniform(a=√5));
/// the `llama` policy is the Hugging Face init. Forward and backward as transformers'
/// (eager attention, no cache, no dropout): token ids (B, T) → logits (B, T, vocab), with the
/// rotary embedding of q and k (rope_theta), grouped key/value heads, SwiGLU, RMSNorm, and the
/// tied head's gradient added into embed_tokens'. Checks the config.
///
/// With config.transformers_init the constructor runs what transformers 5.25's
/// LlamaForCausalLM(config) runs (verified bit for bit against it, tests/io/check_hf_llama.py):
/// LlamaModel's constructor draws, then its post_init — `_init_weights` over the modules in
/// post-order: embed_tokens and every Linear N(0, initializer_range), RMSNorm 1 — then lm_head
/// is built (kaiming_uniform) and initialized N(0, initializer_range). With tied embeddings the
/// head is still built and drawn, then dropped, as transformers ties it to embed_tokens. Each
/// parameter's note says "transformers _init_weights", which the `hf` policy checks.
std::shared_ptr<nn::Module> make_llama(const LlamaConfig& config, Generator& gen);

}  // namespace weightinit::models
