// SPDX-License-Identifier: MIT
// MPI_COMM_WORLD as an recipes::WorkGroup: all_ok is one MPI_Allreduce (logical AND), which is also
// the barrier between the writer's phases. No parameter data crosses it.
#include "mpi_group.h"

#include <mpi.h>

#include <cstdlib>

#include "process_group.h"

namespace weightinit::cli {

namespace {

class MpiWorld final : public recipes::WorkGroup {
 public:
  MpiWorld() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool all_ok(bool ok) override {
    int mine = ok ? 1 : 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return all != 0;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  if (!launched_by_mpirun()) return;
  MPI_Init(argc, argv);
  group_ = std::make_unique<MpiWorld>();
  set_process_group(group_.get());
}

MpiSession::~MpiSession() {
  if (!group_) return;
  set_process_group(nullptr);
  group_.reset();
  MPI_Finalize();
}

}  // namespace weightinit::cli
