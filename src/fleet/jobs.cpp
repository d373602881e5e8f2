#include "fleet/jobs.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/commands.hpp"

namespace ptalk::fleet {

namespace asio = boost::asio;
namespace json = boost::json;
using live::DeviceJobState;

namespace {

std::string command_ids_json(const std::vector<std::uint64_t>& ids) {
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i != 0) out += ',';
        out += std::to_string(ids[i]);
    }
    out += ']';
    return out;
}

std::vector<std::uint64_t> parse_command_ids(const std::string& s) {
    std::vector<std::uint64_t> out;
    json::error_code ec;
    auto v = json::parse(s, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& x : v.get_array())
        if (x.is_number()) out.push_back(x.to_number<std::uint64_t>());
    return out;
}

store::JobDeviceRecord device_row(std::uint64_t job_id, std::size_t seq,
                                  const live::DeviceJobOutcome& o) {
    store::JobDeviceRecord r;
    r.job_id = job_id;
    r.seq = seq;
    r.device_id = o.device_id;
    r.state = std::string(live::to_string(o.state));
    r.detail = o.detail;
    r.command_ids = command_ids_json(o.command_ids);
    return r;
}

}  // namespace

JobManager::JobManager(Fleet& fleet, store::Store& store, asio::any_io_executor ex, Options options)
    : fleet_(fleet), store_(store), ex_(std::move(ex)), options_(options) {}

store::Status JobManager::load() {
    auto rows = store_.load_jobs();
    if (!rows) return rows.error();
    std::vector<std::shared_ptr<Job>> resume;
    for (auto& r : *rows) {
        auto job = std::make_shared<Job>();
        job->id = r.id;
        json::error_code ec;
        auto spec = json::parse(r.spec, ec);
        std::string error;
        if (!ec && spec.is_object()) job->req = live::parse_job_request(spec.get_object(), error);
        if (ec || !spec.is_object() || !error.empty()) {
            spdlog::warn("job {}: stored request unreadable ({}); not resumed", r.id, error);
            if (r.state == "running") r.state = "interrupted";
        }
        job->spec = std::move(r.spec);
        job->requested_by = std::move(r.requested_by);
        job->created_at = r.created_at;
        job->finished_at = r.finished_at;
        job->state = r.state;
        job->cancelled = r.cancel_requested;
        job->desired_applied = r.desired_applied;
        if (job->state == "running") {
            auto devices = store_.load_job_devices(job->id);
            if (!devices) return devices.error();
            job->outcomes.reserve(devices->size());
            for (auto& d : *devices) {
                const auto stored =
                    live::parse_device_job_state(d.state).value_or(live::DeviceJobState::pending);
                const auto now = live::resume_state(job->req.action, stored, job->cancelled);
                live::DeviceJobOutcome o{std::move(d.device_id), now, std::move(d.detail),
                                         parse_command_ids(d.command_ids)};
                if (now == live::DeviceJobState::unknown)
                    o.detail =
                        "ptalkd stopped after the reboot was sent or about to be; not sent "
                        "again";
                if (now != stored) job->dirty.push_back(job->outcomes.size());
                job->outcomes.push_back(std::move(o));
            }
            resume.push_back(job);
        } else {
            job->outcomes_in_memory = false;
            auto t = json::parse(r.totals, ec);
            if (!ec && t.is_object()) job->stored_totals = std::move(t.get_object());
        }
        std::lock_guard lk(mutex_);
        next_id_ = std::max(next_id_, job->id + 1);
        jobs_[job->id] = std::move(job);
    }
    for (auto& job : resume) {
        const auto t = live::totals(job->outcomes);
        spdlog::info("job {} resumed action={} devices={} pending={} unknown={}", job->id,
                     live::to_string(job->req.action), t.total, t.pending, t.unknown);
        store::EventRecord e;
        e.time = store::unix_millis_now();
        e.type = "job.resumed";
        e.data = json::serialize(json::object{{"job_id", job->id},
                                              {"action", live::to_string(job->req.action)},
                                              {"totals", live::totals_json(t)}});
        store_.append_event(std::move(e));
        asio::co_spawn(asio::make_strand(ex_), run(job, true), asio::detached);
    }
    return {};
}

