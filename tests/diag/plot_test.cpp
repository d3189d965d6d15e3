// SPDX-License-Identifier: MIT
// line_chart_svg: structure, escaping, log axes, gaps, errors, determinism.
#include "weightinit/diag/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support/error_of.h"

namespace wd = weightinit::diag;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST(Plot, OnePolylinePerSeriesWithLegendAndLabels) {
  const std::string svg = wd::line_chart_svg(
      {{"xavier", {1, 2, 3}, {1.0, 0.5, 0.25}}, {"kaiming", {1, 2, 3}, {1.0, 1.1, 0.9}}},
      {"act std per layer", "layer", "std", false, 640, 400});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_EQ(count(svg, "<circle"), 0u);  // no isolated points
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  for (const char* t : {">xavier<", ">kaiming<", ">act std per layer<", ">layer<", ">std<"}) {
    EXPECT_NE(svg.find(t), std::string::npos) << t;
  }
}

TEST(Plot, LogAxisHasDecadeTicksAndDropsNonPositivePoints) {
  const std::string svg = wd::line_chart_svg({{"s", {0, 1, 2, 3}, {1e-3, 0.0, 1e-1, 10.0}}},
                                             {"t", "x", "y", true, 640, 400});
  for (const char* t : {">1e-3<", ">1e-2<", ">1e-1<", ">1e0<", ">1e1<"}) {
    EXPECT_NE(svg.find(t), std::string::npos) << t;
  }
  EXPECT_EQ(count(svg, "<polyline"), 2u);  // the 0 breaks the line in two
  EXPECT_EQ(count(svg, "<circle"), 1u);    // 1e-3 alone between the start and the gap: a dot
  EXPECT_NE(svg.find("s (1 points not shown)"), std::string::npos);
  EXPECT_NE(svg.find("y (log scale)"), std::string::npos);
}

TEST(Plot, NanBreaksTheLineAndEscapesText) {
  const std::string svg = wd::line_chart_svg({{"a<b & \"c\"", {0, 1, 2, 3, 4}, {1, 2, NAN, 3, 4}}},
                                             {"<title>", "x", "y", false, 640, 400});
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;title&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<title>"), std::string::npos);
}

TEST(Plot, EmptyChartSaysNoDataAndBadInputIsAnError) {
  const std::string svg = wd::line_chart_svg({{"s", {1}, {NAN}}}, {"t", "x", "y", false, 640, 400});
  EXPECT_NE(svg.find(">no data<"), std::string::npos);
  EXPECT_EQ(weightinit::testing::error_of([] {
              wd::line_chart_svg({{"s", {1, 2}, {1}}}, {"t", "x", "y", false, 640, 400});
            }),
            "series 's' has 2 x values but 1 y values");
  EXPECT_EQ(weightinit::testing::error_of([] {
              wd::line_chart_svg({}, {"t", "x", "y", false, 10, 10});
            }),
            "a chart needs at least 200x150 pixels, but got 10x10");
}

TEST(Plot, SameInputSameBytes) {
  const std::vector<wd::Series> s{{"a", {1, 2, 3}, {3, 1, 2}}};
  const wd::PlotOptions o{"t", "x", "y", false, 500, 300};
  EXPECT_EQ(wd::line_chart_svg(s, o), wd::line_chart_svg(s, o));
}

// The legend widens for long init names (up to 45% of the chart) so they are not cut off the
// SVG; a label longer than even that ends in "…" and keeps its whole text as a tooltip.
TEST(Plot, LongLegendLabelsWidenTheLegendOrAreCutWithATooltip) {
  const std::string name = "policy:cifar-resnet(zero_init_residual=true)";  // 44 characters
  const std::string fits =
      wd::line_chart_svg({{name, {1, 2}, {1.0, 2.0}}}, {"t", "x", "y", false, 760, 440});
  EXPECT_NE(fits.find(">" + name + "</text>"), std::string::npos) << fits;
  EXPECT_EQ(fits.find("<title>"), std::string::npos);
  const std::string longer = name + " with a very long suffix that cannot fit ✓";
  const std::string cut =
      wd::line_chart_svg({{longer, {1, 2}, {1.0, 2.0}}}, {"t", "x", "y", false, 400, 300});
  EXPECT_NE(cut.find("<title>" + longer + "</title>"), std::string::npos) << cut;
  EXPECT_NE(cut.find("…</text>"), std::string::npos) << cut;
  EXPECT_EQ(cut.find(">" + longer + "</text>"), std::string::npos);
}
