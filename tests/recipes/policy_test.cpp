// SPDX-License-Identifier: MIT
// Init policies: parsing with line:column errors, selector semantics, draw order (bit-equal
// to the hand-written loops), expressions, warnings and --strict, the built-in policies.
#include "weightinit/recipes/policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "weightinit/init/init.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/random/generator.h"

namespace wi = weightinit;
using wi::recipes::Policy;
using wi::recipes::PolicyError;

namespace {

/// Conv2d(3, 8, 3) -> BatchNorm2d(8) -> Linear(8, 4): parameters 0.weight, 0.bias, 1.weight,
/// 1.bias, 2.weight, 2.bias.
std::shared_ptr<wi::nn::Sequential> conv_bn_linear(wi::Generator& gen) {
  auto seq = std::make_shared<wi::nn::Sequential>();
  seq->push_back(std::make_shared<wi::nn::Conv2d>(3, 8, wi::nn::ConvConfig{}, gen));
  seq->push_back(std::make_shared<wi::nn::BatchNorm2d>(8));
  seq->push_back(std::make_shared<wi::nn::Linear>(8, 4, true, gen));
  return seq;
}

/// The parameter with qualified name `name`.
wi::Tensor& param(wi::nn::Module& model, const std::string& name) {
  for (auto& [n, p] : model.named_parameters()) {
    if (n == name) return p->data;
  }
  throw std::out_of_range("no parameter " + name);
}

bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  const wi::Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.data_ptr<float>(), cb.data_ptr<float>(),
                     static_cast<std::size_t>(ca.numel()) * sizeof(float)) == 0;
}

/// The PolicyError of `fn`, or a test failure.
template <typename Fn>
std::string policy_error(Fn fn) {
  try {
    fn();
  } catch (const PolicyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no PolicyError";
  return "";
}

}  // namespace

TEST(Policy, ParsesRulesCommentsAndBlankLinesWithPositions) {
  const Policy p = Policy::parse(
      "# a comment line\n"
      "\n"
      "  Conv2d.weight :  kaiming_normal(mode=fan_out)   # trailing comment\r\n"
      "bias: zeros\n"
      "layer*.*.conv2.weight: default",
      "my.policy");
  ASSERT_EQ(p.rules().size(), 3u);
  EXPECT_EQ(p.rules()[0].selector, "Conv2d.weight");
  EXPECT_EQ(p.rules()[0].spec, "kaiming_normal(mode=fan_out)");
  EXPECT_EQ(p.rules()[0].line, 3);
  EXPECT_EQ(p.rules()[0].column, 3);
  EXPECT_EQ(p.rules()[0].spec_column, 20);
  EXPECT_EQ(p.rules()[2].line, 5);
  EXPECT_EQ(p.source(), "my.policy");
  EXPECT_EQ(p.text(),
            "Conv2d.weight: kaiming_normal(mode=fan_out)\nbias: zeros\n"
            "layer*.*.conv2.weight: default\n");
  EXPECT_EQ(Policy::parse(p.text(), "again").rules().size(), 3u);
}

