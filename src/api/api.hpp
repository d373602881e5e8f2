#pragma once
// The REST API v1 (docs/API.md, /api/v1/openapi.json), /healthz, /metrics and
// the seed guide's own endpoint. Store reads run on a blocking pool, never on
// an I/O thread.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include "api/http_util.hpp"
#include "core/metrics.hpp"
#include "fleet/fleet.hpp"
#include "fleet/jobs.hpp"
#include "gateway/http_handler.hpp"
#include "live/event_hub.hpp"
#include "live/options.hpp"
#include "live/webhooks.hpp"
#include "store/store.hpp"

namespace ptalk::firmware {
class FileCatalogue;
struct FirmwareMeta;
}  // namespace ptalk::firmware

namespace ptalk::updates {
class UpdateManager;
class RolloutManager;
}  // namespace ptalk::updates

namespace ptalk::api {

struct ApiOptions {
    std::chrono::milliseconds default_timeout{5000};
    std::chrono::milliseconds max_timeout{120'000};
};

class Api final : public gateway::HttpHandler {
  public:
    Api(fleet::Fleet& fleet, store::Store& store, core::Metrics& metrics,
        boost::asio::thread_pool& blocking, ApiOptions options = {});

    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& req,
                                                const gateway::RequestContext& ctx) override;

    // Firmware updates (ota_routes.cpp); without them those routes answer 503.
    void set_updates(updates::UpdateManager& u, updates::RolloutManager& r);

  private:
    using Awaitable = boost::asio::awaitable<HttpResponse>;

    Awaitable route(const HttpRequest& req, const Target& t);
    HttpResponse healthz() const;
    HttpResponse metrics() const;
    HttpResponse list_devices(const Target& t) const;
    HttpResponse get_device(const std::string& id) const;
    Awaitable run_command(const HttpRequest& req, const Target& t, const std::string& id);
    Awaitable patch_config(const HttpRequest& req, const std::string& id);
    Awaitable simple_command(const HttpRequest& req, const std::string& id, std::string_view cmd);
    Awaitable get_command(std::uint64_t cid);
    Awaitable device_history(const Target& t, const std::string& id);
    HttpResponse seed_config(const Target& t, const std::string& raw_id);
    Awaitable device_ota(const HttpRequest& req, const std::string& id);
    Awaitable start_ota(const std::string& id, const std::string& version);
    Awaitable rollout_route(const HttpRequest& req, const Target& t);
    Awaitable create_rollout(const HttpRequest& req);

    // 400 for a bad "timeout_ms" in `o`; otherwise sets `out` when it is given.
    std::optional<HttpResponse> read_timeout(const boost::json::object& o,
                                             std::chrono::milliseconds& out) const;
    // 404 for a device never seen, 503 when the store cannot record the command.
    std::optional<HttpResponse> refuse_command(const std::string& id) const;
    HttpResponse store_unavailable() const {
        return store_unavailable_response(store_.last_error().message);
    }

    // The response for a finished command (status from its outcome).
    HttpResponse outcome_response(const std::string& id, const fleet::CommandResult& r) const;
    // Runs f() (store reads) on the blocking pool; resumes on the caller's executor.
    Awaitable blocking(const std::function<HttpResponse()>& f);

    fleet::Fleet& fleet_;
    store::Store& store_;
    core::Metrics& metrics_;
    boost::asio::thread_pool& blocking_;
    ApiOptions options_;

    // ---- firmware catalogue (issue 4): firmware_routes.cpp ----
  public:
    // The catalogue behind /api/v1/firmware (none: those routes answer 503).
    void set_firmware(firmware::FileCatalogue* catalogue) noexcept { firmware_ = catalogue; }
    [[nodiscard]] firmware::FileCatalogue* firmware() const noexcept { return firmware_; }
    // POST /api/v1/firmware is streamed: the body goes to the catalogue piece by piece.
    gateway::BodyStream stream_body(const gateway::HttpRequestHeader& header,
                                    const gateway::RequestContext& ctx) override;

  private:
    Awaitable firmware_route(const HttpRequest& req, const Target& t);
    firmware::FileCatalogue* firmware_ = nullptr;
    // ---- live (issue 6): event stream, desired state, queued commands, jobs ----
  public:
    struct Live {
        live::EventHub* hub = nullptr;
        const live::LiveOptions* options = nullptr;
        fleet::JobManager* jobs = nullptr;
        live::WebhookManager* webhooks = nullptr;
    };
    void set_live(Live l) { live_ = l; }
    [[nodiscard]] bool takes_stream(const HttpRequest& req) const override;
    boost::asio::awaitable<void> stream(const HttpRequest& req, const gateway::RequestContext& ctx,
                                        boost::beast::tcp_stream& stream) override;

  private:
    // Routes of issue 6 (live_routes.cpp); nullopt: not one of them.
    boost::asio::awaitable<std::optional<HttpResponse>> live_route(const HttpRequest& req,
                                                                   const Target& t);
    HttpResponse patch_desired(const HttpRequest& req, const std::string& id);
    Awaitable job_route(const HttpRequest& req, const Target& t);
    Awaitable webhook_route(const HttpRequest& req, const Target& t);
    // Adds "desired" and "sync" to a device's JSON when it has desired state.
    void add_desired(boost::json::object& device, const std::string& id) const;
    Live live_;

    // ---- firmware updates (issue 4): ota_routes.cpp ----
    updates::UpdateManager* updates_ = nullptr;
    updates::RolloutManager* rollouts_ = nullptr;
};

// One catalogue entry as the API shows it.
[[nodiscard]] boost::json::object firmware_json(const firmware::FirmwareMeta& m);

// The OTA counters for /metrics (ota_routes.cpp).
[[nodiscard]] std::string updates_metrics_text(updates::UpdateManager& u);

// The OpenAPI 3 description served at /api/v1/openapi.json.
[[nodiscard]] const std::string& openapi_document();

}  // namespace ptalk::api
