// SPDX-License-Identifier: MIT
// C3D: construction in the seed's order, its __init_weight, and forward.
#include "weightinit/models/c3d.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "weightinit/init/init.h"
#include "weightinit/io/safetensors.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {
std::shared_ptr<nn::Conv3d> conv(std::int64_t in, std::int64_t out, Generator& gen) {
  nn::ConvConfig config;
  config.kernel_size = {3, 3, 3};
  config.padding = {1, 1, 1};
  return std::make_shared<nn::Conv3d>(in, out, config, gen);
}

std::shared_ptr<nn::MaxPool3d> pool(Shape kernel, Shape padding = {0}) {
  nn::functional::PoolOptions options;
  options.kernel = kernel;
  options.stride = kernel;
  options.padding = std::move(padding);
  return std::make_shared<nn::MaxPool3d>(options);
}
}  // namespace

C3D::C3D(std::int64_t num_classes, bool pretrained, Generator& gen,
         const std::string& weights_path) {
  std::string path = weights_path;
  if (pretrained && path.empty()) {
    const char* env = std::getenv("WEIGHTINIT_C3D_WEIGHTS");
    path = env ? env : "";
  }
  WEIGHTINIT_CHECK(!pretrained || !path.empty(), ValueError,
                   "C3D(pretrained=true) needs a weights file: give weights_path or set "
                   "WEIGHTINIT_C3D_WEIGHTS to a safetensors file with conv1..fc7 (weightinit "
                   "export c3d -o FILE writes one)");
  conv1 = register_module("conv1", conv(3, 64, gen));
  pool1 = register_module("pool1", pool({1, 2, 2}));
  conv2 = register_module("conv2", conv(64, 128, gen));
  pool2 = register_module("pool2", pool({2, 2, 2}));
  conv3a = register_module("conv3a", conv(128, 256, gen));
  conv3b = register_module("conv3b", conv(256, 256, gen));
  pool3 = register_module("pool3", pool({2, 2, 2}));
  conv4a = register_module("conv4a", conv(256, 512, gen));
  conv4b = register_module("conv4b", conv(512, 512, gen));
  pool4 = register_module("pool4", pool({2, 2, 2}));
  conv5a = register_module("conv5a", conv(512, 512, gen));
  conv5b = register_module("conv5b", conv(512, 512, gen));
  pool5 = register_module("pool5", pool({2, 2, 2}, {0, 1, 1}));
  fc6 = register_module("fc6", std::make_shared<nn::Linear>(8192, 4096, true, gen));
  fc7 = register_module("fc7", std::make_shared<nn::Linear>(4096, 4096, true, gen));
  fc8 = register_module("fc8", std::make_shared<nn::Linear>(4096, num_classes, true, gen));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(0.5));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  if (deferred_allocation()) {  // shapes only: nothing to load, and draws only when planned
    WEIGHTINIT_CHECK(!pretrained, ValueError,
                     "C3D(pretrained=true) cannot load weights into a deferred model");
    if (constructors_draw()) init_weight(gen);
    return;
  }
  init_weight(gen);
  if (pretrained) load_pretrained_weights(path);
}

void C3D::load_pretrained_weights(const std::string& path) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  std::map<std::string, const Tensor*> stored;
  for (const auto& [name, tensor] : file.tensors) stored[name] = &tensor;
  for (auto& [name, parameter] : named_parameters()) {
    if (name.rfind("fc8.", 0) == 0) continue;  // the caller's classes: keeps its init
    const auto it = stored.find(name);
    WEIGHTINIT_CHECK(it != stored.end(), ValueError, "C3D pretrained weights '", path,
                     "' have no tensor '", name, "' (expected conv1..fc7 under C3D's names)");
    WEIGHTINIT_CHECK(it->second->sizes() == parameter->data.sizes(), ShapeError,
                     "C3D pretrained weights '", path, "': '", name, "' has shape ",
                     shape_str(it->second->sizes()), " but the model's is ",
                     shape_str(parameter->data.sizes()));
    parameter->data.copy_(*it->second);
  }
}

void C3D::init_weight(Generator& gen) {
  // The seed's __init_weight: for m in self.modules() ...
  for (nn::Module* m : modules()) {
    if (auto* c = dynamic_cast<nn::Conv3d*>(m)) {
      init::kaiming_normal_(c->weight(), 0.0, init::FanMode::FanIn, init::Nonlinearity::LeakyReLU,
                            gen);
      const auto fan_in = init::calculate_fan_in_and_fan_out(c->weight()).fan_in;
      c->note_init("weight", "kaiming_normal()",
                   std::sqrt(2.0) / std::sqrt(static_cast<double>(fan_in)));
    } else if (auto* bn = dynamic_cast<nn::BatchNorm3d*>(m);
               bn != nullptr && !bn->parameter("weight").data.is_deferred()) {
      // (a deferred build keeps the constructor's 1 and 0, the same values)
      bn->parameter("weight").data.fill_(1.0);
      bn->parameter("bias").data.fill_(0.0);
    }
  }
}

Tensor C3D::forward(const Tensor& input) {
  Tensor x = (*pool1)((*relu)((*conv1)(input)));
  x = (*pool2)((*relu)((*conv2)(x)));
  x = (*relu)((*conv3a)(x));
  x = (*pool3)((*relu)((*conv3b)(x)));
  x = (*relu)((*conv4a)(x));
  x = (*pool4)((*relu)((*conv4b)(x)));
  x = (*relu)((*conv5a)(x));
  x = (*pool5)((*relu)((*conv5b)(x)));
  WEIGHTINIT_CHECK(x.numel() % 8192 == 0, ShapeError, "C3D: the pool5 output ",
                   shape_str(x.sizes()),
                   " does not reshape to (-1, 8192); the input must be "
                   "(N, 3, 16, 112, 112)");
  save_for_backward({x});                             // the pool5 output, for its shape
  x = x.contiguous().view({x.numel() / 8192, 8192});  // x.view(-1, 8192)
  x = (*dropout)((*relu)((*fc6)(x)));
  x = (*dropout)((*relu)((*fc7)(x)));
  return (*fc8)(x);
}

Tensor C3D::backward(const Tensor& grad_output) {
  const Shape pool5_sizes = pop_saved().at(0).sizes();
  Tensor g = fc8->backward(grad_output);
  g = fc7->backward(relu->backward(dropout->backward(g)));
  g = fc6->backward(relu->backward(dropout->backward(g)));
  g = g.contiguous().view(pool5_sizes);
  g = conv5a->backward(relu->backward(conv5b->backward(relu->backward(pool5->backward(g)))));
  g = conv4a->backward(relu->backward(conv4b->backward(relu->backward(pool4->backward(g)))));
  g = conv3a->backward(relu->backward(conv3b->backward(relu->backward(pool3->backward(g)))));
  g = conv2->backward(relu->backward(pool2->backward(g)));
  return conv1->backward(relu->backward(pool1->backward(g)));
}

}  // namespace weightinit::models
