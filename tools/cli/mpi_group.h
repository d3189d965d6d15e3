// SPDX-License-Identifier: MIT
// MPI for the CLI (WEIGHTINIT_MPI=ON only): the library itself never links MPI.
#pragma once

#include <memory>

#include "weightinit/recipes/sharded_writer.h"

namespace weightinit::cli {

/// For main()'s lifetime: when the process was started by mpirun / mpiexec (OpenMPI's
/// OMPI_COMM_WORLD_SIZE or PMIx's PMIX_RANK is set), initialises MPI and makes
/// MPI_COMM_WORLD the CLI's process group; otherwise does nothing, so a plain `weightinit`
/// run never starts MPI. Finalises MPI on destruction.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  std::unique_ptr<recipes::WorkGroup> group_;
};

}  // namespace weightinit::cli
