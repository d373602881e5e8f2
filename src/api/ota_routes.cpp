// Firmware updates: one device (/api/v1/devices/{id}/ota) and rollouts
// (/api/v1/rollouts...). The managers do store work: every call runs on the
// blocking pool.
#include <boost/json/array.hpp>

#include "api/api.hpp"
#include "updates/rollout_manager.hpp"
#include "updates/update_manager.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object update_json(const updates::UpdateView& v) {
    const auto& r = v.record;
    json::object o{{"update_id", r.id},
                   {"device_id", r.device_id},
                   {"version", r.version},
                   {"state", r.state},
                   {"attempts", r.attempts},
                   {"bytes_acked", r.bytes_acked},
                   {"bytes_total", r.bytes_total},
                   {"percent", r.bytes_total ? r.bytes_acked * 100 / r.bytes_total : 0},
                   {"rate_bytes_per_s", static_cast<std::uint64_t>(v.bytes_per_s)},
                   {"chunks_sent", v.chunks_sent},
                   {"nacks", v.nacks},
                   {"timeouts", v.timeouts},
                   {"needs_reboot", r.needs_reboot},
                   {"error", r.error.empty() ? json::value() : json::value(r.error)},
                   {"rollout_id", r.rollout_id == 0 ? json::value() : json::value(r.rollout_id)},
                   {"requested_by", r.requested_by},
                   {"created_at", r.created_at},
                   {"updated_at", r.updated_at},
                   {"finished_at", r.finished_at ? json::value(*r.finished_at) : json::value()}};
    return o;
}

HttpResponse start_error(const updates::StartResult& r) {
    using E = updates::StartError;
    switch (r.error) {
        case E::unknown_device:
            return error_response(http::status::not_found, "unknown_device", r.message);
        case E::unknown_version:
            return error_response(http::status::not_found, "unknown_version", r.message);
        case E::already_updating:
            return error_response(
                http::status::conflict, "already_updating", r.message,
                r.update ? json::object{{"ota", update_json(*r.update)}} : json::object{});
        case E::already_on_version:
            return error_response(http::status::conflict, "already_on_version", r.message);
        case E::battery_low:
            return error_response(http::status::unprocessable_entity, "battery_low", r.message);
        case E::image_unavailable:
        case E::store_unavailable:
            return error_response(http::status::service_unavailable, "unavailable", r.message);
        case E::none:
            break;
    }
    return error_response(http::status::internal_server_error, "internal", "unexpected");
}

std::optional<std::uint64_t> rollout_id(const std::string& s) {
    std::uint64_t v = 0;
    if (s.empty() || s.size() > 18) return std::nullopt;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v == 0 ? std::nullopt : std::optional(v);
}

}  // namespace

std::string updates_metrics_text(updates::UpdateManager& u) {
    return u.metrics_text();
}

void Api::set_updates(updates::UpdateManager& u, updates::RolloutManager& r) {
    updates_ = &u;
    rollouts_ = &r;
}

asio::awaitable<HttpResponse> Api::start_ota(const std::string& id, const std::string& version) {
    if (updates_ == nullptr) {
        co_return error_response(http::status::service_unavailable, "ota_unavailable",
                                 "firmware updates are not configured");
    }
    // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
    const std::function<HttpResponse()> work = [this, id, version] {
        auto r = updates_->start_update(id, version, "api");
        if (r.error != updates::StartError::none) return start_error(r);
        auto res = json_response(http::status::accepted, update_json(*r.update));
        res.set(http::field::location, "/api/v1/devices/" + id + "/ota");
        return res;
    };
    co_return co_await blocking(work);
}

asio::awaitable<HttpResponse> Api::device_ota(const HttpRequest& req, const std::string& id) {
    if (updates_ == nullptr) {
        co_return error_response(http::status::service_unavailable, "ota_unavailable",
                                 "firmware updates are not configured");
    }
    if (req.method() == http::verb::get) {
        // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
        const std::function<HttpResponse()> work = [this, id] {
            auto v = updates_->view(id);
            if (!v) {
                return error_response(http::status::not_found, "no_update",
                                      "device " + id + " has never been updated");
            }
            return json_response(http::status::ok, update_json(*v));
        };
        co_return co_await blocking(work);
    }
    if (req.method() == http::verb::delete_) {
        // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
        const std::function<HttpResponse()> work = [this, id] {
            if (!updates_->cancel(id, "cancelled by the API")) {
                return error_response(
                    http::status::conflict, "not_cancellable",
                    "no update of " + id + " is waiting to start (a running transfer finishes)");
            }
            return json_response(http::status::ok, {{"cancelled", true}});
        };
        co_return co_await blocking(work);
    }
    if (req.method() != http::verb::post) {
        co_return error_response(http::status::method_not_allowed, "method_not_allowed",
                                 "allowed: GET, POST, DELETE");
    }
    auto body = parse_json_body(req, true);
    if (body.error) co_return std::move(*body.error);
    std::string version;
    for (const auto& kv : body.object) {
        if (kv.key() != "version") {
            co_return error_response(http::status::bad_request, "unexpected_field",
                                     "ota takes only \"version\" (omit it for the newest)");
        }
        if (!kv.value().is_string() || kv.value().get_string().empty()) {
            co_return error_response(http::status::bad_request, "bad_version",
                                     "version is a non-empty string");
        }
        version = std::string(kv.value().get_string());
    }
    co_return co_await start_ota(id, version);
}

