// SqliteStore's reads. Writes still queued (pending_) or being committed
// (writing_) are overlaid on what the database returns, so a caller reads its
// own writes without waiting for the batch window. The overlay is copied
// before the database is read: a batch that commits in between is then seen
// twice (harmless, the overlay wins), never missed.
#include <algorithm>
#include <map>

#include "store/sqlite_store.hpp"

namespace ptalk::store {

namespace {

Status closed_status() {
    return {StatusCode::closed, "store is closed"};
}

// Up to `limit` commands below `before_id` (0: all), newest first, into `out`;
// later calls overwrite earlier ones, so pass the older batch first.
void overlay_commands(const PendingWrites& p, const std::optional<std::string>& device_id,
                      std::uint64_t before_id, std::size_t limit,
                      std::map<std::uint64_t, CommandRecord>& out) {
    const auto& commands = p.commands();
    auto end = before_id == 0 ? commands.end() : commands.lower_bound(before_id);
    std::size_t taken = 0;
    for (auto it = std::make_reverse_iterator(end); it != commands.rend() && taken < limit; ++it) {
        if (device_id && it->second.device_id != *device_id) continue;
        out.insert_or_assign(it->first, it->second);
        ++taken;
    }
}

}  // namespace

Result<std::vector<DeviceRecord>> SqliteStore::load_devices() {
    std::vector<DeviceRecord> overlay;  // oldest first
    {
        std::lock_guard lk(mutex_);
        for (const PendingWrites* p : {&writing_, &pending_}) {
            for (const auto& [id, d] : p->devices())
                overlay.push_back(d);
        }
        for (const auto& [id, d] : refreshed_)  // newer than pending_'s (never the same id)
            overlay.push_back(d);
    }
    Result<std::vector<DeviceRecord>> rows = closed_status();
    {
        std::lock_guard rl(read_mutex_);
        if (!reader_) return closed_status();
        rows = reader_->load_devices();
    }
    if (!rows) return rows;
    std::map<std::string, DeviceRecord> by_id;
    for (DeviceRecord& d : *rows) {
        std::string key = d.id;
        by_id.emplace(std::move(key), std::move(d));
    }
    for (DeviceRecord& d : overlay) {
        auto [it, inserted] = by_id.try_emplace(d.id);
        if (inserted) {
            it->second = std::move(d);
        } else {
            merge_device(it->second, std::move(d));
        }
    }
    std::vector<DeviceRecord> out;
    out.reserve(by_id.size());
    for (auto& [id, d] : by_id)
        out.push_back(std::move(d));
    return out;
}

Result<std::optional<CommandRecord>> SqliteStore::get_command(std::uint64_t id) {
    {
        std::lock_guard lk(mutex_);
        for (const PendingWrites* p : {&pending_, &writing_}) {  // newest first
            if (auto it = p->commands().find(id); it != p->commands().end()) {
                return std::optional<CommandRecord>{it->second};
            }
        }
    }
    std::lock_guard rl(read_mutex_);
    if (!reader_) return closed_status();
    return reader_->get_command(id);
}

Result<std::vector<CommandRecord>> SqliteStore::list_commands(std::optional<std::string> device_id,
                                                              std::uint64_t before_id,
                                                              std::size_t limit) {
    std::map<std::uint64_t, CommandRecord> merged;
    {
        std::lock_guard lk(mutex_);
        overlay_commands(writing_, device_id, before_id, limit, merged);
        overlay_commands(pending_, device_id, before_id, limit, merged);
    }
    Result<std::vector<CommandRecord>> rows = closed_status();
    {
        std::lock_guard rl(read_mutex_);
        if (!reader_) return closed_status();
        rows = reader_->list_commands(device_id, before_id, limit);
    }
    if (!rows) return rows;
    for (CommandRecord& c : *rows)
        merged.try_emplace(c.id, std::move(c));  // queued wins
    std::vector<CommandRecord> out;
    out.reserve(std::min(limit, merged.size()));
    for (auto it = merged.rbegin(); it != merged.rend() && out.size() < limit; ++it) {
        out.push_back(std::move(it->second));
    }
    return out;
}

Result<std::vector<EventRecord>> SqliteStore::list_events(std::uint64_t after_id, std::size_t limit,
                                                          const EventFilter& filter) {
    std::lock_guard rl(read_mutex_);
    if (!reader_) return closed_status();
    return reader_->list_events(after_id, limit, filter);
}

Result<std::uint64_t> SqliteStore::max_command_id() {
    std::uint64_t queued_max = 0;
    {
        std::lock_guard lk(mutex_);
        for (const PendingWrites* p : {&pending_, &writing_}) {
            if (!p->commands().empty()) {
                queued_max = std::max(queued_max, p->commands().rbegin()->first);
            }
        }
    }
    std::lock_guard rl(read_mutex_);
    if (!reader_) return closed_status();
    auto stored = reader_->max_command_id();
    if (!stored) return stored;
    return std::max(*stored, queued_max);
}

}  // namespace ptalk::store
