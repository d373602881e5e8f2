#include "store/sqlite_batch_writer.hpp"

#include <sqlite3.h>

namespace ptalk::store::sqlite {

namespace {

// The same merge rules as merge_device(): a NULL never erases a known value.
constexpr std::string_view upsert_device_sql = R"sql(
INSERT INTO devices (id, name, firmware_version, battery_percent, connectivity_state, volume,
                     brightness, uptime_sec, online, remote_addr, first_seen, last_seen,
                     last_handshake)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT (id) DO UPDATE SET
    name = COALESCE(excluded.name, name),
    firmware_version = COALESCE(excluded.firmware_version, firmware_version),
    battery_percent = COALESCE(excluded.battery_percent, battery_percent),
    connectivity_state = COALESCE(excluded.connectivity_state, connectivity_state),
    volume = COALESCE(excluded.volume, volume),
    brightness = COALESCE(excluded.brightness, brightness),
    uptime_sec = COALESCE(excluded.uptime_sec, uptime_sec),
    online = excluded.online,
    remote_addr = COALESCE(excluded.remote_addr, remote_addr),
    first_seen = MIN(first_seen, excluded.first_seen),
    last_seen = MAX(last_seen, excluded.last_seen),
    last_handshake = COALESCE(excluded.last_handshake, last_handshake)
)sql";

// A command written again (queued in one batch, finished in a later one) is
// updated in place: neither its id nor its device change, so its index entry is
// left alone (INSERT OR REPLACE deleted and re-inserted both).
constexpr std::string_view put_command_sql = R"sql(
INSERT INTO commands (id, device_id, cmd, params, requested_by, queued_at, sent_at,
                      finished_at, outcome, reply, latency_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (id) DO UPDATE SET
    cmd = excluded.cmd,
    params = excluded.params,
    requested_by = excluded.requested_by,
    queued_at = excluded.queued_at,
    sent_at = excluded.sent_at,
    finished_at = excluded.finished_at,
    outcome = excluded.outcome,
    reply = excluded.reply,
    latency_ms = excluded.latency_ms
)sql";

constexpr std::string_view append_event_sql =
    "INSERT INTO events (time, device_id, type, data) VALUES (?1, ?2, ?3, ?4)";

// The bounded history behind SSE replay (Last-Event-ID): ids are dense, so the
// newest N are those above last - N.
constexpr std::string_view prune_events_sql = "DELETE FROM events WHERE id <= ?1";

Status run(Statement& s, std::string_view what) {
    const int rc = s.step();
    Status st = rc == SQLITE_DONE ? Status{} : status_from(s.db(), rc, what);
    s.reset();
    return st;
}

}  // namespace

Result<BatchWriter> BatchWriter::prepare(sqlite3* db) {
    BatchWriter w;
    w.db_ = db;
    for (auto [stmt, sql] : {std::pair{&w.upsert_device_, upsert_device_sql},
                             std::pair{&w.put_command_, put_command_sql},
                             std::pair{&w.append_event_, append_event_sql},
                             std::pair{&w.prune_events_, prune_events_sql}}) {
        auto s = Statement::prepare(db, sql);
        if (!s) return s.error();
        *stmt = std::move(*s);
    }
    return w;
}

Result<std::size_t> BatchWriter::write(const PendingWrites& batch) {
    Transaction txn(db_);
    if (Status s = txn.begin(); !s) return s;
    event_ids_.clear();
    if (Status s = write_rows(batch); !s) {
        event_ids_.clear();
        return s;
    }
    if (Status s = txn.commit(); !s) {
        event_ids_.clear();
        return s;
    }
    return batch.size();
}

Status BatchWriter::write_rows(const PendingWrites& batch) {
    for (const auto& [id, d] : batch.devices()) {
        auto& s = upsert_device_;
        s.bind(1, std::string_view(d.id));
        s.bind(2, d.name);
        s.bind(3, d.firmware_version);
        s.bind(4, d.battery_percent);
        s.bind(5, d.connectivity_state);
        s.bind(6, d.volume);
        s.bind(7, d.brightness);
        s.bind(8, d.uptime_sec);
        s.bind(9, std::int64_t{d.online ? 1 : 0});
        s.bind(10, d.remote_addr);
        // 0 means "not given": a new row then counts from last_seen.
        s.bind(11, d.first_seen != 0 ? d.first_seen : d.last_seen);
        s.bind(12, d.last_seen);
        s.bind(13, d.last_handshake);
        if (Status st = run(s, "cannot write device"); !st) return st;
    }
    for (const auto& [id, c] : batch.commands()) {
        auto& s = put_command_;
        s.bind(1, static_cast<std::int64_t>(c.id));
        s.bind(2, std::string_view(c.device_id));
        s.bind(3, std::string_view(c.cmd));
        s.bind(4, std::string_view(c.params));
        s.bind(5, std::string_view(c.requested_by));
        s.bind(6, c.queued_at);
        s.bind(7, c.sent_at);
        s.bind(8, c.finished_at);
        s.bind(9, c.outcome);
        s.bind(10, c.reply);
        s.bind(11, c.latency_ms);
        if (Status st = run(s, "cannot write command"); !st) return st;
    }
    for (const EventRecord& e : batch.events()) {
        auto& s = append_event_;
        s.bind(1, e.time);
        s.bind(2, e.device_id);
        s.bind(3, std::string_view(e.type));
        s.bind(4, std::string_view(e.data));
        if (Status st = run(s, "cannot write event"); !st) return st;
        event_ids_.push_back(static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_)));
    }
    if (retention_ > 0 && !event_ids_.empty() && event_ids_.back() > retention_) {
        auto& s = prune_events_;
        s.bind(1, static_cast<std::int64_t>(event_ids_.back() - retention_));
        if (Status st = run(s, "cannot prune events"); !st) return st;
    }
    return {};
}

}  // namespace ptalk::store::sqlite
