// SPDX-License-Identifier: MIT
// One init spec over every weight layer of a model (the usual `for m in model.modules()` loop).
#pragma once

#include "weightinit/init/spec.h"
#include "weightinit/nn/module.h"

namespace weightinit::recipes {

/// The loop users write in PyTorch:
///   for m in model.modules():
///       if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)):
///           weight_init(m.weight); if bias_init and m.bias is not None: bias_init(m.bias)
/// (nn::Module::is_weight_layer picks the layers.) Modules are visited in modules() order
/// (pre-order), so the draws are torch's for the same generator. Each touched parameter's
/// InitRecord gets the spec's canonical text (its promised std is left unknown). Returns the number
/// of layers initialized.
int init_weight_layers(nn::Module& model, const init::Initializer& weight_init,
                       const init::Initializer* bias_init, Generator& gen);

}  // namespace weightinit::recipes
