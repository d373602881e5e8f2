#include "cli/api_error.hpp"

#include <boost/json/object.hpp>

namespace ptalk::cli {

namespace json = boost::json;

namespace {

std::string str(const json::object* o, std::string_view key) {
    if (o == nullptr) return {};
    const auto* v = o->if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

const json::object* object_at(const json::value& v, std::string_view key) {
    if (!v.is_object()) return nullptr;
    const auto* m = v.get_object().if_contains(key);
    return m != nullptr && m->is_object() ? &m->get_object() : nullptr;
}

// What the device itself said, from the command's reply (beside "error"): " (device: Invalid
// volume)".
std::string device_words(const json::value& body) {
    const auto* command = object_at(body, "command");
    if (command == nullptr) return {};
    const auto* reply = command->if_contains("reply");
    if (reply == nullptr || !reply->is_object()) return {};
    const auto msg = str(&reply->get_object(), "message");
    return msg.empty() ? std::string{} : " (device: " + msg + ")";
}

std::string who(const FailureContext& ctx) {
    return ctx.device.empty() ? std::string("the device") : "device " + ctx.device;
}

// config_incomplete: which settings went through and which did not.
std::string config_results(const json::value& body) {
    if (!body.is_object()) return {};
    const auto* results = body.get_object().if_contains("results");
    if (results == nullptr || !results->is_array()) return {};
    std::string out;
    for (const auto& r : results->get_array()) {
        if (!r.is_object()) continue;
        if (!out.empty()) out += ", ";
        out += str(&r.get_object(), "cmd") + " " + str(&r.get_object(), "outcome");
    }
    return out;
}

}  // namespace

ApiErrorBody read_error_body(const json::value& body) {
    const auto* err = object_at(body, "error");
    return {str(err, "code"), str(err, "message")};
}

CliError not_offered_yet(const std::string& feature) {
    return CliError(ExitCode::not_found,
                    "this server does not offer " + feature + " yet (nothing was sent)");
}

CliError describe_failure(unsigned status, const json::value& body, const FailureContext& ctx) {
    const auto [code, message] = read_error_body(body);
    const auto d = who(ctx);
    if (status == 401) {
        return {ExitCode::unauthorized,
                "the server wants a valid API token (" +
                    (message.empty() ? std::string("HTTP 401") : message) +
                    "): give --token or PTALK_TOKEN, or run ptalk on the server's machine "
                    "(docs/SECURITY.md)"};
    }
    if (status == 403) {
        const auto* o = body.is_object() ? &body.get_object() : nullptr;
        const auto scope = str(o, "required_scope");
        return {ExitCode::unauthorized,
                scope.empty() ? "the API token may not do this (HTTP 403)"
                              : "this needs an API token of scope " + scope + " (" + message + ")"};
    }
    if (!ctx.feature.empty() && ((status == 404 && (code == "not_found" || code.empty())) ||
                                 status == 501 || code == "ota_unavailable")) {
        return not_offered_yet(ctx.feature);
    }
    if (code == "offline") return {ExitCode::refused, d + " is offline"};
    if (code == "disconnected") return {ExitCode::refused, d + " disconnected before answering"};
    if (code == "timeout") {
        const auto* command = object_at(body, "command");
        const auto* sent = command != nullptr ? command->if_contains("sent") : nullptr;
        if (sent != nullptr && sent->is_bool() && !sent->as_bool()) {
            return {ExitCode::refused, "the command timed out waiting behind " + d +
                                           "'s earlier commands; it was not sent"};
        }
        return {ExitCode::refused, d + " did not answer in time"};
    }
    if (code == "device_busy") return {ExitCode::refused, d + " is busy"};
    if (code == "queue_full") return {ExitCode::refused, d + " has too many commands queued"};
    if (code == "invalid_param" && status == 422)
        return {ExitCode::refused, d + " refused a parameter" + device_words(body)};
    if (code == "invalid_command" && status == 422)
        return {ExitCode::refused, d + " does not know this command" + device_words(body)};
    if (code == "not_supported") return {ExitCode::refused, d + " does not support this"};
    if (code == "error" && status == 502)
        return {ExitCode::refused, d + " reported an error" + device_words(body)};
    if (code == "config_incomplete") {
        const auto results = config_results(body);
        return {ExitCode::refused,
                "not every setting was applied to " + d + (results.empty() ? "" : ": " + results)};
    }
    if (code == "not_allowed" || code == "wifi_over_ble") return {ExitCode::usage, message};
    if (code == "unknown_device") {
        return {ExitCode::not_found, "unknown device " +
                                         (ctx.device.empty() ? std::string("") : ctx.device + " ") +
                                         "(it has never connected)"};
    }
    const std::string said =
        message.empty() ? std::string("HTTP ") + std::to_string(status) : message;
    if (status == 404) return {ExitCode::not_found, said};
    if (status == 400 || status == 405 || status == 413 || status == 422)
        return {ExitCode::usage, "the server refused the request: " + said};
    if (status == 409 || status == 429 || status == 504) return {ExitCode::refused, said};
    return {ExitCode::server_error, "the server failed" + (message.empty() ? "" : ": " + message) +
                                        " (HTTP " + std::to_string(status) + ")"};
}

}  // namespace ptalk::cli
