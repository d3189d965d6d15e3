// SPDX-License-Identifier: MIT
// Regression tests for issue #24, the CLI tried as a new user would: each case used to give a
// wrong result with exit 0, crash, or exhaust memory, and now gives the right result or a
// one-line error with exit 2.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_fixture.h"
#include "model_check.h"
#include "weightinit/io/safetensors.h"

namespace {

namespace wi = weightinit;

/// The "__metadata__" of a safetensors file.
std::map<std::string, std::string> metadata_of(const fs::path& file) {
  return wi::io::load_safetensors(file.string()).metadata;
}

/// The bytes of every tensor of a safetensors file, by name.
std::map<std::string, std::string> tensors_of(const fs::path& file) {
  std::map<std::string, std::string> out;
  for (const auto& [name, t] : wi::io::load_safetensors(file.string()).tensors) {
    const auto* p = static_cast<const char*>(t.raw_data());
    out[name] = std::string(p, static_cast<std::size_t>(t.numel()) * t.element_size());
  }
  return out;
}

const char* const kSmallLlama = "llama:d=32,layers=2,heads=4,ffn=64,vocab=50";

// Item 1: a directory or file named like a built-in policy no longer replaces it silently.
TEST_F(Cli, PathNamedLikeABuiltinPolicyIsAnErrorThatSaysHowToChoose) {
  fs::create_directory(dir_ / "llama");
  const Result shadowed = run_in(dir_, {"init", kSmallLlama, "--policy", "llama", "-o", "a.st"});
  expect_error(shadowed, 2,
               "builtin:llama: 'llama' is both a built-in policy and a directory here: write "
               "builtin:llama for the built-in policy, or ./llama for the file");
  EXPECT_FALSE(fs::exists(dir_ / "a.st"));
  expect_error(run_in(dir_, {"init", kSmallLlama, "--policy", "./llama", "-o", "a.st"}), 2,
               "policy file './llama' is a directory, not a file");
  const Result builtin =
      run_in(dir_, {"init", kSmallLlama, "--policy", "builtin:llama", "-o", "a.st"});
  ASSERT_EQ(builtin.code, 0) << builtin.err;
  EXPECT_EQ(metadata_of(dir_ / "a.st").at("policy"), "builtin:llama");
  // A file named gpt2 (a Hugging Face download) is the same case.
  std::ofstream(dir_ / "gpt2") << "*: default\n";
  expect_error_with(run_in(dir_, {"init", "mlp:4-2", "--policy", "gpt2", "-o", "b.st"}), 2,
                    "'gpt2' is both a built-in policy and a file here");
}

TEST_F(Cli, EmptyPolicyFileWarnsAndIsAnErrorUnderStrict) {
  const std::string policy = (dir_ / "empty.policy").string(), out = (dir_ / "e.st").string();
  std::ofstream(policy) << "# nothing yet\n";
  const Result r = run({"init", "mlp:4-2", "--policy", policy, "-o", out});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("weightinit: warning: policy '" + policy +
                       "' has no rules: every parameter keeps its constructor's init"),
            std::string::npos)
      << r.err;
  fs::remove(out);
  expect_error_with(run({"init", "mlp:4-2", "--policy", policy, "--strict", "-o", out}), 2,
                    "has no rules");
  EXPECT_FALSE(fs::exists(out));
}

