// SPDX-License-Identifier: MIT
// The built-in init policies: published recipes (torchvision's model init loops, seed 001's
// ResNeXt / DenseNet / WRN recipes, seed 000's C3D, Keras' defaults, GPT-2, LLaMA) as policy
// text.
#include <regex>
#include <set>

#include "detail/text.h"
#include "weightinit/recipes/policy.h"

namespace weightinit::recipes {

namespace {

// Each text is what a user would write in a policy file. Order matters only where rules
// overlap: the first match wins.

constexpr const char* kTorchDefault =
    R"(# The layers' own reset_parameters(), as built: nothing is redrawn.
*: default
)";

// torchvision/models/resnet.py (0.14), ResNet.__init__:
//   Conv2d: kaiming_normal_(mode="fan_out", nonlinearity="relu");
//   BatchNorm2d/GroupNorm: constant_(weight, 1), constant_(bias, 0); fc keeps Linear's default.
constexpr const char* kTorchvisionResnet =
    R"(Conv2d.weight: kaiming_normal(mode=fan_out, nonlinearity=relu)
BatchNorm2d.weight: constant(val=1)
BatchNorm2d.bias: constant(val=0)
GroupNorm.weight: constant(val=1)
GroupNorm.bias: constant(val=0)
Linear: default
)";

// akamaster/pytorch_resnet_cifar10 resnet.py, ResNet.__init__'s self.apply(_weights_init):
//   kaiming_normal_ with its defaults (fan_in, leaky_relu with a=0: gain sqrt(2)) on every
//   Conv2d and Linear weight; the Linear bias and BatchNorm keep their defaults.
constexpr const char* kCifarResnet = R"(Conv2d.weight: kaiming_normal
Linear.weight: kaiming_normal
*: default
)";

// torchvision/models/vgg.py (0.14), VGG.__init__ (init_weights=True).
constexpr const char* kTorchvisionVgg =
    R"(Conv2d.weight: kaiming_normal(mode=fan_out, nonlinearity=relu)
Conv2d.bias: constant(val=0)
BatchNorm2d.weight: constant(val=1)
BatchNorm2d.bias: constant(val=0)
Linear.weight: normal(mean=0, std=0.01)
Linear.bias: constant(val=0)
)";

// torchvision/models/densenet.py (0.14), DenseNet.__init__: kaiming_normal_ with its
// defaults (fan_in, leaky_relu with a=0: gain sqrt(2)); the classifier keeps Linear's weight.
constexpr const char* kTorchvisionDensenet = R"(Conv2d.weight: kaiming_normal
BatchNorm2d.weight: constant(val=1)
BatchNorm2d.bias: constant(val=0)
Linear.bias: constant(val=0)
Linear.weight: default
)";

// torchvision/models/mobilenetv2.py (0.14), MobileNetV2.__init__.
constexpr const char* kTorchvisionMobilenet = R"(Conv2d.weight: kaiming_normal(mode=fan_out)
Conv2d.bias: zeros
BatchNorm2d.weight: ones
BatchNorm2d.bias: zeros
GroupNorm.weight: ones
GroupNorm.bias: zeros
Linear.weight: normal(mean=0, std=0.01)
Linear.bias: zeros
)";

// torchvision/models/vision_transformer.py (0.14; 0.29 the same), VisionTransformer.__init__'s
// own init, after its modules' constructors (which weightinit's builder replays, MLPBlock's and
// MultiheadAttention's redraws included): the patchify stem trunc_normal_(std=sqrt(1 / fan_in))
// with bias 0, and heads.head 0 (Dosovitskiy et al. 2021).
constexpr const char* kTorchvisionVit =
    R"(conv_proj.weight: trunc_normal(mean=0, std=sqrt(1 / fan_in), a=-2, b=2)
conv_proj.bias: zeros
heads.head.weight: zeros
heads.head.bias: zeros
*: default
)";

// torchvision/models/swin_transformer.py (0.14; 0.29 the same), SwinTransformer.__init__: every
// nn.Linear (modules() order) trunc_normal_(std=0.02) with bias 0 (Liu et al. 2021); the rest
// keeps its constructor's init (relative_position_bias_table's trunc_normal_(std=0.02) included).
constexpr const char* kTorchvisionSwin =
    R"(Linear.weight: trunc_normal(mean=0, std=0.02, a=-2, b=2)
