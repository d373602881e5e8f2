#pragma once
// ptalkd's configuration: flags > PTALK_* environment > defaults that work with
// no configuration at all (listen on 0.0.0.0:8000, data in ./ptalk-data).
#include <cstdint>
#include <string>

#include "api/api.hpp"
#include "api/secure_api.hpp"
#include "auth/admission.hpp"
#include "gateway/options.hpp"
#include "live/options.hpp"
#include "store/sqlite_store.hpp"
#include "updates/update_manager.hpp"

namespace ptalk::server {

// The firmware catalogue (issue 4): images under <data_dir>/firmware.
struct FirmwareConfig {
    std::uint64_t max_image_bytes = 6 * 1024 * 1024;  // the 16 MB board's OTA partition
};

// Who may talk to ptalkd (docs/SECURITY.md).
struct SecurityConfig {
    api::SecurityApiOptions api;  // api.auth = false is `--auth none`
    bool force_insecure = false;  // allow `--auth none` on a non-loopback address
    // Where the bootstrap admin token is read from / written to ("": <data_dir>/admin.token).
    std::string admin_token_file;
    auth::AdmissionOptions admission;
};

struct Config {
    std::string listen_address = "0.0.0.0";
    std::uint16_t port = 8000;
    std::string data_dir = "ptalk-data";
    std::string log_level = "info";
    unsigned threads = 0;  // I/O threads; 0 = one per core
    gateway::Options gateway;
    api::ApiOptions api;
    store::SqliteOptions sqlite;
    FirmwareConfig firmware;
    live::LiveOptions live;  // issue 6: events, desired state, jobs, webhooks
    SecurityConfig security;
    updates::OtaOptions ota;
};

}  // namespace ptalk::server
