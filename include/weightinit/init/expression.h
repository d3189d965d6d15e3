// SPDX-License-Identifier: MIT
// Arithmetic in init spec arguments: `normal(std=sqrt(2 / (k * out)))`, evaluated per parameter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

/// Named values an expression may use: a parameter's shape variables (parameter_variables) and a
/// policy's own (`--set n_layer=12`).
using Variables = std::map<std::string, double, std::less<>>;

/// A parsed arithmetic expression over numbers and variables:
///   sum := product (('+'|'-') product)*;  product := power (('*'|'/') power)*;
///   power := unary ('^' power)?;  unary := '-' unary | primary;
///   primary := number | name | name '(' sum ')' | '(' sum ')',  functions sqrt, exp, log.
/// Parsed once, evaluated against each parameter's variables in IEEE double, left to right
/// (`^` is right-associative, std::pow), so a value is the same whatever the parameter order.
/// Nesting (parentheses, unary minus, `^`) is limited to kMaxDepth levels.
class Expression {
 public:
  static constexpr int kMaxDepth = 256;

  /// Parses `text`; throws SpecError("<what> in expression '<text>'", column) with the 1-based
  /// column inside `text` where parsing stopped.
  static Expression parse(std::string_view text);

  /// The value with `vars`; throws SpecError (column of the variable) for an unknown variable,
  /// naming the known ones.
  double evaluate(const Variables& vars) const;

  /// The text as written (trimmed).
  const std::string& text() const { return text_; }

 private:
  enum class Op : std::uint8_t {
    Number,
    Variable,
    Negate,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Sqrt,
    Exp,
    Log
  };
  struct Node {
    Op op = Op::Number;
    double number = 0;       // Op::Number
    std::string name;        // Op::Variable
    std::size_t column = 0;  // 1-based, of a variable
    int lhs = -1, rhs = -1;  // operand nodes (unary ops use lhs)
  };
  class Parser;
  double eval(int node, const Variables& vars) const;

  std::string text_;
  std::vector<Node> nodes_;
  int root_ = -1;
};

/// Whether an argument value is an expression rather than a literal or a name: it has an
/// operator or a parenthesis beyond a leading sign, so `fan_out`, `relu`, `-0.5` and `1e-3`
/// are not, and `-1 / sqrt(fan_in)` and `2*k` are.
bool is_expression(std::string_view value);

/// The variables of a parameter tensor `t` of shape (out, in, k...):
///   out = size(0) (1 for a scalar), in = size(1) (1 below 2-D), k = prod(size(2:)),
///   numel, fan_in/fan_out (torch's _calculate_fan_in_and_fan_out; numel below 2-D), and
///   weight_fan_in = the fan-in of `owner_weight`, the weight of the module that owns `t`
///   (0 when there is none or it is below 2-D), for biases drawn U(±1/√fan_in of the weight).
Variables parameter_variables(const Tensor& t, const Tensor* owner_weight = nullptr);

}  // namespace weightinit::init
