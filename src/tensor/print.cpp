// SPDX-License-Identifier: MIT
// PyTorch's repr(tensor), ported line for line from torch/_tensor_str.py (PyTorch 1.13).
#include "weightinit/tensor/print.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/tensor/shape.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit {

namespace {

// `tensor(` opens every repr; its length is the indent of continuation lines (_str_intern).
constexpr std::string_view kPrefix = "tensor(";

/// Python's "{:.{precision}f}" (conv 'f') or "{:.{precision}e}" (conv 'e') of a float.
/// std::to_chars is exactly rounded and locale-independent, like Python's formatter, so
/// the digits agree. Non-finite values are spelled as Python does: NaN never has a sign.
std::string py_format(double value, int precision, char conv) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  const auto format = conv == 'e' ? std::chars_format::scientific : std::chars_format::fixed;
  // The longest fixed output is a sign, 309 integer digits, the point and the fraction.
  std::string out(static_cast<std::size_t>(precision) + 320, '\0');
  const auto result = std::to_chars(out.data(), out.data() + out.size(), value, format, precision);
  WEIGHTINIT_CHECK(result.ec == std::errc(), Error, "cannot format ", value);
  out.resize(static_cast<std::size_t>(result.ptr - out.data()));
  return out;
}

std::string pad_left(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

/// _Formatter: chooses integer (`1.`), scientific or fixed form from the values it will print,
/// and the common width the elements are right-aligned to.
struct Formatter {
  bool floating = true;  // false: an integer dtype, printed as "{}"
  bool int_mode = true;
  bool sci_mode = false;
  std::size_t max_width = 1;
  int precision = 4;

  std::string format(double value) const {
    std::string text;
    if (!floating) {
      text = py_format(value, 0, 'f');
    } else if (sci_mode) {
      text = py_format(value, precision, 'e');
    } else if (int_mode) {
      // Integral floats print as `3.`: the point marks a floating dtype. inf/nan get none.
      text = py_format(value, 0, 'f');
      if (std::isfinite(value)) text += '.';
    } else {
      text = py_format(value, precision, 'f');
    }
    return pad_left(std::move(text), max_width);
  }
};

void widen_to(std::size_t& width, std::size_t length) {
  if (length > width) width = length;
}

/// _Formatter.__init__ over `values` (the summarised data, in double as `.item()` gives them).
/// Only nonzero finite values decide the mode and the width: zeros, nan and inf do not.
Formatter make_formatter(std::span<const double> values, const PrintOptions& options) {
  Formatter f;
  f.precision = options.precision;
  std::vector<double> nonzero_finite;
  for (const double v : values) {
    if (std::isfinite(v) && v != 0) nonzero_finite.push_back(v);
  }
  // torch returns early here, so even a forced sci_mode is ignored for such tensors.
  if (nonzero_finite.empty()) return f;

  double abs_min = std::numeric_limits<double>::infinity();
  double abs_max = 0;
  for (const double v : nonzero_finite) {
    abs_min = std::fmin(abs_min, std::fabs(v));
    abs_max = std::fmax(abs_max, std::fabs(v));
    if (v != std::ceil(v)) f.int_mode = false;
  }
  const bool wide_range = abs_max / abs_min > 1000.0 || abs_max > 1.0e8;
  if (wide_range || (!f.int_mode && abs_min < 1.0e-4)) {
    f.sci_mode = true;
    for (const double v : nonzero_finite) {
      widen_to(f.max_width, py_format(v, f.precision, 'e').size());
    }
  } else if (f.int_mode) {
    // +1 for the point that format() appends.
    for (const double v : nonzero_finite) widen_to(f.max_width, py_format(v, 0, 'f').size() + 1);
  } else {
    for (const double v : nonzero_finite) {
      widen_to(f.max_width, py_format(v, f.precision, 'f').size());
    }
  }
  // The override changes the form but keeps the width measured for the automatic choice.
  if (options.sci_mode) f.sci_mode = *options.sci_mode;
  return f;
}

/// Start of Python's `x[-edgeitems:]` on a dimension of size n (edgeitems 0 keeps all).
std::int64_t tail_start(std::int64_t n, std::int64_t edgeitems) {
  std::int64_t start = -edgeitems;
  if (start < 0) start += n;
  return std::clamp<std::int64_t>(start, 0, n);
}

/// End of Python's `x[:edgeitems]` on a dimension of size n.
std::int64_t head_end(std::int64_t n, std::int64_t edgeitems) {
  return std::clamp<std::int64_t>(edgeitems < 0 ? edgeitems + n : edgeitems, 0, n);
}

void append_elements(const Tensor& vec, std::int64_t begin, std::int64_t end,
                     std::vector<double>& out) {
  for (std::int64_t i = begin; i < end; ++i) out.push_back(vec.item({i}));
}

/// get_summarized_data, flattened: the elements that a summarised print shows.
void collect_summarized(const Tensor& t, const PrintOptions& options, std::vector<double>& out) {
  const std::int64_t edge = options.edgeitems;
  if (t.dim() == 0) {
    out.push_back(t.item());
    return;
  }
  const std::int64_t n = t.size(0);
  const bool cut = n > 2 * edge;
  if (t.dim() == 1) {
    append_elements(t, 0, cut ? head_end(n, edge) : n, out);
    if (cut) append_elements(t, tail_start(n, edge), n, out);
    return;
  }
  // Python's range(0, edge) and range(n - edge, n) here, not slices.
  for (std::int64_t i = 0; i < n; ++i) {
    if (!cut || i < edge || i >= n - edge) collect_summarized(t.select(0, i), options, out);
  }
}

/// Python's `max(1, int(math.floor(numerator / denominator)))` for denominator > 0.
std::int64_t floor_div_at_least_one(std::int64_t numerator, std::int64_t denominator) {
  std::int64_t q = numerator / denominator;
  if (numerator % denominator != 0 && numerator < 0) --q;
  return q < 1 ? 1 : q;
}

/// _vector_str: one dimension, wrapped so that each line fits linewidth - indent.
std::string vector_str(const Tensor& vec, std::int64_t indent, bool summarize, const Formatter& f,
                       const PrintOptions& options) {
  const auto element_length = static_cast<std::int64_t>(f.max_width) + 2;
  const std::int64_t per_line = floor_div_at_least_one(options.linewidth - indent, element_length);
  const std::int64_t n = vec.size(0);
  std::vector<std::string> data;
  const auto format_range = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) data.push_back(f.format(vec.item({i})));
  };
  if (summarize && n > 2 * std::int64_t{options.edgeitems}) {
    // " ..." is one more element: it takes a slot on the line like any number.
    format_range(0, head_end(n, options.edgeitems));
    data.emplace_back(" ...");
    format_range(tail_start(n, options.edgeitems), n);
  } else {
    for (const double v : vec.to_vector<double>()) data.push_back(f.format(v));
  }
  const std::string line_break = ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ');
  std::string out = "[";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i > 0) out += i % static_cast<std::size_t>(per_line) == 0 ? line_break : ", ";
    out += data[i];
  }
  return out + "]";
}