TEST(Policy, SyntaxErrorsGiveFileLineAndColumn) {
  EXPECT_EQ(policy_error([] { Policy::parse("bias: zeros\n  Conv2d.weight kaiming", "p.txt"); }),
            "p.txt:2:3: expected 'selector: init spec', like 'Conv2d.weight: "
            "kaiming_normal(mode=fan_out)', but the line has no ':'");
  EXPECT_EQ(policy_error([] { Policy::parse("bias:", "p.txt"); }),
            "p.txt:1:6: empty init spec after ':' (write 'default' to keep the constructor's "
            "values)");
  EXPECT_EQ(policy_error([] { Policy::parse(" : zeros", "p.txt"); }),
            "p.txt:1:2: empty selector before ':'");
  // The spec's own errors, at their column in the line.
  EXPECT_EQ(policy_error([] { Policy::parse("# x\nConv2d.weight: kaiming_norml", "p.txt"); }),
            "p.txt:2:16: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  const std::string arg =
      policy_error([] { Policy::parse("Linear.weight: normal(std=0.1, sdt=2)", "p.txt"); });
  EXPECT_EQ(arg.rfind("p.txt:1:32: ", 0), 0u) << arg;
  EXPECT_NE(arg.find("sdt"), std::string::npos) << arg;
  // Selectors.
  EXPECT_EQ(policy_error([] { Policy::parse("Conv2d/weight: zeros", "p.txt"); }),
            "p.txt:1:7: unexpected character '/' in selector 'Conv2d/weight': selectors use "
            "letters, digits, '_', '.', '*' and '?'");
  EXPECT_EQ(policy_error([] { Policy::parse("bias &  : zeros", "p.txt"); }),
            "p.txt:1:7: empty selector term in 'bias &': expected a module type (Conv2d), a "
            "parameter name (weight) or a qualified-name glob (layer1.*.weight), joined by '&'");
  EXPECT_EQ(policy_error([] { Policy::parse("fc..weight: zeros", "p.txt"); }),
            "p.txt:1:1: malformed selector 'fc..weight': a name part is empty (a leading, "
            "trailing or doubled '.')");
  EXPECT_EQ(policy_error([] { Policy::parse("Conv2d.a.b: zeros", "p.txt"); }),
            "p.txt:1:8: malformed selector 'Conv2d.a.b': after a module type comes one "
            "parameter name (Conv2d.weight)");
  // Expressions.
  EXPECT_EQ(policy_error([] { Policy::parse("Conv*.weight: normal(std=cbrt(2))", "p.txt"); }),
            "p.txt:1:26: unknown function 'cbrt': expected sqrt, exp or log in expression "
            "'cbrt(2)'");
}

TEST(Policy, UnknownVariablesAreFoundWhenThePolicyIsApplied) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  const wi::Tensor w = param(*model, "0.weight").contiguous();
  const Policy p =
      Policy::parse("bias: zeros\nConv*.weight: normal(std=sqrt(2 / fan_inn))", "p.txt");
  EXPECT_EQ(policy_error([&] { p.apply(*model, gen); }),
            "p.txt:2:35: rule 'Conv*.weight: normal(std=sqrt(2 / fan_inn))' on parameter "
            "'0.weight' of shape [8, 3, 3, 3]: unknown variable 'fan_inn': expected one of "
            "fan_in, fan_out, in, k, numel, out, weight_fan_in in expression 'sqrt(2 / fan_inn)'");
  EXPECT_TRUE(same_bits(w, param(*model, "0.weight")));
  EXPECT_NE(param(*model, "0.bias").data_ptr<float>()[0], 0.0f);  // not even the first rule ran
}

TEST(Policy, UnknownModuleTypeIsAnErrorWithASuggestion) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  const Policy p = Policy::parse("bias: zeros\nConv2D.weight: ones", "p.txt");
  const wi::Tensor before = param(*model, "0.bias");
  EXPECT_EQ(policy_error([&] { p.apply(*model, gen); }),
            "p.txt:2:1: unknown module type 'Conv2D' (did you mean 'Conv2d'?)");
  EXPECT_TRUE(same_bits(before, param(*model, "0.bias")));  // nothing changed
  // A type the library knows but the model lacks is no error, only an unmatched rule.
  const auto report = Policy::parse("Conv3d: ones\n*: default", "q").apply(*model, gen);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0],
            "q:1:1: rule 'Conv3d: ones' matches no parameter (an earlier "
            "rule may take them all)");
}

