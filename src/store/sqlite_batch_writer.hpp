#pragma once
// Writes one batch of pending writes in one transaction with statements
// prepared once. Used by the store's writer thread only.
#include <cstddef>

#include "store/pending_writes.hpp"
#include "store/sqlite.hpp"
#include "store/status.hpp"

namespace ptalk::store::sqlite {

class BatchWriter {
  public:
    [[nodiscard]] static Result<BatchWriter> prepare(sqlite3* db);

    // All or nothing: the rows written, or the error after a rollback.
    [[nodiscard]] Result<std::size_t> write(const PendingWrites& batch);

  private:
    Status write_rows(const PendingWrites& batch);

    sqlite3* db_ = nullptr;
    Statement upsert_device_;
    Statement put_command_;
    Statement append_event_;
};

}  // namespace ptalk::store::sqlite
