#pragma once
// What a crash leaves behind in the audit log, settled when the store opens.
#include <cstdint>

#include "store/sqlite.hpp"

namespace ptalk::store::sqlite {

// The outcome of a command that was queued or in flight when the server last
// stopped without a graceful shutdown (kill -9, a crash, power): whether the
// device applied it is unknown. A graceful shutdown ends them `shutdown`.
inline constexpr const char* interrupted_outcome = "interrupted";

// Ends every command still without an outcome as `interrupted` at `now_ms`,
// except those kept for an offline device (queued_commands, docs/LIVE.md),
// which are still to be sent. Found through the partial index of unfinished
// commands (migration 9), so the audit log is not scanned. Returns how many.
[[nodiscard]] Result<std::int64_t> end_interrupted_commands(sqlite3* db, std::int64_t now_ms);

}  // namespace ptalk::store::sqlite
