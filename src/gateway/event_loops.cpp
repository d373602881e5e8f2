#include "gateway/event_loops.hpp"

#include <algorithm>

#include <boost/asio/executor_work_guard.hpp>

namespace ptalk::gateway {

namespace asio = boost::asio;

EventLoops::EventLoops(unsigned count) {
    const unsigned n = std::max(1U, count);
    loops_.reserve(n);
    // A hint of 1: asio may skip waking other threads, as none run this loop.
    for (unsigned i = 0; i < n; ++i)
        loops_.push_back(std::make_unique<asio::io_context>(1));
}

EventLoops::~EventLoops() {
    stop();
}

asio::any_io_executor EventLoops::next() noexcept {
    const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed) % loops_.size();
    return loops_[i]->get_executor();
}

void EventLoops::run() {
    for (auto& loop : loops_) {
        threads_.emplace_back([&ioc = *loop] {
            auto guard = asio::make_work_guard(ioc);
            ioc.run();
        });
    }
}

void EventLoops::stop() {
    for (auto& loop : loops_)
        loop->stop();
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

}  // namespace ptalk::gateway
