// SPDX-License-Identifier: MIT
// write_initialized_shards: plan the state dict as Hugging Face shards, then fill each tensor
// chunk by chunk from its recorded Philox draw into the shards' .partial files (pwrite),
// journal finished chunks, rename complete shards. See weightinit/recipes/sharded_writer.h.
#include "weightinit/recipes/sharded_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

// xxHash's XXH3 for chunk digests, compiled in (no library to link).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "random/deferred_draw.h"
#include "recipes/torch_stream_plan.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::recipes {

namespace {

using json = nlohmann::json;
using detail::ElementwiseDraw;
using io::StoredDType;

class SingleProcess final : public WorkGroup {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  bool all_ok(bool ok) override { return ok; }
};

[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
  throw IoError(what + " '" + path + "': " + std::strerror(errno));
}

/// How one tensor's values are made.
struct TensorJob {
  std::string name;
  DType dtype;  // the model's (work) dtype
  Shape shape;
  StoredDType stored;
  std::uint64_t nbytes = 0;
  // Exactly one of: an element-wise draw (chunks), a whole tensor to compute (planned
  // parameter `param`, materialized), or the model's own values (a materialized buffer).
  std::optional<ElementwiseDraw> draw;
  std::optional<detail::TorchDraw> torch_draw;     // torch family: element-wise, by word offset
  std::optional<TorchStreamPosition> torch_start;  // torch family, whole: where its draws begin
  std::optional<std::int64_t> zero_row;            // Embedding padding row, zeroed after the draw
  std::size_t row_elements = 0;
  int param = -1;  // index into the plan when computed whole
  Tensor values;   // a buffer's values when the model is materialized
};

struct Shard {
  std::string file;
  std::vector<std::size_t> tensors;  // job indices
  std::string header;                // the file's first bytes (length + JSON)
  std::uint64_t size = 0;            // whole file
};

/// A piece of work: elements [begin, end) of one tensor, at `offset` in its shard's file.
struct Unit {
  std::size_t shard, job;
  std::int64_t begin, end;
  std::uint64_t offset, bytes;
};

/// The deferred tensor's recorded whole-tensor draw among `draws`, if there is exactly one.
std::optional<ElementwiseDraw> single_draw(const std::vector<ElementwiseDraw>& draws,
                                           const Tensor& t) {
  std::optional<ElementwiseDraw> found;
  for (const auto& d : draws) {
    if (!d.target.shares_storage_with(t)) continue;
    if (found || d.numel != t.numel()) return std::nullopt;  // several fills, or a view's
    found = d;
  }
  return found;
}

/// Converts `n` work elements at `src` (dtype `from`) to `stored` bytes at `dst`.
void convert(const void* src, DType from, std::int64_t n, StoredDType stored, unsigned char* dst) {
  if (stored == io::natural_stored(from)) {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * element_size(from));
    return;
  }
  const auto value = [&](std::int64_t i) -> float {
    return from == DType::Float32 ? static_cast<const float*>(src)[i]
                                  : static_cast<float>(static_cast<const double*>(src)[i]);
  };
  switch (stored) {
    case StoredDType::BF16:
    case StoredDType::F16: {
      auto* out = reinterpret_cast<std::uint16_t*>(dst);
      const bool bf16 = stored == StoredDType::BF16;
#pragma omp parallel for schedule(static) if (n >= 65536)
      for (std::int64_t i = 0; i < n; ++i) {
        out[i] = bf16 ? io::float_to_bf16_bits(value(i)) : io::float_to_f16_bits(value(i));
      }
      return;
    }
    case StoredDType::F32: {  // float64 work -> F32
      auto* out = reinterpret_cast<float*>(dst);
      for (std::int64_t i = 0; i < n; ++i) out[i] = value(i);
      return;
    }
    case StoredDType::F64: {  // float32 work -> F64
      auto* out = reinterpret_cast<double*>(dst);
      const auto* in = static_cast<const float*>(src);
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(in[i]);
      return;
    }
    case StoredDType::I64:
      break;
  }
  throw DTypeError("write_initialized_shards: cannot store a floating tensor as I64");
}

void pwrite_all(int fd, const void* data, std::uint64_t size, std::uint64_t offset,
                const std::string& path) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n =
        ::pwrite(fd, p, static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 30)),
                 static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      io_fail("cannot write", path);
    }
    p += n;
    size -= static_cast<std::uint64_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

/// The first `n` bytes of `path` ("" when it is missing or shorter), and its size.
std::pair<std::string, std::uint64_t> file_start(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {"", 0};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  std::string head(std::min<std::uint64_t>(n, size), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return {in ? head : "", size};
}

/// The "__metadata__" of the safetensors file at `path` (its own header, whatever its length),
/// or nullopt when it cannot be read or parsed.
std::optional<std::map<std::string, std::string>> file_metadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char length_bytes[8];
  if (!in.read(reinterpret_cast<char*>(length_bytes), 8)) return std::nullopt;
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | length_bytes[i];
  if (length > (std::uint64_t{100} << 20)) return std::nullopt;
  std::string text(static_cast<std::size_t>(length), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) return std::nullopt;
  const json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains("__metadata__") ||
      !header["__metadata__"].is_object()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : header["__metadata__"].items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

/// The fields in which `found` differs from `expected`, as "seed: 5 there, 6 now; ...", the
/// plan digest last (it differs whenever anything planned does); "" when none differs.
std::string metadata_difference(const std::map<std::string, std::string>& found,
                                const std::map<std::string, std::string>& expected) {
  std::string named, digest;
  for (const auto& [key, value] : expected) {
    const auto it = found.find(key);
    const std::string there = it == found.end() ? "(none)" : it->second;
    if (there == value || key == "policy_rules") continue;  // the rules: named by "policy"
    std::string item = key + ": " + (there.size() > 40 ? there.substr(0, 40) + "..." : there) +
                       " there, " + (value.size() > 40 ? value.substr(0, 40) + "..." : value) +
                       " now";
    (key == "weightinit_plan_digest" ? digest : named) += (named.empty() ? "" : "; ") + item;
  }
  return named.empty() ? digest : named;
}

/// One journal line: a unit id and the XXH3-64 digest of its bytes (none in a line without
/// one, which is never trusted).
struct JournalEntry {
  std::size_t unit = 0;
  std::optional<std::uint64_t> digest;
};

/// The entries of a journal ("UNIT DIGEST" per line, the digest in 16 hex digits; a torn last
/// line is ignored).
std::vector<JournalEntry> read_journal(const std::string& path) {
  std::vector<JournalEntry> entries;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: torn
    std::istringstream fields(line);
    std::string unit, digest, extra;
    fields >> unit >> digest >> extra;
    JournalEntry e;
    const char* end = unit.data() + unit.size();
    if (unit.empty() || std::from_chars(unit.data(), end, e.unit).ptr != end) continue;
    std::uint64_t d = 0;
    const char* dend = digest.data() + digest.size();
    if (digest.size() == 16 && extra.empty() &&
        std::from_chars(digest.data(), dend, d, 16).ptr == dend) {
      e.digest = d;
    }
    entries.push_back(e);
  }
  return entries;
}

