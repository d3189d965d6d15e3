// SPDX-License-Identifier: MIT
// torchvision's vision transformers (vit_b_16, swin_t) against torchvision 0.14.1
// (tests/golden/zoo_tv_transformers.json, made by tools/golden/gen_tv_transformers.py): state_dict
// names, shapes, dtypes and order and the parameter count; the SHA-256 of every tensor after
// build_model + the model's torchvision-* policy, which must equal `torch.manual_seed(s);
// torchvision.models.X()` at seeds 0 and 1; the eval-mode forward pass within 1e-4 relative;
// torchsummary's table; and the attention kernel against a float64 reference.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/dot_product_attention.h"
#include "support/golden_digest.h"
#include "support/gradcheck.h"
#include "weightinit/diag/summary.h"
#include "weightinit/models/registry.h"
#include "weightinit/models/swin_transformer.h"
#include "weightinit/models/vision_transformer.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/recipes/torch_construction.h"
#include "weightinit/tensor/deferred.h"

namespace wi = weightinit;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json j = wi::testing::read_golden_json("zoo_tv_transformers.json");
  return j;
}

using wi::testing::dtype_text;
using wi::testing::sha256_hex;

/// max |got − want| / max |want|: the relative error of a whole output.
double relative_error(const std::vector<double>& got, const std::vector<double>& want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return diff / scale;
}

/// A generator seeded `seed` with the torch profile of the golden's torch (1.13's inverse-CDF
/// trunc_normal_, not 2.12's rejection sampler).
wi::Generator golden_generator(std::uint64_t seed) {
  wi::Generator gen(seed);
  wi::apply_torch_profile(gen, wi::torch_profile(golden().at("torch_profile").get<std::string>()));
  return gen;
}

/// build_model(name) with seed `seed`, then its default (torchvision-*) policy.
wi::models::BuiltModel initialized(const std::string& name, std::uint64_t seed,
                                   wi::recipes::PolicyReport* report = nullptr) {
  wi::Generator gen = golden_generator(seed);
  auto built = wi::models::build_model(name, gen);
  const std::string policy = golden().at("models").at(name).at("policy");
  EXPECT_EQ(wi::models::default_policy(name), policy);
  auto r = wi::recipes::Policy::builtin(policy, *built.module).apply(*built.module, gen);
  if (report != nullptr) *report = std::move(r);
  return built;
}

}  // namespace

TEST(TvTransformers, StateDictAndParameterCountAreTorchvisions) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    SCOPED_TRACE(name);
    wi::models::BuiltModel built;
    {
      const wi::DeferredAllocationGuard shapes_only;  // names and shapes need no memory
      wi::Generator gen(0);
      built = wi::models::build_model(name, gen);
    }
    const wi::nn::StateDict state = built.module->state_dict();
    const auto& want = entry.at("state_dict");
    ASSERT_EQ(state.size(), want.size());
    for (std::size_t i = 0; i < state.size(); ++i) {
      ASSERT_EQ(state[i].first, want[i][0].get<std::string>()) << "entry " << i;
      EXPECT_EQ(state[i].second.sizes(), want[i][1].get<wi::Shape>()) << state[i].first;
      EXPECT_EQ(dtype_text(state[i].second.dtype()), want[i][2].get<std::string>())
          << state[i].first;
    }
    std::int64_t parameters = 0;
    for (auto& [pname, p] : built.module->named_parameters()) parameters += p->data.numel();
    EXPECT_EQ(parameters, entry.at("parameters").get<std::int64_t>());
  }
}

TEST(TvTransformers, ConstructionAndPolicyAreTorchvisionsBitForBit) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    for (const auto& [seed, digests] : entry.at("sha256").items()) {
      wi::recipes::PolicyReport report;
      const auto built = initialized(name, std::stoull(seed), &report);
      const wi::nn::StateDict state = built.module->state_dict();
      ASSERT_EQ(state.size(), digests.size());
      int mismatches = 0;
      for (std::size_t i = 0; i < state.size(); ++i) {
        if (sha256_hex(state[i].second) != digests[i].get<std::string>() && ++mismatches <= 3) {
          ADD_FAILURE() << name << " seed " << seed << ": " << state[i].first
                        << " differs from torchvision's";
        }
      }
      EXPECT_EQ(mismatches, 0) << name << " seed " << seed;
      for (const auto& w : report.warnings) ADD_FAILURE() << name << ": " << w;
    }
  }
}

