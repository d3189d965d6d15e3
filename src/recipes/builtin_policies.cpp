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
constexpr const char* kGpt2 = R"(*.c_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))
Linear.weight: normal(mean=0, std=0.02)
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
      {"gpt2", "",
       "Linear/Embedding N(0, 0.02), residual c_proj N(0, 0.02/sqrt(2 n_layer)), biases 0, "
       "LayerNorm 1/0",
       "GPT-2 (Radford et al. 2019) as nanoGPT's _init_weights"},
      {"llama", "scaled_residual=true",
       "Linear/Embedding N(0, 0.02), RMSNorm 1, biases 0; with scaled_residual o_proj and "
       "down_proj N(0, 0.02/sqrt(2 n_layer))",
       "Hugging Face transformers LlamaPreTrainedModel._init_weights (initializer_range 0.02); "
       "the residual scaling: GPT-2 (Radford et al. 2019, sec. 2.3), Megatron-LM "
       "scaled_init_method_normal"},
      {"mup", "", "hidden and input weights N(0, 1/fan_in), the readout (last Linear) 0, biases 0",
       "muP, Yang et al. 2021 (Tensor Programs V), init side"},
      {"fixup", "",
       "residual branches: last conv 0, the others He N(0, 2/(k*out)) * L^(-1/(2m-2)); "
       "classifier 0; biases 0",
       "Fixup, Zhang et al. 2019 (torchvision ResNet naming: layerX.Y.convN)"},
  };
  return list;
}

