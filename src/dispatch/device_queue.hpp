#pragma once
// The per-device command queue of PROTOCOL.md §4 as an I/O-free state machine:
// a bounded FIFO, one command in flight, reply matching by shape, a timeout per
// command. A command's timeout bounds both its wait in the queue and its wait
// for the reply: one still queued when its timeout runs out ends `timeout`
// without being sent (so nothing is ambiguous about it), and the caller hears
// within twice its timeout however long the device's backlog. Every call
// returns the Actions the owner must perform (write a frame, arm or cancel the
// device's one timer, deliver completions). The owner (the device's session)
// calls it from its event loop only.
#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/commands.hpp"
#include "protocol/messages.hpp"

namespace ptalk::dispatch {

using Clock = std::chrono::steady_clock;

enum class Outcome {
    ok,
    // the device's own non-ok statuses
    error,
    invalid_command,
    invalid_param,
    not_supported,
    device_busy,
    // ptalk's
    timeout,       // no fitting reply before the deadline
    disconnected,  // the socket closed while the command was queued or in flight
    offline,       // the device was not connected when the command was given
    queue_full,    // the device's FIFO was full
    shutdown,      // the server is stopping
};
[[nodiscard]] std::string_view to_string(Outcome o) noexcept;
// ok -> ok, the device's error statuses -> their own outcome, an unknown status -> error.
[[nodiscard]] Outcome outcome_from_status(protocol::ReplyStatus s) noexcept;
std::ostream& operator<<(std::ostream& os, Outcome o);

// A setter's timeout is ambiguous (it may have been applied): a request_status follows.
[[nodiscard]] bool is_setter(protocol::CommandKind k) noexcept;

struct Request {
    std::uint64_t id = 0;  // the command id of the audit log; 0 for internal ones
    protocol::Command command;
    std::chrono::milliseconds timeout{5000};
    bool internal = false;  // asked by ptalk itself (post-handshake status, follow-up)
};

// How a request ended. `error` without a reply and without sent_at: the command
// could not be encoded (never happens for validated commands).
struct Completion {
    std::uint64_t id = 0;
    protocol::CommandKind kind = protocol::CommandKind::request_status;
    bool internal = false;
    Outcome outcome = Outcome::ok;
    std::optional<protocol::Reply> reply;
    std::optional<Clock::time_point> sent_at;  // absent if never sent
    Clock::time_point finished_at{};

    // From send to finish; absent if never sent.
    [[nodiscard]] std::optional<std::chrono::milliseconds> latency() const noexcept;
};
std::ostream& operator<<(std::ostream& os, const Completion& c);

struct Actions {
    std::optional<std::string> send;       // a text frame to write to the device
    std::optional<Clock::time_point> arm;  // (re)arm the device's timer to this deadline
    bool cancel_timer = false;             // no command in flight any more
    std::vector<Completion> completed;     // in the order they finished
    bool stale_reply = false;              // the reply fitted nothing in flight

    // Nothing to do.
    [[nodiscard]] bool empty() const noexcept {
        return !send && !arm && !cancel_timer && completed.empty() && !stale_reply;
    }
};
std::ostream& operator<<(std::ostream& os, const Actions& a);

class DeviceQueue {
  public:
    // `max_queued` bounds the commands waiting behind the one in flight.
    explicit DeviceQueue(std::size_t max_queued = 64) : max_queued_(max_queued) {}

    // Queue a command; sends it at once when nothing is in flight. A full queue
    // completes it at once as queue_full; after on_disconnect as offline, after
    // on_shutdown as shutdown.
    [[nodiscard]] Actions enqueue(Request r, Clock::time_point now);
    // Queue at the front (ptalk's own follow-ups). Not bounded: these are few and
    // must not be refused.
    [[nodiscard]] Actions enqueue_front(Request r, Clock::time_point now);
    // A reply frame arrived from the device.
    [[nodiscard]] Actions on_reply(const protocol::Reply& reply, Clock::time_point now);
    // The device's timer fired: the command in flight times out when its deadline
    // has come, and queued commands whose timeout ran out end unsent. Nothing else
    // happens when neither is due (a timer that was re-armed late); the timer is
    // armed again whenever something is left to wait for.
    [[nodiscard]] Actions on_timer(Clock::time_point now);
    // The socket closed: the command in flight and every queued one end
    // `disconnected` (a reboot whose ack came has already ended ok).
    [[nodiscard]] Actions on_disconnect(Clock::time_point now);
    // The server is stopping: everything ends `shutdown`.
    [[nodiscard]] Actions on_shutdown(Clock::time_point now);
    // While held (a firmware transfer owns the socket) nothing new is sent; queued
    // commands wait. The command in flight is not recalled: take the socket once
    // busy() is false. Releasing sends the next one.
    [[nodiscard]] Actions set_hold(bool hold, Clock::time_point now);

    [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
    [[nodiscard]] bool busy() const noexcept { return in_flight_.has_value(); }
    [[nodiscard]] bool held() const noexcept { return hold_; }
    [[nodiscard]] const std::optional<Request>& in_flight() const noexcept { return in_flight_; }
    // The in-flight command's deadline; meaningful only while busy().
    [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }
    // When the device's timer must fire next: the in-flight deadline or the
    // earliest queued command's expiry; none when nothing waits.
    [[nodiscard]] std::optional<Clock::time_point> next_wake() const noexcept;

  private:
    enum class State { open, disconnected, shut_down };

    Actions accept(Request r, bool front, Clock::time_point now);
    // Sends queued commands until one is in flight (or the queue is empty or held).
    void send_next(Clock::time_point now, Actions& a);
    // Ends the command in flight; the caller then sends the next one.
    void finish_in_flight(Outcome o, std::optional<protocol::Reply> reply, Clock::time_point now,
                          Actions& a);
    // Ends everything, in flight first, then the queue in order.
    Actions end_all(Outcome o, State next, Clock::time_point now);
    // Ends, unsent, the queued commands whose timeout has run out.
    void expire_queued(Clock::time_point now, Actions& a);
    // Asks for the timer at next_wake() (or its cancel) when that changed, or
    // always when `fired` (the timer is spent).
    void retime(Actions& a, bool fired = false);

    struct Waiting {
        Request request;
        Clock::time_point expires;  // queued at + the command's timeout
    };

    std::size_t max_queued_;
    // A list, not a deque: an empty deque still holds ~600 bytes, and most
    // devices have nothing queued (docs/PERFORMANCE.md, memory per device).
    std::list<Waiting> queue_;
    std::optional<Request> in_flight_;
    std::optional<Clock::time_point> armed_;  // what the owner's timer is set to
    Clock::time_point sent_at_{};
    Clock::time_point deadline_{};
    bool hold_ = false;
    State state_ = State::open;
};

}  // namespace ptalk::dispatch
