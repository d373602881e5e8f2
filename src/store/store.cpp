#include "store/store.hpp"

namespace ptalk::store {

UnixMillis unix_millis_now() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const char* to_string(StatusCode c) noexcept {
    switch (c) {
        case StatusCode::ok:
            return "ok";
        case StatusCode::cannot_open:
            return "cannot_open";
        case StatusCode::read_only:
            return "read_only";
        case StatusCode::full:
            return "full";
        case StatusCode::io_error:
            return "io_error";
        case StatusCode::corrupt:
            return "corrupt";
        case StatusCode::schema_too_new:
            return "schema_too_new";
        case StatusCode::closed:
            return "closed";
        case StatusCode::timeout:
            return "timeout";
        case StatusCode::error:
            return "error";
    }
    return "unknown";
}

}  // namespace ptalk::store
