// SPDX-License-Identifier: MIT
// Transformers shaped like GPT-2 (small, medium, large, xl), with nanoGPT's parameter names.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// GPT-2's shape (Radford et al. 2019, "Language Models are Unsupervised Multitask
/// Learners") with nanoGPT's names: transformer.wte (vocab × d), transformer.wpe (block × d),
/// transformer.h.N.{ln_1, attn.c_attn (3d × d), attn.c_proj, ln_2, mlp.c_fc (4d × d),
/// mlp.c_proj}, transformer.ln_f; Linear and LayerNorm with biases. The language-model head
/// is tied to wte in GPT-2 and is left out, so the parameters are the model's unique ones:
/// GPT-2 small (12 layers, 12 heads, d 768, vocab 50257, block 1024) has 124,439,808.
/// Constructors' draws only (Embedding N(0, 1), Linear defaults); the `gpt2` policy is the
/// GPT-2 init. Forward and backward as nanoGPT's (dropout 0, exact GELU): token ids (B, T) of
/// int64 (or integral floats) → logits (B, T, vocab) through the head tied to wte, whose
/// gradient adds into wte's. n_head 0 means n_embd / 64 (GPT-2's 64-wide heads).
std::shared_ptr<nn::Module> make_gpt2(std::int64_t n_layer, std::int64_t n_embd, Generator& gen,
                                      std::int64_t vocab_size = 50257,
                                      std::int64_t block_size = 1024, std::int64_t n_head = 0);

/// GPT2Config's shape (the fields Hugging Face transformers' GPT2Config names so).
struct Gpt2Config {
  std::int64_t n_layer = 12;
  std::int64_t n_embd = 768;
  std::int64_t n_head = 12;
  std::int64_t vocab_size = 50257;
  std::int64_t n_positions = 1024;
  double initializer_range = 0.02;
  double layer_norm_epsilon = 1e-5;
};

/// A preset by name: small (12 layers, d 768, 12 heads), medium (24, 1024, 16), large (36,
/// 1280, 20), xl (48, 1600, 25); vocab 50257, 1024 positions. ValueError otherwise.
Gpt2Config gpt2_preset(std::string_view name);

/// GPT2LMHeadModel as transformers 5.25.0 builds it, its own init included: the bytes of
/// `torch.manual_seed(s); GPT2LMHeadModel(config)` (tests/io/check_hf_checkpoints.py). Names
/// and shapes are transformers': transformer.wte (vocab × d), transformer.wpe (positions × d),
/// transformer.h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj} with
/// Conv1D weights stored (in, out) (nn::TransformersConv1D), transformer.ln_f; the head is tied
/// to wte and left out of the parameters. The draws, in order: wte and wpe N(0, 1), each
/// Conv1D's weight N(0, 0.02) in its constructor; then GPT2Model's post_init, in post-order:
/// wte, wpe N(0, initializer_range); per block c_attn, attn.c_proj N(0, initializer_range),
/// attn.c_proj again N(0, initializer_range/√(2·n_layer)) when the attention module is visited,
/// c_fc, mlp.c_proj N(0, initializer_range), mlp.c_proj again scaled; then lm_head built
/// (kaiming_uniform) and drawn N(0, initializer_range), both dropped by the tie. LayerNorms
/// 1/0 and biases 0 draw nothing. Each parameter's note says "transformers ...", which the `hf`
/// policy checks.
std::shared_ptr<nn::Module> make_gpt2_transformers(const Gpt2Config& config, Generator& gen);

/// The number of parameters make_gpt2 builds, without building it:
///   vocab·d (wte) + block·d (wpe) + n_layer·(12·d² + 13·d) + 2·d (ln_f),
/// a block being ln_1 2d, c_attn 3d² + 3d, c_proj d² + d, ln_2 2d, c_fc 4d² + 4d, c_proj 4d² + d.
/// GPT-2's four sizes (`gpt2:small|medium|large|xl` in build_model): 12 layers × d 768:
/// 124,439,808; 24 × 1024: 354,823,168; 36 × 1280: 774,030,080; 48 × 1600: 1,557,611,200.
std::int64_t gpt2_parameter_count(std::int64_t n_layer, std::int64_t n_embd,
                                  std::int64_t vocab_size = 50257, std::int64_t block_size = 1024);

}  // namespace weightinit::models
