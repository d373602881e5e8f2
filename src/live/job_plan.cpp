#include "live/job_plan.hpp"

#include <algorithm>
#include <cmath>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "protocol/device_id.hpp"

namespace ptalk::live {

namespace json = boost::json;

std::string_view to_string(JobAction a) noexcept {
    switch (a) {
        case JobAction::config:
            return "config";
        case JobAction::reboot:
            return "reboot";
        case JobAction::status:
            return "status";
    }
    return "status";
}

std::string_view to_string(DeviceJobState s) noexcept {
    switch (s) {
        case DeviceJobState::pending:
            return "pending";
        case DeviceJobState::running:
            return "running";
        case DeviceJobState::ok:
            return "ok";
        case DeviceJobState::failed:
            return "failed";
        case DeviceJobState::offline:
            return "offline";
        case DeviceJobState::cancelled:
            return "cancelled";
        case DeviceJobState::unknown:
            return "unknown";
    }
    return "pending";
}

std::optional<DeviceJobState> parse_device_job_state(std::string_view s) noexcept {
    for (auto st : {DeviceJobState::pending, DeviceJobState::running, DeviceJobState::ok,
                    DeviceJobState::failed, DeviceJobState::offline, DeviceJobState::cancelled,
                    DeviceJobState::unknown})
        if (to_string(st) == s) return st;
    return std::nullopt;
}

bool is_done(DeviceJobState s) noexcept {
    return s != DeviceJobState::pending && s != DeviceJobState::running;
}

DeviceJobState resume_state(JobAction action, DeviceJobState stored,
                            bool cancel_requested) noexcept {
    switch (stored) {
        case DeviceJobState::pending:
            return cancel_requested ? DeviceJobState::cancelled : DeviceJobState::pending;
        case DeviceJobState::running:
            if (action == JobAction::reboot) return DeviceJobState::unknown;
            return cancel_requested ? DeviceJobState::cancelled : DeviceJobState::pending;
        default:
            return stored;
    }
}

json::object job_request_json(const JobRequest& r) {
    json::object o;
    o["action"] = to_string(r.action);
    if (!r.params.empty()) o["params"] = r.params;
    switch (r.target.kind) {
        case JobTarget::Kind::all:
            o["target"] = "all";
            break;
        case JobTarget::Kind::ids: {
            json::array ids;
            ids.reserve(r.target.ids.size());
            for (const auto& id : r.target.ids)
                ids.push_back(json::value(id));
            o["target"] = std::move(ids);
            break;
        }
        case JobTarget::Kind::filter: {
            json::object f;
            if (r.target.online) f["online"] = *r.target.online;
            if (r.target.firmware_version) f["firmware_version"] = *r.target.firmware_version;
            if (r.target.name_contains) f["name"] = *r.target.name_contains;
            o["target"] = std::move(f);
            break;
        }
    }
    o["max_concurrent"] = static_cast<std::int64_t>(r.max_concurrent);
    o["rate_per_s"] = r.rate_per_s;
    o["timeout_ms"] = r.timeout.count();
    return o;
}

JobRequest parse_job_request(const json::object& body, std::string& error) {
    JobRequest r;
    error.clear();
    const auto* action = body.if_contains("action");
    if (action == nullptr || !action->is_string()) {
        error = "action must be \"config\", \"reboot\" or \"status\"";
        return r;
    }
    const auto a = action->get_string();
    if (a == "config")
        r.action = JobAction::config;
    else if (a == "reboot")
        r.action = JobAction::reboot;
    else if (a == "status")
        r.action = JobAction::status;
    else {
        error = "action must be \"config\", \"reboot\" or \"status\"";
        return r;
    }
    if (const auto* p = body.if_contains("params")) {
        if (!p->is_object()) {
            error = "params must be an object";
            return r;
        }
        r.params = p->get_object();
    }
    if (r.action == JobAction::config) {
        r.patch = parse_desired_patch(r.params, error);
        if (!error.empty()) {
            error = "params: " + error;
            return r;
        }
    } else if (!r.params.empty()) {
        error = std::string(a) + " takes no params";
        return r;
    }
    const auto* t = body.if_contains("target");
    if (t == nullptr) {
        error = "target is required: a list of device ids, a filter object, or \"all\"";
        return r;
    }
    if (t->is_string() && t->get_string() == "all") {
        r.target.kind = JobTarget::Kind::all;
    } else if (t->is_array()) {
        r.target.kind = JobTarget::Kind::ids;
        for (const auto& v : t->get_array()) {
            auto id = v.is_string() ? protocol::normalize_device_id(v.get_string())
                                    : std::optional<std::string>{};
            if (!id) {
                error = "target ids must be device ids (12 hex digits)";
                return r;
            }
            r.target.ids.push_back(*id);
        }
        std::sort(r.target.ids.begin(), r.target.ids.end());
        r.target.ids.erase(std::unique(r.target.ids.begin(), r.target.ids.end()),
                           r.target.ids.end());
        if (r.target.ids.empty()) {
            error = "target lists no device";
            return r;
        }
    } else if (t->is_object()) {
        r.target.kind = JobTarget::Kind::filter;
        for (const auto& kv : t->get_object()) {
            if (kv.key() == "online" && kv.value().is_bool()) {
                r.target.online = kv.value().get_bool();
            } else if (kv.key() == "firmware_version" && kv.value().is_string()) {
                r.target.firmware_version = std::string(kv.value().get_string());
            } else if (kv.key() == "name" && kv.value().is_string()) {
                r.target.name_contains = std::string(kv.value().get_string());
            } else {
                error = "a target filter takes online (bool), firmware_version and name (strings)";
                return r;
            }
        }
    } else {
        error = "target must be a list of device ids, a filter object, or \"all\"";
        return r;
    }
    if (const auto* m = body.if_contains("max_concurrent")) {
        if (!m->is_int64() || m->get_int64() < 1 || m->get_int64() > 100'000) {
            error = "max_concurrent must be an integer from 1 to 100000";
            return r;
        }
        r.max_concurrent = static_cast<std::size_t>(m->get_int64());
    } else if (r.action == JobAction::reboot) {
        r.max_concurrent = 50;  // a fleet never reboots all at once
    }
    if (const auto* rate = body.if_contains("rate_per_s")) {
        if (!rate->is_number() || rate->to_number<double>() < 0 ||
            rate->to_number<double>() > 1e6) {
            error = "rate_per_s must be a number from 0 (no limit) to 1000000";
            return r;
        }
        r.rate_per_s = rate->to_number<double>();
    }
    if (const auto* tm = body.if_contains("timeout_ms")) {
        if (!tm->is_int64() || tm->get_int64() < 100 || tm->get_int64() > 120'000) {
            error = "timeout_ms must be an integer from 100 to 120000";
            return r;
        }
        r.timeout = std::chrono::milliseconds(tm->get_int64());
    }
    return r;
}

JobTotals totals(const std::vector<DeviceJobOutcome>& outcomes) {
    JobTotals t;
    t.total = outcomes.size();
    for (const auto& o : outcomes) {
        switch (o.state) {
            case DeviceJobState::pending:
                ++t.pending;
                break;
            case DeviceJobState::running:
                ++t.running;
                break;
            case DeviceJobState::ok:
                ++t.ok;
                break;
            case DeviceJobState::failed:
                ++t.failed;
                break;
            case DeviceJobState::offline:
                ++t.offline;
                break;
            case DeviceJobState::cancelled:
                ++t.cancelled;
                break;
            case DeviceJobState::unknown:
                ++t.unknown;
                break;
        }
    }
    return t;
}

json::object totals_json(const JobTotals& t) {
    return {{"total", t.total},         {"pending", t.pending},
            {"running", t.running},     {"ok", t.ok},
            {"failed", t.failed},       {"offline", t.offline},
            {"cancelled", t.cancelled}, {"unknown", t.unknown},
            {"done", t.done()}};
}

std::chrono::microseconds start_offset(std::size_t i, double rate_per_s) {
    if (rate_per_s <= 0) return std::chrono::microseconds(0);
    return std::chrono::microseconds(
        static_cast<std::int64_t>(std::llround(static_cast<double>(i) * 1e6 / rate_per_s)));
}

std::size_t worker_count(std::size_t devices, std::size_t max_concurrent) {
    return std::max<std::size_t>(1, std::min(devices, max_concurrent));
}

}  // namespace ptalk::live
