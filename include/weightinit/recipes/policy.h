// SPDX-License-Identifier: MIT
// Init policies: ordered rules "selector: init spec" applied over a model's named parameters —
// seed 001's ResNeXt loop (`for key in state_dict(): if 'conv' in key: kaiming_normal_(...)`)
// written as data. Format and semantics: docs/policies.md.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/init/spec.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/generator.h"

namespace weightinit::recipes {

/// A malformed policy, or a rule that cannot be applied. what() starts with the location,
/// "FILE:LINE:COL: " (LINE and COL 1-based; "builtin:NAME" for a built-in policy), then the
/// reason; line() and column() give it back (0 when the error concerns the whole policy).
class PolicyError : public ValueError {
 public:
  PolicyError(const std::string& source, int line, int column, const std::string& reason);
  int line() const { return line_; }
  int column() const { return column_; }
  /// The message without the location.
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
  int line_;
  int column_;
};

/// One rule as written: `selector: spec`.
struct PolicyRule {
  std::string selector;  ///< "Conv2d.weight", "layer*.*.conv2.weight", "bias & Linear"
  std::string spec;      ///< an init spec ("kaiming_normal(mode=fan_out)") or "default"
  int line = 0;          ///< 1-based position of the selector in the source
  int column = 0;
  int spec_column = 0;  ///< 1-based column of the spec
};

/// What applying a policy did to one parameter.
struct AppliedParameter {
  std::string name;  ///< qualified name ("layer1.0.conv1.weight")
  std::string type;  ///< the owning module's type ("Conv2d")
  int rule = -1;     ///< index of the rule that set it, -1 when no rule matched
  std::string init;  ///< the canonical spec drawn, "default" (kept), or "" (no rule)
};

/// The outcome of Policy::apply.
struct PolicyReport {
  std::vector<AppliedParameter> parameters;  ///< in named_parameters() order
  /// "FILE:LINE:COL: rule 'X' matches no parameter" (policy files only: the built-in
  /// policies are generic recipes with rules for layers a model may lack) and "parameter
  /// 'fc.weight' (Linear) is matched by no rule: it keeps its constructor's init", in order.
  std::vector<std::string> warnings;
};

/// One parameter's init as Policy::plan resolves it.
struct PlannedParameter {
  std::string name;   ///< qualified name ("layer1.0.conv1.weight")
  std::string type;   ///< the owning module's type ("Conv2d")
  std::string local;  ///< the parameter's own name ("weight")
  nn::Parameter* parameter = nullptr;
  nn::Module* owner = nullptr;
  int rule = -1;                          ///< the deciding rule, -1 when none matched
  std::optional<init::Initializer> init;  ///< what is drawn; empty: the constructor's values stay
  /// Philox "default" of an Embedding with padding_idx: this row is zeroed after the draw, as
  /// the constructor does.
  std::optional<std::int64_t> zero_row;
};

/// What Policy::plan decided, before anything is drawn.
struct PolicyPlan {
  PolicyReport report;
  std::vector<PlannedParameter> parameters;  ///< in named_parameters() order
};

/// Options of Policy::apply.
struct PolicyApplyOptions {
  /// Warnings become one PolicyError listing them all, before any parameter is changed.
  bool strict = false;
  /// Values for variables in spec expressions, besides the per-parameter ones (fan_in, ...).
  std::map<std::string, double> variables;
};

/// An ordered list of rules. For each parameter, in named_parameters() order (modules in
/// pre-order, each module's parameters in registration order — the order of torchvision's
/// `for m in self.modules()` loops), the FIRST rule whose selector matches decides: its spec
/// is drawn from the generator into the parameter, or "default" keeps the constructor's
/// values. Selectors (`&` joins terms that must all match):
///   Conv2d, Conv*, BatchNorm*      the owning module's type (a glob; starts with a capital)
///   Conv2d.weight, Linear.b*       type and the parameter's own name
///   weight, bias                   the parameter's own name (no '.', lower case)
///   layer*.*.conv2.weight, fc.*    a glob over the qualified name ('*' crosses dots)
/// Numeric spec arguments may be expressions, evaluated per parameter in double precision:
/// `normal(std=sqrt(2 / (k * out)))` with fan_in, fan_out (torch's fans), in, out (sizes 1
/// and 0), k (the receptive field: product of the sizes after the first two), numel, any
/// PolicyApplyOptions::variables, and the built-in policies' own (gpt2's n_layer); operators
/// + - * / ^, parentheses and sqrt, exp, log.
class Policy {
 public:
  /// Parses policy text: one rule per line, `selector: spec`, `#` starts a comment, blank
  /// lines are ignored. `source` names it in messages. Throws PolicyError with line:column
  /// for a line without ':', an empty selector or spec, a malformed glob, an unknown init or
  /// argument (with "did you mean"), or a malformed expression.
  static Policy parse(std::string_view text, std::string source);
  /// The largest policy file load() reads (16 MiB); a larger one (or /dev/zero) is a
  /// ValueError that names the limit.
  static constexpr std::size_t kMaxPolicyFileBytes = std::size_t{16} << 20;
  /// Reads and parses a policy file; IoError when it cannot be read, ValueError when it is a
  /// directory or larger than kMaxPolicyFileBytes.
  static Policy load(const std::string& path);
  /// A built-in policy by name, with options in parentheses for those that take any
  /// ("torchvision-resnet(zero_init_residual=true)"). `model` lets a policy adapt to the model
  /// (gpt2 counts its blocks for n_layer). Throws PolicyError for an unknown name or option.
  static Policy builtin(std::string_view name, nn::Module& model);
  /// "builtin:NAME" is always the built-in policy; otherwise `name_or_path` is a file when
  /// something exists at that path, else a built-in name. A path that is also a built-in
  /// name (a folder `llama` beside `--policy llama`) is a PolicyError saying to write
  /// builtin:NAME or ./NAME; a directory is a ValueError. A policy file without rules gives a
  /// warning from plan()/apply() (an error under strict).
  static Policy resolve(const std::string& name_or_path, nn::Module& model);

