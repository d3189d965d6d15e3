// SPDX-License-Identifier: MIT
// probe_inits: the batch, the model per init, diag::probe.
#include "weightinit/diag/probe_inits.h"

#include <algorithm>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/error.h"
#include "weightinit/init/spec.h"
#include "weightinit/models/registry.h"
#include "weightinit/recipes/layers.h"
#include "weightinit/recipes/lsuv.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::diag {

namespace {

/// One batch for every init: the first samples of the test split, or N(0, 1) data; shaped
/// (N, input...).
void load_batch(const ProbeSetup& a, const Shape& input, Tensor& x, std::vector<std::int64_t>& y) {
  if (a.data == "fashion-mnist") {
    const data::Dataset d = data::fit_to_input(
        data::load_fashion_mnist(data::Split::Test,
                                 a.data_dir.empty() ? data::default_dir() : a.data_dir),
        input);
    const std::int64_t n = std::min(a.batch, d.size());
    x = d.images.slice(0, 0, n).contiguous();
    y.assign(d.labels.begin(), d.labels.begin() + n);
  } else {
    Generator data_gen(a.seed + 1);
    const data::Dataset d = data::synthetic_gaussian(a.batch, input, 10, data_gen);
    x = d.images;
    y = d.labels;
  }
  Shape shaped{static_cast<std::int64_t>(y.size())};
  shaped.insert(shaped.end(), input.begin(), input.end());
  std::int64_t per = 1;
  for (const auto v : input) per *= v;
  WEIGHTINIT_CHECK(x.numel() == per * static_cast<std::int64_t>(y.size()), ShapeError,
                   "the model expects samples of size ", shape_str(input),
                   ", but the data's samples have ", x.numel() / std::max<std::size_t>(y.size(), 1),
                   " elements");
  x = x.view(shaped);
}

}  // namespace

ProbeReport probe_inits(const ProbeSetup& a) {
  WEIGHTINIT_CHECK(a.batch >= 1, ValueError, "--batch must be at least 1, but got ", a.batch);
  WEIGHTINIT_CHECK(a.data == "fashion-mnist" || a.data == "synthetic", ValueError,
                   "unknown --data '", a.data, "': expected fashion-mnist or synthetic");
  const std::vector<InitChoice> inits = parse_init_list(a.inits);
  const init::Initializer bias = init::Initializer::parse(a.bias_init);
  Shape input;
  {
    const DeferredAllocationGuard shapes_only;  // the input size, without memory or draws
    Generator shape_gen(0);
    input = models::build_model(a.model, shape_gen).input_size;
  }
  Tensor x;
  std::vector<std::int64_t> y;
  load_batch(a, input, x, y);

  ProbeReport report{a.model, a.data,           static_cast<std::int64_t>(y.size()),
                     a.seed,  bias.canonical(), {}};
  for (const InitChoice& choice : inits) {
    Generator gen(a.seed);
    const auto built = models::build_model(a.model, gen);
    if (choice.lsuv) (void)recipes::lsuv_init(*built.module, x, gen);
    if (choice.init) recipes::init_weight_layers(*built.module, *choice.init, &bias, gen);
    if (!choice.policy.empty()) {
      recipes::Policy::builtin(choice.policy, *built.module).apply(*built.module, gen);
    }
    report.inits.push_back(probe(*built.module, x, y, choice.label));
  }
  return report;
}

}  // namespace weightinit::diag
