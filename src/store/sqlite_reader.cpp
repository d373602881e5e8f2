#include "store/sqlite_reader.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace ptalk::store::sqlite {

namespace {

constexpr std::string_view device_columns =
    "SELECT id, name, firmware_version, battery_percent, connectivity_state, volume, brightness, "
    "uptime_sec, online, remote_addr, first_seen, last_seen, last_handshake FROM devices";

constexpr std::string_view command_columns =
    "SELECT id, device_id, cmd, params, requested_by, queued_at, sent_at, finished_at, outcome, "
    "reply, latency_ms FROM commands";

DeviceRecord device_from(const Statement& s) {
    DeviceRecord d;
    d.id = s.text(0);
    d.name = s.opt_text(1);
    d.firmware_version = s.opt_text(2);
    d.battery_percent = s.opt_int(3);
    d.connectivity_state = s.opt_text(4);
    d.volume = s.opt_int(5);
    d.brightness = s.opt_int(6);
    d.uptime_sec = s.opt_int64(7);
    d.online = s.int64(8) != 0;
    d.remote_addr = s.opt_text(9);
    d.first_seen = s.int64(10);
    d.last_seen = s.int64(11);
    d.last_handshake = s.opt_int64(12);
    return d;
}

CommandRecord command_from(const Statement& s) {
    CommandRecord c;
    c.id = static_cast<std::uint64_t>(s.int64(0));
    c.device_id = s.text(1);
    c.cmd = s.text(2);
    c.params = s.text(3);
    c.requested_by = s.text(4);
    c.queued_at = s.int64(5);
    c.sent_at = s.opt_int64(6);
    c.finished_at = s.opt_int64(7);
    c.outcome = s.opt_text(8);
    c.reply = s.opt_text(9);
    c.latency_ms = s.opt_int64(10);
    return c;
}

EventRecord event_from(const Statement& s) {
    EventRecord e;
    e.id = static_cast<std::uint64_t>(s.int64(0));
    e.time = s.int64(1);
    e.device_id = s.opt_text(2);
    e.type = s.text(3);
    e.data = s.text(4);
    return e;
}

// Runs a prepared query and maps every row.
template <class Row, class Map>
Result<std::vector<Row>> collect(Statement& s, Map map) {
    std::vector<Row> rows;
    for (;;) {
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rows.push_back(map(s));
            continue;
        }
        Status st = rc == SQLITE_DONE ? Status{} : status_from(s.db(), rc, "cannot read");
        s.reset();
        if (!st) return st;
        return rows;
    }
}

// A one-row, one-column id query (MIN/MAX with COALESCE): 0 when empty.
Result<std::uint64_t> single_id(Statement& s) {
    auto rows = collect<std::uint64_t>(
        s, [](const Statement& r) { return static_cast<std::uint64_t>(r.int64(0)); });
    if (!rows) return rows.error();
    return rows->empty() ? 0 : rows->front();
}

std::int64_t clamp_to_int64(std::uint64_t v) noexcept {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(v > max ? max : v);
}

}  // namespace