asio::awaitable<HttpResponse> Api::rollout_route(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;  // api v1 rollouts [id [action]]
    const auto m = req.method();
    if (rollouts_ == nullptr) {
        co_return error_response(http::status::service_unavailable, "ota_unavailable",
                                 "firmware updates are not configured");
    }
    if (s.size() == 3) {
        if (m == http::verb::get) {
            // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
            const std::function<HttpResponse()> work = [this] {
                return json_response(http::status::ok, {{"rollouts", rollouts_->list()}});
            };
            co_return co_await blocking(work);
        }
        if (m != http::verb::post) {
            co_return error_response(http::status::method_not_allowed, "method_not_allowed",
                                     "allowed: GET, POST");
        }
        co_return co_await create_rollout(req);
    }
    auto id = rollout_id(s[3]);
    if (!id || s.size() > 5) {
        co_return error_response(http::status::not_found, "unknown_rollout", "no such rollout");
    }
    if (s.size() == 4) {
        if (m != http::verb::get) {
            co_return error_response(http::status::method_not_allowed, "method_not_allowed",
                                     "allowed: GET");
        }
        const bool devices = t.param("devices").value_or("true") != "false";
        // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
        const std::function<HttpResponse()> work = [this, id = *id, devices] {
            auto v = rollouts_->view(id, devices);
            if (!v)
                return error_response(http::status::not_found, "unknown_rollout",
                                      "no such rollout");
            return json_response(http::status::ok, *v);
        };
        co_return co_await blocking(work);
    }
    const std::string action = s[4];
    if (action != "pause" && action != "resume" && action != "cancel") {
        co_return error_response(http::status::not_found, "not_found",
                                 "rollout actions: pause, resume, cancel");
    }
    if (m != http::verb::post) {
        co_return error_response(http::status::method_not_allowed, "method_not_allowed",
                                 "allowed: POST");
    }
    // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
    const std::function<HttpResponse()> work = [this, id = *id, action] {
        using R = updates::RolloutActionResult;
        const R r = action == "pause"    ? rollouts_->pause(id)
                    : action == "resume" ? rollouts_->resume(id)
                                         : rollouts_->cancel(id);
        if (r == R::unknown)
            return error_response(http::status::not_found, "unknown_rollout", "no such rollout");
        auto v = rollouts_->view(id, false);
        if (r == R::wrong_state) {
            return error_response(http::status::conflict, "wrong_state",
                                  "cannot " + action + " a rollout that is " +
                                      std::string(v->at("state").as_string()),
                                  json::object{{"rollout", *v}});
        }
        return json_response(http::status::ok, *v);
    };
    co_return co_await blocking(work);
}

asio::awaitable<HttpResponse> Api::create_rollout(const HttpRequest& req) {
    auto body = parse_json_body(req, false);
    if (body.error) co_return std::move(*body.error);
    const auto& o = body.object;
    updates::RolloutRequest r;
    r.requested_by = "api";
    auto bad = [](std::string msg) {
        return error_response(http::status::bad_request, "invalid_rollout", msg);
    };
    for (const auto& kv : o) {
        const auto k = kv.key();
        const auto& v = kv.value();
        auto positive = [&](double lo, double hi) {
            return v.is_number() && v.to_number<double>() >= lo && v.to_number<double>() <= hi;
        };
        if (k == "version" && v.is_string() && !v.get_string().empty()) {
            r.version = std::string(v.get_string());
        } else if (k == "target") {
            r.target = v;
        } else if (k == "batch_size" && v.is_int64() && positive(1, 1e9)) {
            r.batch_size = static_cast<std::size_t>(v.get_int64());
        } else if (k == "batch_percent" && positive(0.001, 100)) {
            r.batch_percent = v.to_number<double>();
        } else if (k == "max_concurrent" && v.is_int64() && positive(1, 100000)) {
            r.max_concurrent = static_cast<std::size_t>(v.get_int64());
        } else if (k == "failure_threshold_percent" && positive(0, 100)) {
            r.failure_threshold_percent = v.to_number<double>();
        } else if (k == "confirm_timeout_s" && v.is_int64() && positive(5, 86400)) {
            r.confirm_timeout = std::chrono::seconds(v.get_int64());
        } else if (k == "start" && v.is_bool()) {
            r.start = v.get_bool();
        } else {
            co_return bad("bad or unknown field \"" + std::string(k.substr(0, 64)) +
                          "\" (version: string, target, batch_size: 1.., batch_percent: 0-100, "
                          "max_concurrent: 1.., failure_threshold_percent: 0-100, "
                          "confirm_timeout_s: 5-86400, start: bool)");
        }
    }
    if (r.version.empty()) co_return bad("version is required");
    if (r.target.is_null()) co_return bad(R"(target is required: "all", [ids], or a filter)");
    // GCC 12: no temporaries with destructors inside co_await (docs/ARCHITECTURE.md).
    const std::function<HttpResponse()> work = [this, r = std::move(r)] {
        using E = updates::RolloutCreated::Error;
        auto c = rollouts_->create(r);
        switch (c.error) {
            case E::none: {
                auto res = json_response(http::status::created, *rollouts_->view(c.id, false));
                res.set(http::field::location, "/api/v1/rollouts/" + std::to_string(c.id));
                return res;
            }
            case E::bad_target:
                return error_response(http::status::unprocessable_entity, "bad_target", c.message);
            case E::unknown_version:
                return error_response(http::status::not_found, "unknown_version", c.message);
            case E::no_devices:
                return error_response(http::status::unprocessable_entity, "no_devices", c.message);
            case E::store_unavailable:
                return store_unavailable_response(c.message);
        }
        return error_response(http::status::internal_server_error, "internal", "unexpected");
    };
    co_return co_await blocking(work);
}

}  // namespace ptalk::api
