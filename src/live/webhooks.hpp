#pragma once
// Outgoing webhooks (issue 6): every committed event that matches a webhook's
// types is POSTed to its URL as JSON (the same object as the SSE data), signed
// with HMAC-SHA256 of the body under the webhook's secret
// (X-PTalk-Signature: sha256=<hex>). Events go out in order, one at a time per
// webhook; a failed attempt (connection error, timeout, non-2xx) is retried
// with exponential back-off up to max_attempts, and every attempt is in the
// webhook's delivery log (store, the newest `log_size` kept). http:// only.
//
// Each webhook's cursor (the last event it is done with: delivered or given
// up) is stored; after a restart (SIGTERM or kill -9) delivery resumes from
// the store's event history after it, so an event committed while ptalkd was
// stopping, down or starting is still delivered — at least once: a crash
// between a delivery and its cursor's write sends that event again.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "live/event_hub.hpp"
#include "live/options.hpp"
#include "store/store.hpp"

namespace ptalk::live {

using WebhookOptions = LiveOptions::Webhooks;

// The back-off before attempt `n` (2, 3, ...): base * 2^(n-2), at most 5 minutes.
[[nodiscard]] std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base);

struct WebhookUrl {
    std::string host;
    std::string port = "80";
    std::string target = "/";
};
// http://host[:port][/path]; an error text otherwise (https is not supported yet).
[[nodiscard]] std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string& error);

class WebhookManager {
  public:
    // `blocking`: where store reads run (replay, the delivery log).
    WebhookManager(EventHub& hub, store::Store& store, boost::asio::any_io_executor ex,
                   boost::asio::any_io_executor blocking, WebhookOptions options = {});
    ~WebhookManager();

    // Loads stored webhooks and starts delivering to them.
    store::Status load();
    // Empty error = ok; the new webhook's JSON otherwise.
    boost::json::object add(const std::string& url, const std::string& secret,
                            std::vector<std::string> types, std::string& error);
    bool remove(std::uint64_t id);
    [[nodiscard]] std::vector<boost::json::object> list() const;
    // The webhook; nullopt if there is none.
    [[nodiscard]] std::optional<boost::json::object> get(std::uint64_t id) const;
    // The webhook with its delivery log, newest first, read from the store:
    // blocking, for the blocking pool.
    [[nodiscard]] std::optional<boost::json::object> deliveries(std::uint64_t id,
                                                                std::size_t limit = 1000) const;
    void shutdown();

  private:
    struct Hook {
        store::WebhookRecord record;
        WebhookUrl url;
        std::vector<std::string> types;
        std::shared_ptr<Subscription> sub;
        mutable std::mutex mutex;
        std::uint64_t delivered = 0, failed = 0;  // since ptalkd started
        bool stopped = false;
        std::uint64_t cursor = 0;  // the last event done with (delivery strand)
    };

    void launch(std::shared_ptr<Hook> h);
    boost::asio::awaitable<void> deliver_loop(std::shared_ptr<Hook> h);
    // False when the webhook stopped before the event was done with.
    boost::asio::awaitable<bool> deliver(std::shared_ptr<Hook> h, const store::EventRecord& e);
    // Delivers (or gives up on) one event and moves the cursor past it.
    boost::asio::awaitable<bool> handle(std::shared_ptr<Hook> h, const store::EventRecord& e);
    // Delivers the stored events after the cursor; false when stopped.
    boost::asio::awaitable<bool> replay(std::shared_ptr<Hook> h);
    boost::json::object describe(const Hook& h) const;

    EventHub& hub_;
    store::Store& store_;
    boost::asio::any_io_executor ex_;
    boost::asio::any_io_executor blocking_;
    WebhookOptions options_;
    std::uint64_t last_event_at_load_ = 0;
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<Hook>> hooks_;
    std::uint64_t next_id_ = 1;
};

}  // namespace ptalk::live
