#include "fleet/jobs.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/commands.hpp"

namespace ptalk::fleet {

namespace asio = boost::asio;
namespace json = boost::json;
using live::DeviceJobState;

JobManager::JobManager(Fleet& fleet, store::Store& store, asio::any_io_executor ex)
    : fleet_(fleet), store_(store), ex_(std::move(ex)) {}

std::vector<std::string> JobManager::resolve(const live::JobTarget& t) const {
    if (t.kind == live::JobTarget::Kind::ids) return t.ids;
    DeviceQuery q;
    if (t.kind == live::JobTarget::Kind::filter) {
        q.online = t.online;
        q.firmware_version = t.firmware_version;
        q.name_contains = t.name_contains;
    }
    q.limit = 1000;
    std::vector<std::string> ids;
    for (;;) {
        auto page = fleet_.devices(q);
        for (const auto& d : page.devices)
            ids.push_back(d.record.id);
        if (page.next_cursor.empty()) break;
        q.cursor = page.next_cursor;
    }
    return ids;
}

std::uint64_t JobManager::start(live::JobRequest req, std::string requested_by) {
    auto job = std::make_shared<Job>();
    job->req = std::move(req);
    job->requested_by = std::move(requested_by);
    job->created_at = store::unix_millis_now();
    for (auto& id : resolve(job->req.target))
        job->outcomes.push_back({std::move(id), DeviceJobState::pending, {}, {}});
    {
        std::lock_guard lk(mutex_);
        job->id = next_id_++;
        jobs_[job->id] = job;
        while (jobs_.size() > 100) {
            auto oldest = jobs_.begin();
            if (oldest->second->finished_at)
                jobs_.erase(oldest);
            else
                break;
        }
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
    asio::co_spawn(asio::make_strand(ex_), run(job), asio::detached);
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
    return true;
}

asio::awaitable<void> JobManager::run(std::shared_ptr<Job> job) {
    job->started = std::chrono::steady_clock::now();
    job->last_progress = job->started;
    if (job->req.action == live::JobAction::config) {
        // Desired state first, for every target: offline devices converge later.
        const std::string by = "job:" + std::to_string(job->id);
        for (const auto& o : job->outcomes)
            fleet_.patch_desired(o.device_id, job->req.patch, by, false);
    }
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
    {
        std::lock_guard lk(job->mutex);
        job->finished_at = store::unix_millis_now();
        job->state = job->cancelled ? "cancelled" : "finished";
    }
    progress(*job, true);
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
    for (;;) {
        // Workers share the run's strand: next is ours to take.
        const std::size_t i = job->next;
        if (i >= job->outcomes.size()) co_return;
        ++job->next;
        if (job->cancelled) {
            std::lock_guard lk(job->mutex);
            job->outcomes[i].state = DeviceJobState::cancelled;
            continue;
        }
        const auto at = job->started + live::start_offset(i, job->req.rate_per_s);
        if (at > std::chrono::steady_clock::now()) {
            pace.expires_at(at);
            co_await pace.async_wait(asio::as_tuple(asio::use_awaitable));
            if (job->cancelled) {
                std::lock_guard lk(job->mutex);
                job->outcomes[i].state = DeviceJobState::cancelled;
                continue;
            }
        }
        co_await one(job, i);
        if (std::chrono::steady_clock::now() - job->last_progress >= std::chrono::seconds(1))
            progress(*job, false);
    }
}

asio::awaitable<void> JobManager::one(std::shared_ptr<Job> job, std::size_t i) {
    std::string id;
    {
        std::lock_guard lk(job->mutex);
        job->outcomes[i].state = DeviceJobState::running;
        id = job->outcomes[i].device_id;
    }
    const std::string by = "job:" + std::to_string(job->id);
    auto finish = [&](DeviceJobState s, std::string detail, std::vector<std::uint64_t> cids) {
        std::lock_guard lk(job->mutex);
        auto& o = job->outcomes[i];
        o.state = s;
        o.detail = std::move(detail);
        o.command_ids = std::move(cids);
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
    std::vector<std::uint64_t> cids;
    for (auto& c : commands) {
        auto timeout = job->req.timeout;
        auto r = co_await fleet_.execute(id, c, timeout, by);
        cids.push_back(r.id);
        if (r.completion.outcome != dispatch::Outcome::ok) {
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
    o["totals"] = live::totals_json(live::totals(job.outcomes));
    return o;
}

std::optional<json::object> JobManager::describe(std::uint64_t id, bool with_devices) const {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lk(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return std::nullopt;
        job = it->second;
    }
    std::lock_guard lk(job->mutex);
    auto o = summary(*job);
    if (with_devices) {
        json::array devices;
        devices.reserve(job->outcomes.size());
        for (const auto& d : job->outcomes) {
            json::array cids;
            for (auto c : d.command_ids)
                cids.push_back(c);
            devices.push_back(json::object{{"device_id", d.device_id},
                                           {"state", live::to_string(d.state)},
                                           {"detail", d.detail},
                                           {"command_ids", std::move(cids)}});
        }
        o["devices"] = std::move(devices);
    }
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
