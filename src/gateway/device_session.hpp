#pragma once
// One device's WebSocket: reads and classifies its frames, owns its command
// queue (dispatch::DeviceQueue) and its single writer. Everything runs on the
// session's event loop; other threads talk to it only through the thread-safe
// members, which post to that loop (its socket's executor).
//
// The socket is a plain TCP socket after the upgrade (listener.cpp answers it,
// ws_upgrade.hpp) and the framing is protocol::WsReader: the session waits for
// readability and reads into one buffer per I/O thread, so an idle device holds
// no read buffer and no composed operation (docs/PERFORMANCE.md).
//
// A device's connection is always ended by closing TCP, never by a close frame:
// the firmware does not reconnect after a close frame (PROTOCOL.md §6).
#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "core/metrics.hpp"
#include "dispatch/device_queue.hpp"
#include "gateway/device_hooks.hpp"
#include "gateway/options.hpp"
#include "ota/transfer.hpp"
#include "protocol/ws_frame.hpp"

namespace ptalk::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;

class DeviceSession : public std::enable_shared_from_this<DeviceSession> {
  public:
    using Socket = asio::ip::tcp::socket;
    using CompletionHandler = asio::any_completion_handler<void(dispatch::Completion)>;

    // `sock` has just sent the 101 answer to an upgrade whose URL carried
    // `admission_token` (?token=, docs/SECURITY.md).
    DeviceSession(Socket sock, DeviceHooks& hooks, const Options& options, core::Metrics& metrics,
                  std::string remote, std::string admission_token);
    ~DeviceSession();

    // Runs the session: sends `upgrade_answer` (the 101 response) and handles
    // `early`, the bytes read past the upgrade request (the device's first
    // frames). Call once.
    void start(std::string upgrade_answer, std::string early);

    // Queues a command for the device and completes with its outcome. Thread-safe.
    // A request with id 0 gets one from the hooks.
    template <class Token>
    auto async_execute(dispatch::Request r, Token&& token) {
        return asio::async_initiate<Token, void(dispatch::Completion)>(
            [self = shared_from_this()](auto handler, dispatch::Request req) {
                // The outcome is delivered on the caller's executor, not the session's loop.
                auto ex = asio::get_associated_executor(handler, self->sock_.get_executor());
                CompletionHandler deliver(
                    [ex, h = std::move(handler)](dispatch::Completion c) mutable {
                        asio::post(ex, [h = std::move(h), c = std::move(c)]() mutable {
                            std::move(h)(std::move(c));
                        });
                    });
                asio::post(self->sock_.get_executor(),
                           [self, req = std::move(req), h = std::move(deliver)]() mutable {
                               self->submit(std::move(req), std::move(h));
                           });
            },
            token, std::move(r));
    }
    // Queues a command whose outcome only the hooks hear about. Thread-safe.
    void execute_detached(dispatch::Request r);

    // Runs one firmware transfer (device_session_ota.cpp) and completes with how
    // it ended. While it runs, commands from outside end `device_busy` at once.
    // Thread-safe.
    using TransferHandler = asio::any_completion_handler<void(ota::TransferResult)>;
    template <class Token>
    auto async_transfer(ota::TransferSpec spec, Token&& token) {
        return asio::async_initiate<Token, void(ota::TransferResult)>(
            [self = shared_from_this()](auto handler, ota::TransferSpec sp) {
                auto ex = asio::get_associated_executor(handler, self->sock_.get_executor());
                TransferHandler deliver(
                    [ex, h = std::move(handler)](ota::TransferResult r) mutable {
                        asio::post(ex, [h = std::move(h), r = std::move(r)]() mutable {
                            std::move(h)(std::move(r));
                        });
                    });
                asio::post(self->sock_.get_executor(),
                           [self, sp = std::move(sp), h = std::move(deliver)]() mutable {
                               self->start_transfer(std::move(sp), std::move(h));
                           });
            },
            token, std::move(spec));
    }
    [[nodiscard]] bool transferring() const noexcept {
        return transferring_.load(std::memory_order_relaxed);
    }

