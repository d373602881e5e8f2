#include "auth/scope_rule.hpp"

#include <array>

namespace ptalk::auth {

namespace {

// /api/v1/<first>: every method needs admin.
constexpr std::array<std::string_view, 2> admin_always{"tokens", "webhooks"};
// /api/v1/<first>: changes need admin, reads need read.
constexpr std::array<std::string_view, 3> admin_writes{"firmware", "rollouts", "allowlist"};

bool contains(auto const& list, std::string_view s) {
    for (auto x : list) {
        if (x == s) return true;
    }
    return false;
}

}  // namespace

std::optional<Scope> required_scope(std::string_view method, const std::vector<std::string>& s,
                                    const ScopeRuleOptions& options) {
    const bool reads = method == "GET" || method == "HEAD" || method == "OPTIONS";
    const auto n = s.size();
    if (n == 1 && s[0] == "healthz") return std::nullopt;
    if (n == 1 && s[0] == "metrics") {
        return options.metrics_open ? std::nullopt : std::optional(Scope::read);
    }
    if (n >= 2 && s[0] == "api" && s[1] == "v1") {
        if (n == 3 && s[2] == "openapi.json" && reads) return std::nullopt;
        if (n >= 3 && contains(admin_always, s[2])) return Scope::admin;
        if (n == 5 && s[2] == "devices" && s[4] == "token") return Scope::admin;
        if (n == 3 && s[2] == "devices" && !reads) return Scope::admin;
        if (n >= 3 && contains(admin_writes, s[2]) && !reads) return Scope::admin;
    }
    return reads ? Scope::read : Scope::operate;
}

}  // namespace ptalk::auth
