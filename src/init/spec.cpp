// SPDX-License-Identifier: MIT
// Init specs: the registry of schemes, the spec parser, validation and Initializer.
#include "weightinit/init/spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <span>

#include "detail/text.h"
#include "weightinit/init/expression.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/structured.h"
#include "weightinit/init/timm.h"
#include "weightinit/init/variance_scaling.h"

namespace weightinit::init {

SpecError::SpecError(const std::string& reason, std::size_t column)
    : ValueError(detail::concat("at column ", column, ": ", reason)),
      reason_(reason),
      column_(column) {}

namespace {

// ------------------------------------------------------------------------------------------
// The registry.

/// Resolved argument values as apply functions see them.
class ArgView {
 public:
  ArgView(std::span<const double> numbers, std::span<const std::string_view> texts)
      : numbers_(numbers), texts_(texts) {}
  double num(std::size_t i) const { return numbers_[i]; }
  std::int64_t integer(std::size_t i) const {  // from the text: exact beyond 2^53
    std::int64_t value = 0;
    std::from_chars(texts_[i].data(), texts_[i].data() + texts_[i].size(), value);
    return value;
  }
  FanMode mode(std::size_t i) const { return parse_fan_mode(texts_[i]); }
  Nonlinearity nonlinearity(std::size_t i) const { return parse_nonlinearity(texts_[i]); }
  std::string_view text(std::size_t i) const { return texts_[i]; }
  /// FanAxes from the (in_axis, out_axis, groups) arguments starting at index i.
  FanAxes axes(std::size_t i) const { return {integer(i), integer(i + 1), integer(i + 2)}; }

