#include "gateway/device_session.hpp"

#include "gateway/transfer_run.hpp"

#include <span>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>

#include "protocol/commands.hpp"
#include "protocol/frame_parser.hpp"

namespace ptalk::gateway {

using dispatch::Clock;
using protocol::WsEvent;
using protocol::WsOpcode;

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// What a session reads into: one buffer per I/O thread, used only inside one
// handler at a time (frames are handled before the handler returns).
std::span<char> read_buffer() {
    thread_local std::array<char, 16 * 1024> buffer;
    return buffer;
}

// make_shared puts a 16-byte control block in front: an idle device's session
// is one allocation of at most 1 KiB, the size class jemalloc rounds it into
// (1 032 bytes would cost 1 280; docs/PERFORMANCE.md, memory per device).
static_assert(sizeof(DeviceSession) + 16 <= 1024, "DeviceSession outgrew its 1 KiB size class");

// Reads per wake-up before other sessions get their turn.
constexpr int reads_per_turn = 8;

}  // namespace

DeviceSession::DeviceSession(Socket sock, DeviceHooks& hooks, const Options& options,
                             core::Metrics& metrics, std::string remote,
                             std::string admission_token)
    : sock_(std::move(sock)),
      hooks_(hooks),
      options_(options),
      metrics_(metrics),
      remote_(std::move(remote)),
      admission_token_(std::move(admission_token)),
      reader_(options.max_frame_bytes),
      timer_(sock_.get_executor()),
      idle_timer_(sock_.get_executor()),
      queue_(options.max_queued_commands) {}

// The listener counted this connection open and handed it over (listener.cpp).
DeviceSession::~DeviceSession() {
    metrics_.security.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void DeviceSession::start(std::string upgrade_answer, std::string early) {
    asio::dispatch(
        sock_.get_executor(),
        [self = shared_from_this(), answer = std::move(upgrade_answer),
         early = std::move(early)]() mutable { self->begin(std::move(answer), std::move(early)); });
}

void DeviceSession::begin(std::string upgrade_answer, std::string early) {
    beast::error_code ec;
    sock_.non_blocking(true, ec);
    // The 101 goes out as it is: raw bytes ahead of any frame.
    out_bytes_ += upgrade_answer.size();
    outq_.emplace_back().data = std::move(upgrade_answer);
    write_next();
    last_heard_ = Clock::now();
    // Nothing is sent before the device's handshake (PROTOCOL.md §6).
    arm_timer(last_heard_ + options_.handshake_timeout);
    if (options_.idle_timeout.count() > 0) arm_idle(last_heard_ + options_.idle_timeout / 2);
    if (!early.empty()) {
        reader_.feed(early);
        drain();
    }
    read_more();
}

// Reads what the socket has, until it would block (the reactor is
// edge-triggered: only then may the session wait for readability again).
void DeviceSession::read_more() {
    for (int turn = 0; turn < reads_per_turn; ++turn) {
        if (closing_) return finish();
        const auto buffer = read_buffer();
        beast::error_code ec;
        const std::size_t n = sock_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable();
        if (ec) {
            close_socket();  // the device closed or the connection broke: reason_ stays
            return finish();
        }
        last_heard_ = Clock::now();
        ping_sent_ = false;
        reader_.feed(buffer.first(n));
        drain();
        // A short read emptied the socket: wait rather than read again only to
        // hear EAGAIN.
        if (n < buffer.size() && !closing_) return wait_readable();
    }
    if (closing_) return finish();
    // A busy device: let other sessions on this thread read too, then go on.
    asio::post(sock_.get_executor(), [self = shared_from_this()] { self->read_more(); });
}

// Waits until the socket is readable, then reads what arrived (read_more).
// A wait holds no buffer. It costs one epoll_ctl (asio re-arms the descriptor
// for each wait); a waiting receive would cost one EAGAIN recv instead, as
// Boost 1.81's reactor does not take a short read as "drained"
// (docs/PERFORMANCE.md, what was tried).
//
// This is safe because each session's socket is served by one event loop on
// one thread (gateway/event_loops.hpp). asio completes a wait only on the next
// readiness event, and the reactor is edge-triggered, so a wait must only
// start on an emptied socket with no edge consumed since: read_more() starts it
// right after a short read or EAGAIN, in the same handler, and only this
// loop's thread takes events from epoll, between handlers. With one io_context
// run by several threads (before run E), another thread could take the edge of
// bytes arriving just before the wait was queued, and the session went deaf.
void DeviceSession::wait_readable() {
    sock_.async_wait(Socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
        if (ec || self->closing_) {
            self->close_socket();
            return self->finish();
        }
        self->read_more();
    });
}