// Eval-mode outputs within 1e-4 relative (max |diff| / max |torch|) in float32: matrix products
// summed in another order differ by ~1e-6 relative per layer. ViT's head is zero at init, so its
// logits are exactly 0 on both sides; the encoder's class-token row (what the head reads) is
// compared too.
TEST(TvTransformers, EvalForwardMatchesTorchvision) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    auto built = initialized(name, 0);
    built.module->eval();
    for (const auto& c : entry.at("forward")) {
      const wi::Shape shape = c.at("input_shape").get<wi::Shape>();
      SCOPED_TRACE(name + " " + wi::shape_str(shape));
      wi::Generator data(123);
      const wi::Tensor x = wi::rand(shape, wi::DType::Float32, data);
      wi::Tensor encoded;
      std::size_t hook = 0;
      wi::nn::Module* encoder = nullptr;
      if (c.contains("class_token_features")) {
        encoder = built.module->child("encoder");
        hook = encoder->register_forward_hook(
            [&](wi::nn::Module&, const wi::Tensor&, const wi::Tensor& out) { encoded = out; });
      }
      const wi::nn::NoGradGuard no_grad;
      const wi::Tensor y = (*built.module)(x);
      ASSERT_EQ(y.sizes(), c.at("output_shape").get<wi::Shape>());
      const auto want = c.at("output").get<std::vector<double>>();
      if (std::all_of(want.begin(), want.end(), [](double v) { return v == 0.0; })) {
        for (const double v : y.to_vector<double>()) ASSERT_EQ(v, 0.0);
      } else {
        EXPECT_LE(relative_error(y.to_vector<double>(), want), 1e-4);
      }
      if (encoder != nullptr) {
        encoder->remove_forward_hook(hook);
        ASSERT_TRUE(encoded.defined());
        EXPECT_LE(relative_error(encoded.select(1, 0).contiguous().to_vector<double>(),
                                 c.at("class_token_features")),
                  1e-4);
      }
    }
  }
}

// `weightinit summary MODEL` prints this table: torchsummary's, row for row (see the golden's
// generator for nn.MultiheadAttention's tuple output).
TEST(TvTransformers, SummaryIsTorchsummarysTable) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    wi::Generator gen(0);
    auto built = wi::models::build_model(name, gen);
    EXPECT_EQ(wi::diag::summary(*built.module, built.input_size).str(),
              entry.at("summary").get<std::string>())
        << name;
  }
}

