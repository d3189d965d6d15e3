// SPDX-License-Identifier: MIT
// The zoo's torchvision models run: forward (and backward in training mode) against torchvision
// 0.14.1 on small inputs (tests/golden/zoo_forward.json, made by tools/golden/gen_zoo_forward.py),
// and their residual blocks' backward against float64 central differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/blocks.h"
#include "support/gradcheck.h"
#include "weightinit/models/cifar_resnet.h"
#include "weightinit/models/registry.h"
#include "weightinit/models/resnet.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;
using wi::testing::dot;
using wi::testing::expect_grad_near;
using wi::testing::numeric_grad;
using wi::testing::randn64;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/zoo_forward.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

/// max |got − want| / max |want|: the relative error of a whole output.
double relative_error(const std::vector<double>& got, const std::vector<double>& want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return diff / scale;
}

double l2_norm(const wi::Tensor& t) {
  double s = 0;
  for (const double v : t.to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

/// Every floating parameter and buffer of `model` converted to float64, for gradient checks.
void to_float64(wi::nn::Module& model) {
  for (auto& [name, p] : model.named_parameters()) p->data = p->data.to(wi::DType::Float64);
  for (auto& [name, b] : model.named_buffers()) {
    if (b->dtype() == wi::DType::Float32) *b = b->to(wi::DType::Float64);
  }
}

}  // namespace

// Outputs within 1e-4 relative (max |diff| / max |torch|) in float32: convolutions summed in
// another order differ by ~1e-6 relative per layer. Gradient norms within 1e-4 relative too.
// The float64 cases (ResNeXt-50 and MobileNetV2 in training mode, ill-conditioned: see the
// golden's generator) within 1e-9.
TEST(ZooForward, TorchvisionModelsMatchTorchvision) {
  for (const auto& c : golden().at("cases")) {
    const std::string name = c.at("model");
    const bool training = c.at("training");
    const bool f64 = c.at("dtype") == "float64";
    const double tol = f64 ? 1e-9 : 1e-4;
    SCOPED_TRACE(name + (training ? " (train)" : " (eval)"));
    wi::Generator gen(0);
    auto built = wi::models::build_model(name, gen);
    const bool tokens = c.contains("input_ids");  // GPT-2: constructors' draws, token ids
    if (!tokens) {
      wi::recipes::Policy::builtin(wi::models::default_policy(name), *built.module)
          .apply(*built.module, gen);
    }
    if (f64) to_float64(*built.module);
    built.module->train(training);
    if (training && (name.rfind("vgg", 0) == 0 || name.rfind("mobilenet", 0) == 0)) {
      // as the golden: no Dropout masks
      for (auto& [child, m] : built.module->named_children()) {
        if (child == "classifier") m->eval();
      }
    }
    wi::Generator data(123);
    const wi::Shape input_shape = c.at("input_shape").get<wi::Shape>();
    wi::Tensor x = tokens ? wi::Tensor::from_data<std::int64_t>(
                                c.at("input_ids").get<std::vector<std::int64_t>>(), input_shape)
                          : wi::rand(input_shape, wi::DType::Float32, data);
    if (tokens) wi::rand(input_shape, wi::DType::Float32, data);  // torch.randint's one word each
    if (f64) x = x.to(wi::DType::Float64);
    const wi::Tensor y = [&] {
      if (training) return (*built.module)(x);
      wi::nn::NoGradGuard no_grad;
      return (*built.module)(x);
    }();
    ASSERT_EQ(y.sizes(), c.at("output_shape").get<wi::Shape>());
    EXPECT_LE(relative_error(y.to_vector<double>(), c.at("output")), tol);
    if (!training) continue;
    const wi::Tensor upstream = wi::rand(y.sizes(), wi::DType::Float32, data).to(y.dtype());
    const wi::Tensor dx = built.module->backward(upstream);
    if (c.contains("input_grad_norm")) {
      EXPECT_NEAR(l2_norm(dx), c.at("input_grad_norm").get<double>(),
                  tol * c.at("input_grad_norm").get<double>());
    } else {
      EXPECT_FALSE(dx.defined());  // token ids
    }
    const auto& norms = c.at("grad_norms");
    ASSERT_EQ(norms.size(), built.module->named_parameters().size());
    // A conv bias before a training-mode BatchNorm has gradient 0 in exact arithmetic (the
    // norm subtracts the batch mean): both sides give rounding noise there, so such a gradient
    // must only stay below 1e-6 of the largest one.
    double largest = 0;
    for (const auto& [pname, norm] : norms.items()) largest = std::max(largest, norm.get<double>());
    for (auto& [pname, p] : built.module->named_parameters()) {
      const double want = norms.at(pname);
      if (want < 1e-6 * largest) {
        EXPECT_LT(l2_norm(p->grad), 1e-6 * largest) << pname;
      } else {
        EXPECT_NEAR(l2_norm(p->grad), want, tol * want) << pname;
      }
    }
    if (!c.contains("running_mean")) continue;
    const std::string stat = c.at("running_mean")[0];
    for (auto& [bname, b] : built.module->named_buffers()) {
      if (bname != stat) continue;
      EXPECT_LE(relative_error(b->to_vector<double>(), c.at("running_mean")[1]), tol) << bname;
    }
  }
}

namespace {

/// One forward in grad mode and backward(upstream) through a float64 `block`, against central
/// differences of L = Σ upstream·block(x) for the input and every parameter.
void check_block(wi::nn::Module& block, const wi::Shape& input_shape, std::uint64_t seed,
                 const std::string& what) {
  to_float64(block);
  // BatchNorm's 1 and 0 make exact zeros: a window of ReLU zeros gives a conv output of exactly
  // 0 and a norm output of exactly 0 at the next ReLU's kink, where central differences see
  // slope 1/2. Moving every 1-D parameter (the norms' weights and biases) by N(0, 0.5²) avoids
  // such points.
  std::uint64_t stream = seed + 100;
  for (auto& [name, p] : block.named_parameters()) {
    if (p->data.dim() != 1) continue;
    const wi::Tensor shift = randn64(p->data.sizes(), stream++);
    const auto values = p->data.to_vector<double>();
    const auto shifts = shift.to_vector<double>();
    std::vector<double> moved(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) moved[i] = values[i] + 0.5 * shifts[i];
    p->data = wi::Tensor::from_data<double>(moved, p->data.sizes());
  }
  wi::Tensor x = randn64(input_shape, seed);
  block.zero_grad();
  const wi::Tensor y = block(x);
  const wi::Tensor upstream = randn64(y.sizes(), seed + 1);
  const wi::Tensor dx = block.backward(upstream);
  for (auto& [name, m] : block.named_modules()) {
    EXPECT_EQ(m->pending_backward(), 0u) << what << ": module '" << name << "' kept a record";
  }
  const auto loss = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(block(x), upstream);
  };
  expect_grad_near(dx, numeric_grad(loss, x), what + ": input grad");
  for (auto& [name, p] : block.named_parameters()) {
    expect_grad_near(p->grad, numeric_grad(loss, p->data), what + ": " + name + ".grad");
  }
}

}  // namespace

