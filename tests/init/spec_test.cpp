// SPDX-License-Identifier: MIT
// Init specs: grammar, registry, defaults, canonical text, every error with its column, and
// that applying a spec gives the same bits as calling the init function directly.
#include "weightinit/init/spec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/warnings.h"

namespace wi = weightinit;
namespace init = weightinit::init;

namespace {

std::string canonical(std::string_view spec) { return init::Initializer::parse(spec).canonical(); }

/// what() of the ValueError `fn` throws (the library's own message for a value).
template <class Fn>
std::string value_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const wi::ValueError& e) {
    return e.what();
  }
  return "no error";
}

struct ErrorCase {
  std::string spec;
  std::size_t column;
  std::string reason;
};

void expect_spec_error(const ErrorCase& c) {
  SCOPED_TRACE("spec: " + c.spec);
  try {
    init::Initializer::parse(c.spec);
    ADD_FAILURE() << "no error";
  } catch (const init::SpecError& e) {
    EXPECT_EQ(e.reason(), c.reason);
    EXPECT_EQ(e.column(), c.column);
    EXPECT_EQ(std::string(e.what()), "at column " + std::to_string(c.column) + ": " + c.reason);
  }
}

/// True when both tensors have the same dtype, shape and element bits.
bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  const wi::Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(),
                     static_cast<std::size_t>(ca.numel()) * ca.element_size()) == 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Registry

TEST(SpecRegistry, EverySchemeInTorchDocumentationOrder) {
  std::vector<std::string> names;
  for (const init::Scheme& s : init::schemes()) names.push_back(s.name);
  // torch.nn.init's, in its documentation's order, then the Keras/JAX family, timm's helpers
  // and the structured inits (docs/api.md).
  EXPECT_EQ(names, (std::vector<std::string>{"uniform",
                                             "normal",
                                             "constant",
                                             "ones",
                                             "zeros",
                                             "eye",
                                             "dirac",
                                             "xavier_uniform",
                                             "xavier_normal",
                                             "kaiming_uniform",
                                             "kaiming_normal",
                                             "trunc_normal",
                                             "orthogonal",
                                             "sparse",
                                             "variance_scaling",
                                             "lecun_uniform",
                                             "lecun_normal",
                                             "glorot_uniform",
                                             "glorot_normal",
                                             "he_uniform",
                                             "he_normal",
                                             "keras_truncated_normal",
                                             "trunc_normal_tf",
                                             "timm_trunc_normal",
                                             "timm_variance_scaling",
                                             "timm_lecun_normal",
                                             "identity",
                                             "bilinear",
                                             "positive_unitball",
                                             "delta_orthogonal",
                                             "orthogonal_keras",
                                             "zero_hadamard"}));
}

TEST(SpecRegistry, EachSchemeNamesItsTorchFunctionAndFormula) {
  for (const init::Scheme& s : init::schemes()) {
    if (&s - init::schemes().data() < 14) {
      EXPECT_EQ(s.torch_equivalent, "torch.nn.init." + s.name + "_");
    } else {
      EXPECT_FALSE(s.torch_equivalent.empty()) << s.name;  // its framework's name, or "-"
    }
    EXPECT_FALSE(s.formula.empty()) << s.name;
    for (const init::SchemeParam& p : s.params) EXPECT_FALSE(p.description.empty()) << p.name;
  }
  EXPECT_NE(init::find_scheme("kaiming_normal")->paper.find("He et al. 2015"), std::string::npos);
  EXPECT_NE(init::find_scheme("xavier_uniform")->paper.find("Glorot"), std::string::npos);
  EXPECT_NE(init::find_scheme("orthogonal")->paper.find("Saxe"), std::string::npos);
  EXPECT_NE(init::find_scheme("sparse")->paper.find("Martens 2010"), std::string::npos);
}