TEST(Policy, FirstMatchingRuleWinsAndDrawsInNamedParametersOrder) {
  wi::Generator g1(7), g2(7);
  auto a = conv_bn_linear(g1);
  auto b = conv_bn_linear(g2);
  const auto report = Policy::parse(
                          "Linear.weight: normal(std=0.01)\n"
                          "Conv2d.weight: kaiming_normal(mode=fan_out, nonlinearity=relu)\n"
                          "BatchNorm*: constant(val=1)\n"
                          "bias: uniform(a=-0.1, b=0.1)\n",
                          "p")
                          .apply(*a, g1);
  // The same draws by hand, in named_parameters() order: 0.weight, 0.bias, 1.weight, 1.bias,
  // 2.weight, 2.bias; BatchNorm2d's bias goes to the BatchNorm rule (first match).
  wi::init::kaiming_normal_(param(*b, "0.weight"), 0.0, wi::init::FanMode::FanOut,
                            wi::init::Nonlinearity::ReLU, g2);
  wi::init::uniform_(param(*b, "0.bias"), -0.1, 0.1, g2);
  wi::init::constant_(param(*b, "1.weight"), 1.0);
  wi::init::constant_(param(*b, "1.bias"), 1.0);
  wi::init::normal_(param(*b, "2.weight"), 0.0, 0.01, g2);
  wi::init::uniform_(param(*b, "2.bias"), -0.1, 0.1, g2);
  for (const char* name : {"0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"}) {
    EXPECT_TRUE(same_bits(param(*a, name), param(*b, name))) << name;
  }
  EXPECT_EQ(g1.random(), g2.random());  // the same number of draws
  ASSERT_EQ(report.parameters.size(), 6u);
  EXPECT_EQ(report.parameters[3].name, "1.bias");
  EXPECT_EQ(report.parameters[3].type, "BatchNorm2d");
  EXPECT_EQ(report.parameters[3].rule, 2);
  EXPECT_EQ(report.parameters[0].init, "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)");
  EXPECT_TRUE(report.warnings.empty());
}

TEST(Policy, SelectorsMatchTypesNamesGlobsAndConjunctions) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  const auto report = Policy::parse(
                          "Linear.b* & 2.*: constant(val=3)\n"  // type + name, and a glob
                          "B?tchNorm2d.weight: constant(val=2)\n"
                          "*.bias: zeros\n"
                          "weight: ones\n",
                          "p")
                          .apply(*model, gen);
  EXPECT_EQ(param(*model, "2.bias").data_ptr<float>()[0], 3.0f);
  EXPECT_EQ(param(*model, "1.weight").data_ptr<float>()[0], 2.0f);
  EXPECT_EQ(param(*model, "0.bias").data_ptr<float>()[0], 0.0f);
  EXPECT_EQ(param(*model, "1.bias").data_ptr<float>()[0], 0.0f);
  EXPECT_EQ(param(*model, "0.weight").data_ptr<float>()[0], 1.0f);
  EXPECT_EQ(param(*model, "2.weight").data_ptr<float>()[0], 1.0f);
  EXPECT_EQ(report.parameters[5].rule, 0);
}

TEST(Policy, ExpressionsAreEvaluatedPerParameterLikeTheLuaRecipes) {
  // densenet-lua: n = kW*kH*nOutputPlane; weight:normal(0, math.sqrt(2/n)).
  wi::Generator g1(3), g2(3);
  auto a = conv_bn_linear(g1);
  auto b = conv_bn_linear(g2);
  Policy::builtin("densenet-lua", *a).apply(*a, g1);
  const double n = 3.0 * 3.0 * 8.0;
  wi::init::normal_(param(*b, "0.weight"), 0.0, std::sqrt(2.0 / n), g2);
  EXPECT_TRUE(same_bits(param(*a, "0.weight"), param(*b, "0.weight")));
  EXPECT_EQ(param(*a, "0.bias").data_ptr<float>()[0], 0.0f);
  // wrn-msra uses the input planes: n = kW*kH*nInputPlane = 3*3*3.
  wi::Generator g3(3), g4(3);
  auto c = conv_bn_linear(g3);
  auto d = conv_bn_linear(g4);
  Policy::builtin("wrn-msra", *c).apply(*c, g3);
  wi::init::normal_(param(*d, "0.weight"), 0.0, std::sqrt(2.0 / 27.0), g4);
  EXPECT_TRUE(same_bits(param(*c, "0.weight"), param(*d, "0.weight")));
  // User variables.
  wi::Generator g5(1), g6(1);
  auto e = conv_bn_linear(g5);
  auto f = conv_bn_linear(g6);
  wi::recipes::PolicyApplyOptions options;
  options.variables["depth"] = 16.0;
  Policy::parse("Linear.weight: normal(std=0.02 / sqrt(2 * depth))\n*: default", "p")
      .apply(*e, g5, options);
  wi::init::normal_(param(*f, "2.weight"), 0.0, 0.02 / std::sqrt(32.0), g6);
  EXPECT_TRUE(same_bits(param(*e, "2.weight"), param(*f, "2.weight")));
}