// Eval mode (BatchNorm with its running statistics) and training mode (batch statistics),
// with and without a downsample, grouped 3×3 convs in the Bottleneck.
TEST(ZooBackward, BasicBlockMatchesCentralDifferences) {
  for (const bool training : {false, true}) {
    wi::Generator gen(7);
    auto same = wi::models::make_basic_block(3, 3, 1, gen);
    same->train(training);
    check_block(*same, {2, 3, 5, 5}, 11, training ? "BasicBlock (train)" : "BasicBlock (eval)");
    auto down = wi::models::make_basic_block(2, 4, 2, gen);
    down->train(training);
    check_block(*down, {2, 2, 6, 6}, 21, "BasicBlock with downsample");
  }
}

TEST(ZooBackward, BottleneckMatchesCentralDifferences) {
  for (const bool training : {false, true}) {
    wi::Generator gen(8);
    auto grouped = wi::models::make_bottleneck(4, 2, 2, 2, 64, gen);  // width 4, 2 groups
    grouped->train(training);
    check_block(*grouped, {2, 4, 5, 5}, 31, training ? "Bottleneck (train)" : "Bottleneck (eval)");
  }
}

TEST(ZooBackward, InvertedResidualMatchesCentralDifferences) {
  for (const bool training : {false, true}) {
    wi::Generator gen(10);
    auto residual = wi::models::detail::make_inverted_residual(3, 3, 1, 2, gen);  // x + conv(x)
    residual->train(training);
    check_block(*residual, {2, 3, 5, 5}, 41, "InvertedResidual (residual)");
    auto strided = wi::models::detail::make_inverted_residual(2, 3, 2, 1, gen);  // no expand
    strided->train(training);
    check_block(*strided, {2, 2, 6, 6}, 51, "InvertedResidual (stride 2)");
  }
}

