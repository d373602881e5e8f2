#include "protocol/json_fields.hpp"

#include <cmath>

#include "protocol/json_reader.hpp"

namespace ptalk::protocol::detail {

result<std::int64_t> as_integer(const boost::json::value& v, std::int64_t lo,
                                std::int64_t hi) noexcept {
    std::int64_t n = 0;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64()) {
        if (v.get_uint64() > static_cast<std::uint64_t>(hi)) return error::out_of_range;
        n = static_cast<std::int64_t>(v.get_uint64());
    } else if (v.is_double()) {
        const double d = v.get_double();
        if (!std::isfinite(d) || std::trunc(d) != d) return error::wrong_type;
        if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) return error::out_of_range;
        // double(INT64_MAX) rounds up to 2^63, which does not convert back.
        if (d >= 9223372036854775808.0) return error::out_of_range;
        n = static_cast<std::int64_t>(d);
    } else {
        return error::wrong_type;
    }
    if (n < lo || n > hi) return error::out_of_range;
    return n;
}

result<std::optional<std::int64_t>> optional_integer(const boost::json::object& o,
                                                     std::string_view key, std::int64_t lo,
                                                     std::int64_t hi) noexcept {
    const auto* v = find_key(o, key);
    if (v == nullptr || v->is_null()) return std::optional<std::int64_t>{};
    auto n = as_integer(*v, lo, hi);
    if (!n) return n.error();
    return std::optional<std::int64_t>{*n};
}

result<std::optional<std::string>> optional_string(const boost::json::object& o,
                                                   std::string_view key,
                                                   std::size_t max_bytes) noexcept {
    const auto* v = find_key(o, key);
    if (v == nullptr || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) return error::wrong_type;
    const auto& s = v->get_string();
    if (s.size() > max_bytes) return error::invalid_text;
    try {
        return std::optional<std::string>{std::string(s.data(), s.size())};
    } catch (...) {
        return error::invalid_text;
    }
}

}  // namespace ptalk::protocol::detail
