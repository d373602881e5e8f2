#include "updates/update_manager.hpp"

#include <array>
#include <atomic>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/device_session.hpp"
#include "protocol/commands.hpp"

namespace ptalk::updates {

namespace asio = boost::asio;

struct UpdateManager::Active {
    Active(std::string version, UpdatePolicy policy) : fsm(std::move(version), policy) {}
    DeviceUpdate fsm;
    store::UpdateRecord rec;
    std::shared_ptr<ota::Progress> progress = std::make_shared<ota::Progress>();
    Clock::time_point transfer_started{};
    bool handshake_during_transfer = false;  // the device came back before its old socket's end
    bool reboot_in_flight = false;           // its handshake answers it, not a second reboot
    store::UnixMillis reboot_sent_at = 0;
    int progress_decile = -1;
};

struct UpdateManager::Counters {
    std::array<std::atomic<std::uint64_t>, 3> finished{};   // succeeded, failed, cancelled
    std::array<std::atomic<std::uint64_t>, 8> transfers{};  // by ota::TransferEnd
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> reboots_before_retry{0};
    std::atomic<std::uint64_t> bytes_acked{0};
    std::atomic<std::int64_t> active{0};
};

namespace {

std::string quoted(std::string_view s) {
    return boost::json::serialize(boost::json::value(s));
}

std::uint64_t percent(std::uint64_t acked, std::uint64_t total) {
    return total == 0 ? 0 : acked * 100 / total;
}

// Reboots a device before a retry and reports whether it took the order.
asio::awaitable<void> reboot_device(fleet::Fleet& fleet, std::string id,
                                    std::function<void(bool)> done) {
    protocol::Command cmd = protocol::make_reboot();
    const std::string by = "ota";
    auto r = co_await fleet.execute(id, cmd, std::chrono::milliseconds(10'000), by);
    const auto o = r.completion.outcome;
    // The socket going right after the order was sent is the reboot too; an
    // order never sent (the device was already gone) reboots nothing.
    done(o == dispatch::Outcome::ok ||
         (o == dispatch::Outcome::disconnected && r.completion.sent_at.has_value()));
}

}  // namespace

UpdateManager::UpdateManager(fleet::Fleet& fleet, firmware::Catalogue& catalogue,
                             store::UpdateStore& db, store::Store& events,
                             asio::any_io_executor pool, OtaOptions options)
    : fleet_(fleet),
      catalogue_(catalogue),
      db_(db),
      events_(events),
      pool_(std::move(pool)),
      options_(options),
      ticker_(pool_),
      counters_(std::make_unique<Counters>()) {
    fleet_.add_observer(*this);
    catalogue_.set_in_use_check([this](std::string_view v) { return version_in_use(v); });
}

UpdateManager::~UpdateManager() = default;

store::Status UpdateManager::start() {
    auto rows = db_.load_updates(store::UpdateFilter::active());
    if (!rows) return rows.error();
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    for (store::UpdateRecord& r : *rows) {
        auto state = update_state_from_string(r.state);
        if (!state || active_.contains(r.device_id)) continue;  // newest first: keep the newest
        auto meta = catalogue_.find(r.version);
        const std::string expect =
            meta && !meta->descriptor_version.empty() ? meta->descriptor_version : r.version;
        auto a = std::make_unique<Active>(expect, options_.policy);
        a->fsm.restore(*state, r.attempts, r.needs_reboot, now);
        a->rec = std::move(r);
        spdlog::info("ota update restored device={} version={} state={} -> {}", a->rec.device_id,
                     a->rec.version, a->rec.state, to_string(a->fsm.state()));
        std::vector<store::UpdateRecord> changed;
        persist(*a, changed);
        active_.emplace(a->rec.device_id, std::move(a));
        counters_->active.fetch_add(1);
    }
    schedule_tick();
    return {};
}

void UpdateManager::stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ticker_.cancel();
}

void UpdateManager::schedule_tick() {
    ticker_.expires_after(options_.tick);
    ticker_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        tick();
    });
}

