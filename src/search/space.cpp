// SPDX-License-Identifier: MIT
// Search spaces: parsing rules with alternatives and ranges, drawing trials, grids.
#include "weightinit/search/space.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "detail/bounded_read.h"
#include "detail/text.h"
#include "weightinit/error.h"
#include "weightinit/init/spec.h"
#include "weightinit/random/generator.h"
#include "weightinit/recipes/policy.h"

namespace weightinit::search {

namespace {

using recipes::PolicyError;

using detail::trim;

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// A piece of an alternative: literal text, or a range U(lo, hi) / logU(lo, hi).
struct Piece {
  std::string text;  // literal text (ranges: as written)
  bool range = false;
  Domain domain;
  std::size_t offset = 0;  // 0-based in the alternative
};

/// Parses "lo, hi)" starting right after "U(" / "logU("; returns the end (after ')').
std::size_t parse_range(const std::string& s, std::size_t at, Domain& d, const std::string& source,
                        int line, int column) {
  const std::size_t close = s.find(')', at);
  const std::size_t comma = s.find(',', at);
  if (close == std::string::npos || comma == std::string::npos || comma > close) {
    throw PolicyError(source, line, column, "malformed range: expected U(lo, hi) or logU(lo, hi)");
  }
  auto number = [&](std::size_t b, std::size_t e) {
    const std::string t = trim(std::string_view(s).substr(b, e - b));
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v)) {
      throw PolicyError(source, line, column,
                        "malformed range bound '" + t + "': expected a finite number");
    }
    return v;
  };
  d.lo = number(at, comma);
  d.hi = number(comma + 1, close);
  if (!(d.lo < d.hi)) {
    throw PolicyError(source, line, column,
                      "range expects lo < hi, but got lo=" + exact(d.lo) + ", hi=" + exact(d.hi));
  }
  if (d.kind == Domain::Kind::LogUniform && d.lo <= 0) {
    throw PolicyError(source, line, column, "logU expects lo > 0, but got lo=" + exact(d.lo));
  }
  return close + 1;
}

/// Splits an alternative into literal pieces and ranges.
std::vector<Piece> split_ranges(const std::string& alt, const std::string& source, int line,
                                int column) {
  std::vector<Piece> pieces;
  std::size_t literal_start = 0, i = 0;
  while (i < alt.size()) {
    const bool boundary =
        i == 0 || !(std::isalnum(static_cast<unsigned char>(alt[i - 1])) || alt[i - 1] == '_');
    Domain d;
    std::size_t name_len = 0;
    if (boundary && alt.compare(i, 5, "logU(") == 0) {
      d.kind = Domain::Kind::LogUniform;
      name_len = 5;
    } else if (boundary && alt.compare(i, 2, "U(") == 0) {
      d.kind = Domain::Kind::Uniform;
      name_len = 2;
    }
    if (name_len == 0) {
      ++i;
      continue;
    }
    if (i > literal_start) {
      pieces.push_back({alt.substr(literal_start, i - literal_start), false, {}, literal_start});
    }
    const std::size_t end =
        parse_range(alt, i + name_len, d, source, line, column + static_cast<int>(i));
    pieces.push_back({alt.substr(i, end - i), true, d, i});
    literal_start = i = end;
  }
  if (literal_start < alt.size()) {
    pieces.push_back({alt.substr(literal_start), false, {}, literal_start});
  }
  return pieces;
}

double value_at(const Domain& d, double u) {
  if (d.kind == Domain::Kind::LogUniform) {
    return std::exp(std::log(d.lo) + (std::log(d.hi) - std::log(d.lo)) * u);
  }
  return d.lo + (d.hi - d.lo) * u;
}

/// The alternative with each range at u_k (k-th range), and the piece lengths written.
std::string instantiate(const std::vector<Piece>& pieces, const std::vector<double>& u,
                        std::vector<std::size_t>* lengths = nullptr) {
  std::string out;
  std::size_t k = 0;
  for (const Piece& p : pieces) {
    const std::size_t before = out.size();
    out += p.range ? exact(value_at(p.domain, u[k++])) : p.text;
    if (lengths) lengths->push_back(out.size() - before);
  }
  return out;
}

std::size_t range_count(const std::vector<Piece>& pieces) {
  std::size_t n = 0;
  for (const Piece& p : pieces) n += p.range ? 1 : 0;
  return n;
}