TEST(ZooBackward, WideResNetBlockMatchesCentralDifferences) {
  for (const bool training : {false, true}) {
    wi::Generator gen(11);
    auto same = wi::models::detail::make_wrn_block(3, 3, 1, gen);
    same->train(training);
    check_block(*same, {2, 3, 5, 5}, 61, "WRN BasicBlock (identity)");
    auto wider = wi::models::detail::make_wrn_block(2, 4, 2, gen);  // convShortcut on relu(bn(x))
    wider->train(training);
    check_block(*wider, {2, 2, 6, 6}, 71, "WRN BasicBlock (convShortcut)");
  }
}

// The option-A shortcut of the CIFAR ResNets: x[:, :, ::2, ::2] (odd sizes keep the last row and
// column), zero-padded by planes/4 channels on each side. Its backward scatters the middle
// channels back to the even positions.
TEST(ZooBackward, CifarOptionAShortcutMatchesCentralDifferences) {
  auto shortcut = wi::models::detail::make_option_a_shortcut(8);  // 4 channels + 2 + 2
  check_block(*shortcut, {2, 4, 5, 5}, 91, "option-A shortcut");
  const wi::Tensor x = randn64({1, 2, 3, 4}, 92);
  auto small = wi::models::detail::make_option_a_shortcut(4);  // 2 + 1 + 1
  const wi::Tensor y = (*small)(x);
  ASSERT_EQ(y.sizes(), (wi::Shape{1, 4, 2, 2}));
  const auto xs = x.to_vector<double>(), ys = y.to_vector<double>();
  // channel 0 and 3 are zero; channel 1 is x's channel 0 at rows {0, 2}, columns {0, 2}
  EXPECT_EQ(ys[0], 0.0);
  EXPECT_EQ(ys[3 * 4 + 3], 0.0);
  EXPECT_EQ(ys[1 * 4 + 0], xs[0 * 12 + 0 * 4 + 0]);
  EXPECT_EQ(ys[1 * 4 + 3], xs[0 * 12 + 2 * 4 + 2]);
  EXPECT_EQ(ys[2 * 4 + 1], xs[1 * 12 + 0 * 4 + 2]);
  small->backward(y);
}

// The CIFAR ResNets' BasicBlock: identity (an empty Sequential) and option-A shortcuts, with and
// without BatchNorm, in eval and training mode.
TEST(ZooBackward, CifarBasicBlockMatchesCentralDifferences) {
  for (const bool batch_norm : {true, false}) {
    for (const bool training : {false, true}) {
      const std::string what = std::string("CIFAR BasicBlock") + (batch_norm ? "" : " (no BN)") +
                               (training ? " (train)" : " (eval)");
      wi::Generator gen(14);
      const auto norm = batch_norm ? wi::models::CifarNorm::BatchNorm : wi::models::CifarNorm::None;
      auto same = wi::models::detail::make_cifar_basic_block(3, 3, 1, norm, gen);
      same->train(training);
      check_block(*same, {2, 3, 5, 5}, 101, what + " identity");
      auto down = wi::models::detail::make_cifar_basic_block(2, 4, 2, norm, gen);
      down->train(training);
      check_block(*down, {2, 2, 5, 5}, 111, what + " option A");
    }
  }
}

// Fixup's FixupBasicBlock (hongyi-zhang/Fixup): the five scalars (moved off 0 and 1 by
// check_block's shift of every 1-D parameter), both convs, the identity and the stride-2
// shortcut cat(avgpool(x + bias1a), zeros), against float64 central differences; odd sizes too.
TEST(ZooBackward, FixupBasicBlockMatchesCentralDifferences) {
  wi::Generator gen(15);
  auto same =
      wi::models::detail::make_cifar_basic_block(3, 3, 1, wi::models::CifarNorm::Fixup, gen);
  check_block(*same, {2, 3, 5, 5}, 121, "FixupBasicBlock identity");
  auto down =
      wi::models::detail::make_cifar_basic_block(2, 4, 2, wi::models::CifarNorm::Fixup, gen);
  check_block(*down, {2, 2, 5, 5}, 131, "FixupBasicBlock stride 2");
  // The stride-2 shortcut keeps the input's channels first and pads zeros after them.
  const std::vector<std::string> names = [&] {
    std::vector<std::string> out;
    for (const auto& [name, p] : down->named_parameters()) out.push_back(name);
    return out;
  }();
  EXPECT_EQ(names, (std::vector<std::string>{"bias1a", "bias1b", "bias2a", "scale", "bias2b",
                                             "conv1.weight", "conv2.weight"}));
  EXPECT_THROW(
      wi::models::detail::make_cifar_basic_block(4, 6, 2, wi::models::CifarNorm::Fixup, gen),
      wi::ValueError);
}

