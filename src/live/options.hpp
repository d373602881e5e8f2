#pragma once
// ptalkd's options for issue 6: the event stream, desired state, jobs, webhooks.
#include <chrono>
#include <cstddef>

namespace ptalk::live {

enum class DriftPolicy { enforce, adopt };

struct LiveOptions {
    // Events kept in the store for replay (Last-Event-ID); the writer prunes older ones.
    std::size_t event_retention = 100'000;
    // Events buffered per SSE client before it is dropped as lagging.
    std::size_t sse_buffer = 10'000;
    // A comment line this often keeps idle SSE connections (and proxies) open.
    std::chrono::milliseconds sse_heartbeat{15'000};
    // A setting the device changed by itself: re-apply desired, or adopt the device's.
    DriftPolicy drift_policy = DriftPolicy::enforce;
    // Outgoing webhooks: attempts per event and the first retry's delay (doubling).
    struct Webhooks {
        int max_attempts = 5;
        std::chrono::milliseconds retry_base{500};
        std::chrono::milliseconds timeout{5000};
        // Delivery attempts kept per webhook (store, newest first).
        std::size_t log_size = 1000;
    } webhooks;
    // Finished jobs kept in the store (older ones are pruned); running jobs always are.
    std::size_t job_history = 1000;
};

}  // namespace ptalk::live
