#include "live/webhooks.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "live/hmac.hpp"
#include "live/sse_format.hpp"

namespace ptalk::live {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;

std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base) {
    const int shift = std::clamp(attempt - 2, 0, 20);
    const auto d = base * (std::int64_t{1} << shift);
    return std::min<std::chrono::milliseconds>(d, std::chrono::minutes(5));
}

std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string& error) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u) {
        error = "url must be an absolute http:// URL";
        return std::nullopt;
    }
    if (u->scheme() != "http") {
        error = "url must be http:// (https is not supported yet)";
        return std::nullopt;
    }
    if (u->host().empty()) {
        error = "url has no host";
        return std::nullopt;
    }
    WebhookUrl w;
    w.host = u->host_address();
    if (u->has_port()) w.port = u->port();
    w.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
    if (u->has_query()) w.target += "?" + std::string(u->encoded_query());
    return w;
}

WebhookManager::WebhookManager(EventHub& hub, store::Store& store, asio::any_io_executor ex,
                               asio::any_io_executor blocking, WebhookOptions options)
    : hub_(hub),
      store_(store),
      ex_(std::move(ex)),
      blocking_(std::move(blocking)),
      options_(options) {}

WebhookManager::~WebhookManager() {
    shutdown();
}

store::Status WebhookManager::load() {
    auto rows = store_.load_webhooks();
    if (!rows) return rows.error();
    auto cursors = store_.load_webhook_cursors();
    if (!cursors) return cursors.error();
    auto last = store_.max_event_id();
    if (!last) return last.error();
    last_event_at_load_ = *last;
    std::map<std::uint64_t, std::uint64_t> cursor_of(cursors->begin(), cursors->end());
    for (auto& r : *rows) {
        auto h = std::make_shared<Hook>();
        // Without a stored cursor (registered before they were kept): from now.
        auto c = cursor_of.find(r.id);
        h->cursor = c != cursor_of.end() ? c->second : *last;
        std::string error;
        auto url = parse_webhook_url(r.url, error);
        if (!url) continue;
        h->url = *url;
        json::error_code ec;
        auto types = json::parse(r.types, ec);
        if (!ec && types.is_array())
            for (const auto& t : types.get_array())
                if (t.is_string()) h->types.emplace_back(t.get_string());
        h->record = std::move(r);
        {
            std::lock_guard lk(mutex_);
            next_id_ = std::max(next_id_, h->record.id + 1);
            hooks_[h->record.id] = h;
        }
        launch(h);
    }
    return {};
}

json::object WebhookManager::add(const std::string& url, const std::string& secret,
                                 std::vector<std::string> types, std::string& error) {
    auto parsed = parse_webhook_url(url, error);
    if (!parsed) return {};
    if (secret.empty()) {
        error = "secret must be a non-empty string (it signs every body)";
        return {};
    }
    auto h = std::make_shared<Hook>();
    h->url = *parsed;
    h->types = std::move(types);
    json::array t;
    for (const auto& s : h->types)
        t.push_back(json::value(s));
    h->record.url = url;
    h->record.secret = secret;
    h->record.types = json::serialize(t);
    h->record.created_at = store::unix_millis_now();
    // Events from now on (the store's history after this id).
    h->cursor = std::max(hub_.last_id(), last_event_at_load_);
    {
        std::lock_guard lk(mutex_);
        h->record.id = next_id_++;
        hooks_[h->record.id] = h;
    }
    store_.put_webhook(h->record);
    store_.put_webhook_cursor(h->record.id, h->cursor);
    launch(h);
    return describe(*h);
}

void WebhookManager::launch(std::shared_ptr<Hook> h) {
    EventMatch m;
    m.type_prefixes = h->types;
    auto strand = asio::make_strand(ex_);
    h->sub = hub_.subscribe(strand, m);
    asio::co_spawn(strand, deliver_loop(h), asio::detached);
}

bool WebhookManager::remove(std::uint64_t id) {
    std::shared_ptr<Hook> h;
    {
        std::lock_guard lk(mutex_);
        auto it = hooks_.find(id);
        if (it == hooks_.end()) return false;
        h = it->second;
        hooks_.erase(it);
    }
    {
        std::lock_guard lk(h->mutex);
        h->stopped = true;
    }
    hub_.unsubscribe(h->sub);
    store_.remove_webhook(id);
    return true;
}

