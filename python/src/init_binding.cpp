// SPDX-License-Identifier: MIT
// The torch.nn.init functions over CPU arrays, filled in place. python/weightinit/nn/init.py
// gives them torch's signatures (optional generator, torch.Tensor handling, return value).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <optional>
#include <string>

#include "bindings.h"
#include "reduced_precision.h"
#include "weightinit/init/init.h"

namespace weightinit::python {

namespace {

using Release = nb::call_guard<nb::gil_scoped_release>;

/// Runs `fill` on the tensor `t` holds: directly for float32/float64, through float32 for
/// bfloat16/float16 (reduced_precision.h). `gen` is the fill's generator, nullptr for the
/// deterministic fills.
template <class Fill>
void fill_array(const CpuArray& t, const char* op, Generator* gen, Fill&& fill) {
  if (is_reduced_precision(t)) {
    fill_reduced_precision(t, op, gen, fill);
    return;
  }
  Tensor view = array_view(t, op);
  fill(view);
}

/// nb::arg("tensor").noconvert(): a converted copy would be filled and thrown away.
auto tensor_arg() { return nb::arg("tensor").noconvert(); }

void bind_random_fills(nb::module_& m) {
  m.def(
      "uniform_",
      [](const CpuArray& t, double a, double b, Generator& gen) {
        fill_array(t, "uniform_", &gen, [&](Tensor& view) { init::uniform_(view, a, b, gen); });
      },
      tensor_arg(), nb::arg("a"), nb::arg("b"), nb::arg("generator"), Release(),
      "U(a, b) in place, as torch.nn.init.uniform_.");
  m.def(
      "normal_",
      [](const CpuArray& t, double mean, double std, Generator& gen) {
        fill_array(t, "normal_", &gen, [&](Tensor& view) { init::normal_(view, mean, std, gen); });
      },
      tensor_arg(), nb::arg("mean"), nb::arg("std"), nb::arg("generator"), Release(),
      "N(mean, std^2) in place, as torch.nn.init.normal_.");
  m.def(
      "trunc_normal_",
      [](const CpuArray& t, double mean, double std, double a, double b, Generator& gen) {
        fill_array(t, "trunc_normal_", &gen,
                   [&](Tensor& view) { init::trunc_normal_(view, mean, std, a, b, gen); });
      },
      tensor_arg(), nb::arg("mean"), nb::arg("std"), nb::arg("a"), nb::arg("b"),
      nb::arg("generator"), Release(),
      "N(mean, std^2) truncated to [a, b] in place, as torch.nn.init.trunc_normal_.");
  m.def(
      "orthogonal_",
      [](const CpuArray& t, double gain, Generator& gen) {
        fill_array(t, "orthogonal_", &gen,
                   [&](Tensor& view) { init::orthogonal_(view, gain, gen); });
      },
      tensor_arg(), nb::arg("gain"), nb::arg("generator"), Release(),
      "A (semi-)orthogonal matrix in place (Saxe et al. 2013), as torch.nn.init.orthogonal_.");
  m.def(
      "sparse_",
      [](const CpuArray& t, double sparsity, double std, Generator& gen, Generator& perm_gen) {
        fill_array(t, "sparse_", &gen,
                   [&](Tensor& view) { init::sparse_(view, sparsity, std, gen, perm_gen); });
      },
      tensor_arg(), nb::arg("sparsity"), nb::arg("std"), nb::arg("generator"),
      nb::arg("perm_generator"), Release(),
      "Martens 2010's sparse init in place, as torch.nn.init.sparse_: normal_ from `generator`, "
      "the permutations from `perm_generator` (torch's default generator in torch).");
}

void bind_scaled_fills(nb::module_& m) {
  m.def(
      "xavier_uniform_",
      [](const CpuArray& t, double gain, Generator& gen) {
        fill_array(t, "xavier_uniform_", &gen,
                   [&](Tensor& view) { init::xavier_uniform_(view, gain, gen); });
      },
      tensor_arg(), nb::arg("gain"), nb::arg("generator"), Release(),
      "Glorot & Bengio 2010: U(-b, b), b = gain*sqrt(6/(fan_in+fan_out)).");
  m.def(
      "xavier_normal_",
      [](const CpuArray& t, double gain, Generator& gen) {
        fill_array(t, "xavier_normal_", &gen,
                   [&](Tensor& view) { init::xavier_normal_(view, gain, gen); });
      },
      tensor_arg(), nb::arg("gain"), nb::arg("generator"), Release(),
      "Glorot & Bengio 2010: N(0, s^2), s = gain*sqrt(2/(fan_in+fan_out)).");
  m.def(
      "kaiming_uniform_",
      [](const CpuArray& t, double a, const std::string& mode, const std::string& nonlinearity,
         Generator& gen) {
        fill_array(t, "kaiming_uniform_", &gen, [&](Tensor& view) {
          init::kaiming_uniform_(view, a, init::parse_fan_mode(mode),
                                 init::parse_nonlinearity(nonlinearity), gen);
        });
      },
      tensor_arg(), nb::arg("a"), nb::arg("mode"), nb::arg("nonlinearity"), nb::arg("generator"),
      Release(), "He et al. 2015: U(-b, b), b = gain*sqrt(3/fan_mode).");
  m.def(
      "kaiming_normal_",
      [](const CpuArray& t, double a, const std::string& mode, const std::string& nonlinearity,
         Generator& gen) {
        fill_array(t, "kaiming_normal_", &gen, [&](Tensor& view) {
          init::kaiming_normal_(view, a, init::parse_fan_mode(mode),
                                init::parse_nonlinearity(nonlinearity), gen);
        });
      },
      tensor_arg(), nb::arg("a"), nb::arg("mode"), nb::arg("nonlinearity"), nb::arg("generator"),
      Release(), "He et al. 2015: N(0, s^2), s = gain/sqrt(fan_mode).");
}

void bind_deterministic_fills(nb::module_& m) {
  m.def(
      "constant_",
      [](const CpuArray& t, double val) {
        fill_array(t, "constant_", nullptr, [&](Tensor& view) { init::constant_(view, val); });
      },
      tensor_arg(), nb::arg("val"), Release(), "Every element = val.");
  m.def(
      "eye_",
      [](const CpuArray& t) {
        fill_array(t, "eye_", nullptr, [&](Tensor& view) { init::eye_(view); });
      },
      tensor_arg(), Release(), "The identity matrix (2-D).");
  m.def(
      "dirac_",
      [](const CpuArray& t, std::int64_t groups) {
        fill_array(t, "dirac_", nullptr, [&](Tensor& view) { init::dirac_(view, groups); });
      },
      tensor_arg(), nb::arg("groups"), Release(), "The Dirac delta (3-, 4- or 5-D conv weights).");
  m.def(
      "calculate_gain",
      [](const std::string& nonlinearity, std::optional<double> param) {
        return init::calculate_gain(nonlinearity, param);
      },
      nb::arg("nonlinearity"), nb::arg("param") = nb::none(),
      "The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain.");
}

}  // namespace

void bind_init(nb::module_& m) {
  bind_random_fills(m);
  bind_scaled_fills(m);
  bind_deterministic_fills(m);
}

}  // namespace weightinit::python