TEST(SpecRegistry, ParametersFollowTorchsOrderAndDefaults) {
  const auto params = [](std::string_view name) {
    std::string out;
    for (const auto& p : init::find_scheme(name)->params) {
      out +=
          (out.empty() ? "" : ", ") + p.name + (p.default_text.empty() ? "" : "=") + p.default_text;
    }
    return out;
  };
  EXPECT_EQ(params("uniform"), "a=0, b=1");
  EXPECT_EQ(params("normal"), "mean=0, std=1");
  EXPECT_EQ(params("trunc_normal"), "mean=0, std=1, a=-2, b=2");
  EXPECT_EQ(params("constant"), "val");
  EXPECT_EQ(params("ones"), "");
  EXPECT_EQ(params("zeros"), "");
  EXPECT_EQ(params("eye"), "");
  EXPECT_EQ(params("dirac"), "groups=1");
  EXPECT_EQ(params("xavier_uniform"), "gain=1");
  EXPECT_EQ(params("xavier_normal"), "gain=1");
  EXPECT_EQ(params("kaiming_uniform"), "a=0, mode=fan_in, nonlinearity=leaky_relu");
  EXPECT_EQ(params("kaiming_normal"), "a=0, mode=fan_in, nonlinearity=leaky_relu");
  EXPECT_EQ(params("orthogonal"), "gain=1");
  EXPECT_EQ(params("sparse"), "sparsity, std=0.01");
}

TEST(SpecRegistry, FindSchemeAcceptsTorchsTrailingUnderscore) {
  EXPECT_EQ(init::find_scheme("kaiming_normal_"), init::find_scheme("kaiming_normal"));
  EXPECT_NE(init::find_scheme("zeros_"), nullptr);
  EXPECT_EQ(init::find_scheme("kaiming_normal__"), nullptr);
  EXPECT_EQ(init::find_scheme("Kaiming_Normal"), nullptr);
  EXPECT_EQ(init::find_scheme(""), nullptr);
}

TEST(SpecRegistry, ClosestSchemeNameUsesEditDistance) {
  EXPECT_EQ(init::closest_scheme_name("kaiming_norml"), "kaiming_normal");
  EXPECT_EQ(init::closest_scheme_name("kaiming_nromal_"), "kaiming_normal");  // transposition
  EXPECT_EQ(init::closest_scheme_name("unifrom"), "uniform");
  EXPECT_EQ(init::closest_scheme_name("xavier_normall"), "xavier_normal");
  EXPECT_EQ(init::closest_scheme_name("zero"), "zeros");
}

// ---------------------------------------------------------------------------------------------
// Grammar, defaults and canonical text

TEST(SpecParse, BareNameEmptyParensAndUnderscoreAreTheSame) {
  for (const char* spec : {"zeros", "zeros()", "zeros_", "zeros_()", "  zeros ( ) ", "\tzeros\n"}) {
    EXPECT_EQ(canonical(spec), "zeros") << spec;
  }
  EXPECT_EQ(init::Initializer::parse("ones").scheme().name, "ones");
}

TEST(SpecParse, DefaultsAreFilledInAndEveryArgumentIsNamed) {
  EXPECT_EQ(canonical("kaiming_normal"),
            "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)");
  EXPECT_EQ(canonical("uniform"), "uniform(a=0, b=1)");
  EXPECT_EQ(canonical("trunc_normal(std=0.02)"), "trunc_normal(mean=0, std=0.02, a=-2, b=2)");
  EXPECT_EQ(canonical("sparse(0.1)"), "sparse(sparsity=0.1, std=0.01)");
  EXPECT_EQ(canonical("dirac"), "dirac(groups=1)");
}

TEST(SpecParse, PositionalArgumentsFollowTorchsOrder) {
  EXPECT_EQ(canonical("normal(0, 0.02)"), "normal(mean=0, std=0.02)");
  EXPECT_EQ(canonical("uniform(-0.1, 0.1)"), "uniform(a=-0.1, b=0.1)");
  EXPECT_EQ(canonical("trunc_normal(1, 2, -3, 4)"), "trunc_normal(mean=1, std=2, a=-3, b=4)");
  EXPECT_EQ(canonical("kaiming_uniform(0.2, fan_out, leaky_relu)"),
            "kaiming_uniform(a=0.2, mode=fan_out, nonlinearity=leaky_relu)");
  EXPECT_EQ(canonical("normal(0, std=3)"), "normal(mean=0, std=3)");
}

