#include "sim/device_settings.hpp"

#include <boost/json/object.hpp>

namespace ptalk::sim {
namespace json = boost::json;

json::value to_json(const DeviceSettings& s) {
    return json::object{{"device_name", s.name},
                        {"volume", s.volume},
                        {"brightness", s.brightness},
                        {"firmware_version", s.firmware_version}};
}

DeviceSettings settings_from_json(const json::value& v, const DeviceSettings& defaults) {
    DeviceSettings s = defaults;
    const auto* o = v.if_object();
    if (o == nullptr) return s;
    if (const auto* p = o->if_contains("device_name"); p && p->is_string())
        s.name = std::string(p->get_string());
    if (const auto* p = o->if_contains("volume"); p && p->is_int64())
        s.volume = static_cast<int>(p->get_int64());
    if (const auto* p = o->if_contains("brightness"); p && p->is_int64())
        s.brightness = static_cast<int>(p->get_int64());
    if (const auto* p = o->if_contains("firmware_version"); p && p->is_string())
        s.firmware_version = std::string(p->get_string());
    return s;
}

}  // namespace ptalk::sim
