// SPDX-License-Identifier: MIT
// RMSNorm, the LLaMA models (Hugging Face LlamaForCausalLM names, shapes and order; parameter
// counts of the 7B and TinyLlama-1.1B presets by formula) and the `llama` init policy.
#include "weightinit/models/llama.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/init/init.h"
#include "weightinit/models/mlp.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;
using wi::models::LlamaConfig;
using wi::recipes::Policy;

namespace {

/// The small config the structure tests build: head_dim 16, kv_dim 2·16 = 32.
LlamaConfig small_config(bool tied = false) {
  LlamaConfig c;
  c.vocab_size = 100;
  c.d_model = 64;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.ffn_dim = 172;
  c.tied = tied;
  return c;
}

std::int64_t count_parameters(wi::nn::Module& m) {
  std::int64_t n = 0;
  for (auto& [name, p] : m.named_parameters()) n += p->data.numel();
  return n;
}

wi::Tensor& param(wi::nn::Module& model, const std::string& name) {
  for (auto& [n, p] : model.named_parameters()) {
    if (n == name) return p->data;
  }
  throw std::out_of_range("no parameter " + name);
}

bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  const wi::Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(),
                     static_cast<std::size_t>(ca.numel()) * ca.element_size()) == 0;
}

/// Population std of the values of every parameter whose name ends with `suffix`.
double pooled_std(wi::nn::Module& model, const std::string& suffix, std::size_t* count = nullptr) {
  std::vector<double> v;
  for (auto& [n, p] : model.named_parameters()) {
    if (n.size() >= suffix.size() &&
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const auto values = p->data.to_vector<double>();
      v.insert(v.end(), values.begin(), values.end());
    }
  }
  if (count) *count = v.size();
  double mean = 0, sq = 0;
  for (const double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (const double x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size()));
}

bool all_ones(const wi::Tensor& t) {
  for (const double v : t.to_vector<double>()) {
    if (v != 1.0) return false;
  }
  return true;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RMSNorm

TEST(LlamaRMSNorm, OneWeightOfOnesAndHuggingFacesRepr) {
  wi::nn::RMSNorm norm(4096);
  EXPECT_EQ(norm.type_name(), "RMSNorm");
  EXPECT_EQ(norm.eps(), 1e-6);
  const auto params = norm.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second->data.sizes(), (wi::Shape{4096}));
  EXPECT_TRUE(all_ones(params[0].second->data));
  EXPECT_EQ(params[0].second->init.scheme, "ones");
  EXPECT_TRUE(norm.named_buffers().empty());
  // LlamaRMSNorm.extra_repr: f"{tuple(self.weight.shape)}, eps={self.variance_epsilon}".
  EXPECT_EQ(norm.repr(), "RMSNorm((4096,), eps=1e-06)");
  EXPECT_EQ(wi::nn::RMSNorm(8, 1e-5).extra_repr(), "(8,), eps=1e-05");
  // reset_parameters puts the ones back.
  params[0].second->data.fill_(3.0);
  norm.reset_parameters();
  EXPECT_TRUE(all_ones(params[0].second->data));
}

TEST(LlamaRMSNorm, ForwardMatchesAHandComputation) {
  // x = [[1, 2, 3, 4], [-2, 0, 0, 2]], weight = [1, 0.5, 2, -1], eps = 1e-6:
  //   row 0: mean(x²) = (1 + 4 + 9 + 16) / 4 = 7.5, 1/sqrt(7.5 + 1e-6) = 0.3651483473268884
  //   row 1: mean(x²) = (4 + 0 + 0 + 4) / 4 = 2,    1/sqrt(2 + 1e-6)   = 0.7071066044099185
  const double r0 = 0.3651483473268884, r1 = 0.7071066044099185;
  EXPECT_NEAR(r0, 1.0 / std::sqrt(7.5 + 1e-6), 1e-16);
  EXPECT_NEAR(r1, 1.0 / std::sqrt(2.0 + 1e-6), 1e-16);
  const std::vector<double> x = {1, 2, 3, 4, -2, 0, 0, 2};
  const std::vector<double> w = {1, 0.5, 2, -1};
  const std::vector<double> want = {
      1 * r0 * 1, 2 * r0 * 0.5, 3 * r0 * 2, 4 * r0 * -1, -2 * r1 * 1, 0, 0, 2 * r1 * -1};
  for (const wi::DType dtype : {wi::DType::Float32, wi::DType::Float64}) {
    SCOPED_TRACE(dtype == wi::DType::Float32 ? "float32" : "float64");
    wi::nn::RMSNorm norm(4, 1e-6, dtype);
    wi::Tensor& weight = norm.parameter("weight").data;
    for (std::int64_t j = 0; j < 4; ++j) weight.set_item({j}, w[static_cast<std::size_t>(j)]);
    wi::Tensor input = wi::Tensor::empty({2, 4}, dtype);
    for (std::int64_t i = 0; i < 8; ++i) input.set_item({i / 4, i % 4}, x[std::size_t(i)]);
    const wi::Tensor y = norm.forward(input);
    ASSERT_EQ(y.sizes(), (wi::Shape{2, 4}));
    EXPECT_EQ(y.dtype(), dtype);
    const auto got = y.to_vector<double>();
    // float32: the result is the double value rounded once (relative error <= 2^-24 ≈ 6e-8);
    // float64: a few ulps of the hand computation's own rounding.
    const double tol = dtype == wi::DType::Float32 ? 1.2e-7 : 1e-15;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
    }
  }
}

