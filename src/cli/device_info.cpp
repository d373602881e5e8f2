#include "cli/device_info.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/object.hpp>

#include "cli/did_you_mean.hpp"
#include "cli/exit_code.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::cli {

namespace json = boost::json;

namespace {

bool equal_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

DeviceInfo device_from_json(const json::value& v) {
    DeviceInfo d;
    if (!v.is_object()) return d;
    const auto& o = v.get_object();
    auto text = [&](std::string_view key) {
        const auto* f = o.if_contains(key);
        return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string{};
    };
    d.id = text("device_id");
    d.name = text("device_name");
    d.firmware = text("firmware_version");
    if (const auto* f = o.if_contains("online"); f != nullptr && f->is_bool())
        d.online = f->get_bool();
    if (const auto* f = o.if_contains("last_handshake_ms"); f != nullptr && f->is_int64())
        d.last_handshake_ms = f->get_int64();
    return d;
}

std::string label(const DeviceInfo& d) {
    return d.name.empty() ? d.id : d.name + " (" + d.id + ")";
}

bool came_back(const DeviceInfo& before, const DeviceInfo& now) noexcept {
    if (!now.online || !now.last_handshake_ms) return false;
    return !before.last_handshake_ms || *now.last_handshake_ms > *before.last_handshake_ms;
}

std::string unknown_device_message(std::string_view text, const std::vector<DeviceInfo>& devices) {
    std::vector<std::string> candidates;
    for (const auto& d : devices) {
        candidates.push_back(d.id);
        if (!d.name.empty()) candidates.push_back(d.name);
    }
    // Ids are compared without separators, so "24:a1:60:00:00:0" finds its device.
    std::string typed(text);
    if (typed.size() > 12 && typed.find_first_of(":-") != std::string::npos)
        std::erase_if(typed, [](char c) { return c == ':' || c == '-'; });
    std::vector<std::string> labels;
    for (const auto& s : nearest(typed, candidates)) {
        const auto it = std::find_if(devices.begin(), devices.end(),
                                     [&](const DeviceInfo& d) { return d.id == s || d.name == s; });
        const auto l = label(*it);
        if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
    }
    std::string msg = "unknown device '" + std::string(text.substr(0, 80)) + "'";
    if (labels.empty()) return msg + " (see `ptalk devices`)";
    msg += "; did you mean ";
    for (std::size_t i = 0; i < labels.size(); ++i)
        msg += (i == 0 ? "" : i + 1 == labels.size() ? " or " : ", ") + labels[i];
    return msg + "?";
}

const DeviceInfo& resolve_device(std::string_view text, const std::vector<DeviceInfo>& devices) {
    if (const auto id = protocol::normalize_device_id(text)) {
        const auto it = std::find_if(devices.begin(), devices.end(),
                                     [&](const DeviceInfo& d) { return d.id == *id; });
        if (it != devices.end()) return *it;
    }
    std::vector<const DeviceInfo*> named;
    for (const auto& d : devices)
        if (equal_nocase(d.name, text)) named.push_back(&d);
    if (named.size() == 1) return *named.front();
    if (named.size() > 1) {
        std::string ids;
        for (const auto* d : named)
            ids += (ids.empty() ? "" : ", ") + d->id;
        throw CliError(ExitCode::usage, std::to_string(named.size()) + " devices are named '" +
                                            std::string(text) + "' (" + ids +
                                            "): give the id instead");
    }
    throw CliError(ExitCode::not_found, unknown_device_message(text, devices));
}

}  // namespace ptalk::cli
