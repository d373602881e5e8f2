#pragma once
// The fleet: every device ever seen (reported state, in memory, persisted
// through the store) and, for those online, their live session. Implements the
// gateway's hooks, so it hears of every handshake, reply, outcome and close,
// records each in the store, and gives the API one place to find a device.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/metrics.hpp"
#include "dispatch/device_queue.hpp"
#include "fleet/indexed_map.hpp"
#include "gateway/device_hooks.hpp"
#include "live/desired.hpp"
#include "live/options.hpp"
#include "store/store.hpp"

namespace ptalk::fleet {

struct DeviceView {
    store::DeviceRecord record;
    std::size_t queue_length = 0;
};

struct DeviceQuery {
    std::optional<bool> online;
    std::optional<std::string> firmware_version;
    std::optional<std::string> name_contains;  // case-insensitive
    enum class Sort { id, name, last_seen } sort = Sort::id;
    bool descending = false;
    std::string cursor;  // opaque, from DevicePage::next_cursor
    std::size_t limit = 100;
};

struct DevicePage {
    std::vector<DeviceView> devices;
    std::string next_cursor;  // empty on the last page
    std::size_t total = 0;    // matching devices, all pages
};

// The outcome of one command, with its audit-log id.
struct CommandResult {
    std::uint64_t id = 0;
    dispatch::Completion completion;
};

// Told of devices coming and going, on the device session's event loop: must not
// block (post the work elsewhere). Registered before the server starts.
class FleetObserver {
  public:
    virtual ~FleetObserver() = default;
    virtual void device_online(const store::DeviceRecord& d) = 0;
    virtual void device_offline(const std::string& id, gateway::CloseReason why) = 0;
    virtual void firmware_pull(const std::string& id, const protocol::FirmwarePull& p) = 0;
};

class Fleet final : public gateway::DeviceHooks {
  public:
    Fleet(store::Store& store, core::Metrics& metrics);

    // Loads the registry from the store (every device starts offline).
    store::Status load();
    // Not thread-safe: call before devices connect.
    void add_observer(FleetObserver& o) { observers_.push_back(&o); }

    [[nodiscard]] std::shared_ptr<gateway::DeviceSession> session(const std::string& id) const;
    [[nodiscard]] std::optional<DeviceView> device(const std::string& id) const;
    // Whether the device has ever connected: device() without the copy of its record.
    [[nodiscard]] bool knows(const std::string& id) const;
    [[nodiscard]] DevicePage devices(const DeviceQuery& q) const;
    [[nodiscard]] std::size_t online_count() const;
    [[nodiscard]] std::size_t known_count() const;

    // Runs one command on a device and waits for its outcome (`offline` at once
    // when the device is not connected). Every outcome lands in the audit log.
    // `cmd` is moved from. Arguments are references, not values: callers are
    // coroutines that keep them alive, and GCC 12 destroys temporaries of a
    // co_await expression wrongly.
    boost::asio::awaitable<CommandResult> execute(const std::string& id, protocol::Command& cmd,
                                                  std::chrono::milliseconds timeout,
                                                  const std::string& requested_by);
    // Queues a command without waiting; nullopt when the device is offline
    // (which is recorded as such too).
    std::optional<std::uint64_t> submit(const std::string& id, protocol::Command cmd,
                                        std::chrono::milliseconds timeout,
                                        std::string requested_by);

    // One command of the audit log, including one given a moment ago: the fleet
    // holds a command from submit() until it finishes, and the store has it from
    // the moment its device queued it. Reading the fleet first, then the store,
    // leaves no moment between the two.
    [[nodiscard]] store::Result<std::optional<store::CommandRecord>> command(std::uint64_t cid);
    // When command `cid` was sent (Unix ms), while it is in flight on `device`.
    [[nodiscard]] std::optional<std::int64_t> sent_at_ms(const std::string& device,
                                                         std::uint64_t cid) const;

    // Drops every device socket at the TCP level (their commands end `shutdown`).
    void shutdown();

