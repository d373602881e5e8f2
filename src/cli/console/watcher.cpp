#include "cli/console/watcher.hpp"

#include <map>

#include "cli/api.hpp"
#include "cli/exit_code.hpp"
#include "cli/http_client.hpp"

namespace ptalk::cli::console {

std::vector<std::string> fleet_changes(const std::vector<DeviceInfo>& before,
                                       const std::vector<DeviceInfo>& after) {
    std::map<std::string, const DeviceInfo*> old;
    for (const auto& d : before)
        old[d.id] = &d;
    std::vector<std::string> out;
    for (const auto& d : after) {
        const auto it = old.find(d.id);
        if (it == old.end()) {
            if (d.online) out.push_back("* new device " + label(d) + " is online");
            continue;
        }
        const auto& was = *it->second;
        if (was.online && !d.online) {
            out.push_back("* " + label(d) + " went offline");
        } else if (!was.online && d.online) {
            out.push_back("* " + label(d) + " is back online");
        } else if (d.online && came_back(was, d)) {
            // Down and up again between two polls (a reboot): only the handshake time tells.
            out.push_back("* " + label(d) + " reconnected: back online");
        }
    }
    return out;
}

Watcher::Watcher(ServerUrl server, std::string token, std::chrono::milliseconds interval,
                 std::vector<DeviceInfo> initial, Post post)
    : server_(std::move(server)),
      token_(std::move(token)),
      interval_(interval),
      post_(std::move(post)),
      devices_(std::move(initial)) {}

Watcher::~Watcher() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Watcher::start() {
    thread_ = std::thread([this] { loop(); });
}

std::vector<DeviceInfo> Watcher::devices() const {
    std::lock_guard lock(mutex_);
    return devices_;
}

void Watcher::loop() {
    HttpClient http(server_, token_);
    http.set_timeout(std::chrono::seconds(10));
    Api api(http);
    bool lost = false;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (wake_.wait_for(lock, interval_, [this] { return stop_; })) return;
        }
        std::vector<DeviceInfo> now;
        try {
            now = api.device_infos();
        } catch (const CliError& e) {
            if (!lost) post_("* " + std::string(e.what()) + "; still trying");
            lost = true;
            continue;
        }
        if (lost) post_("* the server is back");
        lost = false;
        std::vector<std::string> lines;
        {
            std::lock_guard lock(mutex_);
            lines = fleet_changes(devices_, now);
            devices_ = std::move(now);
        }
        for (auto& l : lines)
            post_(std::move(l));
    }
}

}  // namespace ptalk::cli::console