std::string builtin_policy_text(const std::string& name,
                                const std::map<std::string, std::string>& options,
                                nn::Module& model, std::map<std::string, double>& variables) {
  const std::string source = "builtin:" + name;
  std::set<std::string> allowed;
  std::string text;
  if (name == "torch-default") {
    text = kTorchDefault;
  } else if (name == "torchvision-resnet") {
    allowed = {"zero_init_residual"};
    text = kTorchvisionResnet;
    const auto it = options.find("zero_init_residual");
    if (it != options.end() && parse_bool(name, it->first, it->second)) {
      // torchvision zeroes bn3 of every Bottleneck, else bn2 of every BasicBlock.
      bool bottleneck = false;
      for (const auto& [pname, p] : model.named_parameters()) {
        if (pname.find(".bn3.weight") != std::string::npos) bottleneck = true;
      }
      text = std::string("# zero_init_residual=true: the last BN of each residual branch\n") +
             (bottleneck ? "layer*.bn3.weight: zeros\n" : "layer*.bn2.weight: zeros\n") + text;
    }
  } else if (name == "torchvision-vgg") {
    text = kTorchvisionVgg;
  } else if (name == "torchvision-densenet") {
    text = kTorchvisionDensenet;
  } else if (name == "torchvision-mobilenet") {
    text = kTorchvisionMobilenet;
  } else if (name == "resnext-fb") {
    text = kResnextFb;
  } else if (name == "densenet-lua") {
    text = kDensenetLua;
  } else if (name == "wrn-msra") {
    text = kWrnMsra;
  } else if (name == "c3d") {
    text = kC3d;
  } else if (name == "keras-default") {
    text = kKerasDefault;
  } else if (name == "gpt2") {
    allowed = {"n_layer"};
    text = kGpt2;
    const auto it = options.find("n_layer");
    double n_layer = count_blocks(model);
    if (it != options.end()) {
      try {
        n_layer = std::stod(it->second);
      } catch (const std::exception&) {
        throw PolicyError(source, 0, 0, "option n_layer=" + it->second + ": expected a number");
      }
    }
    if (!(n_layer >= 1)) {
      throw PolicyError(source, 0, 0,
                        "cannot find the model's transformer blocks (modules named h.N) for "
                        "n_layer: give it as gpt2(n_layer=12)");
    }
    variables["n_layer"] = n_layer;
  } else if (name == "llama") {
    allowed = {"scaled_residual", "n_layer"};
    const auto scaled = options.find("scaled_residual");
    const bool scaled_residual =
        scaled == options.end() || parse_bool(name, scaled->first, scaled->second);
    text = std::string(scaled_residual ? kLlamaResidual : "") + kLlama;
    text += kLlamaNorm;
    text += "*: default\n";
    if (scaled_residual) {
      double n_layer = count_decoder_layers(model);
      const auto it = options.find("n_layer");
      if (it != options.end()) {
        try {
          n_layer = std::stod(it->second);
        } catch (const std::exception&) {
          throw PolicyError(source, 0, 0, "option n_layer=" + it->second + ": expected a number");
        }
      }
      bool residual = false;  // a parameter the scaled rules would draw
      for (const auto& [pname, p] : model.named_parameters()) {
        if (pname.ends_with(".o_proj.weight") || pname.ends_with(".down_proj.weight")) {
          residual = true;
        }
      }
      if (n_layer >= 1) {
        variables["n_layer"] = n_layer;
      } else if (residual) {
        throw PolicyError(source, 0, 0,
                          "cannot find the model's decoder layers (modules named layers.N) for "
                          "n_layer: give it as llama(n_layer=32), or use "
                          "llama(scaled_residual=false)");
      }
    }
  } else if (name == "mup") {
    std::string readout;
    for (const auto& [mname, module] : model.named_modules()) {
      if (module->type_name() == "Linear") readout = mname;
    }
    if (readout.empty()) {
      throw PolicyError(source, 0, 0, "mup needs a Linear readout layer, and the model has none");
    }
    text = "# the readout: the model's last Linear\n" + readout + ".weight: zeros\n" + readout +
           ".bias: zeros\n" + kMupTail;
  } else if (name == "fixup") {
    const double blocks = count_residual_blocks(model);
    if (blocks < 1) {
      throw PolicyError(source, 0, 0,
                        "fixup needs residual blocks named layerX.Y (torchvision's ResNets), and "
                        "the model has none");
    }
    bool bottleneck = false;
    for (const auto& [pname, p] : model.named_parameters()) {
      if (pname.find(".conv3.weight") != std::string::npos) bottleneck = true;
    }
    variables["L"] = blocks;
    variables["m"] = bottleneck ? 3 : 2;
    text = std::string("# Fixup: L residual branches of m layers\n") +
           (bottleneck ? "layer*.conv3.weight: zeros\n"
                         "layer*.conv1.weight: normal(mean=0, std=sqrt(2 / (k * out)) * L^(-1 / (2 "
                         "* m - 2)))\n"
                         "layer*.conv2.weight: normal(mean=0, std=sqrt(2 / (k * out)) * L^(-1 / (2 "
                         "* m - 2)))\n"
                       : "layer*.conv2.weight: zeros\n"
                         "layer*.conv1.weight: normal(mean=0, std=sqrt(2 / (k * out)) * L^(-1 / (2 "
                         "* m - 2)))\n") +
           "Conv2d.weight: normal(mean=0, std=sqrt(2 / (k * out)))\n"
           "Linear.weight: zeros\n"
           "bias: zeros\n"
           "BatchNorm*.weight: ones\n"
           "*: default\n";
  } else {
    std::string known;
    std::vector<std::string> names;
    for (const auto& p : builtin_policies()) {
      known += (known.empty() ? "" : ", ") + p.name;
      names.push_back(p.name);
    }
    const std::string best = detail::closest_within(name, names, 4);
    throw PolicyError(source, 0, 0,
                      "unknown policy '" + name + "': not a file" +
                          (best.empty() ? std::string(", and the built-in policies are ") + known
                                        : " (did you mean '" + best + "'?); the built-in " +
                                              "policies are " + known));
  }
  for (const auto& [option, value] : options) {
    if (allowed.count(option) == 0) {
      throw PolicyError(
          source, 0, 0,
          "unknown option '" + option + "' for policy " + name +
              (allowed.empty() ? " (it takes none)" : " (it takes " + join(allowed) + ")"));
    }
  }
  return text;
}

}  // namespace weightinit::recipes