// Handles every complete frame the reader holds.
void DeviceSession::drain() {
    while (!closing_) {
        const WsEvent ev = reader_.next();
        switch (ev.kind) {
            case WsEvent::Kind::need_more:
                return;
            case WsEvent::Kind::text:
            case WsEvent::Kind::binary:
                handle_frame(ev.payload, ev.kind == WsEvent::Kind::binary);
                break;
            case WsEvent::Kind::ping:
                send_frame(std::string(ev.payload), WsOpcode::pong);
                break;
            case WsEvent::Kind::pong:
                break;
            case WsEvent::Kind::close:
                // The peer is going: answer its close, then end the connection.
                send_close_echo(ev.payload);
                reason_ = CloseReason::closed;
                close_socket();
                return;
            case WsEvent::Kind::error:
                if (ev.error == protocol::WsError::too_big)
                    metrics_.security.count(core::Limit::ws_frame);
                spdlog::debug("websocket protocol error device={} remote={} error=\"{}\"",
                              device_id_, remote_, to_string(ev.error));
                reason_ = CloseReason::protocol_error;
                close_socket();
                return;
        }
    }
}

void DeviceSession::arm_idle(Clock::time_point at) {
    idle_timer_.expires_at(at);
    idle_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->on_idle();
    });
}

// Silence for half the idle timeout: a ping; for all of it: the link is dead.
// (The firmware pings by itself after 5 s of silence, PROTOCOL.md §6.)
void DeviceSession::on_idle() {
    if (closing_) return;
    const auto now = Clock::now();
    const auto idle = options_.idle_timeout;
    if (now - last_heard_ >= idle) {
        reason_ = CloseReason::ping_timeout;
        close_socket();
        return;
    }
    if (now - last_heard_ >= idle / 2 && !ping_sent_) {
        send_frame({}, WsOpcode::ping);
        ping_sent_ = true;
    }
    arm_idle(last_heard_ + (ping_sent_ ? idle : idle / 2));
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
    asio::post(sock_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
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
    publish_in_flight(a.send.has_value());
    if (a.cancel_timer) timer_.cancel();
    if (a.arm) arm_timer(*a.arm);
    if (a.stale_reply) metrics_.stale_replies.fetch_add(1, std::memory_order_relaxed);
    for (auto& c : a.completed)
        complete(std::move(c));
    queue_length_.store(queue_.queued() + (queue_.busy() ? 1 : 0), std::memory_order_relaxed);
}

// For sent_at_ms(): the id is cleared first and written last, so a reader that
// sees the same id before and after reading the time has a matching pair.
void DeviceSession::publish_in_flight(bool sent_now) {
    if (sent_now) {
        in_flight_id_.store(0, std::memory_order_release);
        const auto unix_now = std::chrono::system_clock::now().time_since_epoch();
        in_flight_sent_ms_.store(
            std::chrono::duration_cast<std::chrono::milliseconds>(unix_now).count(),
            std::memory_order_release);
    }
    if (sent_now || !queue_.busy()) {
        in_flight_id_.store(queue_.busy() ? queue_.in_flight()->id : 0, std::memory_order_release);
    }
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
    send_frame(std::move(frame), WsOpcode::text);
}

// Every frame to a device is one final, unfragmented frame (PROTOCOL.md §1).
void DeviceSession::send_frame(std::string frame, WsOpcode op) {
    if (closing_) return;
    out_bytes_ += frame.size();
    Outgoing& out = outq_.emplace_back();
    out.head_size =
        static_cast<std::uint8_t>(protocol::encode_ws_header(op, frame.size(), out.head));
    out.data = std::move(frame);
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
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(f.head.data(), f.head_size),
                                                    asio::buffer(f.data)};
    asio::async_write(sock_, buffers,
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

// The answer to a peer's close frame, when no other frame is half-written;
// best effort, the connection ends right after it.
void DeviceSession::send_close_echo(std::string_view payload) {
    if (writing_ || closing_) return;
    std::array<char, 10> head{};
    const auto size = protocol::encode_ws_header(WsOpcode::close, payload.size(), head);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head.data(), size),
                                                    asio::buffer(payload)};
    beast::error_code ignored;
    sock_.write_some(buffers, ignored);
}

void DeviceSession::drop(CloseReason why) {
    asio::dispatch(sock_.get_executor(), [self = shared_from_this(), why] {
        if (self->closing_) return;
        self->reason_ = why;
        self->close_socket();
    });
}

void DeviceSession::close_socket() {
    if (closing_) return;
    closing_ = true;
    timer_.cancel();
    idle_timer_.cancel();
    beast::error_code ignored;
    sock_.shutdown(Socket::shutdown_both, ignored);
    sock_.close(ignored);  // no close frame: the firmware would never come back
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
