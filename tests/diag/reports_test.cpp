// SPDX-License-Identifier: MIT
// Typed reports: the JSON round trip (figures that are not finite become null and read back as
// NaN), the page and charts drawn the same from a report and from its document, and every
// malformed document refused with its reason.
#include "weightinit/diag/reports.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "weightinit/diag/report_charts.h"
#include "weightinit/diag/report_html.h"
#include "weightinit/error.h"

namespace wi = weightinit;
namespace diag = weightinit::diag;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

diag::ProbeReport sample_probe() {
  diag::ProbeReport r{"mlp:4-3-2:relu", "synthetic", 8, 3, "zeros", {}};
  diag::ProbeResult p;
  p.init = "kaiming_normal";
  p.loss = 0.6931;
  p.act_std_ratio = 0.25;
  p.grad_norm_ratio = kInf;  // written as null
  p.verdict = "exploding";
  p.layers.push_back({"0", "Linear", "ReLU", 0.1, 0.9, 0.5, std::nan(""), 1e-3});
  p.layers.push_back({"2", "Linear", "-", -0.2, 1.1, 0.0, std::nan(""), 2e-3});
  r.inits.push_back(p);
  p.init = "policy:gpt2";  // a second init with residual-stream rows
  p.stream_input_std = 0.028;
  p.blocks = {{"transformer.h.0", "Block", -0.001, 0.036}, {"transformer.h.1", "Block", 0.0, kInf}};
  r.inits.push_back(p);
  return r;
}

diag::CompareReport sample_compare() {
  diag::CompareReport r;
  r.model = "mlp:4-3-2:relu";
  r.inits = {"zeros", "kaiming_normal"};
  r.bias_init = "default";
  r.seed = 5;
  r.threads = 2;
  r.data = "synthetic";
  r.train_samples = 64;
  r.test_samples = 32;
  r.config.lr = 0.05;
  diag::CompareRun run;
  run.init = "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)";
  run.text = "kaiming_normal";
  run.layers = 2;
  run.initial = {2.3, 0.125, 32};
  run.initial_evaluated = true;
  run.history.step_losses = {2.3, std::nan(""), 1.9};
  wi::train::EpochInfo epoch;
  epoch.epoch = 1;
  epoch.steps = 3;
  epoch.train_loss = 2.0;
  epoch.train_accuracy = 0.25;
  epoch.evaluated = true;
  epoch.test_loss = kInf;
  epoch.test_accuracy = 0.5;
  epoch.seconds = 0.5;
  run.history.epochs = {epoch};
  run.history.steps = 3;
  run.history.train_seconds = 0.5;
  run.steps_per_epoch = 3;
  run.smoothed = {1, {1, 2, 3}, {2.3, std::nan(""), 1.9}};
  run.chance_loss = std::log(2.0);
  run.early_loss = 1.9;
  run.diverged = true;
  run.diverged_step = 2;
  run.verdict = "diverged";
  r.runs = {run};
  return r;
}

std::string reason_of(const std::string& text) {
  try {
    (void)diag::report_from_json(text);
  } catch (const wi::ValueError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Reports, ProbeRoundTripsThroughJson) {
  const diag::ProbeReport original = sample_probe();
  const std::string text = diag::to_json(original);
  EXPECT_NE(text.find("\"grad_norm_ratio\": null"), std::string::npos) << text;
  const auto document = diag::report_from_json(text);
  ASSERT_TRUE(std::holds_alternative<diag::ProbeReport>(document));
  const auto& back = std::get<diag::ProbeReport>(document);
  EXPECT_TRUE(std::isnan(back.inits[0].grad_norm_ratio));
  EXPECT_EQ(back.inits[0].layers[1].act_mean, -0.2);
  EXPECT_TRUE(back.inits[0].blocks.empty());
  ASSERT_EQ(back.inits[1].blocks.size(), 2u);
  EXPECT_EQ(back.inits[1].blocks[0].name, "transformer.h.0");
  EXPECT_EQ(back.inits[1].blocks[0].std, 0.036);
  EXPECT_TRUE(std::isnan(back.inits[1].blocks[1].std));  // written as null
  EXPECT_EQ(back.inits[1].stream_input_std, 0.028);
  EXPECT_EQ(diag::to_json(back), text);
  EXPECT_EQ(diag::report_command(document), "probe");
  EXPECT_EQ(diag::report_model(document), "mlp:4-3-2:relu");
}

TEST(Reports, CompareRoundTripsThroughJson) {
  const std::string text = diag::to_json(sample_compare());
  const auto document = diag::report_from_json(text);
  ASSERT_TRUE(std::holds_alternative<diag::CompareReport>(document));
  const auto& back = std::get<diag::CompareReport>(document);
  EXPECT_EQ(back.runs[0].diverged_step, 2);
  EXPECT_TRUE(back.runs[0].history.epochs[0].evaluated);
  EXPECT_TRUE(std::isnan(back.runs[0].history.epochs[0].test_loss));
  EXPECT_EQ(back.config.lr, 0.05);
  EXPECT_EQ(diag::to_json(back), text);
}

TEST(Reports, PageAndChartsAreTheSameFromAReportAndFromItsDocument) {
  const diag::ProbeReport probe = sample_probe();
  const diag::CompareReport compare = sample_compare();
  const std::vector<diag::ReportDocument> direct = {probe, compare};
  const std::vector<diag::ReportDocument> read = {diag::report_from_json(diag::to_json(probe)),
                                                  diag::report_from_json(diag::to_json(compare))};
  const std::string page = diag::report_html(direct, {});
  EXPECT_EQ(page, diag::report_html(read, {}));
  EXPECT_NE(page.find("lr 0.05, batch 128"), std::string::npos);
  EXPECT_NE(page.find("<td>-</td>"), std::string::npos);  // the infinite ratio shows as "-"
  EXPECT_EQ(diag::compare_chart_svg(compare),
            diag::compare_chart_svg(std::get<diag::CompareReport>(read[1])));
}

TEST(Reports, MalformedDocumentsAreRefusedWithTheirReason) {
  EXPECT_EQ(reason_of("{"), "not valid JSON");
  EXPECT_EQ(reason_of(R"({"command": "train"})"), "its \"command\" is 'train'");
  EXPECT_EQ(reason_of(R"([1, 2])"), "its \"command\" is ''");
  EXPECT_EQ(reason_of(R"({"command": "probe", "model": "m", "data": "d", "batch": 1, "seed": 0,
                          "bias_init": "zeros", "inits": [{"init": "zeros"}]})"),
            "key 'loss' not found");
  EXPECT_EQ(reason_of(R"({"command": "probe", "model": 3})"), "type must be string, but is number");
}
