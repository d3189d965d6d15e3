// SPDX-License-Identifier: MIT
// nn::Module: registration, traversal, state dicts, modes and repr.
#include "weightinit/nn/module.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "weightinit/error.h"
#include "weightinit/init/expression.h"
#include "weightinit/init/spec.h"

namespace weightinit::nn {

namespace {
std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

Tensor Module::forward(const Tensor& /*input*/) {
  throw Error(
      detail::concat("Module [", type_name(), "] is missing the required \"forward\" function"));
}

namespace {
thread_local bool grad_mode = true;
}  // namespace

bool grad_enabled() { return grad_mode; }

bool set_grad_enabled(bool on) {
  const bool previous = grad_mode;
  grad_mode = on;
  return previous;
}

Tensor Module::backward(const Tensor& /*grad_output*/) {
  throw Error(detail::concat(type_name(), ": backward is not implemented for this module"));
}

void Module::save_for_backward(std::vector<Tensor> tensors) {
  if (grad_mode) saved_.push_back(std::move(tensors));
}

std::vector<Tensor> Module::pop_saved() {
  WEIGHTINIT_CHECK(!saved_.empty(), Error, type_name(),
                   ": backward called without a forward pass in grad mode");
  std::vector<Tensor> out = std::move(saved_.back());
  saved_.pop_back();
  return out;
}

void Module::clear_saved() {
  for (Module* m : modules()) m->saved_.clear();
}

void Module::accumulate_grad(const std::string& name, const Tensor& g) {
  Parameter& p = parameter(name);
  if (!p.requires_grad || !g.defined()) return;
  WEIGHTINIT_CHECK(g.sizes() == p.data.sizes(), ShapeError, type_name(), ": gradient of ", name,
                   " has size ", shape_str(g.sizes()), " but the parameter has size ",
                   shape_str(p.data.sizes()));
  if (!p.grad.defined()) {
    p.grad = g.dtype() == p.data.dtype() ? g.contiguous() : g.to(p.data.dtype()).contiguous();
    return;
  }
  const Tensor gc = g.to(p.grad.dtype()).contiguous();
  const std::int64_t n = p.grad.numel();
  if (p.grad.dtype() == DType::Float64) {
    double* dst = p.grad.data_ptr<double>();
    const double* src = gc.data_ptr<double>();
    for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
  } else {
    float* dst = p.grad.data_ptr<float>();
    const float* src = gc.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
  }
}

Tensor Module::operator()(const Tensor& input) {
  if (!pre_hooks_.empty()) {
    const auto pre_hooks = pre_hooks_;  // copy: a hook may remove itself
    for (const auto& [id, hook] : pre_hooks) hook(*this, input);
  }
  Tensor output = forward(input);
  // Copy: a hook may remove itself.
  const auto hooks = hooks_;
  for (const auto& [id, hook] : hooks) hook(*this, input, output);
  return output;
}

std::size_t Module::register_forward_hook(ForwardHook hook) {
  hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_hook(std::size_t id) {
  std::erase_if(hooks_, [&](const auto& entry) { return entry.first == id; });
}

std::size_t Module::register_forward_pre_hook(ForwardPreHook hook) {
  pre_hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_pre_hook(std::size_t id) {
  std::erase_if(pre_hooks_, [&](const auto& entry) { return entry.first == id; });
}

std::optional<DefaultInit> Module::default_init(const std::string& /*name*/) const {
  return std::nullopt;
}

void Module::reset_own_parameters(Generator& gen) { draw_default_inits(gen); }

void Module::draw_default_inits(Generator& gen) {
  const Tensor* weight = has_parameter("weight") ? &parameter("weight").data : nullptr;
  for (auto& [name, p] : parameters_) {
    const std::optional<DefaultInit> d = default_init(name);
    if (!d || d->spec.empty()) continue;
    const init::Initializer spec =
        init::Initializer::parse(d->spec).bind(init::parameter_variables(p->data, weight));
    spec.apply(p->data, gen);
    // A deferred tensor's row is zeroed when its values are made (recipes::ShardedRun).
    if (d->zero_row && !p->data.is_deferred()) p->data.select(0, *d->zero_row).fill_(0.0);
    note_init(name, d->note, d->promised_std);
  }
}

void Module::reset_parameters(Generator& gen) {
  for (Module* m : modules()) m->reset_own_parameters(gen);
}

void Module::check_new_name(const std::string& name) const {
  WEIGHTINIT_CHECK(
      !name.empty() && name.find('.') == std::string::npos, ValueError,
      "module, parameter and buffer names must be non-empty and contain no \".\", but got \"", name,
      "\"");
  const auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  WEIGHTINIT_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), ValueError,
                   "attribute '", name, "' already exists");
}

Tensor& Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_new_name(name);
  auto p = std::make_unique<Parameter>();
  p->data = std::move(value);
  p->requires_grad = requires_grad;
  parameters_.emplace_back(name, std::move(p));
  return parameters_.back().second->data;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name(name);
  WEIGHTINIT_CHECK(child != nullptr, ValueError, "cannot register a null module as '", name, "'");
  children_.emplace_back(name, std::move(child));
}

Parameter& Module::parameter(const std::string& name) {
  for (auto& [n, p] : parameters_) {
    if (n == name) return *p;
  }
  throw IndexError(detail::concat(type_name(), " has no parameter '", name, "'"));
}

Module* Module::find_child(const std::string& name) {
  for (auto& [n, c] : children_) {
    if (n == name) return c.get();
  }
  return nullptr;
}

Module* Module::child(const std::string& name) {
  Module* c = find_child(name);
  if (c == nullptr) throw IndexError(detail::concat(type_name(), " has no child '", name, "'"));
  return c;
}

const Parameter& Module::parameter(const std::string& name) const {
  return const_cast<Module*>(this)->parameter(name);
}

void Module::note_init(const std::string& name, std::string scheme, double promised_std) {
  Parameter& p = parameter(name);
  p.init.scheme = std::move(scheme);
  p.init.promised_std = promised_std;
}

bool Module::has_parameter(const std::string& name) const {
  return std::any_of(parameters_.begin(), parameters_.end(),
                     [&](const auto& e) { return e.first == name; });
}

Tensor& Module::buffer(const std::string& name) {
  for (auto& [n, b] : buffers_) {
    if (n == name) return b;
  }
  throw IndexError(detail::concat(type_name(), " has no buffer '", name, "'"));
}

void Module::collect_modules(const std::string& prefix,
                             std::vector<std::pair<std::string, Module*>>& out) {
  out.emplace_back(prefix, this);
  for (auto& [name, child] : children_) child->collect_modules(join(prefix, name), out);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  collect_modules("", out);
  return out;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out;
  for (auto& [name, m] : named_modules()) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() {
  std::vector<std::pair<std::string, Module*>> out;
  for (auto& [name, child] : children_) out.emplace_back(name, child.get());
  return out;
}

std::vector<Module*> Module::children() {
  std::vector<Module*> out;
  for (auto& [name, child] : children_) out.push_back(child.get());
  return out;
}

std::vector<std::pair<std::string, Parameter*>> Module::named_parameters(bool recurse) {
  std::vector<std::pair<std::string, Parameter*>> out;
  const auto mods =
      recurse ? named_modules() : std::vector<std::pair<std::string, Module*>>{{"", this}};
  for (auto& [prefix, m] : mods) {
    for (auto& [name, p] : m->parameters_) out.emplace_back(join(prefix, name), p.get());
  }
  return out;
}

std::vector<Parameter*> Module::parameters(bool recurse) {
  std::vector<Parameter*> out;
  for (auto& [name, p] : named_parameters(recurse)) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::named_buffers(bool recurse) {
  std::vector<std::pair<std::string, Tensor*>> out;
  const auto mods =
      recurse ? named_modules() : std::vector<std::pair<std::string, Module*>>{{"", this}};
  for (auto& [prefix, m] : mods) {
    for (auto& [name, b] : m->buffers_) out.emplace_back(join(prefix, name), &b);
  }
  return out;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
  return *this;
}

StateDict Module::state_dict() {
  StateDict out;
  for (auto& [prefix, m] : named_modules()) {
    for (auto& [name, p] : m->parameters_) out.emplace_back(join(prefix, name), p->data);
    for (auto& [name, b] : m->buffers_) out.emplace_back(join(prefix, name), b);
  }
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict own = state_dict();
  std::set<std::string> given;
  for (const auto& [key, value] : state) given.insert(key);
  std::vector<std::string> missing, unexpected;
  std::set<std::string> known;
  for (const auto& [key, value] : own) {
    known.insert(key);
    if (!given.count(key)) missing.push_back(key);
  }
  for (const auto& [key, value] : state) {
    if (!known.count(key)) unexpected.push_back(key);
  }
  if (strict && (!missing.empty() || !unexpected.empty())) {
    std::ostringstream msg;
    msg << "Error(s) in loading state_dict for " << type_name() << ":";
    const auto list = [&](const char* what, const std::vector<std::string>& keys) {
      if (keys.empty()) return;
      msg << " " << what << " key(s) in state_dict: ";
      for (std::size_t i = 0; i < keys.size(); ++i) msg << (i ? ", " : "") << '"' << keys[i] << '"';
      msg << ".";
    };
    list("Missing", missing);
    list("Unexpected", unexpected);
    throw ValueError(msg.str());
  }
  for (auto& [key, target] : own) {
    const std::string& name = key;  // clang 14 cannot capture a structured binding
    const auto it =
        std::find_if(state.begin(), state.end(), [&](const auto& e) { return e.first == name; });
    if (it == state.end()) continue;
    if (it->second.sizes() != target.sizes()) {
      WEIGHTINIT_CHECK(!strict, ShapeError, "size mismatch for ", key,
                       ": copying a param with shape ", shape_str(it->second.sizes()),
                       " from checkpoint, the shape in current model is ",
                       shape_str(target.sizes()), ".");
      continue;
    }
    target.copy_(it->second);
  }
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
  return *this;
}

void Module::zero_grad() {
  for (Parameter* p : parameters()) p->grad = Tensor();
}

std::string Module::repr() const {
  // torch/nn/modules/module.py __repr__: "Name(extra)" or a block with one "(name): child" per
  // line, indented by two spaces.
  std::string out = type_name() + "(";
  const std::string extra = extra_repr();
  if (children_.empty()) return out + extra + ")";
  if (!extra.empty()) out += "\n  " + extra;
  for (const auto& [name, child] : children_) {
    std::string child_repr = child->repr();
    std::string indented;
    for (const char c : child_repr) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    out += "\n  (" + name + "): " + indented;
  }
  return out + "\n)";
}

}  // namespace weightinit::nn
