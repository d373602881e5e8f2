#include "store/migrations.hpp"

#include <sqlite3.h>

#include <array>
#include <string>

#include <fmt/format.h>

#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace ptalk::store::sqlite {

namespace {

// Version 1: the registry, the audit log and the event log. Times are unix ms.
constexpr std::string_view v1 = R"sql(
CREATE TABLE devices (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT,
    firmware_version   TEXT,
    battery_percent    INTEGER,
    connectivity_state TEXT,
    volume             INTEGER,
    brightness         INTEGER,
    uptime_sec         INTEGER,
    online             INTEGER NOT NULL DEFAULT 0,
    remote_addr        TEXT,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL,
    last_handshake     INTEGER
);
CREATE TABLE commands (
    id           INTEGER PRIMARY KEY NOT NULL,
    device_id    TEXT NOT NULL,
    cmd          TEXT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',
    requested_by TEXT NOT NULL DEFAULT '',
    queued_at    INTEGER NOT NULL,
    sent_at      INTEGER,
    finished_at  INTEGER,
    outcome      TEXT,
    reply        TEXT,
    latency_ms   INTEGER
);
CREATE INDEX commands_by_device ON commands (device_id, id);
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time      INTEGER NOT NULL,
    device_id TEXT,
    type      TEXT NOT NULL,
    data      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_device ON events (device_id, id);
CREATE INDEX events_by_type ON events (type, id);
)sql";

// Version 3 (issue 6): desired state per device (also for ids never seen:
// pre-provisioning), commands queued for offline devices, outgoing webhooks.
constexpr std::string_view v3 = R"sql(
CREATE TABLE desired_state (
    device_id   TEXT PRIMARY KEY NOT NULL,
    volume      INTEGER,
    brightness  INTEGER,
    device_name TEXT,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE queued_commands (
    id           INTEGER PRIMARY KEY NOT NULL,
    device_id    TEXT NOT NULL,
    cmd          TEXT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',
    requested_by TEXT NOT NULL DEFAULT '',
    queued_at    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    timeout_ms   INTEGER NOT NULL
);
CREATE INDEX queued_commands_by_device ON queued_commands (device_id, id);
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    types      TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
);
)sql";

// Version 4: API tokens (only their SHA-256 is kept) and the device allowlist
// (docs/SECURITY.md). A revoked token keeps its row so its hash is never re-imported.
constexpr std::string_view v4 = R"sql(
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    device_id  TEXT,
    hash       TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE device_allowlist (
    device_id TEXT PRIMARY KEY NOT NULL,
    name      TEXT,
    added_at  INTEGER NOT NULL
);
)sql";

// Version 5: the firmware catalogue's metadata (docs/FIRMWARE.md). The images
// are files named by their sha256 under <data_dir>/firmware/; versions may share one.
constexpr std::string_view v5 = R"sql(
CREATE TABLE firmware (
    version             TEXT PRIMARY KEY NOT NULL,
    project_name        TEXT NOT NULL DEFAULT '',
    idf_version         TEXT NOT NULL DEFAULT '',
    build_date          TEXT NOT NULL DEFAULT '',
    sha256              TEXT NOT NULL,
    size                INTEGER NOT NULL,
    notes               TEXT NOT NULL DEFAULT '',
    min_battery_percent INTEGER,
    uploaded_at         INTEGER NOT NULL,
    uploaded_by         TEXT NOT NULL DEFAULT '',
    descriptor_version  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX firmware_by_sha256 ON firmware (sha256);
)sql";

// Version 2: firmware updates (one row per device update) and rollouts.
constexpr std::string_view v2 = R"sql(
CREATE TABLE ota_updates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    rollout_id   INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    needs_reboot INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL DEFAULT '',
    bytes_acked  INTEGER NOT NULL DEFAULT 0,
    bytes_total  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX ota_updates_by_device ON ota_updates (device_id, id);
CREATE INDEX ota_updates_by_rollout ON ota_updates (rollout_id, id);
CREATE INDEX ota_updates_by_state ON ota_updates (state);
CREATE TABLE rollouts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    state        TEXT NOT NULL,
    spec         TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
)sql";

