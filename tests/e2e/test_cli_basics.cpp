// What ptalk does without a fleet: help, usage errors, an unreachable server,
// where the server URL comes from. No ptalkd needed except where said.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "support/cli_runner.hpp"
#include "support/ptalkd_process.hpp"

namespace ptalk::test {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The discard port: nothing listens on it here, so connecting is refused.
std::string dead_url() {
    return "http://127.0.0.1:9";
}

// A one-answer HTTP server: records the requests it gets and answers each with
// the same status and body, closing the connection.
class FakeServer {
  public:
    FakeServer(unsigned status, std::string body) {
        thread_ = std::thread([this, status, body = std::move(body)] {
            for (;;) {
                boost::asio::ip::tcp::socket s(ioc_);
                boost::system::error_code ec;
                acceptor_.accept(s, ec);
                if (ec || stop_) return;
                boost::asio::streambuf buf;
                boost::asio::read_until(s, buf, "\r\n\r\n", ec);
                {
                    std::lock_guard lock(mutex_);
                    requests_.emplace_back(boost::asio::buffers_begin(buf.data()),
                                           boost::asio::buffers_end(buf.data()));
                }
                const auto reply = "HTTP/1.1 " + std::to_string(status) +
                                   " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                   body;
                boost::asio::write(s, boost::asio::buffer(reply), ec);
            }
        });
    }
    ~FakeServer() {
        // A blocking accept() does not wake when the acceptor closes: connect to end it.
        stop_ = true;
        boost::asio::ip::tcp::socket wake(ioc_);
        boost::system::error_code ec;
        wake.connect(acceptor_.local_endpoint(), ec);
        thread_.join();
    }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    [[nodiscard]] std::vector<std::string> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::mutex mutex_;
    std::vector<std::string> requests_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST(Basics, HelpListsEveryCommandAndTheExitCodes) {
    const auto r = run_ptalk({"--help"});
    EXPECT_EQ(r.code, 0);
    for (const char* c : {"devices", "show", "set", "status", "reboot", "cmd", "history",
                          "firmware", "ota", "rollout", "events", "console"})
        EXPECT_TRUE(has(r.out, c)) << c;
    EXPECT_TRUE(has(r.out, "3 server unreachable")) << r.out;
}

TEST(Basics, UsageErrorsAreExitTwo) {
    EXPECT_EQ(run_ptalk({}).code, 2);
    EXPECT_EQ(run_ptalk({"frobnicate"}).code, 2);
    EXPECT_EQ(run_ptalk({"show"}).code, 2);
    EXPECT_EQ(run_ptalk({"reboot", "x", "--timeout", "0"}).code, 2);
    auto r = run_ptalk({"--server", "ftp://fleet:8443", "devices"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err,
              "ptalk: invalid server URL 'ftp://fleet:8443': the scheme must be http:// or "
              "https://\n");
}

TEST(Basics, AnUnreachableServerIsExitThreeWithOneLine) {
    const auto r = run_ptalk({"--server", dead_url(), "devices"});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(has(r.err, "ptalk: cannot reach the server at http://127.0.0.1:9: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(run_ptalk({"--server", dead_url(), "console"}).code, 3);
}

TEST(Basics, TheServerComesFromTheEnvironmentOrTheConfigFile) {
    auto r = run_ptalk({"devices"}, {{"PTALK_SERVER", dead_url()}});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(has(r.err, "http://127.0.0.1:9")) << r.err;
    TempDir cfg;
    std::filesystem::create_directories(cfg.path() / "ptalk");
    std::ofstream(cfg.path() / "ptalk" / "config") << "# test\nserver = http://127.0.0.1:9\n";
    r = run_ptalk({"devices"}, {{"XDG_CONFIG_HOME", cfg.path().string()}});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(has(r.err, "http://127.0.0.1:9")) << r.err;
    r = run_ptalk({"--config", (cfg.path() / "missing").string(), "devices"});
    EXPECT_EQ(r.code, 2);
}

TEST(Basics, TheTokenAndTheBasePathGoWithEveryRequest) {
    FakeServer fake(200, R"({"devices":[],"total":0,"next_cursor":null})");
    const auto r =
        run_ptalk({"--server", fake.url() + "/fleet/", "devices"}, {{"PTALK_TOKEN", "s3cret"}});
    EXPECT_EQ(r.code, 0) << r.err;
    const auto reqs = fake.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_TRUE(reqs[0].starts_with("GET /fleet/api/v1/devices?limit=100 HTTP/1.1\r\n")) << reqs[0];
    EXPECT_TRUE(has(reqs[0], "Authorization: Bearer s3cret\r\n")) << reqs[0];
}

TEST(Basics, ServerFailuresAreExitFive) {
    FakeServer fake(
        500,
        R"({"error":{"code":"internal","message":"the server failed to handle this request"}})");
    auto r = run_ptalk({"--server", fake.url(), "devices"});
    EXPECT_EQ(r.code, 5);
    EXPECT_EQ(r.err,
              "ptalk: the server failed: the server failed to handle this request (HTTP 500)\n");
    FakeServer odd(200, "<html>not the API</html>");
    r = run_ptalk({"--server", odd.url(), "devices"});
    EXPECT_EQ(r.code, 5);
    EXPECT_EQ(r.err, "ptalk: the server's device list is not what ptalk expects\n");
}

TEST(Basics, ATokenIsSentAndTheServerAcceptsIt) {
    PtalkdProcess server;
    server.start();
    const auto url = "http://127.0.0.1:" + std::to_string(server.port());
    const auto& tok = server.admin_token();
    auto r = run_ptalk({"--server", url, "--token", tok, "devices"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "no devices yet\n");
    r = run_ptalk({"devices", "--json"}, {{"PTALK_SERVER", url}, {"PTALK_TOKEN", tok}});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"devices\":[],\"total\":0,\"next_cursor\":null}\n");
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
