// SPDX-License-Identifier: MIT
// nn::Module: the tree of layers, its parameters and buffers, with PyTorch's names and orders.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/state_dict.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::nn {

/// Whether forward passes record what their backward pass needs (PyTorch's grad mode). On by
/// default, per thread; NoGradGuard turns it off for a scope (inference, probes, benchmarks).
bool grad_enabled();
/// Sets grad mode for the calling thread; returns the previous value.
bool set_grad_enabled(bool on);

/// Turns grad mode off for its lifetime, like `with torch.no_grad():`.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(set_grad_enabled(false)) {}
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// How a parameter was last initialized, for diagnostics (`summary --verbose`): the scheme as
/// an init spec and the standard deviation it promises (NaN when unknown).
struct InitRecord {
  std::string scheme;
  double promised_std = std::numeric_limits<double>::quiet_NaN();
};

/// A learnable tensor (PyTorch's nn.Parameter): its value, its gradient (undefined until a
/// backward pass), whether it requires one, and how it was initialized.
struct Parameter {
  Tensor data;
  Tensor grad;
  bool requires_grad = true;
  InitRecord init;
};

/// What a module's constructor draws into one of its parameters: torch's `reset_parameters()`,
/// written as an init spec. The module owns this fact; its constructor draws it
/// (Module::draw_default_inits), `summary --verbose` shows `note`, and a policy's "default" rule
/// in the Philox family redraws it from the parameter's own stream. The spec is evaluated
/// against the parameter (init::parameter_variables), where `weight_fan_in` is the fan-in of the
/// module's weight: Linear's bias is `uniform(a=-1 / sqrt(weight_fan_in), b=1 /
/// sqrt(weight_fan_in))`.
struct DefaultInit {
  std::string spec;  ///< the init spec; empty: the constructor leaves the parameter undrawn
  std::string note;  ///< how summary --verbose names it ("kaiming_uniform(a=sqrt(5))")
  double promised_std = std::numeric_limits<double>::quiet_NaN();  ///< std it promises
  std::optional<std::int64_t> zero_row;  ///< a row zeroed after the draw (padding_idx)
};

/// Ordered (name, tensor) pairs, like the OrderedDict `state_dict()` returns (defined in
/// tensor/state_dict.h, so that io/ needs no nn/).
using weightinit::StateDict;

