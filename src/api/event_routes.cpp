// GET /api/v1/events: the event stream as Server-Sent Events (docs/LIVE.md).
// Subscribes to the hub first, then replays from the store what the client
// missed (after Last-Event-ID), then follows live; ids seen in the replay are
// skipped when the live buffer repeats them. A lagging client is dropped and
// resumes with Last-Event-ID.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include "api/api.hpp"
#include "live/sse_format.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

bool is_events_path(std::string_view target) {
    const auto path = target.substr(0, target.find('?'));
    return path == "/api/v1/events" || path == "/api/v1/events/";
}

struct ReplayPage {
    std::vector<store::EventRecord> events;
    std::string error;
};

}  // namespace

bool Api::takes_stream(const HttpRequest& req) const {
    return req.method() == http::verb::get && live_.hub != nullptr && is_events_path(req.target());
}

asio::awaitable<void> Api::stream(const HttpRequest& req, const gateway::RequestContext&,
                                  beast::tcp_stream& stream) {
    const auto write_timeout = std::chrono::seconds(30);
    auto answer = [&](HttpResponse& res) -> asio::awaitable<void> {
        res.version(req.version());
        res.keep_alive(false);
        res.prepare_payload();
        stream.expires_after(write_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    };
    auto target = parse_target(req.target());
    if (!target) {
        auto res = error_response(http::status::bad_request, "bad_target",
                                  "the request target is not a valid path");
        co_await answer(res);
        co_return;
    }
    live::EventMatch match;
    for (const auto& [k, v] : target->params) {
        if (k == "type") {
            if (!v.empty()) match.type_prefixes.push_back(v);
        } else if (k == "device") {
            auto id = protocol::normalize_device_id(v);
            if (!id) {
                auto res = error_response(http::status::bad_request, "invalid_device_id",
                                          "device is a MAC address: 12 hex digits");
                co_await answer(res);
                co_return;
            }
            match.device_id = *id;
        }
    }
    std::optional<std::string_view> last_event_id;
    if (auto it = req.find("Last-Event-ID"); it != req.end()) last_event_id = it->value();
    const auto resume = live::resume_point(last_event_id, target->param("after"));
    if (!resume.error.empty()) {
        auto res = error_response(http::status::bad_request, "bad_event_id", resume.error);
        co_await answer(res);
        co_return;
    }

    auto sub = live_.hub->subscribe(co_await asio::this_coro::executor, match);
    struct Unsubscribe {
        live::EventHub* hub;
        std::shared_ptr<live::Subscription> sub;
        ~Unsubscribe() { hub->unsubscribe(sub); }
    } unsubscribe{live_.hub, sub};

    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::server, "ptalkd");
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");
    head.keep_alive(false);
    http::response_serializer<http::empty_body> sr{head};
    stream.expires_after(write_timeout);
    if (auto [ec, n] =
            co_await http::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
        ec)
        co_return;
    metrics_.http_responses.inc(0);

    std::uint64_t last_sent = resume.after.value_or(0);
    std::string out = "retry: 1000\n" + live::format_sse_comment("ptalk events");
    auto flush = [&]() -> asio::awaitable<bool> {
        if (out.empty()) co_return true;
        stream.expires_after(write_timeout);  // a client that stops reading is dropped
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out),
                                                  asio::as_tuple(asio::use_awaitable));
        out.clear();
        co_return !ec;
    };

    if (resume.after) {
        // Replay from the store in pages, on the blocking pool.
        store::EventFilter filter;
        filter.device_id = match.device_id;
        for (;;) {
            const std::uint64_t from = last_sent;
            auto read = [this, from, filter]() -> asio::awaitable<ReplayPage> {
                ReplayPage page;
                auto rows = store_.list_events(from, 1000, filter);
                if (rows)
                    page.events = std::move(*rows);
                else
                    page.error = rows.error().message;
                co_return page;
            };
            auto page = co_await asio::co_spawn(blocking_, read, asio::use_awaitable);
            if (!page.error.empty()) {
                out += live::format_sse_comment("replay failed: " + page.error);
                co_await flush();
                co_return;
            }
            for (const auto& e : page.events) {
                if (match.matches(e)) out += live::format_sse(e);
                last_sent = std::max(last_sent, e.id);
            }
            if (!co_await flush()) co_return;
            if (page.events.size() < 1000) break;
        }
    }
    if (!co_await flush()) co_return;

    const auto heartbeat = live_.options ? live_.options->sse_heartbeat : std::chrono::seconds(15);
    for (;;) {
        auto batch = sub->take();
        for (const auto& e : batch.events) {
            if (e.id <= last_sent) continue;  // already replayed
            out += live::format_sse(e);
            last_sent = e.id;
        }
        if (batch.overflowed) {
            out += live::format_sse_comment(
                "too slow: events were dropped, reconnect with "
                "Last-Event-ID");
            co_await flush();
            co_return;
        }
        if (batch.closed) {
            co_await flush();
            co_return;
        }
        if (!out.empty()) {
            if (!co_await flush()) co_return;
            continue;
        }
        const auto before = std::chrono::steady_clock::now();
        co_await sub->wait(heartbeat);
        if (std::chrono::steady_clock::now() - before >= heartbeat) {
            out = live::format_sse_comment("keep-alive");
            if (!co_await flush()) co_return;
        }
    }
}

}  // namespace ptalk::api
