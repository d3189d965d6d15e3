// SPDX-License-Identifier: MIT
#include "process_group.h"

#include <cstdlib>
#include <string>

#include "weightinit/error.h"

namespace weightinit::cli {

namespace {
recipes::WorkGroup* g_group = nullptr;
}  // namespace

recipes::WorkGroup& process_group() {
  if (g_group != nullptr) return *g_group;
  // Started by mpirun with K > 1 ranks but built without MPI: K independent writers would race
  // over the same files.
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  WEIGHTINIT_CHECK(size == nullptr || std::string(size) == "1", ValueError,
                   "started by mpirun with ", size == nullptr ? "" : size,
                   " ranks, but this weightinit was built without MPI (configure with "
                   "-DWEIGHTINIT_MPI=ON and libopenmpi-dev installed)");
  return recipes::single_process();
}

void set_process_group(recipes::WorkGroup* group) { g_group = group; }

}  // namespace weightinit::cli
