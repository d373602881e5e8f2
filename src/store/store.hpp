#pragma once
// The device registry and audit log, one interface for every backend (SQLite
// now, PostgreSQL later). Writes never block the caller: they are queued and a
// writer thread commits them in batches (docs/STORE.md). Reads are synchronous
// and meant for non-I/O threads.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/firmware_record.hpp"
#include "store/status.hpp"

namespace ptalk::store {

// Unix time in milliseconds.
using UnixMillis = std::int64_t;
[[nodiscard]] UnixMillis unix_millis_now() noexcept;

// One device as the server knows it. An upsert never erases what is known:
// absent (nullopt) fields keep their stored value, first_seen keeps the earliest
// and last_seen the latest, so a caller may upsert only what it just learned.
struct DeviceRecord {
    std::string id;  // canonical (protocol/device_id.hpp)
    std::optional<std::string> name;
    std::optional<std::string> firmware_version;
    std::optional<int> battery_percent;
    std::optional<std::string> connectivity_state;
    std::optional<int> volume;
    std::optional<int> brightness;
    std::optional<std::int64_t> uptime_sec;
    bool online = false;
    std::optional<std::string> remote_addr;
    UnixMillis first_seen = 0;
    UnixMillis last_seen = 0;
    std::optional<UnixMillis> last_handshake;

    friend bool operator==(const DeviceRecord&, const DeviceRecord&) = default;
};

// One row of the audit log. put_command() at queue time and again when it ends;
// each put replaces the whole row.
struct CommandRecord {
    std::uint64_t id = 0;  // from Store::next_command_id()
    std::string device_id;
    std::string cmd;            // "set_volume", ...
    std::string params = "{}";  // JSON object, without "cmd"
    std::string requested_by;   // "api", "internal", a user name ...
    UnixMillis queued_at = 0;
    std::optional<UnixMillis> sent_at;
    std::optional<UnixMillis> finished_at;
    std::optional<std::string> outcome;  // "ok", "timeout", ...; absent while pending
    std::optional<std::string> reply;    // the device's reply as JSON
    std::optional<std::int64_t> latency_ms;

    friend bool operator==(const CommandRecord&, const CommandRecord&) = default;
};

struct EventRecord {
    std::uint64_t id = 0;  // assigned when written; ignored by append_event()
    UnixMillis time = 0;
    std::optional<std::string> device_id;
    std::string type;         // "connected", "handshake", "stale_reply", ...
    std::string data = "{}";  // JSON

    friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// ---- live (issue 6) ----
// What the operator wants a device's settings to be (absent: not managed).
struct DesiredRecord {
    std::string device_id;
    std::optional<int> volume;
    std::optional<int> brightness;
    std::optional<std::string> device_name;
    std::uint64_t version = 0;
    UnixMillis updated_at = 0;
    std::string updated_by;

    friend bool operator==(const DesiredRecord&, const DesiredRecord&) = default;
};

// A command waiting for its device to come back ("queue_if_offline"). Its audit
// row (CommandRecord, same id) says queued until it is sent or expires.
struct QueuedCommand {
    std::uint64_t id = 0;
    std::string device_id;
    std::string cmd;
    std::string params = "{}";
    std::string requested_by;
    UnixMillis queued_at = 0;
    UnixMillis expires_at = 0;
    std::int64_t timeout_ms = 5000;

    friend bool operator==(const QueuedCommand&, const QueuedCommand&) = default;
};

// An outgoing webhook: events (of `types`, by prefix; JSON array) POSTed to `url`.
struct WebhookRecord {
    std::uint64_t id = 0;
    std::string url;
    std::string secret;
    std::string types = "[]";
    UnixMillis created_at = 0;