Result<Reader> Reader::open(const std::filesystem::path& file,
                            std::chrono::milliseconds busy_timeout) {
    auto db = sqlite::open(file, OpenMode::read_only);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->get(), static_cast<int>(busy_timeout.count()));
    Reader r;
    r.db_ = std::move(*db);
    const std::string devices = std::string(device_columns) + " ORDER BY id";
    const std::string command = std::string(command_columns) + " WHERE id = ?1";
    // One bucket of the commands_by_bucket_device index (migration 8) at a time.
    const std::string of_device =
        std::string(command_columns) +
        fmt::format(
            " WHERE (id >> {}) = ?4 AND device_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
            command_bucket_shift);
    const std::string of_all =
        std::string(command_columns) + " WHERE id < ?2 ORDER BY id DESC LIMIT ?3";
    const std::string events =
        "SELECT id, time, device_id, type, data FROM events WHERE id > ?1 "
        "AND (?2 IS NULL OR device_id = ?2) AND (?3 IS NULL OR type = ?3) ORDER BY id LIMIT ?4";
    const std::string max_id = "SELECT COALESCE(MAX(id), 0) FROM commands";
    const std::string min_id = "SELECT COALESCE(MIN(id), 0) FROM commands";
    for (auto [stmt, sql] :
         {std::pair{&r.load_devices_, &devices}, std::pair{&r.get_command_, &command},
          std::pair{&r.commands_of_device_, &of_device}, std::pair{&r.commands_of_all_, &of_all},
          std::pair{&r.events_, &events}, std::pair{&r.max_command_id_, &max_id},
          std::pair{&r.min_command_id_, &min_id}}) {
        auto prepared = Statement::prepare(r.db_.get(), *sql);
        if (!prepared) return prepared.error();
        *stmt = std::move(*prepared);
    }
    return r;
}

Result<std::vector<DeviceRecord>> Reader::load_devices() {
    return collect<DeviceRecord>(load_devices_, device_from);
}

Result<std::optional<CommandRecord>> Reader::get_command(std::uint64_t id) {
    get_command_.bind(1, clamp_to_int64(id));
    auto rows = collect<CommandRecord>(get_command_, command_from);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<CommandRecord>{};
    return std::optional<CommandRecord>{std::move(rows->front())};
}

Result<std::vector<CommandRecord>> Reader::list_commands(
    const std::optional<std::string>& device_id, std::uint64_t before_id, std::size_t limit) {
    const std::int64_t before =
        before_id == 0 ? std::numeric_limits<std::int64_t>::max() : clamp_to_int64(before_id);
    if (!device_id) {
        commands_of_all_.bind(2, before);
        commands_of_all_.bind(3, clamp_to_int64(limit));
        return collect<CommandRecord>(commands_of_all_, command_from);
    }
    return commands_of_device(*device_id, before, limit);
}

// A device's commands, newest first, one index bucket at a time from the bucket
// of the newest id below `before` down to the oldest command's: each step is one
// index seek, so a device idle for a long time costs one seek per 16 384
// commands of everybody's history in between.
Result<std::vector<CommandRecord>> Reader::commands_of_device(const std::string& device_id,
                                                              std::int64_t before,
                                                              std::size_t limit) {
    std::vector<CommandRecord> out;
    if (limit == 0 || before <= 1) return out;
    auto newest = max_command_id();
    if (!newest) return newest.error();
    auto oldest = single_id(min_command_id_);
    if (!oldest) return oldest.error();
    if (*newest == 0) return out;
    const std::int64_t top = std::min(before - 1, clamp_to_int64(*newest));
    const std::int64_t bottom = clamp_to_int64(*oldest);
    Statement& s = commands_of_device_;
    for (std::int64_t b = top >> command_bucket_shift;
         b >= (bottom >> command_bucket_shift) && out.size() < limit; --b) {
        s.bind(1, std::string_view(device_id));
        s.bind(2, before);
        s.bind(3, clamp_to_int64(limit - out.size()));
        s.bind(4, b);
        auto rows = collect<CommandRecord>(s, command_from);
        if (!rows) return rows.error();
        for (CommandRecord& c : *rows)
            out.push_back(std::move(c));
    }
    return out;
}

Result<std::vector<EventRecord>> Reader::list_events(std::uint64_t after_id, std::size_t limit,
                                                     const EventFilter& filter) {
    events_.bind(1, clamp_to_int64(after_id));
    events_.bind(2, filter.device_id);
    events_.bind(3, filter.type);
    events_.bind(4, clamp_to_int64(limit));
    return collect<EventRecord>(events_, event_from);
}

Result<std::uint64_t> Reader::max_command_id() {
    return single_id(max_command_id_);
}

}  // namespace ptalk::store::sqlite