// The ReZero block relu(shortcut(x) + alpha * conv2(relu(conv1(x)))): alpha moved off 0 by
// check_block, so the branch's gradients are non-zero too.
TEST(ZooBackward, CifarReZeroBlockMatchesCentralDifferences) {
  wi::Generator gen(16);
  auto same =
      wi::models::detail::make_cifar_basic_block(3, 3, 1, wi::models::CifarNorm::ReZero, gen);
  check_block(*same, {2, 3, 5, 5}, 141, "ReZero block identity");
  auto down =
      wi::models::detail::make_cifar_basic_block(2, 4, 2, wi::models::CifarNorm::ReZero, gen);
  check_block(*down, {2, 2, 5, 5}, 151, "ReZero block option A");
}

// A whole Fixup and ReZero net (depth 8, float64), every weight moved off Fixup's zeros and
// every scalar off 0 and 1: the input gradient and the scalars' gradients (the stem's bias1, the
// classifier's bias2, each block's alpha or five scalars) against central differences.
TEST(ZooBackward, FixupAndReZeroNetsMatchCentralDifferences) {
  for (const char* spec : {"cifar-resnet8:norm=fixup", "cifar-resnet8:norm=rezero"}) {
    wi::Generator gen(17);
    auto built = wi::models::build_model(spec, gen);
    wi::nn::Module& net = *built.module;
    to_float64(net);
    std::uint64_t stream = 170;
    for (auto& [name, p] : net.named_parameters()) {
      const auto shift = randn64(p->data.sizes(), stream++).to_vector<double>();
      auto v = p->data.to_vector<double>();
      const double scale = p->data.dim() == 1 ? 0.5 : 0.1;
      for (std::size_t i = 0; i < v.size(); ++i) v[i] += scale * shift[i];
      p->data = wi::Tensor::from_data<double>(v, p->data.sizes());
    }
    const wi::Tensor x = randn64({2, 3, 8, 8}, 171);
    net.zero_grad();
    const wi::Tensor y = net(x);
    const wi::Tensor upstream = randn64(y.sizes(), 172);
    const wi::Tensor dx = net.backward(upstream);
    const auto loss = [&] {
      wi::nn::NoGradGuard no_grad;
      return dot(net(x), upstream);
    };
    wi::Tensor xv = x;
    expect_grad_near(dx, numeric_grad(loss, xv), std::string(spec) + ": input grad");
    int scalars = 0;
    for (auto& [name, p] : net.named_parameters()) {
      if (p->data.numel() != 1) continue;
      expect_grad_near(p->grad, numeric_grad(loss, p->data), std::string(spec) + ": " + name);
      ++scalars;
    }
    EXPECT_EQ(scalars, std::string(spec).ends_with("fixup") ? 2 + 3 * 5 : 3) << spec;
  }
}

