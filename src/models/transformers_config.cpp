// SPDX-License-Identifier: MIT
// config.json / generation_config.json as transformers' save_pretrained writes them.
#include "weightinit/models/transformers_config.h"

#include <nlohmann/json.hpp>

namespace weightinit::models {

std::string transformers_config_json(const LlamaConfig& c, std::string_view dtype) {
  check_llama_config(c);
  nlohmann::json j;  // an object keeps its keys sorted, as save_pretrained's sort_keys
  j["architectures"] = {"LlamaForCausalLM"};
  j["attention_bias"] = false;
  j["attention_dropout"] = 0.0;
  j["bos_token_id"] = 1;
  j["dtype"] = dtype;
  j["eos_token_id"] = 2;
  j["head_dim"] = c.head_dim();
  j["hidden_act"] = "silu";
  j["hidden_size"] = c.d_model;
  j["initializer_range"] = c.initializer_range;
  j["intermediate_size"] = c.ffn_dim;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["mlp_bias"] = false;
  j["model_type"] = "llama";
  j["num_attention_heads"] = c.n_heads;
  j["num_hidden_layers"] = c.n_layers;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["pad_token_id"] = nullptr;
  j["pretraining_tp"] = 1;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_parameters"] = {{"rope_theta", c.rope_theta}, {"rope_type", "default"}};
  j["tie_word_embeddings"] = c.tied;
  j["transformers_version"] = kTransformersVersion;
  j["use_cache"] = true;
  j["vocab_size"] = c.vocab_size;
  return j.dump(2) + "\n";
}

std::string transformers_config_json(const Gpt2Config& c, std::string_view dtype) {
  nlohmann::json j;
  j["activation_function"] = "gelu_new";
  j["add_cross_attention"] = false;
  j["architectures"] = {"GPT2LMHeadModel"};
  j["attn_pdrop"] = 0.1;
  j["bos_token_id"] = 50256;
  j["dtype"] = dtype;
  j["embd_pdrop"] = 0.1;
  j["eos_token_id"] = 50256;
  j["initializer_range"] = c.initializer_range;
  j["layer_norm_epsilon"] = c.layer_norm_epsilon;
  j["model_type"] = "gpt2";
  j["n_embd"] = c.n_embd;
  j["n_head"] = c.n_head;
  j["n_inner"] = nullptr;
  j["n_layer"] = c.n_layer;
  j["n_positions"] = c.n_positions;
  j["pad_token_id"] = nullptr;
  j["reorder_and_upcast_attn"] = false;
  j["resid_pdrop"] = 0.1;
  j["scale_attn_by_inverse_layer_idx"] = false;
  j["scale_attn_weights"] = true;
  j["summary_activation"] = nullptr;
  j["summary_first_dropout"] = 0.1;
  j["summary_proj_to_labels"] = true;
  j["summary_type"] = "cls_index";
  j["summary_use_proj"] = true;
  j["tie_word_embeddings"] = true;
  j["transformers_version"] = kTransformersVersion;
  j["use_cache"] = true;
  j["vocab_size"] = c.vocab_size;
  return j.dump(2) + "\n";
}

std::string transformers_generation_config_json(int bos_token_id, int eos_token_id) {
  nlohmann::json j;
  j["_from_model_config"] = true;
  j["bos_token_id"] = bos_token_id;
  j["eos_token_id"] = eos_token_id;
  j["output_attentions"] = false;
  j["output_hidden_states"] = false;
  j["transformers_version"] = kTransformersVersion;
  j["use_cache"] = true;
  return j.dump(2) + "\n";
}

}  // namespace weightinit::models