Linear.bias: zeros
*: default
)";

// torchvision/models/efficientnet.py (0.14), EfficientNet.__init__: the Linear's range is
// 1/sqrt(out_features), in double as Python computes it.
constexpr const char* kTorchvisionEfficientnet = R"(Conv2d.weight: kaiming_normal(mode=fan_out)
Conv2d.bias: zeros
BatchNorm2d.weight: ones
BatchNorm2d.bias: zeros
Linear.weight: uniform(a=-1 / sqrt(out), b=1 / sqrt(out))
Linear.bias: zeros
)";

// torchvision/models/regnet.py (0.14), RegNet.__init__: conv N(0, sqrt(2 / fan_out)) with
// fan_out = kH*kW*out_channels (math.sqrt(2.0 / fan_out), not kaiming's gain / sqrt(fan_out));
// the SqueezeExcitation convs' biases keep their constructor draws.
constexpr const char* kTorchvisionRegnet = R"(Conv2d.weight: normal(mean=0, std=sqrt(2 / (k * out)))
Conv2d.bias: default
BatchNorm2d.weight: ones
BatchNorm2d.bias: zeros
Linear.weight: normal(mean=0, std=0.01)
Linear.bias: zeros
)";

// torchvision/models/convnext.py (0.14), ConvNeXt.__init__: trunc_normal_(std=0.02) for every
// Conv2d and Linear weight, biases 0; the LayerNorms and each CNBlock's layer_scale keep theirs.
constexpr const char* kTorchvisionConvnext = R"(Conv2d.weight: trunc_normal(std=0.02)
Conv2d.bias: zeros
Linear.weight: trunc_normal(std=0.02)
Linear.bias: zeros
*: default
)";

// Seed 001, prlz77/ResNeXt.pytorch models/model.py: the classifier kaiming_normal (fan_in),
// then over state_dict keys: '*conv*' weights kaiming_normal fan_out, '*bn*' weights 1,
// every bias 0.
constexpr const char* kResnextFb = R"(classifier.weight: kaiming_normal
*conv*.weight: kaiming_normal(mode=fan_out)
*bn*.weight: constant(val=1)
bias: constant(val=0)
*: default
)";

// Seed 001, facebookresearch/ResNeXt resnext.lua and bamos/densenet.pytorch:
// conv n = kW*kH*nOutputPlane, weight ~ normal(0, sqrt(2/n)), bias 0; BN 1/0; Linear bias 0.
constexpr const char* kDensenetLua = R"(Conv*.weight: normal(mean=0, std=sqrt(2 / (k * out)))
Conv*.bias: zeros
BatchNorm*.weight: ones
BatchNorm*.bias: zeros
Linear.bias: zeros
Linear.weight: default
)";

// Seed 001, szagoruyko/wide-residual-networks utils.lua (MSRinit):
// conv n = kW*kH*nInputPlane, weight ~ normal(0, sqrt(2/n)), bias 0; Linear bias 0.
constexpr const char* kWrnMsra = R"(Conv*.weight: normal(mean=0, std=sqrt(2 / (k * in)))
Conv*.bias: zeros
Linear.bias: zeros
*: default
)";

// Seed 000, C3D.__init_weight: Conv3d kaiming_normal_ (defaults), BatchNorm3d 1/0.
constexpr const char* kC3d = R"(Conv3d.weight: kaiming_normal
BatchNorm3d.weight: ones
BatchNorm3d.bias: zeros
*: default
)";

// Keras 2 / tf.keras layer defaults: kernel_initializer="glorot_uniform",
// bias_initializer="zeros"; BatchNormalization gamma 1, beta 0; Embedding uniform(-0.05, 0.05).
constexpr const char* kKerasDefault = R"(Linear.weight: xavier_uniform
Conv*.weight: xavier_uniform
Linear.bias: zeros
Conv*.bias: zeros
BatchNorm*.weight: ones
BatchNorm*.bias: zeros
LayerNorm.weight: ones
LayerNorm.bias: zeros
Embedding.weight: uniform(a=-0.05, b=0.05)
*: default
)";