void WebhookManager::shutdown() {
    std::lock_guard lk(mutex_);
    for (auto& [id, h] : hooks_) {
        std::lock_guard hl(h->mutex);
        h->stopped = true;
    }
}

asio::awaitable<void> WebhookManager::deliver_loop(std::shared_ptr<Hook> h) {
    // Subscribed (launch) before the replay reads the store: nothing falls
    // between; live events the replay already covered are skipped by id.
    if (!co_await replay(h)) co_return;
    for (;;) {
        {
            std::lock_guard lk(h->mutex);
            if (h->stopped) co_return;
        }
        auto batch = h->sub->take();
        if (batch.closed) co_return;
        if (batch.overflowed) {
            // Events were dropped from the buffer: they are in the store.
            spdlog::warn("webhook {}: receiver too slow, catching up from the store", h->record.id);
            hub_.unsubscribe(h->sub);
            EventMatch m;
            m.type_prefixes = h->types;
            h->sub = hub_.subscribe(co_await asio::this_coro::executor, m);
            if (!co_await replay(h)) co_return;
            continue;
        }
        for (const auto& e : batch.events) {
            if (e.id <= h->cursor) continue;
            if (!co_await handle(h, e)) co_return;
        }
        if (batch.events.empty()) co_await h->sub->wait(std::chrono::seconds(30));
    }
}

asio::awaitable<bool> WebhookManager::replay(std::shared_ptr<Hook> h) {
    constexpr std::size_t page_size = 500;
    for (;;) {
        const std::uint64_t from = h->cursor;
        struct Page {
            std::vector<store::EventRecord> events;
            std::string error;
        };
        auto read = [this, from]() -> asio::awaitable<Page> {
            Page p;
            auto rows = store_.list_events(from, page_size);
            if (rows)
                p.events = std::move(*rows);
            else
                p.error = rows.error().message;
            co_return p;
        };
        auto page = co_await asio::co_spawn(blocking_, read, use_awaitable);
        if (!page.error.empty()) {
            spdlog::error("webhook {}: cannot read events after {}: {}", h->record.id, from,
                          page.error);
            co_return true;  // live events still flow; the next overflow retries
        }
        for (const auto& e : page.events) {
            if (h->sub->match().matches(e)) {
                if (!co_await handle(h, e)) co_return false;
            } else {
                h->cursor = e.id;
            }
        }
        if (page.events.size() < page_size) co_return true;
    }
}

asio::awaitable<bool> WebhookManager::handle(std::shared_ptr<Hook> h, const store::EventRecord& e) {
    if (!co_await deliver(h, e)) co_return false;
    h->cursor = e.id;
    store_.put_webhook_cursor(h->record.id, e.id);  // coalesced per webhook
    std::lock_guard lk(h->mutex);
    co_return !h->stopped;
}

