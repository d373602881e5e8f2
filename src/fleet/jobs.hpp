#pragma once
// Fleet jobs (issue 6): one action over many devices with bounded concurrency
// and a start rate, per-device outcomes and totals, cancel, job.progress
// events. Config jobs set desired state first, so devices offline now converge
// when they return (their outcome is "offline": desired state stored).
//
// Jobs survive a restart (store tables jobs/job_devices, migration v6): the
// job row and every device's row are written when the job starts, outcomes in
// batches (one store write per 250 ms tick, never per device), and a reboot
// job records each device as started — on disk — before it sends the reboot.
// On start a job that was running resumes for the devices without an outcome;
// a reboot that may have been sent ends `unknown`, never sent twice
// (live::resume_state). Finished jobs beyond `job_history` are pruned; the
// newest 100 keep their outcomes in memory, older ones are read from the store.
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
    struct Options {
        std::size_t history = 1000;   // finished jobs kept in the store
        std::size_t in_memory = 100;  // finished jobs whose outcomes stay in memory
        std::chrono::milliseconds persist_interval{250};
    };
    JobManager(Fleet& fleet, store::Store& store, boost::asio::any_io_executor ex, Options options);
    JobManager(Fleet& fleet, store::Store& store, boost::asio::any_io_executor ex)
        : JobManager(fleet, store, std::move(ex), Options{}) {}

    // Loads the stored jobs (blocking: at start-up) and resumes those that were
    // running; their ids continue after the largest stored one.
    store::Status load();
    // Starts a job; its id.
    std::uint64_t start(live::JobRequest req, std::string requested_by);
    bool cancel(std::uint64_t id);
    // {"id","action","params","state","totals",...} and, with_devices, "devices".
    // nullopt: no such job, or (with_devices) its outcomes are only in the
    // store — then `in_store` is set and describe_stored() answers.
    [[nodiscard]] std::optional<boost::json::object> describe(std::uint64_t id, bool with_devices,
                                                              bool* in_store = nullptr) const;
    // Reads the job's devices from the store: blocking, for the blocking pool.
    [[nodiscard]] std::optional<boost::json::object> describe_stored(std::uint64_t id) const;
    [[nodiscard]] std::vector<boost::json::object> list() const;

    // Server stop, before the fleet's: no device is started any more, and
    // devices whose commands end because of the stop keep no outcome (they are
    // resumed after the restart).
    void stop();
    // After the I/O threads ended: hands what is not written yet to the store.
    void persist_all();

  private:
    struct Job {
        std::uint64_t id = 0;
        live::JobRequest req;
        std::string spec;  // req as stored JSON
        std::string requested_by;
        store::UnixMillis created_at = 0;
        std::optional<store::UnixMillis> finished_at;
        std::atomic<bool> cancelled{false};
        bool desired_applied = false;
        mutable std::mutex mutex;
        std::vector<live::DeviceJobOutcome> outcomes;
        bool outcomes_in_memory = true;
        boost::json::object stored_totals;  // when the outcomes are not in memory
        std::vector<std::size_t> dirty;     // outcomes changed since last written
        std::size_t next = 0;               // the next device to start (run's strand only)
        std::size_t started_count = 0;      // devices this run started (strand only)
        std::chrono::steady_clock::time_point started{};
        std::chrono::steady_clock::time_point last_progress{};
        std::string state = "running";
        bool done = false;  // run() ended (strand)
    };

    boost::asio::awaitable<void> run(std::shared_ptr<Job> job, bool resumed);
    boost::asio::awaitable<void> worker(std::shared_ptr<Job> job);
    boost::asio::awaitable<void> persister(std::shared_ptr<Job> job);
    boost::asio::awaitable<void> one(std::shared_ptr<Job> job, std::size_t i);
    // Writes "started" for device i and waits until it is on disk.
    boost::asio::awaitable<void> record_started(std::shared_ptr<Job> job, std::size_t i);
    std::vector<std::string> resolve(const live::JobTarget& t) const;
    void progress(Job& job, bool final);
    // The job's row and its changed devices to the store (batched, non-blocking).
    void persist(Job& job);
    store::JobRecord record(const Job& job) const;  // job.mutex held
    void trim();
    boost::json::object summary(const Job& job) const;

    Fleet& fleet_;
    store::Store& store_;
    boost::asio::any_io_executor ex_;
    Options options_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<Job>> jobs_;
    std::uint64_t next_id_ = 1;
};

}  // namespace ptalk::fleet
