// SqliteStore's security tables (migration v4): API tokens and the device
// allowlist. These change at an operator's pace (a token created, a device
// registered), so each call opens its own short-lived connection and runs one
// synchronous transaction; the batch writer and its queue are not involved.
// The server keeps both tables in memory after start, so no request reads them.
#include <sqlite3.h>

#include <fmt/format.h>

#include "store/sqlite_store.hpp"

namespace ptalk::store {

namespace {

TokenRecord token_from(const sqlite::Statement& s) {
    TokenRecord t;
    t.id = static_cast<std::uint64_t>(s.int64(0));
    t.name = s.text(1);
    t.scope = s.text(2);
    t.device_id = s.opt_text(3);
    t.hash = s.text(4);
    t.prefix = s.text(5);
    t.created_at = s.int64(6);
    t.revoked_at = s.opt_int64(7);
    return t;
}

}  // namespace

Result<sqlite::Db> SqliteStore::security_db() {
    if (!is_open()) return Status{StatusCode::closed, "store is closed"};
    auto db = sqlite::open(file_, sqlite::OpenMode::read_write_create);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->get(), static_cast<int>(options_.busy_timeout.count()));
    return db;
}

Result<std::vector<TokenRecord>> SqliteStore::load_tokens() {
    auto db = security_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(),
        "SELECT id, name, scope, device_id, hash, prefix, created_at, revoked_at "
        "FROM api_tokens ORDER BY id");
    if (!q) return q.error();
    std::vector<TokenRecord> out;
    for (;;) {
        const int rc = q->step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return sqlite::status_from(db->get(), rc, "cannot read api_tokens");
        out.push_back(token_from(*q));
    }
    return out;
}

Result<std::uint64_t> SqliteStore::insert_token(const TokenRecord& t) {
    auto db = security_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(),
        "INSERT INTO api_tokens (name, scope, device_id, hash, prefix, created_at, revoked_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!q) return q.error();
    q->bind(1, std::string_view(t.name));
    q->bind(2, std::string_view(t.scope));
    q->bind(3, t.device_id);
    q->bind(4, std::string_view(t.hash));
    q->bind(5, std::string_view(t.prefix));
    q->bind(6, t.created_at);
    q->bind(7, t.revoked_at);
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot insert into api_tokens");
    }
    return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db->get()));
}

Result<bool> SqliteStore::revoke_token(std::uint64_t id, UnixMillis at) {
    auto db = security_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(), "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    if (!q) return q.error();
    q->bind(1, static_cast<std::int64_t>(id));
    q->bind(2, at);
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot update api_tokens");
    }
    return sqlite3_changes(db->get()) > 0;
}

Result<std::vector<AllowedDevice>> SqliteStore::load_allowlist() {
    auto db = security_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(), "SELECT device_id, name, added_at FROM device_allowlist ORDER BY device_id");
    if (!q) return q.error();
    std::vector<AllowedDevice> out;
    for (;;) {
        const int rc = q->step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            return sqlite::status_from(db->get(), rc, "cannot read device_allowlist");
        }
        out.push_back({q->text(0), q->opt_text(1), q->int64(2)});
    }
    return out;
}

Status SqliteStore::allow_device(const AllowedDevice& d) {
    auto db = security_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(),
        "INSERT INTO device_allowlist (device_id, name, added_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (device_id) DO UPDATE SET name = COALESCE(excluded.name, name)");
    if (!q) return q.error();
    q->bind(1, std::string_view(d.device_id));
    q->bind(2, d.name);
    q->bind(3, d.added_at);
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot write device_allowlist");
    }
    return {};
}

Result<bool> SqliteStore::disallow_device(const std::string& device_id) {
    auto db = security_db();
    if (!db) return db.error();
    auto q =
        sqlite::Statement::prepare(db->get(), "DELETE FROM device_allowlist WHERE device_id = ?1");
    if (!q) return q.error();
    q->bind(1, std::string_view(device_id));
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot write device_allowlist");
    }
    return sqlite3_changes(db->get()) > 0;
}

}  // namespace ptalk::store
