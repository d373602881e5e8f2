// 1 000 devices x 10 concurrent API commands each: every outcome recorded,
// none lost, none duplicated.
#include <atomic>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

TEST(Load, ThousandDevicesTenConcurrentCommandsEach) {
    constexpr std::size_t devices = 1000;
    constexpr int per_device = 10;
    constexpr int clients = 20;
    PtalkdProcess server{{"--command-timeout-ms", "20000", "--max-queued-commands", "64"}};
    server.start();
    auto opt = fast_sim(server.ws_url(), devices);
    sim::Fleet fleet(opt);
    fleet.start();
    {
        HttpClient http(server.port());
        ASSERT_TRUE(eventually(
            [&] {
                return http.get("/api/v1/devices?online=true&limit=1")
                           .json.at("total")
                           .as_int64() == static_cast<std::int64_t>(devices);
            },
            60s));
    }
    // Each client owns every 20th device and sends its 10 commands interleaved
    // with the other clients', so each device has several in its queue at once.
    std::atomic<int> ok{0}, failed{0};
    std::mutex ids_mutex;
    std::set<std::uint64_t> ids;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            HttpClient http(server.port());
            for (int k = 0; k < per_device; ++k) {
                for (std::size_t d = static_cast<std::size_t>(c); d < devices; d += clients) {
                    auto r =
                        http.post("/api/v1/devices/" + fleet.ids()[d] + "/commands?wait=false",
                                  R"({"cmd":"set_volume","volume":)" + std::to_string(k) + "}");
                    if (r.status != 202) {
                        ++failed;
                        continue;
                    }
                    ++ok;
                    std::lock_guard lock(ids_mutex);
                    ids.insert(r.json.at("id").to_number<std::uint64_t>());
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(ids.size(), devices * per_device);  // no duplicate ids
    // Every command ends `ok` and is in each device's history exactly once.
    HttpClient http(server.port());
    std::size_t finished = 0, ok_outcomes = 0;
    ASSERT_TRUE(eventually(
        [&] {
            finished = ok_outcomes = 0;
            for (const auto& id : fleet.ids()) {
                auto h = http.get("/api/v1/devices/" + id + "/commands?limit=100");
                for (const auto& c : h.json.at("commands").as_array()) {
                    if (c.at("requested_by").as_string() != "api") continue;
                    if (c.at("state").as_string() != "finished") continue;
                    ++finished;
                    ok_outcomes += c.at("outcome").as_string() == "ok";
                }
            }
            return finished == devices * per_device;
        },
        60s))
        << finished;
    EXPECT_EQ(ok_outcomes, devices * per_device);
    // The last command of each device set its volume to 9, in order.
    for (const auto& id : fleet.ids())
        EXPECT_EQ(fleet.device(id)->settings.volume, 9) << id;
    fleet.stop();
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