// At init a Fixup block adds nothing to its shortcut (conv2 = 0, scale 1, biases 0) and a ReZero
// block neither (alpha 0). With seed 0 and the model's default policy, on 16 N(0, 1) 3x32x32
// inputs (Generator(1)), the std of the last stage's features of ResNet-110 is within 10% of
// ResNet-20's for Fixup and ReZero (Fixup's stem is the same draw at both depths, so the ratio is
// 1; the cifar-resnet policy draws ReZero's stem after the constructors, at another place in the
// stream), while without BN the default init grows it more than 10x; and a fresh Fixup net's
// logits are exactly 0 (fc is 0).
TEST(ZooForward, FixupAndReZeroOutputsDoNotGrowWithDepth) {
  const auto feature_std = [](const std::string& spec) {
    wi::Generator gen(0);
    auto built = wi::models::build_model(spec, gen);
    wi::recipes::Policy::builtin(wi::models::default_policy(spec), *built.module)
        .apply(*built.module, gen);
    wi::nn::NoGradGuard no_grad;
    wi::Generator data(1);
    const wi::Tensor x = wi::randn({16, 3, 32, 32}, wi::DType::Float32, data);
    wi::Tensor h = (*built.module->child("conv1"))(x);
    if (built.module->find_child("bn1") != nullptr) h = (*built.module->child("bn1"))(h);
    h = wi::nn::functional::relu(h);  // bias1 is 0 at init
    for (const char* layer : {"layer1", "layer2", "layer3"}) h = (*built.module->child(layer))(h);
    double s = 0, s2 = 0;
    const auto v = h.to_vector<double>();
    for (const double e : v) s += e;
    const double mean = s / static_cast<double>(v.size());
    for (const double e : v) s2 += (e - mean) * (e - mean);
    return std::sqrt(s2 / static_cast<double>(v.size()));
  };
  for (const char* norm : {"fixup", "rezero"}) {
    const double d20 = feature_std(std::string("cifar-resnet20:norm=") + norm);
    const double d110 = feature_std(std::string("cifar-resnet110:norm=") + norm);
    EXPECT_GT(d20, 0.0) << norm;
    EXPECT_NEAR(d110 / d20, 1.0, 0.1) << norm << ": depth 20 " << d20 << ", depth 110 " << d110;
  }
  const double none20 = feature_std("cifar-resnet20:norm=none");
  const double none110 = feature_std("cifar-resnet110:norm=none");
  EXPECT_GT(none110 / none20, 10.0) << "no BN, default init: " << none20 << " -> " << none110;
  // The logits of a fresh Fixup net are exactly 0 (fc weight and bias 0).
  wi::Generator gen(0);
  auto fixup = wi::models::build_model("cifar-resnet110:norm=fixup", gen);
  wi::nn::NoGradGuard no_grad;
  wi::Generator data(1);
  for (const double v :
       (*fixup.module)(wi::randn({2, 3, 32, 32}, wi::DType::Float32, data)).to_vector<double>()) {
    EXPECT_EQ(v, 0.0);
  }
}

// Fixup's init as the authors' FixupResNet.__init__: each block's conv1 N(0, sqrt(2 / (out * 9))
// * L^-0.5), conv2 0, fc 0; the stem conv keeps torch's kaiming_uniform(a=sqrt(5)), which is what
// the same seed draws without the Fixup loop.
TEST(ZooForward, FixupInitFollowsTheAuthors) {
  for (const std::int64_t depth : {8, 56}) {
    const std::int64_t blocks = 3 * ((depth - 2) / 6);
    wi::Generator gen(3);
    auto built =
        wi::models::build_model("cifar-resnet" + std::to_string(depth) + ":norm=fixup", gen);
    wi::Generator plain_gen(3);
    auto plain =
        wi::models::build_model("cifar-resnet" + std::to_string(depth) + ":norm=none", plain_gen);
    auto params = built.module->named_parameters();
    EXPECT_EQ(params.front().first, "bias1");
    EXPECT_EQ(params.back().first, "fc.bias");
    EXPECT_EQ(built.module->parameter("bias1").data.item(), 0.0);
    EXPECT_EQ(built.module->child("conv1")->parameter("weight").data.to_vector<double>(),
              plain.module->child("conv1")->parameter("weight").data.to_vector<double>());
    std::int64_t checked = 0;
    for (const auto& [name, p] : params) {
      const auto v = p->data.to_vector<double>();
      const bool zero = std::all_of(v.begin(), v.end(), [](double e) { return e == 0.0; });
      if (name.ends_with("conv2.weight") || name.rfind("fc.", 0) == 0 ||
          name.find(".bias") != std::string::npos || name == "bias1" || name == "bias2") {
        EXPECT_TRUE(zero) << name;
      } else if (name.ends_with(".scale")) {
        EXPECT_EQ(v, std::vector<double>{1.0}) << name;
      } else if (name.rfind("layer", 0) == 0 && name.ends_with("conv1.weight")) {
        double s2 = 0;
        for (const double e : v) s2 += e * e;
        const double want = std::sqrt(2.0 / (static_cast<double>(p->data.size(0)) * 9.0)) /
                            std::sqrt(static_cast<double>(blocks));
        // the sample std of >= 432 N(0, want) draws: within 20%
        EXPECT_NEAR(std::sqrt(s2 / static_cast<double>(v.size())) / want, 1.0, 0.2) << name;
        ++checked;
      }
    }
    EXPECT_EQ(checked, blocks);
  }
  EXPECT_EQ(wi::models::default_policy("cifar-resnet56:norm=fixup"), "torch-default");
  EXPECT_EQ(wi::models::default_policy("cifar-resnet56:norm=rezero"), "cifar-resnet");
}