TEST(LlamaRMSNorm, ForwardNormalisesTheLastDimOfAnyShapeAndChecksItsInput) {
  wi::Generator gen(3);
  wi::nn::RMSNorm norm(5);
  wi::Tensor x = wi::Tensor::empty({2, 3, 5});
  wi::init::normal_(x, 0.0, 3.0, gen);
  const wi::Tensor y = norm.forward(x);
  // With weight 1 every row has mean(y²) = mean(x²) / (mean(x²) + eps) ≈ 1.
  const auto v = y.to_vector<double>();
  for (std::size_t r = 0; r < 6; ++r) {
    double sq = 0;
    for (std::size_t j = 0; j < 5; ++j) sq += v[r * 5 + j] * v[r * 5 + j];
    EXPECT_NEAR(sq / 5.0, 1.0, 1e-5) << "row " << r;
  }
  EXPECT_EQ(error_of([&] {
              norm.forward(wi::Tensor::zeros({2, 4}));
            }),
            "Given normalized_shape=[5], expected input with shape [*, 5], but got input of "
            "size[2, 4]");
  EXPECT_THROW(norm.forward(wi::Tensor::zeros({2, 5}, wi::DType::Float64)), wi::DTypeError);
  // The backward (checked against central differences in zoo_forward_test's LLaMA) takes the
  // gradient of the latest grad-mode forward; with none left it is an Error.
  wi::nn::RMSNorm fresh(5);
  EXPECT_EQ(error_of([&] { fresh.backward(y); }),
            "RMSNorm: backward called without a forward pass in grad mode");
  EXPECT_THROW(wi::nn::RMSNorm(0), wi::ValueError);
}

// ---------------------------------------------------------------------------------------------
// The models

