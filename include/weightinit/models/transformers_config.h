// SPDX-License-Identifier: MIT
// The config files Hugging Face transformers needs beside the weights to load a model:
// AutoModelForCausalLM.from_pretrained(DIR) reads config.json (and generation_config.json).
#pragma once

#include <string>
#include <string_view>

#include "weightinit/models/gpt2.h"
#include "weightinit/models/llama.h"

namespace weightinit::models {

/// The transformers version whose saved config format and whose init the `hf` policy follows
/// (tests/io/check_hf_llama.py checks the installed one).
inline constexpr std::string_view kTransformersVersion = "5.25.0";

/// config.json for `config` as transformers 5.25.0's `LlamaForCausalLM.save_pretrained` writes it
/// (architectures, model_type "llama", the sizes, head_dim, rms_norm_eps, rope_parameters,
/// initializer_range, tie_word_embeddings, bos/eos ids 1 and 2, ...), with `dtype` the stored
/// float type ("float32", "bfloat16" or "float16"): keys sorted, two-space indent.
std::string transformers_config_json(const LlamaConfig& config, std::string_view dtype);

/// config.json for `config` as transformers 5.25.0's `GPT2LMHeadModel.save_pretrained` writes
/// it (model_type "gpt2", n_layer, n_embd, n_head, n_positions, vocab_size, tied embeddings,
/// bos/eos 50256, the dropouts and GELU of GPT-2), `dtype` as above.
std::string transformers_config_json(const Gpt2Config& config, std::string_view dtype);

/// generation_config.json as save_pretrained writes it for a fresh model with these token ids
/// (LLaMA: 1 and 2; GPT-2: 50256 and 50256).
std::string transformers_generation_config_json(int bos_token_id, int eos_token_id);

}  // namespace weightinit::models
