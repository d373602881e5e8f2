// The firmware catalogue over HTTP against a real ptalkd: streamed uploads,
// every refusal (422, 409, 413), listing, delete, and an upload cut off
// half-way leaving nothing behind (no row, no file, no temp file).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/firmware_image.hpp"
#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

constexpr std::size_t mib = 1024 * 1024;

// Sends bytes on a fresh connection and closes it at once: a client gone mid-request.
void send_and_close(std::uint16_t port, std::string_view bytes) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(s, asio::buffer(bytes.data(), bytes.size()));
    s.close();
}

std::string bytes_of(const std::vector<std::uint8_t>& v) {
    return {v.begin(), v.end()};
}

std::string image(std::string_view version, std::size_t size = mib, std::uint32_t seed = 1) {
    return bytes_of(protocol::make_test_firmware_image(version, size, "ptalk", seed));
}

class Firmware : public ::testing::Test {
  protected:
    void SetUp() override {
        server_.start();
        http_ = std::make_unique<HttpClient>(server_.port());
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "---- ptalkd log ----\n" << server_.log();
        server_.terminate();
        EXPECT_EQ(server_.exit_code(), 0);
    }

    HttpResult upload(const std::string& query, const std::string& body) {
        return http_->upload("/api/v1/firmware" + query, body);
    }
    [[nodiscard]] std::set<std::string> files() const {
        std::set<std::string> out;
        const auto dir = server_.data_dir() / "data" / "firmware";
        if (!fs::exists(dir)) return out;
        for (const auto& e : fs::directory_iterator(dir))
            out.insert(e.path().filename().string());
        return out;
    }
    std::size_t listed() {
        auto r = http_->get("/api/v1/firmware");
        EXPECT_EQ(r.status, 200u);
        return r.json.at("firmware").as_array().size();
    }

    PtalkdProcess server_{{"--log-level", "warn"}};
    std::unique_ptr<HttpClient> http_;
};

TEST_F(Firmware, UploadListShowDelete) {
    const auto img = image("1.0.6");
    auto r = upload("?version=1.0.6&notes=fixes%20the%20mic&min_battery=40", img);
    ASSERT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(field(r, "version"), "1.0.6");
    EXPECT_EQ(field(r, "project_name"), "ptalk");
    EXPECT_EQ(field(r, "size"), std::to_string(mib));
    EXPECT_EQ(field(r, "notes"), "fixes the mic");
    EXPECT_EQ(field(r, "min_battery_percent"), "40");
    const auto sha = field(r, "sha256");
    EXPECT_EQ(sha, protocol::sha256_hex(protocol::make_test_firmware_image("1.0.6", mib)));
    EXPECT_EQ(files(), (std::set<std::string>{sha + ".bin"}));
    // No declared version: the descriptor's.
    r = upload("", image("1.0.10", mib / 2, 2));
    ASSERT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(field(r, "version"), "1.0.10");

    r = http_->get("/api/v1/firmware");
    ASSERT_EQ(r.status, 200u);
    const auto& items = r.json.at("firmware").as_array();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].at("version").as_string(), "1.0.10");  // newest first
    EXPECT_EQ(items[1].at("version").as_string(), "1.0.6");

    r = http_->get("/api/v1/firmware/1.0.6");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(field(r, "sha256"), sha);
    EXPECT_EQ(http_->get("/api/v1/firmware/9.9.9").status, 404u);

    r = http_->request(http::verb::delete_, "/api/v1/firmware/1.0.6");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(http_->get("/api/v1/firmware/1.0.6").status, 404u);
    EXPECT_EQ(http_->request(http::verb::delete_, "/api/v1/firmware/1.0.6").status, 404u);
    EXPECT_EQ(files().size(), 1u);
    EXPECT_EQ(listed(), 1u);

    // Survives a restart.
    server_.terminate();
    server_.start();
    http_ = std::make_unique<HttpClient>(server_.port());
    EXPECT_EQ(listed(), 1u);
    EXPECT_EQ(http_->get("/api/v1/firmware/1.0.10").status, 200u);
}