    // Ends the connection at the TCP level. Thread-safe; idempotent.
    void drop(CloseReason why);

    // Set once at the handshake, before the session is published to other threads.
    [[nodiscard]] const std::string& device_id() const noexcept { return device_id_; }
    [[nodiscard]] const std::string& remote() const noexcept { return remote_; }
    [[nodiscard]] std::size_t queue_length() const noexcept {
        return queue_length_.load(std::memory_order_relaxed);
    }
    // When command `cid` was sent (Unix ms), if it is the one in flight. Thread-safe.
    [[nodiscard]] std::optional<std::int64_t> sent_at_ms(std::uint64_t cid) const noexcept {
        if (cid == 0 || in_flight_id_.load(std::memory_order_acquire) != cid) return std::nullopt;
        const std::int64_t sent = in_flight_sent_ms_.load(std::memory_order_acquire);
        // Read the id again: publish_in_flight() writes the time first, the id last.
        if (in_flight_id_.load(std::memory_order_acquire) != cid) return std::nullopt;
        return sent;
    }

  private:
    void begin(std::string upgrade_answer, std::string early);
    void read_more();
    void wait_readable();
    void drain();
    void arm_idle(dispatch::Clock::time_point at);
    void on_idle();
    void handle_frame(std::string_view payload, bool binary);
    void on_handshake(const protocol::Handshake& h);
    void submit(dispatch::Request r, CompletionHandler h);
    void perform(dispatch::Actions a);
    void publish_in_flight(bool sent_now);
    void complete(dispatch::Completion c);
    void arm_timer(dispatch::Clock::time_point deadline);
    void on_timer();
    void send_text(std::string frame);
    void send_frame(std::string frame, protocol::WsOpcode op);
    void send_close_echo(std::string_view payload);
    void write_next();
    void close_socket();
    void finish();

    // The firmware transfer (device_session_ota.cpp).
    struct TransferRun;
    void start_transfer(ota::TransferSpec spec, TransferHandler h);
    void on_request_ota_done(const dispatch::Completion& c);
    void on_ota_answer(bool ack, std::uint32_t seq);
    void perform_ota(ota::SenderActions a);
    void arm_ota_timer(dispatch::Clock::time_point deadline);
    void on_ota_timer();
    void on_transfer_closed();
    void end_transfer(ota::TransferEnd end, std::string detail);

    struct Outgoing {
        std::string data;
        std::array<char, 10> head{};
        std::uint8_t head_size = 0;
    };

    Socket sock_;
    DeviceHooks& hooks_;
    const Options& options_;
    core::Metrics& metrics_;
    std::string remote_;
    std::string device_id_;
    std::string admission_token_;  // the upgrade URL's ?token= (docs/SECURITY.md)
    protocol::WsReader reader_;
    asio::steady_timer timer_;       // the handshake deadline, then the command timeout
    asio::steady_timer idle_timer_;  // silence: a ping at half the idle timeout, then the drop
    dispatch::Clock::time_point last_heard_{};
    dispatch::DeviceQueue queue_;
    std::unordered_map<std::uint64_t, CompletionHandler> waiting_;
    std::list<Outgoing> outq_;  // usually empty: a list holds no memory then, a deque ~600 bytes
    std::size_t out_bytes_ = 0;
    std::atomic<std::size_t> queue_length_{0};
    std::atomic<std::uint64_t> in_flight_id_{0};  // for sent_at_ms(); 0: none
    std::atomic<std::int64_t> in_flight_sent_ms_{0};
    std::unique_ptr<TransferRun> ota_;  // only while a transfer runs
    std::atomic<bool> transferring_{false};
    CloseReason reason_ = CloseReason::closed;
    bool handshaken_ = false;
    bool ping_sent_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool finished_ = false;
};

}  // namespace ptalk::gateway