    friend bool operator==(const WebhookRecord&, const WebhookRecord&) = default;
};

struct EventFilter {
    std::optional<std::string> device_id;
    std::optional<std::string> type;
};

struct StoreMetrics {
    std::uint64_t queue_depth = 0;  // items waiting to be written (after coalescing)
    std::uint64_t batches = 0;      // committed transactions
    std::uint64_t rows_written = 0;
    std::uint64_t coalesced = 0;       // writes merged into a pending one
    std::uint64_t write_errors = 0;    // failed batches (each retried)
    std::uint64_t events_dropped = 0;  // oldest events dropped at the queue bound
};

// An API or device token (docs/SECURITY.md): only the SHA-256 of the secret is kept.
struct TokenRecord {
    std::uint64_t id = 0;  // assigned by insert_token()
    std::string name;
    std::string scope;                     // "read", "operate", "admin" or "device"
    std::optional<std::string> device_id;  // the id a "device" token is bound to
    std::string hash;                      // hex SHA-256 of the token
    std::string prefix;                    // the token's first characters, to recognise it
    UnixMillis created_at = 0;
    std::optional<UnixMillis> revoked_at;

    friend bool operator==(const TokenRecord&, const TokenRecord&) = default;
};

// A device id admitted in the `allowlist` admission mode.
struct AllowedDevice {
    std::string device_id;
    std::optional<std::string> name;
    UnixMillis added_at = 0;

    friend bool operator==(const AllowedDevice&, const AllowedDevice&) = default;
};

// ---- live (issue 6, migration v6): fleet jobs and webhook delivery state ----
// A fleet job as stored; `spec` is the request as JSON (live::job_request_json),
// `totals` the last totals written (JSON object).
struct JobRecord {
    std::uint64_t id = 0;
    std::string spec = "{}";
    std::string requested_by;
    UnixMillis created_at = 0;
    std::optional<UnixMillis> finished_at;
    std::string state = "running";  // running, finished, cancelled
    bool cancel_requested = false;
    bool desired_applied = false;  // config jobs: desired state was set for every target
    std::string totals = "{}";

    friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

// One device's part in a job; `seq` is its place in the job's order.
struct JobDeviceRecord {
    std::uint64_t job_id = 0;
    std::uint64_t seq = 0;
    std::string device_id;
    std::string state = "pending";  // live::DeviceJobState's names
    std::string detail;
    std::string command_ids = "[]";  // JSON array

    friend bool operator==(const JobDeviceRecord&, const JobDeviceRecord&) = default;
};

// One attempt to deliver one event to one webhook.
struct WebhookDeliveryRecord {
    std::uint64_t webhook_id = 0;
    std::uint64_t event_id = 0;
    std::string event_type;
    int attempt = 0;
    UnixMillis at = 0;
    int status = 0;  // HTTP status; 0: no answer
    bool delivered = false;
    std::string error;

    friend bool operator==(const WebhookDeliveryRecord&, const WebhookDeliveryRecord&) = default;
};

class Store {
  public:
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    virtual ~Store() = default;

    // ---- writes: queued, never block on disk, never fail (see writable()) ----
    virtual void upsert_device(DeviceRecord d) = 0;
    // What a device reported again (its values, last_seen) with nothing else
    // changed: may be coalesced for longer than an upsert (SqliteOptions::
    // device_refresh_window). An upsert of the same device still comes after it.
    virtual void refresh_device(DeviceRecord d) { upsert_device(std::move(d)); }
    virtual void put_command(CommandRecord c) = 0;
    virtual void append_event(EventRecord e) = 0;

    // Monotonic across restarts: starts at max(id)+1 of the stored log. Thread-safe.
    [[nodiscard]] virtual std::uint64_t next_command_id() noexcept = 0;

    // Waits until everything queued before the call is committed; fails after
    // `max_wait` (e.g. while the disk is full) with the last write error.
    virtual Status flush(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) = 0;
    // Drains the queue (up to `max_wait`) and stops the writer. Idempotent.
    virtual Status close(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) = 0;