TEST(SpecParse, KeywordsInAnyOrderWithWhitespace) {
  EXPECT_EQ(canonical("kaiming_normal(nonlinearity = relu , mode= fan_out)"),
            "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)");
  EXPECT_EQ(canonical(" normal ( std=2 , mean=1 ) "), "normal(mean=1, std=2)");
}

TEST(SpecParse, NamesMayBeQuotedAndModeIsCaseInsensitiveAsInTorch) {
  EXPECT_EQ(canonical("kaiming_normal_(mode='fan_out', nonlinearity=\"relu\")"),
            "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)");
  EXPECT_EQ(canonical("kaiming_normal(mode=FAN_OUT)"),
            "kaiming_normal(a=0, mode=fan_out, nonlinearity=leaky_relu)");
  EXPECT_EQ(canonical("kaiming_uniform(nonlinearity='conv_transpose2d')"),
            "kaiming_uniform(a=0, mode=fan_in, nonlinearity=conv_transpose2d)");
}

TEST(SpecParse, NumbersInEveryForm) {
  EXPECT_EQ(canonical("uniform(+1, -2)").substr(7), "(a=1, b=-2)");
  EXPECT_EQ(canonical("uniform(.5, 5.)"), "uniform(a=0.5, b=5)");
  EXPECT_EQ(canonical("uniform(1e-3, 2.5E+2)"), "uniform(a=0.001, b=250)");
  EXPECT_EQ(canonical("uniform(1e-5, 1e20)"), "uniform(a=1e-05, b=1e+20)");
  EXPECT_EQ(canonical("uniform(007, -0)"), "uniform(a=7, b=-0)");
  EXPECT_EQ(canonical("dirac(+2)"), "dirac(groups=2)");
  EXPECT_EQ(canonical("kaiming_normal(a=-1)"),
            "kaiming_normal(a=-1, mode=fan_in, nonlinearity=leaky_relu)");
}

TEST(SpecParse, CanonicalNumbersAreTheShortestRoundTrip) {
  EXPECT_EQ(canonical("normal(0, 0.1)"), "normal(mean=0, std=0.1)");
  EXPECT_EQ(canonical("normal(0, 0.1000000000000000055511151231257827)"),
            "normal(mean=0, std=0.1)");
  EXPECT_EQ(canonical("normal(0, 0.30000000000000004)"), "normal(mean=0, std=0.30000000000000004)");
  EXPECT_EQ(canonical("constant(3.141592653589793238)"), "constant(val=3.141592653589793)");
  EXPECT_EQ(canonical("constant(5e-324)"), "constant(val=5e-324)");
}

TEST(SpecParse, InfinityAndNanAreNumbers) {
  EXPECT_EQ(canonical("trunc_normal(a=-inf, b=inf)"), "trunc_normal(mean=0, std=1, a=-inf, b=inf)");
  EXPECT_EQ(canonical("constant(+Infinity)"), "constant(val=inf)");
  EXPECT_EQ(canonical("constant(nan)"), "constant(val=nan)");
  EXPECT_EQ(canonical("constant(NaN)"), "constant(val=nan)");
  EXPECT_EQ(canonical("kaiming_normal(a=inf)").substr(0, 21), "kaiming_normal(a=inf,");
}

TEST(SpecParse, CanonicalTextParsesBackToItself) {
  const char* specs[] = {"uniform(-0.1, 0.1)",
                         "normal(std=0.02)",
                         "trunc_normal(a=-inf)",
                         "constant(0.3)",
                         "ones",
                         "zeros",
                         "eye",
                         "dirac(3)",
                         "xavier_uniform(1.5)",
                         "xavier_normal",
                         "kaiming_uniform(a=5)",
                         "kaiming_normal(0.2, fan_out, relu)",
                         "orthogonal(gain=2)",
                         "sparse(0.9, std=1e-3)"};
  for (const char* spec : specs) {
    const std::string c = canonical(spec);
    EXPECT_EQ(canonical(c), c) << spec;
  }
}

