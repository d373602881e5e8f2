#include "api/http_util.hpp"

#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace ptalk::api {
namespace json = boost::json;

HttpResponse json_response(http::status status, const json::value& body) {
    HttpResponse res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::server, "ptalkd");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.body().push_back('\n');
    return res;
}

HttpResponse method_not_allowed(std::string_view allow) {
    auto res = error_response(http::status::method_not_allowed, "method_not_allowed",
                              "allowed: " + std::string(allow));
    res.set(http::field::allow, allow);
    return res;
}

HttpResponse error_response(http::status status, std::string_view code, std::string_view message,
                            const json::value& extra) {
    json::object body;
    body["error"] = {{"code", code}, {"message", message}};
    if (extra.is_object())
        for (const auto& kv : extra.get_object())
            body[kv.key()] = kv.value();
    return json_response(status, body);
}

HttpResponse store_unavailable_response(std::string_view why) {
    return error_response(http::status::service_unavailable, "store_unavailable",
                          "the store cannot write: " + std::string(why));
}

HttpResponse text_response(http::status status, std::string body, std::string_view content_type) {
    HttpResponse res{status, 11};
    res.set(http::field::content_type, content_type);
    res.set(http::field::server, "ptalkd");
    res.body() = std::move(body);
    return res;
}

std::optional<std::string_view> Target::param(std::string_view key) const {
    for (const auto& [k, v] : params)
        if (k == key) return std::string_view(v);
    return std::nullopt;
}

std::optional<Target> parse_target(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return std::nullopt;
    Target t;
    for (auto seg : url->segments()) {
        if (seg.empty()) continue;
        if (seg == "." || seg == "..") return std::nullopt;  // no path tricks
        t.segments.push_back(seg);
    }
    for (auto p : url->params())
        t.params.emplace_back(p.key, p.has_value ? p.value : "");
    return t;
}

IntParam int_param(const Target& t, std::string_view key, long long lo, long long hi) {
    IntParam r;
    auto v = t.param(key);
    if (!v) return r;
    long long n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size()) {
        r.error = std::string(key) + " must be an integer";
        return r;
    }
    if (n < lo || n > hi) {
        r.error =
            std::string(key) + " must be from " + std::to_string(lo) + " to " + std::to_string(hi);
        return r;
    }
    r.value = n;
    return r;
}

JsonBody parse_json_body(const HttpRequest& req, bool allow_empty) {
    JsonBody out;
    if (req.body().empty()) {
        if (!allow_empty)
            out.error = error_response(http::status::bad_request, "bad_request",
                                       "a JSON object body is required");
        return out;
    }
    json::parse_options opt;
    opt.max_depth = 16;
    json::error_code ec;
    auto v = json::parse(req.body(), ec, {}, opt);
    if (ec) {
        out.error = error_response(http::status::bad_request, "bad_json",
                                   "the body is not valid JSON: " + ec.message());
        return out;
    }
    if (!v.is_object()) {
        out.error =
            error_response(http::status::bad_request, "bad_json", "the body must be a JSON object");
        return out;
    }
    out.object = std::move(v.get_object());
    return out;
}

}  // namespace ptalk::api
