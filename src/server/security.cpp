// ptalkd's security wiring (docs/SECURITY.md): the token registry and its
// bootstrap admin token, device admission, and the API's authenticating front.
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>

#include "server/server.hpp"

#include "gateway/device_session.hpp"

namespace ptalk::server {

std::optional<std::string> Server::start_security() {
    auto& sec = config_.security;
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(config_.listen_address, ec);
    const bool loopback = !ec && addr.is_loopback();
    if (!sec.api.auth) {
        if (!loopback && !sec.force_insecure) {
            return fmt::format(
                "refusing --auth none on {}: anyone who reaches this address could reboot and "
                "re-flash the fleet. Listen on 127.0.0.1, or add --force-insecure",
                config_.listen_address);
        }
        spdlog::warn("*************************************************************");
        spdlog::warn("AUTHENTICATION IS OFF (--auth none): every API call is allowed");
        spdlog::warn("listening on {}{}", config_.listen_address,
                     loopback ? " (loopback only)" : " -- NOT loopback, --force-insecure given");
        spdlog::warn("*************************************************************");
    }

    tokens_ = std::make_unique<auth::TokenRegistry>(store_);
    if (auto st = tokens_->load(); !st) return "cannot load the API tokens: " + st.message;
    const std::filesystem::path token_file =
        sec.admin_token_file.empty() ? std::filesystem::path(config_.data_dir) / "admin.token"
                                     : std::filesystem::path(sec.admin_token_file);
    auto boot = tokens_->bootstrap_admin(token_file);
    if (!boot) return "cannot set up the admin token: " + boot.error().message;
    switch (*boot) {
        case auth::Bootstrap::created:
            spdlog::warn(
                "created an admin API token in {} (owner-only); `ptalk` on this machine "
                "finds it there. Make more with `ptalk token create`",
                std::filesystem::absolute(token_file).string());
            break;
        case auth::Bootstrap::imported:
            spdlog::info("admin API token taken from {}", token_file.string());
            break;
        case auth::Bootstrap::existing:
            break;
    }

    admission_ = std::make_unique<auth::Admission>(store_, *tokens_, metrics_, sec.admission);
    if (auto st = admission_->load(); !st) return "cannot load the device allowlist: " + st.message;
    if (sec.admission.mode == auth::AdmissionMode::open) {
        spdlog::info(
            "device admission: open (any device that hand-shakes is accepted; "
            "see --admission)");
    } else {
        spdlog::info("device admission: {} ({} devices on the allowlist{})",
                     auth::to_string(sec.admission.mode), admission_->allowlist().size(),
                     sec.admission.fleet_token.empty() ? "" : ", fleet token set");
        config_.gateway.admit = [a = admission_.get()](const std::string& id,
                                                       std::string_view token,
                                                       const std::string& remote) {
            return a->admit(id, token, remote);
        };
    }
    secure_api_ = std::make_unique<api::SecureApi>(*api_, *tokens_, *admission_, store_, metrics_,
                                                   blocking_, sec.api);
    secure_api_->on_admission_withdrawn([fleet = fleet_.get()](const std::string& id) {
        if (auto s = fleet->session(id)) s->drop(gateway::CloseReason::refused);
    });
    return std::nullopt;
}

}  // namespace ptalk::server
