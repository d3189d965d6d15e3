// SPDX-License-Identifier: MIT
// Deferred tensors (shape only, like PyTorch's meta device), DeferredAllocationGuard, and the
// recording of Philox fills on them that the streaming writer replays chunk by chunk.
#include "weightinit/tensor/deferred.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "random/deferred_draw.h"
#include "weightinit/init/init.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/tensor/tensor.h"

namespace wi = weightinit;

namespace {

template <class Fn>
void expect_deferred_error(Fn&& fn, const char* what) {
  try {
    fn();
    ADD_FAILURE() << what << ": no error";
  } catch (const wi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("deferred"), std::string::npos)
        << what << ": " << e.what();
  }
}

TEST(Deferred, HasShapeAndDtypeButNoMemory) {
  const wi::Tensor t = wi::Tensor::deferred({4096, 11008}, wi::DType::Float64);
  EXPECT_TRUE(t.defined());
  EXPECT_TRUE(t.is_deferred());
  EXPECT_EQ(t.numel(), 4096 * 11008);
  EXPECT_EQ(t.dtype(), wi::DType::Float64);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(t.transpose(0, 1).is_deferred());
  EXPECT_TRUE(t.select(0, 3).is_deferred());
  expect_deferred_error([&] { (void)t.data_ptr<double>(); }, "data_ptr");
  expect_deferred_error([&] { (void)t.raw_data(); }, "raw_data");
  expect_deferred_error([&] { (void)t.to_vector<double>(); }, "to_vector");
  expect_deferred_error([&] { (void)t.item({0, 0}); }, "item");
  wi::Tensor copy = t;
  expect_deferred_error([&] { copy.fill_(1.0); }, "fill_");
  wi::Tensor real = wi::Tensor::zeros({4096, 11008}, wi::DType::Float64);
  expect_deferred_error([&] { real.copy_(t); }, "copy_ from deferred");
  expect_deferred_error([&] { copy.copy_(real); }, "copy_ into deferred");
  EXPECT_FALSE(real.is_deferred());
}

TEST(Deferred, GuardMakesEmptyZerosFullDeferredAndNests) {
  EXPECT_FALSE(wi::deferred_allocation());
  {
    const wi::DeferredAllocationGuard outer;
    EXPECT_TRUE(wi::Tensor::empty({3}).is_deferred());
    EXPECT_TRUE(wi::Tensor::zeros({3}).is_deferred());
    EXPECT_TRUE(wi::Tensor::full({3}, 2.0).is_deferred());
    {
      const wi::DeferredAllocationGuard inner;
      EXPECT_TRUE(wi::deferred_allocation());
    }
    EXPECT_TRUE(wi::deferred_allocation());  // the inner guard restored the outer state
    // Given values are always materialized.
    const float values[] = {1.0f, 2.0f};
    const wi::Tensor given = wi::Tensor::from_data<float>(values, {2});
    EXPECT_FALSE(given.is_deferred());
    EXPECT_EQ(given.to_vector<float>()[1], 2.0f);
  }
  EXPECT_FALSE(wi::deferred_allocation());
  EXPECT_FALSE(wi::Tensor::empty({3}).is_deferred());
}

TEST(Deferred, ModelsBuildWithShapesOnlyAndDrawNothing) {
  for (const char* spec : {"resnet18", "mlp:784-256-10", "c3d:101", "gpt2-small"}) {
    SCOPED_TRACE(spec);
    wi::Generator real_gen(1);
    const auto real = wi::models::build_model(spec, real_gen);
    wi::Generator gen(1);
    const auto state_before = gen.get_state();
    wi::models::BuiltModel deferred;
    {
      const wi::DeferredAllocationGuard guard;
      deferred = wi::models::build_model(spec, gen);
    }
    EXPECT_EQ(gen.get_state(), state_before) << "a deferred build must draw nothing";
    const auto a = real.module->named_parameters();
    const auto b = deferred.module->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].first, b[i].first);
      EXPECT_EQ(a[i].second->data.sizes(), b[i].second->data.sizes()) << a[i].first;
      EXPECT_TRUE(b[i].second->data.is_deferred()) << b[i].first;
      EXPECT_FALSE(a[i].second->data.is_deferred()) << a[i].first;
    }
    for (const auto& [name, buffer] : deferred.module->named_buffers()) {
      EXPECT_TRUE(buffer->is_deferred()) << name;
    }
  }
}

TEST(Deferred, TorchGeneratorFillsOfDeferredTensorsAreErrors) {
  wi::Tensor t = wi::Tensor::deferred({8, 8});
  wi::Generator gen(0);
  expect_deferred_error([&] { wi::normal_(t, 0.0, 1.0, gen); }, "torch normal_");
  expect_deferred_error([&] { wi::uniform_(t, 0.0, 1.0, gen); }, "torch uniform_");
  wi::Generator philox = wi::Generator::philox(0);
  expect_deferred_error([&] { wi::normal_(t, 0.0, 1.0, philox); }, "philox without recorder");
}

