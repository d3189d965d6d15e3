// SPDX-License-Identifier: MIT
// build_model: parse a model spec and construct it.
#include "weightinit/models/registry.h"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "detail/text.h"
#include "weightinit/models/c3d.h"
#include "weightinit/models/cifar_resnet.h"
#include "weightinit/models/convnext.h"
#include "weightinit/models/densenet.h"
#include "weightinit/models/efficientnet.h"
#include "weightinit/models/gpt2.h"
#include "weightinit/models/llama.h"
#include "weightinit/models/mlp.h"
#include "weightinit/models/mobilenet.h"
#include "weightinit/models/regnet.h"
#include "weightinit/models/resnet.h"
#include "weightinit/models/seed_mlp.h"
#include "weightinit/models/small_cnn.h"
#include "weightinit/models/swin_transformer.h"
#include "weightinit/models/vgg.h"
#include "weightinit/models/vision_transformer.h"
#include "weightinit/models/wide_resnet_cifar.h"

namespace weightinit::models {

namespace {

std::int64_t to_int(std::string_view text, std::string_view spec) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  WEIGHTINIT_CHECK(ec == std::errc() && ptr == text.data() + text.size() && v > 0, ValueError,
                   "invalid model spec '", spec, "': expected a positive integer, but got '", text,
                   "'");
  return v;
}

/// "784-[256x30]-10" → 784, 256 (30 times), 10.
std::vector<std::int64_t> parse_sizes(std::string_view text, std::string_view spec) {
  std::vector<std::int64_t> sizes;
  while (!text.empty()) {
    const std::size_t dash = text.find('-');
    std::string_view item = text.substr(0, dash);
    if (item.size() > 2 && item.front() == '[' && item.back() == ']') {
      const std::string_view inner = item.substr(1, item.size() - 2);
      const std::size_t x = inner.find('x');
      WEIGHTINIT_CHECK(x != std::string_view::npos, ValueError, "invalid model spec '", spec,
                       "': a repeated size is written [SIZExCOUNT], like [256x30]");
      const std::int64_t size = to_int(inner.substr(0, x), spec);
      const std::int64_t count = to_int(inner.substr(x + 1), spec);
      sizes.insert(sizes.end(), static_cast<std::size_t>(count), size);
    } else {
      sizes.push_back(to_int(item, spec));
    }
    text = dash == std::string_view::npos ? std::string_view{} : text.substr(dash + 1);
  }
  return sizes;
}

/// Calls fn(key, value) for each item of "k=v,k=v,..." in a model spec; ValueError for an item
/// without '='.
template <class Fn>
void for_each_spec_item(std::string_view text, std::string_view spec, Fn&& fn) {
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const std::size_t eq = item.find('=');
    WEIGHTINIT_CHECK(eq != std::string_view::npos, ValueError, "invalid model spec '", spec,
                     "': expected KEY=VALUE, like d=64, but got '", item, "'");
    fn(item.substr(0, eq), item.substr(eq + 1));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
}

/// "d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100[,tied=true]": d, layers, heads and ffn
/// are required; vocab defaults to 32000, kv_heads to heads, tied to false.
LlamaConfig parse_llama_custom(std::string_view text, std::string_view spec) {
  LlamaConfig c;
  bool d = false, layers = false, heads = false, ffn = false, kv_heads = false;
  for_each_spec_item(text, spec, [&](std::string_view key, std::string_view value) {
    if (key == "d") {
      c.d_model = to_int(value, spec);
      d = true;
    } else if (key == "layers") {
      c.n_layers = to_int(value, spec);
      layers = true;
    } else if (key == "heads") {
      c.n_heads = to_int(value, spec);
      heads = true;
    } else if (key == "kv_heads") {
      c.n_kv_heads = to_int(value, spec);
      kv_heads = true;
    } else if (key == "ffn") {
      c.ffn_dim = to_int(value, spec);
      ffn = true;
    } else if (key == "vocab") {
      c.vocab_size = to_int(value, spec);
    } else if (key == "tied") {
      WEIGHTINIT_CHECK(value == "true" || value == "false" || value == "1" || value == "0",
                       ValueError, "invalid model spec '", spec,
                       "': tied is true or false, but got '", value, "'");
      c.tied = value == "true" || value == "1";
    } else {
      throw ValueError(detail::concat("invalid model spec '", spec, "': unknown key '", key,
                                      "' (known: d, layers, heads, kv_heads, ffn, vocab, tied)"));
    }
  });
  WEIGHTINIT_CHECK(d && layers && heads && ffn, ValueError, "invalid model spec '", spec,
                   "': a custom LLaMA needs d, layers, heads and ffn, like "
                   "llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100");
  if (!kv_heads) c.n_kv_heads = c.n_heads;
  return c;
}

/// cifar-resnetD or cifar-resnet-D, then ":norm=bn|none|fixup|rezero,in_channels=C,classes=K"
/// (each optional; bn=true|false is norm=bn|none). The depth is checked (6n + 2) before anything
/// is built.
CifarResNetConfig parse_cifar_resnet(std::string_view name, std::string_view rest,
                                     std::string_view spec) {
  std::string_view depth = name.substr(std::string_view("cifar-resnet").size());
  if (!depth.empty() && depth.front() == '-') depth.remove_prefix(1);
  WEIGHTINIT_CHECK(!depth.empty(), ValueError, "invalid model spec '", spec,
                   "': expected a depth, like cifar-resnet20 or cifar-resnet-56");
  CifarResNetConfig c;
  c.depth = to_int(depth, spec);
  try {
    cifar_resnet_blocks_per_stage(c.depth);
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("invalid model spec '", spec, "': ", e.what()));
  }
  bool norm_given = false;
  for_each_spec_item(rest, spec, [&](std::string_view key, std::string_view value) {
    if (key == "bn" || key == "norm") {
      WEIGHTINIT_CHECK(!norm_given, ValueError, "invalid model spec '", spec,
                       "': give the normalization once (norm=bn|none|fixup|rezero, or bn=true|"
                       "false), but got '",
                       key, "' again");
      norm_given = true;
    }
    if (key == "bn") {
      WEIGHTINIT_CHECK(value == "true" || value == "false" || value == "1" || value == "0",
                       ValueError, "invalid model spec '", spec,
                       "': bn is true or false, but got '", value, "'");
      c.norm = value == "true" || value == "1" ? CifarNorm::BatchNorm : CifarNorm::None;
    } else if (key == "norm") {
      bool known = false;
      for (const CifarNorm n :
           {CifarNorm::BatchNorm, CifarNorm::None, CifarNorm::Fixup, CifarNorm::ReZero}) {
        if (value == cifar_norm_name(n)) {
          c.norm = n;
          known = true;
        }
      }
      WEIGHTINIT_CHECK(known, ValueError, "invalid model spec '", spec,
                       "': norm is bn, none, fixup or rezero, but got '", value, "'");
    } else if (key == "in_channels") {
      c.in_channels = to_int(value, spec);
    } else if (key == "classes") {
      c.num_classes = to_int(value, spec);
    } else {
      throw ValueError(detail::concat("invalid model spec '", spec, "': unknown key '", key,
                                      "' (known: norm, bn, in_channels, classes)"));
    }
  });
  return c;
}