 private:
  std::span<const double> numbers_;
  std::span<const std::string_view> texts_;
};

using ApplyFn = void (*)(Tensor&, const ArgView&, Generator& gen, Generator& perm_gen);

struct SchemeDef {
  Scheme scheme;
  ApplyFn apply;
};

SchemeParam param(std::string name, std::string default_text, std::string description,
                  ParamKind kind = ParamKind::Number) {
  return {std::move(name), std::move(default_text), std::move(description), kind, {}};
}

const char* const kGlorot =
    "Glorot & Bengio 2010, \"Understanding the difficulty of training deep feedforward neural "
    "networks\"";
const char* const kHe =
    "He et al. 2015, \"Delving Deep into Rectifiers: Surpassing Human-Level Performance on "
    "ImageNet Classification\"";

std::vector<SchemeParam> kaiming_params() {
  return {param("a", "0", "negative slope of the rectifier after this layer (leaky_relu only)",
                ParamKind::NegativeSlope),
          param("mode", "fan_in",
                "fan_in keeps the variance of activations in the forward pass, fan_out that of "
                "the gradients in the backward pass",
                ParamKind::FanMode),
          param("nonlinearity", "leaky_relu",
                "the nonlinearity after this layer (relu or leaky_relu recommended)",
                ParamKind::Nonlinearity)};
}

std::vector<SchemeDef> plain_fill_defs() {
  return {
      {{"uniform",
        "torch.nn.init.uniform_",
        "U(a, b)",
        "",
        {param("a", "0", "lower bound"), param("b", "1", "upper bound")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::uniform_(t, v.num(0), v.num(1), g);
       }},
      {{"normal",
        "torch.nn.init.normal_",
        "N(mean, std^2)",
        "",
        {param("mean", "0", "mean"), param("std", "1", "standard deviation")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::normal_(t, v.num(0), v.num(1), g);
       }},
      {{"constant", "torch.nn.init.constant_", "val", "", {param("val", "", "the fill value")}},
       [](Tensor& t, const ArgView& v, Generator&, Generator&) { init::constant_(t, v.num(0)); }},
      {{"ones", "torch.nn.init.ones_", "1", "", {}},
       [](Tensor& t, const ArgView&, Generator&, Generator&) { init::ones_(t); }},
      {{"zeros", "torch.nn.init.zeros_", "0", "", {}},
       [](Tensor& t, const ArgView&, Generator&, Generator&) { init::zeros_(t); }},
      {{"eye", "torch.nn.init.eye_", "identity matrix I (2-D only)", "", {}},
       [](Tensor& t, const ArgView&, Generator&, Generator&) { init::eye_(t); }},
      {{"dirac",
        "torch.nn.init.dirac_",
        "Dirac delta: w[g*out/groups + d, d, centre...] = 1, else 0 (3-, 4- or 5-D)",
        "",
        {param("groups", "1", "number of conv groups; dim 0 is split into this many blocks",
               ParamKind::Integer)}},
       [](Tensor& t, const ArgView& v, Generator&, Generator&) { init::dirac_(t, v.integer(0)); }},
  };
}

std::vector<SchemeDef> scaled_defs() {
  return {
      {{"xavier_uniform",
        "torch.nn.init.xavier_uniform_",
        "U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))",
        kGlorot,
        {param("gain", "1", "scaling factor, e.g. calculate_gain(nonlinearity)")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::xavier_uniform_(t, v.num(0), g);
       }},
      {{"xavier_normal",
        "torch.nn.init.xavier_normal_",
        "N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))",
        kGlorot,
        {param("gain", "1", "scaling factor, e.g. calculate_gain(nonlinearity)")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::xavier_normal_(t, v.num(0), g);
       }},
      {{"kaiming_uniform", "torch.nn.init.kaiming_uniform_",
        "U(-bound, bound), bound = gain * sqrt(3 / fan_mode), gain = calculate_gain(nonlinearity, "
        "a)",
        kHe, kaiming_params()},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::kaiming_uniform_(t, v.num(0), v.mode(1), v.nonlinearity(2), g);
       }},
      {{"kaiming_normal", "torch.nn.init.kaiming_normal_",
        "N(0, std^2), std = gain / sqrt(fan_mode), gain = calculate_gain(nonlinearity, a)", kHe,
        kaiming_params()},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::kaiming_normal_(t, v.num(0), v.mode(1), v.nonlinearity(2), g);
       }},
  };
}

std::vector<SchemeDef> other_defs() {
  return {
      {{"trunc_normal",
        "torch.nn.init.trunc_normal_",
        "N(mean, std^2) truncated to [a, b]",
        "",
        {param("mean", "0", "mean"), param("std", "1", "standard deviation"),
         param("a", "-2", "minimum cutoff value"), param("b", "2", "maximum cutoff value")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::trunc_normal_(t, v.num(0), v.num(1), v.num(2), v.num(3), g);
       }},
      {{"orthogonal",
        "torch.nn.init.orthogonal_",
        "gain * Q, Q from the QR decomposition of a N(0, 1) matrix, columns signed by diag(R)",
        "Saxe et al. 2013, \"Exact solutions to the nonlinear dynamics of learning in deep linear "
        "neural networks\"",
        {param("gain", "1", "multiplicative factor")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         init::orthogonal_(t, v.num(0), g);
       }},
      {{"sparse",
        "torch.nn.init.sparse_",
        "N(0, std^2), then ceil(sparsity * rows) entries of each column set to 0 (2-D only)",
        "Martens 2010, \"Deep learning via Hessian-free optimization\"",
        {param("sparsity", "", "fraction of the elements in each column set to zero"),
         param("std", "0.01", "standard deviation of the non-zero values")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator& perm) {
         init::sparse_(t, v.num(0), v.num(1), g, perm);
       }},
  };
}

const char* const kLeCun = "LeCun et al. 1998, \"Efficient BackProp\"";

/// in_axis, out_axis, groups: the layer-aware fan arguments of the Keras/JAX family.
std::vector<SchemeParam> axis_params() {
  return {param("in_axis", "1",
                "the input axis of the fans (JAX's in_axis; 1 for PyTorch's (out, in, k...) "
                "layout, -2 for Keras/JAX kernels (..., in, out))",
                ParamKind::Integer),
          param("out_axis", "0", "the output axis of the fans (JAX's out_axis; -1 for Keras/JAX)",
                ParamKind::Integer),
          param("groups", "1",
                "conv groups: fan_out = size(out_axis) / groups * receptive field (grouped and "
                "depthwise convs, PyTorch issue 23854; 1 keeps PyTorch's fans)",
                ParamKind::Integer)};
}

std::vector<SchemeDef> keras_defs() {
  SchemeParam mode = param("mode", "fan_in", "fan_in, fan_out or fan_avg ((fan_in + fan_out)/2)",
                           ParamKind::Choice);
  mode.choices = {"fan_in", "fan_out", "fan_avg"};
  SchemeParam distribution =
      param("distribution", "truncated_normal",
            "truncated_normal (at ±2σ, std-corrected by 0.87962566103423978), "
            "untruncated_normal or uniform",
            ParamKind::Choice);
  distribution.choices = {"truncated_normal", "untruncated_normal", "uniform"};
  std::vector<SchemeParam> vs = {param("scale", "1", "the variance numerator"), mode, distribution};
  for (auto& p : axis_params()) vs.push_back(p);
  std::vector<SchemeDef> defs = {
      {{"variance_scaling",
        "tf.keras.initializers.VarianceScaling / jax.nn.initializers.variance_scaling",
        "variance = scale / max(1, n), n = fan_in | fan_out | fan_avg; truncated_normal: "
        "N(0, σ²) cut at ±2σ, σ = √variance / 0.8796; untruncated_normal: N(0, variance); "
        "uniform: U(±√(3·variance))",
        "", vs},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         variance_scaling_(t, v.num(0), parse_scaling_mode(v.text(1)),
                           parse_scaling_distribution(v.text(2)), v.axes(3), g);
       }},
  };
  struct Named {
    const char* name;
    const char* formula;
    const char* paper;
    ApplyFn apply;
  };
  const Named named[] = {
      {"lecun_uniform", "variance_scaling(1, fan_in, uniform): U(±√(3 / fan_in))", kLeCun,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         lecun_uniform_(t, v.axes(0), g);
       }},
      {"lecun_normal", "variance_scaling(1, fan_in, truncated_normal)", kLeCun,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         lecun_normal_(t, v.axes(0), g);
       }},
      {"glorot_uniform", "variance_scaling(1, fan_avg, uniform): U(±√(6 / (fan_in + fan_out)))",
       kGlorot,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         glorot_uniform_(t, v.axes(0), g);
       }},
      {"glorot_normal", "variance_scaling(1, fan_avg, truncated_normal) (Keras: truncated)",
       kGlorot,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         glorot_normal_(t, v.axes(0), g);
       }},
      {"he_uniform", "variance_scaling(2, fan_in, uniform): U(±√(6 / fan_in))", kHe,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) { he_uniform_(t, v.axes(0), g); }},
      {"he_normal", "variance_scaling(2, fan_in, truncated_normal) (Keras: truncated)", kHe,
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) { he_normal_(t, v.axes(0), g); }},
  };
  for (const Named& n : named) {
    defs.push_back({{n.name, std::string("tf.keras.initializers.") + n.name, n.formula, n.paper,
                     axis_params()},
                    n.apply});
  }
  defs.push_back({{"keras_truncated_normal",
                   "tf.keras.initializers.TruncatedNormal",
                   "N(mean, stddev²) truncated to mean ± 2·stddev (bounds in std units; sample std "
                   "0.8796·stddev)",
                   "",
                   {param("mean", "0", "mean"), param("stddev", "0.05", "std before truncation")}},
                  [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
                    keras_truncated_normal_(t, v.num(0), v.num(1), g);
                  }});
  defs.push_back({{"trunc_normal_tf",
                   "timm.layers.trunc_normal_tf_",
                   "N(0, 1) truncated to [a, b] (std units), then · std + mean",
                   "",
                   {param("mean", "0", "mean"), param("std", "1", "standard deviation"),
                    param("a", "-2", "lower cutoff in std units"),
                    param("b", "2", "upper cutoff in std units")}},
                  [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
                    trunc_normal_tf_(t, v.num(0), v.num(1), v.num(2), v.num(3), g);
                  }});
  return defs;
}