std::vector<std::string> JobManager::resolve(const live::JobTarget& t) const {
    if (t.kind == live::JobTarget::Kind::ids) return t.ids;
    DeviceQuery q;
    if (t.kind == live::JobTarget::Kind::filter) {
        q.online = t.online;
        q.firmware_version = t.firmware_version;
        q.name_contains = t.name_contains;
    }
    return fleet_.device_ids(q);
}

std::uint64_t JobManager::start(live::JobRequest req, std::string requested_by) {
    auto job = std::make_shared<Job>();
    job->req = std::move(req);
    job->requested_by = std::move(requested_by);
    job->created_at = store::unix_millis_now();
    for (auto& id : resolve(job->req.target))
        job->outcomes.push_back({std::move(id), DeviceJobState::pending, {}, {}});
    job->spec = json::serialize(live::job_request_json(job->req));
    {
        std::lock_guard lk(mutex_);
        job->id = next_id_++;
        jobs_[job->id] = job;
    }
    {
        // Every device's row now (pending), so a resume knows the whole target.
        std::vector<store::JobDeviceRecord> rows;
        rows.reserve(job->outcomes.size());
        std::lock_guard lk(job->mutex);
        for (std::size_t i = 0; i < job->outcomes.size(); ++i)
            rows.push_back(device_row(job->id, i, job->outcomes[i]));
        store_.put_job(record(*job));
        store_.put_job_devices(std::move(rows));
    }
    json::object data{{"job_id", job->id},
                      {"action", live::to_string(job->req.action)},
                      {"devices", job->outcomes.size()},
                      {"requested_by", job->requested_by}};
    store::EventRecord e;
    e.time = store::unix_millis_now();
    e.type = "job.started";
    e.data = json::serialize(data);
    store_.append_event(std::move(e));
    asio::co_spawn(asio::make_strand(ex_), run(job, false), asio::detached);
    return job->id;
}

bool JobManager::cancel(std::uint64_t id) {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lk(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return false;
        job = it->second;
    }
    job->cancelled = true;
    std::lock_guard lk(job->mutex);
    if (!job->finished_at) store_.put_job(record(*job));
    return true;
}

void JobManager::stop() {
    stopping_ = true;
}

void JobManager::persist_all() {
    std::vector<std::shared_ptr<Job>> jobs;
    {
        std::lock_guard lk(mutex_);
        for (const auto& [id, j] : jobs_)
            if (j->outcomes_in_memory) jobs.push_back(j);
    }
    for (auto& j : jobs)
        persist(*j);
}

store::JobRecord JobManager::record(const Job& job) const {
    store::JobRecord r;
    r.id = job.id;
    r.spec = job.spec;
    r.requested_by = job.requested_by;
    r.created_at = job.created_at;
    r.finished_at = job.finished_at;
    r.state = job.state;
    r.cancel_requested = job.cancelled;
    r.desired_applied = job.desired_applied;
    r.totals = json::serialize(
        job.outcomes_in_memory ? live::totals_json(live::totals(job.outcomes)) : job.stored_totals);
    return r;
}

void JobManager::persist(Job& job) {
    std::vector<store::JobDeviceRecord> rows;
    store::JobRecord rec;
    {
        std::lock_guard lk(job.mutex);
        if (!job.outcomes_in_memory) return;
        rows.reserve(job.dirty.size());
        for (auto i : job.dirty)
            rows.push_back(device_row(job.id, i, job.outcomes[i]));
        job.dirty.clear();
        rec = record(job);
    }
    if (!rows.empty()) store_.put_job_devices(std::move(rows));
    store_.put_job(std::move(rec));
}

