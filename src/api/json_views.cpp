#include "api/json_views.hpp"

#include <boost/json/parse.hpp>

#include "protocol/commands.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::api {
namespace json = boost::json;

namespace {

template <class T>
json::value opt(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

// Stored JSON text back to a value; text that does not parse is kept as a string.
json::value stored_json(const std::string& text) {
    json::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(text) : v;
}

}  // namespace

json::object device_json(const fleet::DeviceView& v) {
    const auto& d = v.record;
    json::object o;
    o["device_id"] = d.id;
    o["mac"] = protocol::format_mac(d.id);
    o["online"] = d.online;
    o["device_name"] = opt(d.name);
    o["firmware_version"] = opt(d.firmware_version);
    o["battery_percent"] = opt(d.battery_percent);
    o["connectivity_state"] = opt(d.connectivity_state);
    o["volume"] = opt(d.volume);
    o["brightness"] = opt(d.brightness);
    o["uptime_sec"] = opt(d.uptime_sec);
    o["remote_addr"] = opt(d.remote_addr);
    o["first_seen_ms"] = d.first_seen;
    o["last_seen_ms"] = d.last_seen;
    o["last_handshake_ms"] = opt(d.last_handshake);
    o["queue_length"] = v.queue_length;
    return o;
}

json::object command_json(const store::CommandRecord& c) {
    json::object o;
    o["id"] = c.id;
    o["device_id"] = c.device_id;
    o["cmd"] = c.cmd;
    o["params"] = stored_json(c.params);
    o["requested_by"] = c.requested_by;
    o["state"] = c.outcome ? (*c.outcome == "expired" ? "expired" : "finished")
                           : (c.sent_at ? "sent" : "queued");
    o["outcome"] = opt(c.outcome);
    o["reply"] = c.reply ? stored_json(*c.reply) : json::value(nullptr);
    o["queued_at_ms"] = c.queued_at;
    o["sent_at_ms"] = opt(c.sent_at);
    o["finished_at_ms"] = opt(c.finished_at);
    o["latency_ms"] = opt(c.latency_ms);
    return o;
}

json::object result_json(const std::string& device_id, const fleet::CommandResult& r) {
    const auto& c = r.completion;
    json::object o;
    o["id"] = r.id;
    o["device_id"] = device_id;
    o["cmd"] = protocol::to_string(c.kind);
    o["outcome"] = dispatch::to_string(c.outcome);
    o["reply"] = c.reply ? stored_json(c.reply->raw) : json::value(nullptr);
    o["sent"] = c.sent_at.has_value();  // false: it ended while still queued
    if (c.sent_at) {
        o["latency_ms"] = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  c.finished_at - *c.sent_at)
                                                  .count()) /
                          1000.0;
    } else {
        o["latency_ms"] = nullptr;
    }
    return o;
}

}  // namespace ptalk::api