TEST(SpecParse, ArgReturnsTheResolvedCanonicalValue) {
  const auto spec = init::Initializer::parse("kaiming_normal(mode='FAN_OUT', a=1e-2)");
  EXPECT_EQ(spec.arg("a"), "0.01");
  EXPECT_EQ(spec.arg("mode"), "fan_out");
  EXPECT_EQ(spec.arg("nonlinearity"), "leaky_relu");
  EXPECT_EQ(value_error_of([&] { spec.arg("std"); }),
            "init 'kaiming_normal' has no argument 'std'");
}

// ---------------------------------------------------------------------------------------------
// Errors, each with its exact message and column

TEST(SpecErrors, IsAValueErrorWithTheColumnInTheMessage) {
  try {
    init::Initializer::parse("kaiming_norml");
    FAIL() << "no error";
  } catch (const wi::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "at column 1: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  }
}

TEST(SpecErrors, SyntaxErrorsNameTheColumnAndWhatWasExpected) {
  const ErrorCase cases[] = {
      {"", 1, "expected an init name, but found end of spec"},
      {"   ", 4, "expected an init name, but found end of spec"},
      {"(", 1, "expected an init name, but found '('"},
      {"3", 1, "expected an init name, but found '3'"},
      {"normal) ", 7, "expected '(' or end of spec after 'normal', but found ')'"},
      {"kaiming normal", 9, "expected '(' or end of spec after 'kaiming', but found 'n'"},
      {"torch.nn.init.normal_", 6, "expected '(' or end of spec after 'torch', but found '.'"},
      {"normal(0, 1", 12, "expected ',' or ')', but found end of spec"},
      {"normal(0 1)", 10, "expected ',' or ')', but found '1'"},
      {"normal(0;1)", 9, "expected ',' or ')', but found ';'"},
      {"normal(0,)", 10, "expected an argument after ',', but found ')'"},
      {"normal(0, ", 11, "expected an argument after ',', but found end of spec"},
      {"normal(,)", 8, "expected a value (a number, a name or a quoted string), but found ','"},
      {"normal(", 8,
       "expected a value (a number, a name or a quoted string), but found end of spec"},
      {"normal(std=)", 12, "expected a value (a number, a name or a quoted string), but found ')'"},
      {"normal(std==1)", 12,
       "expected a value (a number, a name or a quoted string), but found '='"},
      {"normal() x", 10, "expected end of spec after ')', but found 'x'"},
      {"normal()()", 9, "expected end of spec after ')', but found '('"},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
}

TEST(SpecErrors, BadNumbersAndStrings) {
  const ErrorCase cases[] = {
      {"normal(1.2.3)", 8, "invalid number '1.2.3'"},
      {"normal(1e)", 8, "invalid number '1e'"},
      {"normal(0, 1e+)", 11, "invalid number '1e+'"},
      {"normal(0x10)", 8, "invalid number '0x10'"},
      {"normal(1_000)", 8, "invalid number '1_000'"},
      {"normal(.)", 8, "invalid number '.'"},
      {"normal(2std)", 8, "invalid number '2std'"},
      {"normal(-x)", 9, "expected a number after '-', but found 'x'"},
      {"normal(+relu)", 9, "expected a number after '+', but found 'relu'"},
      {"normal(-)", 9, "expected a number after '-', but found ')'"},
      {"normal(1e999)", 8, "number '1e999' is out of the range of a double"},
      {"kaiming_normal(mode='fan_out)", 21, "unterminated string (missing closing quote)"},
      {"kaiming_normal(mode=\"fan_out\\\")", 21, "unterminated string (missing closing quote)"},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
}

TEST(SpecErrors, UnknownInitSuggestsTheClosestName) {
  std::string known;
  for (const auto& s : init::schemes()) known += (known.empty() ? "" : ", ") + s.name;
  const ErrorCase cases[] = {
      {"kaiming_norml", 1, "unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)"},
      {"  kaiming_norml_(mode=fan_out)", 3,
       "unknown init 'kaiming_norml_' (did you mean 'kaiming_normal'?)"},
      {"Xavier_Uniform", 1, "unknown init 'Xavier_Uniform' (did you mean 'xavier_uniform'?)"},
      {"kaiming", 1, "unknown init 'kaiming' (did you mean 'kaiming_uniform'?)"},
      {"qwerty", 1, "unknown init 'qwerty' (known inits: " + known + ")"},
      {"glorot", 1, "unknown init 'glorot' (did you mean 'glorot_uniform'?)"},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
}

TEST(SpecErrors, ArgumentBindingErrors) {
  const ErrorCase cases[] = {
      {"normal(stdd=1)", 8, "unknown argument 'stdd' for normal (did you mean 'std'?)"},
      {"normal(mean=0, foo=1)", 16, "unknown argument 'foo' for normal (its arguments: mean, std)"},
      {"zeros(x=1)", 7, "unknown argument 'x' for zeros (zeros takes no arguments)"},
      {"kaiming_normal(nonlinarity=relu)", 16,
       "unknown argument 'nonlinarity' for kaiming_normal (did you mean 'nonlinearity'?)"},
      {"normal(std=1, std=2)", 15, "normal() got multiple values for argument 'std'"},
      {"normal(0, mean=1)", 11, "normal() got multiple values for argument 'mean'"},
      {"normal(0, 1, 2)", 14,
       "normal() takes at most 2 positional arguments (mean, std), but 3 were given"},
      {"orthogonal(1, 2)", 15,
       "orthogonal() takes at most 1 positional argument (gain), but 2 were given"},
      {"zeros(1)", 7, "zeros() takes no arguments, but 1 was given"},
      {"eye(1, 2)", 5, "eye() takes no arguments, but 2 were given"},
      {"normal(std=1, 0)", 15, "positional argument follows keyword argument"},
      {"constant", 9, "constant() missing required argument 'val'"},
      {"constant()", 10, "constant() missing required argument 'val'"},
      {"sparse(std=0.1)", 15, "sparse() missing required argument 'sparsity'"},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
}

TEST(SpecErrors, WrongValueKinds) {
  std::string nonlinearities;
  for (const auto n : init::all_nonlinearities()) {
    nonlinearities +=
        (nonlinearities.empty() ? "" : ", ") + std::string(init::nonlinearity_name(n));
  }
  const ErrorCase cases[] = {
      {"kaiming_normal(mode=3)", 21,
       "argument 'mode' of kaiming_normal must be fan_in or fan_out, but got 3"},
      {"kaiming_normal(nonlinearity=1)", 29,
       "argument 'nonlinearity' of kaiming_normal must be a nonlinearity name (" + nonlinearities +
           "), but got 1"},
      {"normal(std=relu)", 12, "argument 'std' of normal must be a number, but got relu"},
      {"normal(std='0.1')", 12, "argument 'std' of normal must be a number, but got '0.1'"},
      {"normal(std=true)", 12, "argument 'std' of normal must be a number, but got true"},
      {"xavier_uniform(gain=relu)", 21,
       "argument 'gain' of xavier_uniform must be a number, but got relu"},
      {"dirac(1.5)", 7, "argument 'groups' of dirac must be an integer, but got 1.5"},
      {"dirac(2.0)", 7, "argument 'groups' of dirac must be an integer, but got 2.0"},
      {"dirac(groups=inf)", 14, "argument 'groups' of dirac must be an integer, but got inf"},
      {"dirac(99999999999999999999)", 7,
       "argument 'groups' of dirac must be an integer in the range of int64, but got "
       "99999999999999999999"},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
}

TEST(SpecErrors, InvalidNamesUseTheLibrarysTorchWording) {
  const std::string bad_mode = value_error_of([] { init::parse_fan_mode("fan_middle"); });
  const std::string bad_nl = value_error_of([] { init::parse_nonlinearity("rleu"); });
  const std::string bad_nl2 = value_error_of([] { init::parse_nonlinearity("banana"); });
  const ErrorCase cases[] = {
      {"kaiming_normal(mode=fan_middle)", 21, bad_mode},
      {"kaiming_uniform(0, 'fan_middle')", 20, bad_mode},
      {"kaiming_normal(nonlinearity=rleu)", 29, bad_nl + " (did you mean 'relu'?)"},
      {"kaiming_normal(nonlinearity=banana)", 29, bad_nl2},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
  EXPECT_EQ(bad_nl, "Unsupported nonlinearity rleu");
}

TEST(SpecErrors, KaimingSlopeThatIsNotANumberUsesParseNegativeSlope) {
  const auto slope_error = [](const char* text) {
    return value_error_of([&] { init::parse_negative_slope(text); });
  };
  const ErrorCase cases[] = {
      {"kaiming_normal(a=relu)", 18, slope_error("relu")},
      {"kaiming_normal(a=True)", 18, slope_error("True")},
      {"kaiming_uniform('0.1')", 17, slope_error("'0.1'")},
  };
  for (const ErrorCase& c : cases) expect_spec_error(c);
  EXPECT_EQ(cases[0].reason, "negative_slope relu not a valid number");
}

// ---------------------------------------------------------------------------------------------
// apply() gives the bits of the direct call

namespace {

struct ApplyCase {
  std::string spec;
  wi::Shape shape;
  std::function<void(wi::Tensor&, wi::Generator&)> direct;
};

std::vector<ApplyCase> apply_cases() {
  using init::FanMode;
  using init::Nonlinearity;
  return {
      {"uniform(-0.5, 2)",
       {5, 7},
       [](wi::Tensor& t, wi::Generator& g) { init::uniform_(t, -0.5, 2, g); }},
      {"normal(0.1, 0.02)",
       {5, 7},
       [](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0.1, 0.02, g); }},
      {"normal", {3}, [](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0, 1, g); }},
      {"trunc_normal(0, 0.5, -1, 1)",
       {33},
       [](wi::Tensor& t, wi::Generator& g) { init::trunc_normal_(t, 0, 0.5, -1, 1, g); }},
      {"constant(0.25)", {4, 2}, [](wi::Tensor& t, wi::Generator&) { init::constant_(t, 0.25); }},
      {"ones", {4, 2}, [](wi::Tensor& t, wi::Generator&) { init::ones_(t); }},
      {"zeros", {4, 2}, [](wi::Tensor& t, wi::Generator&) { init::zeros_(t); }},
      {"eye", {3, 4}, [](wi::Tensor& t, wi::Generator&) { init::eye_(t); }},
      {"dirac(2)", {6, 3, 3, 3}, [](wi::Tensor& t, wi::Generator&) { init::dirac_(t, 2); }},
      {"xavier_uniform(gain=1.5)",
       {5, 7},
       [](wi::Tensor& t, wi::Generator& g) { init::xavier_uniform_(t, 1.5, g); }},
      {"xavier_normal",
       {4, 3, 3, 3},
       [](wi::Tensor& t, wi::Generator& g) { init::xavier_normal_(t, 1, g); }},
      {"kaiming_uniform(a=0.2)",
       {5, 7},
       [](wi::Tensor& t, wi::Generator& g) {
         init::kaiming_uniform_(t, 0.2, FanMode::FanIn, Nonlinearity::LeakyReLU, g);
       }},
      {"kaiming_normal(mode=fan_out, nonlinearity=relu)",
       {8, 3, 3, 3},
       [](wi::Tensor& t, wi::Generator& g) {
         init::kaiming_normal_(t, 0, FanMode::FanOut, Nonlinearity::ReLU, g);
       }},
      {"kaiming_normal(nonlinearity='tanh')",
       {3, 5},
       [](wi::Tensor& t, wi::Generator& g) {
         init::kaiming_normal_(t, 0, FanMode::FanIn, Nonlinearity::Tanh, g);
       }},
      {"orthogonal(2)",
       {4, 6},
       [](wi::Tensor& t, wi::Generator& g) { init::orthogonal_(t, 2, g); }},
      {"sparse(0.5, 0.1)",
       {6, 4},
       [](wi::Tensor& t, wi::Generator& g) { init::sparse_(t, 0.5, 0.1, g, g); }},
  };
}

}  // namespace

TEST(SpecApply, EverySchemeGivesTheBitsOfTheDirectCall) {
  for (const wi::DType dtype : {wi::DType::Float32, wi::DType::Float64}) {
    for (const wi::ArithMode mode : {wi::ArithMode::Avx2, wi::ArithMode::Default}) {
      for (const ApplyCase& c : apply_cases()) {
        SCOPED_TRACE(c.spec + " " + std::string(wi::dtype_name(dtype)) + " " +
                     std::string(wi::arith_mode_name(mode)));
        wi::Generator g1(1234, mode), g2(1234, mode);
        auto via_spec = wi::Tensor::full(c.shape, 7.0, dtype);
        auto direct = wi::Tensor::full(c.shape, 7.0, dtype);
        init::Initializer::parse(c.spec).apply(via_spec, g1, g1);
        c.direct(direct, g2);
        EXPECT_TRUE(same_bits(via_spec, direct));
        EXPECT_EQ(g1.get_state(), g2.get_state());  // the same number of draws
      }
    }
  }
}

TEST(SpecApply, KaimingNormalFromTheBrief) {
  wi::Generator g1(0), g2(0);
  auto a = wi::Tensor::empty({16, 9});
  auto b = wi::Tensor::empty({16, 9});
  init::Initializer::parse("kaiming_normal(mode=fan_out, nonlinearity=relu)").apply(a, g1);
  init::kaiming_normal_(b, 0, init::FanMode::FanOut, init::Nonlinearity::ReLU, g2);
  EXPECT_TRUE(same_bits(a, b));
}

TEST(SpecApply, SparseTakesItsPermutationFromTheDefaultGeneratorLikeTorch) {
  const auto spec = init::Initializer::parse("sparse(0.5)");
  wi::Generator g1(3), g2(3);
  auto a = wi::Tensor::empty({6, 4});
  auto b = wi::Tensor::empty({6, 4});
  wi::manual_seed(11);
  spec.apply(a, g1);
  wi::manual_seed(11);
  init::sparse_(b, 0.5, 0.01, g2);
  EXPECT_TRUE(same_bits(a, b));

  wi::Generator g3(3), p3(11), g4(3), p4(11);
  auto c = wi::Tensor::empty({6, 4});
  auto d = wi::Tensor::empty({6, 4});
  spec.apply(c, g3, p3);
  init::sparse_(d, 0.5, 0.01, g4, p4);
  EXPECT_TRUE(same_bits(c, d));
  EXPECT_TRUE(same_bits(a, c));
}

TEST(SpecApply, LibraryRulesStillApplyAtApplyTime) {
  auto t3 = wi::Tensor::empty({2, 2, 2});
  wi::Generator g(0);
  EXPECT_THROW(init::Initializer::parse("eye").apply(t3, g), wi::ShapeError);
  auto t = wi::Tensor::empty({3});
  EXPECT_THROW(init::Initializer::parse("normal(0, -1)").apply(t, g), wi::ValueError);
  auto empty = wi::Tensor::empty({0, 3});
  std::vector<std::string> warnings;
  const auto previous =
      wi::set_warning_handler([&](std::string_view m) { warnings.emplace_back(m); });
  init::Initializer::parse("normal").apply(empty, g);
  wi::set_warning_handler(previous);
  EXPECT_EQ(warnings, std::vector<std::string>{"Initializing zero-element tensors is a no-op"});
}