  const std::string& source() const { return source_; }
  const std::vector<PolicyRule>& rules() const { return rules_; }
  /// The rules as policy text (one "selector: spec" per line), parseable again.
  std::string text() const;

  /// Applies the policy to `model`, drawing from `gen` in the order described above. Throws
  /// PolicyError for a type selector naming no known module type (with "did you mean"), for a
  /// spec that does not apply to a parameter (kaiming on a 1-D bias: the rule's location, the
  /// parameter and torch's message), and in strict mode for any warning. A type or spec error
  /// is found before any parameter changes.
  PolicyReport apply(nn::Module& model, Generator& gen,
                     const PolicyApplyOptions& options = {}) const;

  /// apply() without drawing: matches rules, resolves and checks every spec for a generator of
  /// `family` (reads shapes only, so `model` may be deferred). Throws as apply().
  PolicyPlan plan(nn::Module& model, RngFamily family,
                  const PolicyApplyOptions& options = {}) const;
  /// Draws planned parameter `i` into `target` (its parameter's data, or any tensor of that
  /// shape and dtype) from gen, after gen.set_stream(its name): exactly what apply() draws
  /// there. A deferred `target` records the fill (detail::DrawRecorder). Throws PolicyError
  /// with the rule's location.
  void draw(const PolicyPlan& plan, std::size_t i, Tensor& target, Generator& gen) const;

 private:
  static Policy parse_with(std::string_view text, std::string source,
                           std::map<std::string, double> variables);
  void check_specs() const;  // parses every rule's spec (PolicyError at its place)
  init::Initializer parse_rule_spec(const PolicyRule& rule) const;
  void add_warnings(PolicyReport& report, const std::vector<int>& matches,
                    const PolicyApplyOptions& options) const;

  std::string source_;
  std::vector<PolicyRule> rules_;
  std::map<std::string, double> variables_;  // the policy's own variables (gpt2: n_layer)
  /// Why the policy needs the torch family (plan() refuses Philox with it), or "".
  std::string torch_only_reason_;
};

/// One built-in policy for `weightinit list` and the documentation.
struct BuiltinPolicyInfo {
  std::string name;
  std::string options;  ///< "zero_init_residual=false" or ""
  std::string summary;  ///< one line
  std::string source;   ///< where the recipe comes from
};

/// Every built-in policy, in documentation order.
const std::vector<BuiltinPolicyInfo>& builtin_policies();

/// Policy text of built-in `name` with `options` (name=value pairs) for `model`; throws
/// PolicyError for an unknown name or option. Used by Policy::builtin.
std::string builtin_policy_text(const std::string& name,
                                const std::map<std::string, std::string>& options,
                                nn::Module& model, std::map<std::string, double>& variables);

}  // namespace weightinit::recipes