// Version 6 (issue 6): fleet jobs and their per-device outcomes survive a
// restart; webhook delivery attempts (bounded per webhook) and the id of the
// last event delivered per webhook, so delivery resumes from the event history.
constexpr std::string_view v6 = R"sql(
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY NOT NULL,
    spec             TEXT NOT NULL,
    requested_by     TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    state            TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    desired_applied  INTEGER NOT NULL DEFAULT 0,
    totals           TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE job_devices (
    job_id      INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    command_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL,
    event_id   INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    delivered  INTEGER NOT NULL,
    error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE TABLE webhook_cursors (
    webhook_id    INTEGER PRIMARY KEY NOT NULL,
    last_event_id INTEGER NOT NULL
);
)sql";

// Version 7: the events table loses its two secondary indexes. Every read of
// events (the SSE replay, webhook catch-up) walks the id range and filters as it
// goes, so they were never used, and they were two of an event's three B-tree
// inserts: about half of the store writer's rows are events (docs/PERFORMANCE.md).
constexpr std::string_view v7 = R"sql(
DROP INDEX IF EXISTS events_by_device;
DROP INDEX IF EXISTS events_by_type;
)sql";

// Version 8: a device's command history is found through an index that leads
// with the command id's bucket (id >> 14: 16 384 commands). The old index led
// with the device id, so each batch of commands landed on as many index pages
// as it had devices, all over an index that grows with the audit log: that was
// half of the store writer's CPU and bytes (docs/PERFORMANCE.md, run E). Now a
// batch only touches the newest bucket's pages. A device's history is read
// bucket by bucket, newest first (Reader::list_commands); the shift must match
// sqlite::command_bucket_shift.
constexpr std::string_view v8 = R"sql(
DROP INDEX IF EXISTS commands_by_device;
CREATE INDEX commands_by_bucket_device ON commands ((id >> 14), device_id, id);
)sql";

// Version 9: the commands still without an outcome — a handful, those queued
// or in flight — in a partial index, so that the store, when it opens after a
// crash, ends them `interrupted` without scanning the audit log
// (sqlite_recovery.hpp). A command written with its outcome never enters it.
constexpr std::string_view v9 = R"sql(
CREATE INDEX commands_unfinished ON commands (id) WHERE outcome IS NULL;
)sql";

constexpr std::array<Migration, 9> all{
    {{1, v1}, {2, v2}, {3, v3}, {4, v4}, {5, v5}, {6, v6}, {7, v7}, {8, v8}, {9, v9}}};

constexpr const char* create_version_table =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)";

Status apply(sqlite3* db, const Migration& m) {
    Transaction txn(db);
    if (Status s = txn.begin(); !s) return s;
    const std::string sql(m.sql);  // sqlite3_exec needs a terminated string
    if (Status s = exec(db, sql.c_str(), fmt::format("schema migration {}", m.version)); !s) {
        return s;
    }
    auto insert = Statement::prepare(db,
                                     "INSERT INTO schema_version (version, applied_at) "
                                     "VALUES (?1, ?2)");
    if (!insert) return insert.error();
    insert->bind(1, std::int64_t{m.version});
    insert->bind(2, unix_millis_now());
    if (const int rc = insert->step(); rc != SQLITE_DONE) {
        return status_from(db, rc, fmt::format("schema migration {}", m.version));
    }
    return txn.commit();
}

}  // namespace

std::span<const Migration> schema_migrations() noexcept {
    return all;
}

Result<int> schema_version(sqlite3* db) {
    if (Status s = exec(db, create_version_table, "cannot create schema_version"); !s) return s;
    auto q = Statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!q) return q.error();
    if (const int rc = q->step(); rc != SQLITE_ROW) {
        return status_from(db, rc, "cannot read schema_version");
    }
    return static_cast<int>(q->int64(0));
}

Status migrate(sqlite3* db, std::span<const Migration> migrations) {
    auto current = schema_version(db);
    if (!current) return current.error();
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (*current > newest) {
        return {StatusCode::schema_too_new,
                fmt::format("database schema version {} is newer than this ptalk's ({})", *current,
                            newest)};
    }
    // Versions are applied by what is recorded, not by the newest: branches land
    // their migrations in any order, so v2 may arrive after a database got v4.
    auto applied = Statement::prepare(db, "SELECT 1 FROM schema_version WHERE version = ?1");
    if (!applied) return applied.error();
    for (const Migration& m : migrations) {
        applied->reset();
        applied->bind(1, std::int64_t{m.version});
        const int rc = applied->step();
        if (rc == SQLITE_ROW) continue;
        if (rc != SQLITE_DONE) return status_from(db, rc, "cannot read schema_version");
        applied->reset();
        if (Status s = apply(db, m); !s) return s;
    }
    return {};
}

}  // namespace ptalk::store::sqlite
