#pragma once
// One event loop per I/O thread. Each connection is placed on one loop when it
// is accepted (round robin) and stays there, so its handlers never run on two
// threads at once without a strand, and a loop's scheduler is never contended
// by a second thread waiting on it. Loop 0 also runs the server's own timers
// and the acceptors. Work for a connection from elsewhere is posted to its
// socket's executor, as before.
//
// DeviceSession relies on one thread per loop: it waits for readability with
// socket::async_wait, which is only safe when the thread that reads a socket
// is the only one taking its events from epoll (device_session.cpp).
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

namespace ptalk::gateway {

class EventLoops {
  public:
    explicit EventLoops(unsigned count);
    EventLoops(const EventLoops&) = delete;
    EventLoops& operator=(const EventLoops&) = delete;
    ~EventLoops();

    // Loop 0: server timers, jobs, webhooks, the acceptors.
    [[nodiscard]] boost::asio::io_context& control() noexcept { return *loops_.front(); }
    // The loop for the next accepted connection.
    [[nodiscard]] boost::asio::any_io_executor next() noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return loops_.size(); }

    // One thread per loop; each runs until stop().
    void run();
    void stop();

  private:
    std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace ptalk::gateway
