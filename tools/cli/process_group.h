// SPDX-License-Identifier: MIT
// The processes the CLI's streaming writer splits its work across: one, or the ranks of an MPI
// job (tools/cli/mpi_group.cpp, built with WEIGHTINIT_MPI=ON).
#pragma once

#include "weightinit/recipes/sharded_writer.h"

namespace weightinit::cli {

/// The group set by set_process_group, else recipes::single_process().
recipes::WorkGroup& process_group();

/// Sets the group (nullptr: back to one process). main() sets the MPI group under mpirun.
void set_process_group(recipes::WorkGroup* group);

}  // namespace weightinit::cli
