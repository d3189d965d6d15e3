// SPDX-License-Identifier: MIT
// Init policies: parsing "selector: spec" rules, matching them against named parameters and
// drawing each parameter from its first matching rule.
#include "weightinit/recipes/policy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "detail/bounded_read.h"
#include "detail/text.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/spec.h"
#include "weightinit/nn/embedding.h"

namespace weightinit::recipes {

using init::Initializer;
using init::SpecError;

PolicyError::PolicyError(const std::string& source, int line, int column, const std::string& reason)
    : ValueError(source + (line > 0 ? ":" + std::to_string(line) : std::string()) +
                 (line > 0 && column > 0 ? ":" + std::to_string(column) : std::string()) + ": " +
                 reason),
      reason_(reason),
      line_(line),
      column_(column) {}

namespace {

using detail::trim;

// ---------------------------------------------------------------------------------------------
// Globs: '*' matches any run of characters (dots included), '?' any one character.

bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_glob_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '*' ||
         c == '?';
}

// ---------------------------------------------------------------------------------------------
// Selectors.

/// One term of a selector: what it matches on.
struct Term {
  enum class Kind { Type, Name, Qualified } kind;
  std::string type_glob;  // Kind::Type
  std::string name_glob;  // Kind::Type (optional) and Kind::Name: the parameter's own name
  std::string qualified;  // Kind::Qualified
  int column = 0;         // 1-based column of the term in the line
};

struct Selector {
  std::vector<Term> terms;

  bool matches(const std::string& qualified, const std::string& type,
               const std::string& local) const {
    for (const Term& t : terms) {
      switch (t.kind) {
        case Term::Kind::Type:
          if (!glob_match(t.type_glob, type)) return false;
          if (!t.name_glob.empty() && !glob_match(t.name_glob, local)) return false;
          break;
        case Term::Kind::Name:
          if (!glob_match(t.name_glob, local)) return false;
          break;
        case Term::Kind::Qualified:
          if (!glob_match(t.qualified, qualified)) return false;
          break;
      }
    }
    return true;
  }
};

Selector parse_selector(const std::string& text, int column, const std::string& source, int line) {
  Selector sel;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t amp = text.find('&', start);
    const std::size_t end = amp == std::string::npos ? text.size() : amp;
    std::size_t lead = 0;
    const std::string term_text = trim(std::string_view(text).substr(start, end - start), &lead);
    const int term_column = column + static_cast<int>(start + lead);
    if (term_text.empty()) {
      throw PolicyError(source, line, term_column,
                        "empty selector term in '" + text +
                            "': expected a module type (Conv2d), a parameter name (weight) or "
                            "a qualified-name glob (layer1.*.weight), joined by '&'");
    }
    for (std::size_t i = 0; i < term_text.size(); ++i) {
      if (!is_glob_char(term_text[i])) {
        throw PolicyError(source, line, term_column + static_cast<int>(i),
                          std::string("unexpected character '") + term_text[i] + "' in selector '" +
                              term_text +
                              "': selectors use letters, digits, '_', '.', '*' and '?'");
      }
    }
    if (term_text.front() == '.' || term_text.back() == '.' ||
        term_text.find("..") != std::string::npos) {
      throw PolicyError(source, line, term_column,
                        "malformed selector '" + term_text +
                            "': a name part is empty (a leading, trailing or doubled '.')");
    }
    Term term;
    term.column = term_column;
    if (std::isupper(static_cast<unsigned char>(term_text.front()))) {
      term.kind = Term::Kind::Type;
      const std::size_t dot = term_text.find('.');
      term.type_glob = term_text.substr(0, dot);
      if (dot != std::string::npos) {
        term.name_glob = term_text.substr(dot + 1);
        if (term.name_glob.find('.') != std::string::npos) {
          throw PolicyError(source, line, term_column + static_cast<int>(dot) + 1,
                            "malformed selector '" + term_text +
                                "': after a module type comes one parameter name (Conv2d.weight)");
        }
      }
    } else if (term_text.find('.') == std::string::npos) {
      term.kind = Term::Kind::Name;
      term.name_glob = term_text;
    } else {
      term.kind = Term::Kind::Qualified;
      term.qualified = term_text;
    }
    sel.terms.push_back(std::move(term));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return sel;
}

/// Module types a policy may name without the model having one (typos against these, and
/// against the model's own types, get "did you mean").
const std::vector<std::string>& library_types() {
  static const std::vector<std::string> types = {"Linear",
                                                 "Bilinear",
                                                 "Conv1d",
                                                 "Conv2d",
                                                 "Conv3d",
                                                 "ConvTranspose1d",
                                                 "ConvTranspose2d",
                                                 "ConvTranspose3d",
                                                 "BatchNorm1d",
                                                 "BatchNorm2d",
                                                 "BatchNorm3d",
                                                 "GroupNorm",
                                                 "RMSNorm",
                                                 "ReZero",
                                                 "LayerNorm",
                                                 "InstanceNorm1d",
                                                 "InstanceNorm2d",
                                                 "InstanceNorm3d",
                                                 "Embedding",
                                                 "MultiheadAttention",
                                                 "LSTM",
                                                 "GRU",
                                                 "RNN"};
  return types;
}

// ---------------------------------------------------------------------------------------------
// Expressions in spec arguments.

/// Recursive-descent evaluator: sum := product (('+'|'-') product)*; product := power
/// (('*'|'/') power)*; power := unary ('^' power)?; unary := '-' unary | primary; primary :=
/// number | name | name '(' sum ')' | '(' sum ')'.
/// How deep expressions may nest (parentheses, unary minus, ^): beyond it, a parse error.
constexpr int kMaxExpressionDepth = 256;

class Expression {
 public:
  /// `lenient`: an unknown variable counts as 7 (a syntax check before the variables are known).
  Expression(std::string_view text, const std::map<std::string, double>& vars, bool lenient = false)
      : text_(text), vars_(vars), lenient_(lenient) {}

