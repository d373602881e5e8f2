#include "updates/rollout_manager.hpp"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/device_id.hpp"

namespace ptalk::updates {

namespace asio = boost::asio;
namespace json = boost::json;

struct RolloutManager::Entry {
    Entry(store::RolloutRecord r, json::object s, RolloutPlan p)
        : rec(std::move(r)), spec(std::move(s)), rollout(std::move(p)) {}
    store::RolloutRecord rec;
    json::object spec;  // what was asked, plus the resolved plan
    Rollout rollout;
};

namespace {

json::array to_array(const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v)
        a.emplace_back(s);
    return a;
}

std::vector<std::string> from_array(const json::value* v) {
    std::vector<std::string> out;
    if (v == nullptr || !v->is_array()) return out;
    for (const auto& x : v->get_array())
        if (x.is_string()) out.emplace_back(x.get_string());
    return out;
}

template <class T>
T number(const json::object& o, std::string_view key, T fallback) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) return fallback;
    return v->to_number<T>();
}

RolloutPlan plan_from(const json::object& spec) {
    RolloutPlan p;
    if (const auto* v = spec.if_contains("version"); v && v->is_string())
        p.version = std::string(v->get_string());
    p.devices = from_array(spec.if_contains("devices"));
    p.skipped = from_array(spec.if_contains("skipped"));
    p.batch_size = number<std::size_t>(spec, "batch_size", 1);
    p.max_concurrent = number<std::size_t>(spec, "max_concurrent", 10);
    p.failure_threshold_percent = number<double>(spec, "failure_threshold_percent", 10);
    return p;
}

}  // namespace

RolloutManager::RolloutManager(fleet::Fleet& fleet, UpdateManager& updates,
                               firmware::Catalogue& catalogue, store::UpdateStore& db,
                               store::Store& events, asio::any_io_executor pool,
                               std::chrono::milliseconds tick)
    : fleet_(fleet),
      updates_(updates),
      catalogue_(catalogue),
      db_(db),
      events_(events),
      pool_(std::move(pool)),
      tick_(tick),
      ticker_(pool_) {
    updates_.set_rollout_listener([this](const store::UpdateRecord& u) { on_update(u); });
    catalogue_.set_in_use_check(
        [this](std::string_view v) { return updates_.version_in_use(v) || version_in_use(v); });
}

RolloutManager::~RolloutManager() = default;

store::Status RolloutManager::start() {
    auto rows = db_.load_rollouts();
    if (!rows) return rows.error();
    std::lock_guard lock(mutex_);
    for (auto& r : *rows) {
        auto state = rollout_state_from_string(r.state);
        json::error_code ec;
        auto spec = json::parse(r.spec, ec);
        if (!state || ec || !spec.is_object()) {
            spdlog::error("rollout {} cannot be restored: unreadable spec", r.id);
            continue;
        }
        auto& o = spec.as_object();
        auto e = std::make_unique<Entry>(r, o, plan_from(o));
        e->rollout.restore(*state, number<std::size_t>(o, "released", 0), r.reason);
        // The newest update per device tells where each member is.
        std::set<std::string> seen;
        for (const auto& v : updates_.rollout_updates(r.id)) {
            if (!seen.insert(v.record.device_id).second) continue;
            e->rollout.set_member_state(v.record.device_id, v.record.state);
        }
        spdlog::info("rollout restored id={} version={} state={}", r.id, e->rollout.plan().version,
                     r.state);
        rollouts_.emplace(r.id, std::move(e));
    }
    schedule_tick();
    return {};
}

void RolloutManager::stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ticker_.cancel();
}

void RolloutManager::schedule_tick() {
    ticker_.expires_after(tick_);
    ticker_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) tick();
    });
}

