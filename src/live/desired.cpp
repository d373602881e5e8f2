#include "live/desired.hpp"

#include <algorithm>

#include <boost/json/value.hpp>

namespace ptalk::live {

namespace json = boost::json;

std::string_view to_string(Setting s) noexcept {
    switch (s) {
        case Setting::volume:
            return "volume";
        case Setting::brightness:
            return "brightness";
        case Setting::device_name:
            return "device_name";
    }
    return "volume";
}

namespace {

std::size_t index(Setting s) {
    return static_cast<std::size_t>(s);
}

std::optional<int> int_field(const json::value& v, std::string_view name, std::string& error) {
    if (!v.is_int64() && !v.is_uint64()) {
        error = std::string(name) + " must be an integer from 0 to 100";
        return std::nullopt;
    }
    const auto n = v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
    if (n < 0 || n > 100 || (v.is_uint64() && v.get_uint64() > 100)) {
        error = std::string(name) + " must be an integer from 0 to 100";
        return std::nullopt;
    }
    return static_cast<int>(n);
}

json::value to_json(const SettingValue& v, Setting s) {
    if (!v) return nullptr;
    if (s == Setting::device_name) return json::value(*v);
    return json::value(std::stoll(*v));
}

}  // namespace

DesiredPatch parse_desired_patch(const json::object& body, std::string& error) {
    DesiredPatch p;
    error.clear();
    for (const auto& kv : body) {
        const auto key = kv.key();
        const auto& v = kv.value();
        if (key == "volume" || key == "brightness") {
            std::optional<int> val;
            if (!v.is_null()) {
                val = int_field(v, key, error);
                if (!error.empty()) return {};
            }
            (key == "volume" ? p.volume : p.brightness) = val;
        } else if (key == "device_name") {
            if (v.is_null()) {
                p.device_name = std::optional<std::string>{};
                continue;
            }
            std::string what;
            auto c =
                protocol::make_command("set_device_name", json::object{{"device_name", v}}, &what);
            if (!c) {
                error = what.empty() ? "device_name must be a non-empty string" : what;
                return {};
            }
            p.device_name = std::optional<std::string>(std::string(v.get_string()));
        } else {
            error = "desired state takes volume, brightness and device_name, not '" +
                    std::string(key.substr(0, 64)) + "'";
            return {};
        }
    }
    if (!p.volume && !p.brightness && !p.device_name)
        error = "give at least one of volume, brightness, device_name";
    return p;
}

bool apply_patch(DesiredState& d, const DesiredPatch& p, store::UnixMillis now,
                 const std::string& by) {
    bool changed = false;
    auto set = [&](auto& field, const auto& value, Setting s) {
        if (!value || field == *value) return;
        field = *value;
        d.synced[index(s)] = false;
        changed = true;
    };
    set(d.record.volume, p.volume, Setting::volume);
    set(d.record.brightness, p.brightness, Setting::brightness);
    set(d.record.device_name, p.device_name, Setting::device_name);
    if (!changed) return false;
    ++d.record.version;
    d.record.updated_at = now;
    d.record.updated_by = by;
    return true;
}

SettingValue desired_value(const store::DesiredRecord& d, Setting s) {
    switch (s) {
        case Setting::volume:
            return d.volume ? SettingValue(std::to_string(*d.volume)) : std::nullopt;
        case Setting::brightness:
            return d.brightness ? SettingValue(std::to_string(*d.brightness)) : std::nullopt;
        case Setting::device_name:
            return d.device_name;
    }
    return std::nullopt;
}

SettingValue reported_value(const store::DeviceRecord& r, Setting s) {
    switch (s) {
        case Setting::volume:
            return r.volume ? SettingValue(std::to_string(*r.volume)) : std::nullopt;
        case Setting::brightness:
            return r.brightness ? SettingValue(std::to_string(*r.brightness)) : std::nullopt;
        case Setting::device_name:
            return r.name;
    }
    return std::nullopt;
}

Observation observe(DesiredState& d, const store::DeviceRecord& reported, DriftPolicy policy,
                    store::UnixMillis now) {
    Observation o;
    for (Setting s : all_settings) {
        const auto want = desired_value(d.record, s);
        const auto got = reported_value(reported, s);
        if (!want || !got) continue;
        bool& synced = d.synced[index(s)];
        if (*want == *got) {
            synced = true;
            continue;
        }
        if (!synced) continue;  // not applied yet: pending, not drift
        o.drifted.push_back(s);
        if (policy == DriftPolicy::adopt) {
            switch (s) {
                case Setting::volume:
                    d.record.volume = reported.volume;
                    break;
                case Setting::brightness:
                    d.record.brightness = reported.brightness;
                    break;
                case Setting::device_name:
                    d.record.device_name = reported.name;
                    break;
            }
            o.desired_changed = true;
        } else {
            synced = false;  // enforce: pending again
        }
    }
    if (o.desired_changed) {
        ++d.record.version;
        d.record.updated_at = now;
        d.record.updated_by = "drift:adopt";
    }
    return o;
}

std::vector<PendingCommand> pending_commands(DesiredState& d, const store::DeviceRecord& reported,
                                             const std::vector<Setting>& in_flight) {
    std::vector<PendingCommand> out;
    for (Setting s : all_settings) {
        const auto want = desired_value(d.record, s);
        if (!want) continue;
        bool& synced = d.synced[index(s)];
        if (synced) continue;
        if (reported_value(reported, s) == want) {
            synced = true;
            continue;
        }
        if (std::find(in_flight.begin(), in_flight.end(), s) != in_flight.end()) continue;
        switch (s) {
            case Setting::volume:
                out.push_back({s, protocol::make_set_volume(*d.record.volume).value()});
                break;
            case Setting::brightness:
                out.push_back({s, protocol::make_set_brightness(*d.record.brightness).value()});
                break;
            case Setting::device_name:
                out.push_back(
                    {s, protocol::make_command("set_device_name",
                                               json::object{{"device_name", *d.record.device_name}})
                            .value()});
                break;
        }
    }
    return out;
}

json::object desired_json(const DesiredState& d) {
    json::object o;
    for (Setting s : all_settings)
        o[to_string(s)] = to_json(desired_value(d.record, s), s);
    o["version"] = d.record.version;
    o["updated_at_ms"] = d.record.updated_at;
    o["updated_by"] = d.record.updated_by;
    return o;
}

json::object sync_json(const DesiredState& d, const store::DeviceRecord& reported) {
    json::object o;
    for (Setting s : all_settings) {
        const auto want = desired_value(d.record, s);
        if (!want) continue;
        const auto got = reported_value(reported, s);
        o[to_string(s)] = json::object{
            {"desired", to_json(want, s)}, {"reported", to_json(got, s)}, {"in_sync", got == want}};
    }
    return o;
}

}  // namespace ptalk::live
