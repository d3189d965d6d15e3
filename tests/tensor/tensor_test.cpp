// SPDX-License-Identifier: MIT
#include "weightinit/tensor/tensor.h"

#include <gtest/gtest.h>

#include <vector>

#include "weightinit/random/sampling.h"

namespace wi = weightinit;

namespace {
wi::Tensor arange(const wi::Shape& shape, wi::DType dtype = wi::DType::Float32) {
  auto t = wi::Tensor::empty(shape, dtype);
  std::vector<double> values(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  return wi::Tensor::from_data<double>(values, shape).to(dtype);
}
}  // namespace

TEST(Tensor, EmptyIsContiguousRowMajor) {
  auto t = wi::Tensor::empty({2, 3, 4});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.strides(), (wi::Shape{12, 4, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.element_size(), 4u);
  EXPECT_EQ(wi::Tensor::empty({2}, wi::DType::Float64).element_size(), 8u);
  EXPECT_FALSE(wi::Tensor().defined());
}

TEST(Tensor, TransposeIsANonContiguousViewOfTheSameStorage) {
  auto t = arange({2, 3});
  auto v = t.transpose(0, 1);
  EXPECT_EQ(v.sizes(), (wi::Shape{3, 2}));
  EXPECT_EQ(v.strides(), (wi::Shape{1, 3}));
  EXPECT_FALSE(v.is_contiguous());
  EXPECT_TRUE(v.shares_storage_with(t));
  EXPECT_EQ(v.item({2, 1}), 5.0);
  EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  v.set_item({0, 1}, 42);
  EXPECT_EQ(t.item({1, 0}), 42.0);
  EXPECT_TRUE(v.contiguous().is_contiguous());
  EXPECT_EQ(v.contiguous().to_vector<float>(), v.to_vector<float>());
}

TEST(Tensor, SizeOneDimsDoNotBreakContiguity) {
  auto t = wi::Tensor::empty({3, 1}).transpose(0, 1);  // sizes (1, 3), strides (1, 1)
  EXPECT_TRUE(t.is_contiguous());
}

TEST(Tensor, SelectSliceAndPermute) {
  auto t = arange({2, 3, 4});
  EXPECT_EQ(t.select(1, 2).to_vector<float>(), (std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_EQ(t.slice(2, 0, 4, 2).to_vector<float>(),
            (std::vector<float>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22}));
  EXPECT_EQ(t.slice(-1, -1, 4).sizes(), (wi::Shape{2, 3, 1}));
  auto p = t.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (wi::Shape{4, 2, 3}));
  EXPECT_EQ(p.item({3, 1, 2}), t.item({1, 2, 3}));
  EXPECT_EQ(t.select(0, -1).item({0, 0}), 12.0);
}

TEST(Tensor, ViewNeedsContiguityAndMatchingNumel) {
  auto t = arange({2, 6});
  EXPECT_EQ(t.view({3, 4}).item({2, 3}), 11.0);
  EXPECT_THROW(t.view({5}), wi::ShapeError);
  EXPECT_THROW(t.t().view({12}), wi::ShapeError);
}

TEST(Tensor, FillCopyAndConvert) {
  auto t = wi::Tensor::full({2, 2}, 1.5, wi::DType::Float64);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{1.5, 1.5, 1.5, 1.5}));
  auto src = arange({2, 2});
  t.copy_(src.t());
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{0, 2, 1, 3}));
  EXPECT_EQ(t.to(wi::DType::Float32).dtype(), wi::DType::Float32);
  EXPECT_EQ(wi::Tensor::zeros({3}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  auto nc = arange({3, 2}).t();
  nc.fill_(7);
  EXPECT_EQ(nc.to_vector<float>(), std::vector<float>(6, 7.0f));
}

TEST(Tensor, BadIndicesAndDimsAreErrors) {
  auto t = wi::Tensor::empty({2, 3});
  EXPECT_THROW(t.item({2, 0}), wi::IndexError);
  EXPECT_THROW(t.item({0}), wi::IndexError);
  EXPECT_THROW(t.size(2), wi::IndexError);
  EXPECT_EQ(t.size(-1), 3);
  EXPECT_THROW(t.data_ptr<double>(), wi::DTypeError);
  EXPECT_THROW(wi::Tensor::from_data<float>(std::vector<float>{1, 2}, {3}), wi::ShapeError);
  EXPECT_THROW(t.item(), wi::ValueError);
  EXPECT_THROW(wi::Tensor::empty({std::int64_t{1} << 62, 8}), wi::ShapeError);
}

TEST(Tensor, Int64HoldsCountersAndPrintsLikeTorch) {
  auto n = wi::Tensor::zeros({}, wi::DType::Int64);
  EXPECT_EQ(n.str(), "tensor(0)");
  n.fill_(12);
  EXPECT_EQ(n.item(), 12.0);
  const std::vector<std::int64_t> v{3, -10, 200};
  EXPECT_EQ(wi::Tensor::from_data<std::int64_t>(v, {3}).str(), "tensor([  3, -10, 200])");
  EXPECT_EQ(wi::Tensor::empty({0}, wi::DType::Int64).str(), "tensor([], dtype=torch.int64)");
}

TEST(Tensor, SamplersRejectIntegerTensors) {
  auto n = wi::Tensor::zeros({3}, wi::DType::Int64);
  EXPECT_THROW(wi::uniform_(n), wi::DTypeError);
  try {
    wi::normal_(n);
    FAIL() << "no error";
  } catch (const wi::DTypeError& e) {
    EXPECT_STREQ(e.what(), "normal_ expects a floating-point tensor, but got dtype int64");
  }
}
