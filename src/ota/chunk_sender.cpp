#include "ota/chunk_sender.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "protocol/ota_chunk.hpp"

namespace ptalk::ota {

namespace {

SenderOptions sane(SenderOptions o) {
    o.chunk_size = std::clamp<std::uint32_t>(
        o.chunk_size, 1, static_cast<std::uint32_t>(protocol::max_chunk_data_bytes));
    o.window = std::max<std::uint32_t>(o.window, 1);
    return o;
}

}  // namespace

ChunkSender::ChunkSender(std::uint64_t image_size, SenderOptions options)
    : size_(image_size),
      opt_(sane(options)),
      total_(protocol::total_chunks(image_size, opt_.chunk_size)) {}

std::uint64_t ChunkSender::offset(std::uint32_t seq) const noexcept {
    return std::uint64_t{seq} * opt_.chunk_size;
}

std::uint32_t ChunkSender::length(std::uint32_t seq) const noexcept {
    const std::uint64_t off = offset(seq);
    if (off >= size_) return 0;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(opt_.chunk_size, size_ - off));
}

std::uint64_t ChunkSender::bytes_acked() const noexcept {
    return std::min<std::uint64_t>(offset(base_), size_);
}

SenderActions ChunkSender::begin(Clock::time_point now) {
    SenderActions a;
    if (state_ != State::idle) return a;
    state_ = State::sending;
    if (total_ == 0) {  // nothing to send (an empty image is refused long before)
        state_ = State::complete;
        a.send_complete = true;
        return a;
    }
    fill_window(a);
    arm(now, a);
    return a;
}

void ChunkSender::fill_window(SenderActions& a) {
    const std::uint64_t limit = std::min<std::uint64_t>(total_, std::uint64_t{base_} + opt_.window);
    while (next_ < limit) {
        a.send.push_back(next_);
        in_flight_.push_back(next_);
        ++next_;
        ++sent_;
    }
}

void ChunkSender::arm(Clock::time_point now, SenderActions& a) {
    deadline_ = now + (base_ == 0 ? opt_.first_ack_timeout : opt_.ack_timeout);
    a.arm = deadline_;
}

bool ChunkSender::take_answer() {
    if (abandoned_ > 0) {
        --abandoned_;
        return false;
    }
    if (!in_flight_.empty()) in_flight_.pop_front();
    return true;
}

SenderActions ChunkSender::on_ack(std::uint32_t seq, Clock::time_point now) {
    SenderActions a;
    if (state_ != State::sending) return a;
    (void)take_answer();  // an ack is true whichever window it answers
    if (seq >= base_ && seq < total_) {
        base_ = seq + 1;
        next_ = std::max(next_, base_);
        retries_ = 0;
        a.progressed = true;
    }
    if (base_ == total_) {
        state_ = State::complete;
        a.send_complete = true;
        a.cancel_timer = true;
        return a;
    }
    fill_window(a);
    arm(now, a);  // every answer shows the device is alive and writing
    return a;
}

SenderActions ChunkSender::on_nack(std::uint32_t seq, Clock::time_point now) {
    SenderActions a;
    if (state_ != State::sending) return a;
    if (!take_answer()) return a;  // a frame of an abandoned window: expected
    if (seq < base_) return a;     // already acked: cannot be a real rejection
    ++nacks_;
    go_back(fmt::format("chunk {} rejected", seq), now, a);
    return a;
}

SenderActions ChunkSender::on_timer(Clock::time_point now) {
    SenderActions a;
    if (state_ != State::sending || now < deadline_) return a;
    ++timeouts_;
    go_back(fmt::format("no ack for chunk {} in {} ms", base_,
                        (base_ == 0 ? opt_.first_ack_timeout : opt_.ack_timeout).count()),
            now, a);
    return a;
}

void ChunkSender::go_back(std::string_view why, Clock::time_point now, SenderActions& a) {
    if (retries_ >= opt_.max_retries) {
        state_ = State::failed;
        a.cancel_timer = true;
        a.failed = fmt::format("{} after {} retries", why, retries_);
        return;
    }
    ++retries_;
    ++go_backs_;
    abandoned_ += static_cast<std::uint32_t>(in_flight_.size());
    in_flight_.clear();
    next_ = base_;
    fill_window(a);
    arm(now, a);
}

std::string_view to_string(ChunkSender::State s) noexcept {
    switch (s) {
        case ChunkSender::State::idle:
            return "idle";
        case ChunkSender::State::sending:
            return "sending";
        case ChunkSender::State::complete:
            return "complete";
        case ChunkSender::State::failed:
            return "failed";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, const SenderActions& a) {
    os << "{send=[";
    for (std::size_t i = 0; i < a.send.size(); ++i)
        os << (i ? "," : "") << a.send[i];
    os << "]";
    if (a.send_complete) os << " complete";
    if (a.arm) os << " arm";
    if (a.cancel_timer) os << " cancel";
    if (a.failed) os << " failed=\"" << *a.failed << "\"";
    if (a.progressed) os << " progressed";
    return os << "}";
}

}  // namespace ptalk::ota
