#include "sim/frame_tracker.hpp"

namespace ptalk::sim {

std::size_t FrameTracker::on_read(std::span<const std::uint8_t> data) {
    std::size_t i = 0;
    if (in_http_) {
        static constexpr char end[] = "\r\n\r\n";
        for (; i < data.size() && in_http_; ++i) {
            auto c = static_cast<char>(data[i]);
            crlf_matched_ = c == end[crlf_matched_] ? crlf_matched_ + 1 : (c == '\r' ? 1 : 0);
            if (crlf_matched_ == 4) in_http_ = false;
        }
        if (!in_http_ && lose_after_upgrade_ && i < data.size()) {
            bytes_lost_ += data.size() - i;
            return i;
        }
    }
    for (; i < data.size(); ++i) {
        if (skip_ > 0) {
            // Skip whole runs of payload at once: only headers are parsed.
            auto run = std::min<std::uint64_t>(skip_, data.size() - i);
            skip_ -= run;
            i += static_cast<std::size_t>(run) - 1;
            continue;
        }
        on_frame_byte(data[i]);
    }
    return data.size();
}

std::size_t FrameTracker::header_size() const noexcept {
    std::size_t n = 2;
    if (header_len_ < 2) return n;
    auto len7 = header_[1] & 0x7F;
    if (len7 == 126) n += 2;
    if (len7 == 127) n += 8;
    if (header_[1] & 0x80) n += 4;  // masked (servers must not, but skip the key anyway)
    return n;
}

void FrameTracker::on_frame_byte(std::uint8_t b) {
    header_[header_len_++] = b;
    if (header_len_ < 2 || header_len_ < header_size()) return;
    std::uint64_t len = header_[1] & 0x7F;
    if (len >= 126) {
        std::size_t ext = len == 126 ? 2 : 8;
        len = 0;
        for (std::size_t k = 0; k < ext; ++k)
            len = (len << 8) | header_[2 + k];
    }
    auto op = header_[0] & 0x0F;
    bool fin = (header_[0] & 0x80) != 0;
    if (op <= 2) {
        Kind kind = op == 1 ? Kind::text : (op == 2 ? Kind::binary : Kind::continuation);
        frames_.push_back({kind, fin, len});
    }
    header_len_ = 0;
    skip_ = len;
}

std::optional<FrameTracker::Payload> FrameTracker::on_payload(std::size_t n) {
    // Beast skips empty non-final frames without delivering anything.
    while (!frames_.empty() && frames_.front().len == 0 && !frames_.front().fin)
        frames_.pop_front();
    if (frames_.empty()) return std::nullopt;
    const Frame& f = frames_.front();
    delivered_ += n;
    if (delivered_ > f.len) {
        frames_.clear();  // lost our place: should not happen with Beast
        delivered_ = 0;
        return std::nullopt;
    }
    Payload p{f.kind, delivered_ == f.len};
    if (p.frame_end) {
        frames_.pop_front();
        delivered_ = 0;
    }
    return p;
}

}  // namespace ptalk::sim
