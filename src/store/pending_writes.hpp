#pragma once
// The writes waiting for the next batch, coalesced: one entry per device (later
// upserts merged into earlier ones), one per command id (the later put wins),
// and the events in order. Not thread-safe; the store guards it.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

#include "store/store.hpp"

namespace ptalk::store {

// `newer` applied over `older` with the same rules as an upsert in the database.
void merge_device(DeviceRecord& older, DeviceRecord&& newer);

class PendingWrites {
  public:
    // Each returns true when the write was merged into a pending one.
    bool add(DeviceRecord d);
    bool add(CommandRecord c);
    void add(EventRecord e);

    // Puts a batch that failed to commit back in front: its items are older than ours.
    void merge_older(PendingWrites&& older);
    // Drops the oldest events until size() <= limit (devices and commands are
    // never dropped). Returns how many were dropped.
    std::size_t drop_oldest_events(std::size_t limit);

    [[nodiscard]] std::size_t size() const noexcept {
        return devices_.size() + commands_.size() + events_.size();
    }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    [[nodiscard]] const std::unordered_map<std::string, DeviceRecord>& devices() const noexcept {
        return devices_;
    }
    [[nodiscard]] const std::map<std::uint64_t, CommandRecord>& commands() const noexcept {
        return commands_;
    }
    [[nodiscard]] const std::deque<EventRecord>& events() const noexcept { return events_; }

  private:
    std::unordered_map<std::string, DeviceRecord> devices_;
    std::map<std::uint64_t, CommandRecord> commands_;  // ordered: reads page by id
    std::deque<EventRecord> events_;
};

}  // namespace ptalk::store
