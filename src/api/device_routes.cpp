// Read-only routes: the registry (in memory) and the audit log (store, on the blocking pool).
#include <boost/json/array.hpp>

#include "api/api.hpp"
#include "api/json_views.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string hex_encode(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);  // clang: no implicit sign change
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

std::optional<std::string> hex_decode(std::string_view s) {
    if (s.size() % 2 != 0 || s.size() > 1024) return std::nullopt;
    auto val = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = val(s[i]), lo = val(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

HttpResponse bad_param(const std::string& message) {
    return error_response(http::status::bad_request, "bad_parameter", message);
}

}  // namespace

HttpResponse Api::list_devices(const Target& t) const {
    fleet::DeviceQuery q;
    if (auto v = t.param("online")) {
        if (*v != "true" && *v != "false") return bad_param("online must be true or false");
        q.online = *v == "true";
    }
    if (auto v = t.param("firmware_version")) q.firmware_version = std::string(*v);
    if (auto v = t.param("name")) q.name_contains = std::string(*v);
    if (auto v = t.param("sort")) {
        if (*v == "id")
            q.sort = fleet::DeviceQuery::Sort::id;
        else if (*v == "name")
            q.sort = fleet::DeviceQuery::Sort::name;
        else if (*v == "last_seen")
            q.sort = fleet::DeviceQuery::Sort::last_seen;
        else
            return bad_param("sort must be id, name or last_seen");
    }
    if (auto v = t.param("order")) {
        if (*v != "asc" && *v != "desc") return bad_param("order must be asc or desc");
        q.descending = *v == "desc";
    }
    const auto limit = int_param(t, "limit", 1, 1000);
    if (!limit.error.empty()) return bad_param(limit.error);
    if (limit.value) q.limit = static_cast<std::size_t>(*limit.value);
    if (auto v = t.param("cursor")) {
        auto c = hex_decode(*v);
        if (!c) return bad_param("cursor is not one this server gave");
        q.cursor = std::move(*c);
    }
    const auto page = fleet_.devices(q);
    json::array items;
    items.reserve(page.devices.size());
    for (const auto& d : page.devices)
        items.push_back(device_json(d));
    json::object body{{"devices", std::move(items)}, {"total", page.total}};
    body["next_cursor"] =
        page.next_cursor.empty() ? json::value(nullptr) : json::value(hex_encode(page.next_cursor));
    return json_response(http::status::ok, body);
}

HttpResponse Api::get_device(const std::string& id) const {
    auto d = fleet_.device(id);
    if (!d) {
        return error_response(http::status::not_found, "unknown_device",
                              "no device " + id + " has ever connected");
    }
    auto body = device_json(*d);
    add_desired(body, id);
    return json_response(http::status::ok, body);
}

asio::awaitable<HttpResponse> Api::device_history(const Target& t, const std::string& id) {
    const auto limit = int_param(t, "limit", 1, 1000);
    if (!limit.error.empty()) co_return bad_param(limit.error);
    const auto before = int_param(t, "before", 0, INT64_MAX);
    if (!before.error.empty()) co_return bad_param(before.error);
    if (!fleet_.knows(id)) {
        co_return error_response(http::status::not_found, "unknown_device",
                                 "no device " + id + " has ever connected");
    }
    const auto n = static_cast<std::size_t>(limit.value.value_or(50));
    const auto before_id = static_cast<std::uint64_t>(before.value.value_or(0));
    const std::function<HttpResponse()> read = [this, id, n, before_id] {
        auto rows = store_.list_commands(id, before_id, n);
        if (!rows) {
            return error_response(http::status::service_unavailable, "store_unavailable",
                                  rows.error().message);
        }
        json::array items;
        for (auto& c : *rows) {
            // The one in flight: only its session knows when it was sent.
            if (!c.outcome && !c.sent_at) c.sent_at = fleet_.sent_at_ms(id, c.id);
            items.push_back(command_json(c));
        }
        json::object body{{"commands", std::move(items)}};
        body["next_before"] = rows->size() == n && !rows->empty() ? json::value(rows->back().id)
                                                                  : json::value(nullptr);
        return json_response(http::status::ok, body);
    };
    co_return co_await blocking(read);
}

asio::awaitable<HttpResponse> Api::get_command(std::uint64_t cid) {
    const std::function<HttpResponse()> read = [this, cid] {
        auto row = fleet_.command(cid);  // also one given a moment ago (?wait=false)
        if (!row) {
            return error_response(http::status::service_unavailable, "store_unavailable",
                                  row.error().message);
        }
        if (!*row) {
            return error_response(http::status::not_found, "unknown_command",
                                  "no command " + std::to_string(cid));
        }
        return json_response(http::status::ok, command_json(**row));
    };
    co_return co_await blocking(read);
}

}  // namespace ptalk::api