// Item 2: a search log written for another model or data is never reused.
TEST_F(Cli, SearchLogIsNotReusedForAnotherModelOrData) {
  const std::string space = (dir_ / "space.txt").string(), log = (dir_ / "s.jsonl").string();
  std::ofstream(space) << "Linear.weight: xavier_uniform | orthogonal\n@epochs: 1\n@batch: 32\n";
  const auto search = [&](const std::string& model, const std::string& samples) {
    return run({"search", "--space", space, "--model", model, "--data", "synthetic",
                "--train-samples", samples, "--strategy", "grid", "--log", log});
  };
  const Result first = search("mlp:16-8-10", "128");
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("2 evaluation(s) (0 reused"), std::string::npos) << first.out;
  const Result again = search("mlp:16-8-10", "128");
  EXPECT_NE(again.out.find("2 evaluation(s) (2 reused"), std::string::npos) << again.out;
  const Result other_model = search("mlp:16-4-10", "128");
  ASSERT_EQ(other_model.code, 0) << other_model.err;
  EXPECT_NE(other_model.out.find("2 evaluation(s) (0 reused"), std::string::npos)
      << other_model.out;
  EXPECT_NE(other_model.out.find("note: 2 entries of " + log + " came from another setup"),
            std::string::npos)
      << other_model.out;
  const Result other_data = search("mlp:16-8-10", "160");
  EXPECT_NE(other_data.out.find("2 evaluation(s) (0 reused"), std::string::npos) << other_data.out;
}

// Item 3: one seed parser, torch's range, never clamped.
TEST_F(Cli, SeedsKeepTorchsFullRangeInEveryCommand) {
  const std::string big = "9223372036854775813";  // 2^63 + 5: used to become 2^63 - 1
  const fs::path a = dir_ / "a.st", b = dir_ / "b.st";
  ASSERT_EQ(run({"init", "mlp:4-2", "--seed", big, "-o", a.string()}).code, 0);
  EXPECT_EQ(metadata_of(a).at("seed"), big);
  ASSERT_EQ(run({"export", "mlp:4-2", "--seed", big, "-o", b.string()}).code, 0);
  EXPECT_EQ(metadata_of(b).at("seed"), big);
  EXPECT_EQ(tensors_of(a), tensors_of(b));
  // -1 is torch's 2^64 - 1.
  ASSERT_EQ(run({"export", "mlp:4-2", "--seed", "-1", "-o", a.string()}).code, 0);
  ASSERT_EQ(run({"export", "mlp:4-2", "--seed", "18446744073709551615", "-o", b.string()}).code, 0);
  EXPECT_EQ(tensors_of(a), tensors_of(b));
  EXPECT_EQ(metadata_of(a).at("seed"), "18446744073709551615");
  EXPECT_EQ(run({"params", "mlp:4-2", "--seed", big}).out,
            run({"params", "mlp:4-2", "--seed", "-9223372036854775803"}).out);
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"init", "mlp:4-2", "-o", a.string()},
        {"export", "mlp:4-2", "-o", a.string()},
        {"summary", "mlp:4-2"},
        {"train", "--model", "mlp:4-2", "--data", "synthetic"},
        {"probe", "--model", "mlp:4-2", "--data", "synthetic"},
        {"sample", "normal", "--shape", "2"}}) {
    SCOPED_TRACE(cmd.front());
    auto args = cmd;
    args.insert(args.end(), {"--seed", "18446744073709551616"});
    expect_error(run(args), 2,
                 "invalid seed '18446744073709551616': expected an integer in [-2^63, 2^64-1]");
  }
}