/// XXH3-64 of `n` bytes (xxHash, header-only: Debian's libxxhash-dev).
std::uint64_t chunk_digest(const void* bytes, std::size_t n) { return XXH3_64bits(bytes, n); }

/// The digest of `n` bytes of `path` at `offset`, or nullopt when they cannot all be read.
std::optional<std::uint64_t> file_digest(const std::string& path, std::uint64_t offset,
                                         std::uint64_t n) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::vector<unsigned char> buffer(static_cast<std::size_t>(n));
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buffer.data() + done, static_cast<std::size_t>(n - done),
                              static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    done += static_cast<std::uint64_t>(r);
  }
  ::close(fd);
  if (done != n) return std::nullopt;
  return chunk_digest(buffer.data(), buffer.size());
}

std::string hex16(std::uint64_t v) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(v));
  return hex;
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// Runs `fn` on this process, then combines success across the group; rethrows this
/// process's error, or reports another's.
template <class Fn>
void group_phase(WorkGroup& group, const char* phase, Fn&& fn) {
  std::exception_ptr error;
  try {
    fn();
  } catch (...) {
    error = std::current_exception();
  }
  const bool all = group.all_ok(error == nullptr);
  if (error) std::rethrow_exception(error);
  if (!all) throw Error(std::string("another process failed while ") + phase);
}

}  // namespace

bool is_checkpoint_file_name(const std::string& file_name) {
  std::string_view n = file_name;
  for (const std::string_view suffix : {".partial.done", ".partial"}) {
    if (n.size() > suffix.size() && n.substr(n.size() - suffix.size()) == suffix) {
      n.remove_suffix(suffix.size());
      break;
    }
  }
  if (n == "model.safetensors" || n == "model.safetensors.index.json") return true;
  // model-00001-of-00004.safetensors (Hugging Face's five digits, or more)
  constexpr std::string_view head = "model-", ext = ".safetensors";
  if (n.size() <= head.size() + ext.size() || n.substr(0, head.size()) != head ||
      n.substr(n.size() - ext.size()) != ext) {
    return false;
  }
  n = n.substr(head.size(), n.size() - head.size() - ext.size());
  const std::size_t of = n.find("-of-");
  if (of == std::string_view::npos || of < 5 || n.size() - of - 4 < 5) return false;
  const auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(n.substr(0, of)) && digits(n.substr(of + 4));
}

WorkGroup& single_process() {
  static SingleProcess group;
  return group;
}

std::uint64_t parse_byte_size(const std::string& text) {
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::map<std::string, double> units = {{"", 1},
                                                      {"B", 1},
                                                      {"K", 1e3},
                                                      {"KB", 1e3},
                                                      {"M", 1e6},
                                                      {"MB", 1e6},
                                                      {"G", 1e9},
                                                      {"GB", 1e9},
                                                      {"T", 1e12},
                                                      {"TB", 1e12},
                                                      {"KIB", 1024.0},
                                                      {"MIB", 1048576.0},
                                                      {"GIB", 1073741824.0},
                                                      {"TIB", 1099511627776.0}};
  const auto it = units.find(unit);
  WEIGHTINIT_CHECK(used > 0 && it != units.end() && std::isfinite(value) && value > 0, ValueError,
                   "invalid size '", text,
                   "': expected a positive number with an optional unit B, KB, MB, GB, TB "
                   "(powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), like 2GB");
  const double bytes = value * it->second;
  WEIGHTINIT_CHECK(bytes >= 1 && bytes < 1.8e19, ValueError, "invalid size '", text,
                   "': it must be between 1 byte and 2^64 bytes");
  return static_cast<std::uint64_t>(bytes);
}

namespace {

/// One call of write_initialized_shards: the layout every process computes alike (jobs, shards,
/// units, this process's share), then four phases separated by group barriers: A what is done
/// already (resume), B rank 0 creates the .partial files, C every process writes its units,
/// D rank 0 renames the finished shards and writes the index.
class ShardedRun {
 public:
  ShardedRun(nn::Module& model, const Policy& policy, const PolicyApplyOptions& policy_options,
             Generator& gen, const ShardedWriteOptions& options, WorkGroup& group)
      : model_(model),
        policy_(policy),
        plan_(policy.plan(model, gen.family(), policy_options)),
        gen_(gen),
        options_(options),
        group_(group),
        dir_(options.out_dir) {
    report_.policy = plan_.report;
  }

  ShardedWriteReport run() {
    if (options_.single_file.empty()) return run_phases();
    // One file (init -o FILE): whatever fails, no temporary is left, and errors name the file
    // the caller asked for rather than the temporary.
    try {
      return run_phases();
    } catch (const IoError& e) {
      std::string message = e.what();
      const std::string target = (dir_ / options_.single_file).string();
      for (std::size_t at;
           !single_partial_.empty() && (at = message.find(single_partial_)) != std::string::npos;) {
        message.replace(at, single_partial_.size(), target);
      }
      remove_single_temporary();
      throw IoError(message);
    } catch (...) {
      remove_single_temporary();
      throw;
    }
  }

