// SPDX-License-Identifier: MIT
#include "weightinit/tensor/tensor.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"

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

namespace {

TEST(TensorFromBlob, FillsTheCallersMemoryInPlaceBitForBit) {
  // A fill through a tensor over the caller's buffer writes there, exactly what a fill of a
  // fresh tensor from the same seed writes (torch.from_blob + uniform_).
  std::vector<float> buffer(24, -1.0f);
  wi::Tensor view = wi::Tensor::from_blob(buffer.data(), {4, 6}, wi::DType::Float32);
  EXPECT_TRUE(view.is_contiguous());
  EXPECT_FALSE(view.is_deferred());
  wi::Generator g1(17), g2(17);
  wi::uniform_(view, -2, 2, g1);
  wi::Tensor fresh = wi::Tensor::empty({4, 6});
  wi::uniform_(fresh, -2, 2, g2);
  EXPECT_EQ(buffer, fresh.to_vector<float>());
  EXPECT_EQ(g1.get_state(), g2.get_state());
  // Strided memory: a transposed 3x5 float64 matrix. Like torch's TensorIterator, a fill of a
  // non-contiguous tensor runs in memory order, so the buffer holds the samples in order.
  std::vector<double> matrix(15, 0.0);
  wi::Tensor transposed = wi::Tensor::from_blob(matrix.data(), {5, 3}, {1, 5}, wi::DType::Float64);
  EXPECT_FALSE(transposed.is_contiguous());
  wi::normal_(transposed, 0, 1, g1);
  wi::Tensor in_order = wi::Tensor::empty({15}, wi::DType::Float64);
  wi::normal_(in_order, 0, 1, g2);
  EXPECT_EQ(matrix, in_order.to_vector<double>());
  const std::int64_t index[] = {1, 2};  // element (1, 2) sits at 1 + 2·5
  EXPECT_EQ(transposed.item(index), matrix[11]);
  // Made with memory even while shapes only are being built.
  const wi::DeferredAllocationGuard deferred;
  EXPECT_FALSE(wi::Tensor::from_blob(buffer.data(), {24}, wi::DType::Float32).is_deferred());
}

TEST(TensorFromBlob, HoldsTheKeepaliveUntilTheLastViewIsGone) {
  auto owner = std::make_shared<std::vector<float>>(8, 0.0f);
  std::weak_ptr<std::vector<float>> watch = owner;
  wi::Tensor row;
  {
    wi::Tensor t = wi::Tensor::from_blob(owner->data(), {2, 4}, wi::DType::Float32, owner);
    owner.reset();
    row = t.select(0, 1);
  }
  EXPECT_FALSE(watch.expired()) << "a view still uses the memory";
  row.fill_(3.0);
  EXPECT_EQ(watch.lock()->at(5), 3.0f);
  row = wi::Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(TensorFromBlob, BadInput) {
  std::vector<float> buffer(8);
  EXPECT_THROW(wi::Tensor::from_blob(nullptr, {2}, wi::DType::Float32), wi::ValueError);
  EXPECT_NO_THROW(wi::Tensor::from_blob(nullptr, {0, 3}, wi::DType::Float32));
  EXPECT_THROW(wi::Tensor::from_blob(buffer.data(), {2, 4}, {4}, wi::DType::Float32),
               wi::ValueError);
  EXPECT_THROW(wi::Tensor::from_blob(buffer.data(), {2, 4}, {4, -1}, wi::DType::Float32),
               wi::ValueError);
  EXPECT_THROW(
      wi::Tensor::from_blob(reinterpret_cast<char*>(buffer.data()) + 2, {2}, wi::DType::Float32),
      wi::ValueError);
  EXPECT_THROW(wi::Tensor::from_blob(buffer.data(), {-1}, wi::DType::Float32), wi::ShapeError);
  EXPECT_THROW(
      wi::Tensor::from_blob(buffer.data(), {3, 3}, {std::int64_t{1} << 62, 1}, wi::DType::Float64),
      wi::ShapeError);
  try {
    wi::Tensor::from_blob(buffer.data(), {2, 4}, {4, -1}, wi::DType::Float32);
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "from_blob: negative strides are not supported, but got stride -1 in dimension 1");
  }
}

}  // namespace
