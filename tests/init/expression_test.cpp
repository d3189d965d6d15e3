// SPDX-License-Identifier: MIT
// Expressions in init specs: the grammar and its precedence, evaluation per parameter, every
// error with its column, and that an expression draws the same bits as its value written out.
#include "weightinit/init/expression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"

namespace wi = weightinit;
namespace init = weightinit::init;

namespace {

double eval(const std::string& text, const init::Variables& vars = {}) {
  return init::Expression::parse(text).evaluate(vars);
}

/// (column, reason) of the SpecError `fn` throws.
template <class Fn>
std::pair<std::size_t, std::string> spec_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const init::SpecError& e) {
    return {e.column(), e.reason()};
  }
  return {0, "no error"};
}

bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  return a.numel() == b.numel() &&
         std::memcmp(a.raw_data(), b.raw_data(),
                     sizeof(float) * static_cast<std::size_t>(a.numel())) == 0;
}

}  // namespace

TEST(Expression, PrecedenceAndAssociativityAreThoseOfTheGrammar) {
  EXPECT_EQ(eval("1 + 2 * 3"), 7.0);
  EXPECT_EQ(eval("(1 + 2) * 3"), 9.0);
  EXPECT_EQ(eval("8 / 4 / 2"), 1.0);    // left-associative
  EXPECT_EQ(eval("2 ^ 3 ^ 2"), 512.0);  // right-associative
  EXPECT_EQ(eval("-2 ^ 2"), 4.0);       // unary minus binds to the primary, as before
  EXPECT_EQ(eval("10 - 2 - 3"), 5.0);
  EXPECT_EQ(eval("sqrt(16) + exp(0) + log(1)"), 5.0);
  EXPECT_EQ(eval("1e-3 * 1000"), 1.0);
}

TEST(Expression, VariablesComeFromTheMapAndEvaluateInDouble) {
  const init::Variables vars{{"fan_in", 27.0}, {"k", 9.0}, {"out", 8.0}};
  EXPECT_EQ(eval("sqrt(2 / (k * out))", vars), std::sqrt(2.0 / (9.0 * 8.0)));
  EXPECT_EQ(eval("-1 / sqrt(fan_in)", vars), -(1 / std::sqrt(27.0)));
  const auto [column, reason] = spec_error_of([&] { eval("2 / fan_inn", vars); });
  EXPECT_EQ(column, 5u);
  EXPECT_EQ(reason,
            "unknown variable 'fan_inn': expected one of fan_in, k, out in expression "
            "'2 / fan_inn'");
}

TEST(Expression, MalformedTextIsASpecErrorAtItsColumn) {
  struct Case {
    const char* text;
    std::size_t column;
    const char* reason;
  };
  for (const Case& c : {
           Case{"2 *", 4, "expected a number, a variable or '(' at the end in expression '2 *'"},
           Case{"(1 + 2", 7, "expected ')' in expression '(1 + 2'"},
           Case{"cbrt(8)", 1,
                "unknown function 'cbrt': expected sqrt, exp or log in expression 'cbrt(8)'"},
           Case{"1 + $", 5, "unexpected '$' in expression '1 + $'"},
           Case{"1 2", 3, "unexpected '2' in expression '1 2'"},
       }) {
    const auto [column, reason] = spec_error_of([&] { (void)init::Expression::parse(c.text); });
    EXPECT_EQ(column, c.column) << c.text;
    EXPECT_EQ(reason, c.reason) << c.text;
  }
  const std::string deep = std::string(300, '(') + "1" + std::string(300, ')');
  EXPECT_NE(spec_error_of([&] {
              (void)init::Expression::parse(deep);
            }).second.find("nests deeper than 256 levels"),
            std::string::npos);
}