 private:
  ShardedWriteReport run_phases() {
    plan_jobs();
    plan_shards();
    plan_units();
    group_phase(group_, "checking the output directory", [&] {
      check_directory();
      find_finished_shards();
      verify_journals();
    });
    group_phase(group_, "creating the shard files", [&] { create_partial_files(); });
    group_phase(group_, "writing", [&] { write_units(); });
    group_phase(group_, "finishing the shards", [&] {
      if (group_.rank() != 0) return;
      finish_shards();
      write_index();
    });
    return std::move(report_);
  }

  void remove_single_temporary() {
    if (!single_partial_.empty()) ::unlink(single_partial_.c_str());
    single_partial_.clear();
  }

  std::string final_path(std::size_t s) const { return (dir_ / shards_[s].file).string(); }
  /// The file a shard is written into: NAME.partial, renamed NAME when complete; in single-file
  /// mode a unique hidden .NAME.tmp.XXXXXX (as io::AtomicFileWriter names its temporaries).
  std::string partial_path(std::size_t s) const {
    return single_partial_.empty() ? final_path(s) + ".partial" : single_partial_;
  }
  std::string journal_path(std::size_t s) const { return final_path(s) + ".partial.done"; }

  /// Elements per chunk of `job`: two chunks are in flight (one computed while the other is
  /// written), each holding its work-dtype values plus their stored bytes.
  std::int64_t chunk_elements(const TensorJob& job) const {
    const std::uint64_t per = 2 * (element_size(job.dtype) + io::stored_element_size(job.stored));
    // A multiple of 16: torch's normal_ chunks then start on Box-Muller blocks, and each
    // follows the previous one in the stream with no jump.
    return static_cast<std::int64_t>(
        std::max<std::uint64_t>(16, options_.chunk_bytes / per / 16 * 16));
  }

  // ---- Layout (every process, the same) ----

  /// What makes each tensor of the state dict.
  void plan_jobs() {
    if (gen_.family() == RngFamily::Torch) {
      torch_ = plan_torch_stream(policy_, plan_, *options_.torch_construction, gen_);
      detail::TorchCursor end(gen_);
      report_.torch_state_after = end.seek(torch_->end.word, torch_->end.cached).get_state();
    }
    std::map<std::string, std::size_t> planned;
    for (std::size_t i = 0; i < plan_.parameters.size(); ++i) planned[plan_.parameters[i].name] = i;
    std::map<std::string, nn::Module*> modules;
    for (auto& [name, m] : model_.named_modules()) modules[name] = m;
    for (auto& [name, tensor] : model_.state_dict()) {
      TensorJob job;
      job.name = name;
      job.dtype = tensor.dtype();
      job.shape = tensor.sizes();
      job.stored = io::natural_stored(tensor.dtype());
      if (options_.float_dtype && is_floating_point(tensor.dtype())) {
        job.stored = *options_.float_dtype;
      }
      job.nbytes = static_cast<std::uint64_t>(tensor.numel()) * io::stored_element_size(job.stored);
      if (const auto it = planned.find(name); it != planned.end()) {
        plan_parameter(job, tensor, it->second);
      } else if (!tensor.is_deferred()) {
        job.values = tensor.contiguous();  // a buffer of a materialized model
      } else {
        // A deferred buffer: its module's constructor constants (BatchNorm's running stats).
        const std::size_t dot = name.rfind('.');
        nn::Module* owner = modules.at(dot == std::string::npos ? "" : name.substr(0, dot));
        detail::DrawRecorder recorder;
        Generator constants = Generator::philox(0);  // buffers hold constants: nothing drawn
        owner->reset_own_parameters(constants);
        job.draw = single_draw(recorder.draws, tensor);
        WEIGHTINIT_CHECK(job.draw.has_value(), ValueError, "buffer '", name,
                         "' of a deferred model has no constant its constructor sets");
      }
      jobs_.push_back(std::move(job));
    }
    report_.tensors = jobs_.size();
  }

  /// A planned parameter: an element-wise draw computed chunk by chunk when its init is one,
  /// else the whole tensor computed by the process that owns it.
  void plan_parameter(TensorJob& job, const Tensor& tensor, std::size_t index) {
    const PlannedParameter& p = plan_.parameters[index];
    if (torch_ && !p.init && !tensor.is_deferred()) {
      // A parameter its constructor materialized in a deferred model (swin_t's
      // relative_position_bias_table, whose trunc_normal_ the torch plan cannot replay
      // element-wise), kept by the policy: its values as they are.
      job.values = tensor.contiguous();
      return;
    }
    if (torch_) {
      plan_torch_parameter(job, torch_->parameters.at(p.name), index);
      return;
    }
    if (!p.init) {  // torch leaves it as torch.empty made it (a fan_in-0 bias): zeros here
      ElementwiseDraw zero;
      zero.numel = tensor.numel();
      job.draw = zero;
      return;
    }
    Tensor deferred = Tensor::deferred(job.shape, job.dtype);
    detail::DrawRecorder recorder;
    gen_.set_stream(p.name);
    try {
      p.init->apply(deferred, gen_, gen_);
      job.draw = single_draw(recorder.draws, deferred);
    } catch (const Error&) {
      job.draw.reset();  // needs the whole tensor (or fails: the real draw will say why)
    }
    if (job.draw) {
      job.zero_row = p.zero_row;
      job.row_elements = job.shape.size() >= 2 ? static_cast<std::size_t>(job.shape[1]) : 1;
    } else {
      job.param = static_cast<int>(index);
      report_.materialized.push_back(job.name);
    }
  }

