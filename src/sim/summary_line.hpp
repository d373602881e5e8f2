#pragma once
// The live one-line summary ptalk-sim shows on a terminal.
#include <chrono>
#include <string>

#include "sim/stats.hpp"

namespace ptalk::sim {

[[nodiscard]] std::string summary_line(const StatsSnapshot& s, std::chrono::seconds elapsed);

}  // namespace ptalk::sim
