#pragma once
// Small helpers for JSON over HTTP: responses, errors, query strings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>

#include "gateway/http_handler.hpp"

namespace ptalk::api {

using gateway::HttpRequest;
using gateway::HttpResponse;
namespace http = boost::beast::http;

[[nodiscard]] HttpResponse json_response(http::status status, const boost::json::value& body);
// {"error":{"code":…,"message":…}} (+ extra members of `extra`, if an object).
[[nodiscard]] HttpResponse error_response(http::status status, std::string_view code,
                                          std::string_view message,
                                          const boost::json::value& extra = nullptr);
// 405 with the Allow header ("GET, POST").
[[nodiscard]] HttpResponse method_not_allowed(std::string_view allow);
// 503: the store cannot write (the message says why).
[[nodiscard]] HttpResponse store_unavailable_response(std::string_view why);
[[nodiscard]] HttpResponse text_response(http::status status, std::string body,
                                         std::string_view content_type);

// A parsed request target: path segments (percent-decoded) and query parameters.
struct Target {
    std::vector<std::string> segments;
    std::vector<std::pair<std::string, std::string>> params;

    [[nodiscard]] std::optional<std::string_view> param(std::string_view key) const;
};
// Nothing for a target that is not a valid origin-form URL.
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);

// An integer query parameter within [lo, hi]; error text on failure.
struct IntParam {
    std::optional<long long> value;
    std::string error;
};
[[nodiscard]] IntParam int_param(const Target& t, std::string_view key, long long lo, long long hi);

// Parses a JSON request body: an object, or an error response to send.
struct JsonBody {
    boost::json::object object;
    std::optional<HttpResponse> error;
};
[[nodiscard]] JsonBody parse_json_body(const HttpRequest& req, bool allow_empty);

}  // namespace ptalk::api