TEST(TvTransformers, ImpossibleSizesFailBeforeAnythingIsBuilt) {
  wi::Generator gen(0);
  const auto expect_error = [&](const wi::models::VitConfig& c, const std::string& message) {
    const std::uint64_t words = gen.words_drawn();
    try {
      wi::models::make_vision_transformer(c, gen);
      ADD_FAILURE() << "built: " << message;
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_EQ(gen.words_drawn(), words) << "drew before failing: " << message;
  };
  wi::models::VitConfig c;
  c.image_size = 225;
  expect_error(c, "Input shape indivisible by patch size!");
  c = {};
  c.num_heads = 5;
  expect_error(c, "embed_dim must be divisible by num_heads");
  c = {};
  c.num_layers = 0;
  expect_error(c, "sizes must be positive");

  const auto expect_swin_error = [&](const wi::models::SwinConfig& sc, const std::string& message) {
    const std::uint64_t words = gen.words_drawn();
    try {
      wi::models::make_swin_transformer(sc, gen);
      ADD_FAILURE() << "built: " << message;
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_EQ(gen.words_drawn(), words) << "drew before failing: " << message;
  };
  wi::models::SwinConfig sc;
  sc.num_heads = {3, 6, 12};
  expect_swin_error(sc, "one head count per stage");
  sc = {};
  sc.num_heads = {5, 6, 12, 24};
  expect_swin_error(sc, "stage 0: width 96 is not a multiple of its 5 heads");
  sc = {};
  sc.depths = {1};
  sc.num_heads = {3};
  expect_swin_error(sc, "at least 2 blocks");
  sc = {};
  sc.window_size = 0;
  expect_swin_error(sc, "sizes must be positive");
}

// StochasticDepth is the identity in eval mode (the forward goldens) and drops whole samples in
// training: each row of the output is 0 or the input / (1 - p).
TEST(TvTransformers, SwinStochasticDepthDropsWholeRowsInTraining) {
  wi::models::SwinConfig c;
  c.embed_dim = 8;
  c.depths = {2};
  c.num_heads = {2};
  c.window_size = 2;
  c.stochastic_depth_prob = 0.5;
  c.num_classes = 3;
  wi::Generator gen(0);
  auto swin = wi::models::make_swin_transformer(c, gen);
  wi::nn::Module* sd = nullptr;
  for (auto& [name, m] : swin->named_modules()) {
    if (name == "features.1.1.stochastic_depth") sd = m;
  }
  ASSERT_NE(sd, nullptr);
  const wi::Tensor x = wi::rand({64, 3, 2, 2}, wi::DType::Float32, gen);
  const wi::nn::NoGradGuard no_grad;
  sd->eval();
  EXPECT_EQ(sd->forward(x).to_vector<float>(), x.to_vector<float>());
  sd->train();  // the second block's rate: 0.5 · 1 / (2 − 1)
  const auto y = sd->forward(x).to_vector<float>(), xv = x.to_vector<float>();
  int kept = 0;
  for (std::size_t row = 0; row < 64; ++row) {
    const bool dropped = y[row * 12] == 0.0f;
    kept += dropped ? 0 : 1;
    for (std::size_t i = row * 12; i < row * 12 + 12; ++i) {
      EXPECT_EQ(y[i], dropped ? 0.0f : xv[i] * 2.0f) << row;
    }
  }
  EXPECT_GT(kept, 16);  // Binomial(64, 0.5): 32 ± 4
  EXPECT_LT(kept, 48);
  EXPECT_EQ((*swin)(wi::rand({2, 3, 12, 20})).sizes(), (wi::Shape{2, 3}));  // padded windows
}

TEST(TvTransformers, VitRejectsAnotherImageSize) {
  wi::models::VitConfig c;
  c.image_size = 32;
  c.patch_size = 8;
  c.num_layers = 1;
  c.num_heads = 2;
  c.hidden_dim = 8;
  c.mlp_dim = 16;
  c.num_classes = 3;
  wi::Generator gen(0);
  auto vit = wi::models::make_vision_transformer(c, gen);
  const wi::nn::NoGradGuard no_grad;
  EXPECT_EQ((*vit)(wi::rand({2, 3, 32, 32})).sizes(), (wi::Shape{2, 3}));
  try {
    (*vit)(wi::rand({1, 3, 40, 32}));
    ADD_FAILURE() << "a 40×32 image ran";
  } catch (const wi::ShapeError& e) {
    EXPECT_STREQ(e.what(), "Wrong image height! Expected 32 but got 40!");
  }
}

// dot_product_attention (float32) against the formula in float64 loops, with a bias of G = 2
// groups over a batch of 4 (as Swin's windows: batch b reads bias[b mod 2]); within 1e-5.
TEST(TvTransformers, DotProductAttentionMatchesTheFormula) {
  const std::int64_t b = 4, h = 2, t = 5, d = 3, g = 2;
  wi::Generator gen(7);
  const wi::Tensor q = wi::randn({b, h, t, d}, wi::DType::Float32, gen);
  const wi::Tensor k = wi::randn({b, h, t, d}, wi::DType::Float32, gen);
  const wi::Tensor v = wi::randn({b, h, t, d}, wi::DType::Float32, gen);
  const wi::Tensor bias = wi::randn({g, h, t, t}, wi::DType::Float32, gen);
  const auto y = wi::models::detail::dot_product_attention(q, k, v, bias).to_vector<double>();
  const auto qv = q.to_vector<double>(), kv = k.to_vector<double>(), vv = v.to_vector<double>();
  const auto bv = bias.to_vector<double>();
  double worst = 0;
  for (std::int64_t s = 0; s < b * h; ++s) {
    const std::int64_t bias_at = ((s / h) % g * h + s % h) * t * t;
    for (std::int64_t i = 0; i < t; ++i) {
      std::vector<double> p(static_cast<std::size_t>(t));
      double top = -1e300, sum = 0;
      for (std::int64_t j = 0; j < t; ++j) {
        double dot = 0;
        for (std::int64_t e = 0; e < d; ++e)
          dot += qv[(s * t + i) * d + e] * kv[(s * t + j) * d + e];
        p[j] = dot / std::sqrt(double(d)) + bv[bias_at + i * t + j];
        top = std::max(top, p[j]);
      }
      for (auto& x : p) sum += (x = std::exp(x - top));
      for (std::int64_t e = 0; e < d; ++e) {
        double want = 0;
        for (std::int64_t j = 0; j < t; ++j) want += p[j] / sum * vv[(s * t + j) * d + e];
        worst = std::max(worst, std::abs(y[(s * t + i) * d + e] - want));
      }
    }
  }
  EXPECT_LT(worst, 1e-5);
  EXPECT_THROW(
      wi::models::detail::dot_product_attention(q, k, v, bias.slice(0, 0, 1).slice(1, 0, 1)),
      wi::ShapeError);
  EXPECT_THROW(wi::models::detail::dot_product_attention(q, k.slice(2, 0, 4), v), wi::ShapeError);
}

// The torch family's streaming writer builds the model deferred while recording the
// constructors' draws by word offset; swin_t's relative_position_bias_table (trunc_normal_ in its
// constructor) is drawn then, from its place in the stream, into a materialized tensor. It must
// hold what the eager build draws (the later draws' positions are checked live by
// torchvision_init_differential), and the generator must not move.
void check_planned_swin_tables(wi::Generator& eager_gen, wi::Generator& gen) {
  const auto eager = wi::models::build_model("swin_t", eager_gen);
  wi::models::BuiltModel planned;
  {
    wi::recipes::TorchConstructionRecorder recorder;
    {
      const wi::DeferredAllocationGuard deferred;
      planned = wi::models::build_model("swin_t", gen);
    }
    recorder.finish();
  }
  EXPECT_EQ(gen.words_drawn(), 0u);
  const auto a = eager.module->state_dict(), b = planned.module->state_dict();
  ASSERT_EQ(a.size(), b.size());
  int tables = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first.find("relative_position") == std::string::npos) continue;
    ASSERT_FALSE(b[i].second.is_deferred()) << b[i].first;
    EXPECT_EQ(sha256_hex(a[i].second), sha256_hex(b[i].second)) << a[i].first;
    ++tables;
  }
  EXPECT_EQ(tables, 24);  // 12 blocks: a table and an index each
}

