// SPDX-License-Identifier: MIT
// `weightinit init`: torch.manual_seed(seed), build the model (its constructors draw), apply the
// policy (its rules draw, in named_parameters() order), save the state dict as safetensors.
#include "cmd_init.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exit_codes.h"
#include "model_check.h"
#include "option_checks.h"
#include "process_group.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "train_common.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"
#include "weightinit/models/transformers_config.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/recipes/sharded_writer.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/threads.h"
#include "weightinit/train/progress.h"

namespace weightinit::cli {

namespace {

struct InitArgs {
  std::string model;
  std::string policy;
  std::uint64_t seed = 0;
  std::string output;
  std::string dtype = "float32";
  bool strict = false;
  std::vector<std::string> variables;  // NAME=VALUE
  bool explain = false;
  std::string rng = "torch";
  int threads = 0;
  std::string out_dir;             // --out: streamed shards
  std::string shard_size = "5GB";  // Hugging Face's default max_shard_size
  std::string chunk_size = "256MB";
  std::string rank_block = "4MiB";
  bool resume = false;
  bool overwrite = false;
  bool policy_defaulted = false;  // no --policy: the model's own recipe
  std::string progress = "auto";
  std::vector<std::string> out_dir_only;  // --out options given (an error with -o)
};

/// Says which recipe stands in for a missing --policy (once the model is known to exist).
void note_default_policy(const InitArgs& a) {
  if (!a.policy_defaulted || process_group().rank() != 0) return;
  std::fprintf(stderr, "weightinit: note: no --policy: using %s, the recipe of %s\n",
               a.policy.c_str(), a.model.c_str());
}

/// The policy's warnings on stderr and, with --explain, the rule and init of every parameter:
/// the same in both output modes.
void print_policy_report(const InitArgs& a, const recipes::Policy& policy,
                         const recipes::PolicyReport& report) {
  for (const auto& w : report.warnings)
    std::fprintf(stderr, "weightinit: warning: %s\n", w.c_str());
  if (!a.explain) return;
  std::printf("%-44s %-14s %-8s %s\n", "parameter", "type", "rule", "init");
  for (const auto& p : report.parameters) {
    const std::string rule =
        p.rule < 0 ? "-" : "line " + std::to_string(policy.rules()[p.rule].line);
    std::printf("%-44s %-14s %-8s %s\n", p.name.c_str(), p.type.c_str(), rule.c_str(),
                p.rule < 0 ? "(no rule: constructor's init)" : p.init.c_str());
  }
}

std::map<std::string, double> parse_variables(const std::vector<std::string>& items) {
  std::map<std::string, double> out;
  for (const auto& item : items) {
    const std::size_t eq = item.find('=');
    WEIGHTINIT_CHECK(eq != std::string::npos && eq > 0, ValueError, "--set '", item,
                     "': expected NAME=VALUE, like --set depth=16");
    const std::string value = item.substr(eq + 1);
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    WEIGHTINIT_CHECK(used == value.size() && !value.empty(), ValueError, "--set '", item,
                     "': the value '", value, "' is not a number");
    out[item.substr(0, eq)] = v;
  }
  return out;
}

std::map<std::string, std::string> output_metadata(const InitArgs& a, const recipes::Policy& policy,
                                                   RngFamily family) {
  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"weightinit_version", WEIGHTINIT_VERSION},
      {"seed", std::to_string(a.seed)},
      {"model", a.model},
      {"generator",
       family == RngFamily::Philox ? std::string(kPhiloxAlgorithm) : std::string("torch-mt19937")},
      {"arith_mode", std::string(arith_mode_name(default_generator().arith_mode()))},
      {"policy", policy.source()},
      {"policy_rules", policy.text()},
  };
  if (family == RngFamily::Torch) metadata["torch_profile"] = default_torch_profile().name;
  if (policy.source() == "builtin:hf") {  // the transformers whose init it reproduces
    metadata["hf_init"] = "transformers " + std::string(models::kTransformersVersion);
  }
  return metadata;
}

