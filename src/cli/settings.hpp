#pragma once
// Where the server is and which token to send: flags beat the environment,
// which beats ~/.config/ptalk/config (key = value lines).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ptalk::cli {

inline constexpr std::string_view default_server = "http://127.0.0.1:8000";

struct Settings {
    std::string server{default_server};
    std::string token;    // empty: no Authorization header
    std::string ca_file;  // https: certificates to trust besides the system's
};

// "key = value" lines; '#' starts a comment line; values may be quoted.
// Throws CliError(usage) naming the line of anything else.
[[nodiscard]] std::map<std::string, std::string> parse_config_text(std::string_view text,
                                                                   std::string_view origin);

// $XDG_CONFIG_HOME/ptalk/config, or ~/.config/ptalk/config; empty when neither is known.
[[nodiscard]] std::filesystem::path default_config_path();

// What the user gave on the command line (nothing: not given).
struct SettingsOverrides {
    std::optional<std::string> server;
    std::optional<std::string> token;
    std::optional<std::filesystem::path> config_file;  // --config: must exist
    // Where the local ptalkd keeps its data (its admin.token is used when nothing
    // else gives a token and the server is on this machine).
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::string> ca_file;  // --ca-file
};

// ptalkd's default data directory (relative to where it runs).
inline constexpr std::string_view default_data_dir = "ptalk-data";

// Resolves the settings: flag, else PTALK_SERVER / PTALK_TOKEN, else the config
// file (keys "server" and "token"), else the defaults. With no token from any of
// those and a server on a loopback address, the token is read from
// <data dir>/admin.token (--data-dir, PTALK_DATA_DIR, else ./ptalk-data): the
// admin token ptalkd writes on its first start (docs/SECURITY.md). A remote
// server never gets that file's token.
[[nodiscard]] Settings load_settings(const SettingsOverrides& given);

// True for localhost, 127.x.y.z and ::1.
[[nodiscard]] bool is_loopback_host(std::string_view host);

}  // namespace ptalk::cli
