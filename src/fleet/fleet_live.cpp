// Fleet, issue 6: desired state (applied on change when online, else after the
// next handshake's request_status; drift under enforce|adopt) and commands
// queued for offline devices (sent after the next handshake's status, or
// expired). docs/LIVE.md.
#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fleet/fleet.hpp"
#include "gateway/device_session.hpp"
#include "protocol/commands.hpp"

namespace ptalk::fleet {

namespace json = boost::json;
using dispatch::Outcome;

namespace {

// Only what a reply carries: absent fields stay unknown (not "changed").
store::DeviceRecord reported_by(const protocol::Reply& r) {
    store::DeviceRecord d;
    d.volume = r.volume;
    d.brightness = r.brightness;
    d.name = r.device_name;
    return d;
}

}  // namespace

store::Status Fleet::load_live() {
    auto desired = store_.load_desired();
    if (!desired) return desired.error();
    auto queued = store_.load_queued_commands();
    if (!queued) return queued.error();
    {
        std::unique_lock lock(mutex_);
        for (auto& d : *desired) {
            auto [it, inserted] = devices_.try_emplace(d.device_id);
            if (inserted) it->second.record.id = d.device_id;  // pre-provisioned, never seen
            it->second.desired.record = std::move(d);
        }
    }
    std::lock_guard lock(queued_mutex_);
    for (auto& q : *queued)
        queued_.emplace(q.id, std::move(q));
    return {};
}

std::optional<Fleet::DesiredView> Fleet::desired(const std::string& id) const {
    std::shared_lock lock(mutex_);
    auto it = devices_.find(id);
    if (it == devices_.end()) return std::nullopt;
    return DesiredView{it->second.desired, it->second.record, it->second.record.last_seen != 0};
}

std::optional<Fleet::DesiredView> Fleet::patch_desired(const std::string& id,
                                                       const live::DesiredPatch& p,
                                                       const std::string& by, bool apply_now) {
    DesiredView view;
    bool online = false;
    bool fresh = false;
    {
        std::unique_lock lock(mutex_);
        auto [it, inserted] = devices_.try_emplace(id);
        Entry& e = it->second;
        if (inserted) e.record.id = id;
        e.desired.record.device_id = id;
        if (!live::apply_patch(e.desired, p, store::unix_millis_now(), by)) {
            if (inserted) devices_.erase(it);
            return std::nullopt;
        }
        view = DesiredView{e.desired, e.record, e.record.last_seen != 0};
        online = e.session != nullptr;
        fresh = e.fresh;
    }
    store_.put_desired(view.desired.record);
    auto data = live::desired_json(view.desired);
    event(id, "desired.changed", json::serialize(data));
    if (apply_now && online) {
        if (fresh) {
            reconcile(id);
        } else {
            // Connected, but its settings are not known yet: ask; the reply's
            // completion reconciles (live_on_completion).
            (void)submit(id, protocol::make_command("request_status", {}).value(),
                         std::chrono::milliseconds(5000), "desired");
        }
    }
    return view;
}

std::size_t Fleet::patch_desired_many(const std::vector<std::string>& ids,
                                      const live::DesiredPatch& p, const std::string& by) {
    std::vector<store::DesiredRecord> changed;
    changed.reserve(ids.size());
    const auto now = store::unix_millis_now();
    constexpr std::size_t chunk = 1000;  // the registry lock is let go between chunks
    for (std::size_t from = 0; from < ids.size(); from += chunk) {
        std::unique_lock lock(mutex_);
        for (std::size_t i = from; i < std::min(ids.size(), from + chunk); ++i) {
            const auto& id = ids[i];
            auto [it, inserted] = devices_.try_emplace(id);
            Entry& e = it->second;
            if (inserted) e.record.id = id;
            e.desired.record.device_id = id;
            if (!live::apply_patch(e.desired, p, now, by)) {
                if (inserted) devices_.erase(it);
                continue;
            }
            changed.push_back(e.desired.record);
        }
    }
    const auto n = changed.size();
    if (n != 0) store_.put_desired_many(std::move(changed));
    return n;
}

std::vector<std::string> Fleet::device_ids(const DeviceQuery& q) const {
    std::string name_filter;
    if (q.name_contains) {
        name_filter = *q.name_contains;
        for (auto& c : name_filter)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::vector<std::string> ids;
    std::shared_lock lock(mutex_);
    ids.reserve(devices_.size());
    for (const auto& [id, e] : devices_) {
        const auto& d = e.record;
        if (q.online && d.online != *q.online) continue;
        if (q.firmware_version && d.firmware_version != q.firmware_version) continue;
        if (q.name_contains) {
            std::string name = d.name.value_or("");
            for (auto& c : name)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (name.find(name_filter) == std::string::npos) continue;
        }
        ids.push_back(id);
    }
    return ids;
}

void Fleet::reconcile(const std::string& id) {
    std::vector<live::PendingCommand> todo;
    std::vector<std::uint64_t> ids;
    {
        std::unique_lock lock(mutex_);
        auto it = devices_.find(id);
        if (it == devices_.end() || !it->second.session || !it->second.fresh) return;
        Entry& e = it->second;
        std::vector<live::Setting> in_flight;
        for (const auto& [cid, setting] : e.sending)
            in_flight.push_back(setting);
        todo = live::pending_commands(e.desired, e.record, in_flight);
        for (const auto& t : todo) {
            ids.push_back(store_.next_command_id());
            e.sending.emplace_back(ids.back(), t.setting);
        }
    }
    for (std::size_t i = 0; i < todo.size(); ++i) {
        auto rec = new_record(ids[i], id, todo[i].command, "desired");
        spdlog::debug("desired: applying {} to {}", live::to_string(todo[i].setting), id);
        if (!submit_as(ids[i], id, std::move(todo[i].command), std::chrono::milliseconds(5000),
                       std::move(rec))) {
            std::unique_lock lock(mutex_);
            auto it = devices_.find(id);
            if (it != devices_.end())
                std::erase_if(it->second.sending, [&](const auto& p) { return p.first == ids[i]; });
        }
    }
}

void Fleet::live_on_handshake(const std::string& id) {
    std::unique_lock lock(mutex_);
    auto it = devices_.find(id);
    if (it == devices_.end()) return;
    it->second.fresh = false;
    it->second.sending.clear();  // the old connection's commands end as it closes
}

void Fleet::live_on_reply(const std::string& id, const protocol::Reply& r) {
    live::Observation o;
    store::DesiredRecord before;
    std::optional<live::DesiredState> adopted;
    bool fresh = false;
    const auto reported = reported_by(r);
    {
        std::unique_lock lock(mutex_);
        auto it = devices_.find(id);
        if (it == devices_.end() || it->second.desired.empty()) return;
        Entry& e = it->second;
        before = e.desired.record;
        o = live::observe(e.desired, reported, live_options_.drift_policy,
                          store::unix_millis_now());
        if (o.desired_changed) adopted = e.desired;
        fresh = e.fresh;
    }
    const bool adopt = live_options_.drift_policy == live::DriftPolicy::adopt;
    for (auto s : o.drifted) {
        json::object data{{"setting", live::to_string(s)}, {"policy", adopt ? "adopt" : "enforce"}};
        const auto want = live::desired_value(before, s);
        const auto got = live::reported_value(reported, s);
        data["desired"] = want ? json::value(*want) : json::value(nullptr);
        data["reported"] = got ? json::value(*got) : json::value(nullptr);
        spdlog::info("drift id={} setting={} policy={}", id, live::to_string(s),
                     adopt ? "adopt" : "enforce");
        event(id, "drift.detected", json::serialize(data));
    }
    if (adopted) {
        store_.put_desired(adopted->record);
        event(id, "desired.changed", json::serialize(live::desired_json(*adopted)));
    } else if (!o.drifted.empty() && fresh) {
        reconcile(id);  // enforce
    }
}

void Fleet::live_on_completion(const std::string& id, const dispatch::Completion& c) {
    bool status_ok = false;
    {
        std::unique_lock lock(mutex_);
        auto it = devices_.find(id);
        if (it == devices_.end()) return;
        Entry& e = it->second;
        std::erase_if(e.sending, [&](const auto& p) { return p.first == c.id; });
        if (c.kind == protocol::CommandKind::request_status && c.outcome == Outcome::ok &&
            e.session) {
            status_ok = !e.fresh;
            e.fresh = true;
        }
    }
    if (!status_ok) return;
    reconcile(id);
    deliver_queued(id);
}

std::uint64_t Fleet::queue_command(const std::string& id, const protocol::Command& cmd,
                                   std::chrono::milliseconds timeout, std::chrono::milliseconds ttl,
                                   const std::string& requested_by) {
    const auto cid = store_.next_command_id();
    auto rec = new_record(cid, id, cmd, requested_by);
    store::QueuedCommand q;
    q.id = cid;
    q.device_id = id;
    q.cmd = rec.cmd;
    q.params = rec.params;
    q.requested_by = requested_by;
    q.queued_at = rec.queued_at;
    q.expires_at = rec.queued_at + ttl.count();
    q.timeout_ms = timeout.count();
    store_.put_command(rec);  // state "queued": no sent_at, no outcome
    store_.put_queued_command(q);
    {
        std::lock_guard lock(queued_mutex_);
        queued_.emplace(cid, q);
    }
    json::object data{{"command_id", cid}, {"cmd", q.cmd}, {"expires_at_ms", q.expires_at}};
    event(id, "command.queued", json::serialize(data));
    // It may have come back meanwhile: then deliver now.
    bool ready = false;
    {
        std::shared_lock lock(mutex_);
        auto it = devices_.find(id);
        ready = it != devices_.end() && it->second.session && it->second.fresh;
    }
    if (ready) deliver_queued(id);
    return cid;
}

namespace {

// The audit record of a command that waited in the offline queue.
store::CommandRecord record_of(const store::QueuedCommand& q) {
    store::CommandRecord rec;
    rec.id = q.id;
    rec.device_id = q.device_id;
    rec.cmd = q.cmd;
    rec.params = q.params;
    rec.requested_by = q.requested_by;
    rec.queued_at = q.queued_at;
    return rec;
}

}  // namespace

std::vector<store::QueuedCommand> Fleet::take_queued(
    const std::function<bool(const store::QueuedCommand&)>& which) {
    std::vector<store::QueuedCommand> taken;
    std::lock_guard lock(queued_mutex_);
    for (auto it = queued_.begin(); it != queued_.end();) {
        if (which(it->second)) {
            taken.push_back(std::move(it->second));
            it = queued_.erase(it);
        } else {
            ++it;
        }
    }
    return taken;
}

void Fleet::deliver_queued(const std::string& id) {
    const auto now = store::unix_millis_now();
    auto due = take_queued(
        [&](const store::QueuedCommand& q) { return q.device_id == id && q.expires_at > now; });
    for (auto& q : due) {
        store_.remove_queued_command(q.id);
        json::error_code ec;
        auto params = json::parse(q.params, ec);
        std::string what;
        auto cmd = protocol::make_command(
            q.cmd, !ec && params.is_object() ? params.get_object() : json::object{}, &what);
        store::CommandRecord rec = record_of(q);
        if (!cmd) {
            rec.outcome = "invalid_command";
            rec.finished_at = now;
            store_.put_command(std::move(rec));
            continue;
        }
        spdlog::info("queued command delivered id={} device={} cmd={}", q.id, id, q.cmd);
        submit_as(q.id, id, std::move(*cmd), std::chrono::milliseconds(q.timeout_ms),
                  std::move(rec));
    }
}

void Fleet::expire_queued(store::UnixMillis now) {
    auto expired = take_queued([&](const store::QueuedCommand& q) { return q.expires_at <= now; });
    for (auto& q : expired) {
        store_.remove_queued_command(q.id);
        store::CommandRecord rec = record_of(q);
        rec.outcome = "expired";
        rec.finished_at = now;
        store_.put_command(std::move(rec));
        json::object data{{"command_id", q.id}, {"cmd", q.cmd}, {"outcome", "expired"}};
        event(q.device_id, "command.expired", json::serialize(data));
    }
}

std::size_t Fleet::queued_count() const {
    std::lock_guard lock(queued_mutex_);
    return queued_.size();
}

}  // namespace ptalk::fleet
