#pragma once
// ptalkd's firmware-update flags (docs/OTA.md).
#include <CLI/CLI.hpp>

#include "updates/update_manager.hpp"

namespace ptalk::server {

void add_ota_options(CLI::App& app, updates::OtaOptions& o);

}  // namespace ptalk::server
