// SPDX-License-Identifier: MIT
// float32 convolutions through oneDNN, the library behind PyTorch's CPU convolutions (Debian's
// libdnnl 2.6). PyTorch's way is kept: operands stay in PyTorch's plain layout (NC[D]HW,
// O I/g k...) at the interface; each call reorders them into the blocked layouts the primitive
// picked (format_tag::any) and the result back. Primitives, their reorders and the blocked
// buffers are made once per shape and thread count and reused (oneDNN binds a primitive to the
// OpenMP thread count it was made for); the buffers are shared by all shapes and only grow.
#include "nn/functional/conv_onednn.h"

#ifdef WEIGHTINIT_HAVE_ONEDNN

#include <omp.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weightinit/init/warnings.h"
#include "weightinit/tensor/shape.h"

namespace weightinit::nn::functional::impl {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::dims dims_of(std::initializer_list<std::int64_t> head, const Shape& tail) {
  memory::dims d(head);
  d.insert(d.end(), tail.begin(), tail.end());
  return d;
}

Tag activation_tag(std::size_t spatial) {
  static constexpr Tag tags[] = {Tag::ncw, Tag::nchw, Tag::ncdhw};
  return tags[spatial - 1];
}

Tag weight_tag(std::size_t spatial, bool grouped) {
  static constexpr Tag plain[] = {Tag::oiw, Tag::oihw, Tag::oidhw};
  static constexpr Tag groups[] = {Tag::goiw, Tag::goihw, Tag::goidhw};
  return grouped ? groups[spatial - 1] : plain[spatial - 1];
}

/// The plain (PyTorch-layout) descriptors of a shape, and the primitive's geometry in oneDNN's
/// terms (dilation counted from 0; right padding as PyTorch's symmetric padding).
struct Geometry {
  memory::desc x, w, y;
  memory::dims strides, dilates, pad;
};

Geometry geometry_of(const ConvShape& s) {
  const std::size_t n = s.image.size();
  const auto f32 = memory::data_type::f32;
  Geometry g;
  g.x = memory::desc(dims_of({s.batch, s.in_channels}, s.image), f32, activation_tag(n));
  g.y = memory::desc(dims_of({s.batch, s.out_channels}, s.grid), f32, activation_tag(n));
  const bool grouped = s.groups > 1;
  const memory::dims w =
      grouped ? dims_of({s.groups, s.out_channels / s.groups, s.in_channels / s.groups}, s.kernel)
              : dims_of({s.out_channels, s.in_channels}, s.kernel);
  g.w = memory::desc(w, f32, weight_tag(n, grouped));
  for (std::size_t i = 0; i < n; ++i) {
    g.strides.push_back(s.stride[i]);
    g.dilates.push_back(s.dilation[i] - 1);
    g.pad.push_back(s.padding[i]);
  }
  return g;
}

memory::desc any_like(const memory::desc& d) {
  return memory::desc(d.dims(), memory::data_type::f32, Tag::any);
}

/// A reorder between a plain operand and the layout a primitive wants, made once.
struct Stage {
  bool needed = false;
  memory::desc want;
  dnnl::reorder reorder;
};

Stage stage(const memory::desc& plain, const memory::desc& want, bool into_primitive) {
  Stage st;
  st.want = want;
  st.needed = plain != want;
  if (st.needed) {
    st.reorder =
        into_primitive
            ? dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), plain, cpu_engine(), want))
            : dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), want, cpu_engine(), plain));
  }
  return st;
}

/// One direction of a convolution (forward, backward data or backward weights): its primitive,
/// the oneDNN argument ids and plain layouts of its two inputs and its output, and the reorders
/// into and out of the layouts the primitive chose. Made on first use.
struct Direction {
  dnnl::primitive primitive;
  int arg_in[2] = {0, 0}, arg_out = 0;
  memory::desc plain_in[2], plain_out;
  Stage in[2], out;
};

/// One convolution shape's primitives.
struct Entry {
  Geometry g;
  bool failed = false;  // oneDNN had no primitive: the reference path runs
  std::optional<dnnl::convolution_forward::primitive_desc> fwd_pd;
  Direction forward, backward_data, backward_weights;
};

