// SPDX-License-Identifier: MIT
// Times C3D's forward (1×3×16×112×112, eval mode, no autograd) and reports peak RSS.
// Usage: c3d_forward [REPEATS] — threads come from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS.
// Prints one JSON line; bench/compare_c3d.py runs it next to PyTorch and prints the ratio.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "weightinit/models/c3d.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/sampling.h"

int main(int argc, char** argv) {
  namespace wi = weightinit;
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  wi::manual_seed(0);
  wi::models::C3D model(101);
  model.eval();
  const wi::nn::NoGradGuard no_grad;  // inference: forwards keep no activations for backward
  const wi::Tensor input = wi::rand({1, 3, 16, 112, 112});
  std::vector<double> ms;
  std::int64_t classes = 0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first run warms up
    const auto t0 = std::chrono::steady_clock::now();
    const wi::Tensor out = model(input);
    const auto t1 = std::chrono::steady_clock::now();
    classes = out.size(1);
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"median_ms\": %.3f, \"min_ms\": %.3f, \"repeats\": %d, \"peak_rss_mb\": %.1f, "
      "\"classes\": %lld}\n",
      ms[ms.size() / 2], ms.front(), repeats, static_cast<double>(usage.ru_maxrss) / 1024.0,
      static_cast<long long>(classes));
}