    // ---- reads: synchronous, for non-I/O threads ----
    [[nodiscard]] virtual Result<std::vector<DeviceRecord>> load_devices() = 0;
    // Sees queued writes too, so a command is readable as soon as it was put.
    [[nodiscard]] virtual Result<std::optional<CommandRecord>> get_command(std::uint64_t id) = 0;
    // Newest first, ids below `before_id` (0 = from the newest); queued writes included.
    // No device_id: every device.
    [[nodiscard]] virtual Result<std::vector<CommandRecord>> list_commands(
        std::optional<std::string> device_id, std::uint64_t before_id, std::size_t limit) = 0;
    // Oldest first, ids above `after_id`; committed events only (ids are given at commit).
    [[nodiscard]] virtual Result<std::vector<EventRecord>> list_events(
        std::uint64_t after_id, std::size_t limit, const EventFilter& filter = {}) = 0;
    [[nodiscard]] virtual Result<std::uint64_t> max_command_id() = 0;

    // ---- health ----
    // False after a batch failed and until one succeeds: the API answers 503 on writes.
    [[nodiscard]] virtual bool writable() const noexcept = 0;
    // The error of the last failed batch (ok once a batch succeeded again).
    [[nodiscard]] virtual Status last_error() const = 0;
    [[nodiscard]] virtual StoreMetrics metrics() const = 0;

    // ---- firmware catalogue (issue 4, migration v5): sqlite_store_firmware.cpp ----
    // Synchronous, each in its own transaction, for non-I/O threads: uploads are
    // rare, and the catalogue keeps every row in memory after load_firmware().
    // Defaults fail, for backends (and test doubles) without a catalogue.
    [[nodiscard]] virtual Result<std::vector<FirmwareRecord>> load_firmware() {
        return Status{StatusCode::error, "firmware is not supported by this store"};
    }
    // False (and nothing written) when the version is already stored.
    [[nodiscard]] virtual Result<bool> insert_firmware(const FirmwareRecord& f) {
        (void)f;
        return Status{StatusCode::error, "firmware is not supported by this store"};
    }
    // False when no row has this version.
    [[nodiscard]] virtual Result<bool> delete_firmware(const std::string& version) {
        (void)version;
        return Status{StatusCode::error, "firmware is not supported by this store"};
    }
    // ---- live: committed events (issue 6, docs/LIVE.md) ----
    // Called after each commit with the events it committed, ids assigned, oldest
    // first; on the writer's thread, so it must be quick and never block (the
    // event hub copies and posts). Set before events are appended; one listener.
    using EventListener = std::function<void(const std::vector<EventRecord>&)>;
    virtual void set_event_listener(EventListener listener) { (void)listener; }

    // ---- live (issue 6): desired state and queued commands ----
    // Low-rate tables with their own writer (coalesced per key, never block the
    // caller); flush() does not wait for them, flush_live() does.
    virtual void put_desired(DesiredRecord d) = 0;
    virtual void put_queued_command(QueuedCommand q) = 0;
    virtual void remove_queued_command(std::uint64_t id) = 0;
    virtual Status flush_live(std::chrono::milliseconds max_wait = std::chrono::seconds(30)) = 0;
    [[nodiscard]] virtual Result<std::vector<DesiredRecord>> load_desired() = 0;
    [[nodiscard]] virtual Result<std::vector<QueuedCommand>> load_queued_commands() = 0;
    virtual void put_webhook(WebhookRecord w) = 0;
    virtual void remove_webhook(std::uint64_t id) = 0;
    [[nodiscard]] virtual Result<std::vector<WebhookRecord>> load_webhooks() = 0;

