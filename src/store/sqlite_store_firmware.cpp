// SqliteStore's firmware table (migration v5). Uploads are rare and an
// operator waits for each, so every call opens its own short-lived connection
// and runs one synchronous transaction; the batch writer and its queue are not
// involved. The catalogue keeps the rows in memory after load, so no request
// reads this table.
#include <sqlite3.h>

#include "store/sqlite_store.hpp"

namespace ptalk::store {

Result<sqlite::Db> SqliteStore::firmware_db() {
    if (!is_open()) return Status{StatusCode::closed, "store is closed"};
    auto db = sqlite::open(file_, sqlite::OpenMode::read_write_create);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->get(), static_cast<int>(options_.busy_timeout.count()));
    return db;
}

Result<std::vector<FirmwareRecord>> SqliteStore::load_firmware() {
    auto db = firmware_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(),
        "SELECT version, project_name, idf_version, build_date, sha256, size, notes, "
        "min_battery_percent, uploaded_at, uploaded_by, descriptor_version FROM firmware ORDER BY "
        "uploaded_at");
    if (!q) return q.error();
    std::vector<FirmwareRecord> out;
    for (;;) {
        const int rc = q->step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return sqlite::status_from(db->get(), rc, "cannot read firmware");
        FirmwareRecord f;
        f.version = q->text(0);
        f.project_name = q->text(1);
        f.idf_version = q->text(2);
        f.build_date = q->text(3);
        f.sha256 = q->text(4);
        f.size = static_cast<std::uint64_t>(q->int64(5));
        f.notes = q->text(6);
        f.min_battery_percent = q->opt_int(7);
        f.uploaded_at = q->int64(8);
        f.uploaded_by = q->text(9);
        f.descriptor_version = q->text(10);
        out.push_back(std::move(f));
    }
    return out;
}

Result<bool> SqliteStore::insert_firmware(const FirmwareRecord& f) {
    auto db = firmware_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(
        db->get(),
        "INSERT INTO firmware (version, project_name, idf_version, build_date, sha256, size, "
        "notes, min_battery_percent, uploaded_at, uploaded_by, descriptor_version) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (version) DO NOTHING");
    if (!q) return q.error();
    q->bind(1, std::string_view(f.version));
    q->bind(2, std::string_view(f.project_name));
    q->bind(3, std::string_view(f.idf_version));
    q->bind(4, std::string_view(f.build_date));
    q->bind(5, std::string_view(f.sha256));
    q->bind(6, static_cast<std::int64_t>(f.size));
    q->bind(7, std::string_view(f.notes));
    q->bind(8, f.min_battery_percent);
    q->bind(9, f.uploaded_at);
    q->bind(10, std::string_view(f.uploaded_by));
    q->bind(11, std::string_view(f.descriptor_version));
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot insert firmware");
    }
    return sqlite3_changes(db->get()) == 1;
}

Result<bool> SqliteStore::delete_firmware(const std::string& version) {
    auto db = firmware_db();
    if (!db) return db.error();
    auto q = sqlite::Statement::prepare(db->get(), "DELETE FROM firmware WHERE version = ?1");
    if (!q) return q.error();
    q->bind(1, std::string_view(version));
    if (const int rc = q->step(); rc != SQLITE_DONE) {
        return sqlite::status_from(db->get(), rc, "cannot delete firmware");
    }
    return sqlite3_changes(db->get()) == 1;
}

}  // namespace ptalk::store