StartResult UpdateManager::start_update(const std::string& device_id, std::string version,
                                        const std::string& requested_by, std::uint64_t rollout_id,
                                        std::optional<std::chrono::milliseconds> confirm_timeout) {
    auto device = fleet_.device(device_id);
    if (!device) return {StartError::unknown_device, fmt::format("no device {}", device_id), {}};
    if (version.empty()) {
        auto newest = catalogue_.newest();
        if (!newest) return {StartError::unknown_version, "the firmware catalogue is empty", {}};
        version = newest->version;
    }
    auto meta = catalogue_.find(version);
    if (!meta) {
        return {StartError::unknown_version,
                fmt::format("no firmware {} in the catalogue (upload it first)", version),
                {}};
    }
    const auto& d = device->record;
    if (d.firmware_version == version ||
        (!meta->descriptor_version.empty() && d.firmware_version == meta->descriptor_version)) {
        return {StartError::already_on_version,
                fmt::format("device {} already runs {}", device_id, version),
                {}};
    }
    UpdatePolicy policy = options_.policy;
    if (confirm_timeout) policy.confirm_timeout = *confirm_timeout;
    if (meta->min_battery_percent)
        policy.battery_floor = std::max(policy.battery_floor, *meta->min_battery_percent);
    if (d.online && d.battery_percent && *d.battery_percent < policy.battery_floor) {
        return {StartError::battery_low,
                fmt::format("device {} has {}% battery; updates need at least {}%", device_id,
                            *d.battery_percent, policy.battery_floor),
                {}};
    }

    std::vector<store::UpdateRecord> changed;
    StartResult result;
    {
        std::lock_guard lock(mutex_);
        if (auto it = active_.find(device_id); it != active_.end()) {
            return {StartError::already_updating,
                    fmt::format("device {} is already being updated to {} ({})", device_id,
                                it->second->rec.version, to_string(it->second->fsm.state())),
                    view_of(*it->second)};
        }
        // What the device will report once it runs the image: the descriptor's
        // own version (it differs from the catalogue's only for a forced upload).
        const std::string expect =
            meta->descriptor_version.empty() ? version : meta->descriptor_version;
        auto a = std::make_unique<Active>(expect, policy);
        const auto now = store::unix_millis_now();
        a->rec.device_id = device_id;
        a->rec.version = version;
        a->rec.rollout_id = rollout_id;
        a->rec.requested_by = requested_by;
        a->rec.bytes_total = meta->size;
        a->rec.created_at = now;
        a->rec.state = std::string(to_string(a->fsm.state()));
        a->rec.updated_at = now;
        auto id = db_.put_update(a->rec);
        if (!id) {
            return {StartError::store_unavailable,
                    fmt::format("cannot record the update: {}", id.error().message),
                    {}};
        }
        a->rec.id = *id;
        changed.push_back(a->rec);
        counters_->started.fetch_add(1);
        counters_->active.fetch_add(1);
        event(device_id, "ota.requested",
              fmt::format(R"({{"update_id":{},"version":{},"rollout_id":{},"requested_by":{}}})",
                          *id, quoted(version), rollout_id, quoted(requested_by)));
        Active& ref = *a;
        active_.emplace(device_id, std::move(a));
        if (d.online)
            apply(
                ref,
                ref.fsm.on_online(d.firmware_version.value_or(""), d.battery_percent, Clock::now()),
                changed);
        result.update = view_of(ref);
        if (is_final(ref.fsm.state())) {
            active_.erase(device_id);
            counters_->active.fetch_sub(1);
        }
    }
    notify(changed);
    return result;
}

bool UpdateManager::cancel(const std::string& device_id, const std::string& why) {
    std::vector<store::UpdateRecord> changed;
    {
        std::lock_guard lock(mutex_);
        auto it = active_.find(device_id);
        if (it == active_.end()) return false;
        apply(*it->second, it->second->fsm.cancel(why), changed);
        if (!is_final(it->second->fsm.state())) return false;
        active_.erase(it);
        counters_->active.fetch_sub(1);
    }
    notify(changed);
    return true;
}

std::optional<UpdateView> UpdateManager::view(const std::string& device_id) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = active_.find(device_id); it != active_.end()) return view_of(*it->second);
    }
    auto rows = db_.load_updates(store::UpdateFilter::device(device_id, 1));
    if (!rows || rows->empty()) return std::nullopt;
    return UpdateView{std::move(rows->front())};
}

std::vector<UpdateView> UpdateManager::rollout_updates(std::uint64_t rollout_id) {
    std::vector<UpdateView> out;
    auto rows = db_.load_updates(store::UpdateFilter::rollout(rollout_id));
    if (!rows) return out;
    std::lock_guard lock(mutex_);
    for (auto& r : *rows) {
        auto it = active_.find(r.device_id);
        if (it != active_.end() && it->second->rec.id == r.id)
            out.push_back(view_of(*it->second));
        else
            out.push_back(UpdateView{std::move(r)});
    }
    return out;
}

bool UpdateManager::version_in_use(std::string_view version) {
    std::lock_guard lock(mutex_);
    for (const auto& [id, a] : active_)
        if (a->rec.version == version) return true;
    return false;
}

