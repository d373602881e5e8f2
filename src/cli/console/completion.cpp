#include "cli/console/completion.hpp"

#include <algorithm>
#include <cctype>

#include "cli/console/parse.hpp"

namespace ptalk::cli::console {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return prefix.size() <= s.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ')
            ++i;
        const auto start = i;
        while (i < s.size() && s[i] != ' ')
            ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

}  // namespace

std::vector<std::string> complete(std::string_view line, std::size_t word_start,
                                  const std::vector<DeviceInfo>& devices) {
    word_start = std::min(word_start, line.size());
    const auto word = line.substr(word_start);
    const auto before = words(line.substr(0, word_start));
    std::vector<std::string> out;
    auto offer = [&](const std::vector<std::string>& list) {
        for (const auto& w : list)
            if (w.starts_with(word)) out.push_back(w);
    };
    if (before.empty()) {
        offer(command_words());
    } else if (before.size() == 1 && before[0] == "all") {
        offer(all_words());
    } else if (before[0] == "use") {
        // The argument runs from after "use " to the cursor and may span several words.
        auto pos = static_cast<std::size_t>(before[0].data() - line.data()) + before[0].size();
        while (pos < line.size() && line[pos] == ' ')
            ++pos;
        const auto arg = line.substr(pos);
        const auto skip = word_start >= pos ? word_start - pos : 0;
        for (const auto& d : devices) {
            for (const auto* c : {&d.id, &d.name}) {
                if (!c->empty() && starts_with_nocase(*c, arg) && skip <= c->size())
                    out.push_back(c->substr(skip));
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace ptalk::cli::console
