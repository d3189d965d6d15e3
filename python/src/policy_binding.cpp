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

/// Applies `policy` to the model of `modules`, drawing from `gen`; returns what each parameter
/// got, in named_parameters() order, and the policy's warnings (errors when `strict`).
std::pair<std::vector<AppliedTuple>, std::vector<std::string>> apply_policy(
    const std::vector<ModuleTuple>& modules, const std::string& policy, Generator& gen,
    bool strict) {
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
  const recipes::PolicyReport report = resolved.apply(*model, gen, options);
  std::vector<AppliedTuple> applied;
  applied.reserve(report.parameters.size());
  for (const auto& p : report.parameters) applied.emplace_back(p.name, p.type, p.init);
  return {applied, report.warnings};
}

}  // namespace

void bind_policy(nb::module_& m) {
  m.def("apply_policy", &apply_policy, nb::arg("modules"), nb::arg("policy"), nb::arg("generator"),
        nb::arg("strict"), nb::call_guard<nb::gil_scoped_release>(),
        "Applies an init policy to a torch model given as (name, type, padding_idx, "
        "[(parameter, tensor)]) per module in named_modules() order; returns ([(name, type, "
        "init)], warnings).");
}

}  // namespace weightinit::python