// Each layer's input is the concatenation of the block input and the earlier layers' outputs,
// so the input gradient sums a slice of every later layer's gradient.
TEST(ZooBackward, DenseBlockMatchesCentralDifferences) {
  for (const bool training : {false, true}) {
    wi::Generator gen(12);
    auto block = wi::models::detail::make_dense_block(3, 2, 2, 2, gen);  // 2 + 3·2 channels out
    block->train(training);
    check_block(*block, {2, 2, 4, 4}, 81, training ? "_DenseBlock (train)" : "_DenseBlock (eval)");
  }
}

// transformers' LlamaForCausalLM (tests/golden/llama_forward.json, from the 2.x oracle's
// transformers, tools/golden/gen_llama_forward.py): built with transformers' own init bit for
// bit, in training mode on token ids; logits within 1e-4 relative, every gradient norm within
// 1e-4. Grouped-query attention (4 heads, 2 key/value heads) and a tied head.
TEST(ZooForward, LlamaMatchesTransformers) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/llama_forward.json");
  ASSERT_TRUE(in);
  const nlohmann::json golden_llama = nlohmann::json::parse(in);
  for (const auto& c : golden_llama.at("cases")) {
    const std::string spec = c.at("model");
    SCOPED_TRACE(spec);
    wi::Generator gen(0);
    wi::models::BuildOptions options;
    options.transformers_init = true;
    auto built = wi::models::build_model(spec, gen, options);
    const wi::Shape shape = c.at("input_shape").get<wi::Shape>();
    const wi::Tensor ids = wi::Tensor::from_data<std::int64_t>(
        c.at("input_ids").get<std::vector<std::int64_t>>(), shape);
    wi::Generator data(123);
    wi::rand(shape, wi::DType::Float32, data);  // torch.randint's words
    built.module->zero_grad();
    const wi::Tensor logits = (*built.module)(ids);
    ASSERT_EQ(logits.sizes(), c.at("output_shape").get<wi::Shape>());
    EXPECT_LE(relative_error(logits.to_vector<double>(), c.at("output")), 1e-4);
    EXPECT_FALSE(
        built.module->backward(wi::rand(logits.sizes(), wi::DType::Float32, data)).defined());
    const auto& norms = c.at("grad_norms");
    ASSERT_EQ(norms.size(), built.module->named_parameters().size());
    for (auto& [name, p] : built.module->named_parameters()) {
      const double want = norms.at(name);
      EXPECT_NEAR(l2_norm(p->grad), want, 1e-4 * want) << name;
    }
  }
}

// A small LLaMA in float64 (grouped-query attention, rotary embedding, SwiGLU, RMSNorm): every
// parameter's gradient against central differences; then the same with a tied head.
TEST(ZooBackward, LlamaMatchesCentralDifferences) {
  for (const char* spec : {"llama:d=8,layers=2,heads=4,kv_heads=2,ffn=12,vocab=11",
                           "llama:d=8,layers=1,heads=2,ffn=6,vocab=9,tied=true"}) {
    wi::Generator gen(15);
    auto built = wi::models::build_model(spec, gen);
    wi::nn::Module& llama = *built.module;
    to_float64(llama);
    const wi::Tensor ids = wi::Tensor::from_data<std::int64_t>(
        std::vector<std::int64_t>{3, 0, 8, 7, 7, 1, 4, 2}, {2, 4});
    llama.zero_grad();
    const wi::Tensor logits = llama(ids);
    const wi::Tensor upstream = randn64(logits.sizes(), 16);
    EXPECT_FALSE(llama.backward(upstream).defined());
    for (auto& [name, m] : llama.named_modules()) {
      EXPECT_EQ(m->pending_backward(), 0u) << spec << ": module '" << name << "' kept a record";
    }
    const auto loss = [&] {
      wi::nn::NoGradGuard no_grad;
      return dot(llama(ids), upstream);
    };
    for (auto& [name, p] : llama.named_parameters()) {
      expect_grad_near(p->grad, numeric_grad(loss, p->data),
                       std::string(spec) + " " + name + ".grad");
    }
  }
}