TEST(Policy, WarnsAboutUnmatchedRulesAndUntouchedParametersAndStrictRefuses) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  const Policy p = Policy::parse("Conv2d.weight: ones\nEmbedding: zeros\n", "p.txt");
  const wi::Tensor bias_before = param(*model, "0.bias").contiguous();
  wi::recipes::PolicyApplyOptions strict;
  strict.strict = true;
  const std::string message = policy_error([&] { p.apply(*model, gen, strict); });
  EXPECT_EQ(message.rfind("p.txt: --strict: 6 warning(s) are errors: p.txt:2:1: rule "
                          "'Embedding: zeros' matches no parameter",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("parameter '2.weight' (Linear) is matched by no rule: it keeps its "
                         "constructor's init"),
            std::string::npos);
  EXPECT_NE(param(*model, "0.weight").data_ptr<float>()[0], 1.0f);  // strict changed nothing
  const auto report = p.apply(*model, gen);
  EXPECT_EQ(report.warnings.size(), 6u);
  EXPECT_EQ(param(*model, "0.weight").data_ptr<float>()[0], 1.0f);
  EXPECT_TRUE(same_bits(bias_before, param(*model, "0.bias")));
  EXPECT_EQ(report.parameters[1].rule, -1);
  EXPECT_EQ(report.parameters[1].init, "");
}

TEST(Policy, ASchemeThatRejectsAShapeNamesTheRuleAndChangesNothing) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  const wi::Tensor w = param(*model, "0.weight").contiguous();
  const Policy p = Policy::parse("weight: ones\nbias: kaiming_uniform\n", "p.txt");
  EXPECT_EQ(policy_error([&] { p.apply(*model, gen); }),
            "p.txt:2:7: rule 'bias: kaiming_uniform' on parameter '0.bias' of shape [8]: Fan "
            "in and fan out can not be computed for tensor with fewer than 2 dimensions");
  EXPECT_TRUE(same_bits(w, param(*model, "0.weight")));
}

TEST(Policy, HfPolicyKeepsTheTransformersConstructorsDraws) {
  const std::string spec = "llama:d=32,layers=2,heads=4,kv_heads=2,ffn=40,vocab=50";
  wi::Generator gen(4);
  auto model = wi::models::build_model(spec, gen, {.transformers_init = true}).module;
  const auto before = model->state_dict();
  std::vector<std::vector<float>> values;
  for (const auto& [name, t] : before) values.push_back(t.to_vector<float>());
  const Policy hf = Policy::builtin("hf", *model);
  EXPECT_EQ(hf.text(), "*: default\n");
  hf.apply(*model, gen);
  std::size_t i = 0;
  for (const auto& [name, t] : model->state_dict())
    EXPECT_EQ(t.to_vector<float>(), values[i++]) << name;
  // The head is built after the base model's init: its constructor's draw is overwritten.
  const auto& notes = model->named_parameters();
  EXPECT_EQ(notes.back().first, "lm_head.weight");
  EXPECT_EQ(notes.back().second->init.scheme, "transformers _init_weights: normal(0, 0.02)");
  // Philox: refused, with the reason; a model built otherwise: refused, naming a parameter.
  EXPECT_NE(
      policy_error([&] { hf.plan(*model, wi::RngFamily::Philox); }).find("needs the torch family"),
      std::string::npos);
  wi::Generator other(4);
  auto plain = wi::models::build_model(spec, other).module;
  EXPECT_NE(policy_error([&] {
              Policy::builtin("hf", *plain);
            }).find("parameter 'model.embed_tokens.weight' was not built by it"),
            std::string::npos);
  EXPECT_THROW(wi::models::build_model("resnet18", other, {.transformers_init = true}),
               wi::ValueError);
}

