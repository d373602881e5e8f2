#pragma once
// Which devices may connect (docs/SECURITY.md, "Device admission"):
//   open      - any device that hand-shakes (the seed-compatible default; logged)
//   allowlist - only ids registered with POST /api/v1/devices
//   token     - the WebSocket URL carries ?token=: the fleet token, or a device
//               token (POST /api/v1/devices/{id}/token) that binds one id
// A refused device changes nothing in the registry; the gateway drops its TCP
// connection (never a close frame: the firmware would not come back, PROTOCOL.md §6).
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/token_registry.hpp"
#include "core/metrics.hpp"
#include "store/store.hpp"

namespace ptalk::auth {

enum class AdmissionMode { open, allowlist, token };

[[nodiscard]] std::string_view to_string(AdmissionMode m) noexcept;
[[nodiscard]] std::optional<AdmissionMode> parse_admission_mode(std::string_view s) noexcept;

struct AdmissionOptions {
    AdmissionMode mode = AdmissionMode::open;
    std::string fleet_token;  // token mode: admits any id (empty: device tokens only)
};

class Admission {
  public:
    Admission(store::Store& store, const TokenRegistry& tokens, core::Metrics& metrics,
              AdmissionOptions options);

    [[nodiscard]] store::Status load();  // the allowlist
    [[nodiscard]] AdmissionMode mode() const noexcept { return options_.mode; }

    // Called by the gateway on a device's first handshake. `token` is the ws
    // URL's ?token= value (empty when absent). Counts and logs a refusal.
    [[nodiscard]] bool admit(const std::string& device_id, std::string_view token,
                             const std::string& remote);

    // The allowlist (kept whatever the mode, used in `allowlist` mode).
    [[nodiscard]] store::Status allow(const std::string& device_id,
                                      std::optional<std::string> name);
    [[nodiscard]] store::Result<bool> disallow(const std::string& device_id);
    [[nodiscard]] std::vector<store::AllowedDevice> allowlist() const;

  private:
    store::Store& store_;
    const TokenRegistry& tokens_;
    core::Metrics& metrics_;
    AdmissionOptions options_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, store::AllowedDevice> allowed_;
};

}  // namespace ptalk::auth