// A small nanoGPT in float64 (head tied to wte): every parameter's gradient against central
// differences of L = Σ upstream·logits; token ids get no gradient.
TEST(ZooBackward, Gpt2MatchesCentralDifferences) {
  wi::Generator gen(13);
  auto built = wi::models::build_model("gpt2:d=8,layers=2,heads=2,vocab=11,positions=6", gen);
  wi::nn::Module& gpt = *built.module;
  to_float64(gpt);
  const wi::Tensor ids = wi::Tensor::from_data<std::int64_t>(
      std::vector<std::int64_t>{3, 0, 10, 7, 7, 1, 4, 9, 2, 5}, {2, 5});
  gpt.zero_grad();
  const wi::Tensor logits = gpt(ids);
  ASSERT_EQ(logits.sizes(), (wi::Shape{2, 5, 11}));
  const wi::Tensor upstream = randn64(logits.sizes(), 14);
  EXPECT_FALSE(gpt.backward(upstream).defined());
  for (auto& [name, m] : gpt.named_modules()) {
    EXPECT_EQ(m->pending_backward(), 0u) << "module '" << name << "' kept a record";
  }
  const auto loss = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(gpt(ids), upstream);
  };
  for (auto& [name, p] : gpt.named_parameters()) {
    expect_grad_near(p->grad, numeric_grad(loss, p->data), "GPT " + name + ".grad");
  }
}

TEST(ZooForward, Gpt2RefusesASequenceLongerThanItsBlockAndNonIdInput) {
  wi::Generator gen(0);
  auto built = wi::models::build_model("gpt2:d=8,layers=1,heads=2,vocab=11,positions=4", gen);
  const wi::nn::NoGradGuard no_grad;
  EXPECT_THROW((*built.module)(wi::Tensor::zeros({1, 5}, wi::DType::Int64)), wi::ShapeError);
  EXPECT_THROW((*built.module)(wi::Tensor::zeros({1, 2, 3})), wi::ShapeError);
  EXPECT_THROW(
      (*built.module)(wi::Tensor::from_data<std::int64_t>(std::vector<std::int64_t>{11}, {1, 1})),
      wi::IndexError);
}

TEST(ZooBackward, ResNetBackwardWithoutAnInputGradientLeavesItUndefined) {
  wi::Generator gen(9);
  auto built = wi::models::build_model("resnet18", gen);
  built.module->set_input_requires_grad(false);
  wi::Generator data(1);
  const wi::Tensor x = wi::rand({2, 3, 32, 32}, wi::DType::Float32, data);
  const wi::Tensor y = (*built.module)(x);
  const wi::Tensor dx = built.module->backward(wi::rand(y.sizes(), wi::DType::Float32, data));
  EXPECT_FALSE(dx.defined());
  EXPECT_TRUE(built.module->named_parameters().front().second->grad.defined());
}

TEST(ZooForward, AnInputTooSmallForTheNetworkIsAShapeError) {
  wi::Generator gen(0);
  auto built = wi::models::build_model("vgg11", gen);
  wi::nn::NoGradGuard no_grad;
  EXPECT_THROW((*built.module)(wi::Tensor::zeros({1, 3, 8, 8})), wi::ShapeError);
  EXPECT_THROW((*built.module)(wi::Tensor::zeros({1, 4, 32, 32})), wi::ShapeError);
}