/// Growing 64-byte-aligned buffers for the blocked copies, one per operand role.
class Arena {
 public:
  void* get(int role, std::size_t bytes) {
    Slot& s = slots_[role];
    if (s.bytes < bytes) {
      s.data.reset(static_cast<char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
      s.bytes = bytes;
    }
    return s.data.get();
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  struct Slot {
    std::unique_ptr<char, Free> data;
    std::size_t bytes = 0;
  };
  Slot slots_[3];
};

struct Cache {
  std::mutex mutex;  // guards the map, the arena, and serialises executions
  std::map<std::vector<std::int64_t>, Entry> entries;
  Arena arena;
};

Cache& cache() {
  static Cache c;
  return c;
}

std::vector<std::int64_t> key_of(const ConvShape& s, bool has_bias) {
  std::vector<std::int64_t> k{s.batch,  s.in_channels, s.out_channels,
                              s.groups, has_bias,      omp_get_max_threads()};
  for (const Shape* v : {&s.image, &s.kernel, &s.stride, &s.padding, &s.dilation}) {
    k.push_back(static_cast<std::int64_t>(v->size()));
    k.insert(k.end(), v->begin(), v->end());
  }
  return k;
}

std::string describe(const ConvShape& s) {
  std::ostringstream os;
  os << "input " << shape_str(dims_of({s.batch, s.in_channels}, s.image)) << ", kernel "
     << shape_str(s.kernel) << ", groups " << s.groups << ", stride " << shape_str(s.stride)
     << ", padding " << shape_str(s.padding) << ", dilation " << shape_str(s.dilation);
  return os.str();
}

std::atomic<bool> fail_new_shapes{false};

/// Runs `make` (which builds primitives into the entry); on a oneDNN error marks the entry
/// failed and warns once per message, so the caller takes the reference path.
template <class Make>
bool build(Entry& e, const ConvShape& s, Make&& make) {
  if (e.failed) return false;
  try {
    if (fail_new_shapes.load()) throw dnnl::error(dnnl_unimplemented, "failure injected by a test");
    make();
    return true;
  } catch (const dnnl::error& err) {
    e.failed = true;
    warn("oneDNN has no convolution for " + describe(s) + " (" + err.what() +
         "); using the reference im2col path for this shape");
    return false;
  }
}

Entry* entry_for(Cache& c, const ConvShape& s, bool has_bias) {
  auto [it, inserted] = c.entries.try_emplace(key_of(s, has_bias));
  Entry& e = it->second;
  if (!inserted) return e.failed ? nullptr : &e;
  const bool ok = build(e, s, [&] {
    e.g = geometry_of(s);
    const Geometry& g = e.g;
    const memory::desc bias =
        has_bias ? memory::desc({s.out_channels}, memory::data_type::f32, Tag::x) : memory::desc();
    const auto desc = dnnl::convolution_forward::desc(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any_like(g.x),
        any_like(g.w), bias, any_like(g.y), g.strides, g.dilates, g.pad, g.pad);
    e.fwd_pd.emplace(desc, cpu_engine());
  });
  return ok ? &e : nullptr;
}

/// A memory over the plain buffer `ptr`, or, when the primitive wants another layout, the
/// arena buffer of `role` filled by the stage's reorder (when `copy_in`).
memory staged(const Stage& st, const memory::desc& plain, const void* ptr, int role, bool copy_in,
              dnnl::stream& stream, Arena& arena) {
  memory user(plain, cpu_engine(), const_cast<void*>(ptr));
  if (!st.needed) return user;
  memory blocked(st.want, cpu_engine(), arena.get(role, st.want.get_size()));
  if (copy_in) st.reorder.execute(stream, user, blocked);
  return blocked;
}

/// Copies a blocked result back to the plain buffer (nothing when the layouts agree).
void unstage(const Stage& st, memory result, const memory::desc& plain, void* ptr,
             dnnl::stream& stream) {
  if (!st.needed) return;
  memory user(plain, cpu_engine(), ptr);
  st.reorder.execute(stream, result, user);
}

/// A direction's operand: its oneDNN argument id, PyTorch's plain layout and the primitive's.
struct Layout {
  int arg;
  memory::desc plain, wanted;
};
/// Two inputs, then the output.
using Layouts = std::array<Layout, 3>;

/// Makes `d` on first use: `describe(geometry)` returns the primitive and its operands'
/// layouts; the reorders between them are made here. False when oneDNN has no primitive.
template <class Describe>
bool make(Entry& e, const ConvShape& s, Direction& d, Describe&& describe) {
  if (d.primitive) return true;
  return build(e, s, [&] {
    auto [primitive, layouts] = describe(e.g);
    for (int i = 0; i < 2; ++i) {
      d.arg_in[i] = layouts[i].arg;
      d.plain_in[i] = layouts[i].plain;
      d.in[i] = stage(layouts[i].plain, layouts[i].wanted, true);
    }
    d.arg_out = layouts[2].arg;
    d.plain_out = layouts[2].plain;
    d.out = stage(layouts[2].plain, layouts[2].wanted, false);
    d.primitive = primitive;
  });
}

/// Runs a made direction on plain buffers: the inputs reordered in (arena roles 0 and 1), the
/// primitive (with any `extra` arguments, such as the bias), the output reordered back.
void run(const Direction& d, const void* in0, const void* in1, void* out, Arena& arena,
         std::unordered_map<int, memory> extra) {
  dnnl::stream stream(cpu_engine());
  memory a = staged(d.in[0], d.plain_in[0], in0, 0, true, stream, arena);
  memory b = staged(d.in[1], d.plain_in[1], in1, 1, true, stream, arena);
  memory o = staged(d.out, d.plain_out, out, 2, false, stream, arena);
  extra.emplace(d.arg_in[0], a);
  extra.emplace(d.arg_in[1], b);
  extra.emplace(d.arg_out, o);
  d.primitive.execute(stream, extra);
  unstage(d.out, o, d.plain_out, out, stream);
  stream.wait();
}

}  // namespace

void onednn_fail_new_shapes_for_testing(bool on) { fail_new_shapes.store(on); }

bool onednn_conv_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                         float* y) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  Entry* e = entry_for(c, s, b != nullptr);
  if (e == nullptr || !make(*e, s, e->forward, [&](const Geometry& g) {
        return std::pair{dnnl::primitive(dnnl::convolution_forward(*e->fwd_pd)),
                         Layouts{Layout{DNNL_ARG_SRC, g.x, e->fwd_pd->src_desc()},
                                 Layout{DNNL_ARG_WEIGHTS, g.w, e->fwd_pd->weights_desc()},
                                 Layout{DNNL_ARG_DST, g.y, e->fwd_pd->dst_desc()}}};
      })) {
    return false;
  }
  std::unordered_map<int, memory> extra;
  if (b != nullptr) {
    extra.emplace(DNNL_ARG_BIAS,
                  memory(e->fwd_pd->bias_desc(), cpu_engine(), const_cast<float*>(b)));
  }
  run(e->forward, x, w, y, c.arena, std::move(extra));
  return true;
}

