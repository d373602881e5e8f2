// operator<< for the queue's types, so a failing test shows what happened.
#include <ostream>

#include "dispatch/device_queue.hpp"

namespace ptalk::dispatch {

namespace {

// Steady-clock times print as milliseconds since the clock's epoch: tests use
// Clock::time_point{} + offsets, so these read as the test's own timeline.
struct At {
    Clock::time_point t;
};
std::ostream& operator<<(std::ostream& os, At at) {
    return os
           << std::chrono::duration_cast<std::chrono::milliseconds>(at.t.time_since_epoch()).count()
           << "ms";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Outcome o) {
    return os << to_string(o);
}

std::ostream& operator<<(std::ostream& os, const Completion& c) {
    os << "#" << c.id << ' ' << protocol::to_string(c.kind) << (c.internal ? " (internal)" : "")
       << ' ' << c.outcome;
    if (c.reply) os << " reply=" << c.reply->raw;
    if (c.sent_at) os << " sent@" << At{*c.sent_at};
    return os << " done@" << At{c.finished_at};
}

std::ostream& operator<<(std::ostream& os, const Actions& a) {
    os << "Actions{";
    const char* sep = "";
    if (a.send) {
        os << "send=" << *a.send;
        sep = ", ";
    }
    if (a.arm) {
        os << sep << "arm@" << At{*a.arm};
        sep = ", ";
    }
    if (a.cancel_timer) {
        os << sep << "cancel_timer";
        sep = ", ";
    }
    if (a.stale_reply) {
        os << sep << "stale_reply";
        sep = ", ";
    }
    if (!a.completed.empty()) {
        os << sep << "completed=[";
        for (std::size_t i = 0; i < a.completed.size(); ++i) {
            os << (i == 0 ? "" : "; ") << a.completed[i];
        }
        os << "]";
    }
    return os << "}";
}

}  // namespace ptalk::dispatch
