#pragma once
// Fleet jobs (issue 6): one action over many devices with bounded concurrency
// and a start rate, per-device outcomes and totals, cancel, job.progress
// events. Config jobs set desired state first, so devices offline now converge
// when they return (their outcome is "offline": desired state stored). Jobs
// live in memory (the last 100 are kept); their commands are in the audit log.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "fleet/fleet.hpp"
#include "live/job_plan.hpp"

namespace ptalk::fleet {

class JobManager {
  public:
    JobManager(Fleet& fleet, store::Store& store, boost::asio::any_io_executor ex);

    // Starts a job; its id.
    std::uint64_t start(live::JobRequest req, std::string requested_by);
    bool cancel(std::uint64_t id);
    // {"id","action","params","state","totals",...} and, with_devices, "devices".
    [[nodiscard]] std::optional<boost::json::object> describe(std::uint64_t id,
                                                              bool with_devices) const;
    [[nodiscard]] std::vector<boost::json::object> list() const;

  private:
    struct Job {
        std::uint64_t id = 0;
        live::JobRequest req;
        std::string requested_by;
        store::UnixMillis created_at = 0;
        std::optional<store::UnixMillis> finished_at;
        std::atomic<bool> cancelled{false};
        mutable std::mutex mutex;
        std::vector<live::DeviceJobOutcome> outcomes;
        std::size_t next = 0;  // the next device to start (run's strand only)
        std::chrono::steady_clock::time_point started{};
        std::chrono::steady_clock::time_point last_progress{};
        std::string state = "running";
    };

    boost::asio::awaitable<void> run(std::shared_ptr<Job> job);
    boost::asio::awaitable<void> worker(std::shared_ptr<Job> job);
    boost::asio::awaitable<void> one(std::shared_ptr<Job> job, std::size_t i);
    std::vector<std::string> resolve(const live::JobTarget& t) const;
    void progress(Job& job, bool final);
    boost::json::object summary(const Job& job) const;

    Fleet& fleet_;
    store::Store& store_;
    boost::asio::any_io_executor ex_;
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<Job>> jobs_;
    std::uint64_t next_id_ = 1;
};

}  // namespace ptalk::fleet
