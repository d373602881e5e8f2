#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "api/secure_api.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;
using auth::Scope;

namespace {

json::value opt_ms(const std::optional<store::UnixMillis>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::object token_json(const auth::TokenInfo& t) {
    json::object o;
    o["id"] = t.id;
    o["name"] = t.name;
    o["scope"] = auth::to_string(t.scope);
    o["device_id"] = t.device_id ? json::value(*t.device_id) : json::value(nullptr);
    o["prefix"] = t.prefix;
    o["created_ms"] = t.created_at;
    o["revoked_ms"] = opt_ms(t.revoked_at);
    return o;
}

json::object allowed_json(const store::AllowedDevice& d) {
    return {{"device_id", d.device_id},
            {"name", d.name ? json::value(*d.name) : json::value(nullptr)},
            {"added_ms", d.added_at}};
}

// The token of an "Authorization: Bearer <token>" header: nothing when there is
// no header, "" when it is not a bearer token.
std::optional<std::string_view> bearer(std::string_view v) {
    if (v.empty()) return std::nullopt;
    if (v.size() < 7) return std::string_view{};
    for (std::size_t i = 0; i < 6; ++i) {
        if (std::tolower(static_cast<unsigned char>(v[i])) != "bearer"[i]) {
            return std::string_view{};
        }
    }
    if (v[6] != ' ') return std::string_view{};
    v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ')
        v.remove_suffix(1);
    return v;
}

HttpResponse unauthorized(std::string_view error, std::string_view message) {
    auto res = error_response(http::status::unauthorized, "unauthorized", message);
    std::string challenge = "Bearer realm=\"ptalk\"";
    if (!error.empty()) challenge += ", error=\"" + std::string(error) + "\"";
    res.set(http::field::www_authenticate, challenge);
    return res;
}

bool looks_json(const HttpRequest& req) {
    const auto ct = req[http::field::content_type];
    if (ct.find("json") != std::string_view::npos) return true;
    const auto& b = req.body();
    const auto p = b.find_first_not_of(" \t\r\n");
    return p != std::string::npos && (b[p] == '{' || b[p] == '[');
}

HttpResponse invalid_id() {
    return error_response(http::status::bad_request, "invalid_device_id",
                          "a device id is a MAC address: 12 hex digits, or AA:BB:CC:DD:EE:FF");
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

}  // namespace

std::size_t json_depth(std::string_view s) noexcept {
    std::size_t depth = 0, max = 0;
    bool in_string = false, escaped = false;
    for (const char c : s) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            max = std::max(max, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return max;
}

SecureApi::SecureApi(gateway::HttpHandler& inner, auth::TokenRegistry& tokens,
                     auth::Admission& admission, store::Store& store, core::Metrics& metrics,
                     asio::thread_pool& blocking, SecurityApiOptions options)
    : inner_(inner),
      tokens_(tokens),
      admission_(admission),
      store_(store),
      metrics_(metrics),
      blocking_(blocking),
      options_(options) {}

SecureApi::Decision SecureApi::decide(std::string_view method, std::string_view target,
                                      std::string_view authorization) const {
    Decision d;
    if (!options_.auth) return d;
    const auto t = parse_target(target);
    if (!t) return d;  // answered 400 by the API without touching anything
    const auto need = auth::required_scope(method, t->segments, {options_.metrics_open});
    if (!need) return d;
    d.need = *need;
    const auto presented = bearer(authorization);
    if (!presented) {
        d.verdict = Verdict::missing;
        return d;
    }
    const auto token = tokens_.authenticate(*presented);
    if (!token || token->scope == Scope::device) {
        d.verdict = Verdict::invalid;
        return d;
    }
    d.have = token->scope;
    if (!auth::allows(token->scope, *need)) d.verdict = Verdict::scope;
    return d;
}

std::optional<HttpResponse> SecureApi::authorize(std::string_view method, std::string_view target,
                                                 std::string_view authorization) {
    using core::AuthFailure;
    const auto d = decide(method, target, authorization);
    switch (d.verdict) {
        case Verdict::allowed:
            return std::nullopt;
        case Verdict::missing:
            metrics_.security.count(AuthFailure::missing);
            return unauthorized("",
                                "this endpoint needs an API token: Authorization: Bearer "
                                "<token> (docs/SECURITY.md)");
        case Verdict::invalid:
            metrics_.security.count(AuthFailure::invalid);
            return unauthorized("invalid_token", "the API token is unknown or revoked");
        case Verdict::scope:
            break;
    }
    metrics_.security.count(AuthFailure::scope);
    auto res = error_response(http::status::forbidden, "forbidden",
                              fmt::format("this needs a token of scope {} (this one is {})",
                                          auth::to_string(d.need), auth::to_string(d.have)),
                              json::object{{"required_scope", auth::to_string(d.need)}});
    res.set(http::field::www_authenticate,
            fmt::format("Bearer realm=\"ptalk\", error=\"insufficient_scope\", scope=\"{}\"",
                        auth::to_string(d.need)));
    return res;
}

bool SecureApi::takes_stream(const HttpRequest& req) const {
    if (!inner_.takes_stream(req)) return false;
    const auto authz = req.find(http::field::authorization);
    return decide(req.method_string(), req.target(),
                  authz == req.end() ? std::string_view{} : std::string_view(authz->value()))
               .verdict == Verdict::allowed;
}

asio::awaitable<void> SecureApi::stream(const HttpRequest& req, const gateway::RequestContext& ctx,
                                        boost::beast::tcp_stream& s) {
    co_await inner_.stream(req, ctx, s);
}

std::optional<HttpResponse> SecureApi::check(const HttpRequest& req, const Target&) {
    const auto auth_header = req.find(http::field::authorization);
    if (auto refused =
            authorize(req.method_string(), req.target(),
                      auth_header == req.end() ? std::string_view{}
                                               : std::string_view(auth_header->value()))) {
        return refused;
    }
    if (!req.body().empty() && looks_json(req)) {
        if (req.body().size() > options_.max_json_bytes) {
            metrics_.security.count(core::Limit::json_size);
            return error_response(
                http::status::payload_too_large, "json_too_large",
                fmt::format("a JSON body may have at most {} bytes", options_.max_json_bytes));
        }
        if (json_depth(req.body()) > options_.max_json_depth) {
            metrics_.security.count(core::Limit::json_depth);
            return error_response(
                http::status::bad_request, "json_too_deep",
                fmt::format("a JSON body may nest at most {} levels", options_.max_json_depth));
        }
    }
    return std::nullopt;
}

gateway::BodyStream SecureApi::stream_body(const gateway::HttpRequestHeader& header,
                                           const gateway::RequestContext& ctx) {
    // Only what the inner handler streams (uploads) is decided here; everything
    // else is read whole (the listener's body limit answers 413 first, as ever)
    // and checked in handle().
    auto inner = inner_.stream_body(header, ctx);
    if (!inner.sink && !inner.now) return inner;
    const auto authz = header.find(http::field::authorization);
    if (auto refused = authorize(
            header.method_string(), header.target(),
            authz == header.end() ? std::string_view{} : std::string_view(authz->value()))) {
        gateway::BodyStream refuse;  // the inner sink is dropped unused: it keeps nothing
        refuse.now = std::move(*refused);
        return refuse;
    }
    return inner;
}

asio::awaitable<HttpResponse> SecureApi::handle(const HttpRequest& req,
                                                const gateway::RequestContext& ctx) {
    try {
        const auto target = parse_target(req.target());
        if (target) {
            if (auto refused = check(req, *target)) co_return std::move(*refused);
            if (owns(req, *target)) {
                // The security routes write the store synchronously: off the I/O thread.
                auto task = [this, &req, &target]() -> asio::awaitable<HttpResponse> {
                    co_return route(req, *target);
                };
                auto res = co_await asio::co_spawn(blocking_, task, asio::use_awaitable);
                co_return res;
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("request failed method={} target={} error=\"{}\"",
                      std::string(req.method_string()), std::string(req.target()), e.what());
        co_return error_response(http::status::internal_server_error, "internal",
                                 "the server failed to handle this request");
    }
    co_return co_await inner_.handle(req, ctx);
}

bool SecureApi::owns(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;
    const auto n = s.size();
    if (n < 3 || s[0] != "api" || s[1] != "v1") return false;
    if (s[2] == "tokens" || s[2] == "allowlist") return n <= 4;
    if (s[2] == "devices") {
        return (n == 3 && req.method() == http::verb::post) || (n == 5 && s[4] == "token");
    }
    return false;
}

HttpResponse SecureApi::route(const HttpRequest& req, const Target& t) {
    const auto& s = t.segments;
    const auto n = s.size();
    const auto m = req.method();
    if (s[2] == "tokens") {
        if (n == 3) {
            if (m == http::verb::get) return list_tokens();
            if (m == http::verb::post) return create_token(req);
            return method_not_allowed("GET, POST");
        }
        if (m != http::verb::delete_) return method_not_allowed("DELETE");
        return revoke_token(s[3]);
    }
    if (s[2] == "allowlist") {
        if (n == 3) {
            if (m == http::verb::get) return allowlist();
            if (m == http::verb::post) return register_device(req);
            return method_not_allowed("GET, POST");
        }
        if (m != http::verb::delete_) return method_not_allowed("DELETE");
        return unregister_device(s[3]);
    }
    if (n == 3) return register_device(req);  // POST /api/v1/devices
    if (m != http::verb::post) return method_not_allowed("POST");
    const auto id = protocol::normalize_device_id(s[3]);
    if (!id) return invalid_id();
    return device_token(req, *id);
}

void SecureApi::event(std::optional<std::string> device_id, std::string type, std::string data) {
    store::EventRecord e;
    e.time = store::unix_millis_now();
    e.device_id = std::move(device_id);
    e.type = std::move(type);
    e.data = std::move(data);
    store_.append_event(std::move(e));
}

HttpResponse SecureApi::list_tokens() const {
    json::array a;
    for (const auto& t : tokens_.list())
        a.push_back(token_json(t));
    return json_response(http::status::ok, json::object{{"tokens", std::move(a)}});
}

HttpResponse SecureApi::create_token(const HttpRequest& req) {
    auto body = parse_json_body(req, false);
    if (body.error) return std::move(*body.error);
    const auto scope_text = opt_string(body.object, "scope");
    const auto scope = scope_text ? auth::parse_scope(*scope_text) : std::nullopt;
    if (!scope || *scope == Scope::device) {
        return error_response(http::status::unprocessable_entity, "invalid_scope",
                              "\"scope\" is one of read, operate, admin (a device token comes "
                              "from POST /api/v1/devices/{id}/token)");
    }
    auto name = opt_string(body.object, "name").value_or("");
    if (name.empty() || name.size() > 100) {
        return error_response(http::status::unprocessable_entity, "invalid_name",
                              "\"name\" is a text of 1 to 100 characters");
    }
    auto created = tokens_.create(std::move(name), *scope);
    if (!created) return store_unavailable_response(created.error().message);
    spdlog::info("api token created id={} name=\"{}\" scope={}", created->info.id,
                 created->info.name, auth::to_string(*scope));
    event(std::nullopt, "token.created",
          json::serialize(json::object{{"id", created->info.id},
                                       {"name", created->info.name},
                                       {"scope", auth::to_string(*scope)}}));
    auto o = token_json(created->info);
    o["token"] = created->token;
    return json_response(http::status::created, o);
}

// A connected device whose admission was taken back is cut off (at the TCP
// level, like every device disconnect): it reconnects and is asked again, so
// one that still holds a valid credential (the fleet token) comes back.
void SecureApi::withdraw(const std::string& device_id, auth::AdmissionMode when) {
    if (admission_.mode() != when || !withdrawn_) return;
    spdlog::info("device admission withdrawn id={}: its connection is ended", device_id);
    withdrawn_(device_id);
}

HttpResponse SecureApi::revoke_token(const std::string& raw_id) {
    const auto id = int_param(Target{{}, {{"id", raw_id}}}, "id", 1, INT64_MAX);
    if (!id.value) {
        return error_response(http::status::bad_request, "bad_token_id",
                              "a token id is a positive integer");
    }
    const auto uid = static_cast<std::uint64_t>(*id.value);
    auto done = tokens_.revoke(uid);
    if (!done) return store_unavailable_response(done.error().message);
    if (!*done) {
        return error_response(http::status::not_found, "unknown_token",
                              "no unrevoked token has id " + raw_id);
    }
    spdlog::info("api token revoked id={}", uid);
    event(std::nullopt, "token.revoked", json::serialize(json::object{{"id", uid}}));
    const auto info = tokens_.find(uid);
    if (info && info->device_id) withdraw(*info->device_id, auth::AdmissionMode::token);
    return json_response(http::status::ok, info ? json::value(token_json(*info)) : json::value());
}

HttpResponse SecureApi::device_token(const HttpRequest& req, const std::string& id) {
    auto body = parse_json_body(req, true);
    if (body.error) return std::move(*body.error);
    auto name = opt_string(body.object, "name").value_or("device " + id);
    auto created = tokens_.create(std::move(name), Scope::device, id);
    if (!created) return store_unavailable_response(created.error().message);
    spdlog::info("device token created id={} device={}", created->info.id, id);
    event(id, "token.created",
          json::serialize(json::object{{"id", created->info.id}, {"scope", "device"}}));
    auto o = token_json(created->info);
    o["token"] = created->token;
    return json_response(http::status::created, o);
}

HttpResponse SecureApi::register_device(const HttpRequest& req) {
    auto body = parse_json_body(req, false);
    if (body.error) return std::move(*body.error);
    const auto raw = opt_string(body.object, "id");
    const auto id = raw ? protocol::normalize_device_id(*raw) : std::nullopt;
    if (!id) return invalid_id();
    auto name = opt_string(body.object, "name");
    if (name && name->size() > 100) {
        return error_response(http::status::unprocessable_entity, "invalid_name",
                              "\"name\" is a text of at most 100 characters");
    }
    if (auto st = admission_.allow(*id, name); !st) return store_unavailable_response(st.message);
    spdlog::info("device registered id={} (allowlist)", *id);
    event(*id, "device.registered", "{}");
    for (const auto& d : admission_.allowlist()) {
        if (d.device_id == *id) return json_response(http::status::created, allowed_json(d));
    }
    return json_response(http::status::created, json::object{{"device_id", *id}});
}

HttpResponse SecureApi::unregister_device(const std::string& raw_id) {
    const auto id = protocol::normalize_device_id(raw_id);
    if (!id) return invalid_id();
    auto done = admission_.disallow(*id);
    if (!done) return store_unavailable_response(done.error().message);
    if (!*done) {
        return error_response(http::status::not_found, "not_registered",
                              "device " + *id + " is not on the allowlist");
    }
    event(*id, "device.unregistered", "{}");
    withdraw(*id, auth::AdmissionMode::allowlist);
    return json_response(http::status::ok, json::object{{"device_id", *id}, {"removed", true}});
}

HttpResponse SecureApi::allowlist() const {
    json::array a;
    for (const auto& d : admission_.allowlist())
        a.push_back(allowed_json(d));
    return json_response(
        http::status::ok,
        json::object{{"mode", auth::to_string(admission_.mode())}, {"devices", std::move(a)}});
}

}  // namespace ptalk::api
