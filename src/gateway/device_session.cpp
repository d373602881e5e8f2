#include "gateway/device_session.hpp"

#include "gateway/transfer_run.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>

#include "protocol/commands.hpp"
#include "protocol/frame_parser.hpp"

namespace ptalk::gateway {

namespace websocket = beast::websocket;
using dispatch::Clock;

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// The value of `key` in the query of a request target ("" when absent); only
// %XX escapes are decoded (a token is plain ASCII).
std::string query_value(std::string_view target, std::string_view key) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = part.find('=');
        if (part.substr(0, eq) != key || eq == std::string_view::npos) continue;
        const auto raw = part.substr(eq + 1);
        std::string out;
        for (std::size_t i = 0; i < raw.size() && out.size() < 512; ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                const auto hex = [](char c) -> int {
                    if (c >= '0' && c <= '9') return c - '0';
                    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                    return -1;
                };
                const int hi = hex(raw[i + 1]), lo = hex(raw[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    out.push_back(static_cast<char>(hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            out.push_back(raw[i]);
        }
        return out;
    }
    return {};
}

CloseReason reason_for(const beast::error_code& ec) {
    if (ec == beast::error::timeout) return CloseReason::ping_timeout;
    if (ec.category() == websocket::make_error_code(websocket::error::closed).category())
        return ec == websocket::error::closed ? CloseReason::closed : CloseReason::protocol_error;
    return CloseReason::closed;
}

}  // namespace

DeviceSession::DeviceSession(Stream ws, DeviceHooks& hooks, const Options& options,
                             core::Metrics& metrics, std::string remote)
    : ws_(std::move(ws)),
      hooks_(hooks),
      options_(options),
      metrics_(metrics),
      remote_(std::move(remote)),
      timer_(ws_.get_executor()),
      queue_(options.max_queued_commands) {}

// The listener counted this connection open and handed it over (listener.cpp).
DeviceSession::~DeviceSession() {
    metrics_.security.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void DeviceSession::start(Request upgrade) {
    asio::co_spawn(ws_.get_executor(), run(std::move(upgrade)), asio::detached);
}

asio::awaitable<void> DeviceSession::run(Request upgrade) {
    auto self = shared_from_this();
    using asio::as_tuple;
    using asio::use_awaitable;

    // The websocket stream has its own timeouts; the TCP stream's must be off.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.handshake_timeout;
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;  // an unanswered ping drops a dead peer
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "ptalkd"); }));
    ws_.auto_fragment(false);  // the firmware drops continuation frames
    ws_.read_message_max(options_.max_frame_bytes);

    admission_token_ = query_value(upgrade.target(), "token");
    auto [ec] = co_await ws_.async_accept(upgrade, as_tuple(use_awaitable));
    upgrade = {};  // its headers would otherwise stay in this frame for the session's life
    if (ec) {
        finish();
        co_return;
    }
    // Nothing is sent before the device's handshake (PROTOCOL.md §6).
    arm_timer(Clock::now() + options_.handshake_timeout);

    beast::flat_buffer buffer;
    while (!closing_) {
        auto [rec, n] = co_await ws_.async_read(buffer, as_tuple(use_awaitable));
        if (rec) {
            if (!closing_) reason_ = reason_for(rec);
            if (rec == websocket::error::message_too_big)
                metrics_.security.count(core::Limit::ws_frame);
            break;
        }
        const auto data = buffer.cdata();
        handle_frame({static_cast<const char*>(data.data()), data.size()}, ws_.got_binary());
        buffer.consume(buffer.size());
    }
    close_socket();
    finish();
}

void DeviceSession::handle_frame(std::string_view payload, bool binary) {
    auto msg = protocol::parse_device_frame(payload, binary);
    metrics_.frames.inc(msg.index());
    if (!handshaken_ && !std::holds_alternative<protocol::Handshake>(msg)) {
        metrics_.frames_before_handshake.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::visit(Overloaded{
                   [&](const protocol::Handshake& h) { on_handshake(h); },
                   [&](const protocol::Reply& r) {
                       auto actions = queue_.on_reply(r, Clock::now());
                       hooks_.on_reply(*this, r, actions.stale_reply);
                       perform(std::move(actions));
                   },
                   [&](const protocol::FirmwarePull& p) { hooks_.on_firmware_pull(*this, p); },
                   [&](const protocol::OtaAck& a) { on_ota_answer(true, a.seq); },
                   [&](const protocol::OtaNack& n) { on_ota_answer(false, n.seq); },
                   [&](const protocol::Malformed& m) {
                       spdlog::debug("malformed frame device={} remote={} error=\"{}\"", device_id_,
                                     remote_, m.detail);
                   },
                   // Voice traffic is only counted.
                   [](const auto&) {},
               },
               msg);
}

void DeviceSession::on_handshake(const protocol::Handshake& h) {
    if (handshaken_) {
        // A second handshake on one socket: fine if it is the same device.
        if (h.device_id != device_id_)
            drop(CloseReason::refused);
        else
            hooks_.on_handshake(shared_from_this(), h);
        return;
    }
    device_id_ = h.device_id;
    const bool admitted = !options_.admit || options_.admit(h.device_id, admission_token_, remote_);
    admission_token_.clear();
    if (!admitted || !hooks_.on_handshake(shared_from_this(), h)) {
        metrics_.devices_refused.fetch_add(1, std::memory_order_relaxed);
        device_id_.clear();
        drop(CloseReason::refused);
        return;
    }
    handshaken_ = true;
    timer_.cancel();
    if (options_.status_after_handshake) {
        submit({0, protocol::make_request_status(), options_.command_timeout, true}, {});
    }
}

void DeviceSession::execute_detached(dispatch::Request r) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
        self->submit(std::move(r), {});
    });
}

