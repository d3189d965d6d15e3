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
#include "weightinit/nn/module_types.h"

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
  detail::for_each_content_line(text, [&](int line_no, const std::string& line) {
    std::size_t lead = 0;
    (void)trim(line, &lead);
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
  });
  policy.check_specs();
  return policy;
}

void Policy::check_specs() const {
  for (const PolicyRule& rule : rules_) {
    if (rule.spec != "default") (void)parse_rule_spec(rule);
  }
}

init::Initializer Policy::parse_rule_spec(const PolicyRule& rule) const {
  try {
    return Initializer::parse(rule.spec);
  } catch (const SpecError& e) {
    throw PolicyError(source_, rule.line, rule.spec_column + static_cast<int>(e.column()) - 1,
                      e.reason());
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
  Policy policy = parse_with(body, "builtin:" + base, std::move(variables));
  if (base == "hf") {
    policy.torch_only_reason_ =
        "hf keeps what Hugging Face transformers' constructor drew from PyTorch's generator, so "
        "it needs the torch family (--rng torch); for Philox streams, llama(scaled_residual="
        "false) or gpt2 draw the same distributions";
  }
  return policy;
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

// ---------------------------------------------------------------------------------------------
// Planning, in steps: the parameters and their owners, the selectors, which rule decides each
// parameter, the warnings, then each parameter's initializer.

namespace {

/// A parameter of the model with the module that owns it.
struct Target {
  std::string name, type, local;  // qualified name, owner's type, the parameter's own name
  nn::Parameter* parameter = nullptr;
  nn::Module* owner = nullptr;
};

/// Every parameter in named_parameters() order with its owner; `types` receives the model's
/// module types.
std::vector<Target> collect_targets(nn::Module& model, std::set<std::string>& types) {
  std::map<std::string, nn::Module*> modules;
  for (auto& [name, module] : model.named_modules()) {
    modules[name] = module;
    types.insert(module->type_name());
  }
  std::vector<Target> targets;
  for (auto& [name, parameter] : model.named_parameters()) {
    const std::size_t dot = name.rfind('.');
    const auto it = modules.find(dot == std::string::npos ? "" : name.substr(0, dot));
    nn::Module* owner = it == modules.end() ? &model : it->second;
    targets.push_back({name, owner->type_name(),
                       dot == std::string::npos ? name : name.substr(dot + 1), parameter, owner});
  }
  return targets;
}

/// The rules' selectors, with type names checked against nn's registry and the model's types.
std::vector<Selector> parse_selectors(const std::vector<PolicyRule>& rules,
                                      const std::string& source,
                                      const std::set<std::string>& model_types) {
  std::vector<std::string> known = nn::module_type_names();
  known.insert(known.end(), model_types.begin(), model_types.end());
  std::vector<Selector> selectors;
  for (const PolicyRule& rule : rules) {
    selectors.push_back(parse_selector(rule.selector, rule.column, source, rule.line));
    // A built-in policy transcribes its source, which may name torch types nn/ lacks
    // (torchvision's ResNet recipe sets GroupNorm like BatchNorm2d): such a rule matches nothing.
    if (source.rfind("builtin:", 0) == 0) continue;
    for (const Term& term : selectors.back().terms) {
      if (term.kind != Term::Kind::Type) continue;
      const bool any = std::any_of(known.begin(), known.end(), [&](const std::string& type) {
        return glob_match(term.type_glob, type);
      });
      if (any) continue;
      const std::string best = detail::closest_within(term.type_glob, known, 4);
      throw PolicyError(source, rule.line, term.column,
                        "unknown module type '" + term.type_glob + "'" +
                            (best.empty() ? std::string(": names starting with a capital are "
                                                        "module types, like Conv2d or Linear")
                                          : " (did you mean '" + best + "'?)"));
    }
  }
  return selectors;
}

/// The first matching rule of each target; `matches` counts the parameters each rule takes.
PolicyReport match_rules(const std::vector<Target>& targets, const std::vector<Selector>& selectors,
                         std::vector<int>& matches) {
  PolicyReport report;
  matches.assign(selectors.size(), 0);
  for (const Target& t : targets) {
    AppliedParameter applied{t.name, t.type, -1, ""};
    for (std::size_t r = 0; r < selectors.size(); ++r) {
      if (selectors[r].matches(t.name, t.type, t.local)) {
        applied.rule = static_cast<int>(r);
        ++matches[r];
        break;
      }
    }
    report.parameters.push_back(std::move(applied));
  }
  return report;
}

/// The identifiers in the rules' specs (variables an expression reads, and other words).
std::set<std::string> words_in_specs(const std::vector<PolicyRule>& rules) {
  std::set<std::string> read;
  for (const PolicyRule& rule : rules) {
    const std::string& t = rule.spec;
    for (std::size_t i = 0; i < t.size();) {
      if (!(std::isalpha(static_cast<unsigned char>(t[i])) || t[i] == '_')) {
        ++i;
        continue;
      }
      std::size_t e = i;
      while (e < t.size() && (std::isalnum(static_cast<unsigned char>(t[e])) || t[e] == '_')) ++e;
      read.insert(t.substr(i, e - i));
      i = e;
    }
  }
  return read;
}

/// The spec of `spec` with the rule's location on an error about parameter `t`.
std::string rule_location(const PolicyRule* rule, const std::string& spec, const Target& t) {
  return "rule '" + (rule ? rule->selector : std::string("default")) + ": " + spec +
         "' on parameter '" + t.name + "' of shape " + shape_text(t.parameter->data.sizes());
}

/// `parsed` (the rule's spec, or the owner's default `spec`) evaluated for parameter `t`, with
/// its shape variables and `variables`; PolicyError at the rule's location when it does not
/// evaluate or does not apply to the shape.
init::Initializer resolve_spec(const std::string& source, const PolicyRule* rule,
                               const std::string& spec, const init::Initializer& parsed,
                               const Target& t, const init::Variables& variables) {
  const int line = rule ? rule->line : 0;
  const int spec_column = rule ? rule->spec_column : 0;
  const Tensor* weight =
      t.owner->has_parameter("weight") ? &t.owner->parameter("weight").data : nullptr;
  init::Variables vars = init::parameter_variables(t.parameter->data, weight);
  vars.insert(variables.begin(), variables.end());  // the parameter's own win
  Initializer bound = parsed;
  try {
    bound = parsed.bind(vars);
  } catch (const SpecError& e) {
    throw PolicyError(source, line, spec_column + static_cast<int>(e.column()) - 1,
                      rule_location(rule, spec, t) + ": " + e.reason());
  }
  if (needs_two_dims(bound.scheme().name) && t.parameter->data.dim() < 2) {
    throw PolicyError(source, line, spec_column,
                      rule_location(rule, spec, t) +
                          ": Fan in and fan out can not be computed for tensor with "
                          "fewer than 2 dimensions");
  }
  return bound;
}

/// The owner's DefaultInit of parameter `t`, resolved into `p` (the Philox "default").
void resolve_default(const std::string& source, const PolicyRule* rule, const Target& t,
                     const init::Variables& variables, PlannedParameter& p) {
  const std::optional<nn::DefaultInit> d = t.owner->default_init(t.local);
  if (!d) {
    throw PolicyError(source, rule ? rule->line : 0, rule ? rule->column : 0,
                      "parameter '" + t.name + "' (" + t.type +
                          "): no known constructor init to redraw from its Philox stream; "
                          "give it a rule with an init spec");
  }
  if (d->spec.empty()) return;  // the constructor leaves it undrawn (a bias at fan_in 0)
  p.init = resolve_spec(source, rule, d->spec, Initializer::parse(d->spec), t, variables);
  p.zero_row = d->zero_row;  // Embedding's padding row, zeroed after the draw as torch does
}

}  // namespace

void Policy::add_warnings(PolicyReport& report, const std::vector<int>& matches,
                          const PolicyApplyOptions& options) const {
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
    const std::set<std::string> read = words_in_specs(rules_);
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
}

PolicyPlan Policy::plan(nn::Module& model, RngFamily family,
                        const PolicyApplyOptions& options) const {
  if (family == RngFamily::Philox && !torch_only_reason_.empty()) {
    throw PolicyError(source_, 0, 0, torch_only_reason_);
  }
  std::set<std::string> model_types;
  const std::vector<Target> targets = collect_targets(model, model_types);
  const std::vector<Selector> selectors = parse_selectors(rules_, source_, model_types);
  std::vector<int> matches;
  PolicyPlan plan;
  plan.report = match_rules(targets, selectors, matches);
  add_warnings(plan.report, matches, options);

  // Resolve every spec before drawing anything, so a bad expression or shape changes nothing.
  init::Variables variables(variables_.begin(), variables_.end());
  for (const auto& [k, v] : options.variables) variables[k] = v;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    AppliedParameter& applied = plan.report.parameters[i];
    const PolicyRule* rule =
        applied.rule < 0 ? nullptr : &rules_[static_cast<std::size_t>(applied.rule)];
    PlannedParameter p{t.name,  t.type,       t.local,      t.parameter,
                       t.owner, applied.rule, std::nullopt, std::nullopt};
    if (rule && rule->spec != "default") {
      p.init = resolve_spec(source_, rule, rule->spec, parse_rule_spec(*rule), t, variables);
      applied.init = p.init->canonical();
    } else {
      applied.init = rule ? "default" : "";
      // In the Philox family "default" (and no rule) redraws the constructor's init from the
      // parameter's own stream, so every value depends only on (seed, name, index).
      if (family == RngFamily::Philox) resolve_default(source_, rule, t, variables, p);
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
