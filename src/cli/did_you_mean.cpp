#include "cli/did_you_mean.hpp"

#include <algorithm>
#include <cctype>

namespace ptalk::cli {

namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (prefix.size() > s.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::vector<std::string> nearest(std::string_view typed, const std::vector<std::string>& candidates,
                                 std::size_t max) {
    if (typed.empty()) return {};
    // A third of the typed length may be wrong (at least 2), so "kitchn" finds "Kitchen".
    const std::size_t limit = std::max<std::size_t>(2, typed.size() / 3);
    struct Scored {
        std::size_t score;
        const std::string* s;
    };
    std::vector<Scored> scored;
    for (const auto& c : candidates) {
        if (c.empty()) continue;
        if (starts_with_nocase(c, typed)) {
            scored.push_back({0, &c});
            continue;
        }
        const auto d = edit_distance(typed, c);
        if (d <= limit) scored.push_back({d, &c});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const Scored& x, const Scored& y) { return x.score < y.score; });
    std::vector<std::string> out;
    for (const auto& s : scored) {
        if (out.size() == max) break;
        if (std::find(out.begin(), out.end(), *s.s) == out.end()) out.push_back(*s.s);
    }
    return out;
}

}  // namespace ptalk::cli
