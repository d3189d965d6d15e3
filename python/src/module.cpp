// SPDX-License-Identifier: MIT
// weightinit._core: the compiled half of the Python package (python/weightinit is the other).
#include "bindings.h"

NB_MODULE(_core, m) {
  m.doc() = "weightinit's compiled core: generators and the torch.nn.init functions over arrays";
  weightinit::python::bind_errors(m);
  weightinit::python::bind_generator(m);
  weightinit::python::bind_init(m);
  weightinit::python::bind_policy(m);
  weightinit::python::bind_threads(m);
  weightinit::python::bind_safetensors(m);
  weightinit::python::bind_summary(m);
}
