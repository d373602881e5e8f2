#pragma once
// JSON as the firmware writes it: cJSON_Print's formatted output (a newline
// after '{' and each member, a tab before each key and after each colon).
#include <string>

#include <boost/json/object.hpp>

namespace ptalk::sim {

[[nodiscard]] std::string cjson_print(const boost::json::object& o);

}  // namespace ptalk::sim
