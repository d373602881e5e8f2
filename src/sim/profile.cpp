#include "sim/profile.hpp"

namespace ptalk::sim {

std::string_view to_string(Profile p) noexcept {
    return p == Profile::spec ? "spec" : "firmware";
}

std::optional<Profile> profile_from_string(std::string_view s) noexcept {
    if (s == "firmware") return Profile::firmware;
    if (s == "spec") return Profile::spec;
    return std::nullopt;
}

}  // namespace ptalk::sim