TEST(Policy, BuiltinPoliciesParseAndUnknownOnesAreListed) {
  wi::Generator gen(0);
  auto model = conv_bn_linear(gen);
  for (const auto& info : wi::recipes::builtin_policies()) {
    // gpt2 needs transformer blocks (below), fixup residual blocks (zoo_test), hf a model built
    // as transformers builds it (HfPolicyKeepsTheTransformersConstructorsDraws).
    if (info.name == "gpt2" || info.name == "fixup" || info.name == "hf") continue;
    const Policy p = Policy::builtin(info.name, *model);
    EXPECT_FALSE(p.rules().empty()) << info.name;
    EXPECT_EQ(p.source(), "builtin:" + info.name);
    EXPECT_FALSE(info.source.empty()) << info.name;
  }
  const std::string unknown = policy_error([&] { Policy::builtin("torchvision-resnt", *model); });
  EXPECT_EQ(unknown.rfind("builtin:torchvision-resnt: unknown policy 'torchvision-resnt': not a "
                          "file (did you mean 'torchvision-resnet'?); the built-in policies are "
                          "torch-default, torchvision-resnet",
                          0),
            0u)
      << unknown;
  EXPECT_EQ(
      policy_error([&] { Policy::builtin("torchvision-vgg(zero_init_residual=true)", *model); }),
      "builtin:torchvision-vgg: unknown option 'zero_init_residual' for policy "
      "torchvision-vgg (it takes none)");
  EXPECT_EQ(policy_error(
                [&] { Policy::builtin("torchvision-resnet(zero_init_residual=maybe)", *model); }),
            "builtin:torchvision-resnet: option zero_init_residual=maybe: expected true or false");
  EXPECT_EQ(policy_error([&] { Policy::builtin("fixup", *model); }),
            "builtin:fixup: fixup needs residual blocks named layerX.Y (torchvision's ResNets), "
            "and the model has none");
  EXPECT_EQ(policy_error([&] { Policy::builtin("gpt2", *model); }),
            "builtin:gpt2: cannot find the model's transformer blocks (modules named h.N) for "
            "n_layer: give it as gpt2(n_layer=12)");
  // torch-default keeps every value; resolve() takes a built-in name when no file exists.
  const wi::Tensor w = param(*model, "0.weight").contiguous();
  const auto report = Policy::resolve("torch-default", *model).apply(*model, gen);
  EXPECT_TRUE(same_bits(w, param(*model, "0.weight")));
  EXPECT_EQ(report.parameters[0].init, "default");
  EXPECT_TRUE(report.warnings.empty());
}

