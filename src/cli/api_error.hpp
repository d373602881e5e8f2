#pragma once
// Turns an API error answer into one readable line and an exit code (docs/CLI.md).
// Pure: no I/O.
#include <string>

#include <boost/json/value.hpp>

#include "cli/exit_code.hpp"

namespace ptalk::cli {

struct FailureContext {
    std::string device;   // "Kitchen (24a160000000)", or empty
    std::string feature;  // "firmware updates": a 404 endpoint or 501 means "not offered yet"
};

// The error code and message of {"error":{"code","message"}}, or empty strings.
struct ApiErrorBody {
    std::string code;
    std::string message;
};
[[nodiscard]] ApiErrorBody read_error_body(const boost::json::value& body);

// The one-line error for a non-2xx answer.
[[nodiscard]] CliError describe_failure(unsigned status, const boost::json::value& body,
                                        const FailureContext& ctx);

// A feature the server does not offer yet (the issue that brings it is named).
[[nodiscard]] CliError not_offered_yet(const std::string& feature);

}  // namespace ptalk::cli