TEST_F(Firmware, NotAnEsp32ImageIs422WithTheReason) {
    auto r = upload("?version=1.0.6", std::string(64 * 1024, 'x'));
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_NE(r.body.find("not_esp32_image"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("0xE9"), std::string::npos) << r.body;
    auto broken = image("1.0.6", 64 * 1024);
    broken[protocol::esp_app_desc_offset] = 0;
    r = upload("", broken);
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_NE(r.body.find("descriptor"), std::string::npos) << r.body;
    EXPECT_EQ(listed(), 0u);
    EXPECT_TRUE(files().empty());
}

TEST_F(Firmware, VersionMismatchIs422UnlessForced) {
    const auto img = image("1.0.6");
    auto r = upload("?version=1.0.7", img);
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_NE(r.body.find("version_mismatch"), std::string::npos) << r.body;
    EXPECT_EQ(listed(), 0u);
    r = upload("?version=1.0.7&force=true", img);
    ASSERT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(field(r, "version"), "1.0.7");
    EXPECT_EQ(field(r, "descriptor_version"), "1.0.6");
    // The same bytes under their own version too: one shared file.
    r = upload("?version=1.0.6", img);
    ASSERT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(files().size(), 1u);
    EXPECT_EQ(listed(), 2u);
}

TEST_F(Firmware, SameVersionTwiceIs409) {
    ASSERT_EQ(upload("?version=1.0.6", image("1.0.6")).status, 201u);
    auto r = upload("?version=1.0.6", image("1.0.6", mib, 9));
    EXPECT_EQ(r.status, 409u) << r.body;
    EXPECT_NE(r.body.find("version_exists"), std::string::npos) << r.body;
    r = upload("", image("1.0.6", mib, 9));  // found in the descriptor
    EXPECT_EQ(r.status, 409u) << r.body;
    EXPECT_EQ(listed(), 1u);
    EXPECT_EQ(files().size(), 1u);
}

TEST_F(Firmware, OversizeIs413) {
    // Announced by Content-Length: refused before the body is read.
    auto r = upload("", image("1.0.6", 6 * mib + 1));
    EXPECT_EQ(r.status, 413u) << r.body;
    EXPECT_NE(r.body.find("image_too_large"), std::string::npos) << r.body;
    // Chunked, no size announced: refused once the bytes pass the cap.
    const auto big = image("1.0.6", 7 * mib);
    std::string req =
        "POST /api/v1/firmware HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        "Authorization: Bearer " +
        test_admin_token() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    constexpr std::size_t chunk = 256 * 1024;
    for (std::size_t off = 0; off < big.size(); off += chunk) {
        const auto n = std::min(chunk, big.size() - off);
        char head[32];
        std::snprintf(head, sizeof head, "%zx\r\n", n);
        req += head;
        req.append(big, off, n);
        req += "\r\n";
    }
    req += "0\r\n\r\n";
    const auto answer = raw_exchange(server_.port(), req, 3000);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
    // Exactly at the cap is fine.
    r = upload("", image("1.0.6", 6 * mib));
    EXPECT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(files().size(), 1u);
}

TEST_F(Firmware, ACutOffUploadLeavesNothing) {
    const auto img = image("1.0.6");
    const std::string head =
        "POST /api/v1/firmware?version=1.0.6 HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/octet-stream\r\nContent-Length: " +
        std::to_string(img.size()) + "\r\n\r\n";
    // Half the body, then the connection closes.
    send_and_close(server_.port(), head + img.substr(0, img.size() / 2));
    EXPECT_TRUE(eventually([&] { return files().empty(); }, 5s));
    EXPECT_EQ(listed(), 0u);
    // Nothing half-stored blocks a real upload of the same version.
    EXPECT_EQ(upload("?version=1.0.6", img).status, 201u);
    EXPECT_EQ(files().size(), 1u);
}

TEST_F(Firmware, AStaleTempFileIsRemovedAtStart) {
    server_.terminate();
    fs::create_directories(server_.data_dir() / "data" / "firmware");
    {
        std::ofstream(server_.data_dir() / "data" / "firmware" / ".upload-Ab12Cd")
            << "killed mid-upload";
    }
    server_.start();
    http_ = std::make_unique<HttpClient>(server_.port());
    EXPECT_TRUE(files().empty());
}

TEST_F(Firmware, BadRequestsAreRefusedBeforeTheBody) {
    auto r = http_->upload("/api/v1/firmware?min_battery=101", image("1.0.6", 4096));
    EXPECT_EQ(r.status, 400u) << r.body;
    r = http_->upload("/api/v1/firmware", image("1.0.6", 4096), "multipart/form-data; boundary=x");
    EXPECT_EQ(r.status, 415u) << r.body;
    r = http_->request(http::verb::put, "/api/v1/firmware");
    EXPECT_EQ(r.status, 405u) << r.body;
    // Other routes still limit their bodies.
    r = http_->post("/api/v1/devices/aabbccddeeff/commands", std::string(2 * mib, ' '));
    EXPECT_EQ(r.status, 413u) << r.body;
    EXPECT_EQ(listed(), 0u);
}

}  // namespace
}  // namespace ptalk::test
