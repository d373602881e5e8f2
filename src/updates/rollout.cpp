#include "updates/rollout.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace ptalk::updates {

namespace {

constexpr std::array<std::string_view, 5> names{"planned", "running", "paused", "completed",
                                                "cancelled"};

}  // namespace

std::string_view to_string(RolloutState s) noexcept {
    return names[static_cast<std::size_t>(s)];
}

std::optional<RolloutState> rollout_state_from_string(std::string_view s) noexcept {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == s) return static_cast<RolloutState>(i);
    return std::nullopt;
}

bool is_finished_member_state(std::string_view s) noexcept {
    return s == "succeeded" || s == "failed" || s == "cancelled" || s == "skipped" ||
           s == "low_battery";
}

bool is_running_member_state(std::string_view s) noexcept {
    return s == "pending" || s == "rebooting" || s == "transferring" || s == "awaiting_reboot";
}

std::size_t batch_size_for(std::size_t devices, std::optional<std::size_t> size,
                           std::optional<double> percent) noexcept {
    if (size && *size > 0) return *size;
    if (percent && *percent > 0) {
        const double n =
            std::ceil(static_cast<double>(devices) * std::min(*percent, 100.0) / 100.0);
        return std::max<std::size_t>(1, static_cast<std::size_t>(n));
    }
    return std::max<std::size_t>(1, devices);
}

Rollout::Rollout(RolloutPlan plan) : plan_(std::move(plan)) {
    plan_.batch_size = std::max<std::size_t>(1, plan_.batch_size);
    plan_.max_concurrent = std::max<std::size_t>(1, plan_.max_concurrent);
    for (std::size_t i = 0; i < plan_.devices.size(); ++i)
        members_[plan_.devices[i]].batch = i / plan_.batch_size;
    for (const auto& d : plan_.skipped)
        members_[d] = {0, "skipped"};
}

std::size_t Rollout::batch_count() const noexcept {
    return (plan_.devices.size() + plan_.batch_size - 1) / plan_.batch_size;
}

void Rollout::set_member_state(const std::string& device, std::string_view state) {
    auto it = members_.find(device);
    if (it == members_.end()) return;
    // A finished member stays finished: reports of one update's steps can
    // arrive out of order (they are made on two pool threads), and a late
    // "awaiting_reboot" after "succeeded" would hold the rollout forever.
    if (is_finished_member_state(it->second.state) && !is_finished_member_state(state)) return;
    it->second.state = state;
}

std::string_view Rollout::member_state(const std::string& device) const {
    auto it = members_.find(device);
    return it == members_.end() ? std::string_view{} : std::string_view(it->second.state);
}

bool Rollout::start() {
    if (state_ != RolloutState::planned) return false;
    state_ = RolloutState::running;
    released_ = std::min<std::size_t>(1, batch_count());
    return true;
}

bool Rollout::pause(std::string reason) {
    if (state_ != RolloutState::running && state_ != RolloutState::planned) return false;
    state_ = RolloutState::paused;
    reason_ = std::move(reason);
    return true;
}

bool Rollout::resume() {
    if (state_ != RolloutState::paused) return false;
    state_ = RolloutState::running;
    reason_.clear();
    if (released_ == 0) released_ = std::min<std::size_t>(1, batch_count());
    return true;
}

bool Rollout::cancel(std::string reason) {
    if (state_ == RolloutState::completed || state_ == RolloutState::cancelled) return false;
    state_ = RolloutState::cancelled;
    reason_ = std::move(reason);
    return true;
}

bool Rollout::batch_busy(std::size_t batch) const {
    for (const auto& [id, m] : members_)
        if (m.batch == batch && is_running_member_state(m.state)) return true;
    return false;
}

bool Rollout::all_finished() const {
    return std::all_of(members_.begin(), members_.end(),
                       [](const auto& kv) { return is_finished_member_state(kv.second.state); });
}

std::vector<std::string> Rollout::next(const std::function<bool(const std::string&)>& online) {
    std::vector<std::string> out;
    if (state_ != RolloutState::running) return out;
    if (all_finished()) {
        state_ = RolloutState::completed;
        return out;
    }
    // The next batch comes once the newest released one has nothing running.
    while (released_ < batch_count() && !batch_busy(released_ - 1)) {
        // ... and the batch before has been given its chance: its online devices started.
        bool waiting_online = false;
        for (const auto& [id, m] : members_)
            if (m.batch == released_ - 1 && m.state == "waiting" && online(id))
                waiting_online = true;
        if (waiting_online) break;
        ++released_;
    }
    std::size_t running = counts().running;
    for (const std::string& id : plan_.devices) {
        if (running >= plan_.max_concurrent) break;
        Member& m = members_[id];
        if (m.batch >= released_ || m.state != "waiting" || !online(id)) continue;
        m.state = "pending";
        out.push_back(id);
        ++running;
    }
    return out;
}

bool Rollout::check_threshold() {
    if (state_ != RolloutState::running) return false;
    const auto c = counts();
    const auto ok = c.by_state.find("succeeded");
    const std::size_t judged = (ok == c.by_state.end() ? 0 : ok->second) + c.failed;
    const std::size_t min_judged = std::min<std::size_t>(plan_.batch_size, 10);
    if (judged < min_judged || judged == 0) return false;
    const double pct = 100.0 * static_cast<double>(c.failed) / static_cast<double>(judged);
    if (pct <= plan_.failure_threshold_percent) return false;
    state_ = RolloutState::paused;
    reason_ = "failure threshold: " + std::to_string(c.failed) + " of " + std::to_string(judged) +
              " finished updates failed (" + std::to_string(static_cast<int>(std::round(pct))) +
              "% > " + std::to_string(static_cast<int>(plan_.failure_threshold_percent)) + "%)";
    return true;
}

RolloutCounts Rollout::counts() const {
    RolloutCounts c;
    for (const auto& [id, m] : members_) {
        ++c.by_state[m.state];
        ++c.total;
        if (is_finished_member_state(m.state)) ++c.finished;
        if (m.state == "failed") ++c.failed;
        if (is_running_member_state(m.state)) ++c.running;
    }
    return c;
}

void Rollout::restore(RolloutState state, std::size_t released, std::string reason) {
    state_ = state;
    released_ = std::min(released, batch_count());
    reason_ = std::move(reason);
}

}  // namespace ptalk::updates