/// _tensor_str_with_formatter: nested brackets, one more space of indent per level, and
/// dim - 1 newlines between slices so that 3-D and higher show blank lines between blocks.
std::string tensor_str_with_formatter(const Tensor& t, std::int64_t indent, bool summarize,
                                      const Formatter& f, const PrintOptions& options) {
  if (t.dim() == 0) return f.format(t.item());
  if (t.dim() == 1) return vector_str(t, indent, summarize, f, options);

  const std::int64_t n = t.size(0);
  const std::int64_t edge = options.edgeitems;
  const bool cut = summarize && n > 2 * edge;
  std::vector<std::string> slices;
  for (std::int64_t i = 0; i < (cut ? edge : n); ++i) {
    slices.push_back(tensor_str_with_formatter(t.select(0, i), indent + 1, summarize, f, options));
  }
  if (cut) {
    slices.emplace_back("...");
    for (std::int64_t i = n - edge; i < n; ++i) {
      slices.push_back(
          tensor_str_with_formatter(t.select(0, i), indent + 1, summarize, f, options));
    }
  }
  const std::string separator = "," + std::string(static_cast<std::size_t>(t.dim() - 1), '\n') +
                                std::string(static_cast<std::size_t>(indent + 1), ' ');
  std::string out = "[";
  for (std::size_t i = 0; i < slices.size(); ++i) {
    if (i > 0) out += separator;
    out += slices[i];
  }
  return out + "]";
}

