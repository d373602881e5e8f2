#include "sim/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace ptalk::sim {
namespace json = boost::json;

namespace {

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

StateFile::StateFile(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path StateFile::path() const {
    return dir_ / "ptalk-sim-state.json";
}

void StateFile::load() {
    if (!enabled()) return;
    std::ifstream in(path());
    if (!in) return;
    std::stringstream buf;
    buf << in.rdbuf();
    json::error_code ec;
    auto v = json::parse(buf.str(), ec);
    const json::object* devices = nullptr;
    if (!ec && v.is_object()) {
        if (auto* d = v.get_object().if_contains("devices")) devices = d->if_object();
    }
    if (devices == nullptr) {
        spdlog::warn("state file {} is not readable JSON; starting from defaults", path().string());
        return;
    }
    std::lock_guard lock(mutex_);
    for (const auto& kv : *devices)
        devices_[std::string(kv.key())] = settings_from_json(kv.value());
}

std::optional<DeviceSettings> StateFile::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    if (auto it = devices_.find(id); it != devices_.end()) return it->second;
    return std::nullopt;
}

void StateFile::put(const std::string& id, const DeviceSettings& s) {
    std::lock_guard lock(mutex_);
    auto& slot = devices_[id];
    if (slot == s) return;
    slot = s;
    dirty_ = true;
}

bool StateFile::flush() {
    if (!enabled()) return true;
    std::string text;
    {
        std::lock_guard lock(mutex_);
        if (!dirty_) return true;
        json::object devices;
        for (const auto& [id, s] : devices_)
            devices[id] = to_json(s);
        text = json::serialize(json::object{{"version", 1}, {"devices", std::move(devices)}});
        dirty_ = false;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    auto tmp = path();
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write_all(fd, text) && ::fsync(fd) == 0;
    if (fd >= 0) ok = (::close(fd) == 0) && ok;
    ok = ok && std::rename(tmp.c_str(), path().c_str()) == 0;
    if (!ok) {
        spdlog::error("cannot write state file {}", path().string());
        std::lock_guard lock(mutex_);
        dirty_ = true;  // try again at the next flush
    }
    return ok;
}

}  // namespace ptalk::sim