// A depth that is not 6n + 2 is refused with the value and the rule, before anything is built
// or drawn (the generator has not moved); so are malformed options.
TEST(ZooForward, CifarResNetSpecsAndBadDepths) {
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"cifar-resnet21",
            "invalid model spec 'cifar-resnet21': a CIFAR ResNet's depth is 6n + 2 with n >= 1 "
            "blocks per stage (8, 14, 20, 32, 44, 56, 110, 1202, ...), but got depth 21"},
           {"cifar-resnet-2", "but got depth 2"},
           {"cifar-resnet-6000000001", "but got depth 6000000001"},
           {"cifar-resnet", "expected a depth, like cifar-resnet20 or cifar-resnet-56"},
           {"cifar-resnet20:bn=no", "bn is true or false, but got 'no'"},
           {"cifar-resnet20:width=2",
            "unknown key 'width' (known: norm, bn, in_channels, classes)"},
           {"cifar-resnet20:norm=layer", "norm is bn, none, fixup or rezero, but got 'layer'"},
           {"cifar-resnet20:norm=fixup,bn=false",
            "give the normalization once (norm=bn|none|fixup|rezero, or bn=true|false), but got "
            "'bn' again"},
           {"cifar-resnet20:classes=0", "expected a positive integer, but got '0'"}}) {
    wi::Generator gen(3);
    const auto before = gen.get_state();
    try {
      wi::models::build_model(bad, gen);
      ADD_FAILURE() << bad << " built";
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_EQ(gen.get_state(), before) << bad;
  }
  wi::Generator gen(3);
  EXPECT_THROW(wi::models::make_cifar_resnet({.depth = 22}, gen), wi::ValueError);
  EXPECT_EQ(wi::models::cifar_resnet_blocks_per_stage(110), 18);
  // cifar-resnet-D is cifar-resnetD; the options set the stem and the classifier.
  wi::Generator g1(0), g2(0);
  const auto a = wi::models::build_model("cifar-resnet-32", g1);
  const auto b = wi::models::build_model("cifar-resnet32", g2);
  EXPECT_EQ(a.module->state_dict().size(), b.module->state_dict().size());
  EXPECT_EQ(g1.get_state(), g2.get_state());
  const auto fashion = wi::models::build_model("cifar-resnet20:bn=false,in_channels=1", g1);
  EXPECT_EQ(fashion.input_size, (wi::Shape{1, 32, 32}));
  for (auto& [name, p] : fashion.module->named_parameters()) {
    EXPECT_EQ(name.find("bn"), std::string::npos) << name;
  }
  EXPECT_EQ(wi::models::default_policy("cifar-resnet56"), "cifar-resnet");
}

// Inputs the network cannot take: too small for the two stride-2 stages, a final map that is not
// square (the port pools over its width), the wrong channel count.
TEST(ZooForward, CifarResNetRefusesInputsItCannotTake) {
  wi::Generator gen(0);
  auto built = wi::models::build_model("cifar-resnet8", gen);
  wi::nn::NoGradGuard no_grad;
  const auto message = [&](const wi::Shape& shape) {
    try {
      (*built.module)(wi::Tensor::zeros(shape));
    } catch (const wi::ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({1, 3, 3, 3}),
            "CIFAR ResNet: an input of 3x3 is too small for its two stride-2 stages, which need "
            "at least 4x4 (4 -> 2 -> 1)");
  EXPECT_EQ(message({1, 3, 32, 16}),
            "CIFAR ResNet: an input of 32x16 leaves a 8x4 map after the two stride-2 stages, and "
            "the average pool over its width (F.avg_pool2d(out, out.size(3))) needs a square one");
  EXPECT_EQ(message({1, 1, 32, 32}),
            "CIFAR ResNet: expected an input (N, 3, H, W), but got shape [1, 1, 32, 32]");
  EXPECT_EQ((*built.module)(wi::Tensor::zeros({2, 3, 4, 4})).sizes(), (wi::Shape{2, 10}));
  EXPECT_EQ((*built.module)(wi::Tensor::zeros({1, 3, 32, 31})).sizes(), (wi::Shape{1, 10}));
}

// A model whose input is data (the trainer's case) computes no input gradient (its stem conv
// is told so), still gives every parameter its gradient, and leaves no record behind.
TEST(ZooBackward, CifarResNetWithoutAnInputGradientLeavesItUndefined) {
  for (const char* spec : {"cifar-resnet8", "cifar-resnet8:bn=false"}) {
    wi::Generator gen(9);
    auto built = wi::models::build_model(spec, gen);
    built.module->set_input_requires_grad(false);
    wi::Generator data(1);
    const wi::Tensor x = wi::rand({2, 3, 8, 8}, wi::DType::Float32, data);
    const wi::Tensor y = (*built.module)(x);
    EXPECT_FALSE(built.module->backward(wi::rand(y.sizes(), wi::DType::Float32, data)).defined());
    for (auto& [name, p] : built.module->named_parameters()) {
      EXPECT_TRUE(p->grad.defined()) << spec << " " << name;
    }
    for (auto& [name, m] : built.module->named_modules()) {
      EXPECT_EQ(m->pending_backward(), 0u) << spec << " " << name;
    }
  }
}
