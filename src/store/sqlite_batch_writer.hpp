#pragma once
// Writes one batch of pending writes in one transaction with statements
// prepared once. Used by the store's writer thread only.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/pending_writes.hpp"
#include "store/sqlite.hpp"
#include "store/status.hpp"

namespace ptalk::store::sqlite {

class BatchWriter {
  public:
    [[nodiscard]] static Result<BatchWriter> prepare(sqlite3* db);

    // All or nothing: the rows written, or the error after a rollback.
    [[nodiscard]] Result<std::size_t> write(const PendingWrites& batch);
    // The ids the last successful write() gave its events, in order.
    [[nodiscard]] const std::vector<std::uint64_t>& event_ids() const noexcept {
        return event_ids_;
    }
    // Each batch also deletes events older than the newest `n` (0: keep all).
    void set_event_retention(std::size_t n) noexcept { retention_ = n; }

  private:
    Status write_rows(const PendingWrites& batch);

    sqlite3* db_ = nullptr;
    Statement upsert_device_;
    Statement put_command_;
    Statement append_event_;
    Statement prune_events_;
    std::vector<std::uint64_t> event_ids_;
    std::size_t retention_ = 0;
};

}  // namespace ptalk::store::sqlite
