#include "auth/admission.hpp"

#include <algorithm>
#include <mutex>

#include <spdlog/spdlog.h>

namespace ptalk::auth {

std::string_view to_string(AdmissionMode m) noexcept {
    switch (m) {
        case AdmissionMode::open:
            return "open";
        case AdmissionMode::allowlist:
            return "allowlist";
        case AdmissionMode::token:
            return "token";
    }
    return "open";
}

std::optional<AdmissionMode> parse_admission_mode(std::string_view s) noexcept {
    for (auto m : {AdmissionMode::open, AdmissionMode::allowlist, AdmissionMode::token}) {
        if (s == to_string(m)) return m;
    }
    return std::nullopt;
}

Admission::Admission(store::Store& store, const TokenRegistry& tokens, core::Metrics& metrics,
                     AdmissionOptions options)
    : store_(store), tokens_(tokens), metrics_(metrics), options_(std::move(options)) {}

store::Status Admission::load() {
    auto rows = store_.load_allowlist();
    if (!rows) return rows.error();
    std::unique_lock lock(mutex_);
    allowed_.clear();
    for (auto& d : *rows) {
        std::string key = d.device_id;
        allowed_.emplace(std::move(key), std::move(d));
    }
    return {};
}

bool Admission::admit(const std::string& device_id, std::string_view token,
                      const std::string& remote) {
    using core::Refusal;
    auto refuse = [&](Refusal why, std::string_view text) {
        metrics_.security.count(why);
        spdlog::warn("device refused id={} remote={} mode={} reason={}", device_id, remote,
                     to_string(options_.mode), text);
        return false;
    };
    switch (options_.mode) {
        case AdmissionMode::open:
            return true;
        case AdmissionMode::allowlist: {
            std::shared_lock lock(mutex_);
            if (allowed_.contains(device_id)) return true;
        }
            return refuse(Refusal::not_allowlisted, "not_allowlisted");
        case AdmissionMode::token: {
            if (token.empty()) return refuse(Refusal::missing_token, "missing_token");
            if (!options_.fleet_token.empty() && secure_equal(token, options_.fleet_token)) {
                return true;
            }
            const auto t = tokens_.authenticate(token);
            if (!t || t->scope != Scope::device || !t->device_id) {
                return refuse(Refusal::bad_token, "bad_token");
            }
            if (*t->device_id != device_id) return refuse(Refusal::wrong_device, "wrong_device");
            return true;
        }
    }
    return false;
}

store::Status Admission::allow(const std::string& device_id, std::optional<std::string> name) {
    store::AllowedDevice d{device_id, std::move(name), store::unix_millis_now()};
    if (auto st = store_.allow_device(d); !st) return st;
    std::unique_lock lock(mutex_);
    auto [it, inserted] = allowed_.try_emplace(device_id, d);
    if (!inserted && d.name) it->second.name = d.name;
    return {};
}

store::Result<bool> Admission::disallow(const std::string& device_id) {
    auto done = store_.disallow_device(device_id);
    if (!done) return done;
    std::unique_lock lock(mutex_);
    allowed_.erase(device_id);
    return done;
}

std::vector<store::AllowedDevice> Admission::allowlist() const {
    std::vector<store::AllowedDevice> out;
    {
        std::shared_lock lock(mutex_);
        for (const auto& [id, d] : allowed_)
            out.push_back(d);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.device_id < b.device_id; });
    return out;
}

}  // namespace ptalk::auth