  /// A parameter of the torch family, as the stream plan says: a draw by word offset, a
  /// constant, or the whole tensor from its start position.
  void plan_torch_parameter(TensorJob& job, const TorchParameterPlan& plan, std::size_t index) {
    if (plan.draw) {
      job.torch_draw = plan.draw;
      job.zero_row = plan.zero_row;
      job.row_elements = job.shape.size() >= 2 ? static_cast<std::size_t>(job.shape[1]) : 1;
    } else if (plan.constant) {
      ElementwiseDraw constant;
      constant.p0 = *plan.constant;
      constant.numel = numel_of(job.shape);
      job.draw = constant;
    } else {
      job.param = static_cast<int>(index);
      job.torch_start = plan.start;
      report_.materialized.push_back(job.name);
    }
  }

  /// Shards, Hugging Face's way: tensors in order, a new file when the next would overflow.
  void plan_shards() {
    std::uint64_t current = 0;
    for (std::size_t j = 0; j < jobs_.size(); ++j) {
      const bool full = options_.single_file.empty() &&
                        current + jobs_[j].nbytes > options_.shard_bytes && current > 0;
      if (shards_.empty() || full) {
        shards_.emplace_back();
        current = 0;
      }
      shards_.back().tensors.push_back(j);
      current += jobs_[j].nbytes;
      report_.total_bytes += jobs_[j].nbytes;
    }
    if (shards_.empty()) shards_.emplace_back();
    metadata_ = options_.metadata;
    // What the plan depends on, by name, so that --resume can say which one changed.
    metadata_["weightinit_rng"] = std::string(rng_family_name(gen_.family()));
    metadata_["weightinit_seed"] = std::to_string(
        gen_.family() == RngFamily::Philox ? gen_.philox_key().seed : gen_.initial_seed());
    if (gen_.family() == RngFamily::Torch) {
      metadata_["weightinit_torch_version"] = std::string(torch_version_name(gen_.torch_version()));
      metadata_["weightinit_arith_mode"] = std::string(arith_mode_name(gen_.arith_mode()));
      // Where the plan leaves PyTorch's generator: the words drawn since the seed and the cached
      // normal sample (C99 hex, exact), which a test compares with torch.get_rng_state().
      metadata_["weightinit_torch_words_after"] = std::to_string(torch_->end.word);
      char cached[40] = "none";
      if (torch_->end.cached) std::snprintf(cached, sizeof cached, "%a", *torch_->end.cached);
      metadata_["weightinit_torch_cached_after"] = cached;
    }
    metadata_["weightinit_plan_digest"] = plan_digest();
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      char file[64];
      if (!options_.single_file.empty()) {
        shards_[s].file = options_.single_file;
      } else if (shards_.size() == 1) {
        std::snprintf(file, sizeof file, "model.safetensors");
      } else {
        std::snprintf(file, sizeof file, "model-%05zu-of-%05zu.safetensors", s + 1, shards_.size());
      }
      if (options_.single_file.empty()) shards_[s].file = file;
      std::vector<io::SafetensorsEntry> entries;
      std::uint64_t data = 0;
      for (std::size_t j : shards_[s].tensors) {
        entries.push_back({jobs_[j].name, jobs_[j].stored, jobs_[j].shape});
        data += jobs_[j].nbytes;
      }
      shards_[s].header = io::safetensors_header(entries, metadata_);
      shards_[s].size = shards_[s].header.size() + data;
      report_.files.push_back(shards_[s].file);
    }
    if (shards_.size() > 1) report_.index_file = "model.safetensors.index.json";
  }

  /// A digest of what every tensor will hold (its draw: kind, arguments, stream and offset, or
  /// the spec drawn whole), in each header: --resume then refuses files planned differently
  /// (another seed, policy or dtype) instead of mixing them. FNV-1a 64 of the plan's text.
  std::string plan_digest() const {
    std::ostringstream plan_text;
    plan_text.precision(17);
    // The stream itself: its family, seed and the torch profile its kernels reproduce.
    plan_text << rng_family_name(gen_.family()) << ',' << gen_.initial_seed() << ','
              << arith_mode_name(gen_.arith_mode()) << ','
              << torch_version_name(gen_.torch_version()) << '\n';
    for (const TensorJob& job : jobs_) {
      plan_text << job.name << '|' << io::stored_dtype_name(job.stored) << '|';
      if (job.draw) {
        plan_text << static_cast<int>(job.draw->kind) << ',' << job.draw->p0 << ',' << job.draw->p1
                  << ',' << job.draw->p2 << ',' << job.draw->p3 << ',' << job.draw->key.seed << ','
                  << job.draw->key.stream << ',' << job.draw->first << ','
                  << job.zero_row.value_or(-1);
      } else if (job.torch_draw) {
        const detail::TorchDraw& d = *job.torch_draw;
        plan_text << "torch:" << static_cast<int>(d.kind) << ',' << d.p0 << ',' << d.p1 << ','
                  << d.first_word << ',' << job.zero_row.value_or(-1);
      } else if (job.param >= 0) {
        if (job.torch_start) {
          plan_text << "torch-whole:" << job.torch_start->word << ','
                    << job.torch_start->cached.value_or(0.0) << ','
                    << job.torch_start->cached.has_value() << ',';
        }
        plan_text << "whole:"
                  << plan_.parameters[static_cast<std::size_t>(job.param)].init->canonical() << ','
                  << gen_.philox_key().seed;
      } else {
        plan_text << "values";
      }
      plan_text << '\n';
    }
    std::uint64_t h = 0xcbf29ce484222325u;
    for (const char c : plan_text.str()) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3u;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
  }