bool onednn_conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  Entry* e = entry_for(c, s, false);
  if (e == nullptr || !make(*e, s, e->backward_data, [&](const Geometry& g) {
        const auto desc = dnnl::convolution_backward_data::desc(
            dnnl::algorithm::convolution_direct, any_like(g.x), any_like(g.w), any_like(g.y),
            g.strides, g.dilates, g.pad, g.pad);
        const dnnl::convolution_backward_data::primitive_desc pd(desc, cpu_engine(), *e->fwd_pd);
        return std::pair{dnnl::primitive(dnnl::convolution_backward_data(pd)),
                         Layouts{Layout{DNNL_ARG_DIFF_DST, g.y, pd.diff_dst_desc()},
                                 Layout{DNNL_ARG_WEIGHTS, g.w, pd.weights_desc()},
                                 Layout{DNNL_ARG_DIFF_SRC, g.x, pd.diff_src_desc()}}};
      })) {
    return false;
  }
  run(e->backward_data, dy, w, dx, c.arena, {});
  return true;
}

bool onednn_conv_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  Entry* e = entry_for(c, s, false);
  if (e == nullptr || !make(*e, s, e->backward_weights, [&](const Geometry& g) {
        const auto desc = dnnl::convolution_backward_weights::desc(
            dnnl::algorithm::convolution_direct, any_like(g.x), any_like(g.w), any_like(g.y),
            g.strides, g.dilates, g.pad, g.pad);
        const dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu_engine(), *e->fwd_pd);
        return std::pair{dnnl::primitive(dnnl::convolution_backward_weights(pd)),
                         Layouts{Layout{DNNL_ARG_SRC, g.x, pd.src_desc()},
                                 Layout{DNNL_ARG_DIFF_DST, g.y, pd.diff_dst_desc()},
                                 Layout{DNNL_ARG_DIFF_WEIGHTS, g.w, pd.diff_weights_desc()}}};
      })) {
    return false;
  }
  run(e->backward_weights, x, dy, dw, c.arena, {});
  return true;
}

}  // namespace weightinit::nn::functional::impl

#else  // no oneDNN in this build: the reference path always runs

namespace weightinit::nn::functional::impl {

bool onednn_conv_forward(const ConvShape&, const float*, const float*, const float*, float*) {
  return false;
}
bool onednn_conv_backward_data(const ConvShape&, const float*, const float*, float*) {
  return false;
}
bool onednn_conv_backward_weights(const ConvShape&, const float*, const float*, float*) {
  return false;
}
void onednn_fail_new_shapes_for_testing(bool) {}

}  // namespace weightinit::nn::functional::impl

#endif
