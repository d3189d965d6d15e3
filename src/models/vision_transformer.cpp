// SPDX-License-Identifier: MIT
// torchvision/models/vision_transformer.py (0.14.1; 0.29.1 builds the same): MLPBlock,
// EncoderBlock, Encoder, VisionTransformer, with torch.nn.MultiheadAttention.
#include "weightinit/models/vision_transformer.h"

#include <cmath>

#include "models/dot_product_attention.h"
#include "models/parameter_grad.h"
#include "models/transformer_parts.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {

using detail::add_grad;

constexpr double kLayerNormEps = 1e-6;  // partial(nn.LayerNorm, eps=1e-6)

/// Σ over dim 0 of x (B, ...) → (1, ...).
Tensor sum_batch(const Tensor& x) {
  Tensor s = x.select(0, 0).contiguous();
  for (std::int64_t i = 1; i < x.size(0); ++i) {
    s = nn::functional::add(s, x.select(0, i).contiguous());
  }
  Shape one = x.sizes();
  one[0] = 1;
  return s.view(one);
}

/// torch.nn.modules.linear.NonDynamicallyQuantizableLinear: an nn.Linear under another name
/// (MultiheadAttention's out_proj), drawing as nn.Linear does.
class NonDynamicallyQuantizableLinear final : public nn::Linear {
 public:
  NonDynamicallyQuantizableLinear(std::int64_t in, std::int64_t out, Generator& gen)
      : nn::Linear(in, out, true, gen) {}
  std::string type_name() const override { return "NonDynamicallyQuantizableLinear"; }
};

/// torch.nn.MultiheadAttention(embed_dim, num_heads, batch_first=True) used as self-attention
/// (query = key = value), without dropout: q, k, v = split(x·in_proj_weightᵀ + in_proj_bias),
/// heads attend (dot_product_attention), merged, then out_proj. out_proj is applied as
/// F.multi_head_attention_forward applies it (its weights, not its forward: no summary row).
/// Parameters in torch's order: in_proj_weight (3E, E), in_proj_bias (3E), out_proj.
class MultiheadAttention final : public nn::Module {
 public:
  MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads, Generator& gen)
      : num_heads_(num_heads) {
    Tensor& w = register_parameter("in_proj_weight", Tensor::empty({3 * embed_dim, embed_dim}));
    Tensor& b = register_parameter("in_proj_bias", Tensor::empty({3 * embed_dim}));
    auto out = register_module(
        "out_proj", std::make_shared<NonDynamicallyQuantizableLinear>(embed_dim, embed_dim, gen));
    // MultiheadAttention._reset_parameters(), after out_proj's constructor drew.
    if (constructors_draw()) {
      init::xavier_uniform_(w, 1.0, gen);
      init::zeros_(b);
      init::zeros_(out->bias());
    }
    note_init("in_proj_weight", "MultiheadAttention: xavier_uniform", std::nan(""));
    note_init("in_proj_bias", "MultiheadAttention: zeros", 0.0);
    out->note_init("bias", "MultiheadAttention: zeros", 0.0);
  }
  std::string type_name() const override { return "MultiheadAttention"; }

  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name == "in_proj_weight")
      return nn::DefaultInit{"xavier_uniform", "xavier_uniform", std::nan(""), std::nullopt};
    if (name == "in_proj_bias") return nn::DefaultInit{"zeros", "zeros", 0.0, std::nullopt};
    return std::nullopt;
  }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 3, ShapeError,
                     "MultiheadAttention: expected input of shape (batch, length, embed_dim), "
                     "but got ",
                     shape_str(input.sizes()));
    const Tensor qkv = nn::functional::linear(input, parameter("in_proj_weight").data,
                                              parameter("in_proj_bias").data);
    const std::int64_t e = qkv.size(2) / 3;
    const Tensor q = detail::split_heads(qkv.slice(2, 0, e), num_heads_);
    const Tensor k = detail::split_heads(qkv.slice(2, e, 2 * e), num_heads_);
    const Tensor v = detail::split_heads(qkv.slice(2, 2 * e, 3 * e), num_heads_);
    auto* out = dynamic_cast<nn::Linear*>(child("out_proj"));
    const Tensor merged = detail::merge_heads(detail::dot_product_attention(q, k, v));
    if (nn::grad_enabled()) save_for_backward({input, q, k, v, merged});
    return nn::functional::linear(merged, out->weight(), out->bias());
  }

  /// out_proj's, the attention's (dot_product_attention_backward) and in_proj's backward.
  Tensor backward(const Tensor& grad_output) override {
    const std::vector<Tensor> s = pop_saved();
    auto* out = dynamic_cast<nn::Linear*>(child("out_proj"));
    const nn::functional::Grads go =
        nn::functional::linear_backward(grad_output, s[4], out->weight(), true);
    add_grad(out->parameter("weight"), go.weight);
    add_grad(out->parameter("bias"), go.bias);
    const nn::functional::AttentionGrads ga = detail::dot_product_attention_backward(
        detail::split_heads(go.input, num_heads_), s[1], s[2], s[3]);
    const Tensor dqkv = nn::functional::cat(
        {detail::merge_heads(ga.q), detail::merge_heads(ga.k), detail::merge_heads(ga.v)}, 2);
    const nn::functional::Grads gi = nn::functional::linear_backward(
        dqkv, s[0], parameter("in_proj_weight").data, true, input_requires_grad());
    add_grad(parameter("in_proj_weight"), gi.weight);
    add_grad(parameter("in_proj_bias"), gi.bias);
    return gi.input;
  }

 private:
  std::int64_t num_heads_;
};

