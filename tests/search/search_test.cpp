// SPDX-License-Identifier: MIT
// Search spaces (parsing, line:column errors, draws, grids) and the search strategies (budgets,
// determinism across jobs, resuming from the log, cross-validation, bad options).
#include "weightinit/search/search.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "weightinit/data/dataset.h"
#include "weightinit/models/mlp.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;
namespace search = weightinit::search;

namespace {

std::string error_of(const std::string& text) {
  try {
    (void)search::SearchSpace::parse(text, "s.txt");
  } catch (const wi::recipes::PolicyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no PolicyError for " << text;
  return "";
}

const char* kSpace =
    "# two groups\n"
    "Linear.weight: xavier_uniform | orthogonal(gain=U(0.5, 2)) | normal(std=logU(0.001, 0.1))\n"
    "bias: zeros | constant(val=0.01)\n"
    "@lr: logU(0.01, 0.3)\n"
    "@epochs: 2\n"
    "@optimizer: sgd | adam\n";

/// A small synthetic problem the searches run on in well under a second.
struct Problem {
  wi::data::Dataset train;
  wi::Shape input{16};
  search::ModelFactory factory = [](wi::Generator& gen) {
    return std::shared_ptr<wi::nn::Module>(wi::models::make_mlp({16, 32, 4}, "relu", gen));
  };
  Problem() {
    wi::Generator gen(3);
    train = wi::data::synthetic_gaussian(600, {16}, 4, gen);
  }
};

}  // namespace

TEST(SearchSpace, ParsesRulesAlternativesRangesAndSettings) {
  const auto space = search::SearchSpace::parse(kSpace, "s.txt");
  ASSERT_EQ(space.rules.size(), 2u);
  EXPECT_EQ(space.rules[0].selector, "Linear.weight");
  EXPECT_EQ(space.rules[0].alternatives,
            (std::vector<std::string>{"xavier_uniform", "orthogonal(gain=U(0.5, 2))",
                                      "normal(std=logU(0.001, 0.1))"}));
  EXPECT_EQ(space.rules[1].line, 3);
  ASSERT_EQ(space.settings.size(), 3u);
  EXPECT_EQ(space.settings.at("lr").kind, search::Domain::Kind::LogUniform);
  EXPECT_EQ(space.settings.at("optimizer").options, (std::vector<std::string>{"sgd", "adam"}));
}

TEST(SearchSpace, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of("Linear.weight xavier_uniform"),
            "s.txt:1:1: expected 'selector: spec | spec | ...' or '@setting: value', but the line "
            "has no ':'");
  EXPECT_EQ(error_of("# c\nLinear.weight: xavier_uniform || zeros"),
            "s.txt:2:32: empty alternative in 'xavier_uniform || zeros': expected specs separated "
            "by '|'");
  EXPECT_EQ(error_of("Linear.weight: zeros | kaiming_norml"),
            "s.txt:1:24: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  EXPECT_EQ(error_of("Linear.weight: orthogonal(gain=U(2, 1))"),
            "s.txt:1:32: range expects lo < hi, but got lo=2, hi=1");
  EXPECT_EQ(error_of("Linear.weight: normal(std=logU(0, 1))"),
            "s.txt:1:27: logU expects lo > 0, but got lo=0");
  EXPECT_EQ(error_of("Linear.weight: normal(sdt=U(0.1, 1))"),
            "s.txt:1:23: unknown argument 'sdt' for normal (did you mean 'std'?)");
  EXPECT_EQ(error_of("bias: zeros\n@lrr: 0.1"),
            "s.txt:2:1: unknown setting '@lrr' (did you mean '@lr'?)");
  EXPECT_EQ(error_of("bias: zeros\n@epochs: 1.5"),
            "s.txt:2:10: @epochs expects a positive integer up to 1000000000, but got '1.5'");
  // Found by fuzz_search_space: a batch beyond int64 made std::stoll throw out_of_range.
  EXPECT_EQ(error_of("bias: zeros\n@batch: 99999999999999999999999"),
            "s.txt:2:9: @batch expects a positive integer up to 1000000000, but got "
            "'99999999999999999999999'");
  EXPECT_EQ(error_of("bias: zeros\n@optimizer: sgd | lion"),
            "s.txt:2:13: unknown optimizer 'lion': expected sgd, adam or adamw");
  EXPECT_EQ(error_of("# nothing\n@lr: 0.1\n"),
            "s.txt: the space has no rules: expected lines like 'Linear.weight: xavier_uniform | "
            "kaiming_normal'");
}

