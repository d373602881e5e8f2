#pragma once
// Fleet jobs (issue 6), the pure parts: the request, per-device outcomes and
// totals, and the pacing of starts (max_concurrent, rate_per_s).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "live/desired.hpp"

namespace ptalk::live {

enum class JobAction { config, reboot, status };
[[nodiscard]] std::string_view to_string(JobAction a) noexcept;

struct JobTarget {
    enum class Kind { ids, filter, all } kind = Kind::all;
    std::vector<std::string> ids;  // canonical
    std::optional<bool> online;    // filter
    std::optional<std::string> firmware_version;
    std::optional<std::string> name_contains;
};

struct JobRequest {
    JobAction action = JobAction::status;
    boost::json::object params;  // config: volume/brightness/device_name
    DesiredPatch patch;          // config
    JobTarget target;
    std::size_t max_concurrent = 1000;
    double rate_per_s = 0;  // 0: no limit
    std::chrono::milliseconds timeout{5000};
};
// Empty error = ok.
[[nodiscard]] JobRequest parse_job_request(const boost::json::object& body, std::string& error);
// The request as the body parse_job_request() reads back (stored with the job).
[[nodiscard]] boost::json::object job_request_json(const JobRequest& r);

// One device's part in a job.
// unknown: started (a reboot was possibly sent) when ptalkd stopped or crashed,
// its outcome never seen; it is not sent again.
enum class DeviceJobState { pending, running, ok, failed, offline, cancelled, unknown };
[[nodiscard]] std::string_view to_string(DeviceJobState s) noexcept;
[[nodiscard]] std::optional<DeviceJobState> parse_device_job_state(std::string_view s) noexcept;
[[nodiscard]] bool is_done(DeviceJobState s) noexcept;

// Resuming a job after a restart: what a device's stored state becomes.
// Finished states stay. Pending devices run (or end cancelled if a cancel was
// requested). A device that was running (recorded as started before its
// command was sent) runs again for config and status jobs, which are safe to
// repeat, but ends `unknown` for a reboot job: the reboot may have been sent,
// and a device must never be rebooted twice.
[[nodiscard]] DeviceJobState resume_state(JobAction action, DeviceJobState stored,
                                          bool cancel_requested) noexcept;

struct DeviceJobOutcome {
    std::string device_id;
    DeviceJobState state = DeviceJobState::pending;
    std::string detail;  // the command outcome ("timeout", ...) or why
    std::vector<std::uint64_t> command_ids;
};

struct JobTotals {
    std::size_t total = 0, pending = 0, running = 0, ok = 0, failed = 0, offline = 0, cancelled = 0,
                unknown = 0;
    [[nodiscard]] std::size_t done() const noexcept {
        return ok + failed + offline + cancelled + unknown;
    }
};
[[nodiscard]] JobTotals totals(const std::vector<DeviceJobOutcome>& outcomes);
[[nodiscard]] boost::json::object totals_json(const JobTotals& t);

// When the i-th device (from 0) may start, after the job's start: i / rate_per_s
// (0 rate: at once). Concurrency is bounded separately by max_concurrent workers.
[[nodiscard]] std::chrono::microseconds start_offset(std::size_t i, double rate_per_s);
// How many workers a job runs: min(max_concurrent, devices), at least 1.
[[nodiscard]] std::size_t worker_count(std::size_t devices, std::size_t max_concurrent);

}  // namespace ptalk::live