// GPT-2 (Radford et al. 2019) as nanoGPT's _init_weights: Linear and Embedding N(0, 0.02),
// biases 0, LayerNorm 1/0, and the residual projections (c_proj) N(0, 0.02 / sqrt(2 n_layer)).
constexpr const char* kGpt2Residual =
    "*.c_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))\n";
constexpr const char* kGpt2 = R"(Linear.weight: normal(mean=0, std=0.02)
Linear.bias: zeros
Embedding.weight: normal(mean=0, std=0.02)
LayerNorm.weight: ones
LayerNorm.bias: zeros
*: default
)";

// LLaMA as Hugging Face transformers initializes it (LlamaPreTrainedModel._init_weights, with
// LlamaConfig.initializer_range = 0.02): Linear weights and Embedding N(0, 0.02), biases 0,
// LlamaRMSNorm weights 1. With scaled_residual=true (the default) the two projections that write
// into the residual stream, self_attn.o_proj and mlp.down_proj, are N(0, 0.02 / sqrt(2 n_layer))
// instead: GPT-2's scaling (Radford et al. 2019, section 2.3: "scale the weights of residual
// layers at initialization by a factor of 1/sqrt(N) where N is the number of residual layers"),
// as Megatron-LM's scaled_init_method_normal (sigma / sqrt(2 num_layers)) applies it. Hugging
// Face itself does not scale them: scaled_residual=false is its recipe.
constexpr const char* kLlamaResidual =
    R"(*.o_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))
*.down_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))
)";
constexpr const char* kLlama = R"(Linear.weight: normal(mean=0, std=0.02)
Linear.bias: zeros
Embedding.weight: normal(mean=0, std=0.02)
)";
constexpr const char* kLlamaNorm = R"(RMSNorm.weight: ones
)";

// muP (Yang et al. 2021, "Tensor Programs V"), its init side: hidden and input weights
// N(0, 1/fan_in), the readout (the model's last Linear, named when the policy is built) zero,
// biases zero, norms 1/0. The width-dependent learning rates are the optimizer's business.
constexpr const char* kMupTail = R"(Linear.weight: normal(mean=0, std=sqrt(1 / fan_in))
Conv*.weight: normal(mean=0, std=sqrt(1 / fan_in))
bias: zeros
BatchNorm*.weight: ones
LayerNorm.weight: ones
Embedding.weight: normal(mean=0, std=1)
*: default
)";

/// Blocks of a transformer: modules named "...h.N" (GPT-2's transformer.h.N).
double count_blocks(nn::Module& model) {
  static const std::regex block(R"((^|.*\.)h\.[0-9]+)");
  std::set<std::string> names;
  for (const auto& [name, module] : model.named_modules()) {
    if (std::regex_match(name, block)) names.insert(name);
  }
  return static_cast<double>(names.size());
}

/// Decoder layers of a LLaMA: modules named "...layers.N" (Hugging Face's model.layers.N).
double count_decoder_layers(nn::Module& model) {
  static const std::regex layer(R"((^|.*\.)layers\.[0-9]+)");
  double n = 0;
  for (const auto& [name, module] : model.named_modules()) {
    if (std::regex_match(name, layer)) ++n;
  }
  return n;
}

/// Residual blocks named as torchvision's ResNets name them: "layerX.Y".
double count_residual_blocks(nn::Module& model) {
  static const std::regex block(R"((^|.*\.)layer[0-9]+\.[0-9]+)");
  double n = 0;
  for (const auto& [name, module] : model.named_modules()) {
    if (std::regex_match(name, block)) ++n;
  }
  return n;
}

/// "a, b" in the set's order.
std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool parse_bool(const std::string& policy, const std::string& option, const std::string& v) {
  if (v == "true" || v == "True" || v == "1") return true;
  if (v == "false" || v == "False" || v == "0") return false;
  throw PolicyError("builtin:" + policy, 0, 0,
                    "option " + option + "=" + v + ": expected true or false");
}

}  // namespace

