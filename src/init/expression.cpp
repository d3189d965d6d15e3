// SPDX-License-Identifier: MIT
// Expression: parsed once into a node list, evaluated per parameter.
#include "weightinit/init/expression.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "weightinit/init/fan.h"
#include "weightinit/init/spec.h"

namespace weightinit::init {

/// Recursive descent over the grammar in the header; nesting is counted so that deep input is a
/// parse error instead of a stack overflow.
class Expression::Parser {
 public:
  Parser(Expression& out, std::string_view text) : out_(out), text_(text) {}

  int parse() {
    const int root = sum();
    skip();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw SpecError(message + " in expression '" + std::string(text_) + "'", pos_ + 1);
  }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool at(char c) {
    skip();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  int node(Op op, int lhs = -1, int rhs = -1) {
    Node n;
    n.op = op;
    n.lhs = lhs;
    n.rhs = rhs;
    out_.nodes_.push_back(std::move(n));
    return static_cast<int>(out_.nodes_.size()) - 1;
  }

  /// Counts one level of nesting while alive.
  class Deeper {
   public:
    explicit Deeper(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) {
        p_.fail("the expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
      }
    }
    ~Deeper() { --p_.depth_; }
    Deeper(const Deeper&) = delete;
    Deeper& operator=(const Deeper&) = delete;

   private:
    Parser& p_;
  };

  int sum() {
    const Deeper level(*this);
    int v = product();
    while (at('+') || at('-')) {
      const Op op = text_[pos_++] == '+' ? Op::Add : Op::Sub;
      v = node(op, v, product());
    }
    return v;
  }
  int product() {
    int v = power();
    while (at('*') || at('/')) {
      const Op op = text_[pos_++] == '*' ? Op::Mul : Op::Div;
      v = node(op, v, power());
    }
    return v;
  }
  int power() {
    const int base = unary();
    if (!at('^')) return base;
    ++pos_;
    const Deeper level(*this);
    return node(Op::Pow, base, power());
  }
  int unary() {
    if (!at('-')) return primary();
    ++pos_;
    const Deeper level(*this);
    return node(Op::Negate, unary());
  }
  int primary() {
    skip();
    if (pos_ >= text_.size()) fail("expected a number, a variable or '(' at the end");
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      const int v = sum();
      if (!at(')')) fail("expected ')'");
      ++pos_;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return name();
    fail("unexpected '" + std::string(1, c) + "'");
  }
  int number() {
    const std::string rest(text_.substr(pos_));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) fail("malformed number");
    pos_ += static_cast<std::size_t>(end - rest.c_str());
    const int n = node(Op::Number);
    out_.nodes_[static_cast<std::size_t>(n)].number = v;
    return n;
  }
  int name() {
    const std::size_t begin = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    const std::string word(text_.substr(begin, pos_ - begin));
    if (!at('(')) {
      const int n = node(Op::Variable);
      out_.nodes_[static_cast<std::size_t>(n)].name = word;
      out_.nodes_[static_cast<std::size_t>(n)].column = begin + 1;
      return n;
    }
    ++pos_;
    const int arg = sum();
    if (!at(')')) fail("expected ')' after the argument of " + word);
    ++pos_;
    if (word == "sqrt") return node(Op::Sqrt, arg);
    if (word == "exp") return node(Op::Exp, arg);
    if (word == "log") return node(Op::Log, arg);
    pos_ = begin;
    fail("unknown function '" + word + "': expected sqrt, exp or log");
  }

  Expression& out_;
  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

Expression Expression::parse(std::string_view text) {
  Expression e;
  e.text_ = std::string(text);
  e.root_ = Parser(e, text).parse();
  return e;
}

double Expression::evaluate(const Variables& vars) const { return eval(root_, vars); }

double Expression::eval(int index, const Variables& vars) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  switch (n.op) {
    case Op::Number:
      return n.number;
    case Op::Variable: {
      const auto it = vars.find(n.name);
      if (it != vars.end()) return it->second;
      std::string known;
      for (const auto& [name, value] : vars) known += (known.empty() ? "" : ", ") + name;
      throw SpecError("unknown variable '" + n.name + "': expected one of " + known +
                          " in expression '" + text_ + "'",
                      n.column);
    }
    case Op::Negate:
      return -eval(n.lhs, vars);
    case Op::Add:
      return eval(n.lhs, vars) + eval(n.rhs, vars);
    case Op::Sub:
      return eval(n.lhs, vars) - eval(n.rhs, vars);
    case Op::Mul:
      return eval(n.lhs, vars) * eval(n.rhs, vars);
    case Op::Div:
      return eval(n.lhs, vars) / eval(n.rhs, vars);
    case Op::Pow: {
      const double base = eval(n.lhs, vars);
      return std::pow(base, eval(n.rhs, vars));
    }
    case Op::Sqrt:
      return std::sqrt(eval(n.lhs, vars));
    case Op::Exp:
      return std::exp(eval(n.lhs, vars));
    case Op::Log:
      return std::log(eval(n.lhs, vars));
  }
  return 0.0;
}

bool is_expression(std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '(' || c == ')' || c == '*' || c == '/' || c == '^') return true;
    if ((c == '+' || c == '-') && i > 0) {
      const char prev = value[i - 1];
      if (prev != 'e' && prev != 'E') return true;
      // "1e-3" is a literal; "fan_in-1" or "e-1" is not: an exponent follows a digit or '.'.
      if (i < 2 || !(std::isdigit(static_cast<unsigned char>(value[i - 2])) || value[i - 2] == '.'))
        return true;
    }
  }
  return false;
}

Variables parameter_variables(const Tensor& t, const Tensor* owner_weight) {
  Variables vars;
  vars["weight_fan_in"] = 0.0;
  if (owner_weight != nullptr && owner_weight->dim() >= 2) {
    vars["weight_fan_in"] = static_cast<double>(calculate_fan_in_and_fan_out(*owner_weight).fan_in);
  }
  const Shape& s = t.sizes();
  vars["numel"] = static_cast<double>(t.numel());
  vars["out"] = s.empty() ? 1.0 : static_cast<double>(s[0]);
  vars["in"] = s.size() < 2 ? 1.0 : static_cast<double>(s[1]);
  double k = 1.0;
  for (std::size_t i = 2; i < s.size(); ++i) k *= static_cast<double>(s[i]);
  vars["k"] = k;
  if (s.size() >= 2) {
    const auto fans = calculate_fan_in_and_fan_out(t);
    vars["fan_in"] = static_cast<double>(fans.fan_in);
    vars["fan_out"] = static_cast<double>(fans.fan_out);
  } else {
    vars["fan_in"] = vars["fan_out"] = static_cast<double>(t.numel());
  }
  return vars;
}

}  // namespace weightinit::init
