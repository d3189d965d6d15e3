// SPDX-License-Identifier: MIT
// write_initialized_shards: the streamed shards hold exactly what Policy::apply + safetensors
// give, for any chunk size, shard size and number of processes (threads standing in for MPI
// ranks here; tests/io/check_mpi_shards.sh runs real mpirun), and resume after an interrupt.
#include "weightinit/recipes/sharded_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/tensor/deferred.h"

namespace wi = weightinit;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/wi_sharded_XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Every file of `dir` by name with its bytes.
std::map<std::string, std::string> dir_bytes(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out[e.path().filename()] = read_file(e.path());
  return out;
}

std::shared_ptr<wi::nn::Module> build(const std::string& spec, bool deferred) {
  wi::Generator gen(0);
  if (!deferred) return wi::models::build_model(spec, gen).module;
  const wi::DeferredAllocationGuard guard;
  return wi::models::build_model(spec, gen).module;
}

wi::recipes::ShardedWriteReport write(
    const std::string& spec, const std::string& policy_name, const fs::path& dir,
    wi::recipes::ShardedWriteOptions options, std::uint64_t seed = 5,
    wi::recipes::WorkGroup& group = wi::recipes::single_process()) {
  auto model = build(spec, true);
  const auto policy = wi::recipes::Policy::resolve(policy_name, *model);
  wi::Generator gen = wi::Generator::philox(seed);
  options.out_dir = dir.string();
  options.metadata = {{"format", "pt"}};
  return wi::recipes::write_initialized_shards(*model, policy, {}, gen, options, group);
}

/// The state dict of the materialized model after policy.apply with the same Philox seed.
wi::nn::StateDict reference(const std::string& spec, const std::string& policy_name,
                            std::uint64_t seed = 5) {
  static std::vector<std::shared_ptr<wi::nn::Module>> keep;  // the tensors share its storage
  auto model = build(spec, false);
  keep.push_back(model);
  const auto policy = wi::recipes::Policy::resolve(policy_name, *model);
  wi::Generator gen = wi::Generator::philox(seed);
  policy.apply(*model, gen);
  return model->state_dict();
}

/// Loads every shard listed in the report and compares each tensor with `expected`, stored as
/// `stored` (BF16 through the same rounding save_safetensors uses).
void expect_shards_equal(const fs::path& dir, const wi::recipes::ShardedWriteReport& report,
                         const wi::nn::StateDict& expected,
                         std::optional<wi::io::StoredDType> stored = std::nullopt) {
  const fs::path single = dir / "reference.safetensors";
  wi::io::save_safetensors(single.string(), expected, {{"format", "pt"}}, stored);
  const auto ref = wi::io::load_safetensors(single.string());
  fs::remove(single);
  std::map<std::string, wi::Tensor> got;
  for (const auto& file : report.files) {
    for (const auto& [name, t] : wi::io::load_safetensors((dir / file).string()).tensors) {
      EXPECT_TRUE(got.emplace(name, t).second) << "tensor in two shards: " << name;
    }
  }
  ASSERT_EQ(got.size(), ref.tensors.size());
  for (const auto& [name, t] : ref.tensors) {
    ASSERT_TRUE(got.count(name)) << name;
    const wi::Tensor& g = got.at(name);
    ASSERT_EQ(g.sizes(), t.sizes()) << name;
    ASSERT_EQ(g.dtype(), t.dtype()) << name;
    const auto bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
    EXPECT_EQ(std::memcmp(g.raw_data(), t.raw_data(), bytes), 0) << name << " differs";
  }
}

TEST(ShardedWriter, ShardsHoldWhatPolicyApplyAndSafetensorsGive) {
  for (const auto& [spec, policy] : std::vector<std::pair<std::string, std::string>>{
           {"resnet18", "torchvision-resnet"},
           {"llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100", "llama"}}) {
    SCOPED_TRACE(spec);
    const TempDir dir;
    wi::recipes::ShardedWriteOptions o;
    o.shard_bytes = 20'000'000;
    o.chunk_bytes = 1 << 20;
    const auto report = write(spec, policy, dir.path, o);
    EXPECT_TRUE(report.materialized.empty());
    EXPECT_LE(report.largest_chunk_bytes, o.chunk_bytes);
    expect_shards_equal(dir.path, report, reference(spec, policy));
  }
}