std::optional<io::StoredDType> stored_dtype(const std::string& dtype) {
  if (dtype == "bf16") return io::StoredDType::BF16;
  if (dtype == "f16") return io::StoredDType::F16;
  return std::nullopt;
}

/// --policy hf: the model is built as Hugging Face transformers' constructor builds it, its own
/// init included (a bare "hf" names the built-in unless a file of that name exists, as
/// Policy::resolve reads it).
models::BuildOptions build_options(const InitArgs& a) {
  models::BuildOptions options;
  std::error_code ec;
  options.transformers_init =
      a.policy == "builtin:hf" || (a.policy == "hf" && !std::filesystem::exists(a.policy, ec));
  return options;
}

/// Beside a LLaMA's shards, the config files transformers' from_pretrained reads (rank 0, after
/// the shards are complete; written atomically).
void write_transformers_config(const InitArgs& a, const std::string& dir) {
  const bool llama = a.model.rfind("llama:", 0) == 0;
  // gpt2:... is transformers' GPT2LMHeadModel only when built so (nanoGPT's shapes otherwise).
  const bool gpt2 = a.model.rfind("gpt2:", 0) == 0 && build_options(a).transformers_init;
  if (!llama && !gpt2) return;
  const std::string dtype = a.dtype == "bf16"  ? "bfloat16"
                            : a.dtype == "f16" ? "float16"
                                               : "float32";
  const std::pair<std::string, std::string> files[] = {
      {"config.json", llama
                          ? models::transformers_config_json(models::llama_config(a.model), dtype)
                          : models::transformers_config_json(models::gpt2_config(a.model), dtype)},
      {"generation_config.json", llama
                                     ? models::transformers_generation_config_json(1, 2)
                                     : models::transformers_generation_config_json(50256, 50256)}};
  for (const auto& [name, text] : files) {
    io::AtomicFileWriter writer((std::filesystem::path(dir) / name).string());
    writer.write(text.data(), text.size());
    writer.commit();
  }
}

/// What stream_init wrote.
struct StreamedInit {
  recipes::ShardedWriteReport report;
  std::optional<recipes::Policy> policy;
  std::int64_t values = 0;  // elements of every tensor written
  double seconds = 0;
};

