#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ptalk::core {

bool set_log_level(std::string_view level) {
    const auto l = spdlog::level::from_str(std::string(level));
    if (l == spdlog::level::off && level != "off") return false;
    spdlog::set_level(l);
    return true;
}

void init_logging(std::string_view level) {
    auto logger = spdlog::get("ptalk");
    if (!logger) logger = spdlog::stderr_color_mt("ptalk");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    if (!set_log_level(level)) spdlog::warn("unknown log level '{}', using info", level);
}

}  // namespace ptalk::core