/// torchvision's MLPBlock (an MLP, a Sequential subclass): Linear, GELU, Dropout, Linear,
/// Dropout; its constructor then redraws each Linear: xavier_uniform_ weight, N(0, 1e-6²) bias.
std::shared_ptr<nn::Module> mlp_block(std::int64_t in, std::int64_t hidden, Generator& gen) {
  auto mlp = std::make_shared<detail::NamedSequential>("MLPBlock");
  auto fc1 = std::make_shared<nn::Linear>(in, hidden, true, gen);
  auto fc2 = std::make_shared<nn::Linear>(hidden, in, true, gen);
  mlp->push_back(fc1);
  mlp->push_back(std::make_shared<nn::GELU>());
  mlp->push_back(std::make_shared<nn::Dropout>(0.0));
  mlp->push_back(fc2);
  mlp->push_back(std::make_shared<nn::Dropout>(0.0));
  for (nn::Linear* fc : {fc1.get(), fc2.get()}) {
    if (constructors_draw()) {
      init::xavier_uniform_(fc->weight(), 1.0, gen);
      init::normal_(fc->bias(), 0.0, 1e-6, gen);
    }
    fc->note_init("weight", "MLPBlock: xavier_uniform", std::nan(""));
    fc->note_init("bias", "MLPBlock: normal(std=1e-6)", 1e-6);
  }
  return mlp;
}

/// torchvision's EncoderBlock: x = input + dropout(self_attention(ln_1(input))), then
/// x + mlp(ln_2(x)).
class EncoderBlock final : public nn::Module {
 public:
  EncoderBlock(std::int64_t heads, std::int64_t hidden, std::int64_t mlp_dim, Generator& gen) {
    register_module("ln_1", std::make_shared<nn::LayerNorm>(Shape{hidden}, kLayerNormEps));
    register_module("self_attention", std::make_shared<MultiheadAttention>(hidden, heads, gen));
    register_module("dropout", std::make_shared<nn::Dropout>(0.0));
    register_module("ln_2", std::make_shared<nn::LayerNorm>(Shape{hidden}, kLayerNormEps));
    register_module("mlp", mlp_block(hidden, mlp_dim, gen));
  }
  std::string type_name() const override { return "EncoderBlock"; }

  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 3, ShapeError,
                     "EncoderBlock: expected (batch_size, seq_length, hidden_dim), but got ",
                     shape_str(input.sizes()));
    Tensor x = (*child("self_attention"))((*child("ln_1"))(input));
    x = nn::functional::add((*child("dropout"))(x), input);
    const Tensor y = (*child("mlp"))((*child("ln_2"))(x));
    return nn::functional::add(x, y);
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor gx = nn::functional::add(
        grad_output, child("ln_2")->backward(child("mlp")->backward(grad_output)));
    const Tensor ga = child("self_attention")->backward(child("dropout")->backward(gx));
    return nn::functional::add(gx, child("ln_1")->backward(ga));
  }
};