// Under 1.13's inverse-CDF sampler and 2.12+'s rejection sampler (whose redraws need scratch
// memory).
TEST(TvTransformers, SwinTablesDrawnWhileTheTorchPlanRecords) {
  for (const char* profile : {"1.13-avx2", "2.14-avx2"}) {
    SCOPED_TRACE(profile);
    wi::Generator eager_gen(3), gen(3);
    wi::apply_torch_profile(eager_gen, wi::torch_profile(profile));
    wi::apply_torch_profile(gen, wi::torch_profile(profile));
    check_planned_swin_tables(eager_gen, gen);
  }
}

namespace {

double l2_norm(const wi::Tensor& t) {
  double s = 0;
  for (const double v : t.to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

/// Every floating parameter and buffer of `model` converted to float64.
void to_float64(wi::nn::Module& model) {
  for (auto& [name, p] : model.named_parameters()) p->data = p->data.to(wi::DType::Float64);
  for (auto& [name, b] : model.named_buffers()) {
    if (b->dtype() == wi::DType::Float32) *b = b->to(wi::DType::Float64);
  }
}

}  // namespace

// Training mode (dropout 0) in float64: ViT with heads.head redrawn by nn.Linear's
// reset_parameters after torchvision's init (its zero head would leave every other gradient 0),
// Swin with its StochasticDepth modules in eval mode (their row masks are random): the output and
// every parameter's and the input's gradient norm within 1e-9 relative (float64 sums in another
// order differ by ~1e-14).
TEST(TvTransformers, BackwardMatchesTorchvision) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    SCOPED_TRACE(name);
    const auto& c = entry.at("training");
    wi::Generator gen = golden_generator(0);
    auto built = wi::models::build_model(name, gen);
    wi::recipes::Policy::builtin(entry.at("policy").get<std::string>(), *built.module)
        .apply(*built.module, gen);
    if (name == "vit_b_16") built.module->child("heads")->child("head")->reset_own_parameters(gen);
    to_float64(*built.module);
    built.module->train();
    for (auto& [mname, m] : built.module->named_modules()) {
      if (m->type_name() == "StochasticDepth") m->eval();
    }
    wi::Generator data(123);
    const wi::Shape shape = c.at("input_shape").get<wi::Shape>();
    const wi::Tensor x = wi::rand(shape, wi::DType::Float32, data).to(wi::DType::Float64);
    const wi::Tensor y = (*built.module)(x);
    EXPECT_LE(relative_error(y.to_vector<double>(), c.at("output")), 1e-9);
    const wi::Tensor u = wi::rand(y.sizes(), wi::DType::Float32, data).to(wi::DType::Float64);
    const wi::Tensor dx = built.module->backward(u);
    const double want_dx = c.at("input_grad_norm");
    EXPECT_NEAR(l2_norm(dx), want_dx, 1e-9 * want_dx);
    const auto& norms = c.at("grad_norms");
    ASSERT_EQ(norms.size(), built.module->named_parameters().size());
    for (auto& [pname, p] : built.module->named_parameters()) {
      const double want = norms.at(pname);
      ASSERT_TRUE(p->grad.defined()) << pname;
      EXPECT_NEAR(l2_norm(p->grad), want, 1e-9 * want) << pname;
    }
    for (auto& [mname, m] : built.module->named_modules()) {
      EXPECT_EQ(m->pending_backward(), 0u) << "module '" << mname << "' kept a record";
    }
  }
}

