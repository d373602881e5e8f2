// libFuzzer target: any bytes from a client as WebSocket frames
// (protocol::WsReader), read whole and in pieces of every size the first byte
// picks. Both readings must see the same messages; every message is within the
// limit, every text message is UTF-8, an error is final, and nothing is held
// beyond one frame's worth.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/utf8.hpp"
#include "protocol/ws_frame.hpp"

using namespace ptalk::protocol;

namespace {

constexpr std::size_t max_message = 4096;

struct Seen {
    WsEvent::Kind kind;
    std::string payload;
    WsError error;
    bool operator==(const Seen&) const = default;
};

std::vector<Seen> read(std::string bytes, std::size_t step) {
    WsReader r(max_message);
    std::vector<Seen> out;
    for (std::size_t at = 0; at < bytes.size(); at += step) {
        r.feed(std::span<char>(bytes).subspan(at, std::min(step, bytes.size() - at)));
        for (;;) {
            const auto e = r.next();
            if (e.kind == WsEvent::Kind::need_more) break;
            out.push_back({e.kind, std::string(e.payload), e.error});
            if (e.kind == WsEvent::Kind::error) {
                CHECK(r.next().kind == WsEvent::Kind::error);
                CHECK(r.buffered() == 0);
                return out;
            }
            CHECK(e.payload.size() <= max_message);
            if (e.kind == WsEvent::Kind::text) CHECK(detail::is_valid_utf8(e.payload));
        }
        // At most one half-read frame (header, mask, payload) and one message.
        CHECK(r.buffered() <= 2 * (max_message + 14));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t step = 1 + data[0] % 64;
    const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto whole = read(bytes, bytes.size() + 1);
    const auto pieces = read(bytes, step);
    CHECK(whole == pieces);
    return 0;
}
