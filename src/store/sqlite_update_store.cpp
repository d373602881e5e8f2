#include "store/sqlite_update_store.hpp"

#include <sqlite3.h>

namespace ptalk::store {

namespace {

Status closed() {
    return {StatusCode::closed, "update store is not open"};
}

constexpr const char* update_columns =
    "id, device_id, version, rollout_id, state, attempts, needs_reboot, error, requested_by, "
    "bytes_acked, bytes_total, created_at, updated_at, finished_at";

UpdateRecord read_update(const sqlite::Statement& q) {
    UpdateRecord u;
    u.id = static_cast<std::uint64_t>(q.int64(0));
    u.device_id = q.text(1);
    u.version = q.text(2);
    u.rollout_id = static_cast<std::uint64_t>(q.int64(3));
    u.state = q.text(4);
    u.attempts = static_cast<std::uint32_t>(q.int64(5));
    u.needs_reboot = q.int64(6) != 0;
    u.error = q.text(7);
    u.requested_by = q.text(8);
    u.bytes_acked = static_cast<std::uint64_t>(q.int64(9));
    u.bytes_total = static_cast<std::uint64_t>(q.int64(10));
    u.created_at = q.int64(11);
    u.updated_at = q.int64(12);
    u.finished_at = q.opt_int64(13);
    return u;
}

}  // namespace

Status SqliteUpdateStore::open(const std::filesystem::path& file) {
    std::lock_guard lock(mutex_);
    auto db = sqlite::open(file, sqlite::OpenMode::read_write_create);
    if (!db) return db.error();
    db_ = std::move(*db);
    sqlite3_busy_timeout(db_.get(), 5000);
    return sqlite::exec(db_.get(), "PRAGMA synchronous=NORMAL", "cannot set synchronous");
}

Result<std::uint64_t> SqliteUpdateStore::put_update(const UpdateRecord& u) {
    std::lock_guard lock(mutex_);
    if (!db_) return closed();
    auto q = sqlite::Statement::prepare(
        db_.get(),
        "INSERT OR REPLACE INTO ota_updates (id, device_id, version, rollout_id, state, attempts, "
        "needs_reboot, error, requested_by, bytes_acked, bytes_total, created_at, updated_at, "
        "finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!q) return q.error();
    if (u.id != 0)
        q->bind(1, static_cast<std::int64_t>(u.id));
    else
        q->bind_null(1);
    q->bind(2, std::string_view((u).device_id));
    q->bind(3, std::string_view((u).version));
    q->bind(4, static_cast<std::int64_t>(u.rollout_id));
    q->bind(5, std::string_view((u).state));
    q->bind(6, std::int64_t{u.attempts});
    q->bind(7, std::int64_t{u.needs_reboot ? 1 : 0});
    q->bind(8, std::string_view((u).error));
    q->bind(9, std::string_view((u).requested_by));
    q->bind(10, static_cast<std::int64_t>(u.bytes_acked));
    q->bind(11, static_cast<std::int64_t>(u.bytes_total));
    q->bind(12, u.created_at);
    q->bind(13, u.updated_at);
    q->bind(14, u.finished_at);
    if (const int rc = q->step(); rc != SQLITE_DONE)
        return sqlite::status_from(db_.get(), rc, "cannot write a firmware update");
    return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Result<std::vector<UpdateRecord>> SqliteUpdateStore::load_updates(const UpdateFilter& f) {
    std::lock_guard lock(mutex_);
    if (!db_) return closed();
    std::string sql = std::string("SELECT ") + update_columns +
                      " FROM ota_updates WHERE (?1 = 0 OR state NOT IN ('succeeded', 'failed', "
                      "'cancelled')) AND (?2 IS NULL OR device_id = ?2) AND (?3 IS NULL OR "
                      "rollout_id = ?3) ORDER BY id DESC LIMIT ?4";
    auto q = sqlite::Statement::prepare(db_.get(), sql);
    if (!q) return q.error();
    q->bind(1, std::int64_t{f.active_only ? 1 : 0});
    q->bind(2, f.device_id);
    q->bind(3, f.rollout_id);
    q->bind(4, static_cast<std::int64_t>(f.limit));
    std::vector<UpdateRecord> out;
    int rc = 0;
    while ((rc = q->step()) == SQLITE_ROW)
        out.push_back(read_update(*q));
    if (rc != SQLITE_DONE)
        return sqlite::status_from(db_.get(), rc, "cannot read firmware updates");
    return out;
}

Result<std::uint64_t> SqliteUpdateStore::put_rollout(const RolloutRecord& r) {
    std::lock_guard lock(mutex_);
    if (!db_) return closed();
    auto q = sqlite::Statement::prepare(
        db_.get(),
        "INSERT OR REPLACE INTO rollouts (id, state, spec, reason, requested_by, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!q) return q.error();
    if (r.id != 0)
        q->bind(1, static_cast<std::int64_t>(r.id));
    else
        q->bind_null(1);
    q->bind(2, std::string_view((r).state));
    q->bind(3, std::string_view((r).spec));
    q->bind(4, std::string_view((r).reason));
    q->bind(5, std::string_view((r).requested_by));
    q->bind(6, r.created_at);
    q->bind(7, r.updated_at);
    if (const int rc = q->step(); rc != SQLITE_DONE)
        return sqlite::status_from(db_.get(), rc, "cannot write a rollout");
    return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Result<std::vector<RolloutRecord>> SqliteUpdateStore::load_rollouts() {
    std::lock_guard lock(mutex_);
    if (!db_) return closed();
    auto q = sqlite::Statement::prepare(
        db_.get(),
        "SELECT id, state, spec, reason, requested_by, created_at, updated_at FROM rollouts "
        "ORDER BY id DESC");
    if (!q) return q.error();
    std::vector<RolloutRecord> out;
    int rc = 0;
    while ((rc = q->step()) == SQLITE_ROW) {
        RolloutRecord r;
        r.id = static_cast<std::uint64_t>(q->int64(0));
        r.state = q->text(1);
        r.spec = q->text(2);
        r.reason = q->text(3);
        r.requested_by = q->text(4);
        r.created_at = q->int64(5);
        r.updated_at = q->int64(6);
        out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db_.get(), rc, "cannot read rollouts");
    return out;
}

}  // namespace ptalk::store