std::vector<SchemeDef> structured_defs() {
  return {
      {{"identity",
        "-",
        "gain · I (2-D) or gain · dirac (3-5-D conv: passes the input through)",
        "",
        {param("gain", "1", "the diagonal value")}},
       [](Tensor& t, const ArgView& v, Generator&, Generator&) { identity_(t, v.num(0)); }},
      {{"bilinear",
        "Caffe BilinearFiller",
        "every (out, in) slice: Π_d (1 − |x_d / f − c|), f = ceil(k / 2), "
        "c = (2f − 1 − f mod 2) / (2f): bilinear upsampling by f",
        "Long et al. 2015, \"Fully Convolutional Networks for Semantic Segmentation\"",
        {}},
       [](Tensor& t, const ArgView&, Generator&, Generator&) { bilinear_(t); }},
      {{"positive_unitball",
        "Caffe PositiveUnitballFiller",
        "U(0, 1), each slice along dim 0 divided by its sum (positive, sums to 1)",
        "",
        {}},
       [](Tensor& t, const ArgView&, Generator& g, Generator&) { positive_unitball_(t, g); }},
      {{"delta_orthogonal",
        "-",
        "zeros, except the kernel centre w[:, :, centre] = gain · orthogonal (out ≥ in)",
        "Xiao et al. 2018, \"Dynamical Isometry and a Mean Field Theory of CNNs\"",
        {param("gain", "1", "multiplicative factor")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         delta_orthogonal_(t, v.num(0), g);
       }},
      {{"orthogonal_keras",
        "tf.keras.initializers.Orthogonal",
        "gain · Q on the view (Π shape[:-1], shape[-1]) (Keras layout)",
        "Saxe et al. 2013",
        {param("gain", "1", "multiplicative factor")}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         orthogonal_keras_(t, v.num(0), g);
       }},
      {{"zero_hadamard",
        "-",
        "ZerO: identity, partial identity, or c · Hadamard[:out, :in] with c = 2^(−(m−1)/2), "
        "m = ceil(log2 out); at the kernel centre for convs (deterministic)",
        "Zhao et al. 2022, \"ZerO Initialization: Initializing Neural Networks with only Zeros "
        "and Ones\"",
        {}},
       [](Tensor& t, const ArgView&, Generator&, Generator&) { zero_hadamard_(t); }},
  };
}

const char* const kTimm = "timm (Wightman), timm/layers/weight_init.py";

/// timm's helpers (timm.layers): bit for bit against the installed timm (ctest -L torch2).
std::vector<SchemeDef> timm_defs() {
  const std::vector<SchemeParam> trunc = {
      param("mean", "0", "mean"), param("std", "1", "standard deviation"),
      param("a", "-2", "minimum cutoff value"), param("b", "2", "maximum cutoff value")};
  SchemeParam mode = param("mode", "fan_in", "fan_in, fan_out or fan_avg ((fan_in + fan_out)/2)",
                           ParamKind::Choice);
  mode.choices = {"fan_in", "fan_out", "fan_avg"};
  SchemeParam distribution = param(
      "distribution", "normal",
      "normal (untruncated), truncated_normal (trunc_normal_tf with std / 0.87962566103423978) "
      "or uniform",
      ParamKind::Choice);
  distribution.choices = {"normal", "truncated_normal", "uniform"};
  return {
      {{"timm_trunc_normal", "timm.layers.trunc_normal_",
        "N(mean, std^2) truncated to [a, b] by the inverse CDF (torch <= 2.11's algorithm)", kTimm,
        trunc},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         timm_trunc_normal_(t, v.num(0), v.num(1), v.num(2), v.num(3), g);
       }},
      {{"timm_variance_scaling",
        "timm.layers.variance_scaling_",
        "variance = scale / n, n = fan_in | fan_out | fan_avg; normal: N(0, variance); "
        "truncated_normal: trunc_normal_tf(std = sqrt(variance) / 0.8796); uniform: "
        "U(+-sqrt(3 variance))",
        kTimm,
        {param("scale", "1", "the variance numerator"), mode, distribution}},
       [](Tensor& t, const ArgView& v, Generator& g, Generator&) {
         const std::string_view d = v.text(2);
         const ScalingDistribution dist = d == "normal"    ? ScalingDistribution::UntruncatedNormal
                                          : d == "uniform" ? ScalingDistribution::Uniform
                                                           : ScalingDistribution::TruncatedNormal;
         timm_variance_scaling_(t, v.num(0), parse_scaling_mode(v.text(1)), dist, g);
       }},
      {{"timm_lecun_normal",
        "timm.layers.lecun_normal_",
        "timm_variance_scaling(1, fan_in, truncated_normal)",
        kLeCun,
        {}},
       [](Tensor& t, const ArgView&, Generator& g, Generator&) { timm_lecun_normal_(t, g); }},
  };
}

