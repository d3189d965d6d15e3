// SPDX-License-Identifier: MIT
// Models by name: the text form the CLI and later tools take (`c3d:101`, `mlp:784-256-10:relu`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/models/gpt2.h"
#include "weightinit/models/llama.h"
#include "weightinit/nn/module.h"

namespace weightinit::models {

/// A model built from its spec, with the input shape (without batch) it expects.
struct BuiltModel {
  std::shared_ptr<nn::Module> module;
  Shape input_size;
  /// Whether the model has a forward pass (summary, forward, train, probe need one). Every
  /// model build_model knows runs; transformers' GPT2LMHeadModel (BuildOptions) is built and
  /// initialized bit for bit but does not run yet.
  bool has_forward = true;
  /// For a model that takes token ids (GPT-2, LLaMA): the vocabulary size, ids in [0, token_vocab);
  /// input_size is then the sequence length. 0 for models that take float tensors.
  std::int64_t token_vocab = 0;
};

/// Builds a model from its spec, drawing from `gen` as PyTorch's constructors do:
///   seed-mlp                    seed document 004's network (input 3)
///   c3d[:NUM_CLASSES]           seed document 000's C3D, 101 classes by default (input
///   3,16,112,112) mlp:S0-S1-...-Sn[:ACT]      make_mlp; a size may repeat as [256x30]; ACT
///   defaults to relu
///   cnn[:C1-C2-HIDDEN]          make_small_cnn for 1x28x28 images, default cnn:16-32-128
///   cifar-resnetD[:norm=bn|none|fixup|rezero][,in_channels=C][,classes=K]  make_cifar_resnet
///                               (D = 6n + 2; also cifar-resnet-D; bn=true|false is norm=bn|none),
///                               input C,32,32
/// Throws ValueError for an unknown model, listing the known ones, or a malformed spec.
BuiltModel build_model(std::string_view spec, Generator& gen = default_generator());

/// How build_model builds.
struct BuildOptions {
  /// Build as Hugging Face transformers' own constructor does, its _init_weights included
  /// (LlamaConfig::transformers_init): the bytes of `torch.manual_seed(s); LlamaForCausalLM(
  /// config)`, and of `GPT2LMHeadModel(config)` for gpt2:... (then transformers' own GPT-2:
  /// Conv1D weights, tied head). Only these have it: ValueError for the others.
  bool transformers_init = false;
};
BuiltModel build_model(std::string_view spec, Generator& gen, const BuildOptions& options);

/// The LlamaConfig of a llama:... spec (a preset or custom sizes). ValueError otherwise.
LlamaConfig llama_config(std::string_view spec);

/// The Gpt2Config of a gpt2:... spec: a preset (small, medium, large, xl) or custom sizes
/// `gpt2:d=256,layers=2,heads=4[,vocab=V][,positions=P]` (vocab 50257, 1024 positions by
/// default). ValueError otherwise.
Gpt2Config gpt2_config(std::string_view spec);

/// One line per known model form, for help and error messages.
std::vector<std::string> known_models();

/// The concrete model names (resnet50, gpt2:small, llama:7b, ...), for "did you mean".
std::vector<std::string> model_names();

/// The built-in init policy that makes `spec` what its source library builds:
/// torchvision-resnet / -vgg / -densenet / -mobilenet for torchvision's models (their
/// constructors' init loops), cifar-resnet for the CIFAR ResNets (akamaster's _weights_init),
/// gpt2 for GPT-2, llama for LLaMA, torch-default otherwise (the layers' own reset_parameters();
/// also for cifar-resnet...:norm=fixup, whose constructor already runs Fixup's init). `weightinit
/// init MODEL` uses it when --policy is absent.
std::string default_policy(std::string_view spec);

}  // namespace weightinit::models