// Items 4 and 5 through the command line (the library's own tests tamper with journals).
TEST_F(Cli, InitOutRefusesAnEarlierCheckpointUnlessOverwrite) {
  const std::string out = (dir_ / "ckpt").string();
  const auto init = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"init",   kSmallLlama, "--policy", "llama",      "--rng",
                                  "philox", "--out",     out,        "--progress", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  ASSERT_EQ(init({"--seed", "1"}).code, 0);
  ASSERT_TRUE(fs::exists(dir_ / "ckpt" / "model.safetensors"));
  expect_error(init({"--seed", "2", "--shard-size", "20KB"}), 2,
               "'" + out +
                   "' already holds model.safetensors from an earlier run: pass --overwrite to "
                   "replace that checkpoint, or --resume to finish it");
  expect_error_with(init({"--seed", "2", "--shard-size", "20KB", "--resume"}), 2,
                    "belongs to another layout");
  expect_error(init({"--resume", "--overwrite"}), 2,
               "give either --resume (finish the earlier run) or --overwrite (replace it), not "
               "both");
  const Result r = init({"--seed", "2", "--shard-size", "20KB", "--overwrite"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("--overwrite: removed 1 file of an earlier run: model.safetensors"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "ckpt" / "model.safetensors")) << "a stale shard was left";
  EXPECT_TRUE(fs::exists(dir_ / "ckpt" / "model.safetensors.index.json"));
  expect_error(run({"init", "mlp:4-2", "-o", (dir_ / "x.st").string(), "--shard-size", "1MB"}), 2,
               "--shard-size needs --out DIR (with -o FILE the model is written as one file)");
}

// Item 6: deep nesting is a parse error with its line and column, not a stack overflow.
TEST_F(Cli, DeeplyNestedPolicyExpressionIsAnErrorNotACrash) {
  const std::string policy = (dir_ / "deep.policy").string(), out = (dir_ / "d.st").string();
  std::ofstream(policy) << "Linear.weight: normal(std=" << std::string(30000, '(') << "1"
                        << std::string(30000, ')') << ")\n";
  const Result r = run({"init", "mlp:4-2", "--policy", policy, "-o", out});
  expect_error_with(r, 2, policy + ":1:");
  EXPECT_NE(r.err.find("the expression nests deeper than 256 levels"), std::string::npos) << r.err;
  std::ofstream(policy) << "Linear.weight: normal(std=" << std::string(20000, '-') << "1)\n";
  expect_error_with(run({"init", "mlp:4-2", "--policy", policy, "-o", out}), 2,
                    "nests deeper than 256 levels");
  std::string powers = "1";
  for (int i = 0; i < 20000; ++i) powers += "^1";
  std::ofstream(policy) << "Linear.weight: normal(std=" << powers << ")\n";
  expect_error_with(run({"init", "mlp:4-2", "--policy", policy, "-o", out}), 2,
                    "nests deeper than 256 levels");
  // 200 levels still evaluate.
  std::ofstream(policy) << "Linear.weight: normal(std=" << std::string(200, '(') << "0.5"
                        << std::string(200, ')') << ")\nbias: zeros\n";
  EXPECT_EQ(run({"init", "mlp:4-2", "--policy", policy, "-o", out}).code, 0);
}

// Item 7: size limits on input files and on the number of trials.
TEST_F(Cli, EndlessInputFilesAndHugeTrialCountsAreRefused) {
  const std::string out = (dir_ / "z.st").string();
  expect_error(run({"init", "mlp:4-2", "--policy", "/dev/zero", "-o", out}), 2,
               "policy file '/dev/zero' is larger than 16 MiB, the limit for a policy file");
  expect_error(run({"search", "--space", "/dev/zero", "--model", "mlp:4-2", "--data", "synthetic"}),
               2, "search space '/dev/zero' is larger than 16 MiB, the limit for a search space");
  const std::string space = (dir_ / "space.txt").string();
  std::ofstream(space) << "Linear.weight: xavier_uniform\n";
  expect_error(run({"search", "--space", space, "--model", "mlp:4-2", "--data", "synthetic",
                    "--trials", "1000000000"}),
               2, "trials must be between 1 and 10000 (the grid's limit too), but got 1000000000");
  EXPECT_FALSE(fs::exists(out));
}

// Item 11: --out prints the policy's warnings and --explain as -o does.
TEST_F(Cli, InitOutShowsThePolicyWarningsAndExplain) {
  const std::string policy = (dir_ / "p.policy").string();
  std::ofstream(policy) << "Conv2d.weight: ones\nLinear.weight: zeros\n";
  const Result file = run({"init", "mlp:4-2", "--policy", policy, "--explain", "--rng", "philox",
                           "-o", (dir_ / "f.st").string()});
  const Result dir = run({"init", "mlp:4-2", "--policy", policy, "--explain", "--rng", "philox",
                          "--out", (dir_ / "d").string(), "--progress", "none"});
  ASSERT_EQ(file.code, 0) << file.err;
  ASSERT_EQ(dir.code, 0) << dir.err;
  EXPECT_NE(file.err.find("rule 'Conv2d.weight: ones' matches no parameter"), std::string::npos)
      << file.err;
  EXPECT_EQ(dir.err, file.err);
  EXPECT_NE(file.out.find("0.bias"), std::string::npos) << file.out;
  EXPECT_NE(dir.out.find("0.bias"), std::string::npos) << dir.out;
  EXPECT_EQ(dir.out.substr(0, dir.out.find("mlp:4-2:")),
            file.out.substr(0, file.out.find("mlp:4-2:")));
}

// Item 12: a --set variable the policy never reads is a warning with a suggestion.
TEST_F(Cli, SetVariableThatThePolicyNeverReadsIsReported) {
  const std::string out = (dir_ / "g.st").string();
  const std::string policy = (dir_ / "p.policy").string();
  std::ofstream(policy) << "Linear.weight: normal(std=0.02 / sqrt(2 * n_layer))\nbias: zeros\n";
  const Result r = run({"init", "mlp:4-2", "--policy", policy, "--set", "n_layer=4", "--set",
                        "n_layers=24", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "weightinit: warning: --set n_layers: no rule of policy '" + policy +
                       "' reads a variable 'n_layers' (did you mean 'n_layer'?)\n");
  expect_error_with(run({"init", "mlp:4-2", "--policy", policy, "--set", "n_layer=4", "--set",
                         "n_layers=24", "--strict", "-o", out}),
                    2, "reads a variable 'n_layers' (did you mean 'n_layer'?)");
}

// Item 13: the longest valid file name can be written atomically.
TEST_F(Cli, OutputFileNameOf250CharactersIsWritten) {
  const fs::path out = dir_ / (std::string(238, 'n') + ".safetensors");
  ASSERT_EQ(out.filename().string().size(), 250u);
  const Result r = run({"init", "mlp:4-2", "-o", out.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out));
}

// Item 19: without --policy, init uses the model's own recipe and says which.
TEST_F(Cli, InitWithoutPolicyUsesTheModelsOwnRecipe) {
  const fs::path a = dir_ / "a.st", b = dir_ / "b.st";
  const Result r = run({"init", kSmallLlama, "-o", a.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, std::string("weightinit: note: no --policy: using llama, the recipe of ") +
                       kSmallLlama + "\n");
  ASSERT_EQ(run({"init", kSmallLlama, "--policy", "llama", "-o", b.string()}).code, 0);
  EXPECT_EQ(tensors_of(a), tensors_of(b));
  EXPECT_EQ(metadata_of(a).at("policy"), "builtin:llama");
  const Result mlp = run({"init", "mlp:4-2", "-o", a.string()});
  EXPECT_NE(mlp.err.find("using torch-default"), std::string::npos) << mlp.err;
}

// Item 8: a shape with 40,000 dims used to exhaust memory in the printer.
TEST_F(Cli, ShapesWithTooManyDimensionsAreRefused) {
  std::string dims = "1";
  for (int i = 1; i < 40000; ++i) dims += ",1";
  expect_error(run({"sample", "normal", "--shape", dims}), 2,
               "invalid shape: more than 64 dimensions (the most a shape may have)");
}

// Item 9: a thousand threads on two cores.
TEST_F(Cli, ThreadsAreCappedAtEightPerCore) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string limit = std::to_string(8 * cores);
  expect_error(run({"train", "--model", "mlp:4-2", "--data", "synthetic", "--threads", "1000"}), 2,
               "set_num_threads expects at most " + limit +
                   " threads (8 per core of this "
                   "machine's " +
                   std::to_string(cores) + "), but got 1000");
}

// Item 10: decided before building, from the shapes (0.01 s for llama:7b).
TEST_F(Cli, SummaryOfAModelWithoutForwardFailsBeforeBuildingIt) {
  // GPT-2 and LLaMA run on token ids, which torchsummary's rand input is not.
  expect_error(run({"summary", "llama:7b"}), 2,
               "summary runs the model on torch.rand input, as torchsummary does, but llama:7b "
               "takes token ids: weightinit forward llama:7b runs it; weightinit summary "
               "llama:7b --style torchinfo feeds it ids; --shapes lists its parameters");
  // llama:7b's 27 GB of float32 parameters, where less memory is available (this machine).
  if (const auto available = wi::cli::available_memory_bytes();
      available && *available < 27'000'000'000ULL) {
    expect_error_with(run({"forward", "llama:7b"}), 2,
                      "llama:7b needs 27.0 GB for its parameters, more than the ");
  }
  expect_error(run({"summary", "gpt2:small"}), 2,
               "summary runs the model on torch.rand input, as torchsummary does, but "
               "gpt2:small takes token ids: weightinit forward gpt2:small runs it; weightinit "
               "summary gpt2:small --style torchinfo feeds it ids; --shapes lists its "
               "parameters");
}

// Item 14: an incomplete probe document is the documented error, exit 2.
TEST_F(Cli, ReportInputMissingFieldsIsNotAProbeOrCompareDocument) {
  const std::string input = (dir_ / "probe.json").string();
  std::ofstream(input) << R"({"command": "probe", "inits": [{"init": "zeros"}]})";
  expect_error_with(run({"report", "--input", input, "-o", (dir_ / "r.html").string()}), 2,
                    "--input '" + input + "' is not a probe or compare document (");
  EXPECT_FALSE(fs::exists(dir_ / "r.html"));
}

// Item 15: --plot and --json naming one file are refused by probe as by compare.
TEST_F(Cli, ProbeRefusesPlotAndJsonInTheSameFile) {
  expect_error(run_in(dir_, {"probe", "--model", "mlp:4-10", "--inits", "zeros", "--data",
                             "synthetic", "--plot", "x", "--json", "./x"}),
               2, "--plot and --json name the same file './x': give two paths");
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

// Item 16: torchsummary's default batch is -1.
TEST_F(Cli, SummaryShowsBatchMinusOneByDefault) {
  const Result r = run({"summary", "seed-mlp"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("[-1, 3]"), std::string::npos) << r.out;
}

// Item 17: our wording for CLI11's errors; user text escaped and cut.
TEST_F(Cli, ParseErrorsNameTheOptionAndTheRule) {
  expect_error(run({"export", "mlp:4-2", "--rng", "philox", "-o", (dir_ / "a").string()}), 2,
               "unexpected arguments '--rng', 'philox' for weightinit export (see weightinit "
               "export --help)");
  expect_error(run({"sample", "normal", "--shape", "3", "--threads", "abc"}), 2,
               "invalid value 'abc' for --threads: expected an integer");
  expect_error(run({"sample", "normal", "--shape", "3", "--format"}), 2,
               "--format needs a value (see weightinit sample --help)");
  expect_error(run({"summary",
                    "abc\xff"
                    "\x01"
                    "def"}),
               2,
               "unknown model 'abc\\xFF\\x01def': weightinit list --models shows the known "
               "models");
  const Result huge = run({"summary", std::string(120000, 'x')});
  expect_error(huge, 2);
  EXPECT_LT(huge.err.size(), 2200u);
  EXPECT_NE(huge.err.find("x...'"), std::string::npos) << huge.err.substr(0, 300);
}

// Item 18: the small inconsistencies.
TEST_F(Cli, OutputNamesTrainSamplesAndDtypeAreConsistent) {
  expect_error(run({"sample", "normal", "--shape", "3", "-o", ""}), 2,
               "--output: the file name is empty");
  expect_error(run({"export", "mlp:4-2", "-o", "-"}), 2,
               "--output: '-' (standard output) is not supported here: give a file name");
  EXPECT_FALSE(fs::exists("-"));
  const Result dash = run({"sample", "ones", "--shape", "2", "-o", "-"});
  EXPECT_EQ(dash.out, "tensor([1., 1.])\n");
  expect_error(run({"train", "--model", "mlp:4-2", "--data", "synthetic", "--train-samples", "0"}),
               2,
               "--train-samples: must be at least 1, but got '0' (leave it out for the whole "
               "training set)");
  expect_error(run({"sample", "normal", "--shape", "3", "--dtype", "int64"}), 2,
               "unsupported dtype 'int64' for sample: expected float32 or float64");
}

}  // namespace
