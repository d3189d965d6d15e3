// SPDX-License-Identifier: MIT
// Internal text helpers of the line-based parsers (policies, search spaces).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weightinit::detail {

/// `s` without leading and trailing white space; `*lead` receives the number of leading
/// characters removed (for column numbers).
inline std::string trim(std::string_view s, std::size_t* lead = nullptr) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  if (lead) *lead = b;
  return std::string(s.substr(b, e - b));
}

/// The line reader of the line-based formats (policies, search spaces): calls fn(number, line)
/// for each line of `text` (numbered from 1; '\n' or "\r\n" endings) with its '#' comment cut,
/// skipping lines that are then blank. `line` keeps its leading white space, so columns count
/// from the start of the line as written.
template <class Fn>
void for_each_content_line(std::string_view text, Fn&& fn) {
  std::size_t line_start = 0;
  int line_no = 0;
  while (line_start <= text.size()) {
    ++line_no;
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string line(text.substr(line_start, line_end - line_start));
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    if (!trim(line).empty()) fn(line_no, line);
    if (line_end == text.size()) break;
  }
}

/// How edit_distance compares.
struct EditDistanceOptions {
  bool ignore_case = true;      ///< 'A' and 'a' are the same character
  bool transpositions = false;  ///< swapping two adjacent characters is one edit
};

/// The edit distance of `a` and `b` (for "did you mean" suggestions): Levenshtein's, or with
/// `transpositions` the optimal string alignment distance (Damerau), so "kaimnig" is one edit
/// from "kaiming".
inline std::size_t edit_distance(std::string_view a, std::string_view b,
                                 EditDistanceOptions options = {}) {
  const auto same = [&](char x, char y) {
    return options.ignore_case ? std::tolower(static_cast<unsigned char>(x)) ==
                                     std::tolower(static_cast<unsigned char>(y))
                               : x == y;
  };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (options.transpositions && i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
          same(a[i - 2], b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

/// The candidate within `max_distance` - 1 edits of `name` that is closest (the first of
/// equals), or "" when none is that close.
inline std::string closest_within(const std::string& name,
                                  const std::vector<std::string>& candidates,
                                  std::size_t max_distance) {
  std::string best;
  std::size_t best_distance = max_distance;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

/// Python's "{0:,}": thousands separated by commas ("6,738,415,616").
inline std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

}  // namespace weightinit::detail
