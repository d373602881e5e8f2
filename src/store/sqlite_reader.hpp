#pragma once
// The store's read side: its own read-only connection (WAL lets it read while
// the writer commits). Not thread-safe; the store serialises callers.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace ptalk::store::sqlite {

// Commands are indexed for a device's history in buckets of 2^14 ids
// (migration 8's commands_by_bucket_device): the shift there must be this one.
inline constexpr int command_bucket_shift = 14;

class Reader {
  public:
    [[nodiscard]] static Result<Reader> open(const std::filesystem::path& file,
                                             std::chrono::milliseconds busy_timeout);

    [[nodiscard]] Result<std::vector<DeviceRecord>> load_devices();
    [[nodiscard]] Result<std::optional<CommandRecord>> get_command(std::uint64_t id);
    [[nodiscard]] Result<std::vector<CommandRecord>> list_commands(
        const std::optional<std::string>& device_id, std::uint64_t before_id, std::size_t limit);
    [[nodiscard]] Result<std::vector<EventRecord>> list_events(std::uint64_t after_id,
                                                               std::size_t limit,
                                                               const EventFilter& filter);
    [[nodiscard]] Result<std::uint64_t> max_command_id();

  private:
    [[nodiscard]] Result<std::vector<CommandRecord>> commands_of_device(
        const std::string& device_id, std::int64_t before, std::size_t limit);

    Db db_;
    // Prepared once at open; each query resets its statement when done.
    Statement load_devices_;
    Statement get_command_;
    Statement commands_of_device_;
    Statement commands_of_all_;
    Statement events_;
    Statement max_command_id_;
    Statement min_command_id_;
};

}  // namespace ptalk::store::sqlite
