// SqliteStore, issue 6's tables: desired state and queued commands. Low-rate
// writes go through their own KeyedWriter (never block the caller); the loads
// run once at start-up on a connection of their own.
#include <sqlite3.h>

#include "store/sqlite_desired_sql.hpp"
#include "store/sqlite_store.hpp"

namespace ptalk::store {

namespace {

constexpr std::string_view put_queued_sql = R"sql(
INSERT OR REPLACE INTO queued_commands (id, device_id, cmd, params, requested_by, queued_at,
                                        expires_at, timeout_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
)sql";

Status run_once(sqlite3* db, sqlite::Statement& s, std::string_view what) {
    const int rc = s.step();
    return rc == SQLITE_DONE ? Status{} : sqlite::status_from(db, rc, what);
}

Status bind_and_put_desired(sqlite3* db, sqlite::Statement& s, const DesiredRecord& d) {
    s.reset();
    s.bind(1, std::string_view(d.device_id));
    s.bind(2, d.volume);
    s.bind(3, d.brightness);
    s.bind(4, d.device_name);
    s.bind(5, static_cast<std::int64_t>(d.version));
    s.bind(6, d.updated_at);
    s.bind(7, std::string_view(d.updated_by));
    return run_once(db, s, "cannot write desired state");
}

}  // namespace

Status SqliteStore::open_live() {
    live_writer_ = std::make_unique<sqlite::KeyedWriter>();
    return live_writer_->open(file_, options_.busy_timeout, std::chrono::milliseconds(20));
}

void SqliteStore::put_desired(DesiredRecord d) {
    if (!live_writer_) return;
    auto key = "d:" + d.device_id;
    live_writer_->put(std::move(key), [d = std::move(d)](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(db, sqlite::put_desired_sql);
        if (!s) return s.error();
        return bind_and_put_desired(db, *s, d);
    });
}

void SqliteStore::put_queued_command(QueuedCommand q) {
    if (!live_writer_) return;
    auto key = "q:" + std::to_string(q.id);
    live_writer_->put(std::move(key), [q = std::move(q)](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(db, put_queued_sql);
        if (!s) return s.error();
        s->bind(1, static_cast<std::int64_t>(q.id));
        s->bind(2, std::string_view(q.device_id));
        s->bind(3, std::string_view(q.cmd));
        s->bind(4, std::string_view(q.params));
        s->bind(5, std::string_view(q.requested_by));
        s->bind(6, q.queued_at);
        s->bind(7, q.expires_at);
        s->bind(8, q.timeout_ms);
        return run_once(db, *s, "cannot write queued command");
    });
}

void SqliteStore::remove_queued_command(std::uint64_t id) {
    if (!live_writer_) return;
    live_writer_->put("q:" + std::to_string(id), [id](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(db, "DELETE FROM queued_commands WHERE id = ?1");
        if (!s) return s.error();
        s->bind(1, static_cast<std::int64_t>(id));
        return run_once(db, *s, "cannot remove queued command");
    });
}

Status SqliteStore::flush_live(std::chrono::milliseconds max_wait) {
    if (!live_writer_) return {StatusCode::closed, "store is closed"};
    return live_writer_->flush(max_wait);
}

Result<std::vector<DesiredRecord>> SqliteStore::load_desired() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(db->get(),
                                        "SELECT device_id, volume, brightness, device_name, "
                                        "version, updated_at, updated_by FROM desired_state");
    if (!s) return s.error();
    std::vector<DesiredRecord> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        DesiredRecord d;
        d.device_id = s->text(0);
        if (auto v = s->opt_int64(1)) d.volume = static_cast<int>(*v);
        if (auto v = s->opt_int64(2)) d.brightness = static_cast<int>(*v);
        if (!s->is_null(3)) d.device_name = s->text(3);
        d.version = static_cast<std::uint64_t>(s->int64(4));
        d.updated_at = s->int64(5);
        d.updated_by = s->text(6);
        out.push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read desired state");
    return out;
}

Result<std::vector<QueuedCommand>> SqliteStore::load_queued_commands() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(
        db->get(),
        "SELECT id, device_id, cmd, params, requested_by, queued_at, expires_at, timeout_ms "
        "FROM queued_commands ORDER BY id");
    if (!s) return s.error();
    std::vector<QueuedCommand> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        QueuedCommand q;
        q.id = static_cast<std::uint64_t>(s->int64(0));
        q.device_id = s->text(1);
        q.cmd = s->text(2);
        q.params = s->text(3);
        q.requested_by = s->text(4);
        q.queued_at = s->int64(5);
        q.expires_at = s->int64(6);
        q.timeout_ms = s->int64(7);
        out.push_back(std::move(q));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read queued commands");
    return out;
}

void SqliteStore::put_webhook(WebhookRecord w) {
    if (!live_writer_) return;
    auto key = "w:" + std::to_string(w.id);
    live_writer_->put(std::move(key), [w = std::move(w)](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(
            db,
            "INSERT OR REPLACE INTO webhooks (id, url, secret, types, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!s) return s.error();
        s->bind(1, static_cast<std::int64_t>(w.id));
        s->bind(2, std::string_view(w.url));
        s->bind(3, std::string_view(w.secret));
        s->bind(4, std::string_view(w.types));
        s->bind(5, w.created_at);
        return run_once(db, *s, "cannot write webhook");
    });
}

void SqliteStore::remove_webhook(std::uint64_t id) {
    if (!live_writer_) return;
    live_writer_->put("w:" + std::to_string(id), [id](sqlite3* db) -> Status {
        // With its delivery log and cursor (migration v6).
        for (const char* sql : {"DELETE FROM webhooks WHERE id = ?1",
                                "DELETE FROM webhook_deliveries WHERE webhook_id = ?1",
                                "DELETE FROM webhook_cursors WHERE webhook_id = ?1"}) {
            auto s = sqlite::Statement::prepare(db, sql);
            if (!s) return s.error();
            s->bind(1, static_cast<std::int64_t>(id));
            if (Status st = run_once(db, *s, "cannot remove webhook"); !st) return st;
        }
        return Status{};
    });
}

Result<std::vector<WebhookRecord>> SqliteStore::load_webhooks() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(
        db->get(), "SELECT id, url, secret, types, created_at FROM webhooks ORDER BY id");
    if (!s) return s.error();
    std::vector<WebhookRecord> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        WebhookRecord w;
        w.id = static_cast<std::uint64_t>(s->int64(0));
        w.url = s->text(1);
        w.secret = s->text(2);
        w.types = s->text(3);
        w.created_at = s->int64(4);
        out.push_back(std::move(w));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read webhooks");
    return out;
}

}  // namespace ptalk::store