void JobManager::trim() {
    // Finished jobs: the newest in_memory keep their outcomes, the newest
    // `history` stay listed; the store prunes the same way.
    std::lock_guard lk(mutex_);
    std::size_t finished = 0;
    for (auto it = jobs_.rbegin(); it != jobs_.rend();) {
        auto& j = *it->second;
        std::unique_lock jl(j.mutex);
        if (!j.finished_at) {
            ++it;
            continue;
        }
        ++finished;
        if (finished > options_.history) {
            jl.unlock();
            it = decltype(it)(jobs_.erase(std::next(it).base()));
            continue;
        }
        if (finished > options_.in_memory && j.outcomes_in_memory) {
            j.stored_totals = live::totals_json(live::totals(j.outcomes));
            j.outcomes_in_memory = false;
            j.outcomes.clear();
            j.outcomes.shrink_to_fit();
            j.dirty.clear();
        }
        ++it;
    }
    store_.prune_jobs(options_.history);
}

asio::awaitable<void> JobManager::run(std::shared_ptr<Job> job, bool resumed) {
    job->started = std::chrono::steady_clock::now();
    job->last_progress = job->started;
    if (job->req.action == live::JobAction::config && !job->desired_applied) {
        // Desired state first, for every target: offline devices converge later.
        // Once recorded (in a batch with or after the desired rows), a resumed
        // job does not set it again over a later change.
        // One store write and one desired.changed event for the whole job.
        const std::string by = "job:" + std::to_string(job->id);
        std::vector<std::string> ids;
        {
            std::lock_guard lk(job->mutex);
            ids.reserve(job->outcomes.size());
            for (const auto& o : job->outcomes)
                ids.push_back(o.device_id);
        }
        const auto changed = fleet_.patch_desired_many(ids, job->req.patch, by);
        store::EventRecord e;
        e.time = store::unix_millis_now();
        e.type = "desired.changed";
        e.data = json::serialize(json::object{{"job_id", job->id},
                                              {"devices", changed},
                                              {"patch", job->req.params},
                                              {"updated_by", by}});
        store_.append_event(std::move(e));
        std::lock_guard lk(job->mutex);
        job->desired_applied = true;
        store_.put_job(record(*job));
    }
    if (resumed) {
        // Pacing restarts with the devices still to do.
        std::lock_guard lk(job->mutex);
        job->next = 0;
    }
    asio::co_spawn(co_await asio::this_coro::executor, persister(job), asio::detached);
    const auto n = live::worker_count(job->outcomes.size(), job->req.max_concurrent);
    auto ex = co_await asio::this_coro::executor;
    auto remaining = std::make_shared<std::size_t>(n);
    asio::steady_timer all_done(ex, std::chrono::steady_clock::time_point::max());
    for (std::size_t w = 0; w < n && !job->outcomes.empty(); ++w) {
        asio::co_spawn(ex, worker(job), [remaining, &all_done](std::exception_ptr e) {
            if (e) spdlog::error("job worker failed");
            if (--*remaining == 0) all_done.cancel();
        });
    }
    if (!job->outcomes.empty()) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
    job->done = true;
    if (stopping_) co_return;  // resumed after the restart
    {
        std::lock_guard lk(job->mutex);
        job->finished_at = store::unix_millis_now();
        job->state = job->cancelled ? "cancelled" : "finished";
    }
    persist(*job);
    progress(*job, true);
    trim();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - job->started)
                        .count();
    const auto t = [&] {
        std::lock_guard lk(job->mutex);
        return live::totals(job->outcomes);
    }();
    spdlog::info("job {} {} action={} devices={} ok={} failed={} offline={} ms={}", job->id,
                 job->cancelled ? "cancelled" : "finished", live::to_string(job->req.action),
                 t.total, t.ok, t.failed, t.offline, ms);
}