asio::awaitable<bool> WebhookManager::deliver(std::shared_ptr<Hook> h,
                                              const store::EventRecord& e) {
    auto ex = co_await asio::this_coro::executor;
    const std::string body = event_json(e);
    const std::string signature = webhook_signature(h->record.secret, body);
    asio::ip::tcp::resolver resolver(ex);
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
        if (attempt > 1) {
            asio::steady_timer t(ex, retry_delay(attempt, options_.retry_base));
            co_await t.async_wait(as_tuple(use_awaitable));
            std::lock_guard lk(h->mutex);
            if (h->stopped) co_return false;
        }
        store::WebhookDeliveryRecord a;
        a.webhook_id = h->record.id;
        a.event_id = e.id;
        a.event_type = e.type;
        a.attempt = attempt;
        a.at = store::unix_millis_now();
        beast::tcp_stream stream(ex);
        stream.expires_after(options_.timeout);
        auto [rec, results] =
            co_await resolver.async_resolve(h->url.host, h->url.port, as_tuple(use_awaitable));
        if (rec) {
            a.error = "resolve: " + rec.message();
        } else if (auto [cec, ep] = co_await stream.async_connect(results, as_tuple(use_awaitable));
                   cec) {
            a.error = "connect: " + cec.message();
        } else {
            http::request<http::string_body> req{http::verb::post, h->url.target, 11};
            req.set(http::field::host, h->url.host);
            req.set(http::field::user_agent, "ptalkd-webhook");
            req.set(http::field::content_type, "application/json");
            req.set("X-PTalk-Event", e.type);
            req.set("X-PTalk-Event-Id", std::to_string(e.id));
            req.set("X-PTalk-Delivery-Attempt", std::to_string(attempt));
            req.set("X-PTalk-Signature", signature);
            req.keep_alive(false);
            req.body() = body;
            req.prepare_payload();
            stream.expires_after(options_.timeout);
            auto [wec, wn] = co_await http::async_write(stream, req, as_tuple(use_awaitable));
            if (wec) {
                a.error = "write: " + wec.message();
            } else {
                beast::flat_buffer buf;
                http::response<http::string_body> res;
                auto [rdec, rn] =
                    co_await http::async_read(stream, buf, res, as_tuple(use_awaitable));
                if (rdec) {
                    a.error = "read: " + rdec.message();
                } else {
                    a.status = static_cast<int>(res.result_int());
                    a.delivered = a.status >= 200 && a.status < 300;
                    if (!a.delivered) a.error = "status " + std::to_string(a.status);
                }
            }
        }
        beast::error_code ignored;
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        const bool ok = a.delivered;
        {
            std::lock_guard lk(h->mutex);
            if (ok) ++h->delivered;
            if (!ok && attempt == options_.max_attempts) ++h->failed;
        }
        std::vector<store::WebhookDeliveryRecord> rows;
        rows.push_back(std::move(a));
        store_.put_webhook_deliveries(h->record.id, std::move(rows), options_.log_size);
        if (ok) co_return true;
    }
    spdlog::warn("webhook {}: event {} not delivered after {} attempts", h->record.id, e.id,
                 options_.max_attempts);
    co_return true;
}

json::object WebhookManager::describe(const Hook& h) const {
    json::array types;
    for (const auto& t : h.types)
        types.push_back(json::value(t));
    return {{"id", h.record.id},         {"url", h.record.url},
            {"types", std::move(types)}, {"created_at_ms", h.record.created_at},
            {"delivered", h.delivered},  {"failed", h.failed}};
}

std::vector<json::object> WebhookManager::list() const {
    std::vector<std::shared_ptr<Hook>> hooks;
    {
        std::lock_guard lk(mutex_);
        for (const auto& [id, h] : hooks_)
            hooks.push_back(h);
    }
    std::vector<json::object> out;
    for (const auto& h : hooks) {
        std::lock_guard lk(h->mutex);
        out.push_back(describe(*h));
    }
    return out;
}

std::optional<json::object> WebhookManager::get(std::uint64_t id) const {
    std::shared_ptr<Hook> h;
    {
        std::lock_guard lk(mutex_);
        auto it = hooks_.find(id);
        if (it == hooks_.end()) return std::nullopt;
        h = it->second;
    }
    std::lock_guard lk(h->mutex);
    return describe(*h);
}

std::optional<json::object> WebhookManager::deliveries(std::uint64_t id, std::size_t limit) const {
    auto o = get(id);
    if (!o) return std::nullopt;
    // Attempts just made are still in the live writer's window: wait for them.
    (void)store_.flush_live(std::chrono::seconds(2));
    auto rows = store_.load_webhook_deliveries(id, limit);
    if (!rows) return std::nullopt;
    json::array items;
    items.reserve(rows->size());
    for (const auto& a : *rows) {
        items.push_back(json::object{{"event_id", a.event_id},
                                     {"event_type", a.event_type},
                                     {"attempt", a.attempt},
                                     {"at_ms", a.at},
                                     {"status", a.status},
                                     {"delivered", a.delivered},
                                     {"error", a.error}});
    }
    (*o)["deliveries"] = std::move(items);  // newest first
    return o;
}

}  // namespace ptalk::live
