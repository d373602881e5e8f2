#include "cli/api.hpp"

#include <cctype>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/exit_code.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::cli {

namespace json = boost::json;
namespace http = boost::beast::http;

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

std::string device_list_path(const DeviceFilter& f) {
    std::string q;
    auto add = [&](std::string_view key, std::string_view value) {
        q += (q.empty() ? "?" : "&") + std::string(key) + "=" + percent_encode(value);
    };
    if (f.online) add("online", *f.online ? "true" : "false");
    if (f.firmware) add("firmware_version", *f.firmware);
    if (f.name) add("name", *f.name);
    if (f.sort) add("sort", *f.sort);
    if (f.descending) add("order", "desc");
    add("limit", std::to_string(f.limit));
    if (!f.cursor.empty()) add("cursor", f.cursor);
    return "/api/v1/devices" + q;
}

std::string device_path(const std::string& id) {
    return "/api/v1/devices/" + id;
}

json::value Api::call(http::verb method, const std::string& path, std::string_view body,
                      const FailureContext& ctx) {
    auto r = http_.request(method, path, body);
    if (r.status / 100 != 2) {
        if (echo_errors_ != nullptr && !r.json.is_null())
            *echo_errors_ << json::serialize(r.json) << '\n';
        throw describe_failure(r.status, r.json, ctx);
    }
    return std::move(r.json);
}

void Api::require_endpoint(const std::string& path, const std::string& feature) {
    const auto r = http_.get(path);
    if (r.status == 404 || r.status == 501) {
        const auto err = read_error_body(r.json);
        if (r.status == 501 || err.code == "not_found" || err.code.empty())
            throw not_offered_yet(feature);
    }
}

DevicePage Api::list_devices(const DeviceFilter& f) {
    auto v = get(device_list_path(f));
    DevicePage page;
    if (!v.is_object() || !v.get_object().contains("devices")) {
        throw CliError(ExitCode::server_error,
                       "the server's device list is not what ptalk expects");
    }
    auto& o = v.get_object();
    if (o["devices"].is_array()) page.devices = std::move(o["devices"].get_array());
    if (o["total"].is_int64()) page.total = static_cast<std::size_t>(o["total"].get_int64());
    if (o["next_cursor"].is_string()) page.next_cursor = std::string(o["next_cursor"].get_string());
    return page;
}

json::array Api::all_devices(DeviceFilter f) {
    json::array all;
    for (;;) {
        auto page = list_devices(f);
        for (auto& d : page.devices)
            all.push_back(std::move(d));
        if (page.next_cursor.empty()) return all;
        f.cursor = page.next_cursor;
    }
}

std::vector<DeviceInfo> Api::device_infos() {
    DeviceFilter f;
    f.limit = 1000;
    std::vector<DeviceInfo> out;
    for (const auto& d : all_devices(f))
        out.push_back(device_from_json(d));
    return out;
}

json::value Api::device(const std::string& id) {
    return get(device_path(id), {id, {}});
}

ResolvedDevice Api::resolve(std::string_view text) {
    if (const auto id = protocol::normalize_device_id(text)) {
        auto r = http_.get(device_path(*id));
        if (r.status == 200) return {device_from_json(r.json), std::move(r.json)};
        if (r.status != 404) throw describe_failure(r.status, r.json, {*id, {}});
        throw CliError(ExitCode::not_found, unknown_device_message(text, device_infos()));
    }
    // A name: the server narrows by substring, the exact match is chosen here.
    DeviceFilter f;
    f.name = std::string(text);
    f.limit = 1000;
    std::vector<DeviceInfo> named;
    for (const auto& d : all_devices(f))
        named.push_back(device_from_json(d));
    try {
        const auto& found = resolve_device(text, named);
        return {found, device(found.id)};
    } catch (const CliError& e) {
        if (e.code() != ExitCode::not_found) throw;
    }
    throw CliError(ExitCode::not_found, unknown_device_message(text, device_infos()));
}

}  // namespace ptalk::cli
