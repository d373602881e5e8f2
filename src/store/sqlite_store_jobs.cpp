// SqliteStore, migration v6 (issue 6): fleet jobs with their per-device
// outcomes, and webhook delivery logs and cursors. Writes go through the live
// tables' KeyedWriter (own connection and thread, one transaction per 20 ms
// window), so the I/O threads never wait for the disk and a 15 000-device job
// writes its outcomes in a few batches, not one transaction each. The loads
// run on a short-lived read connection of their own (start-up, blocking pool).
#include <sqlite3.h>

#include <fmt/format.h>

#include "store/sqlite_desired_sql.hpp"
#include "store/sqlite_store.hpp"

namespace ptalk::store {

namespace {

Status run_once(sqlite3* db, sqlite::Statement& s, std::string_view what) {
    const int rc = s.step();
    return rc == SQLITE_DONE ? Status{} : sqlite::status_from(db, rc, what);
}

constexpr std::string_view put_job_sql = R"sql(
INSERT OR REPLACE INTO jobs (id, spec, requested_by, created_at, finished_at, state,
                             cancel_requested, desired_applied, totals)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
)sql";

constexpr std::string_view put_job_device_sql = R"sql(
INSERT OR REPLACE INTO job_devices (job_id, seq, device_id, state, detail, command_ids)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql";

// Finished jobs beyond the newest `keep` finished ones; running jobs are never pruned.
constexpr std::string_view prune_job_devices_sql = R"sql(
DELETE FROM job_devices WHERE job_id IN (
    SELECT id FROM jobs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT -1 OFFSET ?1)
)sql";
constexpr std::string_view prune_jobs_sql = R"sql(
DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT -1 OFFSET ?1)
)sql";

constexpr std::string_view put_delivery_sql = R"sql(
INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, attempt, at, status,
                                delivered, error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
)sql";
constexpr std::string_view trim_deliveries_sql = R"sql(
DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND id <= (
    SELECT id FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
)sql";

}  // namespace

void SqliteStore::put_job(JobRecord j) {
    if (!live_writer_) return;
    auto key = "j:" + std::to_string(j.id);
    live_writer_->put(std::move(key), [j = std::move(j)](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(db, put_job_sql);
        if (!s) return s.error();
        s->bind(1, static_cast<std::int64_t>(j.id));
        s->bind(2, std::string_view(j.spec));
        s->bind(3, std::string_view(j.requested_by));
        s->bind(4, j.created_at);
        s->bind(5, j.finished_at);
        s->bind(6, std::string_view(j.state));
        s->bind(7, std::int64_t{j.cancel_requested ? 1 : 0});
        s->bind(8, std::int64_t{j.desired_applied ? 1 : 0});
        s->bind(9, std::string_view(j.totals));
        return run_once(db, *s, "cannot write job");
    });
}

void SqliteStore::put_job_devices(std::vector<JobDeviceRecord> rows,
                                  std::function<void()> on_committed) {
    if (!live_writer_) return;
    // A key of its own per batch (zero-padded: the writer applies keys in
    // order, so a later batch of the same device's row wins).
    auto key = fmt::format("jr:{:020}", ++job_rows_seq_);
    live_writer_->put(
        std::move(key),
        [rows = std::move(rows)](sqlite3* db) -> Status {
            auto s = sqlite::Statement::prepare(db, put_job_device_sql);
            if (!s) return s.error();
            for (const auto& r : rows) {
                s->reset();
                s->bind(1, static_cast<std::int64_t>(r.job_id));
                s->bind(2, static_cast<std::int64_t>(r.seq));
                s->bind(3, std::string_view(r.device_id));
                s->bind(4, std::string_view(r.state));
                s->bind(5, std::string_view(r.detail));
                s->bind(6, std::string_view(r.command_ids));
                if (Status st = run_once(db, *s, "cannot write job devices"); !st) return st;
            }
            return Status{};
        },
        std::move(on_committed));
}

void SqliteStore::prune_jobs(std::size_t keep) {
    if (!live_writer_) return;
    // "zp" sorts after the job rows of the same batch.
    live_writer_->put("zp:jobs", [keep](sqlite3* db) -> Status {
        for (auto sql : {prune_job_devices_sql, prune_jobs_sql}) {
            auto s = sqlite::Statement::prepare(db, sql);
            if (!s) return s.error();
            s->bind(1, static_cast<std::int64_t>(keep));
            if (Status st = run_once(db, *s, "cannot prune jobs"); !st) return st;
        }
        return Status{};
    });
}

Result<std::vector<JobRecord>> SqliteStore::load_jobs() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(
        db->get(),
        "SELECT id, spec, requested_by, created_at, finished_at, state, cancel_requested, "
        "desired_applied, totals FROM jobs ORDER BY id");
    if (!s) return s.error();
    std::vector<JobRecord> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        JobRecord j;
        j.id = static_cast<std::uint64_t>(s->int64(0));
        j.spec = s->text(1);
        j.requested_by = s->text(2);
        j.created_at = s->int64(3);
        j.finished_at = s->opt_int64(4);
        j.state = s->text(5);
        j.cancel_requested = s->int64(6) != 0;
        j.desired_applied = s->int64(7) != 0;
        j.totals = s->text(8);
        out.push_back(std::move(j));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read jobs");
    return out;
}

Result<std::vector<JobDeviceRecord>> SqliteStore::load_job_devices(std::uint64_t job_id) {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(db->get(),
                                        "SELECT seq, device_id, state, detail, command_ids "
                                        "FROM job_devices WHERE job_id = ?1 ORDER BY seq");
    if (!s) return s.error();
    s->bind(1, static_cast<std::int64_t>(job_id));
    std::vector<JobDeviceRecord> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        JobDeviceRecord r;
        r.job_id = job_id;
        r.seq = static_cast<std::uint64_t>(s->int64(0));
        r.device_id = s->text(1);
        r.state = s->text(2);
        r.detail = s->text(3);
        r.command_ids = s->text(4);
        out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read job devices");
    return out;
}

