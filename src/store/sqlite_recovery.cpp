#include "store/sqlite_recovery.hpp"

#include <sqlite3.h>

namespace ptalk::store::sqlite {

Result<std::int64_t> end_interrupted_commands(sqlite3* db, std::int64_t now_ms) {
    auto update = Statement::prepare(
        db,
        "UPDATE commands SET outcome = ?1, finished_at = ?2 "
        "WHERE outcome IS NULL AND id NOT IN (SELECT id FROM queued_commands)");
    if (!update) return update.error();
    update->bind(1, std::string_view(interrupted_outcome));
    update->bind(2, now_ms);
    if (const int rc = update->step(); rc != SQLITE_DONE) {
        return status_from(db, rc, "cannot end the commands a crash interrupted");
    }
    return static_cast<std::int64_t>(sqlite3_changes(db));
}

}  // namespace ptalk::store::sqlite