void UpdateManager::set_rollout_listener(std::function<void(const store::UpdateRecord&)> f) {
    std::lock_guard lock(mutex_);
    rollout_listener_ = std::move(f);
}

void UpdateManager::device_online(const store::DeviceRecord& d) {
    if (counters_->active.load(std::memory_order_relaxed) == 0) return;
    asio::post(pool_, [this, id = d.id, version = d.firmware_version.value_or(""),
                       battery = d.battery_percent] { online(id, version, battery); });
}

void UpdateManager::device_offline(const std::string& /*id*/, gateway::CloseReason /*why*/) {
    // Nothing to do: a cut transfer is reported by its session, a restart is expected.
}

void UpdateManager::firmware_pull(const std::string& id, const protocol::FirmwarePull& p) {
    asio::post(pool_, [this, id, version = p.version.value_or("")] {
        if (!options_.allow_device_pull) {
            event(id, "ota.pull_refused", R"({"reason":"device-initiated updates are off"})");
            return;
        }
        auto r = start_update(id, version, "device");
        if (r.error != StartError::none) {
            spdlog::info("ota pull not started device={} reason=\"{}\"", id, r.message);
            event(id, "ota.pull_refused", fmt::format(R"({{"reason":{}}})", quoted(r.message)));
        }
    });
}

void UpdateManager::online(const std::string& id, const std::string& version,
                           std::optional<int> battery) {
    std::vector<store::UpdateRecord> changed;
    {
        std::lock_guard lock(mutex_);
        auto it = active_.find(id);
        if (it == active_.end()) return;
        Active& a = *it->second;
        if (a.fsm.state() == UpdateState::transferring) {
            a.handshake_during_transfer = true;  // replayed when the old session's end arrives
            return;
        }
        if (a.reboot_in_flight) return;  // the reboot's own end decides what comes next
        apply(a, a.fsm.on_online(version, battery, Clock::now()), changed);
        if (is_final(a.fsm.state())) {
            active_.erase(it);
            counters_->active.fetch_sub(1);
        }
    }
    notify(changed);
}

void UpdateManager::transfer_ended(const std::string& id, std::uint64_t update_id,
                                   const ota::TransferResult& r) {
    counters_->transfers[static_cast<std::size_t>(r.end)].fetch_add(1);
    counters_->bytes_acked.fetch_add(r.bytes_acked);
    std::vector<store::UpdateRecord> changed;
    {
        std::lock_guard lock(mutex_);
        auto it = active_.find(id);
        if (it == active_.end() || it->second->rec.id != update_id) return;
        Active& a = *it->second;
        a.rec.bytes_acked = r.bytes_acked;
        event(id, "ota.transfer_ended",
              fmt::format(
                  R"({{"update_id":{},"end":"{}","detail":{},"bytes_acked":{},"elapsed_ms":{}}})",
                  update_id, ota::to_string(r.end), quoted(r.detail), r.bytes_acked,
                  r.elapsed.count()));
        const bool came_back = std::exchange(a.handshake_during_transfer, false);
        apply(a, a.fsm.on_transfer_end(r, Clock::now()), changed);
        // Go on now if the device is reachable: still on the same socket (the
        // stream failed or the image was refused), or already back on a new one
        // (its handshake raced the old socket's end). A socket that went is not
        // asked about the registry's online flag: the new handshake will come.
        const bool socket_up =
            r.end == ota::TransferEnd::failed || r.end == ota::TransferEnd::refused ||
            r.end == ota::TransferEnd::not_installed || r.end == ota::TransferEnd::busy;
        auto device = fleet_.device(id);
        const bool online_now = device && device->record.online && (socket_up || came_back);
        if (online_now && (a.fsm.state() == UpdateState::pending ||
                           a.fsm.state() == UpdateState::awaiting_reboot)) {
            apply(a,
                  a.fsm.on_online(device->record.firmware_version.value_or(""),
                                  device->record.battery_percent, Clock::now()),
                  changed);
        }
        if (is_final(a.fsm.state())) {
            active_.erase(it);
            counters_->active.fetch_sub(1);
        }
    }
    notify(changed);
}