TEST(ShardedWriter, Bf16AndTheHuggingFaceLayout) {
  const TempDir dir;
  wi::recipes::ShardedWriteOptions o;
  o.shard_bytes = 10'000'000;
  o.chunk_bytes = 100'000;
  o.float_dtype = wi::io::StoredDType::BF16;
  const auto report = write("resnet18", "torchvision-resnet", dir.path, o);
  expect_shards_equal(dir.path, report, reference("resnet18", "torchvision-resnet"),
                      wi::io::StoredDType::BF16);
  ASSERT_GT(report.files.size(), 1u);
  EXPECT_EQ(report.files[0],
            "model-00001-of-0000" + std::to_string(report.files.size()) + ".safetensors");
  const auto index = nlohmann::json::parse(read_file(dir.path / "model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"].get<std::uint64_t>(), report.total_bytes);
  EXPECT_EQ(index["weight_map"]["conv1.weight"], report.files[0]);
  EXPECT_EQ(index["weight_map"].size(), report.tensors);
  std::uint64_t largest_shard_data = 0;
  for (const auto& f : report.files) {
    std::uint64_t data = 0;
    for (const auto& [name, t] : wi::io::load_safetensors((dir.path / f).string()).tensors) {
      data += static_cast<std::uint64_t>(t.numel()) * (t.dtype() == wi::DType::Int64 ? 8 : 2);
      EXPECT_EQ(index["weight_map"][name], f) << name;
    }
    largest_shard_data = std::max(largest_shard_data, data);
  }
  EXPECT_LE(largest_shard_data, o.shard_bytes);
  for (const auto& e : fs::directory_iterator(dir.path)) {
    EXPECT_EQ(e.path().string().find(".partial"), std::string::npos) << e.path();
  }
}

TEST(ShardedWriter, OneShardIsModelSafetensorsWithoutIndex) {
  const TempDir dir;
  const auto report = write("mlp:784-256-10", "torch-default", dir.path, {});
  ASSERT_EQ(report.files, std::vector<std::string>{"model.safetensors"});
  EXPECT_TRUE(report.index_file.empty());
  EXPECT_FALSE(fs::exists(dir.path / "model.safetensors.index.json"));
  expect_shards_equal(dir.path, report, reference("mlp:784-256-10", "torch-default"));
}

// init -o FILE's mode: the whole model in one named file (however small the shard size), no
// index, journal or temporary left, an older file of that name replaced, bytes as Policy::apply.
TEST(ShardedWriter, SingleFileModeWritesOneNamedFileAndLeavesNothingElse) {
  const TempDir dir;
  std::ofstream(dir.path / "mine.safetensors") << "old";
  std::ofstream(dir.path / "model.safetensors") << "another run's shard, not ours";
  wi::recipes::ShardedWriteOptions o;
  o.single_file = "mine.safetensors";
  o.shard_bytes = 1000;  // ignored: one file
  o.chunk_bytes = 4096;  // many chunks
  const auto report = write("mlp:784-256-10", "torch-default", dir.path, o);
  ASSERT_EQ(report.files, std::vector<std::string>{"mine.safetensors"});
  EXPECT_TRUE(report.index_file.empty());
  const auto files = dir_bytes(dir.path);
  ASSERT_EQ(files.size(), 2u);  // ours, and the untouched model.safetensors
  EXPECT_EQ(files.at("model.safetensors"), "another run's shard, not ours");
  expect_shards_equal(dir.path, report, reference("mlp:784-256-10", "torch-default"));
}

