#pragma once
// The one rule that decides which scope an HTTP request needs, from its method
// and its (percent-decoded) path segments alone. It knows no individual route:
// endpoints added later (OTA, firmware, rollouts, jobs, desired state, event
// streams...) are covered by it automatically. Keep it that way: add a prefix
// to `admin_prefixes` below rather than a check inside a route.
//
//   /healthz                                        open
//   /metrics                                        open, or read if configured
//   /api/v1/openapi.json                            open (it describes, reveals nothing)
//   /api/v1/tokens..., /api/v1/webhooks...          admin (every method)
//   /api/v1/devices/{id}/token                      admin (every method)
//   POST/PATCH/PUT/DELETE on /api/v1/firmware...,
//     /api/v1/rollouts..., /api/v1/allowlist..., and
//     POST /api/v1/devices (registering an id)      admin
//   any other GET/HEAD                              read
//   any other method                                operate
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token.hpp"

namespace ptalk::auth {

struct ScopeRuleOptions {
    bool metrics_open = true;
};

// Nothing: no token needed.
[[nodiscard]] std::optional<Scope> required_scope(std::string_view method,
                                                  const std::vector<std::string>& segments,
                                                  const ScopeRuleOptions& options = {});

}  // namespace ptalk::auth
