#include "gateway/event_loops.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>

#include "core/thread_name.hpp"

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
    for (std::size_t i = 0; i < loops_.size(); ++i) {
        threads_.emplace_back([&ioc = *loops_[i]] {
            auto guard = asio::make_work_guard(ioc);
            ioc.run();
        });
        core::name_thread(threads_.back(), fmt::format("io-{}", i));
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
