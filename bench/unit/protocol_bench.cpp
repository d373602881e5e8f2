// The codec on the frames the field firmware really sends (cJSON's pretty
// print, built by the simulator's own ReplyBuilder) and on what ptalkd sends.
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/commands.hpp"
#include "protocol/frame_parser.hpp"
#include "protocol/ota_chunk.hpp"
#include "protocol/reply_match.hpp"
#include "sim/replies.hpp"

namespace {

using namespace ptalk;

const sim::ReplyBuilder& field_device() {
    static const sim::ReplyBuilder b(sim::Profile::firmware, "24a160ff3b9c");
    return b;
}

const sim::DeviceSettings settings{};

void parse(benchmark::State& state, const std::string& frame) {
    for (auto _ : state) {
        auto msg = protocol::parse_device_frame(frame, false);
        benchmark::DoNotOptimize(msg);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

void BM_parse_handshake(benchmark::State& state) {
    parse(state, field_device().handshake(settings, 85));
}
void BM_parse_status_reply(benchmark::State& state) {
    parse(state, field_device().status(settings, 85, 3600));
}
void BM_parse_volume_reply(benchmark::State& state) {
    parse(state, field_device().volume(75));
}
void BM_parse_reboot_reply(benchmark::State& state) {
    parse(state, field_device().reboot());
}
BENCHMARK(BM_parse_handshake);
BENCHMARK(BM_parse_status_reply);
BENCHMARK(BM_parse_volume_reply);
BENCHMARK(BM_parse_reboot_reply);

void BM_make_and_encode_set_volume(benchmark::State& state) {
    for (auto _ : state) {
        auto frame = protocol::encode_command(protocol::make_set_volume(75).value());
        benchmark::DoNotOptimize(frame);
    }
}
BENCHMARK(BM_make_and_encode_set_volume);

void BM_encode_command_status(benchmark::State& state) {
    const auto cmd = protocol::make_request_status();
    for (auto _ : state) {
        auto frame = protocol::encode_command(cmd);
        benchmark::DoNotOptimize(frame);
    }
}
BENCHMARK(BM_encode_command_status);

void BM_reply_answers(benchmark::State& state) {
    const auto cmd = protocol::make_set_volume(75).value();
    const auto msg = protocol::parse_device_frame(field_device().volume(75), false);
    const auto& reply = std::get<protocol::Reply>(msg);
    for (auto _ : state)
        benchmark::DoNotOptimize(protocol::reply_answers(cmd, reply));
}
BENCHMARK(BM_reply_answers);

void BM_reply_answers_stale(benchmark::State& state) {
    // A stale status reply while a set_volume is in flight: the mismatch path.
    const auto cmd = protocol::make_set_volume(75).value();
    const auto msg = protocol::parse_device_frame(field_device().status(settings, 85, 3600), false);
    const auto& reply = std::get<protocol::Reply>(msg);
    for (auto _ : state)
        benchmark::DoNotOptimize(protocol::reply_answers(cmd, reply));
}
BENCHMARK(BM_reply_answers_stale);

void BM_ota_encode_chunk(benchmark::State& state) {
    std::vector<std::uint8_t> data(static_cast<std::size_t>(state.range(0)));
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 31);
    std::vector<std::uint8_t> out;
    std::uint32_t seq = 0;
    for (auto _ : state) {
        protocol::encode_chunk(seq++, data, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_ota_encode_chunk)->Arg(2048)->Arg(protocol::max_chunk_data_bytes);

}  // namespace