  /// The units (chunks of element-wise draws, whole tensors otherwise), and this process's
  /// contiguous byte range of them (assign_units).
  void plan_units() {
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      std::uint64_t offset = shards_[s].header.size();
      for (std::size_t j : shards_[s].tensors) {
        const TensorJob& job = jobs_[j];
        const std::int64_t n = numel_of(job.shape);
        const std::size_t el = io::stored_element_size(job.stored);
        const std::int64_t step =
            job.draw || job.torch_draw ? chunk_elements(job) : std::max<std::int64_t>(n, 1);
        for (std::int64_t b = 0; b < n || (n == 0 && b == 0); b += step) {
          const std::int64_t e = std::min(n, b + step);
          units_.push_back({s, j, b, e, offset + static_cast<std::uint64_t>(b) * el,
                            static_cast<std::uint64_t>(e - b) * el});
          if (n == 0) break;
        }
        offset += job.nbytes;
      }
    }
    assign_units();
  }

  /// Whether unit `u` may be cut inside: an element-wise draw (not torch's scalar path).
  bool splittable(const Unit& u) const {
    const TensorJob& job = jobs_[u.job];
    return job.draw.has_value() ||
           (job.torch_draw && job.torch_draw->kind != detail::TorchDraw::Kind::NormalScalar);
  }

  /// The first place at or after global byte `target` where two processes' ranges may meet:
  /// the start of a shard file, or a multiple of rank_block_bytes within a file that is a unit's
  /// start or an element boundary inside a splittable unit. `starts` holds each unit's global
  /// start; the end of the data when there is none.
  std::uint64_t first_cut(std::uint64_t target, const std::vector<std::uint64_t>& starts) const {
    const std::uint64_t block = options_.rank_block_bytes;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      const Unit& unit = units_[u];
      const std::uint64_t g = starts[u];
      if (g + unit.bytes <= target && unit.bytes > 0) continue;
      const bool first_in_file = u == 0 || units_[u - 1].shard != unit.shard;
      if (first_in_file && g >= target) return g;  // files share no blocks
      const std::uint64_t el = io::stored_element_size(jobs_[unit.job].stored);
      const std::uint64_t from = unit.offset + (target > g ? target - g : 0);
      for (std::uint64_t c = (from + block - 1) / block * block; c < unit.offset + unit.bytes;
           c += block) {
        if (c == unit.offset) return g;
        if (!splittable(unit)) break;
        if ((c - unit.offset) % el == 0) return g + (c - unit.offset);
      }
    }
    return report_.total_bytes;
  }

  /// This process's units. The bytes are cut into one contiguous range per process, near the
  /// even split, only at first_cut() places: no two processes write the same rank_block_bytes
  /// block of a file, so a shared file system whose clients cache whole pages or stripes
  /// (NFS, Lustre, GPFS) cannot clobber a neighbour's bytes. A unit that a cut falls inside is
  /// split in two there. Every process computes the same cuts.
  void assign_units() {
    const int rank = group_.rank(), world = group_.size();
    std::vector<std::uint64_t> starts(units_.size());
    for (std::size_t u = 0, g = 0; u < units_.size(); g += units_[u].bytes, ++u) starts[u] = g;
    std::vector<std::uint64_t> cuts{0};
    for (int r = 1; r < world; ++r) {
      const std::uint64_t even =
          report_.total_bytes / static_cast<std::uint64_t>(world) * static_cast<std::uint64_t>(r);
      cuts.push_back(first_cut(std::max(even, cuts.back()), starts));
    }
    cuts.push_back(report_.total_bytes);
    // Split the units that a cut falls inside.
    std::vector<Unit> split;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      Unit rest = units_[u];
      std::uint64_t g = starts[u];
      const std::uint64_t el = io::stored_element_size(jobs_[rest.job].stored);
      for (const std::uint64_t cut : cuts) {
        if (cut <= g || cut >= g + rest.bytes) continue;
        const std::uint64_t head_bytes = cut - g;
        Unit head = rest;
        head.end = rest.begin + static_cast<std::int64_t>(head_bytes / el);
        head.bytes = head_bytes;
        split.push_back(head);
        rest.begin = head.end;
        rest.offset += head_bytes;
        rest.bytes -= head_bytes;
        g = cut;
      }
      split.push_back(rest);
    }
    units_ = std::move(split);
    std::uint64_t g = 0;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      const auto at = std::upper_bound(cuts.begin() + 1, cuts.end() - 1, g);
      if (static_cast<int>(at - cuts.begin()) - 1 == rank) {
        mine_.push_back(u);
        const Unit& unit = units_[u];
        const std::string& file = shards_[unit.shard].file;
        std::vector<ShardedByteRange>& ranges = report_.ranges;
        if (unit.bytes == 0) {
          // nothing to write
        } else if (!ranges.empty() && ranges.back().file == file &&
                   ranges.back().end == unit.offset) {
          ranges.back().end += unit.bytes;
        } else {
          ranges.push_back({file, unit.offset, unit.offset + unit.bytes});
        }
      }
      g += units_[u].bytes;
    }
  }

  // ---- Phase A: what is already done (resume) ----

  /// Creates the directory and lists the checkpoint files already there: an error unless
  /// --overwrite (they go in phase B) or --resume of this very layout.
  void check_directory() {
    std::error_code ec;
    if (options_.single_file.empty()) std::filesystem::create_directories(dir_, ec);
    WEIGHTINIT_CHECK(std::filesystem::is_directory(dir_), IoError, "cannot create directory '",
                     options_.out_dir, "': ", ec ? ec.message() : "not a directory");
    std::set<std::string> layout_files;
    for (const Shard& shard : shards_) {
      layout_files.insert(shard.file);
      layout_files.insert(shard.file + ".partial");
      layout_files.insert(shard.file + ".partial.done");
    }
    if (!report_.index_file.empty()) layout_files.insert(report_.index_file);
    if (!options_.single_file.empty()) return;  // its .partial files are simply replaced
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (is_checkpoint_file_name(name)) earlier_files_.push_back(name);
    }
    std::sort(earlier_files_.begin(), earlier_files_.end());
    if (options_.overwrite || earlier_files_.empty()) return;
    const std::string more = earlier_files_.size() == 1
                                 ? std::string()
                                 : " and " + std::to_string(earlier_files_.size() - 1) + " more";
    WEIGHTINIT_CHECK(options_.resume, ValueError, "'", options_.out_dir, "' already holds ",
                     earlier_files_.front(), more,
                     " from an earlier run: pass --overwrite to replace that checkpoint, or "
                     "--resume to finish it");
    for (const std::string& name : earlier_files_) {
      WEIGHTINIT_CHECK(layout_files.count(name) > 0, ValueError, "--resume: '",
                       (dir_ / name).string(),
                       "' belongs to another layout (another shard size, dtype or model); "
                       "pass --overwrite to start over");
    }
  }

  /// Shards already renamed (their header and size must match), and .partial files that can go
  /// on (the same header and size).
  void find_finished_shards() {
    shard_done_.assign(shards_.size(), false);
    partial_ok_.assign(shards_.size(), false);
    if (options_.overwrite || earlier_files_.empty()) return;
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      const auto [head, size] = file_start(final_path(s), shards_[s].header.size());
      if (!head.empty() || size > 0) {
        if (head != shards_[s].header || size != shards_[s].size) {
          refuse_other_settings(final_path(s), "exists");
        }
        shard_done_[s] = true;
        continue;
      }
      const auto [phead, psize] = file_start(partial_path(s), shards_[s].header.size());
      if (phead == shards_[s].header && psize == shards_[s].size) {
        partial_ok_[s] = true;
      } else if (const auto found = file_metadata(partial_path(s))) {
        // A whole header of another plan: its chunks belong to other settings; never mix.
        if (!metadata_difference(*found, metadata_).empty()) {
          refuse_other_settings(partial_path(s), "is a partial shard");
        }
      }
    }
  }

  /// --resume over a file of another plan: a ValueError naming the fields that differ.
  [[noreturn]] void refuse_other_settings(const std::string& path, const char* what) const {
    const auto found = file_metadata(path);
    const std::string fields = found ? metadata_difference(*found, metadata_) : std::string();
    throw ValueError(
        "--resume: '" + path + "' " + what + " but was written with other settings (" +
        (fields.empty() ? std::string("model, policy, seed, dtype or shard size") : fields) +
        "); remove it, pass --overwrite, or run without --resume");
  }

  /// A journaled chunk counts as done only when its bytes still have the journal's digest:
  /// a torn write, a tampered journal or a line without a digest gets the chunk written again.
  void verify_journals() {
    const std::set<std::size_t> own(mine_.begin(), mine_.end());
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      if (!partial_ok_[s]) continue;
      for (const JournalEntry& e : read_journal(journal_path(s))) {
        if (e.unit >= units_.size() || units_[e.unit].shard != s || own.count(e.unit) == 0 ||
            units_done_.count(e.unit) > 0) {
          continue;
        }
        const Unit& unit = units_[e.unit];
        if (e.digest && file_digest(partial_path(s), unit.offset, unit.bytes) == e.digest) {
          units_done_.insert(e.unit);
        } else {
          report_.chunks_rewritten.push_back(
              shards_[s].file + ": " + jobs_[unit.job].name + " [" + std::to_string(unit.begin) +
              ", " + std::to_string(unit.end) + ")" +
              (e.digest ? " (its bytes do not match the journal's digest)"
                        : " (its journal line has no digest)"));
        }
      }
    }
  }

  // ---- Phase B: rank 0 creates the .partial files ----

  void create_partial_files() {
    if (group_.rank() != 0) return;
    if (options_.overwrite) {
      for (const std::string& name : earlier_files_) {
        const std::string path = (dir_ / name).string();
        if (std::remove(path.c_str()) != 0 && errno != ENOENT) io_fail("cannot remove", path);
        report_.removed_files.push_back(name);
      }
      if (!earlier_files_.empty()) fsync_dir(options_.out_dir);
    }
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      if (shard_done_[s] || partial_ok_[s]) continue;
      int fd = -1;
      if (!options_.single_file.empty()) {
        fd = create_single_temporary();
      } else {
        std::remove(journal_path(s).c_str());
        fd = ::open(partial_path(s).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) io_fail("cannot create", partial_path(s));
      }
      const std::string path = partial_path(s);
      try {
        pwrite_all(fd, shards_[s].header.data(), shards_[s].header.size(), 0, path);
        if (::ftruncate(fd, static_cast<off_t>(shards_[s].size)) != 0) {
          io_fail(options_.single_file.empty() ? "cannot size" : "cannot write", path);
        }
        // One file: reserve its blocks now, so that a full disk fails here, before any work,
        // with the file's name (file systems without fallocate just go on).
        if (!options_.single_file.empty()) {
          const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(shards_[s].size));
          if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
            errno = err;
            io_fail("cannot write", path);
          }
        }
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
    }
  }

  /// Single-file mode: the unique temporary beside the target (mode 0644 like the shards).
  int create_single_temporary() {
    const std::string name = options_.single_file;
    constexpr std::size_t kNameMax = 255, kDecoration = 1 + 11;  // "." and ".tmp.XXXXXX"
    const std::string stem = name.substr(0, std::min(name.size(), kNameMax - kDecoration));
    std::string temp = (dir_ / ("." + stem + ".tmp.XXXXXX")).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) io_fail("cannot write", final_path(0));
    single_partial_ = temp;
    ::fchmod(fd, 0644);
    return fd;
  }

  // ---- Phase C: every process writes its units ----

  void write_units();

  // ---- Phase D: rank 0 renames complete shards and writes the index ----

  void finish_shards() {
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      if (shard_done_[s]) continue;
      const std::string path = partial_path(s);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::fsync(fd) != 0) io_fail("cannot sync", path);
      ::close(fd);
      if (std::rename(path.c_str(), final_path(s).c_str()) != 0) io_fail("cannot rename", path);
      std::remove(journal_path(s).c_str());
    }
    fsync_dir(options_.out_dir);
  }

  /// model.safetensors.index.json, as Hugging Face writes it, when there are several shards.
  void write_index() {
    if (report_.index_file.empty()) return;
    json index;
    index["metadata"] = json::object();
    index["metadata"]["total_size"] = report_.total_bytes;
    for (const auto& [k, v] : metadata_) index["metadata"][k] = v;
    index["weight_map"] = json::object();
    for (const Shard& shard : shards_) {
      for (std::size_t j : shard.tensors) index["weight_map"][jobs_[j].name] = shard.file;
    }
    const std::string text = index.dump(2) + "\n";
    io::AtomicFileWriter writer((dir_ / report_.index_file).string());
    writer.write(text.data(), text.size());
    writer.commit();
  }

  friend class ChunkPipeline;

  nn::Module& model_;
  const Policy& policy_;
  const PolicyPlan plan_;
  Generator& gen_;
  const ShardedWriteOptions& options_;
  WorkGroup& group_;
  const std::filesystem::path dir_;
  ShardedWriteReport report_;
  std::vector<TensorJob> jobs_;
  std::vector<Shard> shards_;
  std::vector<Unit> units_;
  std::vector<std::size_t> mine_;  // this process's units
  std::map<std::string, std::string> metadata_;
  std::vector<bool> shard_done_, partial_ok_;
  std::set<std::size_t> units_done_;
  std::vector<std::string> earlier_files_;  // checkpoint files already in the directory
  std::string single_partial_;              // single-file mode: the temporary being written
  std::optional<TorchStreamPlan> torch_;    // the torch family's draw plan
};

