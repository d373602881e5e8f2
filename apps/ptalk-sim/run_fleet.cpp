#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include "commands.hpp"
#include "sim/fleet.hpp"
#include "sim/summary_line.hpp"

namespace ptalk::sim::cli {
namespace net = boost::asio;

namespace {

bool write_stats(const std::string& path, const StatsSnapshot& s, double seconds) {
    auto o = s.to_json();
    o["elapsed_sec"] = seconds;
    std::ofstream out(path, std::ios::trunc);
    out << boost::json::serialize(o) << "\n";
    return static_cast<bool>(out);
}

}  // namespace

int run_fleet(const RunConfig& c) {
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    std::optional<Fleet> fleet;
    try {
        fleet.emplace(to_fleet_options(c));
    } catch (const std::exception& e) {
        fmt::print(stderr, "ptalk-sim: {}\n", e.what());
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started);
    };
    const bool tty = !c.no_summary && ::isatty(STDERR_FILENO) == 1;
    fleet->start();

    // The main thread only waits: for a signal, the --duration, and the summary's next tick.
    net::io_context io;
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
    net::steady_timer timer(io);
    const auto deadline =
        c.duration_s > 0
            ? started + std::chrono::milliseconds(static_cast<long long>(c.duration_s * 1000))
            : std::chrono::steady_clock::time_point::max();
    std::function<void()> tick = [&] {
        if (tty) fmt::print(stderr, "\r{}\033[K", summary_line(fleet->stats(), elapsed()));
        if (std::chrono::steady_clock::now() >= deadline) return io.stop();
        timer.expires_after(std::chrono::milliseconds(
            std::min<long long>(1000, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count())));
        timer.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) tick();
        });
    };
    tick();
    io.run();

    fleet->stop();
    auto stats = fleet->stats();
    fmt::print(stderr, "{}{}\n", tty ? "\r" : "", summary_line(stats, elapsed()));
    if (!c.stats_json.empty() &&
        !write_stats(
            c.stats_json, stats,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())) {
        fmt::print(stderr, "ptalk-sim: cannot write {}\n", c.stats_json);
        return 1;
    }
    return 0;
}

}  // namespace ptalk::sim::cli