// cifar-resnet(zero_init_residual=true), torchvision's option (Goyal et al. 2017) on the CIFAR
// ResNets: with one seed, exactly the BasicBlocks' bn2.weight tensors become 0 and every other
// parameter and buffer keeps the plain cifar-resnet policy's bits (zeros draw nothing, so the
// generator stays in step).
TEST(Policy, CifarResNetZeroInitResidualZeroesExactlyTheLastBnOfEachBlock) {
  const auto initialized = [](const std::string& policy) {
    wi::Generator gen(5);
    auto built = wi::models::build_model("cifar-resnet20", gen);
    Policy::builtin(policy, *built.module).apply(*built.module, gen);
    return built.module->state_dict();
  };
  const auto plain = initialized("cifar-resnet");
  const auto zeroed = initialized("cifar-resnet(zero_init_residual=true)");
  ASSERT_EQ(plain.size(), zeroed.size());
  int zero_tensors = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const auto& [name, before] = plain[i];
    ASSERT_EQ(zeroed[i].first, name);
    const auto a = before.to_vector<double>(), b = zeroed[i].second.to_vector<double>();
    const bool bn2 = name.starts_with("layer") && name.ends_with(".bn2.weight");
    if (bn2) {
      EXPECT_EQ(b, std::vector<double>(a.size(), 0.0)) << name;
      EXPECT_EQ(a, std::vector<double>(a.size(), 1.0)) << name;  // BN's default weight
      ++zero_tensors;
    } else {
      EXPECT_EQ(a, b) << name;
    }
  }
  EXPECT_EQ(zero_tensors, 9);  // 3 stages x 3 BasicBlocks
  EXPECT_EQ(policy_error([&] {
              wi::Generator gen(0);
              auto none = wi::models::build_model("cifar-resnet8:norm=none", gen);
              Policy::builtin("cifar-resnet(zero_init_residual=true)", *none.module);
            }),
            "builtin:cifar-resnet: zero_init_residual=true zeroes each residual block's last "
            "BatchNorm (layerX.Y.bn2.weight), and the model has none (a CIFAR ResNet built with "
            "norm=none, fixup or rezero has no BatchNorm)");
  wi::Generator gen(0);
  auto model = wi::models::build_model("cifar-resnet8", gen);
  EXPECT_EQ(
      policy_error([&] { Policy::builtin("cifar-resnet(zero_init_residual=yes)", *model.module); }),
      "builtin:cifar-resnet: option zero_init_residual=yes: expected true or false");
}

