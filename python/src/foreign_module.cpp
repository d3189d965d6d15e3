// SPDX-License-Identifier: MIT
// torch modules as weightinit modules, for policies (see foreign_module.h).
#include "foreign_module.h"

#include <map>

#include "nn/default_init.h"
#include "weightinit/error.h"

namespace weightinit::python {

namespace {

bool is_one_of(const std::string& type, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (type == name) return true;
  }
  return false;
}

}  // namespace

std::optional<nn::DefaultInit> ForeignModule::default_init(const std::string& name) const {
  // torch/nn/modules/{linear,conv}.py: kaiming_uniform_(a=√5), bias U(±1/√fan_in); Linear
  // draws the bias at fan_in 0, the convolutions do not.
  if (is_one_of(type_, {"Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
                        "ConvTranspose2d", "ConvTranspose3d"})) {
    return nn::detail::affine_default_init(*this, name, type_ == "Linear");
  }
  // _NormBase, LayerNorm, GroupNorm, RMSNorm: weight 1, bias 0.
  if (is_one_of(type_,
                {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d",
                 "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm"})) {
    return nn::detail::norm_default_init(name);
  }
  if (type_ == "Embedding") return nn::detail::embedding_default_init(name, padding_idx_);
  if (type_ == "Conv1D") return nn::detail::transformers_conv1d_default_init(name);
  return std::nullopt;
}

std::shared_ptr<ForeignModule> build_foreign_tree(std::vector<ForeignModuleRecord> records) {
  WEIGHTINIT_CHECK(!records.empty() && records.front().name.empty(), ValueError,
                   "a module tree starts with its root (the name \"\")");
  std::map<std::string, ForeignModule*> by_name;
  std::shared_ptr<ForeignModule> root;
  for (auto& record : records) {
    auto module = std::make_shared<ForeignModule>(record.type, record.padding_idx);
    for (auto& [local, tensor] : record.parameters) module->register_parameter(local, tensor);
    if (record.name.empty()) {
      root = module;
    } else {
      const std::size_t dot = record.name.rfind('.');
      const std::string parent = dot == std::string::npos ? "" : record.name.substr(0, dot);
      const auto found = by_name.find(parent);
      WEIGHTINIT_CHECK(found != by_name.end(), ValueError, "module '", record.name,
                       "' comes before its parent '", parent, "'");
      found->second->register_module(record.name.substr(dot + 1), module);
    }
    by_name[record.name] = module.get();
  }
  return root;
}

}  // namespace weightinit::python
