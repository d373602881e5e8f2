#include "sim/summary_line.hpp"

#include <fmt/format.h>

namespace ptalk::sim {

std::string summary_line(const StatsSnapshot& s, std::chrono::seconds elapsed) {
    auto line = fmt::format(
        "[{:>5}s] connected {}/{}  handshakes {}  commands {} (replies {})  reconnects {}",
        elapsed.count(), s[Counter::connected], s[Counter::devices], s[Counter::handshakes],
        s[Counter::commands], s[Counter::replies], s[Counter::reconnects]);
    if (s[Counter::ota_started] > 0 || s[Counter::ota_in_progress] > 0)
        line += fmt::format("  ota {} running, {} ok, {} failed, {:.1f} MiB",
                            s[Counter::ota_in_progress], s[Counter::ota_ok],
                            s[Counter::ota_failed] + s[Counter::ota_cut_off],
                            static_cast<double>(s[Counter::ota_bytes]) / (1024.0 * 1024.0));
    if (s[Counter::connect_failures] > 0)
        line += fmt::format("  failed connects {}", s[Counter::connect_failures]);
    if (s[Counter::stranded_now] > 0)
        line += fmt::format("  STRANDED {}", s[Counter::stranded_now]);
    if (s[Counter::offline_now] > 0) line += fmt::format("  offline {}", s[Counter::offline_now]);
    return line;
}

}  // namespace ptalk::sim