asio::awaitable<void> JobManager::worker(std::shared_ptr<Job> job) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer pace(ex);
    std::size_t order = 0;  // this device's place among those this run starts
    for (;;) {
        if (stopping_) co_return;
        // Workers share the run's strand: next is ours to take.
        std::size_t i = job->next;
        {
            std::lock_guard lk(job->mutex);
            while (i < job->outcomes.size() && job->outcomes[i].state != DeviceJobState::pending)
                ++i;
        }
        if (i >= job->outcomes.size()) {
            job->next = i;
            co_return;
        }
        job->next = i + 1;
        order = job->started_count++;
        if (job->cancelled) {
            std::lock_guard lk(job->mutex);
            job->outcomes[i].state = DeviceJobState::cancelled;
            job->dirty.push_back(i);
            continue;
        }
        const auto at = job->started + live::start_offset(order, job->req.rate_per_s);
        if (at > std::chrono::steady_clock::now()) {
            pace.expires_at(at);
            co_await pace.async_wait(asio::as_tuple(asio::use_awaitable));
            if (stopping_) co_return;
            if (job->cancelled) {
                std::lock_guard lk(job->mutex);
                job->outcomes[i].state = DeviceJobState::cancelled;
                job->dirty.push_back(i);
                continue;
            }
        }
        co_await one(job, i);
        if (std::chrono::steady_clock::now() - job->last_progress >= std::chrono::seconds(1))
            progress(*job, false);
    }
}

asio::awaitable<void> JobManager::persister(std::shared_ptr<Job> job) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (!job->done && !stopping_) {
        t.expires_after(options_.persist_interval);
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        if (job->done || stopping_) break;
        persist(*job);
    }
}