TEST(ShardedWriter, SingleFileModeRefusesResumeSlashesAndSeveralProcesses) {
  const TempDir dir;
  wi::recipes::ShardedWriteOptions o;
  o.single_file = "a.safetensors";
  o.resume = true;
  EXPECT_THROW(write("mlp:8-4", "torch-default", dir.path, o), wi::ValueError);
  o.resume = false;
  o.single_file = "sub/a.safetensors";
  EXPECT_THROW(write("mlp:8-4", "torch-default", dir.path, o), wi::ValueError);
  struct TwoRanks final : wi::recipes::WorkGroup {  // rank 0 of 2: refused before any barrier
    int rank() const override { return 0; }
    int size() const override { return 2; }
    bool all_ok(bool ok) override { return ok; }
  } two;
  o.single_file = "a.safetensors";
  try {
    write("mlp:8-4", "torch-default", dir.path, o, 5, two);
    ADD_FAILURE() << "expected ValueError";
  } catch (const wi::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "one file is written by one process: under mpirun write a directory of shards "
              "(--out DIR)");
  }
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(ShardedWriter, BytesDoNotDependOnChunkSize) {
  const TempDir a, b;
  wi::recipes::ShardedWriteOptions small, large;
  small.shard_bytes = large.shard_bytes = 5'000'000;
  small.chunk_bytes = 4096;
  large.chunk_bytes = 1ull << 30;
  write("resnet18", "torchvision-resnet", a.path, small);
  write("resnet18", "torchvision-resnet", b.path, large);
  EXPECT_EQ(dir_bytes(a.path), dir_bytes(b.path));
}

/// K threads standing in for K MPI ranks: all_ok is a barrier that ANDs the flags.
class ThreadGroup final : public wi::recipes::WorkGroup {
 public:
  struct Shared {
    explicit Shared(int n) : barrier(n), size(n) {}
    std::barrier<> barrier;
    std::atomic<int> failures{0};
    int size;
  };
  ThreadGroup(Shared& shared, int rank) : shared_(shared), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return shared_.size; }
  bool all_ok(bool ok) override {
    if (!ok) ++shared_.failures;
    shared_.barrier.arrive_and_wait();
    const bool all = shared_.failures.load() == 0;
    shared_.barrier.arrive_and_wait();
    return all;
  }

 private:
  Shared& shared_;
  int rank_;
};

TEST(ShardedWriter, AnyNumberOfProcessesWritesTheSameBytes) {
  const TempDir one;
  wi::recipes::ShardedWriteOptions o;
  o.shard_bytes = 7'000'000;
  o.chunk_bytes = 300'000;
  o.float_dtype = wi::io::StoredDType::BF16;
  write("resnet18", "torchvision-resnet", one.path, o);
  const auto expected = dir_bytes(one.path);
  for (int k : {2, 3, 4}) {
    SCOPED_TRACE(k);
    const TempDir dir;
    ThreadGroup::Shared shared(k);
    std::vector<std::uint64_t> written(static_cast<std::size_t>(k));
    std::vector<std::thread> ranks;
    for (int r = 0; r < k; ++r) {
      ranks.emplace_back([&, r] {
        ThreadGroup group(shared, r);
        written[static_cast<std::size_t>(r)] =
            write("resnet18", "torchvision-resnet", dir.path, o, 5, group).bytes_written;
      });
    }
    for (auto& t : ranks) t.join();
    EXPECT_EQ(dir_bytes(dir.path), expected);
    std::uint64_t sum = 0;
    for (auto w : written) {
      EXPECT_GT(w, 0u) << "every rank has a share";
      sum += w;
    }
    o.overwrite = true;  // the same plan again into `one`
    EXPECT_EQ(sum, write("resnet18", "torchvision-resnet", one.path, o).total_bytes);
    o.overwrite = false;
  }
}

/// Interrupts a resnet18 write into `dir` about half way (options `o`).
void write_half(const fs::path& dir, wi::recipes::ShardedWriteOptions o) {
  std::atomic<bool> stop{false};
  int calls = 0;
  o.stop = &stop;
  o.progress = [&](const wi::recipes::ShardedWriteProgress&) {
    if (++calls == 40) stop = true;
  };
  EXPECT_THROW(write("resnet18", "torchvision-resnet", dir, o), wi::recipes::Interrupted);
}