std::vector<std::string> RolloutManager::resolve(const json::value& target, std::string& error) {
    std::vector<std::string> ids;
    auto all_matching = [&](const fleet::DeviceQuery& base) {
        fleet::DeviceQuery q = base;
        q.limit = 1000;
        for (;;) {
            auto page = fleet_.devices(q);
            for (auto& d : page.devices)
                ids.push_back(d.record.id);
            if (page.next_cursor.empty()) break;
            q.cursor = page.next_cursor;
        }
    };
    if (target.is_string() && target.get_string() == "all") {
        all_matching({});
    } else if (target.is_array()) {
        std::set<std::string> unique;
        for (const auto& v : target.get_array()) {
            auto id = v.is_string() ? protocol::normalize_device_id(v.get_string()) : std::nullopt;
            if (!id) {
                error = "target ids must be device ids (12 hex digits)";
                return {};
            }
            if (!fleet_.device(*id)) {
                error = fmt::format("no device {} has ever connected", *id);
                return {};
            }
            if (unique.insert(*id).second) ids.push_back(*id);
        }
    } else if (target.is_object()) {
        const auto& o = target.get_object();
        fleet::DeviceQuery q;
        for (const auto& [k, v] : o) {
            if (k == "online" && v.is_bool()) {
                q.online = v.get_bool();
            } else if (k == "firmware_version" && v.is_string()) {
                q.firmware_version = std::string(v.get_string());
            } else if (k == "name_contains" && v.is_string()) {
                q.name_contains = std::string(v.get_string());
            } else {
                error = fmt::format(
                    "unknown or mistyped target filter \"{}\" (online: bool, "
                    "firmware_version: string, name_contains: string)",
                    std::string_view(k));
                return {};
            }
        }
        all_matching(q);
    } else {
        error = R"(target is "all", a list of device ids, or a filter object)";
    }
    return ids;
}

RolloutCreated RolloutManager::create(const RolloutRequest& r) {
    using Error = RolloutCreated::Error;
    auto meta = catalogue_.find(r.version);
    if (!meta) {
        return {Error::unknown_version,
                fmt::format("no firmware {} in the catalogue (upload it first)", r.version)};
    }
    std::string error;
    auto ids = resolve(r.target, error);
    if (!error.empty()) return {Error::bad_target, error};
    RolloutPlan plan;
    plan.version = r.version;
    for (auto& id : ids) {
        auto d = fleet_.device(id);
        if (d && d->record.firmware_version == r.version)
            plan.skipped.push_back(std::move(id));
        else
            plan.devices.push_back(std::move(id));
    }
    if (plan.devices.empty() && plan.skipped.empty())
        return {Error::no_devices, "the target matches no device"};
    plan.batch_size = batch_size_for(plan.devices.size(), r.batch_size, r.batch_percent);
    plan.max_concurrent = std::max<std::size_t>(1, r.max_concurrent);
    plan.failure_threshold_percent = r.failure_threshold_percent;

    json::object spec{{"version", r.version},
                      {"target", r.target},
                      {"batch_size", plan.batch_size},
                      {"max_concurrent", plan.max_concurrent},
                      {"failure_threshold_percent", plan.failure_threshold_percent},
                      {"devices", to_array(plan.devices)},
                      {"skipped", to_array(plan.skipped)},
                      {"released", 0}};
    if (r.confirm_timeout) spec["confirm_timeout_s"] = r.confirm_timeout->count();
    if (r.batch_percent) spec["batch_percent"] = *r.batch_percent;

    const auto now = store::unix_millis_now();
    store::RolloutRecord rec;
    rec.state = "planned";
    rec.spec = json::serialize(spec);
    rec.requested_by = r.requested_by;
    rec.created_at = now;
    rec.updated_at = now;
    auto id = db_.put_rollout(rec);
    if (!id) return {Error::store_unavailable, "cannot record the rollout: " + id.error().message};
    rec.id = *id;
    {
        std::lock_guard lock(mutex_);
        auto e = std::make_unique<Entry>(rec, std::move(spec), std::move(plan));
        transitioned(*e, "created");
        if (r.start && e->rollout.start()) transitioned(*e, "started");
        rollouts_.emplace(*id, std::move(e));
    }
    asio::post(pool_, [this] { tick(); });  // the first batch now, not at the next tick
    return {Error::none, {}, *id};
}

RolloutActionResult RolloutManager::pause(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = rollouts_.find(id);
    if (it == rollouts_.end()) return RolloutActionResult::unknown;
    if (!it->second->rollout.pause("paused by hand")) return RolloutActionResult::wrong_state;
    transitioned(*it->second, "paused");
    return RolloutActionResult::ok;
}

RolloutActionResult RolloutManager::resume(std::uint64_t id) {
    {
        std::lock_guard lock(mutex_);
        auto it = rollouts_.find(id);
        if (it == rollouts_.end()) return RolloutActionResult::unknown;
        auto& r = it->second->rollout;
        const bool ok = r.state() == RolloutState::planned ? r.start() : r.resume();
        if (!ok) return RolloutActionResult::wrong_state;
        transitioned(*it->second, "resumed");
    }
    asio::post(pool_, [this] { tick(); });
    return RolloutActionResult::ok;
}

