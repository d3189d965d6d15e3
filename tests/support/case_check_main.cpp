// SPDX-License-Identifier: MIT
// wi_case_check FILE: checks every case in a JSON case file (golden or differential) against
// weightinit, prints each failing case with its seed, and ends with "N passed, M failed".
#include <fstream>
#include <iostream>

#include "support/case_runner.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: wi_case_check CASES.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "wi_case_check: cannot open " << argv[1] << "\n";
    return 2;
  }
  const nlohmann::json doc = nlohmann::json::parse(in);
  int passed = 0, failed = 0;
  for (const auto& test_case : doc.at("cases")) {
    if (const auto failure = weightinit::testing::check_case(test_case)) {
      ++failed;
      std::cout << "FAIL " << weightinit::testing::describe_case(test_case) << ": " << *failure
                << "\n";
    } else {
      ++passed;
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