TEST(Policy, Gpt2ScalesTheResidualProjectionsByTheBlockCount) {
  // transformer.h.{0,1}.{attn,mlp}.c_proj and c_fc as Linears, plus an Embedding.
  wi::Generator g1(5), g2(5);
  auto build = [](wi::Generator& gen) {
    auto root = std::make_shared<wi::nn::Sequential>();
    auto transformer = std::make_shared<wi::nn::Sequential>();
    transformer->register_module("wte",
                                 std::make_shared<wi::nn::Embedding>(10, 4, std::nullopt, gen));
    auto h = std::make_shared<wi::nn::Sequential>();
    for (int i = 0; i < 2; ++i) {
      auto block = std::make_shared<wi::nn::Sequential>();
      block->register_module("c_fc", std::make_shared<wi::nn::Linear>(4, 8, true, gen));
      block->register_module("c_proj", std::make_shared<wi::nn::Linear>(8, 4, true, gen));
      h->register_module(std::to_string(i), block);
    }
    transformer->register_module("h", h);
    root->register_module("transformer", transformer);
    return root;
  };
  auto a = build(g1);
  auto b = build(g2);
  Policy::builtin("gpt2", *a).apply(*a, g1);
  wi::init::normal_(param(*b, "transformer.wte.weight"), 0.0, 0.02, g2);
  for (int i = 0; i < 2; ++i) {
    const std::string p = "transformer.h." + std::to_string(i);
    wi::init::normal_(param(*b, p + ".c_fc.weight"), 0.0, 0.02, g2);
    wi::init::zeros_(param(*b, p + ".c_fc.bias"));
    wi::init::normal_(param(*b, p + ".c_proj.weight"), 0.0, 0.02 / std::sqrt(2.0 * 2.0), g2);
    wi::init::zeros_(param(*b, p + ".c_proj.bias"));
  }
  for (const auto& [name, t] : a->state_dict()) {
    EXPECT_TRUE(same_bits(t, param(*b, name))) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// The Philox family: every parameter from its own stream

namespace {

/// conv -> [extra] -> bn -> fc with named children, built from `gen` (the constructors draw).
std::shared_ptr<wi::nn::Sequential> named_model(wi::Generator& gen, bool extra) {
  auto seq = std::make_shared<wi::nn::Sequential>();
  seq->register_module("conv", std::make_shared<wi::nn::Conv2d>(3, 8, wi::nn::ConvConfig{}, gen));
  if (extra) seq->register_module("extra", std::make_shared<wi::nn::Linear>(5, 5, true, gen));
  seq->register_module("bn", std::make_shared<wi::nn::BatchNorm2d>(8));
  seq->register_module("fc", std::make_shared<wi::nn::Linear>(8, 4, true, gen));
  return seq;
}

}  // namespace

TEST(PolicyPhilox, ValuesDependOnlyOnSeedNameAndIndexNotOnOtherLayersOrBuildOrder) {
  const Policy p = Policy::parse(
      "Conv2d.weight: kaiming_normal(mode=fan_out)\n"
      "Linear.weight: trunc_normal(std=0.02)\n*: default\n",
      "p");
  // Different constructor streams and an extra layer: the shared parameters stay identical.
  wi::Generator build_a(1), build_b(99);
  auto a = named_model(build_a, false);
  auto b = named_model(build_b, true);
  wi::Generator philox_a = wi::Generator::philox(7), philox_b = wi::Generator::philox(7);
  p.apply(*a, philox_a);
  p.apply(*b, philox_b);
  for (const char* name :
       {"conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"}) {
    EXPECT_TRUE(same_bits(param(*a, name), param(*b, name))) << name;
  }
  // Each is the fill of its own stream: kaiming_normal on stream "conv.weight", and "default"
  // redraws the constructor's scheme (fc.bias: U(±1/√fan_in of fc.weight)).
  wi::Generator direct = wi::Generator::philox(7);
  wi::Tensor w = wi::Tensor::empty({8, 3, 3, 3});
  direct.set_stream("conv.weight");
  wi::init::kaiming_normal_(w, 0.0, wi::init::FanMode::FanOut, wi::init::Nonlinearity::LeakyReLU,
                            direct);
  EXPECT_TRUE(same_bits(w, param(*a, "conv.weight")));
  wi::Tensor bias = wi::Tensor::empty({4});
  direct.set_stream("fc.bias");
  wi::init::uniform_(bias, -1.0 / std::sqrt(8.0), 1.0 / std::sqrt(8.0), direct);
  EXPECT_TRUE(same_bits(bias, param(*a, "fc.bias")));
  EXPECT_EQ(param(*a, "bn.weight").data_ptr<float>()[0], 1.0f);
  // Another seed gives other values.
  wi::Generator philox_c = wi::Generator::philox(8);
  auto c = named_model(build_a, false);
  p.apply(*c, philox_c);
  EXPECT_FALSE(same_bits(param(*a, "conv.weight"), param(*c, "conv.weight")));
}

TEST(PolicyPhilox, ADefaultWithoutAKnownConstructorSchemeIsAnError) {
  wi::Generator gen(0);
  auto model = std::make_shared<wi::nn::Sequential>();
  model->register_module("fc", std::make_shared<wi::nn::Linear>(3, 2, true, gen));
  model->register_parameter("scale", wi::Tensor::full({2}, 1.0));
  wi::Generator philox = wi::Generator::philox(0);
  EXPECT_EQ(policy_error([&] { Policy::parse("*: default", "p").apply(*model, philox); }),
            "p:1:1: parameter 'scale' (Sequential): no known constructor init to redraw from its "
            "Philox stream; give it a rule with an init spec");
  // In the torch family "default" keeps it.
  EXPECT_NO_THROW(Policy::parse("*: default", "p").apply(*model, gen));
}

TEST(Policy, MupZeroesTheReadoutAndScalesHiddenWeightsByFanIn) {
  wi::Generator g1(2), g2(2);
  auto a = conv_bn_linear(g1);
  auto b = conv_bn_linear(g2);
  Policy::builtin("mup", *a).apply(*a, g1);
  wi::init::normal_(param(*b, "0.weight"), 0.0, std::sqrt(1.0 / 27.0), g2);
  EXPECT_TRUE(same_bits(param(*a, "0.weight"), param(*b, "0.weight")));
  EXPECT_EQ(param(*a, "2.weight").data_ptr<float>()[0], 0.0f);  // the readout
  EXPECT_EQ(param(*a, "2.bias").data_ptr<float>()[3], 0.0f);
  EXPECT_EQ(param(*a, "1.weight").data_ptr<float>()[0], 1.0f);
}
