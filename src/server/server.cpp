#include "server/server.hpp"

#include "core/memory.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ptalk::server {

namespace asio = boost::asio;

namespace {

unsigned io_threads(const Config& c) {
    return c.threads != 0 ? c.threads : std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

Server::Server(Config config) : config_(std::move(config)), loops_(io_threads(config_)) {}

Server::~Server() {
    stop();
}

std::optional<std::string> Server::start() {
    hub_ = std::make_unique<live::EventHub>(config_.live.sse_buffer);
    store_.set_event_listener([hub = hub_.get()](const auto& events) { hub->publish(events); });
    config_.sqlite.event_retention = config_.live.event_retention;
    if (auto st = store_.open(config_.data_dir, config_.sqlite); !st) {
        return fmt::format("cannot open the store in '{}': {}", config_.data_dir, st.message);
    }
    fleet_ = std::make_unique<fleet::Fleet>(store_, metrics_);
    fleet_->set_live_options(config_.live);
    if (auto st = fleet_->load(); !st || !(st = fleet_->load_live())) {
        (void)store_.close();
        return fmt::format("cannot load the device registry: {}", st.message);
    }
    auto catalogue = firmware::FileCatalogue::open(
        store_,
        {std::filesystem::path(config_.data_dir) / "firmware", config_.firmware.max_image_bytes});
    if (!catalogue) {
        (void)store_.close();
        return fmt::format("cannot open the firmware catalogue: {}", catalogue.error().message);
    }
    firmware_ = std::move(*catalogue);
    if (auto st = start_updates(); !st.empty()) {
        (void)store_.close();
        return st;
    }
    api_ = std::make_unique<api::Api>(*fleet_, store_, metrics_, blocking_, config_.api);
    api_->set_firmware(firmware_.get());
    fleet::JobManager::Options job_options;
    job_options.history = config_.live.job_history;
    jobs_ = std::make_unique<fleet::JobManager>(*fleet_, store_, loops_.control().get_executor(),
                                                job_options);
    if (auto st = jobs_->load(); !st) {
        (void)store_.close();
        return fmt::format("cannot load fleet jobs: {}", st.message);
    }
    webhooks_ =
        std::make_unique<live::WebhookManager>(*hub_, store_, loops_.control().get_executor(),
                                               blocking_.get_executor(), config_.live.webhooks);
    if (auto st = webhooks_->load(); !st) {
        (void)store_.close();
        return fmt::format("cannot load webhooks: {}", st.message);
    }
    api_->set_live({hub_.get(), &config_.live, jobs_.get(), webhooks_.get()});
    api_->set_updates(*updates_, *rollouts_);
    if (auto err = start_security()) {
        (void)store_.close();
        return err;
    }
    listener_ = std::make_unique<gateway::Listener>(loops_, config_.gateway, *fleet_, *secure_api_,
                                                    metrics_);
    try {
        const auto addr = asio::ip::make_address(config_.listen_address);
        listener_->listen({addr, config_.port});
    } catch (const std::exception& e) {
        (void)store_.close();
        return fmt::format("cannot listen on {}:{}: {}", config_.listen_address, config_.port,
                           e.what());
    }
    listener_->start();
    start_live_timers();
    start_memory_trim();
    const auto n = static_cast<unsigned>(loops_.size());
    running_ = true;
    loops_.run();
    const auto ep = listener_->local_endpoint();
    spdlog::info(
        "ptalkd listening address={}:{} ws_path={} data_dir={} devices_known={} threads={}",
        ep.address().to_string(), ep.port(), config_.gateway.ws_path, config_.data_dir,
        fleet_->known_count(), n);
    return std::nullopt;
}

std::string Server::start_updates() {
    if (auto st = update_store_.open(store_.file()); !st)
        return fmt::format("cannot open the firmware-update store: {}", st.message);
    updates_ = std::make_unique<updates::UpdateManager>(*fleet_, *firmware_, update_store_, store_,
                                                        blocking_.get_executor(), config_.ota);
    rollouts_ = std::make_unique<updates::RolloutManager>(
        *fleet_, *updates_, *firmware_, update_store_, store_, blocking_.get_executor());
    if (auto st = updates_->start(); !st)
        return fmt::format("cannot restore firmware updates: {}", st.message);
    if (auto st = rollouts_->start(); !st)
        return fmt::format("cannot restore rollouts: {}", st.message);
    return {};
}

asio::ip::tcp::endpoint Server::endpoint() const {
    return listener_->local_endpoint();
}

void Server::stop() {
    if (!running_) return;
    running_ = false;
    spdlog::info("ptalkd stopping: devices_online={}", fleet_->online_count());
    listener_->stop();
    webhooks_->shutdown();
    hub_->shutdown();  // event streams and webhook deliveries end
    jobs_->stop();     // running jobs resume after the restart
    fleet_->shutdown();
    // Give sessions a moment to record their `shutdown` outcomes and closes, and
    // the API a moment to answer requests whose commands just ended.
    for (int i = 0; i < 200 && (fleet_->online_count() > 0 || listener_->active_requests() > 0);
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rollouts_->stop();
    updates_->stop();
    asio::post(trim_timer_.get_executor(), [this] { trim_timer_.cancel(); });
    loops_.stop();
    blocking_.join();
    jobs_->persist_all();
    if (auto st = store_.close(); !st) spdlog::error("store close failed: {}", st.message);
    spdlog::info("ptalkd stopped");
}

void Server::start_live_timers() {
    // Queued commands expire even while their device stays away (issue 6).
    asio::co_spawn(
        loops_.control(),
        [this]() -> asio::awaitable<void> {
            asio::steady_timer t(loops_.control());
            for (;;) {
                t.expires_after(std::chrono::seconds(1));
                auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
                if (ec || !running_) co_return;
                fleet_->expire_queued(store::unix_millis_now());
            }
        },
        asio::detached);
}

// Every few seconds on the blocking pool: after a connection storm the
// transient memory of the upgrades goes back to the system (core/memory.hpp).
void Server::start_memory_trim() {
    trim_timer_.expires_after(std::chrono::seconds(5));
    trim_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) return;
        core::release_free_memory();
        start_memory_trim();
    });
}

void Server::run_until_signal() {
    asio::io_context signals_ctx;
    asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    signals.async_wait(
        [](const boost::system::error_code&, int sig) { spdlog::info("signal {} received", sig); });
    signals_ctx.run();
    stop();
}

}  // namespace ptalk::server
