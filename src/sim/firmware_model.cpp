#include "sim/firmware_model.hpp"

#include <algorithm>
#include <climits>

#include <boost/json/parse.hpp>

#include "protocol/commands.hpp"
#include "protocol/json_reader.hpp"
#include "protocol/ota_chunk.hpp"

namespace ptalk::sim {
namespace json = boost::json;
namespace proto = ptalk::protocol;

namespace {

// cJSON's valueint: every number is a double, saturated into an int.
int cjson_valueint(const json::value& v) {
    double d = v.to_number<double>();
    if (d >= static_cast<double>(INT_MAX)) return INT_MAX;
    if (d <= static_cast<double>(INT_MIN)) return INT_MIN;
    return static_cast<int>(d);
}

std::optional<std::uint64_t> size_field(const json::value* v) {
    if (v == nullptr || !v->is_number()) return std::nullopt;
    json::error_code ec;
    auto n = v->to_number<std::uint64_t>(ec);
    if (ec) return std::nullopt;
    return n;
}

std::optional<std::string> string_field(const json::value* v) {
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

bool looks_like_json(std::string_view text) {
    auto pos = text.find_first_not_of(" \t\r\n");
    return pos != std::string_view::npos && (text[pos] == '{' || text[pos] == '[');
}

}  // namespace

FirmwareModel::FirmwareModel(std::string canonical_id, DeviceSettings settings, ModelOptions opt,
                             std::uint64_t seed)
    : id_(std::move(canonical_id)),
      settings_(std::move(settings)),
      opt_(opt),
      replies_(opt.profile, id_),
      ota_(opt.ota),
      rng_(seed) {}

void FirmwareModel::boot(TimePoint now) {
    if (boots_ == 0) first_boot_ = now;
    ++boots_;
    boot_time_ = now;
    ota_.reboot();
    drop_at_seq_.reset();
}

int FirmwareModel::battery_percent(TimePoint now) const {
    auto per = std::max<Millis::rep>(1, opt_.battery_drain_per_percent.count());
    auto drained = std::chrono::duration_cast<Millis>(now - first_boot_).count() / per;
    return static_cast<int>(std::clamp<Millis::rep>(opt_.battery_start - drained, 1, 100));
}

std::int64_t FirmwareModel::uptime_sec(TimePoint now) const {
    return std::chrono::duration_cast<std::chrono::seconds>(now - boot_time_).count();
}

std::string FirmwareModel::handshake(TimePoint now) const {
    return replies_.handshake(settings_, battery_percent(now));
}

std::string FirmwareModel::firmware_pull(const std::optional<std::string>& version) const {
    return replies_.firmware_pull(version);
}

void FirmwareModel::on_link_lost() {
    ota_.cut_off();
    drop_at_seq_.reset();
}

const json::value* FirmwareModel::field(const json::object& o, std::string_view key) const {
    // The firmware looks keys up case-insensitively (cJSON_GetObjectItem); the
    // documentation implies ordinary JSON.
    if (opt_.profile == Profile::firmware) return proto::find_key(o, key);
    return o.if_contains(key);
}

void FirmwareModel::reply(Reaction& r, std::string text) const {
    if (opt_.reply_delay.count() > 0) r.actions.emplace_back(Busy{opt_.reply_delay});
    r.actions.emplace_back(SendText{std::move(text)});
}

void FirmwareModel::refuse(Reaction& r, std::string_view status, std::string_view message) const {
    // The field firmware stays silent where the documentation promises an error.
    if (opt_.profile == Profile::spec) reply(r, replies_.failure(status, message));
}

Reaction FirmwareModel::on_text(std::string_view text, TimePoint now) {
    Reaction r;
    if (text == proto::ota_complete_frame) {
        if (ota_.receiving()) {
            ota_complete(r);
        } else {
            r.event = Event::voice_text;
        }
        return r;
    }
    if (!looks_like_json(text)) {
        r.event = Event::voice_text;  // START/END, a two-character emotion code
        return r;
    }
    std::optional<json::object> obj;
    if (opt_.profile == Profile::firmware) {
        // cJSON reads the first value only and keeps the first of duplicate keys.
        if (auto v = proto::read_json(text, 32); v && v->is_object())
            obj = std::move(v->get_object());
    } else {
        json::error_code ec;
        if (auto v = json::parse(text, ec); !ec && v.is_object()) obj = std::move(v.get_object());
    }
    if (!obj) {
        r.event = Event::invalid_json;
        if (opt_.profile == Profile::spec) reply(r, replies_.failure("error", "Invalid JSON"));
        return r;
    }
    return on_command(*obj, now);
}

Reaction FirmwareModel::on_command(const json::object& o, TimePoint now) {
    Reaction r;
    auto cmd = string_field(field(o, "cmd"));
    r.command = cmd.value_or("");
    auto kind = cmd ? proto::command_kind_from_string(*cmd) : std::nullopt;
    // set_ws_url is reserved in the documentation and unknown to the firmware.
    if (!kind || (*kind == proto::CommandKind::set_ws_url && opt_.profile == Profile::firmware)) {
        r.event = Event::unknown_command;
        if (!opt_.ignore_commands) refuse(r, "invalid_command", "Unknown command");
        return r;
    }
    r.event = Event::command;
    if (opt_.ignore_commands) return r;
    using K = proto::CommandKind;
    switch (*kind) {
        case K::request_status:
            reply(r, replies_.status(settings_, battery_percent(now), uptime_sec(now)));
            break;
        case K::set_volume:
            set_percent(r, o, true);
            break;
        case K::set_brightness:
            set_percent(r, o, false);
            break;
        case K::set_device_name:
            set_name(r, o);
            break;
        case K::reboot:
            reply(r, replies_.reboot());
            r.actions.emplace_back(Busy{opt_.reboot_drop_after});
            r.actions.emplace_back(Restart{});
            break;
        case K::request_ota:
            request_ota(r, o);
            break;
        case K::request_ble_config:
            reply(r, replies_.ble_config());
            r.actions.emplace_back(Busy{opt_.ble_stall});
            r.actions.emplace_back(GoOffline{opt_.ble_offline_for});
            break;
        case K::set_wifi:
            reply(r, replies_.wifi_not_supported());
            break;
        case K::set_ws_url:
            reply(r, replies_.failure("not_supported", "set_ws_url is reserved"));
    }
    return r;
}

void FirmwareModel::set_percent(Reaction& r, const json::object& o, bool volume) {
    const char* key = volume ? "volume" : "brightness";
    const json::value* v = field(o, key);
    int value = 0;
    if (opt_.profile == Profile::firmware) {
        if (v == nullptr || !v->is_number()) {
            r.event = Event::bad_command;  // the firmware does not answer
            return;
        }
        // uint8_t cast, then the clamp: 300 becomes 44.
        value = std::min(100, static_cast<int>(static_cast<std::uint8_t>(cjson_valueint(*v))));
    } else {
        auto checked =
            v ? proto::validate_percent(*v) : proto::result<int>(proto::error::missing_field);
        if (!checked) {
            r.event = Event::bad_command;
            refuse(r, "invalid_param", std::string(key) + " must be an integer 0-100");
            return;
        }
        value = *checked;
    }
    (volume ? settings_.volume : settings_.brightness) = value;
    reply(r, volume ? replies_.volume(value) : replies_.brightness(value));
}

void FirmwareModel::set_name(Reaction& r, const json::object& o) {
    auto name = string_field(field(o, "device_name"));
    if (!name || (opt_.profile == Profile::spec && proto::validate_device_name(*name))) {
        r.event = Event::bad_command;
        refuse(r, "invalid_param", "device_name must be a non-empty name of at most 64 bytes");
        return;
    }
    settings_.name = *name;
    reply(r, replies_.device_name(settings_.name));
}

void FirmwareModel::request_ota(Reaction& r, const json::object& o) {
    auto size = size_field(field(o, "size"));
    if (!size || *size == 0) {
        r.event = Event::bad_command;
        refuse(r, "invalid_param", "size is required");
        return;
    }
    OtaRequest req{*size, string_field(field(o, "sha256")), string_field(field(o, "version"))};
    auto chunk = size_field(field(o, "chunk_size")).value_or(proto::default_chunk_size);
    ota_.begin(req);
    drop_at_seq_.reset();
    if (opt_.drop_during_ota > 0 && ota_drops_ < opt_.max_ota_drops &&
        std::uniform_real_distribution<>(0, 1)(rng_) < opt_.drop_during_ota) {
        ++ota_drops_;
        auto chunks = proto::total_chunks(
            *size, static_cast<std::uint32_t>(std::clamp<std::uint64_t>(chunk, 1, 4084)));
        drop_at_seq_ =
            std::uniform_int_distribution<std::uint32_t>(0, std::max(1u, chunks) - 1)(rng_);
    }
    reply(r, replies_.ota_ready(req));
}

Reaction FirmwareModel::on_binary(std::span<const std::uint8_t> frame, TimePoint /*now*/) {
    Reaction r;
    if (!ota_.receiving()) {
        r.event = Event::audio;  // text-to-speech audio outside a transfer
        return r;
    }
    auto res = ota_.on_chunk(frame);
    r.event = res.verdict == ChunkVerdict::written     ? Event::chunk_written
              : res.verdict == ChunkVerdict::duplicate ? Event::chunk_duplicate
                                                       : Event::chunk_nacked;
    if (res.verdict == ChunkVerdict::written && drop_at_seq_ && res.seq == drop_at_seq_) {
        r.actions.emplace_back(DropLink{});  // Wi-Fi lost mid-transfer: no ack for this one
        return r;
    }
    if (res.first_write && opt_.erase_stall.count() > 0)
        r.actions.emplace_back(Busy{opt_.erase_stall});
    if (res.verdict == ChunkVerdict::written && opt_.ack_delay.count() > 0)
        r.actions.emplace_back(Busy{opt_.ack_delay});
    if (!res.reply.empty())
        r.actions.emplace_back(SendText{std::move(res.reply), opt_.ack_latency});
    return r;
}

void FirmwareModel::ota_complete(Reaction& r) {
    last_ota_ = ota_.complete();
    r.event = last_ota_->ok ? Event::ota_ok : Event::ota_failed;
    // No result frame either way: success is the next handshake's version.
    if (!last_ota_->ok) return;
    // A bad boot: the bootloader falls back to the old image after the restart.
    if (!opt_.ota_bad_boot) settings_.firmware_version = last_ota_->version;
    r.actions.emplace_back(Busy{opt_.ota_reboot_after});
    r.actions.emplace_back(Restart{});
}

}  // namespace ptalk::sim
