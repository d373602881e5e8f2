#include "api/api.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/json_views.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;
using dispatch::Outcome;

Api::Api(fleet::Fleet& fleet, store::Store& store, core::Metrics& metrics,
         asio::thread_pool& blocking, ApiOptions options)
    : fleet_(fleet), store_(store), metrics_(metrics), blocking_(blocking), options_(options) {}

asio::awaitable<HttpResponse> Api::blocking(const std::function<HttpResponse()>& f) {
    auto task = [f]() -> asio::awaitable<HttpResponse> { co_return f(); };
    auto res = co_await asio::co_spawn(blocking_, std::move(task), asio::use_awaitable);
    co_return res;
}

asio::awaitable<HttpResponse> Api::handle(const HttpRequest& req, const gateway::RequestContext&) {
    try {
        auto target = parse_target(req.target());
        if (!target) {
            co_return error_response(http::status::bad_request, "bad_target",
                                     "the request target is not a valid path");
        }
        co_return co_await route(req, *target);
    } catch (const std::exception& e) {
        spdlog::error("request failed method={} target={} error=\"{}\"",
                      std::string(req.method_string()), std::string(req.target()), e.what());
        co_return error_response(http::status::internal_server_error, "internal",
                                 "the server failed to handle this request");
    }
}

namespace {

HttpResponse not_found() {
    return error_response(http::status::not_found, "not_found", "no such endpoint");
}

}  // namespace

asio::awaitable<HttpResponse> Api::route(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;
    const auto m = req.method();
    const auto n = s.size();
    if (n == 1 && s[0] == "healthz") co_return healthz();
    if (n == 1 && s[0] == "metrics") co_return metrics();
    // The seed guide's endpoint: POST /api/device/{id}/config?volume=&brightness=
    if (n == 4 && s[0] == "api" && s[1] == "device" && s[3] == "config") {
        if (m != http::verb::post) co_return method_not_allowed("POST");
        co_return seed_config(t, s[2]);
    }
    if (n < 3 || s[0] != "api" || s[1] != "v1") co_return not_found();
    if (auto live = co_await live_route(req, t)) co_return std::move(*live);  // issue 6
    if (n == 3 && s[2] == "openapi.json") {
        co_return text_response(http::status::ok, openapi_document(), "application/json");
    }
    if (s[2] == "commands" && n == 4) {
        if (m != http::verb::get) co_return method_not_allowed("GET");
        const auto cid = int_param(Target{{}, {{"id", s[3]}}}, "id", 1, INT64_MAX);
        if (!cid.value) {
            co_return error_response(http::status::bad_request, "bad_command_id",
                                     "a command id is a positive integer");
        }
        co_return co_await get_command(static_cast<std::uint64_t>(*cid.value));
    }
    if (s[2] == "firmware") co_return co_await firmware_route(req, t);
    if (s[2] == "rollouts") co_return co_await rollout_route(req, t);
    if (s[2] != "devices") co_return not_found();
    if (n == 3) {
        if (m != http::verb::get) co_return method_not_allowed("GET");
        co_return list_devices(t);
    }
    const auto id = protocol::normalize_device_id(s[3]);
    if (!id) {
        co_return error_response(
            http::status::bad_request, "invalid_device_id",
            "a device id is a MAC address: 12 hex digits, or AA:BB:CC:DD:EE:FF");
    }
    if (n == 4) {
        if (m != http::verb::get) co_return method_not_allowed("GET");
        co_return get_device(*id);
    }
    if (n != 5) co_return not_found();
    const auto& action = s[4];
    if (action == "commands") {
        if (m == http::verb::post) co_return co_await run_command(req, t, *id);
        if (m == http::verb::get) co_return co_await device_history(t, *id);
        co_return method_not_allowed("GET, POST");
    }
    if (action == "config") {
        if (m != http::verb::patch) co_return method_not_allowed("PATCH");
        co_return co_await patch_config(req, *id);
    }
    if (action == "reboot" || action == "status") {
        if (m != http::verb::post) co_return method_not_allowed("POST");
        co_return co_await simple_command(req, *id,
                                          action == "reboot" ? "reboot" : "request_status");
    }
    if (action == "ota") co_return co_await device_ota(req, *id);
    if (action == "wifi") {
        if (m != http::verb::post) co_return method_not_allowed("POST");
        co_return error_response(
            http::status::unprocessable_entity, "wifi_over_ble",
            "Wi-Fi is provisioned over BLE (or the captive portal), never over the WebSocket: "
            "ptalk does not forward Wi-Fi credentials to a device. Nothing was sent.");
    }
    co_return not_found();
}