void SqliteStore::put_webhook_deliveries(std::uint64_t webhook_id,
                                         std::vector<WebhookDeliveryRecord> attempts,
                                         std::size_t keep) {
    if (!live_writer_ || attempts.empty()) return;
    auto key = fmt::format("wd:{:020}", ++job_rows_seq_);
    live_writer_->put(
        std::move(key), [webhook_id, keep, attempts = std::move(attempts)](sqlite3* db) -> Status {
            auto s = sqlite::Statement::prepare(db, put_delivery_sql);
            if (!s) return s.error();
            for (const auto& a : attempts) {
                s->reset();
                s->bind(1, static_cast<std::int64_t>(webhook_id));
                s->bind(2, static_cast<std::int64_t>(a.event_id));
                s->bind(3, std::string_view(a.event_type));
                s->bind(4, std::int64_t{a.attempt});
                s->bind(5, a.at);
                s->bind(6, std::int64_t{a.status});
                s->bind(7, std::int64_t{a.delivered ? 1 : 0});
                s->bind(8, std::string_view(a.error));
                if (Status st = run_once(db, *s, "cannot write webhook delivery"); !st) return st;
            }
            auto trim = sqlite::Statement::prepare(db, trim_deliveries_sql);
            if (!trim) return trim.error();
            trim->bind(1, static_cast<std::int64_t>(webhook_id));
            trim->bind(2, static_cast<std::int64_t>(keep));
            return run_once(db, *trim, "cannot trim webhook deliveries");
        });
}

void SqliteStore::put_webhook_cursor(std::uint64_t webhook_id, std::uint64_t last_event_id) {
    if (!live_writer_) return;
    live_writer_->put(
        "wc:" + std::to_string(webhook_id), [webhook_id, last_event_id](sqlite3* db) -> Status {
            auto s =
                sqlite::Statement::prepare(db,
                                           "INSERT OR REPLACE INTO webhook_cursors (webhook_id, "
                                           "last_event_id) VALUES (?1, ?2)");
            if (!s) return s.error();
            s->bind(1, static_cast<std::int64_t>(webhook_id));
            s->bind(2, static_cast<std::int64_t>(last_event_id));
            return run_once(db, *s, "cannot write webhook cursor");
        });
}

Result<std::vector<WebhookDeliveryRecord>> SqliteStore::load_webhook_deliveries(
    std::uint64_t webhook_id, std::size_t limit) {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(
        db->get(),
        "SELECT event_id, event_type, attempt, at, status, delivered, error "
        "FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2");
    if (!s) return s.error();
    s->bind(1, static_cast<std::int64_t>(webhook_id));
    s->bind(2, static_cast<std::int64_t>(limit));
    std::vector<WebhookDeliveryRecord> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW) {
        WebhookDeliveryRecord a;
        a.webhook_id = webhook_id;
        a.event_id = static_cast<std::uint64_t>(s->int64(0));
        a.event_type = s->text(1);
        a.attempt = static_cast<int>(s->int64(2));
        a.at = s->int64(3);
        a.status = static_cast<int>(s->int64(4));
        a.delivered = s->int64(5) != 0;
        a.error = s->text(6);
        out.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE)
        return sqlite::status_from(db->get(), rc, "cannot read webhook deliveries");
    return out;
}

Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> SqliteStore::load_webhook_cursors() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(db->get(),
                                        "SELECT webhook_id, last_event_id FROM webhook_cursors");
    if (!s) return s.error();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    int rc = 0;
    while ((rc = s->step()) == SQLITE_ROW)
        out.emplace_back(static_cast<std::uint64_t>(s->int64(0)),
                         static_cast<std::uint64_t>(s->int64(1)));
    if (rc != SQLITE_DONE) return sqlite::status_from(db->get(), rc, "cannot read webhook cursors");
    return out;
}

void SqliteStore::put_desired_many(std::vector<DesiredRecord> rows) {
    if (!live_writer_ || rows.empty()) return;
    // One writer entry for the lot; the upsert keeps the newest version when a
    // single put_desired of the same device lands in the same transaction.
    auto key = fmt::format("d*:{:020}", ++job_rows_seq_);
    live_writer_->put(std::move(key), [rows = std::move(rows)](sqlite3* db) -> Status {
        auto s = sqlite::Statement::prepare(db, sqlite::put_desired_sql);
        if (!s) return s.error();
        for (const auto& d : rows) {
            s->reset();
            s->bind(1, std::string_view(d.device_id));
            s->bind(2, d.volume);
            s->bind(3, d.brightness);
            s->bind(4, d.device_name);
            s->bind(5, static_cast<std::int64_t>(d.version));
            s->bind(6, d.updated_at);
            s->bind(7, std::string_view(d.updated_by));
            if (Status st = run_once(db, *s, "cannot write desired state"); !st) return st;
        }
        return Status{};
    });
}

Result<std::uint64_t> SqliteStore::max_event_id() {
    auto db = sqlite::open(file_, sqlite::OpenMode::read_only);
    if (!db) return db.error();
    auto s = sqlite::Statement::prepare(db->get(), "SELECT COALESCE(MAX(id), 0) FROM events");
    if (!s) return s.error();
    if (const int rc = s->step(); rc != SQLITE_ROW)
        return sqlite::status_from(db->get(), rc, "cannot read the last event id");
    return static_cast<std::uint64_t>(s->int64(0));
}

}  // namespace ptalk::store