const std::vector<BuiltinPolicyInfo>& builtin_policies() {
  static const std::vector<BuiltinPolicyInfo> list = {
      {"torch-default", "", "the layers' own reset_parameters() (nothing redrawn)",
       "torch.nn layer constructors"},
      {"torchvision-resnet", "zero_init_residual=false",
       "conv kaiming_normal(fan_out, relu), BN 1/0, fc default; optionally the last BN of each "
       "residual branch 0",
       "torchvision/models/resnet.py (He et al. 2016; Goyal et al. 2017 for zero_init_residual)"},
      {"torchvision-vgg", "",
       "conv kaiming_normal(fan_out, relu) + bias 0, BN 1/0, Linear N(0, 0.01) + bias 0",
       "torchvision/models/vgg.py"},
      {"torchvision-densenet", "", "conv kaiming_normal (fan_in), BN 1/0, Linear bias 0",
       "torchvision/models/densenet.py"},
      {"torchvision-mobilenet", "",
       "conv kaiming_normal(fan_out) + bias 0, BN 1/0, Linear N(0, 0.01) + bias 0",
       "torchvision/models/mobilenetv2.py"},
      {"torchvision-vit", "",
       "conv_proj trunc_normal(std=sqrt(1/fan_in)) + bias 0, heads.head 0; the rest as built "
       "(MLPBlock xavier_uniform + N(0, 1e-6) biases, attention in_proj xavier_uniform)",
       "torchvision/models/vision_transformer.py (Dosovitskiy et al. 2021)"},
      {"torchvision-swin", "",
       "Linear trunc_normal(std=0.02) + bias 0; the rest as built (relative position bias "
       "tables trunc_normal(std=0.02))",
       "torchvision/models/swin_transformer.py (Liu et al. 2021)"},
      {"resnext-fb", "",
       "'*conv*' weights kaiming_normal(fan_out), '*bn*' weights 1, biases 0, classifier "
       "kaiming_normal",
       "seed 001: prlz77/ResNeXt.pytorch (Xie et al. 2017)"},
      {"densenet-lua", "", "conv N(0, sqrt(2 / (k*k*out))), bias 0, BN 1/0, Linear bias 0",
       "seed 001: facebookresearch/ResNeXt resnext.lua, bamos/densenet.pytorch (Huang et al. "
       "2017)"},
      {"wrn-msra", "", "conv N(0, sqrt(2 / (k*k*in))), bias 0, Linear bias 0",
       "seed 001: szagoruyko/wide-residual-networks utils.lua MSRinit (Zagoruyko & Komodakis "
       "2016)"},
      {"c3d", "", "Conv3d kaiming_normal (fan_in), BatchNorm3d 1/0",
       "seed 000: C3D.__init_weight (Tran et al. 2015)"},
      {"keras-default", "", "glorot_uniform kernels, zero biases, BN 1/0, Embedding U(-0.05, 0.05)",
       "Keras layer defaults (Glorot & Bengio 2010)"},
      {"torchvision-efficientnet", "",
       "conv kaiming_normal(fan_out) + bias 0, BN 1/0, Linear U(-1/sqrt(out), 1/sqrt(out)) + bias "
       "0",
       "torchvision/models/efficientnet.py (Tan & Le 2019)"},
      {"torchvision-regnet", "",
       "conv N(0, sqrt(2 / (k*k*out))), SE conv biases default, BN 1/0, Linear N(0, 0.01) + bias 0",
       "torchvision/models/regnet.py (Radosavovic et al. 2020)"},
      {"torchvision-convnext", "",
       "Conv2d and Linear trunc_normal(std=0.02) + bias 0, LayerNorm and layer_scale default",
       "torchvision/models/convnext.py (Liu et al. 2022)"},
      {"gpt2", "scaled_residual=true",
       "Linear/Embedding N(0, 0.02), residual c_proj N(0, 0.02/sqrt(2 n_layer)) (N(0, 0.02) "
       "with scaled_residual=false), biases 0, LayerNorm 1/0",
       "GPT-2 (Radford et al. 2019) as nanoGPT's _init_weights"},
      {"llama", "scaled_residual=true",
       "Linear/Embedding N(0, 0.02), RMSNorm 1, biases 0; with scaled_residual o_proj and "
       "down_proj N(0, 0.02/sqrt(2 n_layer))",
       "Hugging Face transformers LlamaPreTrainedModel._init_weights (initializer_range 0.02); "
       "the residual scaling: GPT-2 (Radford et al. 2019, sec. 2.3), Megatron-LM "
       "scaled_init_method_normal"},
      {"hf", "",
       "Hugging Face transformers' own constructor, bit for bit: LlamaForCausalLM(config) and "
       "GPT2LMHeadModel(config) (torch's default draws, _init_weights N(0, initializer_range), "
       "GPT-2's c_proj rescaled, norms 1/0, the head built after the base model's init, a tied "
       "head drawn then dropped); the model is built so (--policy hf does it; "
       "models::BuildOptions::transformers_init); torch family only",
       "transformers 5.25.0 _init_weights and post_init of LLaMA and GPT-2 (verified)"},
      {"mup", "", "hidden and input weights N(0, 1/fan_in), the readout (last Linear) 0, biases 0",
       "muP, Yang et al. 2021 (Tensor Programs V), init side"},
      {"fixup", "",
       "residual branches: last conv 0, the others He N(0, 2/(k*out)) * L^(-1/(2m-2)); "
       "classifier 0; biases 0",
       "Fixup, Zhang et al. 2019 (torchvision ResNet naming: layerX.Y.convN)"},
      {"cifar-resnet", "zero_init_residual=false",
       "Conv2d and Linear weights kaiming_normal (fan_in, gain sqrt(2)), the rest default; "
       "optionally each BasicBlock's bn2.weight 0",
       "akamaster/pytorch_resnet_cifar10 resnet.py _weights_init (He et al. 2016, sec. 4.2); "
       "Goyal et al. 2017 for zero_init_residual"},
  };
  return list;
}