HttpResponse Api::healthz() const {
    const bool writable = store_.writable();
    json::object o{{"status", writable ? "ok" : "degraded"},
                   {"store", writable ? "writable" : "not_writable"},
                   {"devices_online", fleet_.online_count()},
                   {"devices_known", fleet_.known_count()}};
    if (!writable) o["store_error"] = store_.last_error().message;
    return json_response(writable ? http::status::ok : http::status::service_unavailable, o);
}

HttpResponse Api::metrics() const {
    const auto sm = store_.metrics();
    std::string extra;
    extra +=
        "# HELP ptalk_store_queue_depth Writes waiting for the store\n"
        "# TYPE ptalk_store_queue_depth gauge\nptalk_store_queue_depth " +
        std::to_string(sm.queue_depth) + "\n";
    extra +=
        "# HELP ptalk_store_batches_total Store transactions committed\n"
        "# TYPE ptalk_store_batches_total counter\nptalk_store_batches_total " +
        std::to_string(sm.batches) + "\n";
    extra +=
        "# HELP ptalk_store_write_errors_total Store batches that failed\n"
        "# TYPE ptalk_store_write_errors_total counter\nptalk_store_write_errors_total " +
        std::to_string(sm.write_errors) + "\n";
    extra +=
        "# HELP ptalk_devices_known Devices in the registry\n"
        "# TYPE ptalk_devices_known gauge\nptalk_devices_known " +
        std::to_string(fleet_.known_count()) + "\n";
    if (updates_ != nullptr) extra += updates_metrics_text(*updates_);
    return text_response(http::status::ok, metrics_.render(extra),
                         "text/plain; version=0.0.4; charset=utf-8");
}

HttpResponse Api::seed_config(const Target& t, const std::string& raw_id) {
    // Same shape as the guide's FastAPI example: clamps, sends, answers at once.
    // Unlike the example, an unknown or offline device is a 404 (docs/API.md).
    auto clamp_param = [&](std::string_view key, std::optional<long long>& out) -> std::string {
        const auto r = int_param(t, key, LLONG_MIN, LLONG_MAX);
        if (!r.error.empty()) return r.error;
        if (r.value) out = std::clamp<long long>(*r.value, 0, 100);
        return {};
    };
    std::optional<long long> volume, brightness;
    for (auto [key, out] : {std::pair{"volume", &volume}, std::pair{"brightness", &brightness}}) {
        if (auto e = clamp_param(key, *out); !e.empty()) {
            return error_response(http::status::unprocessable_entity, "invalid_param", e);
        }
    }
    const auto id = protocol::normalize_device_id(raw_id);
    if (!id || !fleet_.session(*id)) {
        return error_response(http::status::not_found, "device_not_connected",
                              "Device " + raw_id.substr(0, 64) + " not connected");
    }
    if (!store_.writable()) return store_unavailable();
    if (volume) {
        fleet_.submit(*id, protocol::make_set_volume(*volume).value(), options_.default_timeout,
                      "api:seed");
    }
    if (brightness) {
        fleet_.submit(*id, protocol::make_set_brightness(*brightness).value(),
                      options_.default_timeout, "api:seed");
    }
    return json_response(http::status::ok, {{"status", "ok"}, {"device_id", raw_id}});
}

HttpResponse Api::outcome_response(const std::string& id, const fleet::CommandResult& r) const {
    auto body = result_json(id, r);
    const auto outcome = r.completion.outcome;
    if (outcome == Outcome::ok) return json_response(http::status::ok, body);
    struct Mapping {
        http::status status;
        const char* message;
    };
    const Mapping m = [&]() -> Mapping {
        switch (outcome) {
            case Outcome::invalid_param:
                return {http::status::unprocessable_entity, "the device rejected a parameter"};
            case Outcome::invalid_command:
            case Outcome::not_supported:
                return {http::status::unprocessable_entity, "the device does not support this"};
            case Outcome::error:
                return {http::status::bad_gateway, "the device reported an error"};
            case Outcome::device_busy:
                return {http::status::conflict, "the device is busy"};
            case Outcome::timeout:
                if (!r.completion.sent_at) {
                    return {http::status::gateway_timeout,
                            "the command's timeout ran out while it waited behind the device's "
                            "earlier commands; it was not sent"};
                }
                return {http::status::gateway_timeout, "the device did not answer in time"};
            case Outcome::disconnected:
                return {http::status::conflict, "the device disconnected before answering"};
            case Outcome::offline:
                return {http::status::conflict, "the device is offline"};
            case Outcome::queue_full:
                return {http::status::too_many_requests, "the device's command queue is full"};
            case Outcome::shutdown:
                return {http::status::service_unavailable, "the server is shutting down"};
            case Outcome::ok:
                break;
        }
        return {http::status::internal_server_error, "unexpected outcome"};
    }();
    return error_response(m.status, dispatch::to_string(outcome), m.message,
                          json::object{{"command", body}});
}

}  // namespace ptalk::api