/// Phase C for one process: its units in order, through two slots. While one chunk's pwrite
/// runs on its own thread (the kernel's copy into the page cache dominates), the next chunk is
/// computed into the other slot. Finished chunks are journaled (with their XXH3 digests) after
/// an fdatasync, every 64 MiB and at the end.
class ChunkPipeline {
 public:
  explicit ChunkPipeline(ShardedRun& run) : r_(run), cursor_(torch_base(run.gen_)) {
    for (std::size_t u : r_.mine_) progress_.bytes_total += r_.units_[u].bytes;
  }

  void run() {
    try {
      for (std::size_t u : r_.mine_) step(u);
      drain();
      flush_journal();
    } catch (...) {
      for (Slot& slot : slots_) {  // no write may outlive its buffer or fd
        if (slot.busy && slot.write.valid()) slot.write.wait();
      }
      close_all();
      throw;
    }
    close_all();
    r_.report_.torch_moves = cursor_.moves();
    r_.report_.torch_move_seconds = cursor_.move_seconds();
    if (r_.options_.progress && r_.report_.bytes_written == 0) r_.options_.progress(progress_);
  }

 private:
  struct Slot {
    Tensor work;
    std::vector<unsigned char> out;
    Tensor keep;                       // the values a write reads, alive until it ends
    std::future<std::uint64_t> write;  // the digest of the bytes written
    std::size_t unit = 0;
    bool busy = false;
  };

