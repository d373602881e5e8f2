// TLS on the device/API port (docs/SECURITY.md): with --tls-cert/--tls-key the
// same port serves https and wss (TLS 1.2+), plain http keeps working, and
// ptalk-sim devices connect over wss with the test's self-signed certificate.
#include <openssl/ssl.h>

#include <fstream>

#include <gtest/gtest.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "cli/exit_code.hpp"
#include "cli/http_client.hpp"
#include "ota_support.hpp"
#include "protocol/firmware_image.hpp"
#include "self_signed_cert.hpp"
#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using test_common::write_self_signed;

// GET `target` over https; the status, or 0 when the TLS handshake failed.
unsigned https_get(std::uint16_t port, const std::filesystem::path& ca, const std::string& target,
                   int max_version = 0) {
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca.string());
    ctx.set_verify_mode(ssl::verify_peer);
    if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    beast::ssl_stream<beast::tcp_stream> s(ioc, ctx);
    beast::get_lowest_layer(s).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(10));
    beast::error_code ec;
    s.handshake(ssl::stream_base::client, ec);
    if (ec) return 0;
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + test_admin_token());
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res.result_int();
}

// A fresh self-signed certificate in `dir`; returns the certificate's path.
std::filesystem::path certified(const std::filesystem::path& dir) {
    write_self_signed(dir);
    return dir / "cert.pem";
}

// ptalkd serving https and wss with a fresh self-signed certificate.
struct TlsServer {
    PtalkdProcess probe;  // its temporary directory holds the certificate
    std::filesystem::path cert = certified(probe.data_dir());
    PtalkdProcess server{{"--tls-cert", cert.string(), "--tls-key",
                          (probe.data_dir() / "key.pem").string(), "--log-level", "warn"}};
};

TEST(Tls, HttpsAndWssOnTheSamePortTls12AndUp) {
    TlsServer tls;
    auto& server = tls.server;
    const auto& cert = tls.cert;
    server.start();  // /healthz over plain http: still served
    EXPECT_EQ(https_get(server.port(), cert, "/healthz"), 200u);
    EXPECT_EQ(https_get(server.port(), cert, "/api/v1/devices"), 200u);
    EXPECT_EQ(https_get(server.port(), cert, "/api/v1/devices", TLS1_1_VERSION), 0u)
        << "TLS 1.1 was accepted";

    auto o = fast_sim("wss://127.0.0.1:" + std::to_string(server.port()) + "/ws", 3);
    o.ca_file = cert.string();
    sim::Fleet fleet(o);
    fleet.start();
    HttpClient http(server.port());
    for (const auto& id : fleet.ids())
        ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 15s)) << server.log();
    // Commands go over wss, and the device's address is its own, not the relay's.
    const auto dev = "/api/v1/devices/" + fleet.ids()[0];
    EXPECT_EQ(http.post(dev + "/status").status, 200u);
    const auto remote = field(http.get(dev), "remote_addr");
    EXPECT_TRUE(remote.starts_with("127.0.0.1:")) << remote;
    fleet.stop();
    // Garbage that looks like TLS does no harm.
    (void)raw_exchange(server.port(), std::string("\x16\x03\x01\x00\x05hello", 10), 200);
    EXPECT_EQ(http.get("/healthz").status, 200u);
    server.terminate();
    EXPECT_EQ(server.exit_code(), 0);
}

// Bulk both ways through the TLS relay: a 1 MiB image uploaded over https (many
// TLS records into the relay's small inbound buffer), then sent to a device over
// wss (the outbound direction takes a buffer only while it has data).
TEST(Tls, AFirmwareUploadAndAnUpdateGoThroughTheRelay) {
    TlsServer tls;
    auto& server = tls.server;
    const auto& cert = tls.cert;
    server.start();
    auto url = cli::parse_server_url("https://127.0.0.1:" + std::to_string(server.port()));
    url.ca_file = cert.string();
    cli::HttpClient https(url, test_admin_token());
    const auto image = protocol::make_test_firmware_image("1.0.6", 1024 * 1024, "ptalk", 7);
    auto up =
        https.request(http::verb::post, "/api/v1/firmware?version=1.0.6",
                      std::string_view(reinterpret_cast<const char*>(image.data()), image.size()),
                      "application/octet-stream");
    ASSERT_EQ(up.status, 201u) << up.body << server.log();

    auto o = fast_sim("wss://127.0.0.1:" + std::to_string(server.port()) + "/ws", 1);
    o.ca_file = cert.string();
    o.firmware_version = "1.0.5";
    sim::Fleet fleet(o);
    fleet.start();
    const auto id = fleet.ids()[0];
    HttpClient http(server.port());
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 15s)) << server.log();
    auto r =
        https.request(http::verb::post, "/api/v1/devices/" + id + "/ota", R"({"version":"1.0.6"})");
    ASSERT_EQ(r.status, 202u) << r.body;
    EXPECT_EQ(wait_ota_final(http, id, 60s), "succeeded") << server.log();
    EXPECT_EQ(fleet.device(id)->settings.firmware_version, "1.0.6");
    fleet.stop();
    server.terminate();
    EXPECT_EQ(server.exit_code(), 0);
}

// ptalk's client on `server` refuses GET /healthz with `code`, naming `hint`.
void expect_refused(const cli::ServerUrl& server, cli::ExitCode code, const std::string& hint) {
    cli::HttpClient client(server, test_admin_token());
    try {
        (void)client.get("/healthz");
        ADD_FAILURE() << "accepted, expected a refusal naming " << hint;
    } catch (const cli::CliError& e) {
        EXPECT_EQ(e.code(), code);
        EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
    }
}

TEST(Tls, PtalksClientSpeaksHttpsAndChecksTheCertificate) {
    TlsServer tls;
    auto& server = tls.server;
    const auto& cert = tls.cert;
    server.start();
    const auto url = "https://127.0.0.1:" + std::to_string(server.port());

    // Trusting the server's own certificate (--ca-file): requests go over TLS.
    auto trusted = cli::parse_server_url(url);
    trusted.ca_file = cert.string();
    cli::HttpClient client(trusted, test_admin_token());
    EXPECT_EQ(client.get("/api/v1/devices").status, 200u);
    EXPECT_EQ(client.get("/healthz").status, 200u) << "the keep-alive connection is reused";

    // Without it the self-signed certificate is refused, with a hint.
    expect_refused(cli::parse_server_url(url), cli::ExitCode::unreachable, "--ca-file");
    // A CA file that cannot be read is the user's mistake, said as such.
    auto missing_ca = cli::parse_server_url(url);
    missing_ca.ca_file = (tls.probe.data_dir() / "no-such-ca.pem").string();
    expect_refused(missing_ca, cli::ExitCode::usage, "no-such-ca.pem");
    // A name the certificate does not carry is refused too.
    auto wrong_name = cli::parse_server_url("https://localhost:" + std::to_string(server.port()));
    wrong_name.ca_file = cert.string();
    cli::HttpClient misnamed(wrong_name, test_admin_token());
    EXPECT_THROW((void)misnamed.get("/healthz"), cli::CliError);
    server.terminate();
    EXPECT_EQ(server.exit_code(), 0);
}

}  // namespace
}  // namespace ptalk::test