TEST(LlamaZoo, PresetParameterCountsByFormula) {
  const LlamaConfig l7 = wi::models::llama_preset("7b");
  EXPECT_EQ(l7.vocab_size, 32000);
  EXPECT_EQ(l7.d_model, 4096);
  EXPECT_EQ(l7.n_layers, 32);
  EXPECT_EQ(l7.n_heads, 32);
  EXPECT_EQ(l7.n_kv_heads, 32);
  EXPECT_EQ(l7.ffn_dim, 11008);
  EXPECT_FALSE(l7.tied);
  // By hand: 2 · 32000 · 4096 (embed_tokens, lm_head) + 32 · (4 · 4096² + 3 · 11008 · 4096 +
  // 2 · 4096) + 4096.
  const std::int64_t hand7 =
      2LL * 32000 * 4096 + 32LL * (4LL * 4096 * 4096 + 3LL * 11008 * 4096 + 2 * 4096) + 4096;
  EXPECT_EQ(hand7, 6'738'415'616);
  EXPECT_EQ(wi::models::llama_parameter_count(l7), 6'738'415'616);

  const LlamaConfig l1 = wi::models::llama_preset("1b");
  EXPECT_EQ(l1.d_model, 2048);
  EXPECT_EQ(l1.n_layers, 22);
  EXPECT_EQ(l1.n_heads, 32);
  EXPECT_EQ(l1.n_kv_heads, 4);
  EXPECT_EQ(l1.ffn_dim, 5632);
  EXPECT_EQ(l1.head_dim(), 64);
  EXPECT_EQ(l1.kv_dim(), 256);
  // q and o 2048², k and v 256 · 2048 (grouped-query attention), the MLP 3 · 5632 · 2048.
  const std::int64_t hand1 =
      2LL * 32000 * 2048 +
      22LL * (2LL * 2048 * 2048 + 2LL * 256 * 2048 + 3LL * 5632 * 2048 + 2 * 2048) + 2048;
  EXPECT_EQ(hand1, 1'100'048'384);
  EXPECT_EQ(wi::models::llama_parameter_count(l1), 1'100'048'384);

  // -tied drops lm_head: vocab · d fewer.
  EXPECT_TRUE(wi::models::llama_preset("7b-tied").tied);
  EXPECT_EQ(wi::models::llama_parameter_count(wi::models::llama_preset("7b-tied")),
            6'738'415'616 - 32000LL * 4096);
  EXPECT_EQ(wi::models::llama_parameter_count(wi::models::llama_preset("1b-tied")),
            1'100'048'384 - 32000LL * 2048);
  EXPECT_EQ(error_of([] { wi::models::llama_preset("3b"); }),
            "unknown LLaMA preset '3b': known presets are 7b, 1b, 7b-tied and 1b-tied");
}

TEST(LlamaZoo, SmallConfigHasHuggingFacesNamesShapesAndOrder) {
  wi::Generator gen(0);
  auto model = wi::models::make_llama(small_config(), gen);
  std::vector<std::pair<std::string, wi::Shape>> want = {{"model.embed_tokens.weight", {100, 64}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    want.push_back({p + "self_attn.q_proj.weight", {64, 64}});
    want.push_back({p + "self_attn.k_proj.weight", {32, 64}});
    want.push_back({p + "self_attn.v_proj.weight", {32, 64}});
    want.push_back({p + "self_attn.o_proj.weight", {64, 64}});
    want.push_back({p + "mlp.gate_proj.weight", {172, 64}});
    want.push_back({p + "mlp.up_proj.weight", {172, 64}});
    want.push_back({p + "mlp.down_proj.weight", {64, 172}});
    want.push_back({p + "input_layernorm.weight", {64}});
    want.push_back({p + "post_attention_layernorm.weight", {64}});
  }
  want.push_back({"model.norm.weight", {64}});
  want.push_back({"lm_head.weight", {100, 64}});
  const auto params = model->named_parameters();
  ASSERT_EQ(params.size(), want.size());
  std::int64_t total = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(params[i].first, want[i].first) << "parameter " << i;
    EXPECT_EQ(params[i].second->data.sizes(), want[i].second) << want[i].first;
    total += params[i].second->data.numel();
  }
  // The state dict is the same list (no buffers).
  EXPECT_EQ(model->state_dict().size(), want.size());
  // 100·64 + 2·(2·64² + 2·32·64 + 3·172·64 + 2·64) + 64 + 100·64 = 103,744.
  EXPECT_EQ(total, 103'744);
  EXPECT_EQ(wi::models::llama_parameter_count(small_config()), 103'744);
  // Hugging Face's class names, RMSNorm for LlamaRMSNorm.
  std::vector<std::pair<std::string, std::string>> types;
  for (auto& [name, m] : model->named_modules()) types.emplace_back(name, m->type_name());
  const std::vector<std::pair<std::string, std::string>> want_types_head = {
      {"", "LlamaForCausalLM"},
      {"model", "LlamaModel"},
      {"model.embed_tokens", "Embedding"},
      {"model.layers", "ModuleList"},
      {"model.layers.0", "LlamaDecoderLayer"},
      {"model.layers.0.self_attn", "LlamaAttention"},
      {"model.layers.0.self_attn.q_proj", "Linear"},
      {"model.layers.0.self_attn.k_proj", "Linear"},
      {"model.layers.0.self_attn.v_proj", "Linear"},
      {"model.layers.0.self_attn.o_proj", "Linear"},
      {"model.layers.0.mlp", "LlamaMLP"},
      {"model.layers.0.mlp.gate_proj", "Linear"},
      {"model.layers.0.mlp.up_proj", "Linear"},
      {"model.layers.0.mlp.down_proj", "Linear"},
      {"model.layers.0.mlp.act_fn", "SiLU"},
      {"model.layers.0.input_layernorm", "RMSNorm"},
      {"model.layers.0.post_attention_layernorm", "RMSNorm"}};
  ASSERT_GE(types.size(), want_types_head.size());
  for (std::size_t i = 0; i < want_types_head.size(); ++i) EXPECT_EQ(types[i], want_types_head[i]);
  EXPECT_EQ(types[types.size() - 2],
            (std::pair<std::string, std::string>{"model.norm", "RMSNorm"}));
  EXPECT_EQ(types.back(), (std::pair<std::string, std::string>{"lm_head", "Linear"}));
  // No biases; the norms start at one.
  for (auto& [name, p] : params) EXPECT_EQ(name.find("bias"), std::string::npos) << name;
  EXPECT_TRUE(all_ones(param(*model, "model.layers.1.post_attention_layernorm.weight")));
  EXPECT_TRUE(all_ones(param(*model, "model.norm.weight")));
}

TEST(LlamaZoo, ConstructorsDrawInRegistrationOrder) {
  // torch's constructors, in LlamaForCausalLM.__init__'s order: Embedding N(0, 1), then each
  // Linear's kaiming_uniform(a=√5), the norms drawing nothing, lm_head last.
  wi::Generator g1(7), g2(7);
  auto model = wi::models::make_llama(small_config(), g1);
  std::vector<std::shared_ptr<wi::nn::Module>> layers;
  layers.push_back(std::make_shared<wi::nn::Embedding>(100, 64, std::nullopt, g2));
  for (int i = 0; i < 2; ++i) {
    for (const auto& [in, out] : std::vector<std::pair<int, int>>{
             {64, 64}, {64, 32}, {64, 32}, {64, 64}, {64, 172}, {64, 172}, {172, 64}}) {
      layers.push_back(std::make_shared<wi::nn::Linear>(in, out, false, g2));
    }
  }
  layers.push_back(std::make_shared<wi::nn::Linear>(64, 100, false, g2));
  std::size_t k = 0;
  for (auto& [name, p] : model->named_parameters()) {
    if (name.find("layernorm") != std::string::npos || name == "model.norm.weight") continue;
    ASSERT_LT(k, layers.size());
    EXPECT_TRUE(same_bits(p->data, layers[k++]->parameter("weight").data)) << name;
  }
  EXPECT_EQ(k, layers.size());
  EXPECT_EQ(g1.random(), g2.random());  // the same number of draws
}

TEST(LlamaZoo, TiedHasNoHeadOfItsOwn) {
  wi::Generator gen(0);
  auto model = wi::models::make_llama(small_config(true), gen);
  const auto params = model->named_parameters();
  EXPECT_EQ(params.back().first, "model.norm.weight");
  for (auto& [name, p] : params) EXPECT_NE(name, "lm_head.weight");
  EXPECT_EQ(count_parameters(*model), 103'744 - 100 * 64);
  EXPECT_EQ(wi::models::llama_parameter_count(small_config(true)), 103'744 - 100 * 64);
}

TEST(LlamaZoo, BuildModelTakesPresetsAndCustomSizes) {
  wi::Generator g1(1), g2(1);
  const auto built =
      wi::models::build_model("llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100", g1);
  EXPECT_EQ(built.input_size, (wi::Shape{2048}));
  auto direct = wi::models::make_llama(small_config(), g2);
  const auto a = built.module->state_dict(), b = direct->state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(same_bits(a[i].second, b[i].second)) << a[i].first;
  }
  wi::Generator gen(0);
  const auto tied = wi::models::build_model(
      "llama:vocab=100,d=64,layers=2,heads=4,kv_heads=2,ffn=172,tied=true", gen);
  EXPECT_EQ(count_parameters(*tied.module), 103'744 - 100 * 64);
  // kv_heads defaults to heads (multi-head attention).
  const auto mha = wi::models::build_model("llama:d=32,layers=1,heads=4,ffn=48,vocab=10", gen);
  EXPECT_EQ(param(*mha.module, "model.layers.0.self_attn.k_proj.weight").sizes(),
            (wi::Shape{32, 32}));
  EXPECT_EQ(count_parameters(*mha.module),
            wi::models::llama_parameter_count({10, 32, 1, 4, 4, 48, false}));

  auto error = [](const std::string& spec) {
    return error_of([&] {
      wi::Generator g(0);
      wi::models::build_model(spec, g);
    });
  };
  EXPECT_EQ(error("llama:3b"),
            "unknown LLaMA preset '3b': known presets are 7b, 1b, 7b-tied and 1b-tied");
  EXPECT_EQ(error("llama").rfind("invalid model spec 'llama': expected a preset", 0), 0u);
  EXPECT_EQ(error("llama:d=64,layers=2,heads=3,ffn=8"), "LLaMA: d 64 is not divisible by heads 3");
  EXPECT_EQ(error("llama:d=64,layers=2,heads=4,kv_heads=3,ffn=8"),
            "LLaMA: heads 4 is not divisible by kv_heads 3 (each key/value head serves heads / "
            "kv_heads query heads)");
  EXPECT_EQ(error("llama:d=64,layers=2,heads=4,ffn=8,width=3"),
            "invalid model spec 'llama:d=64,layers=2,heads=4,ffn=8,width=3': unknown key 'width' "
            "(known: d, layers, heads, kv_heads, ffn, vocab, tied)");
  EXPECT_EQ(error("llama:d=64,layers=2,heads=4"),
            "invalid model spec 'llama:d=64,layers=2,heads=4': a custom LLaMA needs d, layers, "
            "heads and ffn, like llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100");
  EXPECT_EQ(error("llama:d=64,layers=0,heads=4,ffn=8"),
            "invalid model spec 'llama:d=64,layers=0,heads=4,ffn=8': expected a positive "
            "integer, but got '0'");
  // The help lists the new forms.
  std::string help;
  for (const auto& line : wi::models::known_models()) help += line + "\n";
  EXPECT_NE(help.find("llama:7b|1b[-tied]"), std::string::npos) << help;
  EXPECT_NE(help.find("llama:d=D,layers=L,heads=H,ffn=F"), std::string::npos) << help;
}

// ---------------------------------------------------------------------------------------------
// The llama policy

TEST(LlamaPolicy, HuggingFacesInitWithScaledResidualProjections) {
  wi::Generator gen(2024);
  auto model = wi::models::make_llama(small_config(), gen);
  const Policy policy = Policy::builtin("llama", *model);
  EXPECT_EQ(policy.text(),
            "*.o_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))\n"
            "*.down_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))\n"
            "Linear.weight: normal(mean=0, std=0.02)\n"
            "Linear.bias: zeros\n"
            "Embedding.weight: normal(mean=0, std=0.02)\n"
            "RMSNorm.weight: ones\n"
            "*: default\n");
  // Dirty the norms first, so "ones" is seen to be applied.
  for (auto& [name, p] : model->named_parameters()) {
    if (p->data.dim() == 1) p->data.fill_(0.5);
  }
  const auto report = policy.apply(*model, gen);
  EXPECT_TRUE(report.warnings.empty());
  for (const auto& p : report.parameters) EXPECT_GE(p.rule, 0) << p.name;
  // Sample stds, seed 2024. The relative standard error of a sample std over n normal values is
  // about 1/sqrt(2n): q_proj (2 · 64 · 64 = 8192 values) 0.8%, o_proj 0.8%, down_proj
  // (2 · 172 · 64 = 22,016) 0.5%. Tolerance 5% (≥ 6 standard errors) for all.
  std::size_t n = 0;
  const double q = pooled_std(*model, ".q_proj.weight", &n);
  EXPECT_EQ(n, 8192u);
  EXPECT_NEAR(q, 0.02, 0.05 * 0.02);
  const double residual = 0.02 / std::sqrt(2.0 * 2.0);  // n_layer = 2 decoder layers
  EXPECT_NEAR(pooled_std(*model, ".o_proj.weight"), residual, 0.05 * residual);
  EXPECT_NEAR(pooled_std(*model, ".down_proj.weight"), residual, 0.05 * residual);
  EXPECT_NEAR(pooled_std(*model, ".gate_proj.weight"), 0.02, 0.05 * 0.02);
  EXPECT_NEAR(pooled_std(*model, "embed_tokens.weight"), 0.02, 0.05 * 0.02);
  EXPECT_NEAR(pooled_std(*model, "lm_head.weight"), 0.02, 0.05 * 0.02);
  // The norms: exactly one.
  for (auto& [name, p] : model->named_parameters()) {
    if (p->data.dim() == 1) {
      EXPECT_TRUE(all_ones(p->data)) << name;
    }
  }
}

TEST(LlamaPolicy, DrawsEachParameterOnceInNamedParametersOrder) {
  // The policy equals normal_ per parameter in named_parameters() order, bit for bit — the
  // order of Hugging Face's post_init apply(_init_weights) over the leaf modules.
  wi::Generator g1(9), g2(9);
  auto a = wi::models::make_llama(small_config(), g1);
  auto b = wi::models::make_llama(small_config(), g2);
  Policy::builtin("llama", *a).apply(*a, g1);
  for (auto& [name, p] : b->named_parameters()) {
    if (p->data.dim() == 1) {
      wi::init::ones_(p->data);
    } else if (name.ends_with(".o_proj.weight") || name.ends_with(".down_proj.weight")) {
      wi::init::normal_(p->data, 0.0, 0.02 / std::sqrt(2.0 * 2.0), g2);
    } else {
      wi::init::normal_(p->data, 0.0, 0.02, g2);
    }
  }
  for (const auto& [name, t] : a->state_dict()) EXPECT_TRUE(same_bits(t, param(*b, name))) << name;
}

TEST(LlamaPolicy, OptionsTurnOffOrSetTheResidualScaling) {
  wi::Generator gen(11);
  auto model = wi::models::make_llama(small_config(), gen);
  const Policy plain = Policy::builtin("llama(scaled_residual=false)", *model);
  EXPECT_EQ(plain.text(),
            "Linear.weight: normal(mean=0, std=0.02)\n"
            "Linear.bias: zeros\n"
            "Embedding.weight: normal(mean=0, std=0.02)\n"
            "RMSNorm.weight: ones\n"
            "*: default\n");
  plain.apply(*model, gen);
  EXPECT_NEAR(pooled_std(*model, ".o_proj.weight"), 0.02, 0.05 * 0.02);
  // n_layer=8 overrides the count: 0.02 / sqrt(16) = 0.005.
  Policy::builtin("llama(n_layer=8)", *model).apply(*model, gen);
  EXPECT_NEAR(pooled_std(*model, ".o_proj.weight"), 0.005, 0.05 * 0.005);
  EXPECT_NEAR(pooled_std(*model, ".q_proj.weight"), 0.02, 0.05 * 0.02);

  auto error = [&](const std::string& name, wi::nn::Module& m) {
    return error_of([&] { Policy::builtin(name, m); });
  };
  EXPECT_EQ(error("llama(scaled_residual=maybe)", *model),
            "builtin:llama: option scaled_residual=maybe: expected true or false");
  EXPECT_EQ(error("llama(zero_init_residual=true)", *model),
            "builtin:llama: unknown option 'zero_init_residual' for policy llama (it takes "
            "n_layer, scaled_residual)");
  // An o_proj outside model.layers.N: no layer count to scale by.
  wi::nn::Sequential loose;
  auto attn = std::make_shared<wi::nn::Sequential>();
  attn->register_module("o_proj", std::make_shared<wi::nn::Linear>(4, 4, false, gen));
  loose.register_module("attn", attn);
  EXPECT_EQ(error("llama", loose),
            "builtin:llama: cannot find the model's decoder layers (modules named layers.N) for "
            "n_layer: give it as llama(n_layer=32), or use llama(scaled_residual=false)");
  EXPECT_NO_THROW(Policy::builtin("llama(n_layer=4)", loose).apply(loose, gen));
}

TEST(LlamaPolicy, AppliesToModelsWithoutRMSNormAndListsItsRules) {
  // A generic recipe: on an MLP the Linear rules apply and no RMSNorm rule gets in the way.
  wi::Generator gen(0);
  auto mlp = wi::models::make_mlp({256, 512, 10}, "relu", gen);
  const auto report = Policy::builtin("llama", *mlp).apply(*mlp, gen);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_NEAR(pooled_std(*mlp, "0.weight"), 0.02, 0.05 * 0.02);
  for (const double v : param(*mlp, "0.bias").to_vector<double>()) ASSERT_EQ(v, 0.0);
  // With no model (what `weightinit list --policies` shows) every rule is there.
  wi::nn::Sequential empty;
  const std::string text = Policy::builtin("llama", empty).text();
  EXPECT_NE(text.find("*.o_proj.weight: normal(mean=0, std=0.02 / sqrt(2 * n_layer))"),
            std::string::npos);
  EXPECT_NE(text.find("RMSNorm.weight: ones"), std::string::npos);
  bool listed = false;
  for (const auto& info : wi::recipes::builtin_policies()) {
    if (info.name != "llama") continue;
    listed = true;
    EXPECT_EQ(info.options, "scaled_residual=true");
    EXPECT_NE(info.source.find("Hugging Face"), std::string::npos);
    EXPECT_NE(info.source.find("Megatron"), std::string::npos);
  }
  EXPECT_TRUE(listed);
}