  /// Unit `u`: skipped when done already, else computed into the next slot and written.
  void step(std::size_t u) {
    const Unit& unit = r_.units_[u];
    if (r_.shard_done_[unit.shard] || r_.units_done_.count(u) > 0) {
      progress_.bytes_done += unit.bytes;
      r_.report_.bytes_skipped += unit.bytes;
      return;
    }
    if (r_.options_.stop != nullptr && r_.options_.stop->load()) {
      drain();  // the older write first
      flush_journal();
      throw Interrupted("interrupted: finished chunks are kept; run again with --resume");
    }
    Slot& slot = slots_[next_ % 2];
    finish(slot);  // its previous write (two chunks ago)
    const TensorJob& job = r_.jobs_[unit.job];
    const std::int64_t n = unit.end - unit.begin;
    const Tensor values = compute(slot, unit, job);
    const void* bytes = nullptr;
    if (n > 0 && job.stored == io::natural_stored(job.dtype)) {
      bytes = values.raw_data();  // stored as computed: no copy
    } else if (n > 0) {
      slot.out.resize(static_cast<std::size_t>(unit.bytes));
      convert(values.raw_data(), job.dtype, n, job.stored, slot.out.data());
      bytes = slot.out.data();
    }
    r_.report_.largest_chunk_bytes = std::max<std::uint64_t>(
        r_.report_.largest_chunk_bytes,
        2 * (unit.bytes + static_cast<std::uint64_t>(n) * element_size(job.dtype)));
    slot.keep = values;
    slot.unit = u;
    slot.busy = true;
    const int fd = fd_of(unit.shard);
    const std::string path = r_.partial_path(unit.shard);
    const std::uint64_t size = n > 0 ? unit.bytes : 0, offset = unit.offset;
    slot.write = std::async(std::launch::async, [fd, bytes, size, offset, path] {
      if (size > 0) pwrite_all(fd, bytes, size, offset, path);
      return chunk_digest(bytes, static_cast<std::size_t>(size));
    });
    ++next_;
  }

  /// The unit's values in the work dtype: the draw replayed from the unit's first element (with
  /// a padding row zeroed), the whole parameter drawn, or a materialized buffer's values.
  Tensor compute(Slot& slot, const Unit& unit, const TensorJob& job) {
    const std::int64_t n = unit.end - unit.begin;
    if (job.draw || job.torch_draw) {
      if (!slot.work.defined() || slot.work.dtype() != job.dtype || slot.work.numel() < n) {
        slot.work = Tensor::empty(
            {std::max(n, std::min(r_.chunk_elements(job), numel_of(job.shape)))}, job.dtype);
      }
      Tensor values = slot.work.slice(0, 0, n);
      if (job.torch_draw) {
        detail::replay_torch_draw(*job.torch_draw, cursor_, values, unit.begin);
      } else {
        detail::replay_elementwise_draw(*job.draw, values, unit.begin);
      }
      if (job.zero_row) {
        const auto row = static_cast<std::int64_t>(job.row_elements);
        const std::int64_t lo = std::max(unit.begin, *job.zero_row * row);
        const std::int64_t hi = std::min(unit.end, (*job.zero_row + 1) * row);
        if (lo < hi) values.slice(0, lo - unit.begin, hi - unit.begin).fill_(0.0);
      }
      return values;
    }
    if (job.param >= 0) {
      Tensor values = Tensor::empty(job.shape, job.dtype);
      Generator& gen =
          job.torch_start ? cursor_.seek(job.torch_start->word, job.torch_start->cached) : r_.gen_;
      r_.policy_.draw(r_.plan_, static_cast<std::size_t>(job.param), values, gen);
      return values;
    }
    return job.values;
  }