/// "unknown model 'resnet5' (did you mean 'resnet50'?)": the closest named model, and where the
/// whole list is (the list itself would make a 1,300-character line).
std::string unknown_model_message(std::string_view spec) {
  const std::string name(spec.substr(0, std::min<std::size_t>(spec.size(), 200)));
  std::vector<std::string> names = model_names();
  const std::string best = detail::closest_within(name, names, 4);
  return "unknown model '" + name + (spec.size() > 200 ? "...'" : "'") +
         (best.empty() ? std::string() : " (did you mean '" + best + "'?)") +
         ": weightinit list --models shows the known models";
}

}  // namespace

std::vector<std::string> known_models() {
  return {
      "seed-mlp                 seed document 004's network (input 3)",
      "c3d[:NUM_CLASSES]        seed document 000's C3D (input 3,16,112,112; 101 classes)",
      "mlp:S0-S1-...-Sn[:ACT]   Linear layers with ACT between (relu default); [256x30] repeats",
      "mlp:S0-[HxD]-Sn[:ACT]:rezero  the same with ReZero residual blocks y = x + a*ACT(Wx+b), "
      "a = 0",
      "cnn[:C1-C2-HIDDEN]       2 conv + 2 fc for 1x28x28 images (default cnn:16-32-128)",
      "resnet18|34|50|101|152   torchvision's ResNets (input 3,224,224; 1000 classes)",
      "resnext50_32x4d          torchvision's ResNeXt-50 32x4d",
      "wide_resnet50_2          torchvision's Wide ResNet-50-2",
      "vgg11|13|16|19[_bn]      torchvision's VGGs, with BatchNorm for _bn",
      "densenet121              torchvision's DenseNet-121",
      "mobilenet_v2             torchvision's MobileNetV2 (depthwise convs)",
      "vit_b_16                 torchvision's ViT-B/16 (input 3,224,224 exactly)",
      "swin_t                   torchvision's Swin-T (input 3,224,224; any size runs)",
      "efficientnet_b0          torchvision's EfficientNet-B0 (SiLU, squeeze-excitation)",
      "regnet_y_400mf           torchvision's RegNetY-400MF (grouped convs, squeeze-excitation)",
      "convnext_tiny            torchvision's ConvNeXt-Tiny (LayerNorm, GELU, layer scale)",
      "wrn-28-10                the CIFAR Wide ResNet WRN-28-10 (input 3,32,32; wrn-D-K)",
      "cifar-resnet20|32|44|56|110|1202[:norm=bn|none|fixup|rezero][,in_channels=C][,classes=K]"
      "  He et al. 2016's CIFAR ResNets, option-A shortcuts (input C,32,32; bn=false is "
      "norm=none; Fixup as Zhang et al.'s code, ReZero alpha 0); cifar-resnet-D for any D = 6n+2",
      "gpt2:small|medium|large|xl  GPT-2's shapes, nanoGPT names, no tied head (input: 1024 "
      "ids); gpt2-small = gpt2:small",
      "llama:7b|1b[-tied]       LLaMA-1/2 7B, TinyLlama-1.1B's shape; Hugging Face "
      "LlamaForCausalLM names; -tied: the head shares embed_tokens",
      "llama:d=D,layers=L,heads=H,ffn=F[,kv_heads=K][,vocab=V][,tied=true]  a custom LLaMA "
      "(kv_heads = heads, vocab 32000 by default)"};
}

