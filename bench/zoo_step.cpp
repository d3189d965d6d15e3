// SPDX-License-Identifier: MIT
// Times a zoo model's forward (eval, no autograd) or training step (train mode, forward and
// backward, no optimizer) on torch.rand input, and reports peak RSS.
// Usage: zoo_step MODEL BATCH forward|train [REPEATS] — threads come from OMP_NUM_THREADS /
// OPENBLAS_NUM_THREADS. Prints one JSON line; bench/compare_zoo.py runs it next to PyTorch.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "weightinit/models/registry.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/policy.h"

int main(int argc, char** argv) {
  namespace wi = weightinit;
  if (argc < 4) {
    std::fprintf(stderr, "usage: zoo_step MODEL BATCH forward|train [REPEATS]\n");
    return 2;
  }
  const std::string spec = argv[1];
  const std::int64_t batch = std::atoll(argv[2]);
  const bool train = std::string(argv[3]) == "train";
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
  wi::manual_seed(0);
  auto built = wi::models::build_model(spec);
  wi::recipes::Policy::builtin(wi::models::default_policy(spec), *built.module)
      .apply(*built.module, wi::default_generator());
  built.module->train(train);
  built.module->set_input_requires_grad(false);  // the input is data, as in a training loop
  wi::Shape shape{batch};
  shape.insert(shape.end(), built.input_size.begin(), built.input_size.end());
  const wi::Tensor input = wi::rand(shape);
  std::vector<double> ms;
  std::int64_t outputs = 0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first run warms up
    const auto t0 = std::chrono::steady_clock::now();
    if (train) {
      built.module->zero_grad();
      const wi::Tensor out = (*built.module)(input);
      built.module->backward(wi::Tensor::zeros(out.sizes()).fill_(1.0));
      outputs = out.size(1);
    } else {
      const wi::nn::NoGradGuard no_grad;
      outputs = (*built.module)(input).size(1);
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"median_ms\": %.3f, \"min_ms\": %.3f, \"repeats\": %d, \"peak_rss_mb\": %.1f, "
      "\"outputs\": %lld}\n",
      ms[ms.size() / 2], ms.front(), repeats, static_cast<double>(usage.ru_maxrss) / 1024.0,
      static_cast<long long>(outputs));
}