  /// The value; on error, sets error() and error_offset() (0-based in the text).
  std::optional<double> evaluate() {
    const double v = sum();
    skip();
    if (!error_.empty()) return std::nullopt;
    if (pos_ != text_.size()) {
      fail("unexpected '" + std::string(1, text_[pos_]) + "'");
      return std::nullopt;
    }
    return v;
  }
  const std::string& error() const { return error_; }
  std::size_t error_offset() const { return error_pos_; }

 private:
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void fail(const std::string& message) {
    if (error_.empty()) {
      error_ = message;
      error_pos_ = pos_;
    }
  }
  /// Counts one level of nesting while alive; past kMaxExpressionDepth it fails the parse
  /// instead of recursing on (30,000 parentheses would overflow the stack).
  class Deeper {
   public:
    explicit Deeper(Expression& e) : e_(e), ok_(++e.depth_ <= kMaxExpressionDepth) {
      if (!ok_) {
        e.fail("the expression nests deeper than " + std::to_string(kMaxExpressionDepth) +
               " levels");
      }
    }
    ~Deeper() { --e_.depth_; }
    Deeper(const Deeper&) = delete;
    Deeper& operator=(const Deeper&) = delete;
    bool ok() const { return ok_; }

   private:
    Expression& e_;
    bool ok_;
  };

