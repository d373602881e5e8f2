#pragma once
// Wires ptalkd together: store -> fleet -> gateway listener + API, on one
// io_context with a thread per core and a small pool for blocking store reads.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/api.hpp"
#include "api/secure_api.hpp"
#include "auth/admission.hpp"
#include "auth/token_registry.hpp"
#include "core/metrics.hpp"
#include "firmware/file_catalogue.hpp"
#include "fleet/fleet.hpp"
#include "gateway/listener.hpp"
#include "live/event_hub.hpp"
#include "live/webhooks.hpp"
#include "server/config.hpp"
#include "store/sqlite_store.hpp"
#include "store/sqlite_update_store.hpp"
#include "updates/rollout_manager.hpp"
#include "updates/update_manager.hpp"

namespace ptalk::server {

class Server {
  public:
    explicit Server(Config config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Opens the store, loads the registry, binds the port. On failure returns a
    // one-line reason (and nothing is left running).
    [[nodiscard]] std::optional<std::string> start();
    [[nodiscard]] boost::asio::ip::tcp::endpoint endpoint() const;

    // Graceful stop: no new connections, in-flight commands end `shutdown`,
    // device sockets are dropped at the TCP level, the store is flushed. Idempotent.
    void stop();
    // Blocks until SIGINT or SIGTERM, then stops.
    void run_until_signal();

    [[nodiscard]] fleet::Fleet& fleet() { return *fleet_; }
    [[nodiscard]] core::Metrics& metrics() { return metrics_; }
    // The firmware catalogue (after start()).
    [[nodiscard]] firmware::Catalogue& firmware() { return *firmware_; }

  private:
    void start_live_timers();
    void start_memory_trim();
    // security.cpp: tokens, admission and the API's front; a reason on failure.
    std::optional<std::string> start_security();
    // The update store and managers; a reason on failure.
    std::string start_updates();

    Config config_;
    core::Metrics metrics_;
    store::SqliteStore store_;
    // Before loops_: uploads in progress on the I/O threads refer to it.
    std::unique_ptr<firmware::FileCatalogue> firmware_;
    std::unique_ptr<live::EventHub> hub_;  // before the store's listener may call it
    gateway::EventLoops loops_;            // one per I/O thread (Config::threads)
    boost::asio::thread_pool blocking_{2};
    boost::asio::steady_timer trim_timer_{boost::asio::make_strand(blocking_)};
    std::unique_ptr<fleet::Fleet> fleet_;
    std::unique_ptr<fleet::JobManager> jobs_;
    std::unique_ptr<live::WebhookManager> webhooks_;
    store::SqliteUpdateStore update_store_;
    std::unique_ptr<updates::UpdateManager> updates_;
    std::unique_ptr<updates::RolloutManager> rollouts_;
    std::unique_ptr<api::Api> api_;
    std::unique_ptr<gateway::Listener> listener_;
    // ---- security (issue 7) ----
    std::unique_ptr<auth::TokenRegistry> tokens_;
    std::unique_ptr<auth::Admission> admission_;
    std::unique_ptr<api::SecureApi> secure_api_;
    std::atomic<bool> running_{false};
};

}  // namespace ptalk::server
