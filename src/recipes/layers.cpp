// SPDX-License-Identifier: MIT
// init_weight_layers: apply an Initializer to every Linear / Conv layer in modules() order.
#include "weightinit/recipes/layers.h"

#include <limits>

namespace weightinit::recipes {

int init_weight_layers(nn::Module& model, const init::Initializer& weight_init,
                       const init::Initializer* bias_init, Generator& gen) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  int count = 0;
  for (nn::Module* m : model.modules()) {
    if (!m->is_weight_layer()) continue;
    weight_init.apply(m->parameter("weight").data, gen);
    m->note_init("weight", weight_init.canonical(), unknown);
    if (bias_init != nullptr && m->has_parameter("bias")) {
      bias_init->apply(m->parameter("bias").data, gen);
      m->note_init("bias", bias_init->canonical(), unknown);
    }
    ++count;
  }
  return count;
}

}  // namespace weightinit::recipes