namespace {

/// Moves every parameter of the float64 `model` by N(0, 0.5²) (LayerNorm's exact 1 and 0, zero
/// biases), so that every term of the backward is exercised, then checks the input's and every
/// parameter's gradient of L = Σ upstream·model(x) against central differences.
void check_against_central_differences(wi::nn::Module& model, const wi::Shape& input) {
  to_float64(model);
  std::uint64_t stream = 200;
  for (auto& [name, p] : model.named_parameters()) {
    const wi::Tensor shift = wi::testing::randn64(p->data.sizes(), stream++);
    const auto values = p->data.to_vector<double>(), shifts = shift.to_vector<double>();
    std::vector<double> moved(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) moved[i] = values[i] + 0.5 * shifts[i];
    p->data = wi::Tensor::from_data<double>(moved, p->data.sizes());
  }
  wi::Tensor x = wi::testing::randn64(input, 1);
  const wi::Tensor y = model(x);
  const wi::Tensor upstream = wi::testing::randn64(y.sizes(), 2);
  const wi::Tensor dx = model.backward(upstream);
  const auto loss = [&] {
    const wi::nn::NoGradGuard no_grad;
    return wi::testing::dot(model(x), upstream);
  };
  wi::testing::expect_grad_near(dx, wi::testing::numeric_grad(loss, x), "input grad");
  for (auto& [name, p] : model.named_parameters()) {
    wi::testing::expect_grad_near(p->grad, wi::testing::numeric_grad(loss, p->data),
                                  name + ".grad");
  }
}

}  // namespace

// A small Swin (patch 2, window 2, embed 4, 2 stages of 2 blocks) on 10×10 images: 5×5 maps
// padded to 6×6 with shifted windows and masks, a PatchMerging of an odd map, stage 2's 3×3 map
// padded to 4×4; StochasticDepth in eval mode.
TEST(TvTransformers, SwinBackwardMatchesCentralDifferences) {
  wi::models::SwinConfig c;
  c.patch_size = 2;
  c.embed_dim = 4;
  c.depths = {2, 2};
  c.num_heads = {1, 2};
  c.window_size = 2;
  c.num_classes = 3;
  wi::Generator gen(12);
  auto swin = wi::models::make_swin_transformer(c, gen);
  swin->train();
  for (auto& [name, m] : swin->named_modules()) {
    if (m->type_name() == "StochasticDepth") m->eval();
  }
  check_against_central_differences(*swin, {2, 3, 10, 10});
}

// A small float64 ViT (image 8, patch 4, 2 blocks, 2 heads of 2) against central differences
// (GradTolerance's bounds).
TEST(TvTransformers, VitBackwardMatchesCentralDifferences) {
  wi::models::VitConfig c;
  c.image_size = 8;
  c.patch_size = 4;
  c.num_layers = 2;
  c.num_heads = 2;
  c.hidden_dim = 4;
  c.mlp_dim = 6;
  c.num_classes = 3;
  wi::Generator gen(11);
  auto vit = wi::models::make_vision_transformer(c, gen);
  vit->train();
  check_against_central_differences(*vit, {2, 3, 8, 8});
}

// dot_product_attention_backward with a bias (float64) against central differences.
TEST(TvTransformers, DotProductAttentionBackwardMatchesCentralDifferences) {
  wi::Tensor q = wi::testing::randn64({4, 2, 5, 3}, 1), k = wi::testing::randn64({4, 2, 5, 3}, 2);
  wi::Tensor v = wi::testing::randn64({4, 2, 5, 3}, 3);
  const wi::Tensor bias = wi::testing::randn64({2, 2, 5, 5}, 4);
  const wi::Tensor dy = wi::testing::randn64({4, 2, 5, 3}, 5);
  const auto g = wi::models::detail::dot_product_attention_backward(dy, q, k, v, bias);
  const auto loss = [&] {
    return wi::testing::dot(wi::models::detail::dot_product_attention(q, k, v, bias), dy);
  };
  wi::testing::expect_grad_near(g.q, wi::testing::numeric_grad(loss, q), "dq");
  wi::testing::expect_grad_near(g.k, wi::testing::numeric_grad(loss, k), "dk");
  wi::testing::expect_grad_near(g.v, wi::testing::numeric_grad(loss, v), "dv");
  EXPECT_THROW(wi::models::detail::dot_product_attention_backward(dy.slice(2, 0, 4), q, k, v),
               wi::ShapeError);
}
