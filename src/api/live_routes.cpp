// Routes of issue 6: desired state (PATCH /api/v1/devices/{id}/desired); the
// event stream is in event_routes.cpp. docs/API.md, docs/LIVE.md.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "api/api.hpp"
#include "live/desired.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;

void Api::add_desired(json::object& device, const std::string& id) const {
    auto v = fleet_.desired(id);
    if (!v || v->desired.record.version == 0) {
        device["desired"] = nullptr;
        return;
    }
    device["desired"] = live::desired_json(v->desired);
    auto sync = live::sync_json(v->desired, v->reported);
    bool all = true;
    for (const auto& kv : sync)
        all = all && kv.value().at("in_sync").as_bool();
    device["in_sync"] = all;
    device["sync"] = std::move(sync);
}

HttpResponse Api::patch_desired(const HttpRequest& req, const std::string& id) {
    auto body = parse_json_body(req, false);
    if (body.error) return std::move(*body.error);
    std::string error;
    auto patch = live::parse_desired_patch(body.object, error);
    if (!error.empty()) return error_response(http::status::bad_request, "invalid_desired", error);
    if (!store_.writable()) return store_unavailable();
    auto view = fleet_.patch_desired(id, patch, "api");
    auto current = fleet_.desired(id);
    json::object out;
    out["device_id"] = id;
    out["changed"] = view.has_value();
    out["known"] = current && current->known;
    out["online"] = current && current->reported.online;
    if (current) {
        out["desired"] = live::desired_json(current->desired);
        out["sync"] = live::sync_json(current->desired, current->reported);
    }
    return json_response(http::status::ok, out);
}

asio::awaitable<std::optional<HttpResponse>> Api::live_route(const HttpRequest& req,
                                                             const Target& t) {
    const auto& s = t.segments;
    const auto n = s.size();
    const auto m = req.method();
    if (n == 5 && s[2] == "devices" && s[4] == "desired") {
        const auto id = protocol::normalize_device_id(s[3]);
        if (!id) {
            co_return error_response(http::status::bad_request, "invalid_device_id",
                                     "a device id is a MAC address: 12 hex digits, or "
                                     "AA:BB:CC:DD:EE:FF");
        }
        if (m == http::verb::patch || m == http::verb::put) co_return patch_desired(req, *id);
        if (m == http::verb::get) {
            auto v = fleet_.desired(*id);
            if (!v) {
                co_return error_response(http::status::not_found, "unknown_device",
                                         "no desired state for " + *id);
            }
            json::object out{{"device_id", *id}};
            add_desired(out, *id);
            co_return json_response(http::status::ok, out);
        }
        co_return method_not_allowed("GET, PATCH");
    }
    if (n >= 3 && s[2] == "jobs" && live_.jobs != nullptr) co_return co_await job_route(req, t);
    if (n >= 3 && s[2] == "webhooks" && live_.webhooks != nullptr)
        co_return co_await webhook_route(req, t);
    co_return std::nullopt;
}

Api::Awaitable Api::job_route(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;
    const auto n = s.size();
    const auto m = req.method();
    if (n == 3) {
        if (m == http::verb::get) {
            json::array items;
            for (auto& j : live_.jobs->list())
                items.push_back(std::move(j));
            co_return json_response(http::status::ok, json::object{{"jobs", std::move(items)}});
        }
        if (m != http::verb::post) co_return method_not_allowed("GET, POST");
        auto body = parse_json_body(req, false);
        if (body.error) co_return std::move(*body.error);
        std::string error;
        auto job = live::parse_job_request(body.object, error);
        if (!error.empty())
            co_return error_response(http::status::bad_request, "invalid_job", error);
        if (!store_.writable()) co_return store_unavailable();
        const auto id = live_.jobs->start(std::move(job), "api");
        co_return json_response(http::status::accepted,
                                {{"id", id}, {"href", "/api/v1/jobs/" + std::to_string(id)}});
    }
    const auto jid = int_param(Target{{}, {{"id", s[3]}}}, "id", 1, INT64_MAX);
    if (!jid.value) {
        co_return error_response(http::status::bad_request, "bad_job_id",
                                 "a job id is a positive integer");
    }
    const auto id = static_cast<std::uint64_t>(*jid.value);
    if (n == 4) {
        if (m != http::verb::get) co_return method_not_allowed("GET");
        const bool with_devices = t.param("devices").value_or("true") != "false";
        bool in_store = false;
        auto o = live_.jobs->describe(id, with_devices, &in_store);
        if (in_store) {
            // An older job: its outcomes are read from the store, off the I/O thread.
            auto* jobs = live_.jobs;
            co_return co_await blocking([jobs, id] {
                auto stored = jobs->describe_stored(id);
                return stored
                           ? json_response(http::status::ok, *stored)
                           : error_response(http::status::not_found, "unknown_job", "no such job");
            });
        }
        if (!o) co_return error_response(http::status::not_found, "unknown_job", "no such job");
        co_return json_response(http::status::ok, *o);
    }
    if (n == 5 && s[4] == "cancel") {
        if (m != http::verb::post) co_return method_not_allowed("POST");
        if (!live_.jobs->cancel(id))
            co_return error_response(http::status::not_found, "unknown_job", "no such job");
        auto o = live_.jobs->describe(id, false);
        co_return json_response(http::status::accepted, o ? json::value(*o) : json::value(nullptr));
    }
    co_return error_response(http::status::not_found, "not_found", "no such endpoint");
}