std::vector<std::string> model_names() {
  std::vector<std::string> names{
      "seed-mlp",        "c3d",           "mlp",          "cnn",       "resnet18",
      "resnet34",        "resnet50",      "resnet101",    "resnet152", "resnext50_32x4d",
      "wide_resnet50_2", "densenet121",   "mobilenet_v2", "wrn-28-10", "gpt2-small",
      "gpt2:small",      "gpt2:medium",   "gpt2:large",   "gpt2:xl",   "llama:7b",
      "llama:1b",        "llama:7b-tied", "llama:1b-tied"};
  names.push_back("vit_b_16");
  names.push_back("swin_t");
  for (const int depth : {11, 13, 16, 19}) {
    names.push_back("vgg" + std::to_string(depth));
    names.push_back("vgg" + std::to_string(depth) + "_bn");
  }
  for (const int depth : {20, 32, 44, 56, 110, 1202}) {
    names.push_back("cifar-resnet" + std::to_string(depth));
  }
  for (const char* name : {"efficientnet_b0", "regnet_y_400mf", "convnext_tiny"}) {
    names.push_back(name);
  }
  return names;
}

std::string default_policy(std::string_view spec) {
  const std::string_view name = spec.substr(0, spec.find(':'));
  const auto starts = [&](std::string_view prefix) { return name.rfind(prefix, 0) == 0; };
  if (starts("resnet") || starts("resnext") || starts("wide_resnet")) return "torchvision-resnet";
  if (starts("vgg")) return "torchvision-vgg";
  // Fixup's init is part of its constructor (the authors' FixupResNet.__init__): keep it.
  if (starts("cifar-resnet")) {
    return spec.find("norm=fixup") == std::string_view::npos ? "cifar-resnet" : "torch-default";
  }
  if (starts("densenet")) return "torchvision-densenet";
  if (starts("mobilenet")) return "torchvision-mobilenet";
  if (starts("vit_")) return "torchvision-vit";
  if (starts("swin_")) return "torchvision-swin";
  if (name == "efficientnet_b0") return "torchvision-efficientnet";
  if (name == "regnet_y_400mf") return "torchvision-regnet";
  if (name == "convnext_tiny") return "torchvision-convnext";
  if (starts("gpt2")) return "gpt2";
  if (name == "llama") return "llama";
  return "torch-default";
}

