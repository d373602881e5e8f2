#include "cli/settings.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/exit_code.hpp"
#include "cli/server_url.hpp"

namespace ptalk::cli {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

// The admin token a ptalkd on this machine wrote, when the server is local.
std::string local_admin_token(const SettingsOverrides& given, const std::string& server) {
    std::string host;
    try {
        host = parse_server_url(server).host;
    } catch (const std::exception&) {
        return {};  // the bad URL is reported when it is used
    }
    if (!is_loopback_host(host)) return {};
    std::filesystem::path dir = std::filesystem::path(default_data_dir);
    if (given.data_dir) {
        dir = *given.data_dir;
    } else if (auto e = env("PTALK_DATA_DIR")) {
        dir = *e;
    }
    std::ifstream in(dir / "admin.token");
    std::string token;
    if (!in || !std::getline(in, token)) return {};
    return std::string(trim(token));
}

}  // namespace

std::map<std::string, std::string> parse_config_text(std::string_view text,
                                                     std::string_view origin) {
    std::map<std::string, std::string> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        const auto key = trim(line.substr(0, eq));
        if (eq == std::string_view::npos || key.empty()) {
            throw CliError(ExitCode::usage, std::string(origin) + ":" + std::to_string(line_no) +
                                                ": expected 'key = value'");
        }
        auto value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[std::string(key)] = std::string(value);
    }
    return out;
}

std::filesystem::path default_config_path() {
    if (auto xdg = env("XDG_CONFIG_HOME")) return std::filesystem::path(*xdg) / "ptalk" / "config";
    if (auto home = env("HOME"))
        return std::filesystem::path(*home) / ".config" / "ptalk" / "config";
    return {};
}

Settings load_settings(const SettingsOverrides& given) {
    std::map<std::string, std::string> file;
    const auto path = given.config_file.value_or(default_config_path());
    if (!path.empty()) {
        std::ifstream in(path);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            file = parse_config_text(ss.str(), path.string());
        } else if (given.config_file) {
            throw CliError(ExitCode::usage, "cannot read the config file " + path.string());
        }
    }
    Settings s;
    auto pick = [&](const std::optional<std::string>& flag, const char* env_name,
                    const char* key) -> std::optional<std::string> {
        if (flag) return flag;
        if (auto e = env(env_name)) return e;
        if (auto it = file.find(key); it != file.end()) return it->second;
        return std::nullopt;
    };
    if (auto v = pick(given.server, "PTALK_SERVER", "server")) s.server = *v;
    if (auto v = pick(given.token, "PTALK_TOKEN", "token")) s.token = *v;
    if (auto v = pick(given.ca_file, "PTALK_CA_FILE", "ca_file")) s.ca_file = *v;
    if (s.token.empty()) s.token = local_admin_token(given, s.server);
    return s;
}

bool is_loopback_host(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace ptalk::cli