/// Every scheme with its apply function: torch.nn.init's, in the order of its documentation,
/// then the Keras/JAX family, timm's helpers and the structured inits.
const std::vector<SchemeDef>& scheme_defs() {
  static const std::vector<SchemeDef> defs = [] {
    std::vector<SchemeDef> all = plain_fill_defs();
    for (auto& d : scaled_defs()) all.push_back(std::move(d));
    for (auto& d : other_defs()) all.push_back(std::move(d));
    for (auto& d : keras_defs()) all.push_back(std::move(d));
    for (auto& d : timm_defs()) all.push_back(std::move(d));
    for (auto& d : structured_defs()) all.push_back(std::move(d));
    return all;
  }();
  return defs;
}

std::size_t scheme_index(const Scheme& scheme) {
  return static_cast<std::size_t>(&scheme - schemes().data());
}

// ------------------------------------------------------------------------------------------
// Names and "did you mean".

/// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions.
/// Init names are case-sensitive; a swap of two letters is one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  return detail::edit_distance(a, b, {.ignore_case = false, .transpositions = true});
}

/// The candidate closest to `name` (the first of equals), or "" when there are none.
std::string closest_of(std::string_view name, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

/// A suggestion worth making: within max(2, len/3) edits, or `name` (3+ chars) is its prefix.
std::string suggestion(std::string_view name, const std::vector<std::string_view>& candidates) {
  const std::string best = closest_of(name, candidates);
  if (best.empty()) return best;
  if (edit_distance(name, best) <= std::max<std::size_t>(2, name.size() / 3)) return best;
  for (const std::string_view candidate : candidates) {
    if (name.size() >= 3 && candidate.starts_with(name)) return std::string(candidate);
  }
  return {};
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (const std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::vector<std::string_view> scheme_names() {
  std::vector<std::string_view> names;
  for (const Scheme& s : schemes()) names.push_back(s.name);
  return names;
}

std::vector<std::string_view> param_names(const Scheme& scheme) {
  std::vector<std::string_view> names;
  for (const SchemeParam& p : scheme.params) names.push_back(p.name);
  return names;
}

std::vector<std::string_view> nonlinearity_names() {
  std::vector<std::string_view> names;
  for (const Nonlinearity n : all_nonlinearities()) names.push_back(nonlinearity_name(n));
  return names;
}

std::string_view strip_trailing_underscore(std::string_view name) {
  if (name.size() > 1 && name.back() == '_') name.remove_suffix(1);
  return name;
}

// ------------------------------------------------------------------------------------------
// Lexing and parsing.

enum class ValueKind { Number, Name, Bool, String, Expression };

struct Value {
  ValueKind kind = ValueKind::Number;
  std::optional<Expression> expression;  // ValueKind::Expression
  std::string source;                    // as written (with quotes, sign)
  std::string text;                      // name or string content
  double number = 0;
  bool integer_literal = false;  // digits only, with an optional sign
  std::size_t column = 0;
};

struct RawArg {
  std::string key;  // empty for a positional argument
  std::size_t key_column = 0;
  Value value;
};

struct RawSpec {
  std::string name;
  std::size_t name_column = 1;
  std::vector<RawArg> args;
  std::size_t end_column = 1;  // of ')', or just past the name when there is no argument list
};

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_special_float(std::string_view word) {
  const std::string w = lower(word);
  return w == "inf" || w == "infinity" || w == "nan";
}

double special_float(std::string_view word, bool negative) {
  const double v = lower(word) == "nan" ? std::numeric_limits<double>::quiet_NaN()
                                        : std::numeric_limits<double>::infinity();
  return negative ? -v : v;
}

/// Whether `s` is [+-] digits [. digits] [e [+-] digits] (with digits on one side of the point);
/// sets `integer` when it has neither point nor exponent.
bool is_decimal_literal(std::string_view s, bool& integer) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mantissa = digits();
  const bool point = i < s.size() && s[i] == '.';
  if (point) {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  const bool exponent = i < s.size() && (s[i] == 'e' || s[i] == 'E');
  if (exponent) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  integer = !point && !exponent;
  return i == s.size();
}

const char* const kValue = "a value (a number, a name or a quoted string)";

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  RawSpec parse() {
    RawSpec spec;
    skip_space();
    if (at_end() || !is_ident_start(peek())) fail_expected("an init name");
    spec.name_column = column();
    spec.name = identifier();
    spec.end_column = column();
    skip_space();
    if (at_end()) return spec;
    if (peek() != '(') fail_expected("'(' or end of spec after '" + spec.name + "'");
    ++pos_;
    arguments(spec);
    skip_space();
    if (!at_end()) fail_expected("end of spec after ')'");
    return spec;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  std::size_t column() const { return pos_ + 1; }

  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) ++pos_;
  }

  std::string found() const {
    return at_end() ? std::string("end of spec") : "'" + std::string(1, peek()) + "'";
  }

  [[noreturn]] void fail_expected(const std::string& what) const {
    throw SpecError("expected " + what + ", but found " + found(), column());
  }

  std::string identifier() {
    const std::size_t start = pos_;
    while (!at_end() && is_ident_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  void arguments(RawSpec& spec) {
    skip_space();
    if (!at_end() && peek() == ')') {
      spec.end_column = column();
      ++pos_;
      return;
    }
    while (true) {
      spec.args.push_back(argument());
      skip_space();
      if (!at_end() && peek() == ')') {
        spec.end_column = column();
        ++pos_;
        return;
      }
      if (at_end() || peek() != ',') fail_expected("',' or ')'");
      ++pos_;
      skip_space();
      if (at_end() || peek() == ')') fail_expected("an argument after ','");
    }
  }

  RawArg argument() {
    if (!at_end() && is_ident_start(peek())) {
      const std::size_t start = pos_;
      RawArg arg;
      arg.key_column = column();
      arg.key = identifier();
      skip_space();
      if (!at_end() && peek() == '=') {
        ++pos_;
        skip_space();
        arg.value = value();
        return arg;
      }
      pos_ = start;
    }
    return RawArg{"", 0, value()};
  }

  Value value() {
    if (at_end()) fail_expected(kValue);
    if (Value v; expression(v)) return v;
    const char c = peek();
    if (c == '"' || c == '\'') return quoted();
    if (is_digit(c) || c == '.' || c == '+' || c == '-') return number();
    if (is_ident_start(c)) return word();
    fail_expected(kValue);
  }

  /// An argument value with an operator or a parenthesis beyond a leading sign (is_expression)
  /// is parsed as an Expression, up to the ',' or ')' that ends the argument.
  bool expression(Value& v) {
    if (peek() == '"' || peek() == '\'') return false;
    std::size_t end = pos_;
    for (int depth = 0; end < text_.size(); ++end) {
      const char c = text_[end];
      if (c == '(') ++depth;
      if ((c == ')' && depth == 0) || (c == ',' && depth == 0)) break;
      if (c == ')') --depth;
    }
    while (end > pos_ && std::isspace(static_cast<unsigned char>(text_[end - 1]))) --end;
    const std::string_view source = text_.substr(pos_, end - pos_);
    if (!is_expression(source)) return false;
    v.kind = ValueKind::Expression;
    v.column = column();
    v.source = std::string(source);
    v.text = v.source;
    try {
      v.expression = Expression::parse(source);
    } catch (const SpecError& e) {
      throw SpecError(e.reason(), v.column + e.column() - 1);
    }
    pos_ = end;
    return true;
  }

  Value word() {
    Value v;
    v.column = column();
    v.source = identifier();
    v.text = v.source;
    if (is_special_float(v.text)) {
      v.kind = ValueKind::Number;
      v.number = special_float(v.text, false);
    } else if (v.text == "true" || v.text == "false" || v.text == "True" || v.text == "False") {
      v.kind = ValueKind::Bool;
    } else {
      v.kind = ValueKind::Name;
    }
    return v;
  }

  Value quoted() {
    Value v;
    v.kind = ValueKind::String;
    v.column = column();
    const char quote = peek();
    const std::size_t start = pos_++;
    while (true) {
      if (at_end()) throw SpecError("unterminated string (missing closing quote)", v.column);
      char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (at_end()) throw SpecError("unterminated string (missing closing quote)", v.column);
        c = text_[pos_++];
      }
      v.text += c;
    }
    v.source = std::string(text_.substr(start, pos_ - start));
    return v;
  }

  Value number() {
    Value v;
    v.kind = ValueKind::Number;
    v.column = column();
    const std::size_t start = pos_;
    const bool negative = peek() == '-';
    if (peek() == '+' || peek() == '-') ++pos_;
    if (!at_end() && is_ident_start(peek())) return signed_special(v, start, negative);
    if (at_end() || !(is_digit(peek()) || peek() == '.')) {
      fail_expected("a number after '" + std::string(1, text_[start]) + "'");
    }
    scan_number_run();
    v.source = std::string(text_.substr(start, pos_ - start));
    v.text = v.source;
    if (!is_decimal_literal(v.source, v.integer_literal)) {
      throw SpecError("invalid number '" + v.source + "'", v.column);
    }
    const char* first = v.source.data() + (v.source[0] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(first, v.source.data() + v.source.size(), v.number);
    if (ec != std::errc() || end != v.source.data() + v.source.size()) {
      throw SpecError("number '" + v.source + "' is out of the range of a double", v.column);
    }
    return v;
  }

  /// `-inf`, `+nan`: a sign followed by a word, which must be inf, infinity or nan.
  Value signed_special(Value& v, std::size_t start, bool negative) {
    const std::size_t word_column = column();
    const std::string w = identifier();
    if (!is_special_float(w)) {
      throw SpecError(
          "expected a number after '" + std::string(1, text_[start]) + "', but found '" + w + "'",
          word_column);
    }
    v.source = std::string(text_.substr(start, pos_ - start));
    v.text = v.source;
    v.number = special_float(w, negative);
    return v;
  }

  /// Advances over the longest run that could belong to a number, so that "1.2.3" or "1e" is
  /// reported whole: digits, letters, '_', '.', and a sign right after an exponent letter.
  void scan_number_run() {
    while (!at_end()) {
      const char c = peek();
      const bool sign_after_e =
          (c == '+' || c == '-') && pos_ > 0 && (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E');
      if (!(is_ident_char(c) || c == '.' || sign_after_e)) break;
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// ------------------------------------------------------------------------------------------
// Binding arguments to parameters.

struct Resolved {
  Resolved(std::string text_, double number_, std::optional<Expression> expression_ = {})
      : text(std::move(text_)), number(number_), expression(std::move(expression_)) {}
  std::string text;
  double number = 0;
  std::optional<Expression> expression;  // evaluated by Initializer::bind
};

std::string shortest(double value) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

[[noreturn]] void wrong_kind(const Scheme& scheme, const SchemeParam& p, const Value& v,
                             const std::string& expected) {
  throw SpecError("argument '" + p.name + "' of " + scheme.name + " must be " + expected +
                      ", but got " + v.source,
                  v.column);
}

/// Runs a library parser, turning its ValueError into a SpecError at the value's column.
template <class Fn>
auto at_column(const Value& v, Fn&& fn, const std::string& extra = "") {
  try {
    return fn();
  } catch (const SpecError&) {
    throw;
  } catch (const ValueError& e) {
    throw SpecError(e.what() + extra, v.column);
  }
}

Resolved resolve_number(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  if (v.kind == ValueKind::Expression) return {v.source, 0.0, v.expression};
  if (v.kind != ValueKind::Number) wrong_kind(scheme, p, v, "a number");
  return {shortest(v.number), v.number};
}

Resolved resolve_integer(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  if (v.kind != ValueKind::Number || !v.integer_literal) wrong_kind(scheme, p, v, "an integer");
  std::int64_t value = 0;
  const char* first = v.source.data() + (v.source[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(first, v.source.data() + v.source.size(), value);
  if (ec != std::errc() || end != v.source.data() + v.source.size()) {
    wrong_kind(scheme, p, v, "an integer in the range of int64");
  }
  return {std::to_string(value), static_cast<double>(value)};
}

Resolved resolve_negative_slope(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  if (v.kind == ValueKind::Number) return {shortest(v.number), v.number};
  if (v.kind == ValueKind::Expression) return {v.source, 0.0, v.expression};
  // torch: "negative_slope {param} not a valid number" for anything but an int or float.
  at_column(v, [&] { return parse_negative_slope(v.source); });
  wrong_kind(scheme, p, v, "a number");
}

Resolved resolve_fan_mode(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  if (v.kind != ValueKind::Name && v.kind != ValueKind::String) {
    wrong_kind(scheme, p, v, "fan_in or fan_out");
  }
  const FanMode mode = at_column(v, [&] { return parse_fan_mode(v.text); });
  return {std::string(fan_mode_name(mode)), 0.0};
}

Resolved resolve_nonlinearity(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  if (v.kind != ValueKind::Name && v.kind != ValueKind::String) {
    wrong_kind(scheme, p, v, "a nonlinearity name (" + join(nonlinearity_names()) + ")");
  }
  const std::string hint = suggestion(v.text, nonlinearity_names());
  const std::string extra = hint.empty() ? "" : " (did you mean '" + hint + "'?)";
  const Nonlinearity n = at_column(
      v, [&] { return parse_nonlinearity(v.text); }, extra);
  return {std::string(nonlinearity_name(n)), 0.0};
}

Resolved resolve_choice(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  std::vector<std::string_view> names(p.choices.begin(), p.choices.end());
  if (v.kind != ValueKind::Name && v.kind != ValueKind::String) {
    wrong_kind(scheme, p, v, join(names));
  }
  for (const auto& c : p.choices) {
    if (v.text == c) return {c, 0.0};
  }
  const std::string hint = suggestion(v.text, names);
  throw SpecError("invalid " + p.name + " '" + std::string(v.text) + "' for " + scheme.name +
                      ": expected " + join(names) +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)"),
                  v.column);
}

Resolved resolve(const Scheme& scheme, const SchemeParam& p, const Value& v) {
  switch (p.kind) {
    case ParamKind::Choice:
      return resolve_choice(scheme, p, v);
    case ParamKind::Number:
      return resolve_number(scheme, p, v);
    case ParamKind::Integer:
      return resolve_integer(scheme, p, v);
    case ParamKind::NegativeSlope:
      return resolve_negative_slope(scheme, p, v);
    case ParamKind::FanMode:
      return resolve_fan_mode(scheme, p, v);
    case ParamKind::Nonlinearity:
      return resolve_nonlinearity(scheme, p, v);
  }
  wrong_kind(scheme, p, v, "a value");
}

Resolved resolve_default(const SchemeParam& p) {
  double number = 0;
  if (p.kind != ParamKind::FanMode && p.kind != ParamKind::Nonlinearity &&
      p.kind != ParamKind::Choice) {
    std::from_chars(p.default_text.data(), p.default_text.data() + p.default_text.size(), number);
  }
  return {p.default_text, number};
}

const Scheme& lookup_scheme(const RawSpec& raw) {
  if (const Scheme* scheme = find_scheme(raw.name)) return *scheme;
  const std::string hint = suggestion(strip_trailing_underscore(raw.name), scheme_names());
  const std::string tail =
      hint.empty() ? "known inits: " + join(scheme_names()) : "did you mean '" + hint + "'?";
  throw SpecError("unknown init '" + raw.name + "' (" + tail + ")", raw.name_column);
}

std::size_t param_index(const Scheme& scheme, const RawArg& arg) {
  const auto& params = scheme.params;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == arg.key) return i;
  }
  const std::string hint = suggestion(arg.key, param_names(scheme));
  std::string tail = "did you mean '" + hint + "'?";
  if (params.empty()) tail = scheme.name + " takes no arguments";
  if (!params.empty() && hint.empty()) tail = "its arguments: " + join(param_names(scheme));
  throw SpecError("unknown argument '" + arg.key + "' for " + scheme.name + " (" + tail + ")",
                  arg.key_column);
}

[[noreturn]] void too_many_positional(const Scheme& scheme, const RawSpec& raw, const RawArg& arg) {
  const auto given = std::count_if(raw.args.begin(), raw.args.end(),
                                   [](const RawArg& a) { return a.key.empty(); });
  const std::size_t n = scheme.params.size();
  const std::string was = given == 1 ? " was given" : " were given";
  if (n == 0) {
    throw SpecError(scheme.name + "() takes no arguments, but " + std::to_string(given) + was,
                    arg.value.column);
  }
  throw SpecError(scheme.name + "() takes at most " + std::to_string(n) + " positional argument" +
                      (n == 1 ? "" : "s") + " (" + join(param_names(scheme)) + "), but " +
                      std::to_string(given) + was,
                  arg.value.column);
}

/// Which argument fills each parameter (nullptr: none), checking order, arity and duplicates.
std::vector<const RawArg*> assign(const Scheme& scheme, const RawSpec& raw) {
  std::vector<const RawArg*> slots(scheme.params.size(), nullptr);
  bool seen_keyword = false;
  std::size_t positional = 0;
  for (const RawArg& arg : raw.args) {
    if (arg.key.empty()) {
      if (seen_keyword) {
        throw SpecError("positional argument follows keyword argument", arg.value.column);
      }
      if (positional >= slots.size()) too_many_positional(scheme, raw, arg);
      slots[positional++] = &arg;
      continue;
    }
    seen_keyword = true;
    const std::size_t i = param_index(scheme, arg);
    if (slots[i]) {
      throw SpecError(scheme.name + "() got multiple values for argument '" + arg.key + "'",
                      arg.key_column);
    }
    slots[i] = &arg;
  }
  return slots;
}

}  // namespace

// ------------------------------------------------------------------------------------------

const std::vector<Scheme>& schemes() {
  static const std::vector<Scheme> all = [] {
    std::vector<Scheme> out;
    for (const SchemeDef& d : scheme_defs()) out.push_back(d.scheme);
    return out;
  }();
  return all;
}

const Scheme* find_scheme(std::string_view name) {
  name = strip_trailing_underscore(name);
  for (const Scheme& s : schemes()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string closest_scheme_name(std::string_view name) {
  return closest_of(strip_trailing_underscore(name), scheme_names());
}

Initializer Initializer::parse(std::string_view text) {
  const RawSpec raw = Parser(text).parse();
  const Scheme& scheme = lookup_scheme(raw);
  const std::vector<const RawArg*> slots = assign(scheme, raw);
  Initializer init;
  init.scheme_ = &scheme;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const SchemeParam& p = scheme.params[i];
    if (!slots[i] && p.default_text.empty()) {
      throw SpecError(scheme.name + "() missing required argument '" + p.name + "'",
                      raw.end_column);
    }
    Resolved r = slots[i] ? resolve(scheme, p, slots[i]->value) : resolve_default(p);
    init.args_.push_back({p.name, std::move(r.text), r.number, std::move(r.expression),
                          slots[i] ? slots[i]->value.column : 0});
  }
  return init;
}

std::string Initializer::canonical() const {
  std::string out = scheme_->name;
  if (args_.empty()) return out;
  out += '(';
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (i) out += ", ";
    out += args_[i].name + "=" + args_[i].text;
  }
  return out + ')';
}

Tensor& Initializer::apply(Tensor& tensor, Generator& gen) const {
  return apply(tensor, gen, default_generator());
}

bool Initializer::has_expressions() const {
  return std::any_of(args_.begin(), args_.end(), [](const Arg& a) { return a.expression; });
}

Initializer Initializer::bind(const Variables& vars) const {
  Initializer bound = *this;
  for (Arg& a : bound.args_) {
    if (!a.expression) continue;
    try {
      a.number = a.expression->evaluate(vars);
    } catch (const SpecError& e) {
      throw SpecError(e.reason(), a.column + e.column() - 1);
    }
    a.text = shortest(a.number);
    a.expression.reset();
  }
  return bound;
}

Tensor& Initializer::apply(Tensor& tensor, Generator& gen, Generator& perm_gen) const {
  if (has_expressions()) return bind(parameter_variables(tensor)).apply(tensor, gen, perm_gen);
  std::vector<double> numbers;
  std::vector<std::string_view> texts;
  for (const Arg& a : args_) {
    numbers.push_back(a.number);
    texts.push_back(a.text);
  }
  scheme_defs()[scheme_index(*scheme_)].apply(tensor, ArgView(numbers, texts), gen, perm_gen);
  return tensor;
}

const std::string& Initializer::arg(std::string_view name) const {
  for (const Arg& a : args_) {
    if (a.name == name) return a.text;
  }
  throw ValueError(detail::concat("init '", scheme_->name, "' has no argument '", name, "'"));
}

}  // namespace weightinit::init
