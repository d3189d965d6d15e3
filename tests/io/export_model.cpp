// SPDX-License-Identifier: MIT
// Writes seed-mlp and mlp:784-256-10 (after manual_seed(0)) as safetensors for the PyTorch check.
#include <exception>
#include <iostream>
#include <string>

#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/generator.h"

namespace wi = weightinit;

namespace {

/// manual_seed(0), build `spec`, save its state dict to DIR/NAME.safetensors, then in BF16/F16.
void export_model(const std::string& dir, const std::string& spec, const std::string& name) {
  wi::manual_seed(0);
  const auto built = wi::models::build_model(spec, wi::default_generator());
  const wi::nn::StateDict state = built.module->state_dict();
  const std::map<std::string, std::string> meta{{"format", "pt"}, {"model", spec}, {"seed", "0"}};
  wi::io::save_safetensors(dir + "/" + name + ".safetensors", state, meta);
  wi::io::save_safetensors(dir + "/" + name + "_bf16.safetensors", state, meta,
                           wi::io::StoredDType::BF16);
  wi::io::save_safetensors(dir + "/" + name + "_f16.safetensors", state, meta,
                           wi::io::StoredDType::F16);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: export_model DIR\n";
    return 2;
  }
  try {
    export_model(argv[1], "seed-mlp", "seed_mlp");
    export_model(argv[1], "mlp:784-256-10", "mlp");
  } catch (const std::exception& e) {
    std::cerr << "export_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
