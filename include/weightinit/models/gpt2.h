// SPDX-License-Identifier: MIT
// Transformers shaped like GPT-2 (small, medium, large, xl), with nanoGPT's parameter names.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// GPT-2's shape (Radford et al. 2019, "Language Models are Unsupervised Multitask
/// Learners") with nanoGPT's names: transformer.wte (vocab × d), transformer.wpe (block × d),
/// transformer.h.N.{ln_1, attn.c_attn (3d × d), attn.c_proj, ln_2, mlp.c_fc (4d × d),
/// mlp.c_proj}, transformer.ln_f; Linear and LayerNorm with biases. The language-model head
/// is tied to wte in GPT-2 and is left out, so the parameters are the model's unique ones:
/// GPT-2 small (12 layers, 12 heads, d 768, vocab 50257, block 1024) has 124,439,808.
/// Constructors' draws only (Embedding N(0, 1), Linear defaults); the `gpt2` policy is the
/// GPT-2 init. No forward pass.
std::shared_ptr<nn::Module> make_gpt2(std::int64_t n_layer, std::int64_t n_embd, Generator& gen,
                                      std::int64_t vocab_size = 50257,
                                      std::int64_t block_size = 1024);

/// The number of parameters make_gpt2 builds, without building it:
///   vocab·d (wte) + block·d (wpe) + n_layer·(12·d² + 13·d) + 2·d (ln_f),
/// a block being ln_1 2d, c_attn 3d² + 3d, c_proj d² + d, ln_2 2d, c_fc 4d² + 4d, c_proj 4d² + d.
/// GPT-2's four sizes (`gpt2:small|medium|large|xl` in build_model): 12 layers × d 768:
/// 124,439,808; 24 × 1024: 354,823,168; 36 × 1280: 774,030,080; 48 × 1600: 1,557,611,200.
std::int64_t gpt2_parameter_count(std::int64_t n_layer, std::int64_t n_embd,
                                  std::int64_t vocab_size = 50257, std::int64_t block_size = 1024);

}  // namespace weightinit::models