namespace {

/// The torchvision models, GPT-2 small and the CIFAR WRNs by bare name (no ':'), or nullopt.
std::optional<BuiltModel> build_named_zoo_model(std::string_view name, std::string_view spec,
                                                Generator& gen) {
  const Shape image{3, 224, 224};
  static const std::pair<const char*, ResNetKind> resnets[] = {
      {"resnet18", ResNetKind::ResNet18},
      {"resnet34", ResNetKind::ResNet34},
      {"resnet50", ResNetKind::ResNet50},
      {"resnet101", ResNetKind::ResNet101},
      {"resnet152", ResNetKind::ResNet152},
      {"resnext50_32x4d", ResNetKind::ResNeXt50_32x4d},
      {"wide_resnet50_2", ResNetKind::WideResNet50_2}};
  for (const auto& [n, kind] : resnets) {
    if (name == n) return BuiltModel{make_resnet(kind, gen), image, true};
  }
  for (const int depth : {11, 13, 16, 19}) {
    const std::string vgg = "vgg" + std::to_string(depth);
    if (name == vgg) return BuiltModel{make_vgg(depth, false, gen), image, true};
    if (name == vgg + "_bn") return BuiltModel{make_vgg(depth, true, gen), image, true};
  }
  if (name == "densenet121") return BuiltModel{make_densenet121(gen), image, true};
  if (name == "mobilenet_v2") return BuiltModel{make_mobilenet_v2(gen), image, true};
  if (name == "vit_b_16") return BuiltModel{make_vit_b_16(gen), image, true};
  if (name == "swin_t") return BuiltModel{make_swin_t(gen), image, true};
  if (name == "efficientnet_b0") return BuiltModel{make_efficientnet_b0(gen), image, true};
  if (name == "regnet_y_400mf") return BuiltModel{make_regnet_y_400mf(gen), image, true};
  if (name == "convnext_tiny") return BuiltModel{make_convnext_tiny(gen), image, true};
  if (name == "gpt2-small") return BuiltModel{make_gpt2(12, 768, gen), {1024}, true, 50257};
  if (name.rfind("wrn-", 0) == 0) {
    const std::string_view dims = name.substr(4);
    const std::size_t dash = dims.find('-');
    WEIGHTINIT_CHECK(dash != std::string_view::npos, ValueError, "invalid model spec '", spec,
                     "': expected wrn-DEPTH-WIDEN, like wrn-28-10");
    return BuiltModel{make_wide_resnet_cifar(to_int(dims.substr(0, dash), spec),
                                             to_int(dims.substr(dash + 1), spec), gen),
                      {3, 32, 32},
                      true};
  }
  return std::nullopt;
}

/// mlp:S0-S1-...-Sn[:ACT][:rezero].
BuiltModel build_mlp(std::string_view rest, std::string_view spec, Generator& gen) {
  const std::size_t act_colon = rest.find(':');
  const auto sizes = parse_sizes(rest.substr(0, act_colon), spec);
  std::string act =
      act_colon == std::string_view::npos ? "relu" : std::string(rest.substr(act_colon + 1));
  WEIGHTINIT_CHECK(!sizes.empty(), ValueError, "invalid model spec '", spec,
                   "': expected sizes, like mlp:784-256-10");
  // A trailing ":rezero" (or "rezero" alone) makes the equal-width hidden steps ReZero blocks.
  bool rezero = false;
  if (act == "rezero") {
    act = "relu";
    rezero = true;
  } else if (act.size() > 7 && act.compare(act.size() - 7, 7, ":rezero") == 0) {
    act.resize(act.size() - 7);
    rezero = true;
  }
  if (rezero) return {make_rezero_mlp(sizes, act, gen), {sizes.front()}};
  return {make_mlp(sizes, act, gen), {sizes.front()}};
}

}  // namespace

Gpt2Config gpt2_config(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  WEIGHTINIT_CHECK(spec.substr(0, colon) == "gpt2" && colon != std::string_view::npos, ValueError,
                   "'", spec, "' is not a GPT-2 model spec (gpt2:small, gpt2:d=256,layers=2,...)");
  std::string_view text = spec.substr(colon + 1);
  if (text.find('=') == std::string_view::npos) return gpt2_preset(text);
  // "d=256,layers=2,heads=4[,vocab=V][,positions=P]"
  Gpt2Config c;
  bool d = false, layers = false, heads = false;
  for_each_spec_item(text, spec, [&](std::string_view key, std::string_view value) {
    const std::int64_t v = to_int(value, spec);
    if (key == "d") {
      c.n_embd = v;
      d = true;
    } else if (key == "layers") {
      c.n_layer = v;
      layers = true;
    } else if (key == "heads") {
      c.n_head = v;
      heads = true;
    } else if (key == "vocab") {
      c.vocab_size = v;
    } else if (key == "positions") {
      c.n_positions = v;
    } else {
      throw ValueError(detail::concat("invalid model spec '", spec, "': unknown key '", key,
                                      "' (known: d, layers, heads, vocab, positions)"));
    }
  });
  WEIGHTINIT_CHECK(d && layers && heads, ValueError, "invalid model spec '", spec,
                   "': a custom GPT-2 needs d, layers and heads, like "
                   "gpt2:d=256,layers=2,heads=4,vocab=1000,positions=128");
  return c;
}

