#pragma once
// The fleet: every device ever seen (reported state, in memory, persisted
// through the store) and, for those online, their live session. Implements the
// gateway's hooks, so it hears of every handshake, reply, outcome and close,
// records each in the store, and gives the API one place to find a device.
#include <chrono>
#include <cstdint>
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
#include "gateway/device_hooks.hpp"
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

class Fleet final : public gateway::DeviceHooks {
  public:
    Fleet(store::Store& store, core::Metrics& metrics);

    // Loads the registry from the store (every device starts offline).
    store::Status load();

    [[nodiscard]] std::shared_ptr<gateway::DeviceSession> session(const std::string& id) const;
    [[nodiscard]] std::optional<DeviceView> device(const std::string& id) const;
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

  private:
    struct Entry {
        store::DeviceRecord record;
        std::shared_ptr<gateway::DeviceSession> session;
    };

    store::CommandRecord new_record(std::uint64_t id, const std::string& device,
                                    const protocol::Command& cmd, std::string requested_by) const;
    void record_offline(store::CommandRecord rec);
    void event(const std::string& device, std::string type, std::string data);

    store::Store& store_;
    core::Metrics& metrics_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, Entry> devices_;  // ordered: id cursors page in O(log n)
    std::mutex pending_mutex_;
    std::unordered_map<std::uint64_t, store::CommandRecord> pending_;  // queued, not finished
};

}  // namespace ptalk::fleet