    // ---- security (issue 7, migration v4): API tokens and the device allowlist ----
    // Synchronous, each in its own transaction, for non-I/O threads: these change
    // at an operator's pace, and the server keeps them in memory after load.
    // Defaults fail, for backends (and test doubles) without them.
    [[nodiscard]] virtual Result<std::vector<TokenRecord>> load_tokens() {
        return Status{StatusCode::error, "tokens are not supported by this store"};
    }
    // Returns the new id.
    [[nodiscard]] virtual Result<std::uint64_t> insert_token(const TokenRecord& t) {
        (void)t;
        return Status{StatusCode::error, "tokens are not supported by this store"};
    }
    // False when no unrevoked token has this id.
    [[nodiscard]] virtual Result<bool> revoke_token(std::uint64_t id, UnixMillis at) {
        (void)id;
        (void)at;
        return Status{StatusCode::error, "tokens are not supported by this store"};
    }
    [[nodiscard]] virtual Result<std::vector<AllowedDevice>> load_allowlist() {
        return Status{StatusCode::error, "the allowlist is not supported by this store"};
    }
    // Adds or renames.
    [[nodiscard]] virtual Status allow_device(const AllowedDevice& d) {
        (void)d;
        return Status{StatusCode::error, "the allowlist is not supported by this store"};
    }
    // False when the id was not on the list.
    [[nodiscard]] virtual Result<bool> disallow_device(const std::string& device_id) {
        (void)device_id;
        return Status{StatusCode::error, "the allowlist is not supported by this store"};
    }

    // ---- live (issue 6, migration v6): jobs and webhook deliveries, sqlite_store_jobs.cpp ----
    // Writes go through the live tables' writer (never block the caller; one
    // transaction per 20 ms window), so a job's outcomes are written in batches.
    // Defaults do nothing (writes) or load nothing, for backends and test doubles
    // without them.
    // Replaces the job's row (coalesced per job).
    virtual void put_job(JobRecord j) { (void)j; }
    // Inserts or replaces these rows, in one transaction with whatever else is
    // waiting; `on_committed` (if any) runs on the writer's thread once they are
    // on disk, and must be quick (post to an executor).
    virtual void put_job_devices(std::vector<JobDeviceRecord> rows,
                                 std::function<void()> on_committed = {}) {
        (void)rows;
        (void)on_committed;
    }
    // Deletes finished jobs (and their devices) beyond the newest `keep` finished ones.
    virtual void prune_jobs(std::size_t keep) { (void)keep; }
    // Every stored job, by id.
    [[nodiscard]] virtual Result<std::vector<JobRecord>> load_jobs() {
        return std::vector<JobRecord>{};
    }
    // A job's devices in seq order (committed rows only).
    [[nodiscard]] virtual Result<std::vector<JobDeviceRecord>> load_job_devices(
        std::uint64_t job_id) {
        (void)job_id;
        return std::vector<JobDeviceRecord>{};
    }
    // Appends attempts to a webhook's log, keeping its newest `keep` rows.
    virtual void put_webhook_deliveries(std::uint64_t webhook_id,
                                        std::vector<WebhookDeliveryRecord> attempts,
                                        std::size_t keep) {
        (void)webhook_id;
        (void)attempts;
        (void)keep;
    }
    // The id of the last event done with (delivered or given up) for a webhook.
    virtual void put_webhook_cursor(std::uint64_t webhook_id, std::uint64_t last_event_id) {
        (void)webhook_id;
        (void)last_event_id;
    }
    // Newest first, at most `limit` (committed rows only).
    [[nodiscard]] virtual Result<std::vector<WebhookDeliveryRecord>> load_webhook_deliveries(
        std::uint64_t webhook_id, std::size_t limit) {
        (void)webhook_id;
        (void)limit;
        return std::vector<WebhookDeliveryRecord>{};
    }
    // Many devices' desired state in one writer entry (fleet jobs). A row never
    // replaces a newer version of the same device's, whatever the order of writes.
    virtual void put_desired_many(std::vector<DesiredRecord> rows) {
        for (auto& d : rows)
            put_desired(std::move(d));
    }
    // The largest event id committed so far (0: none).
    [[nodiscard]] virtual Result<std::uint64_t> max_event_id() { return std::uint64_t{0}; }
    // webhook id -> last event id.
    [[nodiscard]] virtual Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>>
    load_webhook_cursors() {
        return std::vector<std::pair<std::uint64_t, std::uint64_t>>{};
    }
};

}  // namespace ptalk::store
