// One command's life in the dispatcher, without I/O: enqueue (sends at once),
// the device's reply is matched, the completion comes out.
#include <benchmark/benchmark.h>

#include "dispatch/device_queue.hpp"
#include "protocol/frame_parser.hpp"
#include "sim/replies.hpp"

namespace {

using namespace ptalk;
using dispatch::Clock;

protocol::Reply volume_reply(int v) {
    const sim::ReplyBuilder device(sim::Profile::firmware, "24a160ff3b9c");
    return std::get<protocol::Reply>(protocol::parse_device_frame(device.volume(v), false));
}

void BM_queue_enqueue_reply(benchmark::State& state) {
    dispatch::DeviceQueue q;
    const auto cmd = protocol::make_set_volume(75).value();
    const auto reply = volume_reply(75);
    const auto now = Clock::now();
    std::uint64_t id = 0;
    for (auto _ : state) {
        auto sent = q.enqueue({++id, cmd, std::chrono::milliseconds(5000), false}, now);
        auto done = q.on_reply(reply, now);
        benchmark::DoNotOptimize(sent);
        benchmark::DoNotOptimize(done);
    }
}
BENCHMARK(BM_queue_enqueue_reply);

// A burst of N commands queued behind each other, then answered one by one.
void BM_queue_burst(benchmark::State& state) {
    const auto n = static_cast<std::uint64_t>(state.range(0));
    const auto cmd = protocol::make_set_volume(75).value();
    const auto reply = volume_reply(75);
    const auto now = Clock::now();
    std::uint64_t id = 0;
    for (auto _ : state) {
        dispatch::DeviceQueue q;
        for (std::uint64_t i = 0; i < n; ++i)
            benchmark::DoNotOptimize(
                q.enqueue({++id, cmd, std::chrono::milliseconds(5000), false}, now));
        for (std::uint64_t i = 0; i < n; ++i)
            benchmark::DoNotOptimize(q.on_reply(reply, now));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_queue_burst)->Arg(16)->Arg(64);

}  // namespace