TEST(SearchSpace, TrialsAreDeterministicInRangeAndExactInTheirPolicies) {
  const auto space = search::SearchSpace::parse(kSpace, "s.txt");
  std::set<std::string> distinct;
  for (std::int64_t i = 0; i < 200; ++i) {
    const auto a = search::sample_trial(space, 7, i), b = search::sample_trial(space, 7, i);
    EXPECT_EQ(a.policy_text, b.policy_text);
    EXPECT_EQ(a.config.lr, b.config.lr);
    EXPECT_GE(a.config.lr, 0.01);
    EXPECT_LE(a.config.lr, 0.3);
    EXPECT_EQ(a.config.epochs, 2);
    distinct.insert(a.policy_text);
    // The policy parses and its numbers are the drawn ones (17 digits round-trip).
    EXPECT_NO_THROW((void)wi::recipes::Policy::parse(a.policy_text, "trial")) << a.policy_text;
  }
  // xavier_uniform (a third of the draws) has 2 policies, one per bias; the ranges make the
  // other draws distinct: about 2/3 · 200 + 2.
  EXPECT_GT(distinct.size(), 120u);
  EXPECT_NE(search::sample_trial(space, 7, 0).policy_text,
            search::sample_trial(space, 8, 0).policy_text);
}

TEST(SearchSpace, GridsEnumerateEveryCombination) {
  const auto space = search::SearchSpace::parse(
      "Linear.weight: xavier_uniform | orthogonal(gain=U(0.5, 2))\nbias: zeros | "
      "constant(val=0.01)\n@optimizer: sgd | adam\n",
      "g");
  // (1 + 3 gains) · 2 biases · 2 optimizers.
  const auto grid = search::grid_trials(space, 3);
  EXPECT_EQ(grid.size(), 16u);
  std::set<std::string> seen;
  for (const auto& t : grid) seen.insert(t.policy_text + t.config.optimizer);
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_NE(grid[1].policy_text.find("orthogonal(gain=0.5)"), std::string::npos)
      << grid[1].policy_text;
  EXPECT_THROW(search::grid_trials(space, 3, 10), wi::ValueError);
}

TEST(Search, HalvingSpendsLessThanRandomAndFollowsItsRungs) {
  Problem p;
  const auto space = search::SearchSpace::parse(
      // Ranges only: no two draws are the same configuration, so none is reused.
      "Linear.weight: orthogonal(gain=U(0.5, 2)) | normal(std=logU(0.001, 1))\n@epochs: "
      "9\n@batch: 32\n",
      "s");
  search::SearchOptions o;
  o.trials = 9;
  o.eta = 3;
  o.min_epochs = 1;
  o.strategy = "halving";
  const auto halving = search::run_search(p.factory, p.input, space, o, p.train);
  o.strategy = "random";
  const auto random = search::run_search(p.factory, p.input, space, o, p.train);
  // Halving: 9 @ 1, 3 @ 3, 1 @ 9 epochs = 27 epochs of compute; random: 9 @ 9 = 81.
  std::map<double, int> rungs;
  for (const auto& t : halving.ranked) {
    for (const auto& pt : t.curve) ++rungs[pt.epochs];
  }
  EXPECT_EQ(rungs, (std::map<double, int>{{1.0, 9}, {3.0, 3}, {9.0, 1}}));
  EXPECT_EQ(halving.ranked.front().final().epochs, 9.0);
  EXPECT_EQ(halving.total_epochs, 9 * 1 + 3 * 3 + 9);
  EXPECT_EQ(random.total_epochs, 81.0);

  for (const auto& t : random.ranked) EXPECT_EQ(t.final().epochs, 9.0);
  // Ranked by the deepest budget, then accuracy.
  for (std::size_t i = 1; i < random.ranked.size(); ++i) {
    EXPECT_GE(random.ranked[i - 1].final().accuracy, random.ranked[i].final().accuracy);
  }
}

