// SPDX-License-Identifier: MIT
// Streaming init of any model into Hugging Face-style sharded safetensors, in bounded memory,
// resumable, and split across the processes of a work group (MPI) with byte-identical output.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "weightinit/io/safetensors.h"
#include "weightinit/nn/module.h"
#include "weightinit/random/generator.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/recipes/torch_construction.h"

namespace weightinit::recipes {

/// The processes that write one output together, and their only synchronisation. The library
/// never links MPI: tools/cli provides an MPI implementation when built with WEIGHTINIT_MPI.
class WorkGroup {
 public:
  virtual ~WorkGroup() = default;
  /// This process's index, 0 .. size() − 1.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// A barrier that also combines one flag: returns true when every process passed true.
  virtual bool all_ok(bool ok) = 0;
};

/// The group of one process (rank 0 of 1).
WorkGroup& single_process();

/// Progress of this process's share of a write.
struct ShardedWriteProgress {
  std::uint64_t bytes_done = 0;   ///< written (or found done by --resume) so far
  std::uint64_t bytes_total = 0;  ///< this process's share
};

/// Options of write_initialized_shards.
struct ShardedWriteOptions {
  std::string out_dir;                        ///< created if missing
  std::uint64_t shard_bytes = 5'000'000'000;  ///< Hugging Face's default max_shard_size, 5GB
  std::uint64_t chunk_bytes = 256ull << 20;   ///< working memory per chunk (≥ 4 KiB)
  /// With several processes, their byte ranges meet only at multiples of this within a file
  /// (or at a file's start): no two processes write the same block (write_initialized_shards).
  std::uint64_t rank_block_bytes = 4ull << 20;
  std::optional<io::StoredDType> float_dtype;   ///< floats stored as this (BF16, F16, ...)
  std::map<std::string, std::string> metadata;  ///< every shard's "__metadata__"
  bool resume = false;                          ///< keep finished shards and chunks
  /// Remove an earlier run's checkpoint files from out_dir first (model*.safetensors, the
  /// index, .partial files and journals). Without it (and without resume) a directory that
  /// holds any is refused, so no stale shard is ever left beside a new one.
  bool overwrite = false;
  /// Called after each chunk of this process (its own thread).
  std::function<void(const ShardedWriteProgress&)> progress;
  /// When set to true (a signal handler), the write stops after the current chunk, leaving
  /// what it finished for resume; write_initialized_shards then throws Interrupted.
  const std::atomic<bool>* stop = nullptr;
  /// Non-empty: the whole model goes into this one file in out_dir (shard_bytes is ignored, no
  /// index), as `weightinit init -o FILE` writes it. Only that file's own .partial files count
  /// as an earlier run's: they are replaced, and so is an existing file of that name, by the
  /// rename that ends the write (the old file stays until then). resume is refused.
  std::string single_file;
  /// Torch family: what the deferred model's constructors drew (TorchConstructionRecorder),
  /// with the generator passed to write_initialized_shards as it was before the build.
  std::shared_ptr<const TorchConstruction> torch_construction;
};

/// Thrown when options.stop ended a write; the output can be resumed.
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Bytes [begin, end) of one shard file.
struct ShardedByteRange {
  std::string file;
  std::uint64_t begin = 0, end = 0;
};

/// What a write did.
struct ShardedWriteReport {
  std::vector<std::string> files;   ///< shard file names in out_dir, in order
  std::string index_file;           ///< "model.safetensors.index.json", or "" (one file)
  std::uint64_t total_bytes = 0;    ///< tensor data of the whole model
  std::uint64_t bytes_written = 0;  ///< tensor data this process wrote in this run
  std::uint64_t bytes_skipped = 0;  ///< this process's share found done (resume)
  std::size_t tensors = 0;
  std::vector<std::string> materialized;  ///< tensors filled whole, not chunk by chunk
  std::uint64_t largest_chunk_bytes = 0;  ///< peak working buffer of this process
  std::vector<ShardedByteRange> ranges;   ///< the bytes this process owns, per file
  /// resume: journaled chunks of this process whose bytes did not match their journal digest
  /// (or whose journal line had none), and were written again.
  std::vector<std::string> chunks_rewritten;
  std::vector<std::string> removed_files;  ///< overwrite: an earlier run's files removed
  recipes::PolicyReport policy;  ///< which rule took each parameter, and the policy's warnings
  /// Torch family: the generator's state after the plan, as `torch.get_rng_state()` is after
  /// `torch.manual_seed(s); m = Model(); policy(m)` (the plan's check).
  std::optional<std::array<std::uint8_t, Generator::kStateBytes>> torch_state_after;
  /// Torch family: how often this process moved the generator to a chunk's word (MT19937
  /// jump-ahead, or drawing when that is quicker), and the seconds that took.
  std::uint64_t torch_moves = 0;
  double torch_move_seconds = 0;
};

/// Whether `file_name` is one of the files write_initialized_shards writes or leaves while
/// working: model.safetensors, model-NNNNN-of-NNNNN.safetensors, model.safetensors.index.json,
/// and the .partial / .partial.done files of the shards.
bool is_checkpoint_file_name(const std::string& file_name);

/// Initializes `model`'s state dict with `policy`, drawn from the Philox generator `gen`
/// (each parameter from its own stream (seed, name), as Policy::apply draws it), straight into
/// safetensors files in options.out_dir, named as Hugging Face names them:
/// `model.safetensors` when the tensors fit one shard, else `model-00001-of-0000N.safetensors`
/// ... plus `model.safetensors.index.json` ({"metadata": {"total_size": ...}, "weight_map":
/// {name: file}}). Tensors keep state_dict order; a shard takes tensors until the next would
/// pass shard_bytes (a larger tensor gets a shard of its own).
///
/// `model` may be deferred (DeferredAllocationGuard): only shapes are read. A parameter whose
/// init is element-wise (uniform/normal/trunc_normal families, constants) is computed chunk by
/// chunk, so memory stays within chunk_bytes whatever the model's size; one whose init needs
/// the whole tensor (orthogonal, sparse, eye, dirac, ...) is computed whole and listed in
/// report.materialized. Buffers of a deferred model get their constructor's constants.
/// The bytes are those of `policy.apply(model, gen)` followed by save_safetensors (the same
/// conversion), whatever chunk_bytes, the number of processes or a resume.
///
/// Crash safety: each shard is written as NAME.partial and renamed when complete, so a final
/// name only ever holds a whole shard; finished chunks are journaled in NAME.partial.done
/// (after fdatasync), each with the XXH3-64 digest of its bytes. With resume, finished shards
/// (checked against the expected header and size; a mismatch is a ValueError) and journaled
/// chunks whose bytes still match their digest are kept; any other chunk is written again and
/// listed in report.chunks_rewritten.
///
/// Stale files: without resume or overwrite, an out_dir that already holds checkpoint files
/// (is_checkpoint_file_name) is a ValueError; with resume, one that holds checkpoint files of
/// another layout (another shard count) is a ValueError; with overwrite they are removed first
/// (report.removed_files). Other files (config.json, ...) are never touched.
///
/// With a WorkGroup of K processes, every process plans the same layout; the chunks are split
/// into K contiguous byte ranges, each process writes its own with pwrite into the shared
/// .partial files, and rank 0 creates them and renames them at the end. Two ranges meet only at
/// a file's start or at a multiple of options.rank_block_bytes (4 MiB) in a file, a chunk being
/// split there when it must, so no two processes write the same block: safe on shared file
/// systems whose clients cache pages or stripes (report.ranges lists each process's bytes). The
/// processes exchange no parameter data, only all_ok barriers. Throws ValueError (not a Philox
/// generator, bad options), IoError, PolicyError, Interrupted; when one process fails, all throw.
ShardedWriteReport write_initialized_shards(nn::Module& model, const recipes::Policy& policy,
                                            const recipes::PolicyApplyOptions& policy_options,
                                            Generator& gen, const ShardedWriteOptions& options,
                                            WorkGroup& group = single_process());

/// Parses a size such as "2GB", "500MB", "256MiB", "1.5G" or "4096" (bytes): decimal units
/// (KB, MB, GB, TB = 10^3..10^12, as Hugging Face's max_shard_size) and binary ones (KiB, MiB,
/// GiB, TiB); K/M/G/T alone are decimal. ValueError names the text and the rule.
std::uint64_t parse_byte_size(const std::string& text);

}  // namespace weightinit::recipes
