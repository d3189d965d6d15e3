// SPDX-License-Identifier: MIT
#include "weightinit/tensor/shape.h"

#include <gtest/gtest.h>

#include "weightinit/error.h"

namespace wi = weightinit;

TEST(Shape, NumelIsTheProductAndOneForScalars) {
  EXPECT_EQ(wi::numel_of({}), 1);
  EXPECT_EQ(wi::numel_of({3, 5}), 15);
  EXPECT_EQ(wi::numel_of({4, 0, 2}), 0);
  EXPECT_EQ(wi::numel_of({1 << 20, 1 << 20, 1 << 20}), std::int64_t{1} << 60);
}

TEST(Shape, NumelOverflowIsAShapeError) {
  try {
    wi::numel_of({std::int64_t{1} << 32, std::int64_t{1} << 32});
    FAIL() << "no error";
  } catch (const wi::ShapeError& e) {
    EXPECT_STREQ(e.what(), "shape [4294967296, 4294967296] has more than 2^63-1 elements");
  }
}

TEST(Shape, NegativeDimensionIsAShapeError) { EXPECT_THROW(wi::numel_of({3, -1}), wi::ShapeError); }

TEST(Shape, ContiguousStridesAreRowMajor) {
  EXPECT_EQ(wi::contiguous_strides({2, 3, 4}), (wi::Shape{12, 4, 1}));
  EXPECT_EQ(wi::contiguous_strides({}), wi::Shape{});
}

TEST(Shape, ParsesCommaXAndBracketForms) {
  EXPECT_EQ(wi::parse_shape("3,5"), (wi::Shape{3, 5}));
  EXPECT_EQ(wi::parse_shape("64x3x7x7"), (wi::Shape{64, 3, 7, 7}));
  EXPECT_EQ(wi::parse_shape("[2, 3]"), (wi::Shape{2, 3}));
  EXPECT_EQ(wi::parse_shape("100000000"), (wi::Shape{100000000}));
}

TEST(Shape, ParseRejectsBadText) {
  EXPECT_THROW(wi::parse_shape("3,a"), wi::ValueError);
  EXPECT_THROW(wi::parse_shape("3,-5"), wi::ValueError);
  EXPECT_THROW(wi::parse_shape("[3,5"), wi::ValueError);
  EXPECT_THROW(wi::parse_shape("4294967296,4294967296"), wi::ShapeError);
}

// Issue #24: 40,000 dims used to exhaust memory in the printer; 64 is the limit.
TEST(Shape, ParseLimitsTheNumberOfDimensions) {
  std::string dims64 = "1", dims65;
  for (int i = 1; i < 64; ++i) dims64 += ",1";
  EXPECT_EQ(wi::parse_shape(dims64).size(), 64u);
  dims65 = dims64 + ",1";
  try {
    wi::parse_shape(dims65);
    ADD_FAILURE() << "65 dimensions were accepted";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(), "invalid shape: more than 64 dimensions (the most a shape may have)");
  }
  std::string huge = "1";
  for (int i = 1; i < 40000; ++i) huge += ",1";
  EXPECT_THROW(wi::parse_shape(huge), wi::ValueError);
}

TEST(Shape, Strings) {
  EXPECT_EQ(wi::shape_str({3, 5}), "[3, 5]");
  EXPECT_EQ(wi::shape_tuple_str({3}), "(3,)");
  EXPECT_EQ(wi::shape_tuple_str({0, 3}), "(0, 3)");
}