TEST(Search, IsTheSameForAnyNumberOfJobs) {
  Problem p;
  const auto space = search::SearchSpace::parse(kSpace, "s");
  search::SearchOptions o;
  o.trials = 6;
  o.min_epochs = 0.5;
  o.jobs = 1;
  const auto one = search::run_search(p.factory, p.input, space, o, p.train);
  o.jobs = 3;
  const auto three = search::run_search(p.factory, p.input, space, o, p.train);
  ASSERT_EQ(one.ranked.size(), three.ranked.size());
  for (std::size_t i = 0; i < one.ranked.size(); ++i) {
    EXPECT_EQ(one.ranked[i].index, three.ranked[i].index);
    EXPECT_EQ(one.ranked[i].final().accuracy, three.ranked[i].final().accuracy);
  }
  EXPECT_EQ(one.total_epochs, three.total_epochs);
}

TEST(Search, ResumesFromItsLogWithoutTraining) {
  Problem p;
  const auto space = search::SearchSpace::parse(kSpace, "s");
  const std::string log =
      (std::filesystem::temp_directory_path() / "weightinit_search_test.jsonl").string();
  std::filesystem::remove(log);
  search::SearchOptions o;
  o.trials = 5;
  o.min_epochs = 0.5;
  o.log_path = log;
  const auto first = search::run_search(p.factory, p.input, space, o, p.train);
  EXPECT_GT(first.total_epochs, 0.0);
  // A torn last line (a crash mid-write) is ignored.
  std::ofstream(log, std::ios::app) << "{\"key\": \"abc";
  const auto again = search::run_search(p.factory, p.input, space, o, p.train);
  EXPECT_EQ(again.total_epochs, 0.0);
  EXPECT_EQ(again.reused_from_log, again.evaluations);
  ASSERT_EQ(again.ranked.size(), first.ranked.size());
  for (std::size_t i = 0; i < first.ranked.size(); ++i) {
    EXPECT_EQ(again.ranked[i].final().accuracy, first.ranked[i].final().accuracy);
  }
  // Another seed is another search: nothing reused.
  o.seed = 1;
  const auto other = search::run_search(p.factory, p.input, space, o, p.train);
  EXPECT_GT(other.total_epochs, 0.0);
  std::filesystem::remove(log);
}

TEST(Search, CrossValidationReportsMeanAndStdOverFolds) {
  Problem p;
  const auto space = search::SearchSpace::parse(
      "Linear.weight: xavier_uniform | kaiming_normal\n@epochs: 1\n", "s");
  search::SearchOptions o;
  o.strategy = "grid";
  o.cv_folds = 3;
  const auto r = search::run_search(p.factory, p.input, space, o, p.train);
  ASSERT_EQ(r.ranked.size(), 2u);
  for (const auto& t : r.ranked) {
    EXPECT_GT(t.final().accuracy_std, 0.0);
    EXPECT_EQ(t.epochs_used, 3.0);  // one epoch on each of 3 folds
  }
  const std::string best = search::best_policy_text(r, "mlp");
  EXPECT_NE(best.find("+-"), std::string::npos);
  EXPECT_NO_THROW((void)wi::recipes::Policy::parse(best, "best"));
}

TEST(Search, RejectsBadOptionsBeforeTraining) {
  Problem p;
  const auto space = search::SearchSpace::parse(kSpace, "s");
  auto fails = [&](auto change, const std::string& message) {
    search::SearchOptions o;
    change(o);
    try {
      (void)search::run_search(p.factory, p.input, space, o, p.train);
      ADD_FAILURE() << "no ValueError: " << message;
    } catch (const wi::ValueError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  };
  fails([](auto& o) { o.strategy = "bayes"; },
        "unknown strategy 'bayes': expected grid, random, halving or hyperband");
  fails([](auto& o) { o.eta = 1; }, "eta must be at least 2, but got 1");
  fails([](auto& o) { o.trials = 0; },
        "trials must be between 1 and 10000 (the grid's limit too), but got 0");
  fails([](auto& o) { o.trials = 10001; },
        "trials must be between 1 and 10000 (the grid's limit too), but got 10001");
  fails([](auto& o) { o.min_epochs = 0; }, "min_epochs must be > 0, but got 0");
  fails([](auto& o) { o.cv_folds = 1; },
        "cv folds must be 0 (holdout) or between 2 and the 600 samples, but got 1");
  fails([](auto& o) { o.holdout = 1.5; }, "holdout must be in (0, 1), but got 1.5");
}
