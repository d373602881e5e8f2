#pragma once
// A real ptalkd (child process) and a ptalk-sim fleet (in process) talking over
// loopback sockets, plus the helpers most integration tests need.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "ptalkd_process.hpp"
#include "sim/fleet.hpp"

namespace ptalk::test {

using namespace std::chrono_literals;

// Polls `pred` every 20 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

// Simulator options that reconnect fast, so tests do not wait on real-firmware delays.
inline sim::FleetOptions fast_sim(const std::string& url, std::size_t count,
                                  sim::Profile profile = sim::Profile::firmware) {
    sim::FleetOptions o;
    o.url = url;
    o.count = count;
    o.model.profile = profile;
    o.client.reboot_delay = 300ms;
    o.client.backoff.base = 200ms;
    o.client.backoff.max = 1000ms;
    o.connect_rate = 5000;
    return o;
}

inline std::string field(const HttpResult& r, std::string_view key) {
    if (!r.json.is_object()) return {};
    const auto* v = r.json.get_object().if_contains(key);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_null()) return "null";
    if (v->is_bool()) return v->get_bool() ? "true" : "false";
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    return {};
}

// How many devices the server has online (-1 when it does not answer 200).
inline std::int64_t online(HttpClient& http) {
    auto r = http.get("/api/v1/devices?online=true&limit=1");
    return r.status == 200 ? r.json.at("total").as_int64() : -1;
}

// True once GET /api/v1/devices/{id} says online and its volume is known
// (the post-handshake request_status came back).
inline bool device_ready(HttpClient& http, const std::string& id) {
    auto r = http.get("/api/v1/devices/" + id);
    return r.status == 200 && field(r, "online") == "true" && field(r, "volume") != "null";
}

// The value of one sample of GET /metrics ("name" or "name{label=\"x\"}"); -1 if absent.
inline double metric(HttpClient& http, const std::string& sample) {
    const auto body = http.get("/metrics").body;
    const auto at = body.find("\n" + sample + " ");
    if (at == std::string::npos) return -1;
    return std::stod(body.substr(at + sample.size() + 2));
}

}  // namespace ptalk::test
