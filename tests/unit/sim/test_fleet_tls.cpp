// wss://: a device connects over TLS, checks the server's certificate and name,
// and sends its handshake first, as over ws://.
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "self_signed_cert.hpp"
#include "sim/fleet.hpp"
#include "sim_test_support.hpp"

using namespace ptalk::sim;
using namespace ptalk::sim::test;
namespace net = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;

namespace {

using ptalk::test_common::KeyAndCert;
using ptalk::test_common::self_signed;

// Accepts one wss connection and hands back the first message it gets.
class TlsPeer {
  public:
    explicit TlsPeer(const KeyAndCert& kc)
        : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
        ctx_.use_certificate_chain(net::buffer(kc.cert_pem));
        ctx_.use_private_key(net::buffer(kc.key_pem), net::ssl::context::pem);
        net::co_spawn(io_, serve(), net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TlsPeer() {
        io_.stop();
        thread_.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::future<std::string> first_message() { return first_.get_future(); }

  private:
    net::awaitable<void> serve() {
        auto tuple = net::as_tuple(net::use_awaitable);
        auto [aec, socket] = co_await acceptor_.async_accept(tuple);
        beast::websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(std::move(socket), ctx_);
        auto [hec] = co_await ws.next_layer().async_handshake(net::ssl::stream_base::server, tuple);
        auto [wec] = co_await ws.async_accept(tuple);
        beast::flat_buffer buf;
        auto [rec, n] = co_await ws.async_read(buf, tuple);
        first_.set_value(aec || hec || wec || rec ? "" : beast::buffers_to_string(buf.data()));
        co_await ws.async_read(buf, tuple);  // hold the link until the test ends
    }

    net::io_context io_;
    net::ssl::context ctx_{net::ssl::context::tls_server};
    net::ip::tcp::acceptor acceptor_;
    std::promise<std::string> first_;
    std::thread thread_;
};

}  // namespace

TEST(FleetTls, ConnectsOverWssCheckingTheCertificate) {
    auto kc = self_signed();
    auto ca = std::filesystem::temp_directory_path() /
              ("ptalk-sim-ca-" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca) << kc.cert_pem;
    TlsPeer peer(kc);
    FleetOptions o;
    o.url = "wss://127.0.0.1:" + std::to_string(peer.port()) + "/ws";
    o.ca_file = ca.string();
    Fleet fleet(o);
    fleet.start();
    auto first = peer.first_message();
    ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(as_handshake(first.get()).device_id, fleet.ids().front());
    fleet.stop();
    std::filesystem::remove(ca);
}

TEST(FleetTls, AnUnknownCertificateIsRefused) {
    TlsPeer peer(self_signed());
    FleetOptions o;
    o.url = "wss://127.0.0.1:" + std::to_string(peer.port()) + "/ws";
    o.client.backoff = {50ms, 100ms, 0.0};
    Fleet fleet(o);
    fleet.start();
    EXPECT_TRUE(fleet.wait_until([](auto& s) { return s[Counter::connect_failures] >= 1; }, 5s));
    EXPECT_EQ(fleet.stats()[Counter::handshakes], 0);
}