/// Checks an alternative: its ranges at their midpoints must make a valid init spec.
void check_alternative(const std::string& alt, const std::string& source, int line, int column) {
  if (alt == "default") return;
  const std::vector<Piece> pieces = split_ranges(alt, source, line, column);
  std::vector<std::size_t> lengths;
  const std::string text =
      instantiate(pieces, std::vector<double>(range_count(pieces), 0.5), &lengths);
  try {
    (void)init::Initializer::parse(text);
  } catch (const init::SpecError& e) {
    // Map the column back through substituted ranges (inside one: its start).
    const std::size_t at = e.column() > 0 ? e.column() - 1 : 0;
    std::size_t written = 0, original = at;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (at < written + lengths[i] || i + 1 == pieces.size()) {
        original = pieces[i].offset + (pieces[i].range ? 0 : at - written);
        break;
      }
      written += lengths[i];
    }
    throw PolicyError(source, line, column + static_cast<int>(original), e.reason());
  }
}

const std::vector<std::string>& setting_names() {
  static const std::vector<std::string> names = {"lr",        "epochs",   "batch",
                                                 "optimizer", "momentum", "weight_decay"};
  return names;
}

Domain parse_setting(const std::string& name, const std::string& value, const std::string& source,
                     int line, int column) {
  Domain d;
  if (value.find('|') != std::string::npos) {
    d.kind = Domain::Kind::Choice;
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t bar = value.find('|', start);
      const std::string option = trim(std::string_view(value).substr(
          start, bar == std::string::npos ? std::string::npos : bar - start));
      if (option.empty()) {
        throw PolicyError(source, line, column, "empty option in '@" + name + ": " + value + "'");
      }
      d.options.push_back(option);
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
  } else if (value.rfind("U(", 0) == 0 || value.rfind("logU(", 0) == 0) {
    d.kind = value[0] == 'U' ? Domain::Kind::Uniform : Domain::Kind::LogUniform;
    parse_range(value, value[0] == 'U' ? 2 : 5, d, source, line, column);
  } else {
    d.kind = Domain::Kind::Fixed;
    d.options = {value};
  }
  // Each option must fit the setting.
  const bool integer = name == "epochs" || name == "batch";
  for (const auto& option : d.options) {
    if (name == "optimizer") {
      if (option != "sgd" && option != "adam" && option != "adamw") {
        throw PolicyError(source, line, column,
                          "unknown optimizer '" + option + "': expected sgd, adam or adamw");
      }
      continue;
    }
    char* end = nullptr;
    const double v = std::strtod(option.c_str(), &end);
    const bool whole = end == option.c_str() + option.size() && !option.empty();
    // Integers up to 10^9 (std::stoll takes them later; a larger batch or epoch count is a typo).
    if (!whole || !std::isfinite(v) || (integer && (v < 1 || v > 1e9 || v != std::floor(v)))) {
      throw PolicyError(
          source, line, column,
          "@" + name + " expects " +
              (integer ? "a positive integer up to 1000000000" : std::string("a number")) +
              ", but got '" + option + "'");
    }
  }
  if ((integer || name == "optimizer") && d.kind != Domain::Kind::Fixed &&
      d.kind != Domain::Kind::Choice) {
    throw PolicyError(source, line, column, "@" + name + " takes values or options, not a range");
  }
  return d;
}

/// Applies one setting's value (text) to the config.
void apply_setting(train::TrainConfig& c, const std::string& name, const std::string& value) {
  if (name == "optimizer") {
    c.optimizer = value;
  } else if (name == "epochs") {
    c.epochs = std::stoll(value);
  } else if (name == "batch") {
    c.batch_size = std::stoll(value);
  } else if (name == "lr") {
    c.lr = std::strtod(value.c_str(), nullptr);
  } else if (name == "momentum") {
    c.momentum = std::strtod(value.c_str(), nullptr);
  } else if (name == "weight_decay") {
    c.weight_decay = std::strtod(value.c_str(), nullptr);
  }
}

