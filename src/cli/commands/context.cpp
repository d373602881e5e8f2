#include "cli/commands/context.hpp"

#include <chrono>

#include <boost/json/serialize.hpp>

namespace ptalk::cli {

Context::Context(Settings settings, bool json, std::ostream& o, std::ostream& e)
    : out(o), err(e), settings_(std::move(settings)), json_(json) {}

HttpClient& Context::http() {
    if (!http_) {
        auto url = parse_server_url(settings_.server);
        url.ca_file = settings_.ca_file;
        http_ = std::make_unique<HttpClient>(std::move(url), settings_.token);
    }
    return *http_;
}

Api& Context::api() {
    if (!api_) {
        api_ = std::make_unique<Api>(http());
        if (json_) api_->echo_errors_to(&out);
    }
    return *api_;
}

std::int64_t Context::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void Context::print_json(const boost::json::value& v) {
    out << boost::json::serialize(v) << '\n';
}

}  // namespace ptalk::cli
