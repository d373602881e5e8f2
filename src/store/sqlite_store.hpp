#pragma once
// The embedded backend: one SQLite file in WAL mode, a writer thread that
// commits queued writes in batches, and a read connection for queries.
// docs/STORE.md states the batch window and what a kill -9 may lose.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "store/pending_writes.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_batch_writer.hpp"
#include "store/sqlite_keyed_writer.hpp"
#include "store/sqlite_reader.hpp"
#include "store/store.hpp"

namespace ptalk::store {

struct SqliteOptions {
    // A batch is committed this long after its first write arrived ...
    std::chrono::milliseconds batch_window{50};
    // ... or as soon as this many (coalesced) writes are waiting. Large on
    // purpose: a batch's cost is mostly the pages it dirties (random devices'
    // rows), which grow slower than its rows; 1000 cost 60 % more writer CPU per
    // seed request than 10 000 (docs/PERFORMANCE.md, run E).
    std::size_t batch_max_items = 10'000;
    // While the disk fails, at most this many writes wait; beyond it the oldest
    // events are dropped (devices and commands never are).
    std::size_t max_pending = 100'000;
    std::chrono::milliseconds busy_timeout{5000};
    // A failed batch is retried after retry_min, doubling up to retry_max.
    std::chrono::milliseconds retry_min{100};
    std::chrono::milliseconds retry_max{5000};
    // A size cap in database pages; writes beyond it fail as `full`.
    std::optional<std::int64_t> max_page_count;
    // For tests: called before each batch; a non-zero sqlite code fails the batch with it.
    std::function<int()> fault_injector;
    // refresh_device() writes are coalesced per device for this long: a device
    // answering commands all the time has its row written about once a window
    // instead of once a batch (docs/STORE.md). Upserts keep the batch window.
    std::chrono::milliseconds device_refresh_window{1000};
    // live (issue 6): events kept for replay (Last-Event-ID); older ones are
    // pruned by the writer. 0 keeps everything.
    std::size_t event_retention = 100'000;
};

class SqliteStore final : public Store {
  public:
    SqliteStore() = default;
    ~SqliteStore() override;