RolloutActionResult RolloutManager::cancel(std::uint64_t id) {
    std::vector<std::string> waiting;
    {
        std::lock_guard lock(mutex_);
        auto it = rollouts_.find(id);
        if (it == rollouts_.end()) return RolloutActionResult::unknown;
        auto& e = *it->second;
        if (!e.rollout.cancel("cancelled by hand")) return RolloutActionResult::wrong_state;
        for (const auto& d : e.rollout.plan().devices) {
            const auto s = e.rollout.member_state(d);
            if (s == "waiting") e.rollout.set_member_state(d, "cancelled");
            if (s == "pending" || s == "rebooting") waiting.push_back(d);
        }
        transitioned(e, "cancelled");
    }
    // Updates not yet transferring stop; running transfers finish (cutting
    // one would leave the device's updater half-open).
    for (const auto& d : waiting)
        (void)updates_.cancel(d, fmt::format("rollout {} cancelled", id));
    return RolloutActionResult::ok;
}

void RolloutManager::on_update(const store::UpdateRecord& u) {
    std::lock_guard lock(mutex_);
    auto it = rollouts_.find(u.rollout_id);
    if (it == rollouts_.end()) return;
    auto& e = *it->second;
    e.rollout.set_member_state(u.device_id, u.state);
    if (e.rollout.check_threshold()) {
        spdlog::warn("rollout {} paused: {}", e.rec.id, e.rollout.reason());
        transitioned(e, "paused");
    }
}

void RolloutManager::tick() {
    std::vector<std::pair<std::uint64_t, std::vector<std::string>>> to_start;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        auto online = [this](const std::string& id) {
            auto d = fleet_.device(id);
            return d && d->record.online;
        };
        for (auto& [id, e] : rollouts_) {
            auto& r = e->rollout;
            if (r.state() != RolloutState::running) continue;
            const auto released = r.released_batches();
            auto ids = r.next(online);
            if (r.state() == RolloutState::completed) {
                transitioned(*e, "completed");
                continue;
            }
            if (r.released_batches() != released) {
                events_.append_event({0, store::unix_millis_now(), std::nullopt, "rollout.batch",
                                      fmt::format(R"({{"rollout_id":{},"batch":{},"batches":{}}})",
                                                  id, r.released_batches(), r.batch_count())});
                persist(*e);
            }
            if (!ids.empty()) to_start.emplace_back(id, std::move(ids));
        }
    }
    for (const auto& [id, ids] : to_start)
        start_members(id, ids);
    std::lock_guard lock(mutex_);
    if (!stopping_) schedule_tick();
}

void RolloutManager::start_members(std::uint64_t id, const std::vector<std::string>& devices) {
    std::string version;
    std::optional<std::chrono::milliseconds> confirm;
    {
        std::lock_guard lock(mutex_);
        auto it = rollouts_.find(id);
        if (it == rollouts_.end()) return;
        version = it->second->rollout.plan().version;
        if (const auto* v = it->second->spec.if_contains("confirm_timeout_s"); v && v->is_number())
            confirm = std::chrono::seconds(v->to_number<std::int64_t>());
    }
    const std::string by = fmt::format("rollout:{}", id);
    for (const auto& d : devices) {
        auto r = updates_.start_update(d, version, by, id, confirm);
        std::string state;
        switch (r.error) {
            case StartError::none:
                if (r.update) state = r.update->record.state;
                break;
            case StartError::already_on_version:
                state = "skipped";
                break;
            case StartError::battery_low:
                state = "low_battery";
                break;
            case StartError::store_unavailable:
                state = "waiting";
                break;  // next tick
            default:
                state = "failed";
                spdlog::warn("rollout {} device {} not started: {}", id, d, r.message);
        }
        if (state.empty()) continue;
        std::lock_guard lock(mutex_);
        auto it = rollouts_.find(id);
        if (it == rollouts_.end()) return;
        // The listener may have moved it further already; only fill in outcomes of the start.
        const auto now_state = it->second->rollout.member_state(d);
        if (now_state == "pending" || r.error != StartError::none)
            it->second->rollout.set_member_state(d, state);
        if (it->second->rollout.check_threshold()) transitioned(*it->second, "paused");
    }
}

void RolloutManager::persist(Entry& e) {
    e.rec.state = std::string(to_string(e.rollout.state()));
    e.rec.reason = e.rollout.reason();
    e.rec.updated_at = store::unix_millis_now();
    e.spec["released"] = e.rollout.released_batches();
    e.rec.spec = json::serialize(e.spec);
    if (auto st = db_.put_rollout(e.rec); !st)
        spdlog::error("cannot persist rollout {}: {}", e.rec.id, st.error().message);
}

