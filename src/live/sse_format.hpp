#pragma once
// Server-Sent Events on the wire (GET /api/v1/events) and the filters a client
// gives. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace ptalk::live {

// Which events a subscriber wants: one device (canonical id) and/or types by
// prefix ("ota." matches ota.progress; "device.online" matches itself).
struct EventMatch {
    std::optional<std::string> device_id;
    std::vector<std::string> type_prefixes;  // empty: every type

    [[nodiscard]] bool matches(const store::EventRecord& e) const;
};

// The JSON an event is delivered as (SSE data and webhook body):
// {"id":…,"time_ms":…,"device_id":…|null,"type":…,"data":{…}}
[[nodiscard]] std::string event_json(const store::EventRecord& e);

// One SSE event: "id: N\nevent: TYPE\ndata: JSON\n\n" (a data line per line of JSON).
[[nodiscard]] std::string format_sse(const store::EventRecord& e);
// A comment line (keep-alive, notices); clients ignore it.
[[nodiscard]] std::string format_sse_comment(std::string_view text);

// The event id to resume after: Last-Event-ID wins over ?after=. Nothing when
// neither is given; an error text when one is not a non-negative integer.
struct ResumePoint {
    std::optional<std::uint64_t> after;
    std::string error;
};
[[nodiscard]] ResumePoint resume_point(std::optional<std::string_view> last_event_id,
                                       std::optional<std::string_view> after_param);

}  // namespace ptalk::live