void DeviceSession::submit(dispatch::Request r, CompletionHandler h) {
    if (r.id == 0) r.id = hooks_.next_command_id();
    hooks_.on_queued(*this, r);
    if (h) waiting_.emplace(r.id, std::move(h));
    if (ota_ && !r.internal) {
        // The transfer owns the socket: say so at once rather than hold the caller.
        dispatch::Completion c;
        c.id = r.id;
        c.kind = r.command.kind;
        c.outcome = dispatch::Outcome::device_busy;
        c.finished_at = Clock::now();
        complete(std::move(c));
        return;
    }
    if (closing_ || finished_ || !handshaken_) {
        dispatch::Completion c;
        c.id = r.id;
        c.kind = r.command.kind;
        c.internal = r.internal;
        c.outcome = dispatch::Outcome::disconnected;
        c.finished_at = Clock::now();
        complete(std::move(c));
        return;
    }
    perform(queue_.enqueue(std::move(r), Clock::now()));
}

void DeviceSession::perform(dispatch::Actions a) {
    if (a.send) send_text(std::move(*a.send));
    if (a.cancel_timer) timer_.cancel();
    if (a.arm) arm_timer(*a.arm);
    if (a.stale_reply) metrics_.stale_replies.fetch_add(1, std::memory_order_relaxed);
    for (auto& c : a.completed)
        complete(std::move(c));
    queue_length_.store(queue_.queued() + (queue_.busy() ? 1 : 0), std::memory_order_relaxed);
}

void DeviceSession::complete(dispatch::Completion c) {
    metrics_.commands.inc(static_cast<std::size_t>(c.outcome));
    if (c.sent_at) {
        metrics_.command_latency.observe(
            std::chrono::duration_cast<std::chrono::microseconds>(c.finished_at - *c.sent_at));
    }
    hooks_.on_completion(*this, c);
    if (ota_ && c.id == ota_->request_id) on_request_ota_done(c);
    auto it = waiting_.find(c.id);
    if (it == waiting_.end()) return;
    CompletionHandler h = std::move(it->second);
    waiting_.erase(it);
    std::move(h)(std::move(c));  // posts to the caller's executor
}

void DeviceSession::arm_timer(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;  // re-armed or cancelled
        if (auto self = weak.lock()) self->on_timer();
    });
}

void DeviceSession::on_timer() {
    if (!handshaken_) {
        metrics_.handshake_timeouts.fetch_add(1, std::memory_order_relaxed);
        metrics_.security.count(core::Limit::handshake_timeout);
        drop(CloseReason::handshake_timeout);
        return;
    }
    perform(queue_.on_timer(Clock::now()));
}

void DeviceSession::send_text(std::string frame) {
    send_frame(std::move(frame), false);
}

void DeviceSession::send_frame(std::string frame, bool binary) {
    if (closing_) return;
    out_bytes_ += frame.size();
    outq_.push_back({std::move(frame), binary});
    if (out_bytes_ > options_.max_send_queue_bytes) {
        metrics_.slow_consumers_dropped.fetch_add(1, std::memory_order_relaxed);
        metrics_.security.count(core::Limit::send_queue);
        drop(CloseReason::slow_consumer);
        return;
    }
    if (!writing_) write_next();
}

void DeviceSession::write_next() {
    writing_ = true;
    const Outgoing& f = outq_.front();
    ws_.binary(f.binary);
    ws_.async_write(asio::buffer(f.data),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->out_bytes_ -= self->outq_.front().data.size();
                        self->outq_.pop_front();
                        if (ec || self->closing_) {
                            self->writing_ = false;
                            if (ec) self->drop(CloseReason::closed);
                            return;
                        }
                        if (self->outq_.empty())
                            self->writing_ = false;
                        else
                            self->write_next();
                    });
}

void DeviceSession::drop(CloseReason why) {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this(), why] {
        if (self->closing_) return;
        self->reason_ = why;
        self->close_socket();
    });
}

void DeviceSession::close_socket() {
    if (closing_) return;
    closing_ = true;
    timer_.cancel();
    auto& sock = beast::get_lowest_layer(ws_).socket();
    beast::error_code ignored;
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    sock.close(ignored);  // no close frame: the firmware would never come back
}

void DeviceSession::finish() {
    if (finished_) return;
    finished_ = true;
    const auto now = Clock::now();
    perform(reason_ == CloseReason::server_shutdown ? queue_.on_shutdown(now)
                                                    : queue_.on_disconnect(now));
    // Handlers whose commands never reached the queue (e.g. refused at once) are gone by now.
    if (handshaken_) hooks_.on_closed(*this, reason_);
    // After on_closed: whoever hears of the transfer's end sees the device offline.
    if (ota_) on_transfer_closed();
}

}  // namespace ptalk::gateway