    // Creates `data_dir` and `data_dir/ptalk.db`, migrates the schema and starts
    // the writer. A directory that cannot be created or written, or a database
    // that cannot be opened, gives an error Status (never an exception).
    [[nodiscard]] Status open(const std::filesystem::path& data_dir, SqliteOptions options = {});
    [[nodiscard]] bool is_open() const noexcept;
    [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

    void upsert_device(DeviceRecord d) override;
    void refresh_device(DeviceRecord d) override;
    void put_command(CommandRecord c) override;
    void append_event(EventRecord e) override;
    [[nodiscard]] std::uint64_t next_command_id() noexcept override;

    Status flush(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) override;
    Status close(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) override;

    [[nodiscard]] Result<std::vector<DeviceRecord>> load_devices() override;
    [[nodiscard]] Result<std::optional<CommandRecord>> get_command(std::uint64_t id) override;
    [[nodiscard]] Result<std::vector<CommandRecord>> list_commands(
        std::optional<std::string> device_id, std::uint64_t before_id, std::size_t limit) override;
    [[nodiscard]] Result<std::vector<EventRecord>> list_events(
        std::uint64_t after_id, std::size_t limit, const EventFilter& filter = {}) override;
    [[nodiscard]] Result<std::uint64_t> max_command_id() override;

    [[nodiscard]] bool writable() const noexcept override;
    [[nodiscard]] Status last_error() const override;
    [[nodiscard]] StoreMetrics metrics() const override;

    // ---- firmware catalogue (issue 4): sqlite_store_firmware.cpp ----
    [[nodiscard]] Result<std::vector<FirmwareRecord>> load_firmware() override;
    [[nodiscard]] Result<bool> insert_firmware(const FirmwareRecord& f) override;
    [[nodiscard]] Result<bool> delete_firmware(const std::string& version) override;
    // ---- live (issue 6): committed-event listener ----
    void set_event_listener(EventListener listener) override;

    // ---- live (issue 6): desired state, queued commands ----
    void put_desired(DesiredRecord d) override;
    void put_queued_command(QueuedCommand q) override;
    void remove_queued_command(std::uint64_t id) override;
    Status flush_live(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) override;
    [[nodiscard]] Result<std::vector<DesiredRecord>> load_desired() override;
    [[nodiscard]] Result<std::vector<QueuedCommand>> load_queued_commands() override;
    void put_webhook(WebhookRecord w) override;
    void remove_webhook(std::uint64_t id) override;
    [[nodiscard]] Result<std::vector<WebhookRecord>> load_webhooks() override;

    // ---- security (issue 7): sqlite_store_security.cpp ----
    [[nodiscard]] Result<std::vector<TokenRecord>> load_tokens() override;
    [[nodiscard]] Result<std::uint64_t> insert_token(const TokenRecord& t) override;
    [[nodiscard]] Result<bool> revoke_token(std::uint64_t id, UnixMillis at) override;
    [[nodiscard]] Result<std::vector<AllowedDevice>> load_allowlist() override;
    [[nodiscard]] Status allow_device(const AllowedDevice& d) override;
    [[nodiscard]] Result<bool> disallow_device(const std::string& device_id) override;

    // ---- live (issue 6, migration v6): jobs, webhook deliveries: sqlite_store_jobs.cpp ----
    void put_job(JobRecord j) override;
    void put_job_devices(std::vector<JobDeviceRecord> rows,
                         std::function<void()> on_committed = {}) override;
    void prune_jobs(std::size_t keep) override;
    [[nodiscard]] Result<std::vector<JobRecord>> load_jobs() override;
    [[nodiscard]] Result<std::vector<JobDeviceRecord>> load_job_devices(
        std::uint64_t job_id) override;
    void put_webhook_deliveries(std::uint64_t webhook_id,
                                std::vector<WebhookDeliveryRecord> attempts,
                                std::size_t keep) override;
    void put_webhook_cursor(std::uint64_t webhook_id, std::uint64_t last_event_id) override;
    [[nodiscard]] Result<std::vector<WebhookDeliveryRecord>> load_webhook_deliveries(
        std::uint64_t webhook_id, std::size_t limit) override;
    [[nodiscard]] Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>>
    load_webhook_cursors() override;
    [[nodiscard]] Result<std::uint64_t> max_event_id() override;
    void put_desired_many(std::vector<DesiredRecord> rows) override;

  private:
    // A short-lived connection of its own for the firmware table (see above).
    Result<sqlite::Db> firmware_db();
    // A short-lived connection of its own for the security tables (see above).
    Result<sqlite::Db> security_db();

    using Clock = std::chrono::steady_clock;

    Status open_database(const std::filesystem::path& data_dir);
    // Called with mutex_ held after a write was added.
    void added(bool was_empty, bool coalesced);
    void run_writer();
    // With mutex_ held: moves the refreshed rows into pending_ (due or forced).
    void take_refreshed();
    [[nodiscard]] Clock::time_point next_batch_at() const;
    Result<std::size_t> write_batch();
    void batch_done(const Result<std::size_t>& written, std::uint64_t seq);

    SqliteOptions options_;
    std::filesystem::path file_;
    sqlite::Db write_db_;
    std::optional<sqlite::BatchWriter> writer_;
    std::atomic<std::uint64_t> next_id_{1};

    std::mutex read_mutex_;  // the read connection serves one caller at a time
    std::optional<sqlite::Reader> reader_;

    mutable std::mutex mutex_;      // guards everything below
    std::condition_variable wake_;  // the writer waits here
    std::condition_variable done_;  // flush() and close() wait here
    PendingWrites pending_;
    PendingWrites writing_;  // the batch being committed; the writer reads it unlocked
    // refresh_device() rows waiting for their window; never a device that also
    // has an upsert in pending_ (the refresh is merged into it, or moved ahead of it).
    std::unordered_map<std::string, DeviceRecord> refreshed_;
    Clock::time_point first_refreshed_at_{};
    Clock::time_point first_pending_at_{};
    Clock::time_point retry_at_{};
    std::chrono::milliseconds retry_delay_{};
    std::uint64_t enqueued_seq_ = 0;   // writes accepted so far
    std::uint64_t committed_seq_ = 0;  // of those, committed (or dropped)
    std::size_t flush_waiters_ = 0;
    bool accepting_ = false;  // open and not closing
    bool stopping_ = false;   // close(): drain, then exit
    bool abandon_ = false;    // close() gave up: exit now
    bool running_ = false;    // the writer thread is in its loop
    std::atomic<bool> writable_{false};
    Status last_error_;
    StoreMetrics metrics_;
    std::thread thread_;

    // ---- live (issue 6) ----
    // Tells the listener what the batch just committed (writer thread, unlocked).
    void notify_committed();
    EventListener event_listener_;  // set before the first event; read by the writer only
    Status open_live();
    std::unique_ptr<sqlite::KeyedWriter> live_writer_;
    // ---- live (issue 6, v6) ----
    std::atomic<std::uint64_t> job_rows_seq_{0};  // unique keys for batches of job rows
};

}  // namespace ptalk::store
