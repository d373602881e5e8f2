#include "sim/device_ids.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

#include <fmt/format.h>

#include "protocol/device_id.hpp"

namespace ptalk::sim {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace

std::vector<std::string> make_device_ids(const IdOptions& opt, std::size_t count) {
    std::vector<std::string> ids;
    ids.reserve(count);
    if (opt.seed) {
        std::unordered_set<std::string> seen;
        std::uint64_t state = *opt.seed;
        // Skip the ids of the devices before `offset` so split fleets do not overlap.
        for (std::size_t i = 0; ids.size() < count; ++i) {
            state = splitmix64(state);
            auto id = fmt::format("{:012x}", state & 0xFFFFFFFFFFFFULL);
            if (!seen.insert(id).second) continue;
            if (i >= opt.offset) ids.push_back(std::move(id));
        }
        return ids;
    }
    std::string prefix;
    for (char c : opt.prefix) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            throw std::invalid_argument("--id-prefix must be hex digits: " + opt.prefix);
        prefix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (prefix.size() > 11) throw std::invalid_argument("--id-prefix may have at most 11 digits");
    const std::size_t digits = 12 - prefix.size();
    const double room = std::ldexp(1.0, static_cast<int>(4 * digits));
    if (static_cast<double>(opt.offset + count) > room)
        throw std::invalid_argument(fmt::format("--id-prefix {} leaves room for {} devices only",
                                                prefix, static_cast<std::uint64_t>(room)));
    for (std::size_t i = 0; i < count; ++i) {
        auto id = fmt::format("{}{:0{}x}", prefix, opt.offset + i, digits);
        if (!protocol::is_canonical_device_id(id)) throw std::logic_error("bad generated id " + id);
        ids.push_back(std::move(id));
    }
    return ids;
}

}  // namespace ptalk::sim
