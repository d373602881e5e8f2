#pragma once
// Thin RAII over the sqlite3 C API: a connection, a prepared statement, a
// transaction. Only what the store needs; every SQL text is a constant and
// every value goes through a bind.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ptalk::store::sqlite {

struct DbCloser {
    void operator()(sqlite3* db) const noexcept;
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

// Maps an sqlite result code (and the connection's message) to a Status.
[[nodiscard]] Status status_from(sqlite3* db, int rc, std::string_view what);

enum class OpenMode { read_write_create, read_only };
[[nodiscard]] Result<Db> open(const std::filesystem::path& file, OpenMode mode);

// Runs SQL without results (pragmas, DDL, BEGIN/COMMIT).
[[nodiscard]] Status exec(sqlite3* db, const char* sql, std::string_view what);

class Statement {
  public:
    Statement() = default;
    [[nodiscard]] static Result<Statement> prepare(sqlite3* db, std::string_view sql);

    // Text is bound without a copy: the string must live until the next reset().
    void bind(int index, std::int64_t v) noexcept;
    void bind(int index, std::string_view v) noexcept;
    void bind_null(int index) noexcept;
    void bind(int index, const std::optional<std::string>& v) noexcept;
    template <class Int>
    void bind(int index, const std::optional<Int>& v) noexcept {
        if (v) {
            bind(index, static_cast<std::int64_t>(*v));
        } else {
            bind_null(index);
        }
    }

    // SQLITE_ROW, SQLITE_DONE or an error code.
    [[nodiscard]] int step() noexcept;
    // Ready for the next execution: resets and clears the bindings.
    void reset() noexcept;

    [[nodiscard]] bool is_null(int col) const noexcept;
    [[nodiscard]] std::int64_t int64(int col) const noexcept;
    [[nodiscard]] std::string text(int col) const;
    [[nodiscard]] std::optional<std::int64_t> opt_int64(int col) const noexcept;
    [[nodiscard]] std::optional<int> opt_int(int col) const noexcept;
    [[nodiscard]] std::optional<std::string> opt_text(int col) const;

    [[nodiscard]] sqlite3* db() const noexcept;
    explicit operator bool() const noexcept { return stmt_ != nullptr; }

  private:
    struct Finalizer {
        void operator()(sqlite3_stmt* s) const noexcept;
    };
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE now, ROLLBACK on destruction unless commit() succeeded.
class Transaction {
  public:
    explicit Transaction(sqlite3* db) noexcept : db_(db) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    [[nodiscard]] Status begin();
    [[nodiscard]] Status commit();

  private:
    sqlite3* db_;
    bool open_ = false;
};

}  // namespace ptalk::store::sqlite
