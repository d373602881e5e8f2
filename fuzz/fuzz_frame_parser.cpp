// libFuzzer target: any bytes as a device frame, text and binary. Beyond "no
// crash", it checks what the parser promises about its typed messages, and
// feeds every reply to the reply matcher against each command.
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "protocol/commands.hpp"
#include "protocol/device_id.hpp"
#include "protocol/frame_parser.hpp"
#include "protocol/reply_match.hpp"
#include "protocol/utf8.hpp"

using namespace ptalk::protocol;

namespace {

const std::vector<Command>& commands() {
    static const std::vector<Command> all = [] {
        OtaOffer offer{"1.0.6", 1048576, std::string(64, 'a'), 2048, 512};
        return std::vector<Command>{
            make_request_status(),
            make_set_volume(50).value(),
            make_set_brightness(70).value(),
            make_set_device_name("Kitchen").value(),
            make_reboot(),
            make_request_ota(offer).value(),
            make_command("request_ota", {}).value(),
            make_request_ble_config(),
            Command{CommandKind::set_wifi, {}},
            Command{CommandKind::set_ws_url, {}},
        };
    }();
    return all;
}

bool percent(const std::optional<int>& v) {
    return !v || (*v >= 0 && *v <= 100);
}

bool canonical(const std::optional<std::string>& id) {
    return !id || is_canonical_device_id(*id);
}

void check_reply(const Reply& r, const ParseLimits& limits) {
    CHECK(canonical(r.device_id));
    CHECK(percent(r.volume) && percent(r.brightness) && percent(r.battery_percent));
    CHECK(!r.uptime_sec || *r.uptime_sec >= 0);
    CHECK(!r.size || *r.size >= 0);
    CHECK(r.status_text == to_string(r.status) || r.status == ReplyStatus::other);
    CHECK(!r.raw.empty());
    for (const auto& c : commands())
        (void)reply_answers(c, r);
    // The compact copy, kept for the audit log, is JSON that reads back as the
    // same reply. Numbers compare loosely: Boost.JSON 1.81 reads long decimals
    // only to within one ULP, which can push a bound like 2^53 out of range.
    const auto again = parse_device_frame(
        r.raw, false, {.max_text_bytes = r.raw.size(), .max_depth = limits.max_depth});
    const auto* r2 = std::get_if<Reply>(&again);
    if (r2 == nullptr) {
        const auto* bad = std::get_if<Malformed>(&again);
        CHECK(bad != nullptr && bad->error == make_error_code(error::out_of_range));
        return;
    }
    CHECK(r2->status_text == r.status_text && r2->device_id == r.device_id &&
          r2->message == r.message && r2->device_name == r.device_name &&
          r2->version == r.version && r2->sha256 == r.sha256);
}

void check_message(const DeviceMessage& m, std::string_view payload, const ParseLimits& limits) {
    if (const auto* h = std::get_if<Handshake>(&m)) {
        CHECK(is_canonical_device_id(h->device_id));
        CHECK(percent(h->battery_percent));
    } else if (const auto* r = std::get_if<Reply>(&m)) {
        check_reply(*r, limits);
    } else if (const auto* v = std::get_if<VoiceText>(&m)) {
        CHECK(v->text.size() <= 64 && payload.starts_with(v->text));
        CHECK(!detail::check_printable_text(v->text));
    } else if (const auto* p = std::get_if<FirmwarePull>(&m)) {
        CHECK(!p->size || *p->size >= 0);
    } else if (const auto* bad = std::get_if<Malformed>(&m)) {
        CHECK(bad->error.failed() && bad->error.category() == protocol_category());
        CHECK(!bad->detail.empty() && bad->detail.size() < 200);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);

    const auto binary = parse_device_frame(payload, true);
    CHECK(std::holds_alternative<VoiceBinary>(binary) &&
          std::get<VoiceBinary>(binary).size == size);

    const ParseLimits defaults;
    check_message(parse_device_frame(payload, false, defaults), payload, defaults);

    // Tight limits: the size and depth checks themselves.
    const ParseLimits tight{.max_text_bytes = 512, .max_depth = 2};
    check_message(parse_device_frame(payload, false, tight), payload, tight);
    return 0;
}
