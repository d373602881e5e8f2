#pragma once
// The network side of one simulated device: a Beast WebSocket client written as
// C++20 coroutines that performs what its FirmwareModel asks. It connects,
// sends its handshake first, reads frames the way the firmware does (4096-byte
// pieces, continuation frames dropped), keeps the link alive with pings, and
// after a drop, reboot or provisioning comes back as the firmware would.
// Every member function runs on the client's executor.
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/backoff.hpp"
#include "sim/firmware_model.hpp"
#include "sim/state_file.hpp"
#include "sim/stats.hpp"
#include "sim/ws_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace ptalk::sim {

struct ClientOptions {
    WsUrl url;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // resolved once for the fleet
    std::shared_ptr<boost::asio::ssl::context> tls;         // set for wss:// URLs
    bool tls_verify = true;                                 // check the server's name and chain
    Millis connect_timeout{5000};
    Millis handshake_timeout{10'000};
    Millis ping_after{5000};      // silence before the device pings
    Millis pong_timeout{10'000};  // no answer to the ping: the device drops the link
    Millis reboot_delay{3000};    // from the dropped link to the new connection
    Backoff::Options backoff;
    std::size_t max_message_bytes = 1 << 20;  // spec profile: whole messages up to this
};

struct DeviceSnapshot {
    std::string id;       // canonical
    std::string wire_id;  // as the device writes it
    bool connected = false;
    bool stranded = false;
    bool offline = false;
    std::uint32_t boots = 0;
    std::uint64_t handshakes = 0;
    DeviceSettings settings;
    int battery_percent = 0;
    std::int64_t uptime_sec = 0;
    bool ota_receiving = false;
    bool ota_broken = false;
    std::uint64_t ota_bytes = 0;
    std::optional<OtaVerdict> last_ota;
    bool ignores_commands = false;  // --ignore-commands chose this device
};

class DeviceClient {
  public:
    DeviceClient(boost::asio::any_io_executor ex, FirmwareModel model, const ClientOptions& opt,
                 Stats& stats, StateFile& state, std::uint64_t seed);
    ~DeviceClient();
    DeviceClient(const DeviceClient&) = delete;
    DeviceClient& operator=(const DeviceClient&) = delete;

    // The device's life: power on after start_delay, connect, serve, come back.
    // Ends after stop().
    boost::asio::awaitable<void> run(Millis start_delay);

    // Power off: the link goes without a close frame and run() ends.
    void stop();
    // Wi-Fi loss: the link goes without a close frame and the device reconnects.
    // Also rescues a stranded device, as a real Wi-Fi drop would.
    void drop_link();
    // A spontaneous frame (firmware pull, voice traffic); dropped when offline.
    void send_text(std::string text);
    void send_binary(std::string bytes);
    // Keep-alive: ping after silence, drop when the pong does not come.
    void tick(TimePoint now);

    [[nodiscard]] DeviceSnapshot snapshot(TimePoint now) const;
    [[nodiscard]] bool connected() const noexcept;
    [[nodiscard]] const FirmwareModel& model() const noexcept { return model_; }
    [[nodiscard]] FirmwareModel& model() noexcept { return model_; }
    [[nodiscard]] const std::string& id() const noexcept { return model_.id(); }
    [[nodiscard]] boost::asio::any_io_executor executor() const { return ex_; }

  private:
    struct Session;
    enum class End { stopped, connect_failed, link_lost, restart, offline, stranded };

    static boost::asio::awaitable<void> write_queue(std::shared_ptr<Session> s);
    boost::asio::awaitable<End> connect_and_serve();
    boost::asio::awaitable<End> read_frames(std::shared_ptr<Session> s);
    boost::asio::awaitable<End> read_messages(std::shared_ptr<Session> s);
    boost::asio::awaitable<std::optional<End>> deliver(Session& s, bool binary,
                                                       std::string_view bytes);
    boost::asio::awaitable<std::optional<End>> perform(Session& s, Reaction r);
    static boost::asio::awaitable<void> send_later(std::shared_ptr<Session> s, std::string text,
                                                   Millis delay);
    // Sleeps unless stop() or drop_link() interrupts; returns false then.
    boost::asio::awaitable<bool> sleep(std::optional<Millis> d);
    void account(const Reaction& r, bool ota_was_receiving, std::uint64_t ota_bytes_before);
    void link_gone();
    void end_session(Session& s, End why);

    boost::asio::any_io_executor ex_;
    FirmwareModel model_;
    const ClientOptions& opt_;
    Stats& stats_;
    StateFile& state_;
    std::mt19937_64 rng_;
    Backoff backoff_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<Session> current_;
    std::optional<Millis> offline_for_;
    std::uint64_t handshakes_ = 0;
    bool stopping_ = false;
    bool stranded_ = false;
    bool offline_ = false;
    bool ota_counted_ = false;  // this device counts in ota_in_progress
};

}  // namespace ptalk::sim
