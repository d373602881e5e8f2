#pragma once
// A device session's one running firmware transfer (private to the session).
#include <optional>

#include <boost/asio/steady_timer.hpp>

#include "gateway/device_session.hpp"
#include "ota/chunk_sender.hpp"
#include "ota/transfer.hpp"

namespace ptalk::gateway {

struct DeviceSession::TransferRun {
    enum class Phase {
        requesting,  // request_ota queued or in flight
        streaming,   // chunks going out, acks coming back
        completed,   // OTA_COMPLETE sent: waiting for the socket to go
    };

    TransferRun(ota::TransferSpec s, TransferHandler h, const asio::any_io_executor& ex)
        : spec(std::move(s)),
          sender(spec.offer.size, spec.sender),
          handler(std::move(h)),
          timer(ex),
          started(dispatch::Clock::now()) {}

    ota::TransferSpec spec;
    ota::ChunkSender sender;
    TransferHandler handler;
    asio::steady_timer timer;
    dispatch::Clock::time_point started;
    std::uint64_t request_id = 0;
    Phase phase = Phase::requesting;
    bool held = false;  // the command queue is held for the stream
};

}  // namespace ptalk::gateway