/// u in [0, 1) from 53 bits.
double u01(Generator& gen) {
  return static_cast<double>(gen.random64() >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace

namespace {

/// `@name: value`, a search setting.
void parse_setting_line(SearchSpace& space, const std::string& key, const std::string& value,
                        int line_no, int key_column, int value_column) {
  const std::string name = key.substr(1);
  const bool known =
      std::find(setting_names().begin(), setting_names().end(), name) != setting_names().end();
  if (!known) {
    const std::string best = detail::closest_within(name, setting_names(), 3);
    std::string all;
    for (const auto& n : setting_names()) all += (all.empty() ? "@" : ", @") + n;
    throw PolicyError(
        space.source, line_no, key_column,
        "unknown setting '" + key + "'" +
            (best.empty() ? ": expected one of " + all : " (did you mean '@" + best + "'?)"));
  }
  space.settings[name] = parse_setting(name, value, space.source, line_no, value_column);
}

/// `selector: spec | spec | ...`: the selector as a policy accepts it, and each alternative
/// (split at top-level '|') checked.
SpaceRule parse_rule_line(const SearchSpace& space, const std::string& key,
                          const std::string& value, int line_no, int value_column) {
  // The selector must be one a policy accepts.
  (void)recipes::Policy::parse(key + ": default", space.source + " (selector)");
  SpaceRule rule{key, {}, line_no};
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '(') ++depth;
    if (i < value.size() && value[i] == ')') --depth;
    if (i < value.size() && (value[i] != '|' || depth != 0)) continue;
    std::size_t alt_lead = 0;
    const std::string alt = trim(std::string_view(value).substr(start, i - start), &alt_lead);
    const int alt_column = value_column + static_cast<int>(start + alt_lead);
    if (alt.empty()) {
      throw PolicyError(space.source, line_no, alt_column,
                        "empty alternative in '" + value + "': expected specs separated by '|'");
    }
    check_alternative(alt, space.source, line_no, alt_column);
    rule.alternatives.push_back(alt);
    start = i + 1;
  }
  return rule;
}

}  // namespace

SearchSpace SearchSpace::parse(std::string_view text, std::string source) {
  SearchSpace space;
  space.source = std::move(source);
  detail::for_each_content_line(text, [&](int line_no, const std::string& line) {
    std::size_t lead = 0;
    (void)trim(line, &lead);
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) {
      throw PolicyError(space.source, line_no, static_cast<int>(lead) + 1,
                        "expected 'selector: spec | spec | ...' or '@setting: value', but the "
                        "line has no ':'");
    }
    std::size_t value_lead = 0;
    const std::string key = trim(std::string_view(line).substr(0, colon));
    const std::string value = trim(std::string_view(line).substr(colon + 1), &value_lead);
    const int value_column = static_cast<int>(colon + 1 + value_lead) + 1;
    if (value.empty()) {
      throw PolicyError(space.source, line_no, static_cast<int>(colon) + 2,
                        "nothing after ':' for '" + key + "'");
    }
    if (!key.empty() && key[0] == '@') {
      parse_setting_line(space, key, value, line_no, static_cast<int>(lead) + 1, value_column);
    } else if (key.empty()) {
      throw PolicyError(space.source, line_no, static_cast<int>(colon) + 1,
                        "empty selector before ':'");
    } else {
      space.rules.push_back(parse_rule_line(space, key, value, line_no, value_column));
    }
  });
  if (space.rules.empty()) {
    throw PolicyError(space.source, 0, 0,
                      "the space has no rules: expected lines like 'Linear.weight: "
                      "xavier_uniform | kaiming_normal'");
  }
  return space;
}

SearchSpace SearchSpace::load(const std::string& path) {
  return parse(detail::read_bounded_text_file(path, "search space"), path);
}

TrialConfig sample_trial(const SearchSpace& space, std::uint64_t seed, std::int64_t index) {
  Generator gen = Generator::philox(seed);
  gen.set_stream("trial/" + std::to_string(index));
  TrialConfig trial;
  for (const SpaceRule& rule : space.rules) {
    const auto n = rule.alternatives.size();
    const std::string& alt = rule.alternatives[std::min(
        n - 1, static_cast<std::size_t>(u01(gen) * static_cast<double>(n)))];
    std::string spec = alt;
    if (alt != "default") {
      const std::vector<Piece> pieces = split_ranges(alt, space.source, rule.line, 1);
      std::vector<double> u(range_count(pieces));
      for (double& x : u) x = u01(gen);
      spec = instantiate(pieces, u);
    }
    trial.policy_text += rule.selector + ": " + spec + "\n";
    trial.summary += (trial.summary.empty() ? "" : "; ") + rule.selector + "=" + spec;
  }
  for (const auto& [name, d] : space.settings) {
    std::string value;
    if (d.kind == Domain::Kind::Fixed) {
      value = d.options[0];
    } else if (d.kind == Domain::Kind::Choice) {
      value = d.options[std::min(
          d.options.size() - 1,
          static_cast<std::size_t>(u01(gen) * static_cast<double>(d.options.size())))];
    } else {
      value = exact(value_at(d, u01(gen)));
    }
    apply_setting(trial.config, name, value);
    if (d.kind != Domain::Kind::Fixed) trial.summary += "; " + name + "=" + value;
  }
  return trial;
}

