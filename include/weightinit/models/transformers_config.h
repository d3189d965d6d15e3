// SPDX-License-Identifier: MIT
// The config files Hugging Face transformers needs beside the weights to load a model:
// AutoModelForCausalLM.from_pretrained(DIR) reads config.json (and generation_config.json).
#pragma once

#include <string>
#include <string_view>

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

/// generation_config.json as save_pretrained writes it for a fresh LLaMA.
std::string transformers_generation_config_json();

}  // namespace weightinit::models
