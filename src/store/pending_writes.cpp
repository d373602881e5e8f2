#include "store/pending_writes.hpp"

#include <algorithm>
#include <utility>

namespace ptalk::store {

namespace {

template <class T>
void keep_if_absent(std::optional<T>& newer, std::optional<T>& older) {
    if (!newer) newer = std::move(older);
}

// 0 means "not given".
UnixMillis earliest(UnixMillis a, UnixMillis b) noexcept {
    if (a == 0) return b;
    if (b == 0) return a;
    return std::min(a, b);
}

}  // namespace

void merge_device(DeviceRecord& older, DeviceRecord&& newer) {
    keep_if_absent(newer.name, older.name);
    keep_if_absent(newer.firmware_version, older.firmware_version);
    keep_if_absent(newer.battery_percent, older.battery_percent);
    keep_if_absent(newer.connectivity_state, older.connectivity_state);
    keep_if_absent(newer.volume, older.volume);
    keep_if_absent(newer.brightness, older.brightness);
    keep_if_absent(newer.uptime_sec, older.uptime_sec);
    keep_if_absent(newer.remote_addr, older.remote_addr);
    keep_if_absent(newer.last_handshake, older.last_handshake);
    newer.first_seen = earliest(older.first_seen, newer.first_seen);
    newer.last_seen = std::max(older.last_seen, newer.last_seen);
    older = std::move(newer);
}

bool PendingWrites::add(DeviceRecord d) {
    auto it = devices_.find(d.id);
    if (it == devices_.end()) {
        std::string key = d.id;
        devices_.emplace(std::move(key), std::move(d));
        return false;
    }
    merge_device(it->second, std::move(d));
    return true;
}

bool PendingWrites::add(CommandRecord c) {
    auto [it, inserted] = commands_.try_emplace(c.id);
    it->second = std::move(c);
    return !inserted;
}

void PendingWrites::add(EventRecord e) {
    events_.push_back(std::move(e));
}

void PendingWrites::merge_older(PendingWrites&& older) {
    for (auto& [id, d] : devices_) {
        if (auto it = older.devices_.find(id); it != older.devices_.end()) {
            merge_device(it->second, std::move(d));
            d = std::move(it->second);
            older.devices_.erase(it);
        }
    }
    devices_.merge(older.devices_);
    // map::merge keeps our (newer) entry when both hold the same id.
    commands_.merge(older.commands_);
    for (auto it = older.events_.rbegin(); it != older.events_.rend(); ++it) {
        events_.push_front(std::move(*it));
    }
    older = PendingWrites{};
}

std::size_t PendingWrites::drop_oldest_events(std::size_t limit) {
    std::size_t dropped = 0;
    while (size() > limit && !events_.empty()) {
        events_.pop_front();
        ++dropped;
    }
    return dropped;
}

}  // namespace ptalk::store