  double sum() {
    const Deeper level(*this);
    if (!level.ok()) return 0.0;
    double v = product();
    for (;;) {
      skip();
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        const char op = text_[pos_++];
        const double r = product();
        v = op == '+' ? v + r : v - r;
      } else {
        return v;
      }
    }
  }
  double product() {
    double v = power();
    for (;;) {
      skip();
      if (pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '/')) {
        const char op = text_[pos_++];
        const double r = power();
        v = op == '*' ? v * r : v / r;
      } else {
        return v;
      }
    }
  }
  double power() {
    const double base = unary();
    skip();
    if (pos_ < text_.size() && text_[pos_] == '^') {
      ++pos_;
      const Deeper level(*this);
      if (!level.ok()) return 0.0;
      return std::pow(base, power());
    }
    return base;
  }
  double unary() {
    skip();
    if (pos_ < text_.size() && text_[pos_] == '-') {
      ++pos_;
      const Deeper level(*this);
      if (!level.ok()) return 0.0;
      return -unary();
    }
    return primary();
  }
  double primary() {
    skip();
    if (pos_ >= text_.size()) {
      fail("expected a number, a variable or '(' at the end");
      return 0.0;
    }
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      const double v = sum();
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ')') {
        fail("expected ')'");
        return 0.0;
      }
      ++pos_;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const std::string rest(text_.substr(pos_));
      char* end = nullptr;
      const double v = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) {
        fail("malformed number");
        return 0.0;
      }
      pos_ += static_cast<std::size_t>(end - rest.c_str());
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t begin = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      const std::string name(text_.substr(begin, pos_ - begin));
      skip();
      if (pos_ < text_.size() && text_[pos_] == '(') {
        ++pos_;
        const double arg = sum();
        skip();
        if (pos_ >= text_.size() || text_[pos_] != ')') {
          fail("expected ')' after the argument of " + name);
          return 0.0;
        }
        ++pos_;
        if (name == "sqrt") return std::sqrt(arg);
        if (name == "exp") return std::exp(arg);
        if (name == "log") return std::log(arg);
        pos_ = begin;
        fail("unknown function '" + name + "': expected sqrt, exp or log");
        return 0.0;
      }
      const auto it = vars_.find(name);
      if (it == vars_.end() && lenient_) return 7.0;
      if (it == vars_.end()) {
        pos_ = begin;
        std::string known;
        for (const auto& [k, v] : vars_) known += (known.empty() ? "" : ", ") + k;
        fail("unknown variable '" + name + "': expected one of " + known);
        return 0.0;
      }
      return it->second;
    }
    fail("unexpected '" + std::string(1, c) + "'");
    return 0.0;
  }

  std::string_view text_;
  const std::map<std::string, double>& vars_;
  bool lenient_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

/// An argument value is an expression when it has an operator or a parenthesis beyond a
/// leading sign (so `fan_out`, `relu`, `-0.5` and `1e-3` pass through as written).
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

/// A spec with its expressions located: text pieces and expression pieces, in order.
struct SpecTemplate {
  struct Piece {
    std::string text;
    bool expression = false;
    std::size_t offset = 0;  // 0-based offset of the piece in the spec as written
  };
  std::vector<Piece> pieces;

  static SpecTemplate split(const std::string& spec) {
    SpecTemplate t;
    const std::size_t open = spec.find('(');
    const std::size_t close = spec.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) {
      t.pieces.push_back({spec, false, 0});
      return t;
    }
    // Arguments between the outer parentheses, split at top-level commas.
    std::size_t cursor = 0;  // start of the pending literal piece
    std::size_t arg_start = open + 1;
    int depth = 0;
    for (std::size_t i = open + 1; i <= close; ++i) {
      const char c = spec[i];
      if (c == '(') ++depth;
      if (c == ')' && depth > 0) {
        --depth;
        continue;
      }
      if ((c == ',' && depth == 0) || i == close) {
        const std::string arg = spec.substr(arg_start, i - arg_start);
        const std::size_t eq = arg.find('=');
        std::size_t value_lead = 0;
        const std::size_t value_at = eq == std::string::npos ? 0 : eq + 1;
        const std::string value = trim(std::string_view(arg).substr(value_at), &value_lead);
        if (is_expression(value)) {
          const std::size_t value_begin = arg_start + value_at + value_lead;
          t.pieces.push_back({spec.substr(cursor, value_begin - cursor), false, cursor});
          t.pieces.push_back({value, true, value_begin});
          cursor = value_begin + value.size();
        }
        arg_start = i + 1;
      }
    }
    t.pieces.push_back({spec.substr(cursor), false, cursor});
    return t;
  }

  bool has_expressions() const {
    return std::any_of(pieces.begin(), pieces.end(), [](const Piece& p) { return p.expression; });
  }
};