std::vector<train::TrainConfig> setting_corners(const SearchSpace& space) {
  std::vector<train::TrainConfig> out{train::TrainConfig{}};
  for (const auto& [name, d] : space.settings) {
    std::vector<std::string> values = d.options;
    if (d.kind == Domain::Kind::Uniform || d.kind == Domain::Kind::LogUniform) {
      values = {exact(d.lo), exact(d.hi)};
    }
    for (const auto& v : values) {
      train::TrainConfig c;
      apply_setting(c, name, v);
      out.push_back(c);
    }
  }
  return out;
}

std::vector<TrialConfig> grid_trials(const SearchSpace& space, int points, std::size_t limit) {
  WEIGHTINIT_CHECK(points >= 1, ValueError, "grid points must be at least 1, but got ", points);
  auto grid_u = [points](std::size_t k) {
    return points == 1 ? 0.5 : static_cast<double>(k) / static_cast<double>(points - 1);
  };
  // Per rule: every instantiation; per setting: every value.
  std::vector<std::vector<std::string>> rule_values;
  for (const SpaceRule& rule : space.rules) {
    std::vector<std::string> values;
    for (const std::string& alt : rule.alternatives) {
      if (alt == "default") {
        values.push_back(alt);
        continue;
      }
      const std::vector<Piece> pieces = split_ranges(alt, space.source, rule.line, 1);
      const std::size_t r = range_count(pieces);
      std::size_t combos = 1;
      for (std::size_t i = 0; i < r; ++i) combos *= static_cast<std::size_t>(points);
      for (std::size_t c = 0; c < combos; ++c) {
        std::vector<double> u(r);
        std::size_t rest = c;
        for (std::size_t i = 0; i < r; ++i) {
          u[i] = grid_u(rest % static_cast<std::size_t>(points));
          rest /= static_cast<std::size_t>(points);
        }
        values.push_back(instantiate(pieces, u));
      }
    }
    rule_values.push_back(values);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> setting_values;
  for (const auto& [name, d] : space.settings) {
    std::vector<std::string> values = d.options;
    if (d.kind == Domain::Kind::Uniform || d.kind == Domain::Kind::LogUniform) {
      for (int k = 0; k < points; ++k)
        values.push_back(exact(value_at(d, grid_u(static_cast<std::size_t>(k)))));
    }
    setting_values.emplace_back(name, values);
  }
  std::size_t total = 1;
  for (const auto& v : rule_values) total *= v.size();
  for (const auto& [n, v] : setting_values) total *= v.size();
  WEIGHTINIT_CHECK(total <= limit, ValueError, "the grid has ", total,
                   " trials, more than the limit of ", limit,
                   ": use fewer grid points or the random / halving strategy");
  std::vector<TrialConfig> trials;
  for (std::size_t t = 0; t < total; ++t) {
    std::size_t rest = t;
    TrialConfig trial;
    for (std::size_t r = 0; r < rule_values.size(); ++r) {
      const std::string& spec = rule_values[r][rest % rule_values[r].size()];
      rest /= rule_values[r].size();
      trial.policy_text += space.rules[r].selector + ": " + spec + "\n";
      trial.summary += (trial.summary.empty() ? "" : "; ") + space.rules[r].selector + "=" + spec;
    }
    for (const auto& [name, values] : setting_values) {
      const std::string& value = values[rest % values.size()];
      rest /= values.size();
      apply_setting(trial.config, name, value);
      if (values.size() > 1) trial.summary += "; " + name + "=" + value;
    }
    trials.push_back(std::move(trial));
  }
  return trials;
}

}  // namespace weightinit::search
