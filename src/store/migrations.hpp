#pragma once
// Schema migrations, versioned in the binary. Each runs in its own transaction
// together with its row in schema_version, so a crash mid-upgrade leaves the
// database at the previous version, never half-migrated.
#include <span>
#include <string_view>

#include "store/status.hpp"

struct sqlite3;

namespace ptalk::store::sqlite {

struct Migration {
    int version;           // 1, 2, 3 ... in order, no gaps
    std::string_view sql;  // one or more statements
};

// The schema of this binary, oldest first.
[[nodiscard]] std::span<const Migration> schema_migrations() noexcept;

// The highest applied version; 0 for an empty database.
[[nodiscard]] Result<int> schema_version(sqlite3* db);

// Applies every migration newer than the database's version, in order. A
// database newer than the last migration is refused (schema_too_new).
[[nodiscard]] Status migrate(sqlite3* db, std::span<const Migration> migrations);

}  // namespace ptalk::store::sqlite
