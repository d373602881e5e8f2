#include "core/metrics.hpp"

#include <fmt/format.h>

namespace ptalk::core {

void Histogram::observe(std::chrono::microseconds d) noexcept {
    const double s = static_cast<double>(d.count()) / 1e6;
    std::size_t i = 0;
    while (i < bounds.size() && s > bounds[i])
        ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count())),
                      std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view help) const {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name, bounds[i],
                       cumulative);
    }
    cumulative += buckets_[bounds.size()].load(std::memory_order_relaxed);
    fmt::format_to(std::back_inserter(out),
                   "{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {3}\n", name, cumulative,
                   static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6,
                   count_.load(std::memory_order_relaxed));
}

LabeledCounter::LabeledCounter(std::initializer_list<std::string_view> labels) {
    for (auto l : labels) {
        if (size_ < max_labels) labels_[size_++] = l;
    }
}

void LabeledCounter::inc(std::size_t index, std::uint64_t n) noexcept {
    if (index < size_) values_[index].fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t LabeledCounter::get(std::size_t index) const noexcept {
    return index < size_ ? values_[index].load(std::memory_order_relaxed) : 0;
}

void LabeledCounter::render(std::string& out, std::string_view name, std::string_view label,
                            std::string_view help) const {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n", name, help);
    for (std::size_t i = 0; i < size_; ++i) {
        fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", name, label, labels_[i],
                       values_[i].load(std::memory_order_relaxed));
    }
}

namespace {
template <class T>
void scalar(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            const std::atomic<T>& v) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help,
                   type, v.load(std::memory_order_relaxed));
}
}  // namespace

std::string Metrics::render(std::string_view extra) const {
    std::string out;
    out.reserve(8192);
    scalar(out, "ptalk_devices_connected", "gauge", "Devices with a live, hand-shaken socket",
           devices_connected);
    scalar(out, "ptalk_connections_accepted_total", "counter", "TCP connections accepted",
           connections_accepted);
    scalar(out, "ptalk_handshakes_total", "counter", "Device handshakes", handshakes);
    scalar(out, "ptalk_handshake_timeouts_total", "counter",
           "Sockets closed for not hand-shaking in time", handshake_timeouts);
    scalar(out, "ptalk_devices_replaced_total", "counter",
           "Sockets replaced by a new connection of the same device", devices_replaced);
    scalar(out, "ptalk_devices_refused_total", "counter", "Devices refused admission",
           devices_refused);
    frames.render(out, "ptalk_frames_total", "kind", "Frames received from devices, by kind");
    scalar(out, "ptalk_frames_before_handshake_total", "counter",
           "Frames a device sent before its handshake (ignored)", frames_before_handshake);
    scalar(out, "ptalk_stale_replies_total", "counter",
           "Replies that answered no command in flight", stale_replies);
    scalar(out, "ptalk_slow_consumers_dropped_total", "counter",
           "Devices dropped because their send queue overflowed", slow_consumers_dropped);
    commands.render(out, "ptalk_commands_total", "outcome", "Device commands, by outcome");
    command_latency.render(out, "ptalk_command_latency_seconds",
                           "Time from sending a command to its outcome");
    scalar(out, "ptalk_http_requests_total", "counter", "HTTP requests", http_requests);
    http_responses.render(out, "ptalk_http_responses_total", "class",
                          "HTTP responses, by status class");
    scalar(out, "ptalk_http_malformed_total", "counter", "Malformed HTTP requests", http_malformed);
    security.render(out);
    out.append(extra);
    return out;
}

}  // namespace ptalk::core
