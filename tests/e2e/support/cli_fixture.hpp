#pragma once
// One ptalkd and a small fast simulated fleet per test binary, shared by its
// tests, plus one device the server knows but that is offline.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "support/fixture.hpp"

namespace ptalk::test {

template <std::size_t FleetSize>
class FleetFixture : public ::testing::Test {
  protected:
    static constexpr std::size_t fleet_size = FleetSize;

    static void SetUpTestSuite() {
        server_ = std::make_unique<PtalkdProcess>(
            std::vector<std::string>{"--command-timeout-ms", "2000", "--log-level", "warn"});
        server_->start();
        HttpClient http(server_->port());
        // A device that was seen once and is gone: ids from index 100 (…064).
        {
            auto o = fast_sim(server_->ws_url(), 1);
            o.ids.offset = 100;
            sim::Fleet gone(o);
            gone.start();
            ASSERT_TRUE(eventually([&] { return device_ready(http, gone.ids()[0]); }, 10s));
            offline_id_ = gone.ids()[0];
            gone.stop();
            ASSERT_TRUE(eventually(
                [&] {
                    return field(http.get("/api/v1/devices/" + offline_id_), "online") == "false";
                },
                10s));
        }
        auto o = fast_sim(server_->ws_url(), fleet_size);
        o.model.ble_offline_for = 300ms;  // BLE provisioning mode ends by itself, soon
        fleet_ = std::make_unique<sim::Fleet>(o);
        fleet_->start();
        for (const auto& id : fleet_->ids())
            ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 10s)) << server_->log();
    }
    static void TearDownTestSuite() {
        if (fleet_) fleet_->stop();
        fleet_.reset();
        if (server_) server_->terminate();
        server_.reset();
    }
    void TearDown() override {
        if (HasFailure() && server_) std::cerr << "---- ptalkd log ----\n" << server_->log();
    }

    [[nodiscard]] static std::string url() {
        return "http://127.0.0.1:" + std::to_string(server_->port());
    }
    // ptalk --server URL args…
    static CliResult ptalk(std::vector<std::string> args,
                           const std::map<std::string, std::string>& env = {}) {
        args.insert(args.begin(), {"--server", url()});
        return run_ptalk(args, env);
    }
    [[nodiscard]] static const std::string& id(std::size_t i) { return fleet_->ids().at(i); }
    [[nodiscard]] static sim::DeviceSnapshot device(std::size_t i) {
        return *fleet_->device(id(i));
    }
    static HttpResult api_get(const std::string& path) {
        HttpClient http(server_->port());
        return http.get(path);
    }

    static inline std::unique_ptr<PtalkdProcess> server_;
    static inline std::unique_ptr<sim::Fleet> fleet_;
    static inline std::string offline_id_;
};

using CliFixture = FleetFixture<3>;

}  // namespace ptalk::test
