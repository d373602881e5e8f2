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

    // Text exposition of everything above plus caller-supplied gauges (store depth...).
    [[nodiscard]] std::string render(std::string_view extra = {}) const;
};

}  // namespace ptalk::core
