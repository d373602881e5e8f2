// Routes that send commands to devices.
#include <boost/json/array.hpp>

#include "api/api.hpp"
#include "api/json_views.hpp"
#include "live/desired.hpp"
#include "protocol/commands.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

HttpResponse unknown_device(const std::string& id) {
    return error_response(http::status::not_found, "unknown_device",
                          "no device " + id + " has ever connected");
}

}  // namespace

std::optional<HttpResponse> Api::read_timeout(const json::object& o,
                                              std::chrono::milliseconds& out) const {
    const auto* tv = o.if_contains("timeout_ms");
    if (tv == nullptr) return std::nullopt;
    const auto max = options_.max_timeout.count();
    if (!tv->is_int64() || tv->get_int64() < 100 || tv->get_int64() > max) {
        return error_response(http::status::bad_request, "bad_timeout",
                              "timeout_ms must be an integer from 100 to " + std::to_string(max));
    }
    out = std::chrono::milliseconds(tv->get_int64());
    return std::nullopt;
}

std::optional<HttpResponse> Api::refuse_command(const std::string& id) const {
    if (!fleet_.knows(id)) return unknown_device(id);
    if (!store_.writable()) return store_unavailable();
    return std::nullopt;
}

asio::awaitable<HttpResponse> Api::run_command(const HttpRequest& req, const Target& t,
                                               const std::string& id) {
    auto body = parse_json_body(req, false);
    if (body.error) co_return std::move(*body.error);
    auto& o = body.object;
    const auto* cmd = o.if_contains("cmd");
    if (cmd == nullptr || !cmd->is_string()) {
        co_return error_response(http::status::bad_request, "missing_cmd",
                                 "the body needs \"cmd\": the command's name");
    }
    const std::string name(cmd->get_string());
    auto timeout = options_.default_timeout;
    if (auto bad = read_timeout(o, timeout)) co_return std::move(*bad);
    // issue 6: "queue_if_offline": true with "ttl_s" keeps the command for a device that is away.
    bool queue_if_offline = false;
    auto ttl = std::chrono::seconds(3600);
    if (const auto* q = o.if_contains("queue_if_offline")) {
        if (!q->is_bool()) {
            co_return error_response(http::status::bad_request, "bad_queue_if_offline",
                                     "queue_if_offline must be true or false");
        }
        queue_if_offline = q->get_bool();
    }
    if (const auto* tv = o.if_contains("ttl_s")) {
        if (!tv->is_int64() || tv->get_int64() < 1 || tv->get_int64() > 30 * 86400) {
            co_return error_response(http::status::bad_request, "bad_ttl",
                                     "ttl_s must be an integer from 1 to 2592000 (30 days)");
        }
        ttl = std::chrono::seconds(tv->get_int64());
    }
    o.erase("cmd");
    o.erase("timeout_ms");
    o.erase("queue_if_offline");
    o.erase("ttl_s");
    std::string what;
    auto command = protocol::make_command(name, o, &what);
    if (!command) {
        const bool refused = command.error() == protocol::error::not_allowed;
        co_return error_response(
            refused ? http::status::unprocessable_entity : http::status::bad_request,
            refused ? "not_allowed" : "invalid_command",
            what.empty() ? command.error().message() : what);
    }
    if (command->kind == protocol::CommandKind::request_ota) {
        // A transfer is no single command: it starts an update (202), followed at .../ota.
        const auto* v = o.if_contains("version");
        const std::string version = v && v->is_string() ? std::string(v->get_string()) : "";
        co_return co_await start_ota(id, version);
    }
    if (auto refused = refuse_command(id)) co_return std::move(*refused);
    if (queue_if_offline && !fleet_.session(id)) {
        const std::string by = "api";
        const auto cid = fleet_.queue_command(id, *command, timeout, ttl, by);
        co_return json_response(
            http::status::accepted,
            {{"id", cid},
             {"state", "queued"},
             {"expires_at_ms",
              store::unix_millis_now() +
                  std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count()},
             {"href", "/api/v1/commands/" + std::to_string(cid)}});
    }
    if (auto wait = t.param("wait"); wait && *wait == "false") {
        auto cid = fleet_.submit(id, std::move(*command), timeout, "api");
        if (!cid) {
            co_return error_response(http::status::conflict, "offline",
                                     "device " + id + " is offline");
        }
        co_return json_response(http::status::accepted,
                                {{"id", *cid},
                                 {"state", "queued"},
                                 {"href", "/api/v1/commands/" + std::to_string(*cid)}});
    }
    protocol::Command to_send = std::move(*command);
    const std::string by = "api";
    auto r = co_await fleet_.execute(id, to_send, timeout, by);
    co_return outcome_response(id, r);
}

asio::awaitable<HttpResponse> Api::patch_config(const HttpRequest& req, const std::string& id) {
    auto body = parse_json_body(req, false);
    if (body.error) co_return std::move(*body.error);
    // Validate everything before sending anything.
    std::vector<protocol::Command> commands;
    for (const auto& kv : body.object) {
        if (kv.key() != "volume" && kv.key() != "brightness" && kv.key() != "device_name") {
            co_return error_response(http::status::bad_request, "unexpected_field",
                                     "config takes volume, brightness and device_name, not '" +
                                         std::string(kv.key().substr(0, 64)) + "'");
        }
    }
    static constexpr std::pair<std::string_view, std::string_view> order[] = {
        {"volume", "set_volume"},
        {"brightness", "set_brightness"},
        {"device_name", "set_device_name"}};
    for (const auto& [field, cmd] : order) {
        const auto* v = body.object.if_contains(field);
        if (v == nullptr) continue;
        std::string what;
        auto c = protocol::make_command(cmd, json::object{{field, *v}}, &what);
        if (!c) co_return error_response(http::status::bad_request, "invalid_param", what);
        commands.push_back(std::move(*c));
    }
    if (commands.empty()) {
        co_return error_response(http::status::bad_request, "empty_config",
                                 "give at least one of volume, brightness, device_name");
    }
    if (auto refused = refuse_command(id)) co_return std::move(*refused);
    {
        // One truth (issue 6): settings given here become desired state too, so
        // an offline device converges when it returns. They are sent below.
        std::string ignored;
        const auto patch = live::parse_desired_patch(body.object, ignored);
        if (ignored.empty()) fleet_.patch_desired(id, patch, "api:config", false);
    }
    json::array results;
    std::optional<HttpResponse> first_failure;
    const std::string by = "api";
    for (auto& c : commands) {
        auto r = co_await fleet_.execute(id, c, options_.default_timeout, by);
        if (r.completion.outcome != dispatch::Outcome::ok && !first_failure)
            first_failure = outcome_response(id, r);
        results.push_back(result_json(id, r));
    }
    if (first_failure) {
        co_return error_response(first_failure->result(), "config_incomplete",
                                 "not every setting was applied; see results",
                                 json::object{{"results", std::move(results)}});
    }
    co_return json_response(http::status::ok, {{"results", std::move(results)}});
}

asio::awaitable<HttpResponse> Api::simple_command(const HttpRequest& req, const std::string& id,
                                                  std::string_view cmd) {
    auto body = parse_json_body(req, true);
    if (body.error) co_return std::move(*body.error);
    auto timeout = options_.default_timeout;
    if (auto bad = read_timeout(body.object, timeout)) co_return std::move(*bad);
    if (auto refused = refuse_command(id)) co_return std::move(*refused);
    auto command = protocol::make_command(cmd, {}).value();
    const std::string by = "api";
    auto r = co_await fleet_.execute(id, command, timeout, by);
    co_return outcome_response(id, r);
}

}  // namespace ptalk::api
