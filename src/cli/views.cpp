#include "cli/views.hpp"

#include <cmath>
#include <cstdio>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ptalk::cli {

namespace json = boost::json;

std::string text_of(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return std::string(v.get_string());
        case json::kind::int64:
            return std::to_string(v.get_int64());
        case json::kind::uint64:
            return std::to_string(v.get_uint64());
        case json::kind::double_: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", v.get_double());
            return buf;
        }
        case json::kind::bool_:
            return v.get_bool() ? "yes" : "no";
        case json::kind::null:
            return "-";
        default:
            return json::serialize(v);
    }
}

std::string field_text(const json::value& obj, std::string_view key) {
    if (!obj.is_object()) return "-";
    const auto* v = obj.get_object().if_contains(key);
    return v == nullptr ? "-" : text_of(*v);
}

std::int64_t field_int(const json::value& obj, std::string_view key, std::int64_t fallback) {
    if (!obj.is_object()) return fallback;
    const auto* v = obj.get_object().if_contains(key);
    return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
}

namespace {

bool has(const json::value& obj, std::string_view key) {
    if (!obj.is_object()) return false;
    const auto* v = obj.get_object().if_contains(key);
    return v != nullptr && !v->is_null();
}

// The non-null members of an object as "k=v k=v" (command parameters).
std::string params_text(const json::value& v) {
    if (!v.is_object()) return text_of(v);
    std::string out;
    for (const auto& kv : v.get_object())
        out += (out.empty() ? "" : " ") + std::string(kv.key()) + "=" + text_of(kv.value());
    return out;
}

}  // namespace

std::string format_age(std::int64_t now_ms, std::int64_t then_ms) {
    if (then_ms <= 0) return "-";
    const auto s = std::max<std::int64_t>(0, (now_ms - then_ms) / 1000);
    if (s < 60) return std::to_string(s) + "s ago";
    if (s < 3600) return std::to_string(s / 60) + "m ago";
    if (s < 86400) return std::to_string(s / 3600) + "h ago";
    return std::to_string(s / 86400) + "d ago";
}

std::string format_uptime(std::int64_t seconds) {
    if (seconds < 60) return std::to_string(seconds) + "s";
    if (seconds < 3600)
        return std::to_string(seconds / 60) + "m " + std::to_string(seconds % 60) + "s";
    if (seconds < 86400)
        return std::to_string(seconds / 3600) + "h " + std::to_string(seconds / 60 % 60) + "m";
    return std::to_string(seconds / 86400) + "d " + std::to_string(seconds / 3600 % 24) + "h";
}

Table device_table(const json::array& devices, std::int64_t now_ms) {
    Table t({"ID", "NAME", "ONLINE", "FIRMWARE", "VOLUME", "BRIGHTNESS", "BATTERY", "LAST SEEN"});
    for (const auto& d : devices) {
        const bool online = d.is_object() && d.get_object().contains("online") &&
                            d.at("online").is_bool() && d.at("online").get_bool();
        const auto battery = field_text(d, "battery_percent");
        t.add({field_text(d, "device_id"), field_text(d, "device_name"),
               online ? "online" : "offline", field_text(d, "firmware_version"),
               field_text(d, "volume"), field_text(d, "brightness"),
               battery == "-" ? battery : battery + "%",
               online ? "now" : format_age(now_ms, field_int(d, "last_seen_ms", 0))});
    }
    return t;
}

std::string device_details(const json::value& d, std::int64_t now_ms) {
    const bool online = field_text(d, "online") == "yes";
    Table t({"device", field_text(d, "device_id")});
    t.add({"mac", field_text(d, "mac")});
    t.add({"name", field_text(d, "device_name")});
    t.add({"online",
           online ? "yes"
                  : "no (last seen " + format_age(now_ms, field_int(d, "last_seen_ms", 0)) + ")"});
    t.add({"firmware", field_text(d, "firmware_version")});
    t.add({"volume", field_text(d, "volume")});
    t.add({"brightness", field_text(d, "brightness")});
    t.add({"battery", has(d, "battery_percent") ? field_text(d, "battery_percent") + "%" : "-"});
    t.add({"connectivity", field_text(d, "connectivity_state")});
    t.add({"uptime", has(d, "uptime_sec") ? format_uptime(field_int(d, "uptime_sec", 0)) : "-"});
    t.add({"address", field_text(d, "remote_addr")});
    t.add({"first seen", format_age(now_ms, field_int(d, "first_seen_ms", 0))});
    t.add({"last handshake", format_age(now_ms, field_int(d, "last_handshake_ms", 0))});
    t.add({"queued commands", field_text(d, "queue_length")});
    return t.render();
}

Table history_table(const json::array& commands, std::int64_t now_ms) {
    Table t({"ID", "WHEN", "COMMAND", "PARAMS", "BY", "OUTCOME", "LATENCY"});
    for (const auto& c : commands) {
        const auto outcome = field_text(c, "outcome");
        const auto latency = field_text(c, "latency_ms");
        t.add(
            {field_text(c, "id"), format_age(now_ms, field_int(c, "queued_at_ms", 0)),
             field_text(c, "cmd"),
             c.is_object() && c.get_object().contains("params") ? params_text(c.at("params")) : "",
             field_text(c, "requested_by"), outcome == "-" ? field_text(c, "state") : outcome,
             latency == "-" ? latency : latency + " ms"});
    }
    return t;
}

std::string outcome_text(const json::value& result) {
    const auto outcome = field_text(result, "outcome");
    if (!has(result, "latency_ms")) return outcome;
    const auto& l = result.at("latency_ms");
    const double ms = l.is_double()  ? l.get_double()
                      : l.is_int64() ? static_cast<double>(l.get_int64())
                                     : 0.0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", ms);
    return outcome + " (" + buf + " ms)";
}

std::string status_text(const json::value& s) {
    std::vector<std::string> parts;
    if (has(s, "device_name")) parts.push_back("name '" + field_text(s, "device_name") + "'");
    if (has(s, "volume")) parts.push_back("volume " + field_text(s, "volume"));
    if (has(s, "brightness")) parts.push_back("brightness " + field_text(s, "brightness"));
    if (has(s, "battery_percent"))
        parts.push_back("battery " + field_text(s, "battery_percent") + "%");
    if (has(s, "firmware_version"))
        parts.push_back("firmware " + field_text(s, "firmware_version"));
    if (has(s, "uptime_sec")) parts.push_back("up " + format_uptime(field_int(s, "uptime_sec", 0)));
    if (has(s, "connectivity_state")) parts.push_back(field_text(s, "connectivity_state"));
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ", ") + p;
    return out.empty() ? "-" : out;
}

}  // namespace ptalk::cli
