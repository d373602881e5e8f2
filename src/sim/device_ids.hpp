#pragma once
// Ids for simulated devices: 12 lower-case hex digits, as the field firmware
// sends them, unique within a run and across processes that split a fleet.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ptalk::sim {

struct IdOptions {
    std::string prefix = "24a160";      // hex digits; the rest is the device's index
    std::optional<std::uint64_t> seed;  // instead of a prefix: random-looking ids from a seed
    std::size_t offset = 0;             // index of the first device (split fleets: 0, 9000, ...)
};

// Throws std::invalid_argument when the prefix is not hex or leaves too few
// digits for `count` devices.
[[nodiscard]] std::vector<std::string> make_device_ids(const IdOptions& opt, std::size_t count);

}  // namespace ptalk::sim
