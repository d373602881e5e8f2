#pragma once
// Small helpers shared by the protocol tests.
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/error.hpp"

namespace ptalk::protocol::test {

inline boost::system::error_code err(error e) {
    return make_error_code(e);
}

inline std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace ptalk::protocol::test