/// Expression values print with 17 significant digits, which read back as the same double.
std::string exact_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// The per-parameter variables of spec expressions.
std::map<std::string, double> parameter_variables(const Tensor& t,
                                                  const std::map<std::string, double>& extra,
                                                  const Tensor* owner_weight = nullptr) {
  std::map<std::string, double> vars = extra;
  // The owning module's weight fan-in (Linear/Conv biases are U(±1/√fan_in of the weight)).
  vars["weight_fan_in"] = 0.0;
  if (owner_weight != nullptr && owner_weight->dim() >= 2) {
    vars["weight_fan_in"] =
        static_cast<double>(init::calculate_fan_in_and_fan_out(*owner_weight).fan_in);
  }
  const Shape& s = t.sizes();
  vars["numel"] = static_cast<double>(t.numel());
  vars["out"] = s.empty() ? 1.0 : static_cast<double>(s[0]);
  vars["in"] = s.size() < 2 ? 1.0 : static_cast<double>(s[1]);
  double k = 1.0;
  for (std::size_t i = 2; i < s.size(); ++i) k *= static_cast<double>(s[i]);
  vars["k"] = k;
  if (s.size() >= 2) {
    const auto fans = init::calculate_fan_in_and_fan_out(t);
    vars["fan_in"] = static_cast<double>(fans.fan_in);
    vars["fan_out"] = static_cast<double>(fans.fan_out);
  } else {
    vars["fan_in"] = vars["fan_out"] = static_cast<double>(t.numel());
  }
  return vars;
}

/// Variables with placeholder values, to check expressions at parse time.
std::map<std::string, double> placeholder_variables(const std::map<std::string, double>& extra) {
  std::map<std::string, double> vars = extra;
  for (const char* name : {"numel", "out", "in", "k", "fan_in", "fan_out", "weight_fan_in"}) {
    vars[name] = 7.0;
  }
  return vars;
}

/// The spec with each expression replaced by its value; throws PolicyError at the
/// expression's column when one does not evaluate. `spec_column` is the spec's 1-based column.
/// `lengths`, when given, receives the length of each piece as written into the result.
std::string instantiate(const SpecTemplate& t, const std::map<std::string, double>& vars,
                        const std::string& source, int line, int spec_column,
                        std::vector<std::size_t>* lengths = nullptr, bool lenient = false) {
  std::string out;
  for (const auto& piece : t.pieces) {
    const std::size_t before = out.size();
    if (!piece.expression) {
      out += piece.text;
      if (lengths) lengths->push_back(out.size() - before);
      continue;
    }
    Expression e(piece.text, vars, lenient);
    const auto value = e.evaluate();
    if (!value) {
      throw PolicyError(source, line,
                        spec_column + static_cast<int>(piece.offset + e.error_offset()),
                        e.error() + " in expression '" + piece.text + "'");
    }
    out += exact_number(*value);
    if (lengths) lengths->push_back(out.size() - before);
  }
  return out;
}

/// Parses an instantiated spec (piece lengths from instantiate), reporting a SpecError at its
/// place in the line: inside a substituted value it points at the expression.
init::Initializer parse_spec(const std::string& text, const SpecTemplate& t,
                             const std::vector<std::size_t>& lengths, const std::string& source,
                             int line, int spec_column) {
  try {
    return Initializer::parse(text);
  } catch (const SpecError& e) {
    const std::size_t at = e.column() > 0 ? e.column() - 1 : 0;  // 0-based, instantiated text
    std::size_t written = 0, column = at;
    for (std::size_t i = 0; i < t.pieces.size() && i < lengths.size(); ++i) {
      if (at < written + lengths[i] || i + 1 == t.pieces.size()) {
        column = t.pieces[i].offset + (t.pieces[i].expression ? 0 : at - written);
        break;
      }
      written += lengths[i];
    }
    throw recipes::PolicyError(source, line, spec_column + static_cast<int>(column), e.reason());
  }
}