/// The model built deferred (shapes only) and each tensor streamed chunk by chunk from its
/// planned draw into `dir`: Hugging Face-style shards (under mpirun every rank writes its
/// share), or with `single_file` that one file (init -o FILE; one process, no progress, no
/// resume). Constructor draws a policy overwrites are jumped over, never computed.
StreamedInit stream_init(const InitArgs& a, const recipes::PolicyApplyOptions& policy_options,
                         RngFamily family, const std::string& dir, const std::string& single_file) {
  recipes::ShardedWriteOptions options;
  options.out_dir = dir;
  options.single_file = single_file;
  options.shard_bytes = recipes::parse_byte_size(a.shard_size);
  options.chunk_bytes = recipes::parse_byte_size(a.chunk_size);
  options.rank_block_bytes = recipes::parse_byte_size(a.rank_block);
  options.float_dtype = stored_dtype(a.dtype);
  options.resume = a.resume;
  options.overwrite = a.overwrite;
  WEIGHTINIT_CHECK(!(a.resume && a.overwrite), ValueError,
                   "give either --resume (finish the earlier run) or --overwrite (replace it), "
                   "not both");
  recipes::WorkGroup& group = single_file.empty() ? process_group() : recipes::single_process();
  const auto start = std::chrono::steady_clock::now();
  // Torch family: torch.manual_seed(seed), and the constructors' draws recorded by word offset
  // while the model is built as shapes only (the generator does not move).
  Generator gen = family == RngFamily::Philox ? Generator::philox(a.seed) : default_generator();
  if (family == RngFamily::Torch) gen.manual_seed(a.seed);
  std::optional<recipes::TorchConstructionRecorder> recorder;
  if (family == RngFamily::Torch) recorder.emplace();
  models::BuiltModel built;
  {
    const DeferredAllocationGuard deferred;
    built = models::build_model(a.model, gen, build_options(a));
  }
  if (recorder) options.torch_construction = recorder->finish();
  StreamedInit result;
  for (const auto& [name, t] : built.module->state_dict()) result.values += t.numel();
  note_default_policy(a);
  result.policy.emplace(recipes::Policy::resolve(a.policy, *built.module));
  const recipes::Policy& policy = *result.policy;
  options.metadata = output_metadata(a, policy, family);

  // Only rank 0 shows the bytes it wrote (a note says how many ranks there are).
  const bool show = group.rank() == 0 && single_file.empty();
  train::ProgressPrinter progress(
      stderr, show ? progress_mode(a.progress) : train::ProgressPrinter::Mode::Quiet, 0);
  const std::string note =
      group.size() > 1 ? "(rank 0 of " + std::to_string(group.size()) + ")" : "";
  options.progress = [&](const recipes::ShardedWriteProgress& p) {
    const double t =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.on_bytes(p.bytes_done, p.bytes_total, t, note);
  };
  const StopOnSigint stop;
  options.stop = &StopOnSigint::requested();
  try {
    result.report = recipes::write_initialized_shards(*built.module, policy, policy_options, gen,
                                                      options, group);
  } catch (const recipes::Interrupted& e) {
    std::fprintf(stderr, "weightinit: %s\n", e.what());
    throw CLI::RuntimeError(kExitInterrupted);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

/// Notes for the jumps of the torch family's generator and the tensors filled whole.
void print_stream_notes(const recipes::ShardedWriteReport& report) {
  if (report.torch_moves > 0) {
    std::fprintf(stderr,
                 "weightinit: note: PyTorch's generator jumped ahead %llu times to reach the "
                 "chunks' draws, in %.3f s\n",
                 static_cast<unsigned long long>(report.torch_moves), report.torch_move_seconds);
  }
  for (const auto& name : report.materialized) {
    std::fprintf(stderr,
                 "weightinit: note: '%s' needs the whole tensor for its init and was computed "
                 "in one piece\n",
                 name.c_str());
  }
}

/// Where -o FILE can be streamed: (directory, file name) for a regular file or a new one in an
/// existing directory, symbolic links followed as io::AtomicFileWriter follows them (the link
/// keeps pointing where it did). nullopt for a device, pipe, directory or missing directory:
/// those keep the in-memory path and its errors.
std::optional<std::pair<std::string, std::string>> streamable_target(const std::string& output) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(output);
  if (fs::is_symlink(target, ec)) {
    const fs::path resolved = fs::weakly_canonical(target, ec);
    if (ec) return std::nullopt;
    target = resolved;
  }
  const fs::file_status status = fs::status(target, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) return std::nullopt;
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..") return std::nullopt;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return std::pair{dir.string(), name};
}

/// --out DIR: streamed Hugging Face-style shards (see stream_init).
void run_streaming_init(const InitArgs& a, const recipes::PolicyApplyOptions& policy_options,
                        RngFamily family) {
  WEIGHTINIT_CHECK(a.output.empty(), ValueError, "give either -o FILE or --out DIR, not both");
  const StreamedInit streamed = stream_init(a, policy_options, family, a.out_dir, "");
  const recipes::ShardedWriteReport& report = streamed.report;
  const recipes::Policy& policy = *streamed.policy;
  const double seconds = streamed.seconds;
  recipes::WorkGroup& group = process_group();
  for (const auto& chunk : report.chunks_rewritten) {  // each rank checks its own chunks
    std::fprintf(stderr, "weightinit: warning: --resume: rewrote %s\n", chunk.c_str());
  }
  if (group.rank() != 0) return;
  write_transformers_config(a, a.out_dir);
  if (!report.removed_files.empty()) {
    std::string names;
    for (const auto& f : report.removed_files) names += (names.empty() ? "" : ", ") + f;
    std::fprintf(stderr, "weightinit: --overwrite: removed %zu file%s of an earlier run: %s\n",
                 report.removed_files.size(), report.removed_files.size() == 1 ? "" : "s",
                 names.c_str());
  }
  print_policy_report(a, policy, report.policy);
  print_stream_notes(report);
  std::printf(
      "%s: %zu tensors (%s) in %zu file%s in %s%s; %s written here in %.3f s (%s/s)%s\n",
      a.model.c_str(), report.tensors,
      train::format_bytes(static_cast<double>(report.total_bytes)).c_str(), report.files.size(),
      report.files.size() == 1 ? "" : "s", a.out_dir.c_str(),
      report.index_file.empty() ? "" : (" with " + report.index_file).c_str(),
      train::format_bytes(static_cast<double>(report.bytes_written)).c_str(), seconds,
      train::format_bytes(static_cast<double>(report.bytes_written) / std::max(seconds, 1e-9))
          .c_str(),
      report.bytes_skipped > 0
          ? (", " + train::format_bytes(static_cast<double>(report.bytes_skipped)) +
             " kept from the earlier run")
                .c_str()
          : "");
}

void run_init(InitArgs a) {
  a.policy_defaulted = a.policy.empty();
  if (a.policy_defaulted) a.policy = models::default_policy(a.model);
  recipes::PolicyApplyOptions options;
  options.strict = a.strict;
  options.variables = parse_variables(a.variables);
  const RngFamily family = parse_rng_family(a.rng);
  if (a.threads != 0) set_num_threads(a.threads);
  if (!a.out_dir.empty()) {
    run_streaming_init(a, options, family);
    return;
  }
  WEIGHTINIT_CHECK(!a.output.empty(), ValueError,
                   "give -o FILE (one safetensors file) or --out "
                   "DIR (sharded, streamed)");
  WEIGHTINIT_CHECK(a.out_dir_only.empty(), ValueError,
                   a.out_dir_only.empty() ? std::string() : a.out_dir_only.front(),
                   " needs --out DIR (with -o FILE the model is written as one file)");
  if (const auto target = streamable_target(a.output)) {
    // Streamed straight into the file (no model in memory, no copy; issue #21): the same bytes
    // as building the model, applying the policy and saving it.
    const StreamedInit streamed = stream_init(a, options, family, target->first, target->second);
    print_policy_report(a, *streamed.policy, streamed.report.policy);
    std::printf(
        "%s: %zu tensors (%lld values) initialized with %s, seed %llu, and written to %s (%s) "
        "in %.3f s\n",
        a.model.c_str(), streamed.report.tensors, static_cast<long long>(streamed.values),
        streamed.policy->source().c_str(), static_cast<unsigned long long>(a.seed),
        a.output.c_str(), a.dtype.c_str(), streamed.seconds);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  manual_seed(a.seed);
  check_model_fits(a.model, "init -o", /*needs_forward=*/false);
  const models::BuiltModel built =
      models::build_model(a.model, default_generator(), build_options(a));
  note_default_policy(a);
  const recipes::Policy policy = recipes::Policy::resolve(a.policy, *built.module);
  // Philox: every parameter from its own stream (seed, qualified name); "default" redraws the
  // constructor's scheme there, so no value depends on the torch stream the constructors used.
  Generator philox = Generator::philox(a.seed);
  Generator& gen = family == RngFamily::Philox ? philox : default_generator();
  const recipes::PolicyReport report = policy.apply(*built.module, gen, options);
  const double init_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::map<std::string, std::string> metadata = output_metadata(a, policy, family);
  const std::optional<io::StoredDType> stored = stored_dtype(a.dtype);
  const nn::StateDict state = built.module->state_dict();
  io::save_safetensors(a.output, state, metadata, stored);
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  print_policy_report(a, policy, report);
  std::int64_t values = 0;
  for (const auto& [name, t] : state) values += t.numel();
  std::printf(
      "%s: %zu tensors (%lld values) initialized with %s, seed %llu, in %.3f s; written "
      "to %s (%s) in %.3f s total\n",
      a.model.c_str(), state.size(), static_cast<long long>(values), policy.source().c_str(),
      static_cast<unsigned long long>(a.seed), init_seconds, a.output.c_str(), a.dtype.c_str(),
      total_seconds);
}

}  // namespace

void add_init_command(CLI::App& app) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "init", "build a model, initialize it with a policy (file or built-in name), save it");
  cmd->add_option("MODEL", args->model, "a model spec, e.g. resnet50, mlp:784-256-10")->required();
  cmd->add_option("--policy", args->policy,
                  "a policy file, or a built-in policy: torch-default, torchvision-resnet, ... "
                  "(weightinit list --policies); builtin:NAME always means the built-in, ./NAME "
                  "the file. Default: the model's own recipe (torchvision-* for torchvision's "
                  "models, gpt2, llama, else torch-default)");
  add_seed_option(cmd, args->seed, "torch.manual_seed before building");
  add_torch_profile_option(cmd);
  cmd->add_option("-o,--output", args->output, "the .safetensors file to write")
      ->check(output_file());
  cmd->add_option("--out", args->out_dir,
                  "stream into DIR as Hugging Face shards (model-00001-of-0000N.safetensors + "
                  "model.safetensors.index.json) in bounded memory, the same bytes as -o FILE for "
                  "either --rng (torch: each chunk from its planned word of PyTorch's stream); "
                  "under mpirun every rank writes its share")
      ->check(output_file());
  cmd->add_option("--shard-size", args->shard_size,
                  "with --out: largest shard, e.g. 2GB, 500MB, 4GiB (default 5GB)");
  cmd->add_option("--chunk-size", args->chunk_size,
                  "with --out: working memory per chunk (default 256MB)");
  cmd->add_option("--rank-block", args->rank_block,
                  "with --out under mpirun: ranks' byte ranges meet only at a file's start or at "
                  "multiples of SIZE in it, so no two ranks write one block of a shared file "
                  "system (default 4MiB)");
  cmd->add_flag("--resume", args->resume,
                "with --out: keep the shards and chunks an interrupted run finished (each "
                "chunk checked against its journal digest)");
  cmd->add_flag("--overwrite", args->overwrite,
                "with --out: remove an earlier run's checkpoint files from DIR first (without "
                "it, a DIR holding one is refused)");
  cmd->add_option("--progress", args->progress, "with --out: auto (default), bar, lines or none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  cmd->add_option("--dtype", args->dtype, "stored float type: float32 (default), bf16 or f16")
      ->check(CLI::IsMember({"float32", "bf16", "f16"}));
  cmd->add_flag("--strict", args->strict,
                "an unmatched rule or a parameter no rule matches is an error, not a warning");
  cmd->add_option("--set", args->variables,
                  "NAME=VALUE: a variable for the policy's expressions (repeatable)");
  cmd->add_flag("--explain", args->explain, "print the rule and init of every parameter");
  cmd->add_option("--rng", args->rng,
                  "torch (default: PyTorch's MT19937, bit-identical) or philox (a counter-based "
                  "stream per parameter name: the same values for any build order)");
  cmd->add_option("--threads", args->threads, "threads for the fills (default: all)");
  cmd->callback([args, cmd] {
    args->out_dir_only.clear();
    for (const char* name : {"--shard-size", "--chunk-size", "--rank-block", "--resume",
                             "--overwrite", "--progress"}) {
      if (cmd->count(name) > 0) args->out_dir_only.emplace_back(name);
    }
    run_init(*args);
  });
}

}  // namespace weightinit::cli
