// SPDX-License-Identifier: MIT
// The weightinit command line: sample, gain, fan, list, summary, forward, params, export, train,
// init, probe, compare, report.
#include <CLI/CLI.hpp>
#include <exception>
#include <string>

#include "commands.h"
#include "exit_codes.h"
#include "weightinit/error.h"
#ifdef WEIGHTINIT_WITH_MPI
#include "mpi_group.h"
#endif

int main(int argc, char** argv) {
  namespace cli = weightinit::cli;
#ifdef WEIGHTINIT_WITH_MPI
  const cli::MpiSession mpi(&argc, &argv);  // only under mpirun
#endif
  CLI::App app{"weightinit: neural-network parameter initialization, bit-identical to PyTorch",
               "weightinit"};
  cli::add_all_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {  // a command that ends with its own status (train: 130)
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    return cli::report_error(cli::usage_message(app, e, argc, argv), cli::kExitUsage);
  } catch (const weightinit::IoError& e) {
    return cli::report_error(e.what(), cli::kExitFailure);
  } catch (const weightinit::Error& e) {
    return cli::report_error(e.what(), cli::kExitUsage);
  } catch (const std::exception& e) {
    return cli::report_error(e.what(), cli::kExitFailure);
  }
  return cli::kExitOk;
}