TEST(ShardedWriter, InterruptedRunLeavesNoHalfShardAndResumeCompletesIt) {
  const TempDir clean, dir;
  wi::recipes::ShardedWriteOptions o;
  o.shard_bytes = 8'000'000;
  o.chunk_bytes = 500'000;
  write("resnet18", "torchvision-resnet", clean.path, o);
  write_half(dir.path, o);
  // Final names hold whole shards only: each is byte-identical to the clean run's.
  const auto clean_bytes = dir_bytes(clean.path);
  int partial = 0;
  for (const auto& [name, bytes] : dir_bytes(dir.path)) {
    if (name.find(".partial") != std::string::npos) {
      ++partial;
      continue;
    }
    ASSERT_TRUE(clean_bytes.count(name)) << name;
    EXPECT_EQ(bytes, clean_bytes.at(name)) << name;
  }
  EXPECT_GT(partial, 0);
  EXPECT_FALSE(fs::exists(dir.path / "model.safetensors.index.json"));

  o.resume = true;
  const auto report = write("resnet18", "torchvision-resnet", dir.path, o);
  EXPECT_GT(report.bytes_skipped, 0u);
  EXPECT_LT(report.bytes_written, report.total_bytes);
  EXPECT_EQ(dir_bytes(dir.path), clean_bytes);

  // A resume with other settings refuses to mix them.
  try {
    write("resnet18", "torchvision-resnet", dir.path, o, /*seed=*/6);
    ADD_FAILURE() << "a different seed was resumed";
  } catch (const wi::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("written with other settings"), std::string::npos)
        << e.what();
  }
}

// Issue #24: a journal that lists chunks never written (or a chunk whose bytes changed) must not
// be trusted: each entry carries the chunk's digest, and a mismatch is written again.
TEST(ShardedWriter, ResumeRewritesChunksWhoseJournalDigestDoesNotMatch) {
  const TempDir clean, dir;
  wi::recipes::ShardedWriteOptions o;
  o.shard_bytes = 8'000'000;
  o.chunk_bytes = 500'000;
  write("resnet18", "torchvision-resnet", clean.path, o);
  write_half(dir.path, o);
  int journals = 0, forged = 0, corrupted = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) {
    const std::string name = e.path().filename();
    if (name.size() < 13 || name.substr(name.size() - 13) != ".partial.done") continue;
    ++journals;
    // The journal's own lines are "UNIT DIGEST".
    std::ifstream in(e.path());
    std::string first;
    ASSERT_TRUE(std::getline(in, first));
    EXPECT_EQ(first.size() - first.find(' '), 17u) << "UNIT DIGEST: " << first;
    in.close();
    // Forge entries for every unit id, with a made-up digest, and one without a digest.
    std::ofstream journal(e.path(), std::ios::app);
    for (int u = 0; u < 400; ++u, ++forged) journal << u << " 0123456789abcdef\n";
    journal << "3\n";
    const fs::path partial = e.path().string().substr(0, e.path().string().size() - 5);
    ASSERT_TRUE(fs::exists(partial)) << partial;
    std::fstream bytes(partial, std::ios::in | std::ios::out | std::ios::binary);
    std::uint64_t header = 0;  // safetensors: u64 header length, header, data
    bytes.read(reinterpret_cast<char*>(&header), 8);
    bytes.seekp(static_cast<std::streamoff>(8 + header));  // the first tensor's first byte
    bytes.put('\x5a');
    ++corrupted;
  }
  ASSERT_GT(journals, 0);
  o.resume = true;
  const auto report = write("resnet18", "torchvision-resnet", dir.path, o);
  EXPECT_FALSE(report.chunks_rewritten.empty());
  EXPECT_GT(report.bytes_skipped, 0u) << "the honest entries are still kept";
  EXPECT_EQ(dir_bytes(dir.path), dir_bytes(clean.path));
  EXPECT_GT(forged + corrupted, 0);
}

