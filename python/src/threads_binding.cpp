// SPDX-License-Identifier: MIT
// The thread count of weightinit's parallel fills, from Python.
#include "bindings.h"
#include "weightinit/threads.h"

namespace weightinit::python {

void bind_threads(nb::module_& m) {
  m.def("set_num_threads", &set_num_threads, nb::arg("n"),
        "Threads of weightinit's OpenMP loops on the calling thread (omp_set_num_threads), like "
        "torch.set_num_threads; ValueError outside [1, 8 per core].");
  m.def("get_num_threads", &num_threads, "The OpenMP thread count in effect.");
}

}  // namespace weightinit::python