/// Base class of every layer and model, like `torch.nn.Module`. A module owns its parameters,
/// buffers and children in registration order; names and traversal orders are PyTorch's, so
/// `named_parameters()` gives `features.0.weight`, `bn.running_mean`, ... as torch does.
/// Modules are built in place and held by shared_ptr; they are not copyable.
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// PyTorch's class name ("Linear", "Conv3d", "Sequential").
  virtual std::string type_name() const = 0;
  /// The forward pass. The base version throws (containers without a forward).
  virtual Tensor forward(const Tensor& input);
  /// forward(input), then every forward hook (as calling a torch module does). Models call
  /// their children this way, so hooks see every call.
  Tensor operator()(const Tensor& input);

  /// The backward pass of the latest forward not yet back-propagated (forwards stack, so a
  /// module called several times in one forward, like C3D's shared ReLU, is back-propagated in
  /// reverse call order). Takes dLoss/dOutput, adds dLoss/dParameter into each parameter's
  /// grad that requires one (setting it when undefined, as torch accumulates), and returns
  /// dLoss/dInput (undefined for integer inputs such as Embedding indices). Throws Error when
  /// no forward ran in grad mode, or when the layer has no backward.
  virtual Tensor backward(const Tensor& grad_output);

  /// Whether backward must compute dLoss/dInput (default true). The trainer turns it off for a
  /// model whose input is data (PyTorch skips that product because the input does not require
  /// grad): a layer then returns an undefined input gradient and saves the matmul. Containers
  /// pass it on to their leading children up to the first one with parameters.
  virtual void set_input_requires_grad(bool on) { input_requires_grad_ = on; }
  bool input_requires_grad() const { return input_requires_grad_; }

  /// Called after each forward through operator(): (module, input, output).
  using ForwardHook = std::function<void(Module&, const Tensor&, const Tensor&)>;
  /// Registers a hook (like `register_forward_hook`); returns an id for remove_forward_hook.
  std::size_t register_forward_hook(ForwardHook hook);
  void remove_forward_hook(std::size_t id);
  /// Called before each forward through operator(): (module, input).
  using ForwardPreHook = std::function<void(Module&, const Tensor&)>;
  /// Registers a hook that runs before forward (like `register_forward_pre_hook`), so a
  /// container's hook runs before its children's; returns an id for
  /// remove_forward_pre_hook.
  std::size_t register_forward_pre_hook(ForwardPreHook hook);
  void remove_forward_pre_hook(std::size_t id);
  /// The part of PyTorch's repr inside the parentheses ("in_features=5, out_features=3,
  /// bias=True").
  virtual std::string extra_repr() const { return ""; }

  /// What the constructor draws into this module's own parameter `name` (see DefaultInit), or
  /// nullopt for a parameter the module does not describe. Default: nullopt.
  virtual std::optional<DefaultInit> default_init(const std::string& name) const;
  /// Whether this is a weight layer (a Linear or a convolution): what init_weight_layers, LSUV
  /// and the probes initialize and measure. Default: false.
  virtual bool is_weight_layer() const { return false; }

  /// Redraws this module's own parameters exactly as its constructor does (its children are
  /// left alone), like the `reset_parameters()` of a torch layer. Default: draw_default_inits.
  virtual void reset_own_parameters(Generator& gen);
  /// reset_own_parameters on every module, in modules() order (the constructors' order).
  void reset_parameters(Generator& gen = default_generator());

  /// Registers a parameter under `name` (unique among this module's names); returns its value.
  Tensor& register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  /// Registers a buffer (state that is saved but not learned, e.g. BatchNorm running stats).
  Tensor& register_buffer(const std::string& name, Tensor value);
  /// Registers a child module; returns it.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  /// This module's parameter / buffer by local name; throws IndexError if there is none.
  Parameter& parameter(const std::string& name);
  const Parameter& parameter(const std::string& name) const;
  /// The direct child registered as `name`; IndexError if there is none.
  Module* child(const std::string& name);
  /// The direct child registered as `name`, or nullptr.
  Module* find_child(const std::string& name);
  Tensor& buffer(const std::string& name);
  bool has_parameter(const std::string& name) const;
  /// Records how parameter `name` was initialized (constructors and model init recipes call it;
  /// code that re-initializes a parameter by hand can too).
  void note_init(const std::string& name, std::string scheme, double promised_std);
  /// Draws default_init(name) into each of this module's own parameters, in registration order,
  /// from `gen`, and records it with note_init; parameters without one (or with an empty spec)
  /// are left as they are.
  void draw_default_inits(Generator& gen);

  /// Parameters with qualified names ("layer1.0.conv1.weight"), pre-order over modules and
  /// registration order within each, like `named_parameters()`.
  std::vector<std::pair<std::string, Parameter*>> named_parameters(bool recurse = true);
  std::vector<Parameter*> parameters(bool recurse = true);
  std::vector<std::pair<std::string, Tensor*>> named_buffers(bool recurse = true);
  /// Every module with its qualified name, pre-order, starting with this one ("").
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<Module*> modules();
  std::vector<std::pair<std::string, Module*>> named_children();
  std::vector<Module*> children();

  /// Calls fn on every module, children first and then the module itself — the post-order of
  /// `torch.nn.Module.apply` (so an init function applied this way draws in torch's order).
  Module& apply(const std::function<void(Module&)>& fn);

  /// Parameters and buffers, with qualified names, in torch's state_dict order: for each module
  /// in pre-order, its parameters, then its buffers. Tensors share storage with the module.
  StateDict state_dict();
  /// Copies values by name. strict: every key must match both ways, else ValueError naming the
  /// missing and unexpected keys; shapes must match (ShapeError). Non-strict skips mismatches.
  void load_state_dict(const StateDict& state, bool strict = true);

  /// Training mode for this module and its children (Dropout, BatchNorm), like `train()`.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  /// Sets every gradient to undefined (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  /// PyTorch's repr: "Linear(in_features=5, out_features=3, bias=True)", or a nested tree for
  /// containers and models.
  std::string repr() const;

  /// Number of forwards recorded and not yet back-propagated.
  std::size_t pending_backward() const { return saved_.size(); }
  /// Drops every recorded forward (e.g. after a forward whose loss is not back-propagated).
  void clear_saved();

 protected:
  /// Records what this forward's backward needs, when grad mode is on (no-op otherwise).
  void save_for_backward(std::vector<Tensor> tensors);
  /// The record of the latest forward not yet back-propagated, removed from the stack; throws
  /// Error ("{type}: backward called without a forward pass in grad mode") when there is none.
  std::vector<Tensor> pop_saved();
  /// grad += g for parameter `name`; when grad is undefined it becomes g itself (shared, not
  /// copied: pass a fresh tensor, as the backward kernels return). Skipped when the parameter
  /// does not require a grad.
  void accumulate_grad(const std::string& name, const Tensor& g);

 private:
  std::vector<std::vector<Tensor>> saved_;
  bool input_requires_grad_ = true;
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void check_new_name(const std::string& name) const;
  void collect_modules(const std::string& prefix,
                       std::vector<std::pair<std::string, Module*>>& out);

  std::vector<std::pair<std::string, std::unique_ptr<Parameter>>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<std::size_t, ForwardHook>> hooks_;
  std::vector<std::pair<std::size_t, ForwardPreHook>> pre_hooks_;
  std::size_t next_hook_id_ = 0;
  bool training_ = true;
};

}  // namespace weightinit::nn