/// The recorded draw replayed in random chunks equals the init applied to a real tensor.
void expect_replay_equals_apply(const std::string& what, const wi::Shape& shape,
                                const std::function<void(wi::Tensor&, wi::Generator&)>& init,
                                wi::detail::ElementwiseDraw::Kind kind) {
  SCOPED_TRACE(what);
  wi::Generator gen = wi::Generator::philox(77);
  gen.set_stream("layer.weight");
  wi::Tensor real = wi::Tensor::empty(shape);
  init(real, gen);

  wi::Generator gen2 = wi::Generator::philox(77);
  gen2.set_stream("layer.weight");
  wi::Tensor deferred = wi::Tensor::deferred(shape);
  wi::detail::DrawRecorder recorder;
  init(deferred, gen2);
  ASSERT_EQ(recorder.draws.size(), 1u);
  const wi::detail::ElementwiseDraw draw = recorder.draws[0];
  EXPECT_EQ(draw.kind, kind);
  EXPECT_EQ(draw.numel, real.numel());

  std::mt19937 pick(5);  // chunk sizes only, not values
  const std::vector<float> expected = real.to_vector<float>();
  std::vector<float> replayed;
  for (std::int64_t offset = 0; offset < real.numel();) {
    const std::int64_t n =
        std::min<std::int64_t>(real.numel() - offset, 1 + static_cast<std::int64_t>(pick() % 5000));
    wi::Tensor chunk = wi::Tensor::empty({n});
    wi::detail::replay_elementwise_draw(draw, chunk, offset);
    const auto part = chunk.to_vector<float>();
    replayed.insert(replayed.end(), part.begin(), part.end());
    offset += n;
  }
  ASSERT_EQ(replayed.size(), expected.size());
  EXPECT_EQ(std::memcmp(replayed.data(), expected.data(), expected.size() * sizeof(float)), 0);
}

TEST(Deferred, RecordedPhiloxDrawsReplayChunkByChunkBitForBit) {
  using Kind = wi::detail::ElementwiseDraw::Kind;
  expect_replay_equals_apply(
      "kaiming_normal", {300, 64, 3, 3},
      [](wi::Tensor& t, wi::Generator& g) {
        wi::init::kaiming_normal_(t, 0.0, wi::init::FanMode::FanOut, wi::init::Nonlinearity::ReLU,
                                  g);
      },
      Kind::Normal);
  expect_replay_equals_apply(
      "xavier_uniform", {1000, 257},
      [](wi::Tensor& t, wi::Generator& g) { wi::init::xavier_uniform_(t, 1.0, g); }, Kind::Uniform);
  expect_replay_equals_apply(
      "trunc_normal", {12345},
      [](wi::Tensor& t, wi::Generator& g) {
        wi::init::trunc_normal_(t, 0.0, 0.02, -0.04, 0.04, g);
      },
      Kind::TruncNormal);
  expect_replay_equals_apply(
      "ones", {77, 3}, [](wi::Tensor& t, wi::Generator&) { wi::init::ones_(t); }, Kind::Constant);
}

TEST(Deferred, InitsThatNeedTheWholeTensorCannotBeRecorded) {
  wi::Generator gen = wi::Generator::philox(1);
  wi::Tensor t = wi::Tensor::deferred({64, 32});
  const wi::detail::DrawRecorder recorder;
  EXPECT_THROW(wi::init::orthogonal_(t, 1.0, gen), wi::Error);
  EXPECT_THROW(wi::init::sparse_(t, 0.5, 0.01, gen), wi::Error);
  // A view is not the whole tensor: its fill cannot stand for the tensor's.
  wi::Tensor row = t.select(0, 1);
  EXPECT_THROW(row.fill_(0.0), wi::Error);
}

}  // namespace

namespace {

TEST(Deferred, SevenBillionParameterModelsBuildWithoutMemoryAndPlanTheirPolicy) {
  const wi::DeferredAllocationGuard guard;
  wi::Generator gen(0);
  const auto built = wi::models::build_model("llama:7b", gen);
  std::int64_t count = 0;
  for (const auto& [name, p] : built.module->named_parameters()) {
    EXPECT_TRUE(p->data.is_deferred()) << name;
    count += p->data.numel();
  }
  EXPECT_EQ(count, 6'738'415'616);  // LLaMA-1/2 7B (Touvron et al. 2023)
  // The policy resolves on shapes alone: every parameter gets a spec, nothing is drawn.
  const auto policy = wi::recipes::Policy::builtin("llama", *built.module);
  const auto plan = policy.plan(*built.module, wi::RngFamily::Philox);
  ASSERT_EQ(plan.parameters.size(), built.module->named_parameters().size());
  for (const auto& p : plan.parameters) EXPECT_TRUE(p.init.has_value()) << p.name;
  EXPECT_EQ(plan.parameters.back().name, "lm_head.weight");
  EXPECT_EQ(plan.parameters.back().init->canonical(), "normal(mean=0, std=0.02)");
}

}  // namespace

#include "weightinit/diag/structure.h"

namespace {

TEST(Deferred, StructureSummaryOfADeferredModel) {
  wi::models::BuiltModel built;
  {
    const wi::DeferredAllocationGuard guard;
    wi::Generator gen(0);
    built = wi::models::build_model("resnet18", gen);
  }
  const auto s = wi::diag::structure_summary(*built.module);
  EXPECT_EQ(s.total_params, 11'689'512);  // torchvision resnet18
  EXPECT_EQ(s.trainable_params, s.total_params);
  EXPECT_EQ(s.buffer_elements, 2 * 4800 + 20);  // running mean/var of 20 BatchNorms + counters
  ASSERT_FALSE(s.rows.empty());
  EXPECT_EQ(s.rows[0].name, "conv1");
  EXPECT_EQ(s.rows[0].type, "Conv2d");
  EXPECT_EQ(s.rows[0].params, 64 * 3 * 7 * 7);
  const std::string text = s.str();
  EXPECT_NE(text.find("conv1 (Conv2d)"), std::string::npos) << text;
  EXPECT_NE(text.find("weight: [64, 3, 7, 7]"), std::string::npos) << text;
  EXPECT_NE(text.find("Total params: 11,689,512"), std::string::npos) << text;
  EXPECT_NE(text.find("Params size: 0.047 GB (float32)"), std::string::npos) << text;
}

}  // namespace