TEST(Expression, IsExpressionSeparatesLiteralsAndNamesFromArithmetic) {
  for (const char* literal : {"fan_out", "relu", "-0.5", "1e-3", "2.5E+4", "+3"}) {
    EXPECT_FALSE(init::is_expression(literal)) << literal;
  }
  for (const char* expression : {"-1 / sqrt(fan_in)", "2*k", "(3)", "fan_in-1", "e-1", "2^3"}) {
    EXPECT_TRUE(init::is_expression(expression)) << expression;
  }
}

TEST(Expression, ParameterVariablesAreTorchsFansAndSizes) {
  const wi::Tensor conv = wi::Tensor::empty({8, 3, 3, 3});
  const wi::Tensor bias = wi::Tensor::empty({8});
  const init::Variables w = init::parameter_variables(conv);
  EXPECT_EQ(w.at("out"), 8.0);
  EXPECT_EQ(w.at("in"), 3.0);
  EXPECT_EQ(w.at("k"), 9.0);
  EXPECT_EQ(w.at("fan_in"), 27.0);
  EXPECT_EQ(w.at("fan_out"), 72.0);
  EXPECT_EQ(w.at("numel"), 216.0);
  EXPECT_EQ(w.at("weight_fan_in"), 0.0);
  const init::Variables b = init::parameter_variables(bias, &conv);
  EXPECT_EQ(b.at("weight_fan_in"), 27.0);
  EXPECT_EQ(b.at("fan_in"), 8.0);  // numel below 2-D
}

TEST(SpecExpression, AnExpressionArgumentDrawsTheBitsOfItsValue) {
  // normal(std=sqrt(2 / fan_in)) on a (16, 8) weight is normal(std=0.5).
  const init::Initializer spec = init::Initializer::parse("normal(mean=0, std=sqrt(2 / fan_in))");
  EXPECT_TRUE(spec.has_expressions());
  EXPECT_EQ(spec.canonical(), "normal(mean=0, std=sqrt(2 / fan_in))");
  wi::Tensor a = wi::Tensor::empty({16, 8});
  wi::Tensor b = wi::Tensor::empty({16, 8});
  wi::Generator g1(7), g2(7);
  spec.apply(a, g1);  // binds the tensor's own variables
  init::normal_(b, 0.0, 0.5, g2);
  EXPECT_TRUE(same_bits(a, b));
  const init::Initializer bound = spec.bind(init::parameter_variables(a));
  EXPECT_FALSE(bound.has_expressions());
  EXPECT_EQ(bound.canonical(), "normal(mean=0, std=0.5)");
}

TEST(SpecExpression, ErrorsPointIntoTheSpecAndNamesStayErrors) {
  // A bare name in a numeric argument is still an error; arithmetic makes it an expression.
  auto [c1, r1] = spec_error_of([] { (void)init::Initializer::parse("normal(std=relu)"); });
  EXPECT_EQ(c1, 12u);
  EXPECT_EQ(r1, "argument 'std' of normal must be a number, but got relu");
  auto [c2, r2] = spec_error_of([] { (void)init::Initializer::parse("normal(std=2 * (1 +)"); });
  EXPECT_EQ(c2, 20u);
  EXPECT_EQ(r2, "unexpected ')' in expression '2 * (1 +)'");
  const init::Initializer spec = init::Initializer::parse("uniform(a=-1 / sqrt(fan_inn))");
  auto [c3, r3] = spec_error_of([&] { (void)spec.bind({{"fan_in", 4.0}}); });
  EXPECT_EQ(c3, 21u);
  EXPECT_EQ(r3,
            "unknown variable 'fan_inn': expected one of fan_in in expression "
            "'-1 / sqrt(fan_inn)'");
  // Only numeric arguments take expressions.
  auto [c4, r4] =
      spec_error_of([] { (void)init::Initializer::parse("kaiming_normal(mode=fan_in * 2)"); });
  EXPECT_EQ(c4, 21u);
  EXPECT_EQ(r4, "argument 'mode' of kaiming_normal must be fan_in or fan_out, but got fan_in * 2");
}
