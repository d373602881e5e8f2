#include "dispatch/device_queue.hpp"

#include <utility>

#include "protocol/reply_match.hpp"

namespace ptalk::dispatch {

namespace {

Completion completion_of(const Request& r, Outcome o, std::optional<protocol::Reply> reply,
                         std::optional<Clock::time_point> sent_at, Clock::time_point now) {
    return Completion{r.id, r.command.kind, r.internal, o, std::move(reply), sent_at, now};
}

bool is_internal_status(const Request& r) noexcept {
    return r.internal && r.command.kind == protocol::CommandKind::request_status;
}

}  // namespace

std::string_view to_string(Outcome o) noexcept {
    switch (o) {
        case Outcome::ok:
            return "ok";
        case Outcome::error:
            return "error";
        case Outcome::invalid_command:
            return "invalid_command";
        case Outcome::invalid_param:
            return "invalid_param";
        case Outcome::not_supported:
            return "not_supported";
        case Outcome::device_busy:
            return "device_busy";
        case Outcome::timeout:
            return "timeout";
        case Outcome::disconnected:
            return "disconnected";
        case Outcome::offline:
            return "offline";
        case Outcome::queue_full:
            return "queue_full";
        case Outcome::shutdown:
            return "shutdown";
    }
    return "unknown";
}

Outcome outcome_from_status(protocol::ReplyStatus s) noexcept {
    using protocol::ReplyStatus;
    switch (s) {
        case ReplyStatus::ok:
            return Outcome::ok;
        case ReplyStatus::error:
            return Outcome::error;
        case ReplyStatus::invalid_command:
            return Outcome::invalid_command;
        case ReplyStatus::invalid_param:
            return Outcome::invalid_param;
        case ReplyStatus::not_supported:
            return Outcome::not_supported;
        case ReplyStatus::device_busy:
            return Outcome::device_busy;
        case ReplyStatus::other:
            return Outcome::error;
    }
    return Outcome::error;
}

bool is_setter(protocol::CommandKind k) noexcept {
    using protocol::CommandKind;
    return k == CommandKind::set_volume || k == CommandKind::set_brightness ||
           k == CommandKind::set_device_name;
}

std::optional<std::chrono::milliseconds> Completion::latency() const noexcept {
    if (!sent_at) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(finished_at - *sent_at);
}

Actions DeviceQueue::enqueue(Request r, Clock::time_point now) {
    return accept(std::move(r), false, now);
}

Actions DeviceQueue::enqueue_front(Request r, Clock::time_point now) {
    return accept(std::move(r), true, now);
}

Actions DeviceQueue::accept(Request r, bool front, Clock::time_point now) {
    Actions a;
    if (state_ != State::open) {
        const Outcome o = state_ == State::shut_down ? Outcome::shutdown : Outcome::offline;
        a.completed.push_back(completion_of(r, o, std::nullopt, std::nullopt, now));
        return a;
    }
    const Clock::time_point expires = now + r.timeout;
    if (front) {
        queue_.push_front(Waiting{std::move(r), expires});
    } else if (queue_.size() >= max_queued_) {
        a.completed.push_back(
            completion_of(r, Outcome::queue_full, std::nullopt, std::nullopt, now));
        return a;
    } else {
        queue_.push_back(Waiting{std::move(r), expires});
    }
    send_next(now, a);
    retime(a);
    return a;
}

Actions DeviceQueue::on_reply(const protocol::Reply& reply, Clock::time_point now) {
    Actions a;
    // Without a request id, only the shape tells: a reply that does not fit the
    // command in flight answers an earlier, timed-out one (PROTOCOL.md §4).
    if (!in_flight_ || !protocol::reply_answers(in_flight_->command, reply)) {
        a.stale_reply = true;
        return a;
    }
    finish_in_flight(outcome_from_status(reply.status), reply, now, a);
    send_next(now, a);
    retime(a);
    return a;
}

Actions DeviceQueue::on_timer(Clock::time_point now) {
    Actions a;
    if (in_flight_ && now >= deadline_) {
        const Request timed_out = *in_flight_;
        finish_in_flight(Outcome::timeout, std::nullopt, now, a);
        // The setter may have been applied anyway: ask what the device really has.
        // A request_status is no setter, so a follow-up never spawns another.
        if (is_setter(timed_out.command.kind) &&
            (queue_.empty() || !is_internal_status(queue_.front().request))) {
            queue_.push_front(
                Waiting{Request{0, protocol::make_request_status(), timed_out.timeout, true},
                        now + timed_out.timeout});
        }
    }
    expire_queued(now, a);
    send_next(now, a);
    retime(a, true);
    return a;
}

Actions DeviceQueue::on_disconnect(Clock::time_point now) {
    return end_all(Outcome::disconnected, State::disconnected, now);
}

Actions DeviceQueue::on_shutdown(Clock::time_point now) {
    return end_all(Outcome::shutdown, State::shut_down, now);
}

Actions DeviceQueue::set_hold(bool hold, Clock::time_point now) {
    Actions a;
    hold_ = hold;
    if (!hold_) send_next(now, a);
    retime(a);
    return a;
}

void DeviceQueue::send_next(Clock::time_point now, Actions& a) {
    while (!in_flight_ && !hold_ && !queue_.empty()) {
        Request r = std::move(queue_.front().request);
        queue_.pop_front();
        auto frame = protocol::encode_command(r.command);
        if (!frame) {
            a.completed.push_back(
                completion_of(r, Outcome::error, std::nullopt, std::nullopt, now));
            continue;
        }
        a.send = std::move(*frame);
        deadline_ = now + r.timeout;
        sent_at_ = now;
        in_flight_ = std::move(r);
    }
}

void DeviceQueue::finish_in_flight(Outcome o, std::optional<protocol::Reply> reply,
                                   Clock::time_point now, Actions& a) {
    a.completed.push_back(completion_of(*in_flight_, o, std::move(reply), sent_at_, now));
    in_flight_.reset();
}

Actions DeviceQueue::end_all(Outcome o, State next, Clock::time_point now) {
    Actions a;
    if (in_flight_) finish_in_flight(o, std::nullopt, now, a);
    for (const Waiting& w : queue_) {
        a.completed.push_back(completion_of(w.request, o, std::nullopt, std::nullopt, now));
    }
    queue_.clear();
    hold_ = false;
    state_ = next;
    retime(a);
    return a;
}

void DeviceQueue::expire_queued(Clock::time_point now, Actions& a) {
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->expires > now) {
            ++it;
            continue;
        }
        a.completed.push_back(
            completion_of(it->request, Outcome::timeout, std::nullopt, std::nullopt, now));
        it = queue_.erase(it);
    }
}

std::optional<Clock::time_point> DeviceQueue::next_wake() const noexcept {
    std::optional<Clock::time_point> wake;
    if (in_flight_) wake = deadline_;
    for (const Waiting& w : queue_) {
        if (!wake || w.expires < *wake) wake = w.expires;
    }
    return wake;
}

void DeviceQueue::retime(Actions& a, bool fired) {
    if (fired) armed_.reset();  // the timer is spent
    const auto wake = next_wake();
    if (wake == armed_) return;
    armed_ = wake;
    if (wake) {
        a.arm = wake;
        a.cancel_timer = false;
    } else {
        a.cancel_timer = true;
    }
}

}  // namespace ptalk::dispatch
