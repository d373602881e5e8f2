#include "protocol/ws_frame.hpp"

#include "protocol/utf8.hpp"

namespace ptalk::protocol {

namespace {

bool is_control(std::uint8_t op) noexcept {
    return op >= 0x8;
}

bool is_known(std::uint8_t op) noexcept {
    return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

std::uint64_t big_endian(std::span<const char> bytes) noexcept {
    std::uint64_t v = 0;
    for (const char c : bytes)
        v = (v << 8) | static_cast<std::uint8_t>(c);
    return v;
}

// Releases a string's memory, not only its contents: an idle device holds none.
void release(std::string& s) {
    std::string().swap(s);
}

}  // namespace

std::string_view to_string(WsError e) noexcept {
    switch (e) {
        case WsError::none:
            return "none";
        case WsError::reserved_bits:
            return "reserved bits set";
        case WsError::bad_opcode:
            return "unknown opcode";
        case WsError::unmasked:
            return "unmasked frame from a client";
        case WsError::bad_control:
            return "fragmented or oversized control frame";
        case WsError::bad_continuation:
            return "unexpected continuation or data frame";
        case WsError::too_big:
            return "message too big";
        case WsError::bad_utf8:
            return "text message is not UTF-8";
    }
    return "unknown";
}

void WsReader::feed(std::span<char> bytes) {
    if (!partial_.empty()) {
        partial_.append(bytes.data(), bytes.size());
        from_partial_ = true;
        partial_pos_ = 0;
        input_ = {};
    } else {
        from_partial_ = false;
        input_ = bytes;
    }
}

WsEvent WsReader::fail(WsError e) {
    failed_ = e;
    release(partial_);
    release(fragments_);
    input_ = {};
    from_partial_ = false;
    return {WsEvent::Kind::error, {}, e};
}

WsEvent WsReader::next() {
    if (failed_ != WsError::none) return {WsEvent::Kind::error, {}, failed_};
    if (drop_fragments_) {
        release(fragments_);
        drop_fragments_ = false;
    }
    for (;;) {
        const std::span<char> avail =
            from_partial_ ? std::span<char>(partial_).subspan(partial_pos_) : input_;
        std::size_t header = 2;
        std::uint64_t length = 0;
        bool complete = false;
        if (avail.size() >= 2) {
            const auto b0 = static_cast<std::uint8_t>(avail[0]);
            const auto b1 = static_cast<std::uint8_t>(avail[1]);
            const auto op = static_cast<std::uint8_t>(b0 & 0x0F);
            if ((b0 & 0x70) != 0) return fail(WsError::reserved_bits);
            if (!is_known(op)) return fail(WsError::bad_opcode);
            if ((b1 & 0x80) == 0) return fail(WsError::unmasked);
            length = b1 & 0x7F;
            if (length == 126) header = 4;
            if (length == 127) header = 10;
            if (avail.size() >= header) {
                if (header > 2) length = big_endian(avail.subspan(2, header - 2));
                header += 4;  // the mask
                if (is_control(op)) {
                    if ((b0 & 0x80) == 0 || length > 125) return fail(WsError::bad_control);
                } else if (length > max_message_ || fragments_.size() + length > max_message_) {
                    return fail(WsError::too_big);
                }
                complete = avail.size() >= header + length;
            }
        }
        if (!complete) {
            // Keep the incomplete frame for the next read.
            if (from_partial_) {
                partial_.erase(0, partial_pos_);
                if (partial_.empty()) release(partial_);
            } else if (!avail.empty()) {
                partial_.assign(avail.data(), avail.size());
            }
            partial_pos_ = 0;
            from_partial_ = false;
            input_ = {};
            return {};
        }
        const std::size_t size = header + static_cast<std::size_t>(length);
        const auto bytes = avail.first(size);
        if (from_partial_)
            partial_pos_ += size;
        else
            input_ = input_.subspan(size);
        auto event = frame(bytes, header);
        if (event.kind != WsEvent::Kind::need_more) return event;
    }
}

// One whole frame: unmasks it and says what it means (need_more: a fragment
// was kept, nothing to hand out yet).
WsEvent WsReader::frame(std::span<char> bytes, std::size_t header) {
    const auto b0 = static_cast<std::uint8_t>(bytes[0]);
    const bool fin = (b0 & 0x80) != 0;
    const auto op = static_cast<WsOpcode>(b0 & 0x0F);
    const auto mask = bytes.subspan(header - 4, 4);
    const auto payload = bytes.subspan(header);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
    const std::string_view view(payload.data(), payload.size());

    auto message = [&](WsOpcode kind, std::string_view data) -> WsEvent {
        if (kind == WsOpcode::text && !detail::is_valid_utf8(data)) return fail(WsError::bad_utf8);
        return {kind == WsOpcode::text ? WsEvent::Kind::text : WsEvent::Kind::binary, data,
                WsError::none};
    };
    switch (op) {
        case WsOpcode::ping:
            return {WsEvent::Kind::ping, view, WsError::none};
        case WsOpcode::pong:
            return {WsEvent::Kind::pong, view, WsError::none};
        case WsOpcode::close:
            return {WsEvent::Kind::close, view, WsError::none};
        case WsOpcode::continuation: {
            if (fragment_op_ == WsOpcode::continuation) return fail(WsError::bad_continuation);
            fragments_.append(view);
            if (!fin) return {};
            const auto kind = fragment_op_;
            fragment_op_ = WsOpcode::continuation;
            drop_fragments_ = true;
            return message(kind, fragments_);
        }
        case WsOpcode::text:
        case WsOpcode::binary:
            if (fragment_op_ != WsOpcode::continuation) return fail(WsError::bad_continuation);
            if (!fin) {
                fragment_op_ = op;
                fragments_.assign(view);
                return {};
            }
            return message(op, view);
    }
    return fail(WsError::bad_opcode);
}

std::size_t encode_ws_header(WsOpcode op, std::size_t length, std::array<char, 10>& out) noexcept {
    out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
    if (length < 126) {
        out[1] = static_cast<char>(length);
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<char>((length >> 8) & 0xFF);
        out[3] = static_cast<char>(length & 0xFF);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i)
        out[static_cast<std::size_t>(2 + i)] = static_cast<char>((length >> (56 - 8 * i)) & 0xFF);
    return 10;
}

}  // namespace ptalk::protocol