namespace {

/// What a built-in policy's text may depend on.
struct BuiltinContext {
  const std::string& name;
  const std::string source;  // "builtin:NAME", for messages
  const std::map<std::string, std::string>& options;
  nn::Module& model;
  std::map<std::string, double>& variables;  // the policy's own (n_layer, L, m)
};

/// Option `key` as a number, or `fallback` when it is not given.
double option_number(const BuiltinContext& c, const std::string& key, double fallback) {
  const auto it = c.options.find(key);
  if (it == c.options.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw PolicyError(c.source, 0, 0, "option " + key + "=" + it->second + ": expected a number");
  }
}

bool has_parameter_containing(nn::Module& model, std::string_view part) {
  for (const auto& [pname, p] : model.named_parameters()) {
    if (pname.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string torchvision_resnet_text(BuiltinContext& c) {
  const auto it = c.options.find("zero_init_residual");
  if (it == c.options.end() || !parse_bool(c.name, it->first, it->second)) {
    return kTorchvisionResnet;
  }
  // torchvision zeroes bn3 of every Bottleneck, else bn2 of every BasicBlock.
  const bool bottleneck = has_parameter_containing(c.model, ".bn3.weight");
  return std::string("# zero_init_residual=true: the last BN of each residual branch\n") +
         (bottleneck ? "layer*.bn3.weight: zeros\n" : "layer*.bn2.weight: zeros\n") +
         kTorchvisionResnet;
}

/// cifar-resnet, optionally with torchvision's zero_init_residual (Goyal et al. 2017) on the
/// CIFAR BasicBlocks: bn2.weight of every block 0, everything else as without it.
std::string cifar_resnet_text(BuiltinContext& c) {
  const auto it = c.options.find("zero_init_residual");
  if (it == c.options.end() || !parse_bool(c.name, it->first, it->second)) return kCifarResnet;
  const auto parameters = c.model.named_parameters();
  static const std::regex bn2(R"((^|.*\.)layer[0-9]+\.[0-9]+\.bn2\.weight)");
  const bool has_bn2 = std::any_of(parameters.begin(), parameters.end(),
                                   [](const auto& p) { return std::regex_match(p.first, bn2); });
  if (!has_bn2) {
    throw PolicyError(c.source, 0, 0,
                      "zero_init_residual=true zeroes each residual block's last BatchNorm "
                      "(layerX.Y.bn2.weight), and the model has none (a CIFAR ResNet built with "
                      "norm=none, fixup or rezero has no BatchNorm)");
  }
  return std::string("# zero_init_residual=true: the last BN of each BasicBlock\n") +
         "layer*.bn2.weight: zeros\n" + kCifarResnet;
}

std::string gpt2_text(BuiltinContext& c) {
  const auto scaled = c.options.find("scaled_residual");
  if (scaled != c.options.end() && !parse_bool(c.name, scaled->first, scaled->second)) {
    return kGpt2;  // every Linear N(0, 0.02): the residual projections unscaled
  }
  const double n_layer = option_number(c, "n_layer", count_blocks(c.model));
  if (!(n_layer >= 1)) {
    throw PolicyError(c.source, 0, 0,
                      "cannot find the model's transformer blocks (modules named h.N) for "
                      "n_layer: give it as gpt2(n_layer=12)");
  }
  c.variables["n_layer"] = n_layer;
  return std::string(kGpt2Residual) + kGpt2;
}

std::string llama_text(BuiltinContext& c) {
  const auto scaled = c.options.find("scaled_residual");
  const bool scaled_residual =
      scaled == c.options.end() || parse_bool(c.name, scaled->first, scaled->second);
  const std::string text =
      std::string(scaled_residual ? kLlamaResidual : "") + kLlama + kLlamaNorm + "*: default\n";
  if (!scaled_residual) return text;
  const double n_layer = option_number(c, "n_layer", count_decoder_layers(c.model));
  // A parameter the scaled rules would draw.
  const auto parameters = c.model.named_parameters();
  const bool residual = std::any_of(parameters.begin(), parameters.end(), [](const auto& p) {
    return p.first.ends_with(".o_proj.weight") || p.first.ends_with(".down_proj.weight");
  });
  if (n_layer >= 1) {
    c.variables["n_layer"] = n_layer;
  } else if (residual) {
    throw PolicyError(c.source, 0, 0,
                      "cannot find the model's decoder layers (modules named layers.N) for "
                      "n_layer: give it as llama(n_layer=32), or use "
                      "llama(scaled_residual=false)");
  }
  return text;
}

/// hf: every parameter keeps what the transformers-mode constructor drew (make_llama with
/// transformers_init notes each one); a model built otherwise is refused, never silently wrong.
std::string hf_text(BuiltinContext& c) {
  for (auto& [name, p] : c.model.named_parameters()) {
    if (p->init.scheme.rfind("transformers ", 0) == 0) continue;
    throw PolicyError(c.source, 0, 0,
                      "hf keeps the values Hugging Face transformers' own constructor draws, "
                      "but parameter '" +
                          name +
                          "' was not built by it: build the model with "
                          "models::BuildOptions::transformers_init (weightinit init --policy hf "
                          "does); the transformers models are llama:... and gpt2:...");
  }
  return "*: default\n";
}

std::string mup_text(BuiltinContext& c) {
  std::string readout;
  for (const auto& [mname, module] : c.model.named_modules()) {
    if (module->type_name() == "Linear") readout = mname;
  }
  if (readout.empty()) {
    throw PolicyError(c.source, 0, 0, "mup needs a Linear readout layer, and the model has none");
  }
  return "# the readout: the model's last Linear\n" + readout + ".weight: zeros\n" + readout +
         ".bias: zeros\n" + kMupTail;
}

std::string fixup_text(BuiltinContext& c) {
  const double blocks = count_residual_blocks(c.model);
  if (blocks < 1) {
    throw PolicyError(c.source, 0, 0,
                      "fixup needs residual blocks named layerX.Y (torchvision's ResNets), and "
                      "the model has none");
  }
  const bool bottleneck = has_parameter_containing(c.model, ".conv3.weight");
  c.variables["L"] = blocks;
  c.variables["m"] = bottleneck ? 3 : 2;
  const char* scaled = "normal(mean=0, std=sqrt(2 / (k * out)) * L^(-1 / (2 * m - 2)))\n";
  return std::string("# Fixup: L residual branches of m layers\n") +
         (bottleneck ? std::string("layer*.conv3.weight: zeros\nlayer*.conv1.weight: ") + scaled +
                           "layer*.conv2.weight: " + scaled
                     : std::string("layer*.conv2.weight: zeros\nlayer*.conv1.weight: ") + scaled) +
         "Conv2d.weight: normal(mean=0, std=sqrt(2 / (k * out)))\n"
         "Linear.weight: zeros\n"
         "bias: zeros\n"
         "BatchNorm*.weight: ones\n"
         "*: default\n";
}

/// A built-in policy: fixed text, or a function of the model and options.
struct BuiltinRecipe {
  const char* name;
  std::set<std::string> options;  // the options it takes
  const char* text;               // when `build` is null
  std::string (*build)(BuiltinContext&);
};

const std::vector<BuiltinRecipe>& recipes() {
  static const std::vector<BuiltinRecipe> all = {
      {"torch-default", {}, kTorchDefault, nullptr},
      {"torchvision-resnet", {"zero_init_residual"}, nullptr, torchvision_resnet_text},
      {"torchvision-vgg", {}, kTorchvisionVgg, nullptr},
      {"torchvision-densenet", {}, kTorchvisionDensenet, nullptr},
      {"torchvision-mobilenet", {}, kTorchvisionMobilenet, nullptr},
      {"torchvision-vit", {}, kTorchvisionVit, nullptr},
      {"torchvision-swin", {}, kTorchvisionSwin, nullptr},
      {"resnext-fb", {}, kResnextFb, nullptr},
      {"densenet-lua", {}, kDensenetLua, nullptr},
      {"wrn-msra", {}, kWrnMsra, nullptr},
      {"c3d", {}, kC3d, nullptr},
      {"keras-default", {}, kKerasDefault, nullptr},
      {"torchvision-efficientnet", {}, kTorchvisionEfficientnet, nullptr},
      {"torchvision-regnet", {}, kTorchvisionRegnet, nullptr},
      {"torchvision-convnext", {}, kTorchvisionConvnext, nullptr},
      {"gpt2", {"scaled_residual", "n_layer"}, nullptr, gpt2_text},
      {"llama", {"scaled_residual", "n_layer"}, nullptr, llama_text},
      {"hf", {}, nullptr, hf_text},
      {"mup", {}, nullptr, mup_text},
      {"fixup", {}, nullptr, fixup_text},
      {"cifar-resnet", {"zero_init_residual"}, nullptr, cifar_resnet_text},
  };
  return all;
}

[[noreturn]] void unknown_policy(const std::string& name) {
  std::string known;
  std::vector<std::string> names;
  for (const auto& p : builtin_policies()) {
    known += (known.empty() ? "" : ", ") + p.name;
    names.push_back(p.name);
  }
  const std::string best = detail::closest_within(name, names, 4);
  throw PolicyError("builtin:" + name, 0, 0,
                    "unknown policy '" + name + "': not a file" +
                        (best.empty() ? std::string(", and the built-in policies are ") + known
                                      : " (did you mean '" + best + "'?); the built-in " +
                                            "policies are " + known));
}

}  // namespace

std::string builtin_policy_text(const std::string& name,
                                const std::map<std::string, std::string>& options,
                                nn::Module& model, std::map<std::string, double>& variables) {
  const auto& all = recipes();
  const auto recipe =
      std::find_if(all.begin(), all.end(), [&](const BuiltinRecipe& r) { return name == r.name; });
  if (recipe == all.end()) unknown_policy(name);
  BuiltinContext context{name, "builtin:" + name, options, model, variables};
  const std::string text = recipe->build ? recipe->build(context) : recipe->text;
  for (const auto& [option, value] : options) {
    if (recipe->options.count(option) == 0) {
      throw PolicyError(
          context.source, 0, 0,
          "unknown option '" + option + "' for policy " + name +
              (recipe->options.empty() ? " (it takes none)"
                                       : " (it takes " + join(recipe->options) + ")"));
    }
  }
  return text;
}

}  // namespace weightinit::recipes