// Issue #24: an earlier run's files of another layout never stay beside a new checkpoint.
TEST(ShardedWriter, EarlierCheckpointIsRefusedOrRemovedButNeverLeftStale) {
  const TempDir single, sharded, dir;
  wi::recipes::ShardedWriteOptions one_file, many;
  many.shard_bytes = 8'000'000;
  write("resnet18", "torchvision-resnet", single.path, one_file, 1);
  write("resnet18", "torchvision-resnet", sharded.path, many, 2);
  write("resnet18", "torchvision-resnet", dir.path, one_file, 1);  // model.safetensors, seed 1
  { std::ofstream(dir.path / "config.json") << "{}"; }             // not ours: kept
  const auto expect_refused = [&](const wi::recipes::ShardedWriteOptions& o,
                                  const std::string& what) {
    try {
      write("resnet18", "torchvision-resnet", dir.path, o, 2);
      ADD_FAILURE() << "an earlier checkpoint was written over without --overwrite";
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_refused(many, "already holds model.safetensors from an earlier run: pass --overwrite");
  auto resume = many;
  resume.resume = true;
  expect_refused(resume, "model.safetensors' belongs to another layout");
  auto overwrite = many;
  overwrite.overwrite = true;
  const auto report = write("resnet18", "torchvision-resnet", dir.path, overwrite, 2);
  EXPECT_EQ(report.removed_files, std::vector<std::string>{"model.safetensors"});
  auto expected = dir_bytes(sharded.path);
  expected["config.json"] = "{}";
  EXPECT_EQ(dir_bytes(dir.path), expected);
  // And back to one file: the shards and the index go.
  const auto back = write(
      "resnet18", "torchvision-resnet", dir.path,
      [&] {
        auto o = one_file;
        o.overwrite = true;
        return o;
      }(),
      1);
  EXPECT_EQ(back.removed_files.size(), report.files.size() + 1);
  expected = dir_bytes(single.path);
  expected["config.json"] = "{}";
  EXPECT_EQ(dir_bytes(dir.path), expected);
}

TEST(ShardedWriter, CheckpointFileNames) {
  for (const char* yes :
       {"model.safetensors", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
        "model.safetensors.partial", "model-00002-of-00002.safetensors.partial.done",
        "model-123456-of-123456.safetensors"}) {
    EXPECT_TRUE(wi::recipes::is_checkpoint_file_name(yes)) << yes;
  }
  for (const char* no :
       {"config.json", "model.bin", "model-1-of-2.safetensors", "model-0000a-of-00002.safetensors",
        "tokenizer.json", "model", "adapter_model.safetensors", "model-00001-of-.safetensors"}) {
    EXPECT_FALSE(wi::recipes::is_checkpoint_file_name(no)) << no;
  }
}

TEST(ShardedWriter, WholeTensorInitsAndEmbeddingPaddingRows) {
  // orthogonal needs the whole matrix: it is computed in one piece, still bit-identical.
  const TempDir dir;
  const std::string policy_file = (dir.path / "ortho.policy").string();
  std::ofstream(policy_file) << "Linear.weight: orthogonal(gain=1)\nLinear.bias: zeros\n";
  wi::recipes::ShardedWriteOptions o;
  o.chunk_bytes = 4096;
  const fs::path out = dir.path / "out";
  const auto report = write("mlp:64-32-10", policy_file, out, o);
  EXPECT_EQ(report.materialized, (std::vector<std::string>{"0.weight", "2.weight"}));
  expect_shards_equal(out, report, reference("mlp:64-32-10", policy_file));
}

TEST(ShardedWriter, EmbeddingPaddingRowIsZeroedInEveryChunk) {
  const TempDir dir;
  // A model with a padding row, built by hand (deferred and materialized alike).
  const auto make = [](bool deferred) {
    std::optional<wi::DeferredAllocationGuard> guard;
    if (deferred) guard.emplace();
    auto net = std::make_shared<wi::nn::Sequential>();
    wi::Generator gen(0);
    net->push_back(std::make_shared<wi::nn::Embedding>(300, 64, 123, gen));
    net->push_back(std::make_shared<wi::nn::Linear>(64, 8, true, gen));
    return net;
  };
  auto deferred = make(true);
  const auto policy = wi::recipes::Policy::builtin("torch-default", *deferred);
  wi::Generator gen = wi::Generator::philox(9);
  wi::recipes::ShardedWriteOptions o;
  o.out_dir = dir.path.string();
  o.chunk_bytes = 4096;  // the row is spread over chunks
  const auto report = wi::recipes::write_initialized_shards(*deferred, policy, {}, gen, o);
  auto real = make(false);
  wi::Generator gen2 = wi::Generator::philox(9);
  policy.apply(*real, gen2);
  EXPECT_EQ(real->state_dict()[0].second.select(0, 123).to_vector<float>(),
            std::vector<float>(64, 0.0f));
  expect_shards_equal(dir.path, report, real->state_dict());
}

TEST(ShardedWriter, BadInput) {
  const TempDir dir;
  auto model = build("mlp:8-4", true);
  const auto policy = wi::recipes::Policy::builtin("torch-default", *model);
  wi::recipes::ShardedWriteOptions o;
  o.out_dir = dir.path.string();
  wi::Generator torch_gen(0);
  EXPECT_THROW(wi::recipes::write_initialized_shards(*model, policy, {}, torch_gen, o),
               wi::ValueError);
  wi::Generator philox = wi::Generator::philox(0);
  o.chunk_bytes = 100;
  EXPECT_THROW(wi::recipes::write_initialized_shards(*model, policy, {}, philox, o),
               wi::ValueError);
  o.chunk_bytes = 1 << 20;
  o.out_dir = "/proc/no/such/dir";
  EXPECT_THROW(wi::recipes::write_initialized_shards(*model, policy, {}, philox, o), wi::IoError);
  {
    const wi::DeferredAllocationGuard guard;
    o.out_dir = dir.path.string();
    EXPECT_THROW(wi::recipes::write_initialized_shards(*model, policy, {}, philox, o),
                 wi::ValueError);
  }
}

// ---- The torch family: PyTorch's one MT19937 stream, planned by word offset ----

/// The hf policy keeps what transformers' own constructor draws: the model is built so.
wi::models::BuildOptions build_options(const std::string& policy_name) {
  return {.transformers_init = policy_name == "hf"};
}

/// torch.manual_seed(seed); m = Model(); policy(m): the sequential run's state dict, and the
/// generator's state after it.
std::pair<wi::nn::StateDict, std::array<std::uint8_t, wi::Generator::kStateBytes>> torch_reference(
    const std::string& spec, const std::string& policy_name, std::uint64_t seed) {
  static std::vector<std::shared_ptr<wi::nn::Module>> keep;  // the tensors share its storage
  wi::Generator gen(seed);
  auto model = wi::models::build_model(spec, gen, build_options(policy_name)).module;
  keep.push_back(model);
  wi::recipes::Policy::resolve(policy_name, *model).apply(*model, gen);
  return {model->state_dict(), gen.get_state()};
}

/// The same, streamed: the constructors' draws recorded on a deferred build, then written.
wi::recipes::ShardedWriteReport torch_write(
    const std::string& spec, const std::string& policy_name, const fs::path& dir,
    wi::recipes::ShardedWriteOptions options, std::uint64_t seed,
    wi::recipes::WorkGroup& group = wi::recipes::single_process()) {
  wi::Generator gen(seed);
  wi::recipes::TorchConstructionRecorder recorder;
  std::shared_ptr<wi::nn::Module> model;
  {
    const wi::DeferredAllocationGuard deferred;
    model = wi::models::build_model(spec, gen, build_options(policy_name)).module;
  }
  options.torch_construction = recorder.finish();
  EXPECT_EQ(gen.words_drawn(), 0u) << "recording a build draws nothing";
  const auto policy = wi::recipes::Policy::resolve(policy_name, *model);
  options.out_dir = dir.string();
  options.metadata = {{"format", "pt"}};
  return wi::recipes::write_initialized_shards(*model, policy, {}, gen, options, group);
}

/// A policy with every kind of torch-family draw: whole-tensor inits (orthogonal_, sparse_,
/// 2.12+'s rejection trunc_normal_), the scalar normal_ path with its cached sample (biases of
/// fewer than 16 values), constants, and parameters left to their constructors.
std::string mixed_torch_policy(const fs::path& dir) {
  const std::string path = (dir / "mixed.policy").string();
  std::ofstream(path) << "0.weight: trunc_normal(std=0.02)\n"
                         "*.bias: normal(std=0.5)\n"
                         "Linear.weight: orthogonal(gain=1)\n"
                         "Conv2d.weight: default\n";
  return path;
}

TEST(ShardedWriterTorch, StreamsTheSequentialRunBitForBitAtAnyChunkSize) {
  const TempDir policies;
  const std::string mixed = mixed_torch_policy(policies.path);
  const std::uint32_t seed = std::random_device{}() % 100000;
  std::printf("torch seed %u (random this run)\n", seed);
  for (const auto& [spec, policy] : std::vector<std::pair<std::string, std::string>>{
           {"resnet18", "torchvision-resnet"},
           {"seed-mlp", "torch-default"},  // xavier_normal_ on 3x3: the scalar path
           {"llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100", "llama"},
           {"llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100,tied=true", "hf"},
           {"gpt2:d=64,layers=2,heads=4,vocab=100,positions=32", "hf"},  // Conv1D, 3 draws
           {"cnn:4-8-16", mixed},
           {"mlp:20-30-7-9", mixed},
           {"mlp:16-[12x2]-4:rezero", "torch-default"}}) {
    const auto [expected, state_after] = torch_reference(spec, policy, seed);
    for (const std::uint64_t chunk :
         {std::uint64_t{4096}, std::uint64_t{65536}, std::uint64_t{1} << 30}) {
      SCOPED_TRACE(spec + " chunk " + std::to_string(chunk) + " seed " + std::to_string(seed));
      const TempDir dir;
      wi::recipes::ShardedWriteOptions o;
      o.chunk_bytes = chunk;
      o.shard_bytes = 10'000'000;
      const auto report = torch_write(spec, policy, dir.path, o, seed);
      expect_shards_equal(dir.path, report, expected);
      if (policy == mixed) EXPECT_FALSE(report.materialized.empty()) << "whole-tensor inits";
      ASSERT_TRUE(report.torch_state_after.has_value());
      EXPECT_TRUE(*report.torch_state_after == state_after)
          << "the plan ends where the sequential run leaves torch's generator";
    }
  }
}

TEST(ShardedWriterTorch, AnyNumberOfProcessesWritesTheSameBytes) {
  const TempDir policies, one;
  const std::string mixed = mixed_torch_policy(policies.path);
  wi::recipes::ShardedWriteOptions o;
  o.chunk_bytes = 4096;
  o.shard_bytes = 100'000;
  o.float_dtype = wi::io::StoredDType::BF16;
  torch_write("cnn:8-16-64", mixed, one.path, o, 21);
  const auto expected = dir_bytes(one.path);
  EXPECT_GT(expected.size(), 2u) << "several shards";
  for (int k : {2, 3, 4}) {
    SCOPED_TRACE(k);
    const TempDir dir;
    ThreadGroup::Shared shared(k);
    std::vector<std::thread> ranks;
    for (int r = 0; r < k; ++r) {
      ranks.emplace_back([&, r] {
        ThreadGroup group(shared, r);
        torch_write("cnn:8-16-64", mixed, dir.path, o, 21, group);
      });
    }
    for (auto& t : ranks) t.join();
    EXPECT_EQ(dir_bytes(dir.path), expected);
  }
}

TEST(ShardedWriter, ProcessesNeverShareABlockOfAFile) {
  // Issue #19 step 6: on a shared file system a client caches whole pages or stripes, so two
  // ranks writing neighbouring bytes of one block could clobber each other. Ranges meet only at
  // a file's start or at a multiple of rank_block_bytes, whatever the chunk and block sizes.
  for (const std::uint64_t block :
       {std::uint64_t{4096}, std::uint64_t{65536}, std::uint64_t{1} << 20}) {
    for (const int k : {2, 3, 4}) {
      SCOPED_TRACE("block " + std::to_string(block) + ", " + std::to_string(k) + " ranks");
      const TempDir one, dir;
      wi::recipes::ShardedWriteOptions o;
      o.shard_bytes = 3'000'000;
      o.chunk_bytes = 100'000;
      o.rank_block_bytes = block;
      o.float_dtype = wi::io::StoredDType::BF16;  // bf16 values beside int64 buffers
      write("resnet18", "torchvision-resnet", one.path, o);
      ThreadGroup::Shared shared(k);
      std::vector<wi::recipes::ShardedWriteReport> reports(static_cast<std::size_t>(k));
      std::vector<std::thread> ranks;
      for (int r = 0; r < k; ++r) {
        ranks.emplace_back([&, r] {
          ThreadGroup group(shared, r);
          reports[static_cast<std::size_t>(r)] =
              write("resnet18", "torchvision-resnet", dir.path, o, 5, group);
        });
      }
      for (auto& t : ranks) t.join();
      EXPECT_EQ(dir_bytes(dir.path), dir_bytes(one.path));
      std::map<std::pair<std::string, std::uint64_t>, int> owner;  // (file, block) -> rank
      std::uint64_t covered = 0;
      for (int r = 0; r < k; ++r) {
        for (const auto& range : reports[static_cast<std::size_t>(r)].ranges) {
          covered += range.end - range.begin;
          for (const std::uint64_t b : {range.begin / block, (range.end - 1) / block}) {
            const auto [it, fresh] = owner.emplace(std::make_pair(range.file, b), r);
            EXPECT_TRUE(fresh || it->second == r)
                << range.file << " block " << b << ": ranks " << it->second << " and " << r;
          }
        }
      }
      EXPECT_EQ(covered, reports[0].total_bytes) << "every byte has one owner";
    }
  }
}

TEST(ShardedWriterTorch, ResumeRefusesAnotherSeedOrProfile) {
  const TempDir dir;
  wi::recipes::ShardedWriteOptions o;
  o.chunk_bytes = 4096;
  torch_write("mlp:64-32-10", "torch-default", dir.path, o, 1);
  o.resume = true;
  EXPECT_NO_THROW(torch_write("mlp:64-32-10", "torch-default", dir.path, o, 1));
  const auto refusal = [&](std::uint64_t seed) {
    try {
      torch_write("mlp:64-32-10", "torch-default", dir.path, o, seed);
    } catch (const wi::ValueError& e) {
      return std::string(e.what());
    }
    return std::string("(not refused)");
  };
  // The refusal names what changed.
  EXPECT_NE(refusal(2).find("written with other settings (weightinit_seed: 1 there, 2 now)"),
            std::string::npos)
      << refusal(2);
  const wi::TorchProfile previous = wi::default_torch_profile();
  wi::set_default_torch_profile(wi::torch_profile("1.13-default"));
  const std::string profile = refusal(1);
  wi::set_default_torch_profile(previous);
  EXPECT_NE(profile.find("weightinit_arith_mode: "), std::string::npos) << profile;
  EXPECT_NE(profile.find("weightinit_torch_version: "), std::string::npos) << profile;
  // A partial shard of another plan is refused too, not silently overwritten.
  const TempDir other;
  wi::recipes::ShardedWriteOptions p;
  p.chunk_bytes = 4096;
  std::atomic<bool> stop{false};
  p.stop = &stop;
  p.progress = [&](const wi::recipes::ShardedWriteProgress&) { stop = true; };
  EXPECT_THROW(torch_write("mlp:64-32-10", "torch-default", other.path, p, 1),
               wi::recipes::Interrupted);
  p.stop = nullptr;
  p.progress = nullptr;
  p.resume = true;
  try {
    torch_write("mlp:64-32-10", "torch-default", other.path, p, 3);
    ADD_FAILURE() << "a partial shard of seed 1 was resumed with seed 3";
  } catch (const wi::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("is a partial shard but was written with other settings "
                                         "(weightinit_seed: 1 there, 3 now)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ShardedWriterTorch, BadInput) {
  const TempDir dir;
  auto model = build("mlp:8-4", true);
  const auto policy = wi::recipes::Policy::builtin("torch-default", *model);
  wi::recipes::ShardedWriteOptions o;
  o.out_dir = dir.path.string();
  wi::recipes::TorchConstructionRecorder recorder;
  o.torch_construction = recorder.finish();
  EXPECT_THROW(recorder.finish(), wi::ValueError) << "finish twice";
  wi::Generator cached(0);
  wi::Tensor three = wi::Tensor::empty({3});
  wi::normal_(three, 0, 1, cached);  // leaves a cached Box-Muller sample
  try {
    wi::recipes::write_initialized_shards(*model, policy, {}, cached, o);
    ADD_FAILURE() << "a generator with a cached sample";
  } catch (const wi::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("no cached normal sample"), std::string::npos);
  }
}

TEST(ShardedWriter, ParseByteSize) {
  EXPECT_EQ(wi::recipes::parse_byte_size("2GB"), 2'000'000'000u);
  EXPECT_EQ(wi::recipes::parse_byte_size("500MB"), 500'000'000u);
  EXPECT_EQ(wi::recipes::parse_byte_size("256MiB"), 256u << 20);
  EXPECT_EQ(wi::recipes::parse_byte_size("1.5g"), 1'500'000'000u);
  EXPECT_EQ(wi::recipes::parse_byte_size("4096"), 4096u);
  for (const char* bad : {"", "GB", "-1GB", "0", "2XB", "nanGB", "1e30TB"}) {
    try {
      wi::recipes::parse_byte_size(bad);
      ADD_FAILURE() << bad;
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("invalid size '") + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
