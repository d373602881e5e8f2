#include "protocol/device_id.hpp"

namespace ptalk::protocol {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> normalize_device_id(std::string_view raw) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(12);
    if (raw.size() == 12) {
        for (char c : raw) {
            int v = hex_value(c);
            if (v < 0) return std::nullopt;
            out.push_back(digits[v]);
        }
        return out;
    }
    // "AA:BB:CC:DD:EE:FF" or "aa-bb-…": six pairs, one consistent separator.
    if (raw.size() != 17) return std::nullopt;
    const char sep = raw[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (i % 3 == 2) {
            if (raw[i] != sep) return std::nullopt;
            continue;
        }
        int v = hex_value(raw[i]);
        if (v < 0) return std::nullopt;
        out.push_back(digits[v]);
    }
    return out;
}

bool is_canonical_device_id(std::string_view id) noexcept {
    if (id.size() != 12) return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string format_mac(std::string_view canonical_id) {
    std::string out;
    for (std::size_t i = 0; i < canonical_id.size(); ++i) {
        if (i > 0 && i % 2 == 0) out.push_back(':');
        char c = canonical_id[i];
        out.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c);
    }
    return out;
}

}  // namespace ptalk::protocol
