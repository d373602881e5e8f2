#pragma once
// Progress bars for uploads, transfers and rollouts. Pure.
#include <cstdint>
#include <string>

namespace ptalk::cli {

// "[##########----------]  50%" `width` characters of bar.
[[nodiscard]] std::string progress_bar(std::uint64_t done, std::uint64_t total, int width = 30);
// "1.5 MiB", "312 KiB", "900 B".
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

}  // namespace ptalk::cli