void RolloutManager::transitioned(Entry& e, std::string_view what) {
    persist(e);
    spdlog::info("rollout {} {} version={} state={}{}{}", e.rec.id, what, e.rollout.plan().version,
                 e.rec.state, e.rec.reason.empty() ? "" : " reason=", e.rec.reason);
    store::EventRecord ev;
    ev.time = store::unix_millis_now();
    ev.type = fmt::format("rollout.{}", what);
    ev.data = fmt::format(R"({{"rollout_id":{},"version":{},"state":"{}","reason":{}}})", e.rec.id,
                          json::serialize(json::value(e.rollout.plan().version)), e.rec.state,
                          json::serialize(json::value(e.rec.reason)));
    events_.append_event(std::move(ev));
}

bool RolloutManager::version_in_use(std::string_view version) {
    std::lock_guard lock(mutex_);
    for (const auto& [id, e] : rollouts_) {
        const auto s = e->rollout.state();
        if (e->rollout.plan().version == version &&
            (s == RolloutState::planned || s == RolloutState::running || s == RolloutState::paused))
            return true;
    }
    return false;
}

json::object RolloutManager::to_json(const Entry& e, bool devices) {
    const auto& r = e.rollout;
    const auto c = r.counts();
    json::object counts;
    for (const auto& [state, n] : c.by_state)
        counts[state] = n;
    json::object o{{"id", e.rec.id},
                   {"version", r.plan().version},
                   {"state", to_string(r.state())},
                   {"reason", r.reason()},
                   {"target", e.spec.contains("target") ? e.spec.at("target") : json::value()},
                   {"batch_size", r.plan().batch_size},
                   {"batches", r.batch_count()},
                   {"released_batches", r.released_batches()},
                   {"max_concurrent", r.plan().max_concurrent},
                   {"failure_threshold_percent", r.plan().failure_threshold_percent},
                   {"devices_total", c.total},
                   {"counts", std::move(counts)},
                   {"requested_by", e.rec.requested_by},
                   {"created_at", e.rec.created_at},
                   {"updated_at", e.rec.updated_at}};
    if (const auto* v = e.spec.if_contains("confirm_timeout_s")) o["confirm_timeout_s"] = *v;
    if (devices) o["devices"] = json::array{};
    return o;
}

std::optional<json::object> RolloutManager::view(std::uint64_t id, bool devices) {
    json::object o;
    std::vector<std::pair<std::string, std::string>> members;  // id, rollout state
    std::map<std::string, std::size_t> batch_of;
    {
        std::lock_guard lock(mutex_);
        auto it = rollouts_.find(id);
        if (it == rollouts_.end()) return std::nullopt;
        const auto& e = *it->second;
        o = to_json(e, devices);
        if (!devices) return o;
        const auto& p = e.rollout.plan();
        for (std::size_t i = 0; i < p.devices.size(); ++i) {
            members.emplace_back(p.devices[i], std::string(e.rollout.member_state(p.devices[i])));
            batch_of[p.devices[i]] = i / p.batch_size;
        }
        for (const auto& d : p.skipped)
            members.emplace_back(d, "skipped");
    }
    std::map<std::string, UpdateView> latest;
    for (auto& v : updates_.rollout_updates(id))
        latest.try_emplace(v.record.device_id, std::move(v));  // newest first
    auto& rows = o["devices"].as_array();
    for (const auto& [device, state] : members) {
        json::object row{{"device_id", device}, {"state", state}};
        if (auto b = batch_of.find(device); b != batch_of.end()) row["batch"] = b->second + 1;
        if (auto u = latest.find(device); u != latest.end()) {
            const auto& rec = u->second.record;
            row["update_id"] = rec.id;
            row["attempts"] = rec.attempts;
            row["bytes_acked"] = rec.bytes_acked;
            row["percent"] = rec.bytes_total ? rec.bytes_acked * 100 / rec.bytes_total : 0;
            if (!rec.error.empty()) row["error"] = rec.error;
        }
        rows.emplace_back(std::move(row));
    }
    return o;
}

json::array RolloutManager::list() {
    json::array out;
    std::lock_guard lock(mutex_);
    for (auto it = rollouts_.rbegin(); it != rollouts_.rend(); ++it)
        out.emplace_back(to_json(*it->second, false));
    return out;
}

}  // namespace ptalk::updates