void UpdateManager::reboot_ended(const std::string& id, std::uint64_t update_id,
                                 bool acknowledged) {
    std::vector<store::UpdateRecord> changed;
    {
        std::lock_guard lock(mutex_);
        auto it = active_.find(id);
        if (it == active_.end() || it->second->rec.id != update_id) return;
        Active& a = *it->second;
        a.reboot_in_flight = false;
        apply(a, a.fsm.on_reboot_sent(acknowledged, Clock::now()), changed);
        // Already back (a fast reboot) before the order's end was heard: go on now.
        auto device = fleet_.device(id);
        if (acknowledged && device && device->record.online &&
            device->record.last_handshake.value_or(0) > a.reboot_sent_at) {
            apply(a,
                  a.fsm.on_online(device->record.firmware_version.value_or(""),
                                  device->record.battery_percent, Clock::now()),
                  changed);
        }
    }
    notify(changed);
}

void UpdateManager::tick() {
    std::vector<store::UpdateRecord> changed;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        const auto now = Clock::now();
        for (auto it = active_.begin(); it != active_.end();) {
            Active& a = *it->second;
            apply(a, a.fsm.on_tick(now), changed);
            if (a.fsm.state() == UpdateState::transferring) {
                const auto acked = a.progress->bytes_acked.load();
                const int decile = static_cast<int>(percent(acked, a.rec.bytes_total) / 10);
                if (decile > a.progress_decile) {
                    a.progress_decile = decile;
                    a.rec.bytes_acked = acked;
                    event(a.rec.device_id, "ota.progress",
                          fmt::format(R"({{"update_id":{},"percent":{},"bytes_acked":{}}})",
                                      a.rec.id, percent(acked, a.rec.bytes_total), acked));
                }
            }
            if (is_final(a.fsm.state())) {
                it = active_.erase(it);
                counters_->active.fetch_sub(1);
            } else {
                ++it;
            }
        }
        schedule_tick();
    }
    notify(changed);
}

void UpdateManager::apply(Active& a, const UpdateActions& acts,
                          std::vector<store::UpdateRecord>& changed) {
    if (acts.state_changed) persist(a, changed);
    if (acts.send_reboot) send_reboot(a);
    if (acts.start_transfer) begin_transfer(a, changed);
}

void UpdateManager::begin_transfer(Active& a, std::vector<store::UpdateRecord>& changed) {
    const std::string id = a.rec.device_id;
    auto fail_now = [&](ota::TransferEnd end, std::string why) {
        ota::TransferResult r{end, std::move(why), 0, {}};
        if (a.fsm.on_transfer_end(r, Clock::now()).state_changed) persist(a, changed);
    };
    auto image = catalogue_.image(a.rec.version);
    if (!image)
        return fail_now(ota::TransferEnd::refused,
                        "firmware image unavailable: " + image.error().message);
    auto session = fleet_.session(id);
    if (!session) return fail_now(ota::TransferEnd::offline, "the device is not connected");
    const auto& img = *image;
    ota::TransferSpec spec;
    spec.offer = ota::make_offer(img->meta.version, img->meta.sha256, img->bytes.size(),
                                 options_.sender.chunk_size);
    spec.image = std::shared_ptr<const std::vector<std::uint8_t>>(img, &img->bytes);
    spec.sender = options_.sender;
    spec.request_timeout = options_.request_timeout;
    spec.restart_grace = options_.restart_grace;
    a.progress = std::make_shared<ota::Progress>();
    spec.progress = a.progress;
    a.transfer_started = Clock::now();
    a.handshake_during_transfer = false;
    a.progress_decile = -1;
    session->async_transfer(
        std::move(spec),
        asio::bind_executor(pool_, [this, id, uid = a.rec.id](ota::TransferResult r) {
            transfer_ended(id, uid, r);
        }));
}

void UpdateManager::send_reboot(Active& a) {
    counters_->reboots_before_retry.fetch_add(1);
    a.reboot_in_flight = true;
    a.reboot_sent_at = store::unix_millis_now();
    event(a.rec.device_id, "ota.reboot_before_retry",
          fmt::format(R"({{"update_id":{},"attempts":{}}})", a.rec.id, a.fsm.attempts()));
    asio::co_spawn(pool_,
                   reboot_device(fleet_, a.rec.device_id,
                                 [this, id = a.rec.device_id, uid = a.rec.id](bool ok) {
                                     reboot_ended(id, uid, ok);
                                 }),
                   asio::detached);
}

