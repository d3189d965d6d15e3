// SPDX-License-Identifier: MIT
// Recording the torch family's fills of deferred tensors by word offset, and replaying any chunk
// of one. See random/torch_draw_record.h.
#include "random/torch_draw_record.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <vector>

#include "random/generator_access.h"
#include "weightinit/error.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/threads.h"

namespace weightinit::detail {

namespace {
thread_local TorchDrawRecorder* t_torch_recorder = nullptr;
constexpr std::int64_t kBlock = 16;  // normal_fill's Box-Muller block
}  // namespace

std::uint64_t torch_draw_words(const TorchDraw& d) {
  if (d.kind == TorchDraw::Kind::Constant) return 0;
  if (d.kind == TorchDraw::Kind::NormalScalar) {  // two random64() per pair of samples
    const std::int64_t fresh = d.numel - (d.cached_pair_word && d.numel > 0 ? 1 : 0);
    return 4 * static_cast<std::uint64_t>((fresh + 1) / 2);
  }
  const std::uint64_t per = d.dtype == DType::Float64 ? 2 : 1;  // random64() for double
  auto n = static_cast<std::uint64_t>(d.numel);
  if (d.kind == TorchDraw::Kind::Normal && d.numel % kBlock != 0) n += kBlock;  // the tail
  return n * per;
}

TorchDrawRecorder::TorchDrawRecorder(std::uint64_t first_word)
    : next_word(first_word), previous_(t_torch_recorder) {
  t_torch_recorder = this;
}
TorchDrawRecorder::~TorchDrawRecorder() { t_torch_recorder = previous_; }

TorchDrawRecorder* active_torch_recorder() { return t_torch_recorder; }

void record_torch_fill(const Tensor& t, TorchDraw::Kind kind, double p0, double p1) {
  const char* op = kind == TorchDraw::Kind::Uniform    ? "uniform_"
                   : kind == TorchDraw::Kind::Constant ? "fill_"
                                                       : "normal_";
  WEIGHTINIT_CHECK(t_torch_recorder != nullptr, Error, op, ": the tensor of shape ",
                   shape_str(t.sizes()),
                   " is deferred (built under a DeferredAllocationGuard): it has no memory");
  WEIGHTINIT_CHECK(t.is_contiguous() && t.storage_offset() == 0, Error, op,
                   ": only whole deferred tensors can be planned, not views of them");
  TorchDrawRecorder& r = *t_torch_recorder;
  TorchDraw d;
  d.kind = kind;
  if (kind == TorchDraw::Kind::Normal && t.numel() > 0 && t.numel() < kBlock) {
    // The scalar path: the cached sample first, then pairs; an odd count leaves one cached.
    d.kind = TorchDraw::Kind::NormalScalar;
    d.cached_pair_word = r.cached_pair_word;
  }
  d.p0 = p0;
  d.p1 = p1;
  d.dtype = t.dtype();
  d.numel = t.numel();
  d.first_word = r.next_word;
  d.target = t;
  const std::uint64_t words = torch_draw_words(d);
  if (d.kind == TorchDraw::Kind::NormalScalar) {
    const std::int64_t fresh = d.numel - (d.cached_pair_word ? 1 : 0);
    r.cached_pair_word.reset();
    if (fresh % 2 == 1) r.cached_pair_word = d.first_word + words - 4;
  }
  r.next_word += words;
  r.draws.push_back(std::move(d));
}

TorchCursor::TorchCursor(const Generator& base)
    : base_(base), gen_(base), origin_(base.words_drawn()) {
  WEIGHTINIT_CHECK(base.family() == RngFamily::Torch, ValueError,
                   "a torch draw plan needs a generator of the torch family");
}

Generator& TorchCursor::seek(std::uint64_t word, std::optional<double> cached) {
  const std::uint64_t target = origin_ + word;
  if (target != gen_.words_drawn()) {
    const auto start = std::chrono::steady_clock::now();
    if (target < gen_.words_drawn()) gen_ = base_;
    gen_.discard(target - gen_.words_drawn());
    ++moves_;
    move_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  GeneratorAccess::set_next_double_normal_sample(gen_, cached);
  return gen_;
}

std::optional<double> TorchCursor::cached_sample(std::optional<std::uint64_t> pair_word) {
  if (!pair_word) return std::nullopt;
  Tensor one = Tensor::empty({1}, DType::Float64);
  normal_(one, 0.0, 1.0, seek(*pair_word));  // the cosine sample; the sine one is cached
  return gen_.next_double_normal_sample();
}

namespace {

/// Elements [offset, offset + chunk.numel()) of an element-wise draw, from `cursor`.
void replay_range(const TorchDraw& d, TorchCursor& cursor, Tensor& chunk, std::int64_t offset) {
  const std::int64_t n = d.numel, count = chunk.numel();
  const std::uint64_t per = d.dtype == DType::Float64 ? 2 : 1;
  if (d.kind == TorchDraw::Kind::Uniform) {  // one value per word (pair): element by element
    uniform_(chunk, d.p0, d.p1,
             cursor.seek(d.first_word + static_cast<std::uint64_t>(offset) * per));
    return;
  }
  // normal_: the 16-blocks from the first pass cover [0, body); with a tail, the last 16
  // elements [n - 16, n) are redrawn from 16 more values after the first n.
  const bool tail = n % kBlock != 0;
  const std::int64_t body = tail ? n - kBlock : n;
  const std::int64_t end = offset + count;
  if (offset < body) {
    const std::int64_t first = offset / kBlock * kBlock;
    const std::int64_t upto = std::min(end, body);
    const std::int64_t last = (upto + kBlock - 1) / kBlock * kBlock;
    Generator& gen = cursor.seek(d.first_word + static_cast<std::uint64_t>(first) * per);
    if (first == offset && last == upto) {  // whole blocks: straight into the chunk
      Tensor direct = chunk.slice(0, 0, upto - offset);
      normal_(direct, d.p0, d.p1, gen);
    } else {
      Tensor blocks = Tensor::empty({last - first}, d.dtype);
      normal_(blocks, d.p0, d.p1, gen);
      chunk.slice(0, 0, upto - offset).copy_(blocks.slice(0, offset - first, upto - first));
    }
  }
  if (tail && end > body) {
    Tensor last16 = Tensor::empty({kBlock}, d.dtype);
    normal_(last16, d.p0, d.p1, cursor.seek(d.first_word + static_cast<std::uint64_t>(n) * per));
    const std::int64_t from = std::max(offset, body);
    chunk.slice(0, from - offset, count).copy_(last16.slice(0, from - body, end - body));
  }
}

/// Below this many elements a chunk is filled by one thread: a piece costs a jump (~9 ms).
constexpr std::int64_t kParallelElements = std::int64_t{1} << 22;

}  // namespace

void replay_torch_draw(const TorchDraw& d, TorchCursor& cursor, Tensor& chunk,
                       std::int64_t offset) {
  const std::int64_t n = d.numel, count = chunk.numel();
  WEIGHTINIT_CHECK(
      offset >= 0 && offset + count <= n && chunk.is_contiguous() && chunk.dtype() == d.dtype,
      ValueError, "replay_torch_draw: elements [", offset, ", ", offset + count,
      ") are outside the recorded tensor's ", n, " or the chunk is not contiguous");
  if (count == 0) return;
  if (d.kind == TorchDraw::Kind::Constant) {
    chunk.fill_(d.p0);
    return;
  }
  if (d.kind == TorchDraw::Kind::NormalScalar) {
    WEIGHTINIT_CHECK(offset == 0 && count == n, ValueError, "replay_torch_draw: normal_ on ", n,
                     " elements goes through the cached sample and is computed whole");
    const std::optional<double> cached = cursor.cached_sample(d.cached_pair_word);
    normal_(chunk, d.p0, d.p1, cursor.seek(d.first_word, cached));
    return;
  }
  // PyTorch draws the stream on one thread; with its words known, each thread jumps its own
  // copy of the generator to a piece (split on 16-blocks) and draws that piece. The last piece
  // uses `cursor`, so the next chunk continues from where it stops.
  const int threads = count >= kParallelElements ? num_threads() : 1;
  if (threads <= 1) {
    replay_range(d, cursor, chunk, offset);
    return;
  }
  std::vector<std::int64_t> bounds(static_cast<std::size_t>(threads) + 1, offset + count);
  bounds[0] = offset;
  for (int p = 1; p < threads; ++p) {
    bounds[static_cast<std::size_t>(p)] = (offset + count * p / threads) / kBlock * kBlock;
  }
  std::vector<TorchCursor> copies(static_cast<std::size_t>(threads - 1), cursor.fork());
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
#pragma omp parallel for schedule(static, 1) num_threads(threads)
  for (int p = 0; p < threads; ++p) {
    const auto i = static_cast<std::size_t>(p);
    try {
      TorchCursor& own = p == threads - 1 ? cursor : copies[i];
      Tensor piece = chunk.slice(0, bounds[i] - offset, bounds[i + 1] - offset);
      if (piece.numel() > 0) replay_range(d, own, piece, bounds[i]);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const TorchCursor& copy : copies) cursor.count_moves_of(copy);
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace weightinit::detail

namespace weightinit {
bool constructors_draw() {
  return !deferred_allocation() || detail::active_torch_recorder() != nullptr;
}
}  // namespace weightinit
