// SPDX-License-Identifier: MIT
// Init policies over torch models: python/weightinit/torch.py lists a model's modules and
// parameters, and apply_policy draws the policy's inits straight into the torch tensors.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "foreign_module.h"
#include "weightinit/recipes/policy.h"

namespace weightinit::python {

namespace {

/// A module as Python passes it: (name, type, padding_idx, [(parameter name, tensor)]).
using ModuleTuple = std::tuple<std::string, std::string, std::optional<std::int64_t>,
                               std::vector<std::pair<std::string, CpuArray>>>;
/// A module by shapes only: (name, type, padding_idx, [(parameter name, shape)]).
using ShapeTuple = std::tuple<std::string, std::string, std::optional<std::int64_t>,
                              std::vector<std::pair<std::string, std::vector<std::int64_t>>>>;
/// (name, owning module's type, what was drawn: a canonical spec, "default" or "").
using AppliedTuple = std::tuple<std::string, std::string, std::string>;

/// The policy named `policy` (a built-in name with options, or a file), or policy text when it
/// holds a rule (a line with ": ").
recipes::Policy policy_from(const std::string& policy, nn::Module& model) {
  if (policy.find(": ") != std::string::npos || policy.find('\n') != std::string::npos) {
    return recipes::Policy::parse(policy, "<policy text>");
  }
  return recipes::Policy::resolve(policy, model);
}

/// Draws what `plan` resolved for each parameter (defaults included) from `gen`; returns the
/// plan's report, each drawn parameter with its canonical spec.
recipes::PolicyReport draw_plan(const recipes::Policy& policy, const recipes::PolicyPlan& plan,
                                Generator& gen) {
  recipes::PolicyReport report = plan.report;
  for (std::size_t i = 0; i < plan.parameters.size(); ++i) {
    const recipes::PlannedParameter& p = plan.parameters[i];
    if (!p.init) continue;
    policy.draw(plan, i, p.parameter->data, gen);
    report.parameters[i].init = p.init->canonical();
  }
  return report;
}

/// Applies `policy` to the model of `modules`, drawing from `gen`; returns what each parameter
/// got, in named_parameters() order, and the policy's warnings (errors when `strict`). With
/// `redraw_defaults` a "default" rule (or none) draws the owner's constructor init, as the
/// Philox family always does, from `gen` of either family: the meta-device flow, where no
/// constructor ever ran.
std::pair<std::vector<AppliedTuple>, std::vector<std::string>> apply_policy(
    const std::vector<ModuleTuple>& modules, const std::string& policy, Generator& gen, bool strict,
    bool redraw_defaults) {
  std::vector<ForeignModuleRecord> records;
  records.reserve(modules.size());
  for (const auto& [name, type, padding_idx, parameters] : modules) {
    ForeignModuleRecord record{name, type, padding_idx, {}};
    for (const auto& [local, array] : parameters) {
      record.parameters.emplace_back(local, array_view(array, "init_module_"));
    }
    records.push_back(std::move(record));
  }
  const std::shared_ptr<ForeignModule> model = build_foreign_tree(std::move(records));
  const recipes::Policy resolved = policy_from(policy, *model);
  recipes::PolicyApplyOptions options;
  options.strict = strict;
  const recipes::PolicyReport report =
      redraw_defaults ? draw_plan(resolved, resolved.plan(*model, RngFamily::Philox, options), gen)
                      : resolved.apply(*model, gen, options);
  std::vector<AppliedTuple> applied;
  applied.reserve(report.parameters.size());
  for (const auto& p : report.parameters) applied.emplace_back(p.name, p.type, p.init);
  return {applied, report.warnings};
}

/// Resolves `policy` for the model of `modules` (shapes only: nothing is allocated or drawn)
/// and checks every rule as apply_policy would; returns the warnings (errors when `strict`).
std::vector<std::string> check_policy(const std::vector<ShapeTuple>& modules,
                                      const std::string& policy, const std::string& family,
                                      bool strict) {
  std::vector<ForeignModuleRecord> records;
  records.reserve(modules.size());
  for (const auto& [name, type, padding_idx, parameters] : modules) {
    ForeignModuleRecord record{name, type, padding_idx, {}};
    for (const auto& [local, shape] : parameters) {
      record.parameters.emplace_back(local, Tensor::deferred(Shape(shape.begin(), shape.end())));
    }
    records.push_back(std::move(record));
  }
  const std::shared_ptr<ForeignModule> model = build_foreign_tree(std::move(records));
  const recipes::Policy resolved = policy_from(policy, *model);
  recipes::PolicyApplyOptions options;
  options.strict = strict;
  return resolved.plan(*model, parse_rng_family(family), options).report.warnings;
}

}  // namespace

void bind_policy(nb::module_& m) {
  m.def("check_policy", &check_policy, nb::arg("modules"), nb::arg("policy"), nb::arg("family"),
        nb::arg("strict"),
        "Checks an init policy against a model given by shapes, as apply_policy would apply it "
        "for the generator family; returns the warnings.");
  m.def("apply_policy", &apply_policy, nb::arg("modules"), nb::arg("policy"), nb::arg("generator"),
        nb::arg("strict"), nb::arg("redraw_defaults"), nb::call_guard<nb::gil_scoped_release>(),
        "Applies an init policy to a torch model given as (name, type, padding_idx, "
        "[(parameter, tensor)]) per module in named_modules() order; returns ([(name, type, "
        "init)], warnings).");
}

}  // namespace weightinit::python
