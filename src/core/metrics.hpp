#pragma once
// Process-wide counters for /metrics (Prometheus text format). Lock-free: every
// field is an atomic bumped on the hot path with relaxed ordering.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptalk::core {

using Counter = std::atomic<std::uint64_t>;
using Gauge = std::atomic<std::int64_t>;

// A latency histogram with fixed buckets (seconds).
class Histogram {
  public:
    static constexpr std::array<double, 13> bounds{0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,   1.0,   2.5,  5.0,   10.0};
    void observe(std::chrono::microseconds d) noexcept;
    // Appends the metric family `name` to `out`.
    void render(std::string& out, std::string_view name, std::string_view help) const;

  private:
    std::array<Counter, bounds.size() + 1> buckets_{};
    Counter count_{0};
    Counter sum_us_{0};
};

// Names of frame kinds (protocol::message_kind) and command outcomes
// (dispatch::to_string) are mapped to slots by the caller's index.
inline constexpr std::size_t max_labels = 16;

class LabeledCounter {
  public:
    explicit LabeledCounter(std::initializer_list<std::string_view> labels);
    void inc(std::size_t index, std::uint64_t n = 1) noexcept;
    [[nodiscard]] std::uint64_t get(std::size_t index) const noexcept;
    void render(std::string& out, std::string_view name, std::string_view label,
                std::string_view help) const;

  private:
    std::array<std::string_view, max_labels> labels_{};
    std::size_t size_ = 0;
    std::array<Counter, max_labels> values_{};
};

// ---- security (issue 7, docs/SECURITY.md): authentication failures, refused
// devices, and one family labelled per limit so every violation shows in one place.
// Labels of ptalk_limit_violations_total{limit=...}; indexes of SecurityMetrics::limits.
enum class Limit : std::size_t {
    max_connections,    // the connection cap was reached: accepted and closed at once
    ip_rate,            // one address opened connections faster than allowed
    http_header,        // request headers above the limit (431)
    http_body,          // request body above the limit (413)
    http_timeout,       // a request not read in time (slowloris)
    json_depth,         // an API body nested deeper than allowed (400)
    json_size,          // an API JSON body larger than allowed (413)
    ws_frame,           // a device frame above the limit (socket dropped)
    handshake_timeout,  // no device_handshake in time after the upgrade
    send_queue,         // a device that did not read its frames (dropped)
};

// Labels of ptalk_auth_failures_total{reason=...}.
enum class AuthFailure : std::size_t { missing, invalid, scope };

// Labels of ptalk_devices_refused_by_reason_total{reason=...}.
enum class Refusal : std::size_t { not_allowlisted, missing_token, bad_token, wrong_device };

struct SecurityMetrics {
    LabeledCounter limits{"max_connections",   "ip_rate",    "http_header", "http_body",
                          "http_timeout",      "json_depth", "json_size",   "ws_frame",
                          "handshake_timeout", "send_queue"};
    LabeledCounter auth_failures{"missing", "invalid", "scope"};
    LabeledCounter refusals{"not_allowlisted", "missing_token", "bad_token", "wrong_device"};
    Gauge open_connections{0};

    void count(Limit l) noexcept { limits.inc(static_cast<std::size_t>(l)); }
    void count(AuthFailure f) noexcept { auth_failures.inc(static_cast<std::size_t>(f)); }
    void count(Refusal r) noexcept { refusals.inc(static_cast<std::size_t>(r)); }

    void render(std::string& out) const {
        limits.render(out, "ptalk_limit_violations_total", "limit",
                      "Requests and connections refused by a limit (docs/SECURITY.md)");
        auth_failures.render(out, "ptalk_auth_failures_total", "reason",
                             "API requests refused: no token, unknown token, scope too low");
        refusals.render(out, "ptalk_devices_refused_by_reason_total", "reason",
                        "Device handshakes refused by the admission mode");
        out += "# HELP ptalk_open_connections TCP connections open now\n";
        out += "# TYPE ptalk_open_connections gauge\nptalk_open_connections ";
        out += std::to_string(open_connections.load(std::memory_order_relaxed));
        out += "\n";
    }
};

struct Metrics {
    Gauge devices_connected{0};
    Counter connections_accepted{0};
    Counter handshakes{0};
    Counter handshake_timeouts{0};
    Counter devices_replaced{0};
    Counter devices_refused{0};
    LabeledCounter frames{"handshake",     "reply",      "ota_ack",      "ota_nack",
                          "firmware_pull", "voice_text", "voice_binary", "malformed"};
    Counter frames_before_handshake{0};
    Counter stale_replies{0};
    Counter slow_consumers_dropped{0};
    LabeledCounter commands{
        "ok",          "error",   "invalid_command", "invalid_param", "not_supported",
        "device_busy", "timeout", "disconnected",    "offline",       "queue_full",
        "shutdown"};
    Histogram command_latency;
    Counter http_requests{0};
    LabeledCounter http_responses{"2xx", "3xx", "4xx", "5xx"};
    Counter http_malformed{0};
    SecurityMetrics security;

    // Text exposition of everything above plus caller-supplied gauges (store depth...).
    [[nodiscard]] std::string render(std::string_view extra = {}) const;
};

}  // namespace ptalk::core
