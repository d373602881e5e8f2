#include "fleet/fleet.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/device_session.hpp"
#include "protocol/commands.hpp"

namespace ptalk::fleet {

using dispatch::Clock;
using dispatch::Outcome;
using store::UnixMillis;

namespace {

// Converts a steady-clock instant to unix milliseconds, relative to now.
UnixMillis to_unix(Clock::time_point t, UnixMillis unix_now, Clock::time_point steady_now) {
    return unix_now - std::chrono::duration_cast<std::chrono::milliseconds>(steady_now - t).count();
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Applies what a reply tells of the device; the fields that changed (uptime
// aside, which always does) go into `changed` as JSON members.
bool apply_reply(store::DeviceRecord& d, const protocol::Reply& r,
                 boost::json::object* changed = nullptr) {
    bool any = false;
    auto set = [&](std::string_view key, auto& field, const auto& value) {
        if (value && field != value) {
            field = value;
            any = true;
            if (changed) (*changed)[key] = *value;
        }
    };
    set("volume", d.volume, r.volume);
    set("brightness", d.brightness, r.brightness);
    set("device_name", d.name, r.device_name);
    set("battery_percent", d.battery_percent, r.battery_percent);
    set("connectivity_state", d.connectivity_state, r.connectivity_state);
    set("firmware_version", d.firmware_version, r.firmware_version);
    if (r.uptime_sec) d.uptime_sec = r.uptime_sec;
    return any;
}

std::string sort_key(const store::DeviceRecord& d, DeviceQuery::Sort s) {
    switch (s) {
        case DeviceQuery::Sort::id:
            return d.id;
        case DeviceQuery::Sort::name:
            return lower(d.name.value_or(""));
        case DeviceQuery::Sort::last_seen:
            return fmt::format("{:020}", d.last_seen);
    }
    return d.id;
}

}  // namespace

Fleet::Fleet(store::Store& store, core::Metrics& metrics) : store_(store), metrics_(metrics) {}

store::Status Fleet::load() {
    auto rows = store_.load_devices();
    if (!rows) return rows.error();
    std::unique_lock lock(mutex_);
    for (auto& d : *rows) {
        d.online = false;
        auto id = d.id;
        devices_[id].record = std::move(d);
    }
    return {};
}

std::shared_ptr<gateway::DeviceSession> Fleet::session(const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto it = devices_.find(id);
    return it == devices_.end() ? nullptr : it->second.session;
}

std::optional<DeviceView> Fleet::device(const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto it = devices_.find(id);
    if (it == devices_.end()) return std::nullopt;
    const auto& e = it->second;
    return DeviceView{e.record, e.session ? e.session->queue_length() : 0};
}

bool Fleet::knows(const std::string& id) const {
    std::shared_lock lock(mutex_);
    return devices_.find(id) != devices_.end();
}

DevicePage Fleet::devices(const DeviceQuery& q) const {
    const std::string name_filter = q.name_contains ? lower(*q.name_contains) : "";
    std::vector<std::pair<std::string, DeviceView>> rows;
    {
        std::shared_lock lock(mutex_);
        for (const auto& [id, e] : devices_) {
            const auto& d = e.record;
            if (q.online && d.online != *q.online) continue;
            if (q.firmware_version && d.firmware_version != q.firmware_version) continue;
            if (q.name_contains &&
                lower(d.name.value_or("")).find(name_filter) == std::string::npos)
                continue;
            rows.emplace_back(sort_key(d, q.sort) + '\x1f' + id,
                              DeviceView{d, e.session ? e.session->queue_length() : 0});
        }
    }
    auto less = [&](const auto& a, const auto& b) {
        return q.descending ? a.first > b.first : a.first < b.first;
    };
    if (q.sort != DeviceQuery::Sort::id || q.descending) std::sort(rows.begin(), rows.end(), less);
    DevicePage page;
    page.total = rows.size();
    auto it = rows.begin();
    if (!q.cursor.empty()) {
        it = std::upper_bound(rows.begin(), rows.end(), std::pair{q.cursor, DeviceView{}}, less);
    }
    const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, 1000);
    for (; it != rows.end() && page.devices.size() < limit; ++it)
        page.devices.push_back(it->second);
    if (it != rows.end() && !page.devices.empty()) page.next_cursor = std::prev(it)->first;
    return page;
}

std::size_t Fleet::online_count() const {
    return static_cast<std::size_t>(
        std::max<std::int64_t>(0, metrics_.devices_connected.load(std::memory_order_relaxed)));
}

std::size_t Fleet::known_count() const {
    std::shared_lock lock(mutex_);
    return devices_.size();
}

store::CommandRecord Fleet::new_record(std::uint64_t id, const std::string& device,
                                       const protocol::Command& cmd,
                                       std::string requested_by) const {
    store::CommandRecord rec;
    rec.id = id;
    rec.device_id = device;
    rec.cmd = std::string(protocol::to_string(cmd.kind));
    rec.params = boost::json::serialize(cmd.params);
    rec.requested_by = std::move(requested_by);
    rec.queued_at = store::unix_millis_now();
    return rec;
}

void Fleet::record_offline(store::CommandRecord rec) {
    rec.outcome = std::string(dispatch::to_string(Outcome::offline));
    rec.finished_at = rec.queued_at;
    metrics_.commands.inc(static_cast<std::size_t>(Outcome::offline));
    store_.put_command(std::move(rec));
}

boost::asio::awaitable<CommandResult> Fleet::execute(const std::string& id, protocol::Command& cmd,
                                                     std::chrono::milliseconds timeout,
                                                     const std::string& requested_by) {
    const auto cid = store_.next_command_id();
    auto rec = new_record(cid, id, cmd, requested_by);
    auto s = session(id);
    if (!s) {
        dispatch::Completion c;
        c.id = cid;
        c.kind = cmd.kind;
        c.outcome = Outcome::offline;
        c.finished_at = Clock::now();
        record_offline(std::move(rec));
        CommandResult result{cid, std::move(c)};
        co_return result;
    }
    {
        std::lock_guard lock(pending_mutex_);
        pending_.emplace(cid, std::move(rec));
    }
    dispatch::Request request{cid, std::move(cmd), timeout, false};
    auto c = co_await s->async_execute(std::move(request), boost::asio::use_awaitable);
    CommandResult result{cid, std::move(c)};
    co_return result;
}

std::optional<std::uint64_t> Fleet::submit(const std::string& id, protocol::Command cmd,
                                           std::chrono::milliseconds timeout,
                                           std::string requested_by) {
    const auto cid = store_.next_command_id();
    auto rec = new_record(cid, id, cmd, std::move(requested_by));
    if (!submit_as(cid, id, std::move(cmd), timeout, std::move(rec))) return std::nullopt;
    return cid;
}

bool Fleet::submit_as(std::uint64_t cid, const std::string& id, protocol::Command cmd,
                      std::chrono::milliseconds timeout, store::CommandRecord rec) {
    auto s = session(id);
    if (!s) {
        record_offline(std::move(rec));
        return false;
    }
    {
        std::lock_guard lock(pending_mutex_);
        pending_.emplace(cid, std::move(rec));
    }
    s->execute_detached(dispatch::Request{cid, std::move(cmd), timeout, false});
    return true;
}

store::Result<std::optional<store::CommandRecord>> Fleet::command(std::uint64_t cid) {
    std::optional<store::CommandRecord> rec;
    {
        std::lock_guard lock(pending_mutex_);
        if (auto it = pending_.find(cid); it != pending_.end()) rec = it->second;
    }
    if (rec) {
        rec->sent_at = sent_at_ms(rec->device_id, cid);  // queued, or in flight
        return rec;
    }
    // Not pending: on_queued has put it in the store, or it was never given.
    return store_.get_command(cid);
}

std::optional<std::int64_t> Fleet::sent_at_ms(const std::string& device, std::uint64_t cid) const {
    // Only the device's session knows: the stored row gets its send time at the finish.
    const auto s = session(device);
    return s ? s->sent_at_ms(cid) : std::nullopt;
}

void Fleet::shutdown() {
    std::vector<std::shared_ptr<gateway::DeviceSession>> sessions;
    {
        std::shared_lock lock(mutex_);
        for (const auto& [id, e] : devices_)
            if (e.session) sessions.push_back(e.session);
    }
    for (auto& s : sessions)
        s->drop(gateway::CloseReason::server_shutdown);
}

bool Fleet::on_handshake(const std::shared_ptr<gateway::DeviceSession>& s,
                         const protocol::Handshake& h) {
    const auto now = store::unix_millis_now();
    std::shared_ptr<gateway::DeviceSession> replaced;
    store::DeviceRecord snapshot;
    bool came_online = false;
    {
        std::unique_lock lock(mutex_);
        auto [it, inserted] = devices_.try_emplace(h.device_id);
        Entry& e = it->second;
        if (inserted || e.record.first_seen == 0) {  // 0: pre-provisioned, never seen
            e.record.id = h.device_id;
            e.record.first_seen = now;
        }
        if (e.session != s) {
            replaced = std::exchange(e.session, s);
            came_online = replaced == nullptr;
        }
        auto& d = e.record;
        if (!h.device_name.empty()) d.name = h.device_name;
        if (!h.firmware_version.empty()) d.firmware_version = h.firmware_version;
        if (h.battery_percent) d.battery_percent = h.battery_percent;
        if (!h.connectivity_state.empty()) d.connectivity_state = h.connectivity_state;
        d.online = true;
        d.remote_addr = s->remote();
        d.last_seen = now;
        d.last_handshake = now;
        snapshot = d;
    }
    metrics_.handshakes.fetch_add(1, std::memory_order_relaxed);
    if (came_online) metrics_.devices_connected.fetch_add(1, std::memory_order_relaxed);
    if (replaced) {
        metrics_.devices_replaced.fetch_add(1, std::memory_order_relaxed);
        replaced->drop(gateway::CloseReason::replaced);
    }
    spdlog::info("device online id={} remote={} firmware={} battery={}{}", h.device_id, s->remote(),
                 h.firmware_version, h.battery_percent.value_or(-1), replaced ? " replaced=1" : "");
    {
        boost::json::object data{{"remote", s->remote()},
                                 {"firmware_version", h.firmware_version},
                                 {"device_name", h.device_name},
                                 {"replaced", replaced != nullptr}};
        if (h.battery_percent) data["battery_percent"] = *h.battery_percent;
        event(h.device_id, "device.online", boost::json::serialize(data));
    }
    for (FleetObserver* o : observers_)
        o->device_online(snapshot);
    store_.upsert_device(std::move(snapshot));
    live_on_handshake(h.device_id);
    return true;
}

void Fleet::on_reply(gateway::DeviceSession& s, const protocol::Reply& r, bool stale) {
    store::DeviceRecord snapshot;
    boost::json::object changed;
    {
        std::unique_lock lock(mutex_);
        auto it = devices_.find(s.device_id());
        if (it == devices_.end()) return;
        apply_reply(it->second.record, r, &changed);
        it->second.record.last_seen = store::unix_millis_now();
        snapshot = it->second.record;
    }
    if (stale) {
        spdlog::info("stale reply id={} reply={}", s.device_id(), r.raw);
        event(s.device_id(), "command.stale_reply", r.raw);
    }
    if (!changed.empty()) {
        event(s.device_id(), "device.reported",
              boost::json::serialize(boost::json::object{{"changed", std::move(changed)}}));
    }
    live_on_reply(s.device_id(), r);
    // Reported values and last_seen: coalesced for up to a second (docs/STORE.md).
    store_.refresh_device(std::move(snapshot));
}

void Fleet::on_queued(gateway::DeviceSession& s, const dispatch::Request& r) {
    store::CommandRecord rec;
    {
        std::lock_guard lock(pending_mutex_);
        auto it = pending_.find(r.id);
        if (it == pending_.end()) {
            it = pending_.emplace(r.id, new_record(r.id, s.device_id(), r.command, "ptalk")).first;
        }
        rec = it->second;
    }
    store_.put_command(std::move(rec));
}

void Fleet::on_completion(gateway::DeviceSession& s, const dispatch::Completion& c) {
    store::CommandRecord rec;
    {
        std::lock_guard lock(pending_mutex_);
        auto it = pending_.find(c.id);
        if (it != pending_.end()) {
            rec = std::move(it->second);
            pending_.erase(it);
        }
    }
    const auto unix_now = store::unix_millis_now();
    const auto steady_now = Clock::now();
    if (rec.id == 0) {
        // ptalk's own follow-up (e.g. a status after an ambiguous timeout).
        rec = new_record(c.id != 0 ? c.id : store_.next_command_id(), s.device_id(),
                         protocol::Command{c.kind, {}}, "ptalk");
        if (c.sent_at) rec.queued_at = to_unix(*c.sent_at, unix_now, steady_now);
    }
    rec.outcome = std::string(dispatch::to_string(c.outcome));
    rec.finished_at = to_unix(c.finished_at, unix_now, steady_now);
    if (c.sent_at) {
        rec.sent_at = to_unix(*c.sent_at, unix_now, steady_now);
        rec.latency_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(c.finished_at - *c.sent_at)
                .count();
    }
    if (c.reply) rec.reply = c.reply->raw;
    spdlog::log(c.outcome == Outcome::ok ? spdlog::level::debug : spdlog::level::info,
                "command finished id={} device={} cmd={} outcome={} latency_ms={}", rec.id,
                rec.device_id, rec.cmd, *rec.outcome, rec.latency_ms.value_or(-1));
    {
        boost::json::object data{{"command_id", rec.id},
                                 {"cmd", rec.cmd},
                                 {"outcome", *rec.outcome},
                                 {"requested_by", rec.requested_by}};
        data["latency_ms"] = rec.latency_ms ? boost::json::value(*rec.latency_ms) : nullptr;
        event(rec.device_id, "command.finished", boost::json::serialize(data));
    }
    store_.put_command(std::move(rec));
    live_on_completion(s.device_id(), c);
}

void Fleet::on_firmware_pull(gateway::DeviceSession& s, const protocol::FirmwarePull& p) {
    for (FleetObserver* o : observers_)
        o->firmware_pull(s.device_id(), p);
    spdlog::info("firmware pull id={} version={}", s.device_id(), p.version.value_or("latest"));
    event(s.device_id(), "ota.pull_requested",
          fmt::format(R"({{"version":{}}})",
                      p.version ? boost::json::serialize(boost::json::value(*p.version))
                                : std::string("null")));
}

void Fleet::on_closed(gateway::DeviceSession& s, gateway::CloseReason why) {
    const auto now = store::unix_millis_now();
    std::optional<store::DeviceRecord> snapshot;
    {
        std::unique_lock lock(mutex_);
        auto it = devices_.find(s.device_id());
        if (it != devices_.end() && it->second.session.get() == &s) {
            it->second.session.reset();
            it->second.record.online = false;
            it->second.record.last_seen = now;
            snapshot = it->second.record;
        }
    }
    spdlog::info("device offline id={} remote={} reason={}", s.device_id(), s.remote(),
                 gateway::to_string(why));
    if (!snapshot) return;  // replaced: the new session owns the entry
    for (FleetObserver* o : observers_)
        o->device_offline(s.device_id(), why);
    metrics_.devices_connected.fetch_sub(1, std::memory_order_relaxed);
    event(s.device_id(), "device.offline",
          fmt::format(R"({{"reason":"{}"}})", gateway::to_string(why)));
    store_.upsert_device(std::move(*snapshot));
}

std::uint64_t Fleet::next_command_id() {
    return store_.next_command_id();
}

void Fleet::event(const std::string& device, std::string type, std::string data) {
    store::EventRecord e;
    e.time = store::unix_millis_now();
    e.device_id = device;
    e.type = std::move(type);
    e.data = std::move(data);
    store_.append_event(std::move(e));
}

}  // namespace ptalk::fleet
