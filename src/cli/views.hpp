#pragma once
// How API objects read for people: device tables, details, command outcomes,
// the audit log. Pure: JSON in, text out.
#include <cstdint>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "cli/table.hpp"

namespace ptalk::cli {

// A JSON scalar as text: strings as they are, numbers, "yes"/"no", "-" for null.
[[nodiscard]] std::string text_of(const boost::json::value& v);
// A member of an object as text ("-" when absent).
[[nodiscard]] std::string field_text(const boost::json::value& obj, std::string_view key);

// An integer member of an object, or `fallback`.
[[nodiscard]] std::int64_t field_int(const boost::json::value& obj, std::string_view key,
                                     std::int64_t fallback = 0);

// "12s ago", "5m ago", "3h ago", "2d ago"; "-" without a time.
[[nodiscard]] std::string format_age(std::int64_t now_ms, std::int64_t then_ms);
// "45s", "2m 10s", "3h 4m", "5d 2h".
[[nodiscard]] std::string format_uptime(std::int64_t seconds);

[[nodiscard]] Table device_table(const boost::json::array& devices, std::int64_t now_ms);
[[nodiscard]] std::string device_details(const boost::json::value& device, std::int64_t now_ms);
[[nodiscard]] Table history_table(const boost::json::array& commands, std::int64_t now_ms);

// "ok (3.2 ms)" for a command result of the API.
[[nodiscard]] std::string outcome_text(const boost::json::value& result);
// "volume 75, brightness 80, battery 93%, firmware 1.0.5, up 2m 10s, connected"
// from a request_status reply (or a device object).
[[nodiscard]] std::string status_text(const boost::json::value& state);

}  // namespace ptalk::cli