Api::Awaitable Api::webhook_route(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;
    const auto n = s.size();
    const auto m = req.method();
    if (n == 3) {
        if (m == http::verb::get) {
            json::array items;
            for (auto& w : live_.webhooks->list())
                items.push_back(std::move(w));
            co_return json_response(http::status::ok, json::object{{"webhooks", std::move(items)}});
        }
        if (m != http::verb::post) co_return method_not_allowed("GET, POST");
        auto body = parse_json_body(req, false);
        if (body.error) co_return std::move(*body.error);
        const auto& o = body.object;
        const auto* url = o.if_contains("url");
        const auto* secret = o.if_contains("secret");
        if (url == nullptr || !url->is_string() || secret == nullptr || !secret->is_string()) {
            co_return error_response(http::status::bad_request, "invalid_webhook",
                                     "a webhook needs \"url\" and \"secret\" (strings)");
        }
        std::vector<std::string> types;
        if (const auto* tv = o.if_contains("types")) {
            if (!tv->is_array()) {
                co_return error_response(http::status::bad_request, "invalid_webhook",
                                         "types is a list of event type prefixes");
            }
            for (const auto& v : tv->get_array()) {
                if (!v.is_string()) {
                    co_return error_response(http::status::bad_request, "invalid_webhook",
                                             "types is a list of event type prefixes");
                }
                types.emplace_back(v.get_string());
            }
        }
        if (!store_.writable()) co_return store_unavailable();
        std::string error;
        auto w = live_.webhooks->add(std::string(url->get_string()),
                                     std::string(secret->get_string()), std::move(types), error);
        if (!error.empty())
            co_return error_response(http::status::bad_request, "invalid_webhook", error);
        co_return json_response(http::status::created, w);
    }
    const auto wid = int_param(Target{{}, {{"id", s[3]}}}, "id", 1, INT64_MAX);
    if (!wid.value) {
        co_return error_response(http::status::bad_request, "bad_webhook_id",
                                 "a webhook id is a positive integer");
    }
    const auto id = static_cast<std::uint64_t>(*wid.value);
    if (n == 4) {
        if (m == http::verb::delete_) {
            if (!live_.webhooks->remove(id))
                co_return error_response(http::status::not_found, "unknown_webhook",
                                         "no such webhook");
            HttpResponse res{http::status::no_content, 11};
            res.set(http::field::server, "ptalkd");
            co_return res;
        }
        if (m != http::verb::get) co_return method_not_allowed("GET, DELETE");
        auto d = live_.webhooks->get(id);
        if (!d)
            co_return error_response(http::status::not_found, "unknown_webhook", "no such webhook");
        co_return json_response(http::status::ok, *d);
    }
    if (n == 5 && s[4] == "deliveries") {
        if (m != http::verb::get) co_return method_not_allowed("GET");
        const auto limit = int_param(t, "limit", 1, 100'000);
        if (!limit.error.empty())
            co_return error_response(http::status::bad_request, "bad_param", limit.error);
        // The log is in the store: read it off the I/O thread.
        auto* hooks = live_.webhooks;
        const auto n_max = static_cast<std::size_t>(limit.value.value_or(1000));
        co_return co_await blocking([hooks, id, n_max] {
            auto d = hooks->deliveries(id, n_max);
            return d ? json_response(http::status::ok, *d)
                     : error_response(http::status::not_found, "unknown_webhook",
                                      "no such webhook");
        });
    }
    co_return error_response(http::status::not_found, "not_found", "no such endpoint");
}

}  // namespace ptalk::api
