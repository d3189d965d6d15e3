// SPDX-License-Identifier: MIT
#include "weightinit/diag/report_html.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "weightinit/diag/plot.h"
#include "weightinit/diag/report_charts.h"
#include "weightinit/error.h"

namespace weightinit::diag {

namespace {

using nlohmann::json;

std::string esc(const std::string& text) { return xml_escape(text); }

/// A number as the JSON documents write it ("0.1", "256").
template <class T>
std::string str(T v) {
  return json(v).dump();
}

/// A figure for a table cell: "-" when not finite, else printf'd.
std::string num(double v, const char* fmt) {
  const double x = finite_or_nan(v);
  if (std::isnan(x)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

/// A fraction as a percentage with one decimal, "-" when not finite.
std::string percent(double fraction) { return num(100.0 * finite_or_nan(fraction), "%.1f"); }

std::string verdict_cell(const std::string& verdict) {
  return "<td class=\"verdict v-" + esc(verdict) + "\">" + esc(verdict) + "</td>";
}

std::string figure(const std::string& id, const std::string& svg, const std::string& caption) {
  return "<figure class=\"chart\" id=\"" + id + "\">\n" + svg + "<figcaption>" + esc(caption) +
         "</figcaption>\n</figure>\n";
}

/// "biases zeros" / "biases as the layers' constructors draw them" (compare's "default"): the
/// same words for the same thing in every section.
std::string biases_text(const std::string& bias) {
  return bias == "default" || bias.empty()
             ? std::string("biases as the layers' constructors draw them")
             : "biases " + esc(bias);
}

std::string probe_layers(const ProbeResult& run) {
  std::string h = "<details><summary>Per layer: " + esc(run.init) + "</summary>\n";
  h += "<table class=\"layers\">\n<thead><tr><th>layer</th><th>type</th><th>activation</th>"
       "<th>mean</th><th>std</th><th>zeros %</th><th>saturated %</th><th>grad norm</th></tr>"
       "</thead>\n<tbody>\n";
  for (const LayerProbe& l : run.layers) {
    h += "<tr><td>" + esc(l.name) + "</td><td>" + esc(l.type) + "</td><td>" + esc(l.activation) +
         "</td><td>" + num(l.act_mean, "%.4f") + "</td><td>" + num(l.act_std, "%.3e") +
         "</td><td>" + percent(l.zero_fraction) + "</td><td>" + percent(l.saturated_fraction) +
         "</td><td>" + num(l.grad_norm, "%.3e") + "</td></tr>\n";
  }
  return h + "</tbody>\n</table>\n</details>\n";
}

std::string probe_section(const ProbeReport& doc, int index) {
  const std::string id = "probe-" + std::to_string(index);
  std::string h = "<section class=\"probe\" id=\"" + id +
                  "\">\n<h2>Signal propagation at init: " + esc(doc.model) + "</h2>\n";
  h += "<p class=\"setup\">One forward and backward pass of a batch of " + str(doc.batch) +
       " samples (" + esc(doc.data) + "), seed " + str(doc.seed) + ", " +
       biases_text(doc.bias_init) + ". Each init is applied to every Linear/Conv weight.</p>\n";
  h += "<div class=\"charts\">\n";
  h += figure(id + "-act", probe_chart_svg(doc, false),
              "Standard deviation of each layer's activation (log scale). A flat line keeps the "
              "signal; a falling one vanishes, a rising one explodes.");
  h += figure(id + "-grad", probe_chart_svg(doc, true),
              "Frobenius norm of each layer's weight gradient after one backward pass (log "
              "scale).");
  const std::string stream = residual_stream_chart_svg(doc);
  if (!stream.empty()) {
    h += figure(id + "-stream", stream,
                "Standard deviation of the residual stream after each residual block (log "
                "scale): what each block returns, its input plus its branch.");
  }
  h += "</div>\n";
  h += "<table class=\"summary\">\n<thead><tr><th>init</th><th>loss</th><th>act std last/first"
       "</th><th>grad norm first/last</th><th>verdict</th></tr></thead>\n<tbody>\n";
  for (const ProbeResult& run : doc.inits) {
    h += "<tr><td class=\"init\">" + esc(run.init) + "</td><td>" + num(run.loss, "%.4f") +
         "</td><td>" + num(run.act_std_ratio, "%.3g") + "</td><td>" +
         num(run.grad_norm_ratio, "%.3g") + "</td>" + verdict_cell(run.verdict) + "</tr>\n";
  }
  h += "</tbody>\n</table>\n";
  for (const ProbeResult& run : doc.inits) h += probe_layers(run);
  return h + "</section>\n";
}

std::string compare_table(const CompareReport& doc) {
  std::size_t epochs = 0;
  for (const CompareRun& run : doc.runs) epochs = std::max(epochs, run.history.epochs.size());
  std::string h =
      "<table class=\"summary\">\n<thead><tr><th>init</th><th>train loss</th>"
      "<th>acc at init</th>";
  for (std::size_t e = 1; e <= epochs; ++e) {
    h += "<th>acc after epoch " + std::to_string(e) + "</th>";
  }
  h += "<th>verdict</th></tr></thead>\n<tbody>\n";
  for (const CompareRun& run : doc.runs) {
    const auto& ep = run.history.epochs;
    h += "<tr><td class=\"init\">" + esc(run.text) + "</td><td>" +
         (ep.empty() ? std::string("-") : num(ep.back().train_loss, "%.4f")) + "</td><td>" +
         (run.initial_evaluated ? num(run.initial.accuracy, "%.4f") : "-") + "</td>";
    for (std::size_t e = 0; e < epochs; ++e) {
      const bool have = e < ep.size() && ep[e].evaluated;
      h += "<td>" + (have ? num(ep[e].test_accuracy, "%.4f") : std::string("-")) + "</td>";
    }
    h += verdict_cell(run.verdict);
    h += "</tr>\n";
  }
  return h + "</tbody>\n</table>\n";
}

std::string compare_section(const CompareReport& doc, int index) {
  const std::string id = "compare-" + std::to_string(index);
  const train::TrainConfig& config = doc.config;
  std::string h = "<section class=\"compare\" id=\"" + id +
                  "\">\n<h2>Training side by side: " + esc(doc.model) + "</h2>\n";
  h += "<p class=\"setup\">" + esc(config.optimizer) + " lr " + str(config.lr) + ", batch " +
       str(config.batch_size) + ", " + str(config.epochs) + " epoch(s) on " +
       str(doc.train_samples) + " " + esc(doc.data) + " training samples, tested on " +
       str(doc.test_samples) + "; seed " + str(doc.seed) + ", " + biases_text(doc.bias_init) +
       ". Every init trains on the same batches in the same order.</p>\n";
  h += figure(id + "-curves", compare_chart_svg(doc),
              "Left: training loss (mean over windows of steps). Right: test accuracy at init "
              "(epoch 0) and after each epoch.");
  h += compare_table(doc);
  if (doc.interrupted) {
    h += "<p class=\"note\">Interrupted: only the runs above were trained.</p>\n";
  }
  return h + "</section>\n";
}

constexpr const char* kStyle =
    R"(body{font-family:sans-serif;max-width:1320px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
p.meta{color:#555;font-size:.9em}code{background:#f3f3f3;padding:0 .2em}
div.charts{display:flex;flex-wrap:wrap;gap:1em}div.charts figure.chart{flex:1 1 560px;margin:0}
figure.chart{margin:1em 0}figure.chart svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}
td.init,th:first-child{text-align:left;font-family:monospace}
td.verdict{text-align:left;font-weight:bold}
.v-ok{color:#006d2c}.v-vanishing,.v-stalled{color:#b35806}.v-exploding,.v-diverged,.v-saturated{color:#b2182b}
details{margin:.3em 0}summary{cursor:pointer}
)";

constexpr const char* kRules = R"(<section id="rules">
<h2>How the verdicts are decided</h2>
<p><b>Probe</b> (one batch at init; "hidden" layers are all Linear/Conv layers but the last):
the first rule that holds wins.</p>
<ol>
<li><b>exploding</b>: some figure is not finite (NaN or infinite);</li>
<li><b>saturated</b>: tanh/sigmoid layers are on average more than half saturated (tanh |y| &gt; 0.99;
sigmoid y &lt; 0.01 or &gt; 0.99);</li>
<li><b>exploding</b>: the last hidden activation std is more than 100&#215; the first's, or the first
layer's gradient norm is more than 100&#215; the last's;</li>
<li><b>vanishing</b>: the activation std ratio is below 1/100, the last hidden std is below 1e-6, or
the first layer's gradient norm is below 1/100 of the last's;</li>
<li><b>ok</b> otherwise.</li>
</ol>
<p><b>Compare</b> (training): <b>diverged</b> when a step's loss is not finite; <b>stalled</b> when the
mean loss of the last 10% of the first epoch's steps is above 0.95&#183;ln(classes), the loss of a
uniform guess (He et al. 2015, Fig. 3: "does not converge"); else <b>ok</b>.</p>
<p>Background: Glorot &amp; Bengio, <i>Understanding the difficulty of training deep feedforward
neural networks</i>, AISTATS 2010; He et al., <i>Delving Deep into Rectifiers</i>, ICCV 2015.</p>
</section>
)";

}  // namespace

std::string report_html(const std::vector<ReportDocument>& documents, const ReportHeader& header) {
  std::string body;
  std::string contents = "<nav>\n<ol>\n";
  int probes = 0, compares = 0;
  for (const ReportDocument& doc : documents) {
    if (const auto* probe = std::get_if<ProbeReport>(&doc)) {
      ++probes;
      body += probe_section(*probe, probes);
      contents += "<li><a href=\"#probe-" + std::to_string(probes) +
                  "\">Signal propagation: " + esc(probe->model) + "</a></li>\n";
    } else {
      const auto& compare = std::get<CompareReport>(doc);
      ++compares;
      body += compare_section(compare, compares);
      contents += "<li><a href=\"#compare-" + std::to_string(compares) +
                  "\">Training: " + esc(compare.model) + "</a></li>\n";
    }
  }
  contents += "<li><a href=\"#rules\">How the verdicts are decided</a></li>\n</ol>\n</nav>\n";
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>" + esc(header.title) + " - weightinit</title>\n<style>\n" + kStyle +
          "</style>\n</head>\n<body>\n";
  page += "<h1>" + esc(header.title) + "</h1>\n";
  page += "<p class=\"meta\">weightinit " + esc(header.version) + ": " + std::to_string(probes) +
          " probe(s), " + std::to_string(compares) + " training comparison(s)";
  if (!header.command.empty()) page += ". Made with <code>" + esc(header.command) + "</code>";
  page += ".</p>\n";
  return page + contents + body + kRules + "</body>\n</html>\n";
}

}  // namespace weightinit::diag
