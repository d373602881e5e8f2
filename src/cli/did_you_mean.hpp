#pragma once
// Suggestions for a mistyped device id or name: prefix matches first, then the
// nearest by edit distance. Pure.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ptalk::cli {

// Levenshtein distance, ASCII case-insensitive.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `max` of `candidates` close enough to `typed`, best first.
[[nodiscard]] std::vector<std::string> nearest(std::string_view typed,
                                               const std::vector<std::string>& candidates,
                                               std::size_t max = 3);

}  // namespace ptalk::cli