/// Schemes that need a tensor of at least 2 dimensions (torch computes fans or a matrix).
bool needs_two_dims(const std::string& scheme) {
  for (const char* prefix : {"xavier", "kaiming", "orthogonal", "sparse", "eye", "dirac"}) {
    if (scheme.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

/// torch's reset_parameters() for parameter `local` of a module of type `type`, as a spec: what
/// "default" draws in the Philox family (where a parameter's values must come from its own
/// stream, not from the constructor's place in the torch stream). nullopt when unknown.
std::optional<std::string> torch_default_spec(const std::string& type, const std::string& local) {
  const bool affine = type == "Linear" || type == "Bilinear" || type.rfind("Conv", 0) == 0;
  if (affine && local == "weight") return "kaiming_uniform(a=sqrt(5))";
  if (affine && local == "bias") {
    return "uniform(a=-1 / sqrt(weight_fan_in), b=1 / sqrt(weight_fan_in))";
  }
  const bool norm = type.rfind("BatchNorm", 0) == 0 || type == "LayerNorm" || type == "GroupNorm" ||
                    type.rfind("InstanceNorm", 0) == 0 || type == "RMSNorm";
  if (norm && local == "weight") return "ones";
  if (norm && local == "bias") return "zeros";
  if (type == "Embedding" && local == "weight") return "normal(mean=0, std=1)";
  if (type == "ReZero" && local == "alpha") return "zeros";
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Policy.

Policy Policy::parse(std::string_view text, std::string source) {
  return parse_with(text, std::move(source), {});
}

Policy Policy::parse_with(std::string_view text, std::string source,
                          std::map<std::string, double> variables) {
  Policy policy;
  policy.source_ = std::move(source);
  policy.variables_ = std::move(variables);
  std::size_t line_start = 0;
  int line_no = 0;
  while (line_start <= text.size()) {
    ++line_no;
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string line(text.substr(line_start, line_end - line_start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line_start = line_end + 1;
    const std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::size_t lead = 0;
    if (trim(line, &lead).empty()) {
      if (line_end == text.size()) break;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) {
      throw PolicyError(policy.source_, line_no, static_cast<int>(lead) + 1,
                        "expected 'selector: init spec', like 'Conv2d.weight: "
                        "kaiming_normal(mode=fan_out)', but the line has no ':'");
    }
    PolicyRule rule;
    std::size_t sel_lead = 0, spec_lead = 0;
    rule.selector = trim(std::string_view(line).substr(0, colon), &sel_lead);
    rule.spec = trim(std::string_view(line).substr(colon + 1), &spec_lead);
    rule.line = line_no;
    rule.column = static_cast<int>(sel_lead) + 1;
    rule.spec_column = static_cast<int>(colon + 1 + spec_lead) + 1;
    if (rule.selector.empty()) {
      throw PolicyError(policy.source_, line_no, static_cast<int>(colon) + 1,
                        "empty selector before ':'");
    }
    if (rule.spec.empty()) {
      throw PolicyError(policy.source_, line_no, static_cast<int>(colon) + 2,
                        "empty init spec after ':' (write 'default' to keep the constructor's "
                        "values)");
    }
    (void)parse_selector(rule.selector, rule.column, policy.source_, line_no);
    policy.rules_.push_back(std::move(rule));
    if (line_end == text.size()) break;
  }
  policy.check_specs();
  return policy;
}

void Policy::check_specs() const {
  for (const PolicyRule& rule : rules_) {
    if (rule.spec == "default") continue;
    const SpecTemplate t = SpecTemplate::split(rule.spec);
    std::vector<std::size_t> lengths;
    const std::string text = instantiate(t, placeholder_variables(variables_), source_, rule.line,
                                         rule.spec_column, &lengths, /*lenient=*/true);
    (void)parse_spec(text, t, lengths, source_, rule.line, rule.spec_column);
  }
}

Policy Policy::load(const std::string& path) {
  return parse(detail::read_bounded_text_file(path, "policy file", kMaxPolicyFileBytes), path);
}

Policy Policy::builtin(std::string_view name, nn::Module& model) {
  const std::string text(name);
  const std::string source = "builtin:" + text;
  std::string base = trim(text);
  std::map<std::string, std::string> options;
  const std::size_t open = base.find('(');
  if (open != std::string::npos) {
    if (base.back() != ')') {
      throw PolicyError(
          source, 0, 0,
          "malformed policy options in '" + text + "': expected NAME(option=value, ...)");
    }
    const std::string inner = base.substr(open + 1, base.size() - open - 2);
    base = trim(base.substr(0, open));
    std::size_t start = 0;
    while (start < inner.size()) {
      std::size_t comma = inner.find(',', start);
      if (comma == std::string::npos) comma = inner.size();
      const std::string item = trim(std::string_view(inner).substr(start, comma - start));
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos || trim(item.substr(0, eq)).empty()) {
        throw PolicyError(source, 0, 0,
                          "malformed policy option '" + item + "': expected option=value");
      }
      options[trim(item.substr(0, eq))] = trim(item.substr(eq + 1));
      start = comma + 1;
    }
  }
  std::map<std::string, double> variables;
  const std::string body = builtin_policy_text(base, options, model, variables);
  return parse_with(body, "builtin:" + base, std::move(variables));
}

Policy Policy::resolve(const std::string& name_or_path, nn::Module& model) {
  constexpr std::string_view prefix = "builtin:";
  if (name_or_path.rfind(prefix, 0) == 0) {
    return builtin(std::string_view(name_or_path).substr(prefix.size()), model);
  }
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::status(name_or_path, ec));
  if (!exists) return builtin(name_or_path, model);
  // A path that spells a built-in name (a ./gpt2 folder from a download, a file named llama)
  // must not silently replace the recipe: the user says which one is meant.
  const std::string base = trim(std::string_view(name_or_path).substr(0, name_or_path.find('(')));
  const auto& known = builtin_policies();
  const bool is_builtin = std::any_of(known.begin(), known.end(),
                                      [&](const BuiltinPolicyInfo& p) { return p.name == base; });
  if (is_builtin) {
    const bool dir = std::filesystem::is_directory(name_or_path, ec);
    throw PolicyError("builtin:" + base, 0, 0,
                      "'" + name_or_path + "' is both a built-in policy and " +
                          (dir ? "a directory" : "a file") +
                          " here: write builtin:" + name_or_path +
                          " for the built-in policy, or ./" + name_or_path + " for the file");
  }
  return load(name_or_path);
}

std::string Policy::text() const {
  std::string out;
  for (const PolicyRule& rule : rules_) out += rule.selector + ": " + rule.spec + "\n";
  return out;
}

PolicyPlan Policy::plan(nn::Module& model, RngFamily family,
                        const PolicyApplyOptions& options) const {
  // The owning module of every parameter: its type and the parameter's own name.
  std::map<std::string, nn::Module*> modules;
  std::set<std::string> model_types;
  for (auto& [name, module] : model.named_modules()) {
    modules[name] = module;
    model_types.insert(module->type_name());
  }
  struct Target {
    std::string name, type, local;
    nn::Parameter* parameter;
  };
  std::vector<Target> targets;
  std::vector<nn::Module*> owners;
  for (auto& [name, parameter] : model.named_parameters()) {
    const std::size_t dot = name.rfind('.');
    const std::string owner = dot == std::string::npos ? "" : name.substr(0, dot);
    const auto it = modules.find(owner);
    const std::string type = it == modules.end() ? "" : it->second->type_name();
    targets.push_back(
        {name, type, dot == std::string::npos ? name : name.substr(dot + 1), parameter});
    owners.push_back(it == modules.end() ? &model : it->second);
  }

  // Selectors, with type names checked against the library's and the model's types.
  std::vector<std::string> known(library_types());
  known.insert(known.end(), model_types.begin(), model_types.end());
  std::vector<Selector> selectors;
  for (const PolicyRule& rule : rules_) {
    selectors.push_back(parse_selector(rule.selector, rule.column, source_, rule.line));
    for (const Term& term : selectors.back().terms) {
      if (term.kind != Term::Kind::Type) continue;
      const bool any = std::any_of(known.begin(), known.end(), [&](const std::string& type) {
        return glob_match(term.type_glob, type);
      });
      if (any) continue;
      const std::string best = detail::closest_within(term.type_glob, known, 4);
      throw PolicyError(source_, rule.line, term.column,
                        "unknown module type '" + term.type_glob + "'" +
                            (best.empty() ? std::string(": names starting with a capital are "
                                                        "module types, like Conv2d or Linear")
                                          : " (did you mean '" + best + "'?)"));
    }
  }

  // Which rule decides each parameter, and the warnings.
  PolicyReport report;
  std::vector<int> matches(rules_.size(), 0);
  for (const Target& t : targets) {
    AppliedParameter applied{t.name, t.type, -1, ""};
    for (std::size_t r = 0; r < rules_.size(); ++r) {
      if (selectors[r].matches(t.name, t.type, t.local)) {
        applied.rule = static_cast<int>(r);
        ++matches[r];
        break;
      }
    }
    report.parameters.push_back(std::move(applied));
  }
  // A built-in policy is a generic recipe: rules for layers a model lacks are expected.
  const bool builtin = source_.rfind("builtin:", 0) == 0;
  for (std::size_t r = 0; r < rules_.size() && !builtin; ++r) {
    if (matches[r] > 0) continue;
    report.warnings.push_back(source_ + ":" + std::to_string(rules_[r].line) + ":" +
                              std::to_string(rules_[r].column) + ": rule '" + rules_[r].selector +
                              ": " + rules_[r].spec +
                              "' matches no parameter (an earlier rule may take them all)");
  }
  // A --set variable that no rule reads is most likely a typo (n_layers for n_layer).
  if (!options.variables.empty()) {
    std::set<std::string> read;
    for (const PolicyRule& rule : rules_) {
      const std::string& t = rule.spec;
      for (std::size_t i = 0; i < t.size();) {
        if (std::isalpha(static_cast<unsigned char>(t[i])) || t[i] == '_') {
          std::size_t e = i;
          while (e < t.size() && (std::isalnum(static_cast<unsigned char>(t[e])) || t[e] == '_'))
            ++e;
          read.insert(t.substr(i, e - i));
          i = e;
        } else {
          ++i;
        }
      }
    }
    std::vector<std::string> candidates(read.begin(), read.end());
    for (const auto& [k, v] : variables_) candidates.push_back(k);
    for (const char* k : {"fan_in", "fan_out", "in", "out", "k", "numel"}) candidates.push_back(k);
    for (const auto& [name, value] : options.variables) {
      if (read.count(name) > 0) continue;
      const std::string best = detail::closest_within(name, candidates, 4);
      report.warnings.push_back("--set " + name + ": no rule of policy '" + source_ +
                                "' reads a variable '" + name + "'" +
                                (best.empty() ? std::string(" (the value is not used)")
                                              : " (did you mean '" + best + "'?)"));
    }
  }
  if (rules_.empty() && !builtin) {
    report.warnings.push_back("policy '" + source_ +
                              "' has no rules: every parameter keeps its constructor's init");
  }
  for (const auto& p : report.parameters) {
    if (p.rule >= 0) continue;
    report.warnings.push_back("parameter '" + p.name + "' (" + p.type +
                              ") is matched by no rule: it keeps its constructor's init");
  }
  if (options.strict && !report.warnings.empty()) {
    std::string all;
    for (const auto& w : report.warnings) all += (all.empty() ? " " : "; ") + w;
    throw PolicyError(
        source_, 0, 0,
        "--strict: " + std::to_string(report.warnings.size()) + " warning(s) are errors:" + all);
  }

  // Resolve every spec before drawing anything, so a bad expression or shape changes nothing.
  // In the Philox family "default" (and no rule) redraws the constructor's scheme from the
  // parameter's own stream, so every value depends only on (seed, name, index).
  const bool philox = family == RngFamily::Philox;
  std::map<std::string, double> extra = variables_;
  for (const auto& [k, v] : options.variables) extra[k] = v;
  std::vector<std::optional<init::Initializer>> inits(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const int r = report.parameters[i].rule;
    const PolicyRule* rule = r < 0 ? nullptr : &rules_[static_cast<std::size_t>(r)];
    std::string spec = rule ? rule->spec : "default";
    if (spec == "default") {
      report.parameters[i].init = rule ? "default" : "";
      if (!philox) continue;
      const auto torch_default = torch_default_spec(targets[i].type, targets[i].local);
      if (!torch_default) {
        throw PolicyError(source_, rule ? rule->line : 0, rule ? rule->column : 0,
                          "parameter '" + targets[i].name + "' (" + targets[i].type +
                              "): no known constructor init to redraw from its Philox stream; "
                              "give it a rule with an init spec");
      }
      spec = *torch_default;
    }
    const int line = rule ? rule->line : 0;
    const int spec_column = rule ? rule->spec_column : 0;
    const Tensor& data = targets[i].parameter->data;
    const std::string where = "rule '" + (rule ? rule->selector : std::string("default")) + ": " +
                              spec + "' on parameter '" + targets[i].name + "' of shape " +
                              shape_text(data.sizes());
    const nn::Module* owner = owners[i];
    const Tensor* owner_weight = nullptr;
    for (const auto& [pname, p] : const_cast<nn::Module*>(owner)->named_parameters(false)) {
      if (pname == "weight") owner_weight = &p->data;
    }
    if (spec.rfind("uniform(a=-1 / sqrt(weight_fan_in)", 0) == 0 &&
        (owner_weight == nullptr ||
         parameter_variables(data, extra, owner_weight)["weight_fan_in"] == 0.0)) {
      continue;  // torch leaves such a bias as it is (fan_in 0)
    }
    const SpecTemplate t = SpecTemplate::split(spec);
    std::vector<std::size_t> lengths;
    std::string text;
    try {
      text = instantiate(t, parameter_variables(data, extra, owner_weight), source_, line,
                         spec_column, &lengths);
    } catch (const PolicyError& e) {
      throw PolicyError(source_, line, e.column(), where + ": " + e.reason());
    }
    inits[i] = parse_spec(text, t, lengths, source_, line, spec_column);
    if (needs_two_dims(inits[i]->scheme().name) && data.dim() < 2) {
      throw PolicyError(source_, line, spec_column,
                        where +
                            ": Fan in and fan out can not be computed for tensor with "
                            "fewer than 2 dimensions");
    }
    if (rule && rule->spec != "default") report.parameters[i].init = inits[i]->canonical();
  }

  PolicyPlan plan;
  plan.report = std::move(report);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    PlannedParameter p{targets[i].name,      targets[i].type, targets[i].local,
                       targets[i].parameter, owners[i],       plan.report.parameters[i].rule,
                       std::move(inits[i]),  std::nullopt};
    const PolicyRule* rule = p.rule < 0 ? nullptr : &rules_[static_cast<std::size_t>(p.rule)];
    if (auto* embedding = dynamic_cast<nn::Embedding*>(owners[i]);
        embedding != nullptr && philox && embedding->padding_idx() && p.init &&
        (rule == nullptr || rule->spec == "default")) {
      // Embedding's constructor zeroes its padding row after the normal draw.
      std::int64_t row = *embedding->padding_idx();
      if (row < 0) row += targets[i].parameter->data.sizes()[0];
      p.zero_row = row;
    }
    plan.parameters.push_back(std::move(p));
  }
  return plan;
}

void Policy::draw(const PolicyPlan& plan, std::size_t i, Tensor& target, Generator& gen) const {
  const PlannedParameter& p = plan.parameters.at(i);
  if (!p.init) return;
  const PolicyRule fallback{"default", "default", 0, 0, 0};
  const PolicyRule& rule = p.rule < 0 ? fallback : rules_[static_cast<std::size_t>(p.rule)];
  gen.set_stream(p.name);
  try {
    p.init->apply(target, gen, gen);
    if (p.zero_row) target.select(0, *p.zero_row).fill_(0.0);
  } catch (const Error& e) {
    throw PolicyError(source_, rule.line, rule.spec_column,
                      "rule '" + rule.selector + ": " + rule.spec + "' on parameter '" + p.name +
                          "': " + e.what());
  }
}

PolicyReport Policy::apply(nn::Module& model, Generator& gen,
                           const PolicyApplyOptions& options) const {
  PolicyPlan planned = plan(model, gen.family(), options);
  // Draw, in named_parameters() order (Philox: each parameter from its own stream).
  for (std::size_t i = 0; i < planned.parameters.size(); ++i) {
    const PlannedParameter& p = planned.parameters[i];
    if (!p.init) continue;
    draw(planned, i, p.parameter->data, gen);
    p.owner->note_init(p.local, p.init->canonical(), std::nan(""));
  }
  return std::move(planned.report);
}

}  // namespace weightinit::recipes
