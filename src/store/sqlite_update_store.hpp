#pragma once
// UpdateStore on the same SQLite file as SqliteStore, through its own
// connection (WAL lets it write beside the batch writer; busy_timeout waits).
#include <filesystem>
#include <mutex>

#include "store/sqlite.hpp"
#include "store/update_store.hpp"

namespace ptalk::store {

class SqliteUpdateStore final : public UpdateStore {
  public:
    // `file` must already be migrated (open SqliteStore first).
    [[nodiscard]] Status open(const std::filesystem::path& file);

    [[nodiscard]] Result<std::uint64_t> put_update(const UpdateRecord& u) override;
    [[nodiscard]] Result<std::vector<UpdateRecord>> load_updates(const UpdateFilter& f) override;
    [[nodiscard]] Result<std::uint64_t> put_rollout(const RolloutRecord& r) override;
    [[nodiscard]] Result<std::vector<RolloutRecord>> load_rollouts() override;

  private:
    std::mutex mutex_;
    sqlite::Db db_;
};

}  // namespace ptalk::store