    // gateway::DeviceHooks
    bool on_handshake(const std::shared_ptr<gateway::DeviceSession>& s,
                      const protocol::Handshake& h) override;
    void on_reply(gateway::DeviceSession& s, const protocol::Reply& r, bool stale) override;
    void on_queued(gateway::DeviceSession& s, const dispatch::Request& r) override;
    void on_completion(gateway::DeviceSession& s, const dispatch::Completion& c) override;
    void on_firmware_pull(gateway::DeviceSession& s, const protocol::FirmwarePull& p) override;
    void on_closed(gateway::DeviceSession& s, gateway::CloseReason why) override;
    std::uint64_t next_command_id() override;

    // ---- live (issue 6): desired state, queued commands (fleet_live.cpp) ----
    void set_live_options(const live::LiveOptions& o) { live_options_ = o; }
    // Loads desired state (pre-provisioned ids included) and queued commands.
    store::Status load_live();

    struct DesiredView {
        live::DesiredState desired;
        store::DeviceRecord reported;
        bool known = false;  // the device has connected at least once
    };
    [[nodiscard]] std::optional<DesiredView> desired(const std::string& id) const;
    // Changes desired state (creating it for an id never seen: pre-provisioning),
    // records desired.changed, and when the device is online applies the fields
    // that differ (after a fresh request_status). apply_now=false leaves applying
    // to the caller (fleet jobs). Nullopt when the patch changed nothing.
    std::optional<DesiredView> patch_desired(const std::string& id, const live::DesiredPatch& p,
                                             const std::string& by, bool apply_now = true);
    // Sends what desired state still needs (online devices with a fresh status).
    void reconcile(const std::string& id);
    // Fleet jobs: one patch over many devices, without applying it; one store
    // write for all (no desired.changed per device: the job records one).
    // Returns how many devices it changed.
    std::size_t patch_desired_many(const std::vector<std::string>& ids, const live::DesiredPatch& p,
                                   const std::string& by);
    // Fleet jobs: the ids a filter matches, in id order (no copies of the records).
    [[nodiscard]] std::vector<std::string> device_ids(const DeviceQuery& q) const;

    // Queues a command for a device that is offline; sent after its next
    // handshake's status, or expired after `ttl`. Returns the command id.
    std::uint64_t queue_command(const std::string& id, const protocol::Command& cmd,
                                std::chrono::milliseconds timeout, std::chrono::milliseconds ttl,
                                const std::string& requested_by);
    // Expires queued commands whose time has passed (the server calls it every second).
    void expire_queued(store::UnixMillis now);
    [[nodiscard]] std::size_t queued_count() const;

  private:
    struct Entry {
        store::DeviceRecord record;
        std::shared_ptr<gateway::DeviceSession> session;
        // live (issue 6)
        live::DesiredState desired;
        bool fresh = false;  // a request_status came back since the handshake
        std::vector<std::pair<std::uint64_t, live::Setting>> sending;  // desired in flight
    };

    store::CommandRecord new_record(std::uint64_t id, const std::string& device,
                                    const protocol::Command& cmd, std::string requested_by) const;
    void record_offline(store::CommandRecord rec);
    void event(const std::string& device, std::string type, std::string data);
    // Like submit() with an id chosen by the caller.
    bool submit_as(std::uint64_t cid, const std::string& id, protocol::Command cmd,
                   std::chrono::milliseconds timeout, store::CommandRecord rec);
    // live hooks, called by the DeviceHooks above (fleet_live.cpp)
    void live_on_handshake(const std::string& id);
    void live_on_reply(const std::string& id, const protocol::Reply& r);
    void live_on_completion(const std::string& id, const dispatch::Completion& c);
    void deliver_queued(const std::string& id);
    // Removes and returns the offline-queued commands `which` picks.
    std::vector<store::QueuedCommand> take_queued(
        const std::function<bool(const store::QueuedCommand&)>& which);

    store::Store& store_;
    core::Metrics& metrics_;
    mutable std::shared_mutex mutex_;
    IndexedMap<Entry> devices_;  // ordered: id cursors page in O(log n); hashed: O(1) lookups
    std::mutex pending_mutex_;
    std::unordered_map<std::uint64_t, store::CommandRecord> pending_;  // queued, not finished

    // live (issue 6)
    live::LiveOptions live_options_;
    mutable std::mutex queued_mutex_;
    std::map<std::uint64_t, store::QueuedCommand> queued_;  // waiting for their device
    std::vector<FleetObserver*> observers_;
};

}  // namespace ptalk::fleet
