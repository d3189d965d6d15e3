// SPDX-License-Identifier: MIT
// torchsummary's table for torch models: python/weightinit/_summary.py gathers the rows with
// torch's forward hooks, and diag::Summary formats them (the same text as `weightinit summary`).
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "weightinit/diag/summary.h"

namespace weightinit::python {

namespace {

/// (layer, output shape, params, counts as trainable) per row.
using RowTuple = std::tuple<std::string, std::vector<std::int64_t>, std::int64_t, bool>;

std::string format_summary(const std::vector<RowTuple>& rows, std::int64_t total_params,
                           std::int64_t trainable_params, double input_size_mb,
                           double forward_backward_mb, double params_size_mb,
                           double total_size_mb) {
  diag::Summary s;
  for (const auto& [layer, shape, params, trainable] : rows) {
    s.rows.push_back(diag::SummaryRow{layer, Shape(shape.begin(), shape.end()), params, trainable});
  }
  s.total_params = total_params;
  s.trainable_params = trainable_params;
  s.input_size_mb = input_size_mb;
  s.forward_backward_mb = forward_backward_mb;
  s.params_size_mb = params_size_mb;
  s.total_size_mb = total_size_mb;
  return s.str();
}

}  // namespace

void bind_summary(nb::module_& m) {
  m.def("format_summary", &format_summary, nb::arg("rows"), nb::arg("total_params"),
        nb::arg("trainable_params"), nb::arg("input_size_mb"), nb::arg("forward_backward_mb"),
        nb::arg("params_size_mb"), nb::arg("total_size_mb"),
        "torchsummary's table for rows (layer, output shape, params, trainable) and totals.");
}

}  // namespace weightinit::python