/// torchvision's Encoder: pos_embedding ~ N(0, 0.02²) drawn in its constructor before its
/// blocks; forward ln(layers(dropout(input + pos_embedding))).
class Encoder final : public nn::Module {
 public:
  Encoder(const VitConfig& c, std::int64_t seq_length, Generator& gen) {
    Tensor& pos = register_parameter("pos_embedding", Tensor::empty({1, seq_length, c.hidden_dim}));
    if (constructors_draw()) init::normal_(pos, 0.0, 0.02, gen);  // "from BERT"
    note_init("pos_embedding", "Encoder: normal(std=0.02)", 0.02);
    register_module("dropout", std::make_shared<nn::Dropout>(0.0));
    auto layers = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
      layers->register_module(
          "encoder_layer_" + std::to_string(i),
          std::make_shared<EncoderBlock>(c.num_heads, c.hidden_dim, c.mlp_dim, gen));
    }
    register_module("layers", layers);
    register_module("ln", std::make_shared<nn::LayerNorm>(Shape{c.hidden_dim}, kLayerNormEps));
  }
  std::string type_name() const override { return "Encoder"; }

  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name == "pos_embedding") {
      return nn::DefaultInit{"normal(mean=0, std=0.02)", "normal(std=0.02)", 0.02, std::nullopt};
    }
    return std::nullopt;
  }

  Tensor forward(const Tensor& input) override {
    const Tensor& pos = parameter("pos_embedding").data;
    WEIGHTINIT_CHECK(
        input.dim() == 3 && input.size(1) == pos.size(1) && input.size(2) == pos.size(2),
        ShapeError, "Encoder: expected (batch_size, ", pos.size(1), ", ", pos.size(2),
        "), but got ", shape_str(input.sizes()));
    Tensor pos_b = Tensor::empty(input.sizes(), input.dtype());
    for (std::int64_t i = 0; i < input.size(0); ++i) pos_b.select(0, i).copy_(pos.select(0, 0));
    const Tensor x = (*child("dropout"))(nn::functional::add(input, pos_b));
    if (nn::grad_enabled()) save_for_backward({});
    return (*child("ln"))((*child("layers"))(x));
  }

  /// The blocks' backward; pos_embedding's gradient is the sum over the batch.
  Tensor backward(const Tensor& grad_output) override {
    pop_saved();
    const Tensor g =
        child("dropout")->backward(child("layers")->backward(child("ln")->backward(grad_output)));
    add_grad(parameter("pos_embedding"), sum_batch(g));
    return g;
  }
};