asio::awaitable<void> JobManager::record_started(std::shared_ptr<Job> job, std::size_t i) {
    std::vector<store::JobDeviceRecord> rows;
    {
        std::lock_guard lk(job->mutex);
        rows.push_back(device_row(job->id, i, job->outcomes[i]));
    }
    auto ex = co_await asio::this_coro::executor;
    auto committed =
        std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
    // Runs on the store's writer thread once the row is on disk; the strand
    // orders the cancel after the wait below has begun.
    store_.put_job_devices(
        std::move(rows), [committed, ex] { asio::post(ex, [committed] { committed->cancel(); }); });
    co_await committed->async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> JobManager::one(std::shared_ptr<Job> job, std::size_t i) {
    std::string id;
    {
        std::lock_guard lk(job->mutex);
        job->outcomes[i].state = DeviceJobState::running;
        id = job->outcomes[i].device_id;
    }
    auto finish = [&](DeviceJobState s, std::string detail, std::vector<std::uint64_t> cids) {
        std::lock_guard lk(job->mutex);
        auto& o = job->outcomes[i];
        o.state = s;
        o.detail = std::move(detail);
        o.command_ids = std::move(cids);
        job->dirty.push_back(i);
    };
    if (!fleet_.session(id)) {
        finish(DeviceJobState::offline,
               job->req.action == live::JobAction::config
                   ? "desired state stored; applied when the device returns"
                   : "device offline",
               {});
        co_return;
    }
    std::vector<protocol::Command> commands;
    switch (job->req.action) {
        case live::JobAction::reboot:
            commands.push_back(protocol::make_command("reboot", {}).value());
            break;
        case live::JobAction::status:
            commands.push_back(protocol::make_command("request_status", {}).value());
            break;
        case live::JobAction::config: {
            // Only the fields that differ from what the device reported.
            auto v = fleet_.desired(id);
            if (v) {
                for (auto s : live::all_settings) {
                    const auto want = live::desired_value(v->desired.record, s);
                    if (!want || live::reported_value(v->reported, s) == want) continue;
                    json::object p;
                    if (s == live::Setting::device_name)
                        p["device_name"] = *want;
                    else
                        p[live::to_string(s)] = std::stoll(*want);
                    const std::string name = s == live::Setting::volume       ? "set_volume"
                                             : s == live::Setting::brightness ? "set_brightness"
                                                                              : "set_device_name";
                    if (auto c = protocol::make_command(name, p)) commands.push_back(std::move(*c));
                }
            }
            break;
        }
    }
    if (job->req.action == live::JobAction::reboot) {
        // On disk before the reboot goes out: after a crash this device is
        // `unknown`, never rebooted a second time.
        co_await record_started(job, i);
        if (stopping_) co_return;
    }
    const std::string by = "job:" + std::to_string(job->id);
    std::vector<std::uint64_t> cids;
    for (auto& c : commands) {
        auto timeout = job->req.timeout;
        auto r = co_await fleet_.execute(id, c, timeout, by);
        cids.push_back(r.id);
        if (r.completion.outcome != dispatch::Outcome::ok) {
            // Ended by the server's stop: no outcome; the restart resumes it.
            if (stopping_) co_return;
            const bool gone = r.completion.outcome == dispatch::Outcome::offline;
            finish(gone ? DeviceJobState::offline : DeviceJobState::failed,
                   std::string(dispatch::to_string(r.completion.outcome)), std::move(cids));
            co_return;
        }
    }
    finish(DeviceJobState::ok, commands.empty() ? "already in desired state" : "ok",
           std::move(cids));
}

void JobManager::progress(Job& job, bool final) {
    job.last_progress = std::chrono::steady_clock::now();
    json::object data;
    {
        std::lock_guard lk(job.mutex);
        data = {{"job_id", job.id},
                {"action", live::to_string(job.req.action)},
                {"state", final ? job.state : "running"},
                {"totals", live::totals_json(live::totals(job.outcomes))}};
    }
    store::EventRecord e;
    e.time = store::unix_millis_now();
    e.type = "job.progress";
    e.data = json::serialize(data);
    store_.append_event(std::move(e));
}

json::object JobManager::summary(const Job& job) const {
    json::object o;
    o["id"] = job.id;
    o["action"] = live::to_string(job.req.action);
    o["params"] = job.req.params;
    o["requested_by"] = job.requested_by;
    o["max_concurrent"] = job.req.max_concurrent;
    o["rate_per_s"] = job.req.rate_per_s;
    o["created_at_ms"] = job.created_at;
    o["finished_at_ms"] = job.finished_at ? json::value(*job.finished_at) : json::value(nullptr);
    o["state"] = job.state;
    o["cancel_requested"] = job.cancelled.load();
    o["totals"] =
        job.outcomes_in_memory ? live::totals_json(live::totals(job.outcomes)) : job.stored_totals;
    return o;
}

namespace {

json::object device_json(std::string_view device_id, std::string_view state,
                         std::string_view detail, const std::vector<std::uint64_t>& cids) {
    json::array ids;
    ids.reserve(cids.size());
    for (auto c : cids)
        ids.push_back(c);
    return json::object{{"device_id", device_id},
                        {"state", state},
                        {"detail", detail},
                        {"command_ids", std::move(ids)}};
}

}  // namespace

std::optional<json::object> JobManager::describe(std::uint64_t id, bool with_devices,
                                                 bool* in_store) const {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lk(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return std::nullopt;
        job = it->second;
    }
    std::lock_guard lk(job->mutex);
    if (with_devices && !job->outcomes_in_memory) {
        if (in_store != nullptr) *in_store = true;
        return std::nullopt;
    }
    auto o = summary(*job);
    if (with_devices) {
        json::array devices;
        devices.reserve(job->outcomes.size());
        for (const auto& d : job->outcomes)
            devices.push_back(
                device_json(d.device_id, live::to_string(d.state), d.detail, d.command_ids));
        o["devices"] = std::move(devices);
    }
    return o;
}

std::optional<json::object> JobManager::describe_stored(std::uint64_t id) const {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lk(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return std::nullopt;
        job = it->second;
    }
    json::object o;
    {
        std::lock_guard lk(job->mutex);
        o = summary(*job);
    }
    auto rows = store_.load_job_devices(id);
    if (!rows) return std::nullopt;
    json::array devices;
    devices.reserve(rows->size());
    for (const auto& r : *rows)
        devices.push_back(
            device_json(r.device_id, r.state, r.detail, parse_command_ids(r.command_ids)));
    o["devices"] = std::move(devices);
    return o;
}

std::vector<json::object> JobManager::list() const {
    std::vector<std::shared_ptr<Job>> jobs;
    {
        std::lock_guard lk(mutex_);
        for (const auto& [id, j] : jobs_)
            jobs.push_back(j);
    }
    std::vector<json::object> out;
    for (const auto& j : jobs) {
        std::lock_guard lk(j->mutex);
        out.push_back(summary(*j));
    }
    return out;
}

}  // namespace ptalk::fleet