void UpdateManager::persist(Active& a, std::vector<store::UpdateRecord>& changed) {
    const auto now = store::unix_millis_now();
    const std::string state(to_string(a.fsm.state()));
    const bool state_moved = state != a.rec.state;
    a.rec.state = state;
    a.rec.attempts = a.fsm.attempts();
    a.rec.needs_reboot = a.fsm.needs_reboot();
    a.rec.error = a.fsm.error();
    a.rec.updated_at = now;
    if (a.fsm.state() == UpdateState::succeeded) a.rec.bytes_acked = a.rec.bytes_total;
    if (is_final(a.fsm.state())) {
        a.rec.finished_at = now;
        const auto i = a.fsm.state() == UpdateState::succeeded ? 0
                       : a.fsm.state() == UpdateState::failed  ? 1
                                                               : 2;
        if (state_moved) counters_->finished[static_cast<std::size_t>(i)].fetch_add(1);
    }
    if (auto st = db_.put_update(a.rec); !st) {
        spdlog::error("cannot persist ota update id={} device={}: {}", a.rec.id, a.rec.device_id,
                      st.error().message);
    }
    if (!state_moved) return;
    spdlog::info("ota update device={} version={} state={} attempts={}{}{}", a.rec.device_id,
                 a.rec.version, a.rec.state, a.rec.attempts,
                 a.rec.error.empty() ? "" : " error=", a.rec.error);
    event(a.rec.device_id, "ota." + a.rec.state,
          fmt::format(R"({{"update_id":{},"version":{},"rollout_id":{},"attempts":{},"error":{}}})",
                      a.rec.id, quoted(a.rec.version), a.rec.rollout_id, a.rec.attempts,
                      quoted(a.rec.error)));
    changed.push_back(a.rec);
}

void UpdateManager::notify(const std::vector<store::UpdateRecord>& changed) {
    std::function<void(const store::UpdateRecord&)> listener;
    {
        std::lock_guard lock(mutex_);
        listener = rollout_listener_;
    }
    if (!listener) return;
    for (const auto& r : changed)
        if (r.rollout_id != 0) listener(r);
}

void UpdateManager::event(const std::string& device, std::string type, std::string data) {
    store::EventRecord e;
    e.time = store::unix_millis_now();
    e.device_id = device;
    e.type = std::move(type);
    e.data = std::move(data);
    events_.append_event(std::move(e));
}

UpdateView UpdateManager::view_of(const Active& a) const {
    UpdateView v{a.rec};
    if (a.fsm.state() == UpdateState::transferring) {
        const auto& p = *a.progress;
        v.record.bytes_acked = p.bytes_acked.load();
        v.chunks_sent = p.chunks_sent.load();
        v.nacks = p.nacks.load();
        v.timeouts = p.timeouts.load();
        const auto secs = std::chrono::duration<double>(Clock::now() - a.transfer_started).count();
        if (secs > 0) v.bytes_per_s = static_cast<double>(v.record.bytes_acked) / secs;
    }
    return v;
}

std::string UpdateManager::metrics_text() const {
    const auto& c = *counters_;
    std::string out =
        "# HELP ptalk_ota_updates_started_total Firmware updates started\n"
        "# TYPE ptalk_ota_updates_started_total counter\n";
    out += fmt::format("ptalk_ota_updates_started_total {}\n", c.started.load());
    out +=
        "# HELP ptalk_ota_updates_finished_total Firmware updates finished, by outcome\n"
        "# TYPE ptalk_ota_updates_finished_total counter\n";
    constexpr std::array<const char*, 3> outcomes{"succeeded", "failed", "cancelled"};
    for (std::size_t i = 0; i < outcomes.size(); ++i)
        out += fmt::format("ptalk_ota_updates_finished_total{{outcome=\"{}\"}} {}\n", outcomes[i],
                           c.finished[i].load());
    out +=
        "# HELP ptalk_ota_transfers_total Transfers ended, by how\n"
        "# TYPE ptalk_ota_transfers_total counter\n";
    for (std::size_t i = 0; i < c.transfers.size(); ++i)
        out += fmt::format("ptalk_ota_transfers_total{{end=\"{}\"}} {}\n",
                           ota::to_string(static_cast<ota::TransferEnd>(i)), c.transfers[i].load());
    out += fmt::format(
        "# HELP ptalk_ota_reboots_before_retry_total Reboots sent before a retry\n"
        "# TYPE ptalk_ota_reboots_before_retry_total counter\n"
        "ptalk_ota_reboots_before_retry_total {}\n"
        "# HELP ptalk_ota_bytes_acked_total Firmware bytes acknowledged by devices\n"
        "# TYPE ptalk_ota_bytes_acked_total counter\n"
        "ptalk_ota_bytes_acked_total {}\n"
        "# HELP ptalk_ota_updates_active Updates not finished\n"
        "# TYPE ptalk_ota_updates_active gauge\n"
        "ptalk_ota_updates_active {}\n",
        c.reboots_before_retry.load(), c.bytes_acked.load(), c.active.load());
    return out;
}

}  // namespace ptalk::updates
