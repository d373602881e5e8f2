#pragma once
// How devices and commands look in the API's JSON.
#include <boost/json/value.hpp>

#include "fleet/fleet.hpp"
#include "store/store.hpp"

namespace ptalk::api {

[[nodiscard]] boost::json::object device_json(const fleet::DeviceView& d);
[[nodiscard]] boost::json::object command_json(const store::CommandRecord& c);
[[nodiscard]] boost::json::object result_json(const std::string& device_id,
                                              const fleet::CommandResult& r);

}  // namespace ptalk::api