/// _tensor_str for a non-empty tensor: the formatter sees only the data that will be shown.
std::string tensor_str(const Tensor& t, std::int64_t indent, const PrintOptions& options) {
  const bool summarize = t.numel() > options.threshold;
  std::vector<double> shown;
  if (summarize) {
    collect_summarized(t, options, shown);
  } else {
    shown = t.to_vector<double>();
  }
  Formatter f;
  if (is_floating_point(t.dtype())) {
    f = make_formatter(shown, options);
  } else {  // integer dtypes: "{}".format(value), width = the longest
    f.floating = false;
    for (const double v : shown) widen_to(f.max_width, py_format(v, 0, 'f').size());
  }
  return tensor_str_with_formatter(t, indent, summarize, f, options);
}

/// _add_suffixes: each suffix goes on the current line if it fits, else on a new line at
/// `indent`. torch's estimate of the last line's length is 2 too long (its rfind arithmetic);
/// that is kept, since it decides where the break falls.
std::string add_suffixes(const std::string& tensor_text, const std::vector<std::string>& suffixes,
                         std::int64_t indent, int linewidth) {
  const auto len = static_cast<std::int64_t>(tensor_text.size());
  const std::size_t newline = tensor_text.rfind('\n');
  const std::int64_t rfind = newline == std::string::npos ? -1 : static_cast<std::int64_t>(newline);
  std::int64_t last_line_len = len - rfind + 1;
  std::string out = tensor_text;
  for (const std::string& suffix : suffixes) {
    const auto suffix_len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + suffix_len + 2 > linewidth) {
      out += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + suffix;
      last_line_len = indent + suffix_len;
    } else {
      out += ", " + suffix;
      last_line_len += suffix_len + 2;
    }
  }
  return out + ")";
}

std::string dtype_suffix(DType dtype) { return "dtype=torch." + std::string(dtype_name(dtype)); }

}  // namespace

PrintOptions& print_options() {
  static PrintOptions options;
  return options;
}

void set_printoptions(const PrintOptions& options) { print_options() = options; }

std::string format_tensor(const Tensor& t, const PrintOptions& options, bool requires_grad) {
  // libtorch's spelling for a tensor without storage; Python has no such object.
  if (!t.defined()) return "[ Tensor (undefined) ]";
  WEIGHTINIT_CHECK(options.precision >= 0, ValueError,
                   "print precision must be non-negative, but got ", options.precision);
  const auto indent = static_cast<std::int64_t>(kPrefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    // Empty: the shape is shown unless it is (0,), and the dtype whenever it is not the
    // default, since there are no elements to show it.
    if (t.dim() != 1) suffixes.push_back("size=" + shape_tuple_str(t.sizes()));
    if (t.dtype() != DType::Float32) suffixes.push_back(dtype_suffix(t.dtype()));
    body = "[]";
  } else {
    // torch's has_default_dtype: float32 (the default) and int64 need no suffix.
    if (t.dtype() == DType::Float64) suffixes.push_back(dtype_suffix(t.dtype()));
    body = tensor_str(t, indent, options);
  }
  if (requires_grad) suffixes.emplace_back("requires_grad=True");
  return add_suffixes(std::string(kPrefix) + body, suffixes, indent, options.linewidth);
}

}  // namespace weightinit
