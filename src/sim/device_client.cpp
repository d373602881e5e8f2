#include "sim/device_client.hpp"

#include <array>
#include <deque>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "protocol/commands.hpp"
#include "sim/frame_tap.hpp"

namespace ptalk::sim {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using net::use_awaitable;
constexpr auto tuple_awaitable = net::as_tuple(use_awaitable);

namespace {

// What the firmware's user agent says (PROTOCOL.md §1).
constexpr const char* user_agent = "ESP32 Websocket Client";
constexpr std::size_t device_buffer_bytes = protocol::max_device_frame_bytes;

struct Outbound {
    enum class Kind { text, binary, ping } kind = Kind::text;
    std::string data;
};

}  // namespace

struct DeviceClient::Session {
    explicit Session(const net::any_io_executor& ex, bool firmware)
        : ws(ex), tracker(firmware), wake(ex) {}

    websocket::stream<FrameTap> ws;
    FrameTracker tracker;
    net::steady_timer wake;  // wakes the writer
    std::deque<Outbound> queue;
    std::array<std::uint8_t, device_buffer_bytes> buffer{};
    bool open = true;
    std::optional<End> end;  // set when the device itself ends the link
    TimePoint last_rx = Clock::now();
    std::optional<TimePoint> ping_sent_at;

    void push(Outbound o) {
        queue.push_back(std::move(o));
        wake.cancel();
    }
    void close_tcp() {
        open = false;
        beast::error_code ec;
        beast::get_lowest_layer(ws).socket().close(ec);
        wake.cancel();
    }
};

// One writer per socket: frames go out in the order the device queued them.
net::awaitable<void> DeviceClient::write_queue(std::shared_ptr<Session> s) {
    while (s->open) {
        if (s->queue.empty()) {
            s->wake.expires_at(TimePoint::max());
            co_await s->wake.async_wait(tuple_awaitable);
            continue;
        }
        Outbound out = std::move(s->queue.front());
        s->queue.pop_front();
        beast::error_code ec;
        if (out.kind == Outbound::Kind::ping) {
            std::tie(ec) = co_await s->ws.async_ping({}, tuple_awaitable);
        } else {
            s->ws.binary(out.kind == Outbound::Kind::binary);
            std::tie(ec, std::ignore) =
                co_await s->ws.async_write(net::buffer(out.data), tuple_awaitable);
        }
        if (ec) s->close_tcp();
    }
}

DeviceClient::DeviceClient(net::any_io_executor ex, FirmwareModel model, const ClientOptions& opt,
                           Stats& stats, StateFile& state, std::uint64_t seed)
    : ex_(std::move(ex)),
      model_(std::move(model)),
      opt_(opt),
      stats_(stats),
      state_(state),
      rng_(seed),
      backoff_(opt.backoff),
      timer_(ex_) {}

DeviceClient::~DeviceClient() = default;

bool DeviceClient::connected() const noexcept {
    return current_ && current_->open;
}

net::awaitable<bool> DeviceClient::sleep(std::optional<Millis> d) {
    if (stopping_) co_return false;
    if (d) {
        timer_.expires_after(*d);
    } else {
        timer_.expires_at(TimePoint::max());
    }
    auto [ec] = co_await timer_.async_wait(tuple_awaitable);
    co_return !ec && !stopping_;
}

void DeviceClient::stop() {
    stopping_ = true;
    timer_.cancel();
    if (current_) end_session(*current_, End::stopped);
}

void DeviceClient::drop_link() {
    if (current_ && current_->open) {
        stats_.add(Counter::churn_drops);
        end_session(*current_, End::link_lost);
    } else if (stranded_) {
        stats_.add(Counter::churn_drops);
        timer_.cancel();  // Wi-Fi came back: the stranded device finally reconnects
    }
}

void DeviceClient::end_session(Session& s, End why) {
    if (!s.end) s.end = why;
    s.close_tcp();
    timer_.cancel();  // a Busy step in progress ends now
}

void DeviceClient::send_text(std::string text) {
    if (connected()) current_->push({Outbound::Kind::text, std::move(text)});
}

void DeviceClient::send_binary(std::string bytes) {
    if (connected()) current_->push({Outbound::Kind::binary, std::move(bytes)});
}

void DeviceClient::tick(TimePoint now) {
    if (!connected()) return;
    Session& s = *current_;
    if (s.ping_sent_at && s.last_rx > *s.ping_sent_at) s.ping_sent_at.reset();
    if (!s.ping_sent_at) {
        if (now - s.last_rx >= opt_.ping_after) {
            s.push({Outbound::Kind::ping, {}});
            s.ping_sent_at = now;
            stats_.add(Counter::pings_sent);
        }
    } else if (now - *s.ping_sent_at >= opt_.pong_timeout) {
        stats_.add(Counter::keepalive_timeouts);
        end_session(s, End::link_lost);
    }
}

DeviceSnapshot DeviceClient::snapshot(TimePoint now) const {
    DeviceSnapshot d;
    d.id = model_.id();
    d.ignores_commands = model_.options().ignore_commands;
    d.wire_id = model_.wire_id();
    d.connected = connected();
    d.stranded = stranded_;
    d.offline = offline_;
    d.boots = model_.boots();
    d.handshakes = handshakes_;
    d.settings = model_.settings();
    d.battery_percent = model_.battery_percent(now);
    d.uptime_sec = model_.uptime_sec(now);
    d.ota_receiving = model_.ota().receiving();
    d.ota_broken = model_.ota().broken();
    d.ota_bytes = model_.ota().bytes_written();
    d.last_ota = model_.last_ota();
    return d;
}

void DeviceClient::link_gone() {
    model_.on_link_lost();
    if (ota_counted_ && !model_.ota().receiving()) {
        ota_counted_ = false;
        stats_.add(Counter::ota_in_progress, -1);
        stats_.add(Counter::ota_cut_off);
    }
}

net::awaitable<void> DeviceClient::run(Millis start_delay) {
    if (!co_await sleep(start_delay)) co_return;
    model_.boot(Clock::now());
    state_.put(model_.id(), model_.settings());
    std::optional<Millis> delay;
    for (;;) {
        if (delay && !co_await sleep(delay)) {
            if (stopping_) co_return;
        }
        delay.reset();
        End end = co_await connect_and_serve();
        if (stopping_ || end == End::stopped) co_return;
        switch (end) {
            case End::connect_failed:
                stats_.add(Counter::connect_failures);
                delay = backoff_.next(rng_);
                break;
            case End::link_lost:
                stats_.add(Counter::links_lost);
                delay = backoff_.next(rng_);
                break;
            case End::restart:
                stats_.add(Counter::reboots);
                if (!co_await sleep(opt_.reboot_delay) && stopping_) co_return;
                model_.boot(Clock::now());
                backoff_.reset();
                break;
            case End::offline:
                offline_ = true;
                stats_.add(Counter::offline_now);
                co_await sleep(offline_for_);
                offline_ = false;
                stats_.add(Counter::offline_now, -1);
                if (stopping_) co_return;
                model_.boot(Clock::now());  // provisioning ends with a restart
                break;
            case End::stranded:
                // The firmware answered the close and believes it is still connected.
                stranded_ = true;
                stats_.add(Counter::stranded);
                stats_.add(Counter::stranded_now);
                co_await sleep(std::nullopt);
                stranded_ = false;
                stats_.add(Counter::stranded_now, -1);
                if (stopping_) co_return;
                delay = backoff_.next(rng_);
                break;
            case End::stopped:
                co_return;
        }
    }
}

net::awaitable<DeviceClient::End> DeviceClient::connect_and_serve() {
    const bool firmware = model_.options().profile == Profile::firmware;
    auto s = std::make_shared<Session>(ex_, firmware);
    current_ = s;
    auto& tcp = beast::get_lowest_layer(s->ws);
    tcp.expires_after(opt_.connect_timeout);
    auto [cec, ep] = co_await tcp.async_connect(opt_.endpoints, tuple_awaitable);
    tcp.expires_never();
    if (cec || s->end) {
        current_.reset();
        co_return s->end.value_or(End::connect_failed);
    }
    if (opt_.tls) {
        auto& tls = s->ws.next_layer().enable_tls(*opt_.tls);
        // SNI and the name check, as an ESP-IDF client with a CA bundle does.
        SSL_set_tlsext_host_name(tls.native_handle(), opt_.url.host.c_str());
        if (opt_.tls_verify)
            tls.set_verify_callback(net::ssl::host_name_verification(opt_.url.host));
        tcp.expires_after(opt_.handshake_timeout);
        auto [tec] = co_await tls.async_handshake(net::ssl::stream_base::client, tuple_awaitable);
        tcp.expires_never();
        if (tec || s->end) {
            s->close_tcp();
            current_.reset();
            co_return s->end.value_or(End::connect_failed);
        }
    }
    if (firmware) s->ws.next_layer().set_tracker(&s->tracker);
    s->ws.set_option(websocket::stream_base::timeout{opt_.handshake_timeout,
                                                     websocket::stream_base::none(), false});
    s->ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, user_agent); }));
    auto [hec] =
        co_await s->ws.async_handshake(opt_.url.host_header(), opt_.url.target, tuple_awaitable);
    if (hec || s->end) {
        s->close_tcp();
        current_.reset();
        co_return s->end.value_or(End::connect_failed);
    }
    stats_.add(Counter::bytes_lost_after_upgrade,
               static_cast<std::int64_t>(s->tracker.bytes_lost()));
    // The firmware has no message size limit of its own: it reads frames in pieces.
    s->ws.read_message_max(firmware ? 0 : opt_.max_message_bytes);
    s->ws.auto_fragment(false);
    s->ws.control_callback([raw = s.get()](websocket::frame_type, beast::string_view) {
        raw->last_rx = Clock::now();
    });

    // The handshake is the first frame; nothing is read before it goes out.
    s->push({Outbound::Kind::text, model_.handshake(Clock::now())});
    net::co_spawn(ex_, write_queue(s), net::detached);
    stats_.add(Counter::handshakes);
    if (handshakes_++ > 0) stats_.add(Counter::reconnects);
    stats_.add(Counter::connected);
    backoff_.reset();

    End end = firmware ? co_await read_frames(s) : co_await read_messages(s);

    stats_.add(Counter::connected, -1);
    s->close_tcp();
    current_.reset();
    link_gone();
    co_return end;
}

