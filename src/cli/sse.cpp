#include "cli/sse.hpp"

namespace ptalk::cli {

void SseParser::feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event) {
    partial_.append(bytes);
    std::size_t start = 0;
    for (;;) {
        const auto nl = partial_.find('\n', start);
        if (nl == std::string::npos) break;
        std::string_view l(partial_.data() + start, nl - start);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        line(l, on_event);
        start = nl + 1;
    }
    partial_.erase(0, start);
}

void SseParser::line(std::string_view l, const std::function<void(const SseEvent&)>& on_event) {
    if (l.empty()) {  // a blank line ends an event
        if (has_data_) {
            if (!current_.id.empty()) last_id_ = current_.id;
            on_event(current_);
        }
        current_ = SseEvent{};
        has_data_ = false;
        return;
    }
    if (l.front() == ':') return;  // a comment (keep-alive)
    const auto colon = l.find(':');
    const auto field = l.substr(0, colon);
    auto value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) current_.data += '\n';
        current_.data += value;
        has_data_ = true;
    } else if (field == "event") {
        current_.type = std::string(value);
    } else if (field == "id") {
        current_.id = std::string(value);
    }
}

}  // namespace ptalk::cli