LlamaConfig llama_config(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  WEIGHTINIT_CHECK(spec.substr(0, colon) == "llama", ValueError, "'", spec,
                   "' is not a LLaMA model spec (llama:1b, llama:d=64,layers=2,...)");
  const std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  WEIGHTINIT_CHECK(!rest.empty(), ValueError, "invalid model spec '", spec,
                   "': expected a preset (llama:7b, llama:1b, llama:7b-tied, llama:1b-tied) or "
                   "sizes, like llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100");
  return rest.find('=') != std::string_view::npos ? parse_llama_custom(rest, spec)
                                                  : llama_preset(rest);
}

BuiltModel build_model(std::string_view spec, Generator& gen, const BuildOptions& options) {
  if (!options.transformers_init) return build_model(spec, gen);
  const std::string_view name = spec.substr(0, spec.find(':'));
  WEIGHTINIT_CHECK(name == "llama" || name == "gpt2", ValueError, "'", spec,
                   "' has no Hugging Face transformers constructor to reproduce: the "
                   "transformers models are llama:... (LlamaForCausalLM) and gpt2:... "
                   "(GPT2LMHeadModel)");
  if (name == "gpt2") {
    const Gpt2Config config = gpt2_config(spec);
    return {make_gpt2_transformers(config, gen), {config.n_positions}, false};
  }
  LlamaConfig config = llama_config(spec);
  config.transformers_init = true;
  return {make_llama(config, gen), {config.max_position_embeddings}, true, config.vocab_size};
}

BuiltModel build_model(std::string_view spec, Generator& gen) {
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  if (name == "seed-mlp" && rest.empty()) return {std::make_shared<SeedMLP>(gen), {3}};
  if (rest.empty()) {
    if (auto zoo = build_named_zoo_model(name, spec, gen)) return std::move(*zoo);
  }
  if (name == "gpt2" && !rest.empty()) {
    Gpt2Config c;
    try {
      c = gpt2_config(spec);
    } catch (const ValueError& e) {
      if (rest.find('=') != std::string_view::npos) throw;
      throw ValueError(detail::concat("invalid model spec '", spec,
                                      "': GPT-2 sizes are gpt2:small, gpt2:medium, gpt2:large and "
                                      "gpt2:xl"));
    }
    return {make_gpt2(c.n_layer, c.n_embd, gen, c.vocab_size, c.n_positions, c.n_head),
            {c.n_positions},
            true,
            c.vocab_size};
  }
  if (name == "llama") {
    const LlamaConfig config = llama_config(spec);
    return {make_llama(config, gen), {config.max_position_embeddings}, true, config.vocab_size};
  }
  if (name == "c3d") {
    const std::int64_t classes = rest.empty() ? 101 : to_int(rest, spec);
    return {std::make_shared<C3D>(classes, false, gen), {3, 16, 112, 112}};
  }
  if (name == "mlp") return build_mlp(rest, spec, gen);
  if (name.rfind("cifar-resnet", 0) == 0) {
    const CifarResNetConfig config = parse_cifar_resnet(name, rest, spec);
    return {make_cifar_resnet(config, gen), {config.in_channels, 32, 32}};
  }
  if (name == "cnn") {
    const auto sizes =
        rest.empty() ? std::vector<std::int64_t>{16, 32, 128} : parse_sizes(rest, spec);
    WEIGHTINIT_CHECK(sizes.size() == 3, ValueError, "invalid model spec '", spec,
                     "': expected cnn:C1-C2-HIDDEN, like cnn:16-32-128");
    return {make_small_cnn(sizes[0], sizes[1], sizes[2], 10, 1, gen), {1, 28, 28}};
  }
  throw ValueError(unknown_model_message(spec));
}

}  // namespace weightinit::models