/// torchvision's VisionTransformer: class_token, conv_proj, encoder, heads.
class VisionTransformer final : public nn::Module {
 public:
  explicit VisionTransformer(const VitConfig& c) : config_(c) {}
  std::string type_name() const override { return "VisionTransformer"; }

  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name == "class_token") return nn::DefaultInit{"zeros", "zeros", 0.0, std::nullopt};
    return std::nullopt;
  }

  Tensor forward(const Tensor& input) override {
    const std::int64_t image = config_.image_size, p = config_.patch_size;
    WEIGHTINIT_CHECK(input.dim() == 4, ShapeError,
                     "VisionTransformer: expected input of shape (batch, 3, ", image, ", ", image,
                     "), but got ", shape_str(input.sizes()));
    WEIGHTINIT_CHECK(input.size(2) == image, ShapeError, "Wrong image height! Expected ", image,
                     " but got ", input.size(2), "!");
    WEIGHTINIT_CHECK(input.size(3) == image, ShapeError, "Wrong image width! Expected ", image,
                     " but got ", input.size(3), "!");
    const std::int64_t n = input.size(0), e = config_.hidden_dim,
                       patches = (image / p) * (image / p);
    // _process_input: (n, c, h, w) → (n, hidden, n_h, n_w) → (n, n_h·n_w, hidden)
    const Tensor x = (*child("conv_proj"))(input).contiguous().view({n, e, patches});
    Tensor tokens = Tensor::empty({n, patches + 1, e}, x.dtype());
    const Tensor& cls = parameter("class_token").data;
    for (std::int64_t i = 0; i < n; ++i) {
      tokens.select(0, i).slice(0, 0, 1).copy_(cls.select(0, 0));
      tokens.select(0, i).slice(0, 1, patches + 1).copy_(x.select(0, i).permute({1, 0}));
    }
    const Tensor encoded = (*child("encoder"))(tokens);
    if (nn::grad_enabled()) save_for_backward({});
    return (*child("heads"))(encoded.select(1, 0).contiguous());
  }

  /// heads' backward into the class token's row, the encoder's, then class_token's gradient
  /// (the sum over the batch of row 0) and conv_proj's backward from the patches' rows.
  Tensor backward(const Tensor& grad_output) override {
    pop_saved();
    const Tensor g_cls = child("heads")->backward(grad_output);
    const std::int64_t n = g_cls.size(0), e = config_.hidden_dim;
    const std::int64_t side = config_.image_size / config_.patch_size, patches = side * side;
    Tensor g_tokens = Tensor::zeros({n, patches + 1, e}, g_cls.dtype());
    g_tokens.select(1, 0).copy_(g_cls);
    const Tensor g = child("encoder")->backward(g_tokens);
    add_grad(parameter("class_token"), sum_batch(g.slice(1, 0, 1)));
    const Tensor g_patches =
        g.slice(1, 1, patches + 1).permute({0, 2, 1}).contiguous().view({n, e, side, side});
    return child("conv_proj")->backward(g_patches);
  }

  void set_input_requires_grad(bool on) override {
    Module::set_input_requires_grad(on);
    child("conv_proj")->set_input_requires_grad(on);
  }

 private:
  VitConfig config_;
};

void check_config(const VitConfig& c) {
  WEIGHTINIT_CHECK(c.image_size > 0 && c.patch_size > 0 && c.num_layers > 0 && c.num_heads > 0 &&
                       c.hidden_dim > 0 && c.mlp_dim > 0 && c.num_classes > 0,
                   ValueError, "VisionTransformer sizes must be positive, but got image_size ",
                   c.image_size, ", patch_size ", c.patch_size, ", num_layers ", c.num_layers,
                   ", num_heads ", c.num_heads, ", hidden_dim ", c.hidden_dim, ", mlp_dim ",
                   c.mlp_dim, ", num_classes ", c.num_classes);
  WEIGHTINIT_CHECK(c.image_size % c.patch_size == 0, ValueError,
                   "Input shape indivisible by patch size! (image_size ", c.image_size,
                   ", patch_size ", c.patch_size, ")");
  WEIGHTINIT_CHECK(c.hidden_dim % c.num_heads == 0, ValueError,
                   "embed_dim must be divisible by num_heads (hidden_dim ", c.hidden_dim,
                   ", num_heads ", c.num_heads, ")");
}

}  // namespace

std::shared_ptr<nn::Module> make_vision_transformer(const VitConfig& c, Generator& gen) {
  check_config(c);
  auto net = std::make_shared<VisionTransformer>(c);
  net->register_parameter("class_token", Tensor::zeros({1, 1, c.hidden_dim}));
  net->note_init("class_token", "VisionTransformer: zeros", 0.0);
  net->register_module("conv_proj",
                       detail::conv2d(3, c.hidden_dim, c.patch_size, c.patch_size, 0, true, gen));
  const std::int64_t seq_length = (c.image_size / c.patch_size) * (c.image_size / c.patch_size) + 1;
  net->register_module("encoder", std::make_shared<Encoder>(c, seq_length, gen));
  auto heads = std::make_shared<nn::Sequential>();
  heads->register_module("head",
                         std::make_shared<nn::Linear>(c.hidden_dim, c.num_classes, true, gen));
  net->register_module("heads", heads);
  return net;
}

std::shared_ptr<nn::Module> make_vit_b_16(Generator& gen, std::int64_t num_classes) {
  VitConfig c;
  c.num_classes = num_classes;
  return make_vision_transformer(c, gen);
}

}  // namespace weightinit::models
