#pragma once
// A Server-Sent Events reader (the event stream of GET /api/v1/events): bytes
// in as they arrive, whole events out. Pure.
#include <functional>
#include <string>
#include <string_view>

namespace ptalk::cli {

struct SseEvent {
    std::string id;
    std::string type = "message";  // the "event:" field
    std::string data;              // "data:" lines joined by '\n'
};

class SseParser {
  public:
    // Calls on_event for each event completed by these bytes.
    void feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);
    // The id of the last event seen, for Last-Event-ID on a reconnect.
    [[nodiscard]] const std::string& last_id() const noexcept { return last_id_; }

  private:
    void line(std::string_view l, const std::function<void(const SseEvent&)>& on_event);

    std::string partial_;
    SseEvent current_;
    bool has_data_ = false;
    std::string last_id_;
};

}  // namespace ptalk::cli
