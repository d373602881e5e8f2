// ptalk-rate-load: an open-loop HTTP load generator for the command API (wrk2
// is not packaged here). Requests are scheduled at a fixed rate; each latency
// is measured from the request's *scheduled* time, so a server that falls
// behind is charged for the wait (no coordinated omission). Keep-alive
// connections take the scheduled requests in order, one in flight each.
//
// Each request: POST /api/v1/devices/{random id}/commands
//               {"cmd":"set_volume","volume":<random 0-100>}
// Prints one JSON object with the counts and the latency percentiles.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    double rate = 1000;    // requests per second
    double duration = 10;  // seconds of scheduled requests
    unsigned connections = 64;
    std::uint64_t devices = 1000;
    std::string id_prefix = "24a160";
};

struct Run {
    Options o;
    Clock::time_point start;
    Clock::time_point hard_stop;
    std::uint64_t total = 0;
    std::uint64_t next = 0;
    std::mt19937_64 rng{42};
    std::vector<std::uint32_t> latency_us;
    std::map<unsigned, std::uint64_t> statuses;
    std::uint64_t errors = 0;
    Clock::time_point last_done;
};

std::string device_id(const Options& o, std::uint64_t index) {
    return fmt::format("{}{:0{}x}", o.id_prefix, index, 12 - o.id_prefix.size());
}

asio::awaitable<void> connection(Run& run) {
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream stream(ex);
    asio::ip::tcp::endpoint ep(asio::ip::make_address(run.o.host), run.o.port);
    auto [cec] = co_await stream.async_connect(ep, as_tuple(use_awaitable));
    if (cec) {
        ++run.errors;
        co_return;
    }
    stream.socket().set_option(asio::ip::tcp::no_delay(true));
    beast::flat_buffer buffer;
    asio::steady_timer timer(ex);
    std::uniform_int_distribution<std::uint64_t> pick(0, run.o.devices - 1);
    std::uniform_int_distribution<int> volume(0, 100);
    const auto interval = std::chrono::duration<double>(1.0 / run.o.rate);
    while (run.next < run.total) {
        const std::uint64_t ticket = run.next++;
        const auto scheduled =
            run.start + std::chrono::duration_cast<Clock::duration>(interval * ticket);
        timer.expires_at(scheduled);
        co_await timer.async_wait(as_tuple(use_awaitable));
        http::request<http::string_body> req{
            http::verb::post, "/api/v1/devices/" + device_id(run.o, pick(run.rng)) + "/commands",
            11};
        req.set(http::field::host, run.o.host);
        req.set(http::field::content_type, "application/json");
        req.body() = fmt::format(R"({{"cmd":"set_volume","volume":{}}})", volume(run.rng));
        req.prepare_payload();
        stream.expires_at(run.hard_stop);
        auto [wec, wn] = co_await http::async_write(stream, req, as_tuple(use_awaitable));
        http::response<http::string_body> res;
        beast::error_code rec = wec;
        if (!wec)
            std::tie(rec, std::ignore) =
                co_await http::async_read(stream, buffer, res, as_tuple(use_awaitable));
        if (rec) {
            ++run.errors;
            co_return;
        }
        const auto now = Clock::now();
        run.last_done = std::max(run.last_done, now);
        ++run.statuses[res.result_int()];
        run.latency_us.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - scheduled).count()));
    }
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
    return sorted[i] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    Run run;
    CLI::App app{"ptalk-rate-load: fixed-rate POST /api/v1/devices/{id}/commands"};
    app.add_option("--host", run.o.host);
    app.add_option("--port", run.o.port)->required();
    app.add_option("--rate", run.o.rate, "requests per second")->check(CLI::Range(1.0, 1e6));
    app.add_option("--duration", run.o.duration, "seconds")->check(CLI::Range(0.1, 600.0));
    app.add_option("--connections", run.o.connections)->check(CLI::Range(1u, 10000u));
    app.add_option("--devices", run.o.devices, "ids are the prefix and an index in hex")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 24));
    app.add_option("--id-prefix", run.o.id_prefix);
    CLI11_PARSE(app, argc, argv);

    run.total = static_cast<std::uint64_t>(run.o.rate * run.o.duration);
    run.latency_us.reserve(run.total);
    asio::io_context ioc;
    run.start = Clock::now() + std::chrono::milliseconds(200);  // let connections open
    run.hard_stop = run.start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(run.o.duration + 10));
    run.last_done = run.start;
    for (unsigned i = 0; i < run.o.connections; ++i)
        asio::co_spawn(ioc, connection(run), asio::detached);
    ioc.run();

    std::sort(run.latency_us.begin(), run.latency_us.end());
    const double elapsed = std::chrono::duration<double>(run.last_done - run.start).count();
    std::string statuses;
    for (const auto& [code, n] : run.statuses)
        statuses += fmt::format("{}\"{}\":{}", statuses.empty() ? "" : ",", code, n);
    fmt::print(
        "{{\"rate\":{},\"duration_s\":{},\"connections\":{},\"scheduled\":{},\"completed\":{},"
        "\"errors\":{},\"statuses\":{{{}}},\"achieved_rps\":{:.1f},\"p50_ms\":{:.3f},"
        "\"p90_ms\":{:.3f},\"p99_ms\":{:.3f},\"max_ms\":{:.3f}}}\n",
        run.o.rate, run.o.duration, run.o.connections, run.total, run.latency_us.size(), run.errors,
        statuses, elapsed > 0 ? static_cast<double>(run.latency_us.size()) / elapsed : 0,
        percentile_ms(run.latency_us, 0.50), percentile_ms(run.latency_us, 0.90),
        percentile_ms(run.latency_us, 0.99),
        run.latency_us.empty() ? 0.0 : run.latency_us.back() / 1000.0);
    return run.errors == 0 ? 0 : 1;
}