  int fd_of(std::size_t shard) {
    auto it = fds_.find(shard);
    if (it == fds_.end()) {
      const std::string path = r_.partial_path(shard);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) io_fail("cannot open", path);
      it = fds_.emplace(shard, fd).first;
    }
    return it->second;
  }

  /// Waits for the slot's write, counts it, and queues its journal line.
  void finish(Slot& slot) {
    if (!slot.busy) return;
    slot.busy = false;
    const std::uint64_t digest = slot.write.get();  // rethrows the write's IoError
    slot.keep = Tensor();
    const Unit& unit = r_.units_[slot.unit];
    r_.report_.bytes_written += unit.bytes;
    progress_.bytes_done += unit.bytes;
    pending_.emplace_back(slot.unit, digest);
    pending_bytes_ += unit.bytes;
    if (pending_bytes_ >= (std::uint64_t{64} << 20)) flush_journal();
    if (r_.options_.progress) r_.options_.progress(progress_);
  }

  /// Both slots' writes, the older first.
  void drain() {
    finish(slots_[next_ % 2]);
    finish(slots_[(next_ + 1) % 2]);
  }

  /// fdatasync of the shard files, then the pending journal lines appended and synced.
  void flush_journal() {
    if (!r_.options_.single_file.empty()) {  // one file: no resume, so no journal; the final
      pending_.clear();                      // fsync makes it durable
      pending_bytes_ = 0;
    }
    if (pending_.empty()) return;
    std::map<std::size_t, std::string> lines;
    for (const auto& [u, digest] : pending_)
      lines[r_.units_[u].shard] += std::to_string(u) + " " + hex16(digest) + "\n";
    for (auto& [s, fd] : fds_) {
      if (::fdatasync(fd) != 0) io_fail("cannot sync", r_.partial_path(s));
    }
    for (const auto& [s, text] : lines) {
      const std::string path = r_.journal_path(s);
      const int jfd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (jfd < 0) io_fail("cannot open", path);
      const bool ok = ::write(jfd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                      ::fdatasync(jfd) == 0;
      ::close(jfd);
      if (!ok) io_fail("cannot write", path);
    }
    pending_.clear();
    pending_bytes_ = 0;
  }

  void close_all() {
    for (auto& [s, fd] : fds_) ::close(fd);
    fds_.clear();
  }

  /// The torch stream's word 0 (a Philox run's cursor is never used: a torch one stands in).
  static Generator torch_base(const Generator& gen) {
    return gen.family() == RngFamily::Torch ? gen : Generator();
  }

  ShardedRun& r_;
  detail::TorchCursor cursor_;  // torch family: the generator moved to each chunk's words
  ShardedWriteProgress progress_;
  Slot slots_[2];
  std::size_t next_ = 0;                                        // slot of the next chunk
  std::map<std::size_t, int> fds_;                              // shard -> fd
  std::vector<std::pair<std::size_t, std::uint64_t>> pending_;  // written, not yet journaled
  std::uint64_t pending_bytes_ = 0;
};

void ShardedRun::write_units() { ChunkPipeline(*this).run(); }

}  // namespace

ShardedWriteReport write_initialized_shards(nn::Module& model, const Policy& policy,
                                            const PolicyApplyOptions& policy_options,
                                            Generator& gen, const ShardedWriteOptions& options,
                                            WorkGroup& group) {
  WEIGHTINIT_CHECK(gen.family() == RngFamily::Philox || options.torch_construction != nullptr,
                   ValueError,
                   "streaming the torch family needs the draws the model's constructors made: "
                   "build the deferred model under a recipes::TorchConstructionRecorder and pass "
                   "its finish() as ShardedWriteOptions::torch_construction");
  WEIGHTINIT_CHECK(gen.family() == RngFamily::Philox || !gen.next_double_normal_sample(),
                   ValueError,
                   "streaming the torch family needs the generator as manual_seed leaves it, with "
                   "no cached normal sample (the construction's records start from there)");
  WEIGHTINIT_CHECK(options.chunk_bytes >= 4096, ValueError,
                   "chunk size must be at least 4 KiB, "
                   "but got ",
                   options.chunk_bytes, " bytes");
  WEIGHTINIT_CHECK(options.shard_bytes >= 1, ValueError, "shard size must be positive");
  WEIGHTINIT_CHECK(options.single_file.empty() || group.size() == 1, ValueError,
                   "one file is written by one process: under mpirun write a directory of "
                   "shards (--out DIR)");
  WEIGHTINIT_CHECK(options.single_file.empty() || !options.resume, ValueError,
                   "resume needs a sharded directory (--out DIR), not one file");
  WEIGHTINIT_CHECK(
      options.single_file.empty() || options.single_file.find('/') == std::string::npos, ValueError,
      "single_file must be a file name in out_dir, without '/': '", options.single_file, "'");
  WEIGHTINIT_CHECK(options.rank_block_bytes >= 1, ValueError,
                   "the rank block size must be positive, but got ", options.rank_block_bytes);
  WEIGHTINIT_CHECK(!options.out_dir.empty(), ValueError, "the output directory is empty");
  WEIGHTINIT_CHECK(!deferred_allocation(), ValueError,
                   "write_initialized_shards needs memory for its chunks: call it outside the "
                   "DeferredAllocationGuard the model was built under");
  return ShardedRun(model, policy, policy_options, gen, options, group).run();
}

}  // namespace weightinit::recipes
