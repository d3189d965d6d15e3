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

/// Levenshtein distance, case-insensitive (for "did you mean" suggestions).
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
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
