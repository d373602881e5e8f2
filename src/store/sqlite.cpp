#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace ptalk::store::sqlite {

void DbCloser::operator()(sqlite3* db) const noexcept {
    sqlite3_close_v2(db);
}

void Statement::Finalizer::operator()(sqlite3_stmt* s) const noexcept {
    sqlite3_finalize(s);
}

namespace {

StatusCode code_from(int rc) noexcept {
    switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
            return StatusCode::ok;
        case SQLITE_FULL:
            return StatusCode::full;
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return StatusCode::read_only;
        case SQLITE_IOERR:
            return StatusCode::io_error;
        case SQLITE_CANTOPEN:
            return StatusCode::cannot_open;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return StatusCode::corrupt;
        default:
            return StatusCode::error;
    }
}

}  // namespace

Status status_from(sqlite3* db, int rc, std::string_view what) {
    const StatusCode code = code_from(rc);
    if (code == StatusCode::ok) return {};
    // The connection's message is more precise than the code's, when it is about this rc.
    const char* detail =
        (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return {code, fmt::format("{}: {} (sqlite code {})", what, detail, rc)};
}

Result<Db> open(const std::filesystem::path& file, OpenMode mode) {
    const int flags = (mode == OpenMode::read_only ? SQLITE_OPEN_READONLY
                                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Db db(raw);  // sqlite hands out a handle even on failure; it must be closed
    if (rc != SQLITE_OK) {
        return status_from(db.get(), rc, fmt::format("cannot open {}", file.string()));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    return db;
}

Status exec(sqlite3* db, const char* sql, std::string_view what) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    return status_from(db, rc, what);
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    Statement s;
    s.stmt_.reset(raw);
    if (rc != SQLITE_OK) {
        return status_from(db, rc, fmt::format("cannot prepare \"{:.40}\"", sql));
    }
    return s;
}

void Statement::bind(int index, std::int64_t v) noexcept {
    sqlite3_bind_int64(stmt_.get(), index, v);
}

void Statement::bind(int index, std::string_view v) noexcept {
    sqlite3_bind_text64(stmt_.get(), index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::bind_null(int index) noexcept {
    sqlite3_bind_null(stmt_.get(), index);
}

void Statement::bind(int index, const std::optional<std::string>& v) noexcept {
    if (v) {
        bind(index, std::string_view(*v));
    } else {
        bind_null(index);
    }
}

int Statement::step() noexcept {
    return sqlite3_step(stmt_.get());
}

void Statement::reset() noexcept {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int col) const noexcept {
    return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

std::int64_t Statement::int64(int col) const noexcept {
    return sqlite3_column_int64(stmt_.get(), col);
}

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(stmt_.get(), col);
    const int n = sqlite3_column_bytes(stmt_.get(), col);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::optional<std::int64_t> Statement::opt_int64(int col) const noexcept {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::optional<int> Statement::opt_int(int col) const noexcept {
    if (is_null(col)) return std::nullopt;
    return sqlite3_column_int(stmt_.get(), col);
}

std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

sqlite3* Statement::db() const noexcept {
    return sqlite3_db_handle(stmt_.get());
}

Transaction::~Transaction() {
    // After some errors (FULL, IOERR) sqlite has already rolled back by itself.
    if (open_ && sqlite3_get_autocommit(db_) == 0) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

Status Transaction::begin() {
    Status s = exec(db_, "BEGIN IMMEDIATE", "cannot begin transaction");
    open_ = s.ok();
    return s;
}

Status Transaction::commit() {
    Status s = exec(db_, "COMMIT", "cannot commit");
    // A failed COMMIT may leave the transaction open; the destructor rolls it back.
    if (s.ok()) open_ = false;
    return s;
}

}  // namespace ptalk::store::sqlite
