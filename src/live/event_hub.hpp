#pragma once
// Fans committed events out to live subscribers (SSE clients, webhooks). The
// store's writer thread calls publish() after each commit; publish only copies
// matching events into each subscriber's bounded buffer and posts a wake-up to
// the subscriber's own executor, so a slow subscriber never blocks the writer.
// A subscriber whose buffer overflows is marked lagging: it drops its
// connection and the client resumes from the store with Last-Event-ID.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "live/sse_format.hpp"
#include "store/store.hpp"

namespace ptalk::live {

class Subscription : public std::enable_shared_from_this<Subscription> {
  public:
    Subscription(boost::asio::any_io_executor ex, EventMatch match, std::size_t limit);

    // On the subscriber's executor: returns when events are waiting, the
    // subscription overflowed or closed, or `max_wait` passed.
    boost::asio::awaitable<void> wait(std::chrono::milliseconds max_wait);

    struct Batch {
        std::vector<store::EventRecord> events;
        bool overflowed = false;  // events were lost: reconnect from the store
        bool closed = false;      // the hub shut down
    };
    // Everything waiting now (any thread).
    Batch take();

    [[nodiscard]] const EventMatch& match() const noexcept { return match_; }

  private:
    friend class EventHub;
    // Hub side (any thread). True when this push overflowed the buffer.
    bool push(const std::vector<const store::EventRecord*>& events);
    void close();
    void wake();

    boost::asio::any_io_executor ex_;
    EventMatch match_;
    std::size_t limit_;
    boost::asio::steady_timer timer_;  // touched on ex_ only
    std::mutex mutex_;
    std::deque<store::EventRecord> buffer_;
    bool overflowed_ = false;
    bool closed_ = false;
};

class EventHub {
  public:
    // `per_subscriber_limit`: events buffered for one subscriber before it is
    // dropped as lagging.
    explicit EventHub(std::size_t per_subscriber_limit = 10'000);

    std::shared_ptr<Subscription> subscribe(boost::asio::any_io_executor ex, EventMatch match);
    void unsubscribe(const std::shared_ptr<Subscription>& s);
    // The store's event listener.
    void publish(const std::vector<store::EventRecord>& events);
    // Ends every subscription (server stop).
    void shutdown();

    [[nodiscard]] std::size_t subscribers() const;
    [[nodiscard]] std::uint64_t published() const noexcept { return published_.load(); }
    // The largest event id published so far (0: none yet).
    [[nodiscard]] std::uint64_t last_id() const noexcept { return last_id_.load(); }
    [[nodiscard]] std::uint64_t lagging_dropped() const noexcept { return lagging_.load(); }

  private:
    std::size_t limit_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Subscription>> subs_;
    bool shut_ = false;
    std::atomic<std::uint64_t> published_{0};
    std::atomic<std::uint64_t> lagging_{0};
    std::atomic<std::uint64_t> last_id_{0};
};

}  // namespace ptalk::live
