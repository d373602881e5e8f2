#pragma once
// Structured logging: one line per event, key=value pairs after the message.
#include <string_view>

#include <spdlog/spdlog.h>

namespace ptalk::core {

// "trace" … "off"; unknown names keep "info". Returns false for an unknown name.
bool set_log_level(std::string_view level);
// Installs the process-wide logger (stderr, one line per event, ISO time).
void init_logging(std::string_view level);

}  // namespace ptalk::core