// The firmware's receive path: each frame in pieces of at most 4096 bytes, each
// piece a whole message; continuation frames are dropped (PROTOCOL.md §1).
net::awaitable<DeviceClient::End> DeviceClient::read_frames(std::shared_ptr<Session> s) {
    std::size_t fill = 0;
    bool cut = false;  // the current frame already gave a full piece
    for (;;) {
        auto [ec, n] = co_await s->ws.async_read_some(
            net::buffer(s->buffer.data() + fill, s->buffer.size() - fill), tuple_awaitable);
        if (s->end) co_return *s->end;
        if (ec) co_return ec == websocket::error::closed ? End::stranded : End::link_lost;
        s->last_rx = Clock::now();
        auto p = s->tracker.on_payload(n);
        if (!p) continue;
        if (p->kind == FrameTracker::Kind::continuation) {
            if (p->frame_end) stats_.add(Counter::continuations_dropped);
            continue;
        }
        fill += n;
        if (fill < s->buffer.size() && !p->frame_end) continue;
        if (!p->frame_end && !cut) stats_.add(Counter::pieces_cut);
        cut = !p->frame_end;
        std::string_view piece(reinterpret_cast<const char*>(s->buffer.data()), fill);
        fill = 0;
        if (auto end = co_await deliver(*s, p->kind == FrameTracker::Kind::binary, piece))
            co_return *end;
    }
}

