// SPDX-License-Identifier: MIT
// probe_inits: the batch, the model per init, diag::probe.
#include "weightinit/diag/probe_inits.h"

#include <algorithm>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/error.h"
#include "weightinit/init/spec.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/sampling.h"
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

/// `batch` sequences of seq_len + 1 random ids: the first seq_len are the input, the last
/// seq_len the labels (the next id at each position), flattened to batch·seq_len.
void token_batch(const ProbeSetup& a, std::int64_t context, std::int64_t vocab, Tensor& x,
                 std::vector<std::int64_t>& y) {
  WEIGHTINIT_CHECK(a.seq_len >= 0 && a.seq_len <= context, ValueError, "--seq-len must be in [1, ",
                   context, "] (the model's context length), but got ", a.seq_len);
  const std::int64_t t = a.seq_len > 0 ? a.seq_len : std::min<std::int64_t>(context, 128);
  Generator data_gen(a.seed + 1);
  const Tensor ids = randint(0, vocab, {a.batch, t + 1}, data_gen);
  x = ids.slice(1, 0, t).contiguous();
  const Tensor next = ids.slice(1, 1, t + 1).contiguous();
  y.assign(next.data_ptr<std::int64_t>(), next.data_ptr<std::int64_t>() + next.numel());
}

}  // namespace

ProbeReport probe_inits(const ProbeSetup& a) {
  WEIGHTINIT_CHECK(a.batch >= 1, ValueError, "--batch must be at least 1, but got ", a.batch);
  WEIGHTINIT_CHECK(a.data == "fashion-mnist" || a.data == "synthetic", ValueError,
                   "unknown --data '", a.data, "': expected fashion-mnist or synthetic");
  const std::vector<InitChoice> inits = parse_init_list(a.inits);
  const init::Initializer bias = init::Initializer::parse(a.bias_init);
  Shape input;
  std::int64_t vocab = 0;
  {
    const DeferredAllocationGuard shapes_only;  // the input size, without memory or draws
    Generator shape_gen(0);
    const models::BuiltModel shapes = models::build_model(a.model, shape_gen);
    input = shapes.input_size;
    vocab = shapes.token_vocab;
  }
  Tensor x;
  std::vector<std::int64_t> y;
  if (vocab > 0) {
    token_batch(a, input.at(0), vocab, x, y);
  } else {
    load_batch(a, input, x, y);
  }

  ProbeReport report{
      a.model, vocab > 0 ? "random-tokens" : a.data, x.size(0), a.seed, bias.canonical(), {}};
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
