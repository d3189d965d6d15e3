// SPDX-License-Identifier: MIT
// Replays a sampling case (JSON, written by tools/torch_golden.py) through weightinit and
// compares its output bits with the ones PyTorch produced.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace weightinit::testing {

/// Runs every step of `test_case` on one Generator seeded with test_case["seed"] in
/// test_case["mode"], and returns each step's output as lower-case hex (8 digits per float32,
/// 16 per float64 or int64, 2 per state byte), in the tensor's logical order. Steps: uniform,
/// normal, rand, randn, randperm, randint, state (torch.get_rng_state() bytes), initial_seed. Tensor steps
/// take dtype, shape and layout (contiguous, transposed, strided).
std::vector<std::string> run_case(const nlohmann::json& test_case);

/// Runs the case and compares with test_case["expected"]. Returns nothing on a match, or a
/// description of the first mismatch (step, element, expected and actual values).
std::optional<std::string> check_case(const nlohmann::json& test_case);

/// A one-line summary of the case for messages: id, seed, mode and case_seed when present.
std::string describe_case(const nlohmann::json& test_case);

}  // namespace weightinit::testing
