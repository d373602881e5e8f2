#include "live/sse_format.hpp"

#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace ptalk::live {

namespace json = boost::json;

bool EventMatch::matches(const store::EventRecord& e) const {
    if (device_id && e.device_id != device_id) return false;
    if (type_prefixes.empty()) return true;
    for (const auto& p : type_prefixes)
        if (e.type.compare(0, p.size(), p) == 0) return true;
    return false;
}

std::string event_json(const store::EventRecord& e) {
    json::object o;
    o["id"] = e.id;
    o["time_ms"] = e.time;
    o["device_id"] = e.device_id ? json::value(*e.device_id) : json::value(nullptr);
    o["type"] = e.type;
    json::error_code ec;
    auto data = json::parse(e.data, ec);
    o["data"] = ec ? json::value(e.data) : std::move(data);
    return json::serialize(o);
}

std::string format_sse(const store::EventRecord& e) {
    std::string out = "id: " + std::to_string(e.id) + "\nevent: ";
    // A type is ours ("device.online"); still, never let a newline end the field.
    for (char c : e.type)
        out.push_back(c == '\n' || c == '\r' ? ' ' : c);
    out += '\n';
    const std::string data = event_json(e);
    std::size_t start = 0;
    for (;;) {
        const auto nl = data.find('\n', start);
        out += "data: ";
        out.append(data, start, nl == std::string::npos ? std::string::npos : nl - start);
        out += '\n';
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    out += '\n';
    return out;
}

std::string format_sse_comment(std::string_view text) {
    std::string out = ": ";
    for (char c : text)
        out.push_back(c == '\n' || c == '\r' ? ' ' : c);
    out += "\n\n";
    return out;
}

ResumePoint resume_point(std::optional<std::string_view> last_event_id,
                         std::optional<std::string_view> after_param) {
    ResumePoint r;
    auto v = last_event_id && !last_event_id->empty() ? last_event_id : after_param;
    if (!v) return r;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size()) {
        r.error = "Last-Event-ID and after are event ids: non-negative integers";
        return r;
    }
    r.after = n;
    return r;
}

}  // namespace ptalk::live
