// SPDX-License-Identifier: MIT
// Init specs: the text form of an initializer used by the CLI, policies and search spaces,
// e.g. `kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)`, `uniform(-0.1, 0.1)`, `zeros`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/init/expression.h"
#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

/// A malformed or unknown spec. `column()` is the 1-based position in the spec text where the
/// problem starts; what() names it ("at column 1: unknown init 'kaiming_norml' (did you
/// mean 'kaiming_normal'?)") and reason() is the same message without the column prefix, for
/// callers that report their own position (policy files: "file:line:col: reason").
class SpecError : public ValueError {
 public:
  SpecError(const std::string& reason, std::size_t column);
  std::size_t column() const { return column_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
  std::size_t column_;
};

/// What a parameter accepts.
enum class ParamKind {
  Number,         ///< a number: int or float literal, or inf / nan (with an optional sign)
  Integer,        ///< an integer literal (dirac's groups)
  NegativeSlope,  ///< a number; anything else fails with parse_negative_slope's message
  FanMode,        ///< fan_in or fan_out, bare or quoted (parse_fan_mode)
  Nonlinearity,   ///< a calculate_gain name, bare or quoted (parse_nonlinearity)
  Choice,         ///< one of SchemeParam::choices, bare or quoted
};

/// One parameter of a scheme, in PyTorch's positional order.
struct SchemeParam {
  std::string name;          ///< PyTorch's keyword ("a", "mode", "nonlinearity", "std", ...)
  std::string default_text;  ///< PyTorch's default as text; empty when the argument is required
  std::string description;
  ParamKind kind = ParamKind::Number;
  std::vector<std::string> choices;  ///< the accepted names, for ParamKind::Choice
};

/// One init scheme as `weightinit list` shows it.
struct Scheme {
  std::string name;              ///< spec name, PyTorch's without the trailing '_'
  std::string torch_equivalent;  ///< "torch.nn.init.kaiming_normal_"
  std::string formula;           ///< e.g. "N(0, std^2), std = gain / sqrt(fan_mode)"
  std::string paper;             ///< e.g. "He et al. 2015"; empty for plain fills
  std::vector<SchemeParam> params;
};

/// Every scheme, in the order of torch.nn.init's documentation.
const std::vector<Scheme>& schemes();

/// The scheme named `name` ("kaiming_normal"; a trailing '_' is accepted), or nullptr.
const Scheme* find_scheme(std::string_view name);

/// The known scheme name closest to `name` by edit distance (for "did you mean").
std::string closest_scheme_name(std::string_view name);

/// A spec bound to its scheme, with every argument checked and defaults filled in. A numeric
/// argument may be an Expression (`std=sqrt(2 / fan_in)`): it is parsed here and evaluated by
/// bind() against a parameter's variables, or by apply() against the target tensor's own.
class Initializer {
 public:
  /// Parses and validates `text`; throws SpecError (with column) for bad syntax, an unknown
  /// scheme or argument, a missing required argument, or a value of the wrong kind.
  static Initializer parse(std::string_view text);

  /// Whether an argument is an expression still to evaluate.
  bool has_expressions() const;
  /// This initializer with every expression evaluated with `vars`; throws SpecError at the
  /// column (in the spec text) of an unknown variable.
  Initializer bind(const Variables& vars) const;

  const Scheme& scheme() const { return *scheme_; }
  /// Normalised text with every argument named and defaults filled (an unevaluated expression
  /// as written):
  /// "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)".
  std::string canonical() const;
  /// Applies the scheme in place, drawing from `gen`; returns `tensor`. Expressions are
  /// evaluated with parameter_variables(tensor) first. Like
  /// `torch.nn.init.<name>_(tensor, args..., generator=gen)`; sparse takes its per-column
  /// randperm from default_generator(), as torch does.
  Tensor& apply(Tensor& tensor, Generator& gen = default_generator()) const;
  /// The same, with sparse's randperm drawn from `perm_gen` (the other schemes ignore it).
  Tensor& apply(Tensor& tensor, Generator& gen, Generator& perm_gen) const;

  /// The resolved value of argument `name` in canonical text ("0.01", "fan_out"); throws
  /// ValueError when the scheme has no such argument.
  const std::string& arg(std::string_view name) const;

 private:
  struct Arg {
    std::string name;                      // the parameter's name
    std::string text;                      // canonical text of the value (or the expression)
    double number = 0;                     // the value, for numeric kinds
    std::optional<Expression> expression;  // until bind()
    std::size_t column = 0;                // of the value in the spec text (1-based; 0: default)
  };
  const Scheme* scheme_ = nullptr;
  std::vector<Arg> args_;  // one per parameter, in the scheme's order
};

}  // namespace weightinit::init
