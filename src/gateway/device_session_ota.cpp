// A device session's firmware transfer (PROTOCOL.md §5): request_ota through the
// command queue like any command, then the queue is held and the chunk stream
// of an ota::ChunkSender owns the socket, then OTA_COMPLETE, then the socket
// is watched: the device restarts into the new image about a second later.
#include <spdlog/spdlog.h>

#include "gateway/device_session.hpp"
#include "gateway/transfer_run.hpp"
#include "protocol/commands.hpp"
#include "protocol/ota_chunk.hpp"

namespace ptalk::gateway {

using dispatch::Clock;
using dispatch::Outcome;
using ota::TransferEnd;

void DeviceSession::start_transfer(ota::TransferSpec spec, TransferHandler h) {
    auto refuse = [&](TransferEnd end, std::string detail) {
        std::move(h)(ota::TransferResult{end, std::move(detail), 0, {}});
    };
    if (closing_ || finished_ || !handshaken_)
        return refuse(TransferEnd::offline, "the device is not connected");
    if (ota_) return refuse(TransferEnd::busy, "another firmware transfer is running");
    if (!spec.image || spec.image->size() != spec.offer.size || spec.offer.size == 0)
        return refuse(TransferEnd::failed, "no image, or its size differs from the offer");
    auto command = protocol::make_request_ota(spec.offer);
    if (!command) return refuse(TransferEnd::failed, "cannot build request_ota");

    const auto timeout = spec.request_timeout;
    ota_ = std::make_unique<TransferRun>(std::move(spec), std::move(h), sock_.get_executor());
    if (ota_->spec.progress) ota_->spec.progress->bytes_total = ota_->spec.offer.size;
    transferring_ = true;
    ota_->request_id = hooks_.next_command_id();
    spdlog::info("ota transfer starting device={} version={} size={} chunk={} window={}",
                 device_id_, ota_->spec.offer.version, ota_->spec.offer.size,
                 ota_->sender.options().chunk_size, ota_->sender.options().window);
    // Internal: the transfer's own request is not refused as busy.
    submit({ota_->request_id, std::move(*command), timeout, true}, {});
}

void DeviceSession::on_request_ota_done(const dispatch::Completion& c) {
    switch (c.outcome) {
        case Outcome::ok: {
            ota_->phase = TransferRun::Phase::streaming;
            ota_->held = true;
            perform(queue_.set_hold(true, Clock::now()));
            perform_ota(ota_->sender.begin(Clock::now()));
            return;
        }
        case Outcome::timeout:
            // It may have opened the updater: count it as a failed attempt.
            return end_transfer(TransferEnd::failed, "no answer to request_ota");
        case Outcome::disconnected:
            return end_transfer(TransferEnd::interrupted,
                                "the socket went before request_ota's answer");
        case Outcome::shutdown:
            return end_transfer(TransferEnd::shutdown, "the server is stopping");
        case Outcome::offline:
            return end_transfer(TransferEnd::offline, "the device is not connected");
        case Outcome::queue_full:
            return end_transfer(TransferEnd::busy, "the device's command queue is full");
        default: {
            std::string detail = "the device answered request_ota with ";
            detail += c.reply ? c.reply->status_text : std::string(dispatch::to_string(c.outcome));
            if (c.reply && c.reply->message) detail += ": " + *c.reply->message;
            return end_transfer(TransferEnd::refused, std::move(detail));
        }
    }
}

void DeviceSession::on_ota_answer(bool ack, std::uint32_t seq) {
    if (!ota_ || ota_->phase != TransferRun::Phase::streaming) {
        metrics_.stale_replies.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto now = Clock::now();
    perform_ota(ack ? ota_->sender.on_ack(seq, now) : ota_->sender.on_nack(seq, now));
}

void DeviceSession::perform_ota(ota::SenderActions a) {
    auto& run = *ota_;
    const auto& image = *run.spec.image;
    for (const std::uint32_t seq : a.send) {
        const auto off = static_cast<std::size_t>(run.sender.offset(seq));
        std::string frame;
        protocol::encode_chunk(seq, {image.data() + off, run.sender.length(seq)}, frame);
        send_frame(std::move(frame), protocol::WsOpcode::binary);
    }
    if (auto* p = run.spec.progress.get()) {
        p->bytes_acked = run.sender.bytes_acked();
        p->chunks_sent = run.sender.chunks_sent();
        p->nacks = run.sender.nacks();
        p->timeouts = run.sender.timeouts();
        p->go_backs = run.sender.go_backs();
    }
    if (a.failed) return end_transfer(TransferEnd::failed, std::move(*a.failed));
    if (a.send_complete) {
        send_text(std::string(protocol::ota_complete_frame));
        run.phase = TransferRun::Phase::completed;
        arm_ota_timer(Clock::now() + run.spec.restart_grace);
        spdlog::info("ota stream done device={} version={} chunks_sent={} nacks={} timeouts={}",
                     device_id_, run.spec.offer.version, run.sender.chunks_sent(),
                     run.sender.nacks(), run.sender.timeouts());
        return;
    }
    if (a.cancel_timer) run.timer.cancel();
    if (a.arm) arm_ota_timer(*a.arm);
}

void DeviceSession::arm_ota_timer(Clock::time_point deadline) {
    ota_->timer.expires_at(deadline);
    ota_->timer.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;  // re-armed or cancelled
        if (auto self = weak.lock()) self->on_ota_timer();
    });
}

void DeviceSession::on_ota_timer() {
    if (!ota_ || closing_) return;
    if (ota_->phase == TransferRun::Phase::streaming) {
        perform_ota(ota_->sender.on_timer(Clock::now()));
    } else if (ota_->phase == TransferRun::Phase::completed) {
        end_transfer(TransferEnd::not_installed,
                     "the device stayed up after OTA_COMPLETE: the image was not installed");
    }
}

void DeviceSession::on_transfer_closed() {
    switch (ota_->phase) {
        case TransferRun::Phase::requesting:
            return;  // the queue ends request_ota, which ends the transfer
        case TransferRun::Phase::streaming:
            return end_transfer(reason_ == CloseReason::server_shutdown ? TransferEnd::shutdown
                                                                        : TransferEnd::interrupted,
                                fmt::format("the socket went at {} of {} bytes",
                                            ota_->sender.bytes_acked(), ota_->spec.offer.size));
        case TransferRun::Phase::completed:
            return end_transfer(TransferEnd::restarting, "OTA_COMPLETE sent; the device restarted");
    }
}

void DeviceSession::end_transfer(TransferEnd end, std::string detail) {
    auto run = std::move(ota_);
    transferring_ = false;
    run->timer.cancel();
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - run->started);
    spdlog::log(end == TransferEnd::restarting ? spdlog::level::info : spdlog::level::warn,
                "ota transfer ended device={} version={} end={} detail=\"{}\" bytes_acked={} "
                "elapsed_ms={}",
                device_id_, run->spec.offer.version, ota::to_string(end), detail,
                run->sender.bytes_acked(), elapsed.count());
    ota::TransferResult r{end, std::move(detail), run->sender.bytes_acked(), elapsed};
    if (run->held && !finished_) perform(queue_.set_hold(false, Clock::now()));
    std::move(run->handler)(std::move(r));
}

}  // namespace ptalk::gateway