// The documented device: whole messages, and a close frame ends the link cleanly.
net::awaitable<DeviceClient::End> DeviceClient::read_messages(std::shared_ptr<Session> s) {
    beast::flat_buffer buf;
    for (;;) {
        buf.clear();
        auto [ec, n] = co_await s->ws.async_read(buf, tuple_awaitable);
        if (s->end) co_return *s->end;
        if (ec) co_return End::link_lost;
        s->last_rx = Clock::now();
        std::string_view msg(static_cast<const char*>(buf.data().data()), buf.size());
        if (auto end = co_await deliver(*s, s->ws.got_binary(), msg)) co_return *end;
    }
}

net::awaitable<std::optional<DeviceClient::End>> DeviceClient::deliver(Session& s, bool binary,
                                                                       std::string_view bytes) {
    const bool was_receiving = model_.ota().receiving();
    const auto bytes_before = model_.ota().bytes_written();
    auto now = Clock::now();
    Reaction r = binary
                     ? model_.on_binary(
                           {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, now)
                     : model_.on_text(bytes, now);
    account(r, was_receiving, bytes_before);
    co_return co_await perform(s, std::move(r));
}

net::awaitable<std::optional<DeviceClient::End>> DeviceClient::perform(Session& s, Reaction r) {
    for (auto& a : r.actions) {
        if (auto* text = std::get_if<SendText>(&a)) {
            if (text->delay.count() > 0 && current_) {
                // A far network: the frame arrives later, the device does not wait for it.
                net::co_spawn(ex_, send_later(current_, std::move(text->text), text->delay),
                              net::detached);
            } else {
                s.push({Outbound::Kind::text, std::move(text->text)});
            }
        } else if (auto* busy = std::get_if<Busy>(&a)) {
            if (!co_await sleep(busy->duration)) co_return s.end.value_or(End::stopped);
        } else if (std::holds_alternative<DropLink>(a)) {
            end_session(s, End::link_lost);
        } else if (std::holds_alternative<Restart>(a)) {
            end_session(s, End::restart);
        } else if (auto* off = std::get_if<GoOffline>(&a)) {
            // Provisioning mode closes the socket properly, then the device is gone.
            offline_for_ = off->duration;
            s.end = End::offline;
            co_await s.ws.async_close(websocket::close_code::going_away, tuple_awaitable);
            end_session(s, End::offline);
        }
        if (s.end) co_return s.end;
    }
    co_return std::nullopt;
}

net::awaitable<void> DeviceClient::send_later(std::shared_ptr<Session> s, std::string text,
                                              Millis delay) {
    net::steady_timer t(s->ws.get_executor());
    t.expires_after(delay);
    co_await t.async_wait(tuple_awaitable);
    if (s->open) s->push({Outbound::Kind::text, std::move(text)});
}

void DeviceClient::account(const Reaction& r, bool was_receiving, std::uint64_t bytes_before) {
    auto replies = static_cast<std::int64_t>(r.texts().size());
    switch (r.event) {
        case Event::command:
        case Event::bad_command: {
            stats_.add(Counter::commands);
            if (r.event == Event::bad_command) stats_.add(Counter::bad_commands);
            if (auto k = protocol::command_kind_from_string(r.command)) stats_.command(*k);
            if (model_.options().ignore_commands) stats_.add(Counter::ignored_commands);
            stats_.add(Counter::replies, replies);
            state_.put(model_.id(), model_.settings());
            if (!was_receiving && model_.ota().receiving()) stats_.add(Counter::ota_started);
            break;
        }
        case Event::unknown_command:
            stats_.add(Counter::unknown_commands);
            stats_.add(Counter::replies, replies);
            break;
        case Event::invalid_json:
            stats_.add(Counter::invalid_json);
            stats_.add(Counter::replies, replies);
            break;
        case Event::voice_text:
            stats_.add(Counter::voice_texts_in);
            break;
        case Event::audio:
            stats_.add(Counter::audio_frames_in);
            break;
        case Event::chunk_written:
            stats_.add(Counter::ota_chunks_acked);
            break;
        case Event::chunk_duplicate:
            stats_.add(Counter::ota_duplicates);
            break;
        case Event::chunk_nacked:
            stats_.add(Counter::ota_chunks_nacked);
            break;
        case Event::ota_ok:
            stats_.add(Counter::ota_ok);
            state_.put(model_.id(), model_.settings());
            break;
        case Event::ota_failed:
            stats_.add(Counter::ota_failed);
            break;
        case Event::none:
            break;
    }
    stats_.add(Counter::ota_bytes,
               static_cast<std::int64_t>(model_.ota().bytes_written() -
                                         std::min(bytes_before, model_.ota().bytes_written())));
    const bool receiving = model_.ota().receiving();
    if (receiving != ota_counted_) {
        stats_.add(Counter::ota_in_progress, receiving ? 1 : -1);
        ota_counted_ = receiving;
    }
}

}  // namespace ptalk::sim
