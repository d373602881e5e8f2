#include "sim/fleet.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/thread_name.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::sim {
namespace net = boost::asio;

struct Fleet::Slot {
    std::unique_ptr<DeviceClient> client;
    std::size_t context = 0;
    std::optional<TimePoint> first_connected;
    bool pulled = false;
    TimePoint next_voice{};
};

struct Fleet::Context {
    net::io_context io{1};
    net::steady_timer timer{io};
    std::vector<std::size_t> slots;
    std::mt19937_64 rng;
    TimePoint last_flush = Clock::now();
};

namespace {

std::shared_ptr<net::ssl::context> make_tls_context(FleetOptions& opt) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    boost::system::error_code ec;
    if (!opt.ca_file.empty()) {
        ctx->load_verify_file(opt.ca_file, ec);
        if (ec)
            throw std::invalid_argument("cannot read --ca-file " + opt.ca_file + ": " +
                                        ec.message());
    } else {
        ctx->set_default_verify_paths(ec);
    }
    opt.client.tls_verify = !opt.insecure;
    ctx->set_verify_mode(opt.insecure ? net::ssl::verify_none : net::ssl::verify_peer);
    return ctx;
}

}  // namespace

void check_fd_limit(std::size_t count) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    if (lim.rlim_cur == RLIM_INFINITY || count + reserved_fds <= lim.rlim_cur) return;
    const auto most = static_cast<std::size_t>(lim.rlim_cur) - reserved_fds;
    const auto procs = (count + most - 1) / most;
    const auto each = (count + procs - 1) / procs;
    throw std::invalid_argument(fmt::format(
        "{} devices need {} file descriptors, but one process may open {} (ulimit -n), so at "
        "most {} devices per process. Split the fleet over {} processes with their own ids, "
        "e.g. ptalk-sim --count {} --id-offset 0 ... & ptalk-sim --count {} --id-offset {} ...",
        count, count + reserved_fds, lim.rlim_cur, most, procs, each, each, each));
}

Fleet::Fleet(FleetOptions opt) : opt_(std::move(opt)), state_(opt_.state_dir) {
    if (opt_.count == 0) throw std::invalid_argument("--count must be at least 1");
    opt_.threads = std::clamp(opt_.threads, 1u, 2u);
    opt_.client.url = parse_ws_url(opt_.url);
    if (opt_.client.url.tls) opt_.client.tls = make_tls_context(opt_);
    check_fd_limit(opt_.count);
    {
        net::io_context io;
        net::ip::tcp::resolver resolver(io);
        boost::system::error_code ec;
        auto found = resolver.resolve(opt_.client.url.host, opt_.client.url.port, ec);
        if (ec)
            throw std::invalid_argument("cannot resolve " + opt_.client.url.host + ": " +
                                        ec.message());
        for (const auto& e : found)
            opt_.client.endpoints.push_back(e.endpoint());
    }
    ids_ = make_device_ids(opt_.ids, opt_.count);
    state_.load();

    for (unsigned t = 0; t < opt_.threads; ++t) {
        contexts_.push_back(std::make_unique<Context>());
        contexts_.back()->rng.seed(opt_.seed * 7919 + t);
    }
    std::mt19937_64 rng(opt_.seed);
    // --ignore-commands: a fraction or a count of devices, chosen by the seed.
    auto quiet = static_cast<std::size_t>(
        opt_.ignore_commands < 1 ? opt_.ignore_commands * static_cast<double>(opt_.count)
                                 : opt_.ignore_commands);
    std::vector<std::size_t> order(opt_.count);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> ignores(opt_.count, false);
    for (std::size_t k = 0; k < std::min(quiet, opt_.count); ++k)
        ignores[order[k]] = true;
    // --ota-faulty: likewise, from the other end of the same shuffle.
    auto faulty = static_cast<std::size_t>(
        opt_.ota_faulty < 1 ? opt_.ota_faulty * static_cast<double>(opt_.count) : opt_.ota_faulty);
    std::vector<bool> bad_boot(opt_.count, false);
    for (std::size_t k = 0; k < std::min(faulty, opt_.count); ++k)
        bad_boot[order[opt_.count - 1 - k]] = true;

    for (std::size_t i = 0; i < opt_.count; ++i) {
        const auto& id = ids_[i];
        index_[id] = i;
        DeviceSettings defaults;
        defaults.firmware_version = opt_.firmware_version;
        ModelOptions m = opt_.model;
        m.ignore_commands = ignores[i];
        m.ota_bad_boot = bad_boot[i];
        m.battery_start = std::uniform_int_distribution<int>(
            std::clamp(opt_.battery_min, 1, 100),
            std::clamp(opt_.battery_max, opt_.battery_min, 100))(rng);
        auto slot = std::make_unique<Slot>();
        slot->context = i % contexts_.size();
        auto& ctx = *contexts_[slot->context];
        slot->client = std::make_unique<DeviceClient>(
            ctx.io.get_executor(), FirmwareModel(id, state_.find(id).value_or(defaults), m, rng()),
            opt_.client, stats_, state_, rng());
        ctx.slots.push_back(i);
        slots_.push_back(std::move(slot));
    }
    stats_.add(Counter::devices, static_cast<std::int64_t>(opt_.count));
}

Fleet::~Fleet() {
    stop();
}

void Fleet::start() {
    if (started_) return;
    started_ = true;
    const double rate = std::max(1.0, opt_.connect_rate);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& slot = *slots_[i];
        auto& ctx = *contexts_[slot.context];
        auto delay = Millis(static_cast<Millis::rep>(1000.0 * static_cast<double>(i) / rate));
        ++running_devices_;
        net::co_spawn(ctx.io, slot.client->run(delay), [this](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("device task failed: {}", ex.what());
                }
            }
            --running_devices_;
        });
    }
    for (auto& ctx : contexts_) {
        net::co_spawn(ctx->io, tick_loop(*ctx), net::detached);
        threads_.emplace_back([c = ctx.get()] { c->io.run(); });
        core::name_thread(threads_.back(), fmt::format("sim-{}", threads_.size() - 1));
    }
}

void Fleet::stop() {
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    if (started_) {
        for (auto& ctx : contexts_) {
            net::post(ctx->io, [this, c = ctx.get()] {
                c->timer.cancel();
                for (auto i : c->slots)
                    slots_[i]->client->stop();
            });
        }
        // Devices end at once (their sockets close); do not wait forever on a stuck one.
        auto deadline = Clock::now() + std::chrono::seconds(5);
        while (running_devices_ > 0 && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        // Writers finish once their sockets are closed; then each io_context runs dry.
        deadline = Clock::now() + std::chrono::seconds(1);
        for (auto& ctx : contexts_) {
            while (!ctx->io.stopped() && Clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            ctx->io.stop();
        }
        for (auto& t : threads_)
            t.join();
        threads_.clear();
    }
    state_.flush();
}

net::awaitable<void> Fleet::tick_loop(Context& ctx) {
    while (!stopping_) {
        ctx.timer.expires_after(opt_.tick);
        co_await ctx.timer.async_wait(net::as_tuple(net::use_awaitable));
        if (stopping_) break;
        tick(ctx, Clock::now());
    }
}

void Fleet::tick(Context& ctx, TimePoint now) {
    const double tick_minutes = std::chrono::duration<double, std::ratio<60>>(opt_.tick).count();
    std::uniform_real_distribution<> uniform(0, 1);
    for (auto i : ctx.slots) {
        Slot& slot = *slots_[i];
        DeviceClient& c = *slot.client;
        c.tick(now);
        if (!c.connected()) continue;
        if (!slot.first_connected) {
            slot.first_connected = now;
            slot.next_voice =
                now +
                Millis(static_cast<Millis::rep>(std::exponential_distribution<>(1.0)(ctx.rng) *
                                                static_cast<double>(opt_.voice_every.count())));
        }
        if (opt_.pull_firmware && !slot.pulled && now - *slot.first_connected >= opt_.pull_after) {
            slot.pulled = true;
            c.send_text(c.model().firmware_pull(opt_.pull_version));
            stats_.add(Counter::firmware_pulls);
        }
        if (opt_.voice_noise && now >= slot.next_voice) {
            c.send_text("START");
            auto frames = std::uniform_int_distribution<int>(2, 6)(ctx.rng);
            for (int f = 0; f < frames; ++f) {
                std::string audio(320, '\0');
                for (auto& b : audio)
                    b = static_cast<char>(ctx.rng() & 0xFF);
                c.send_binary(std::move(audio));
            }
            c.send_text("END");
            stats_.add(Counter::voice_frames_out, frames + 2);
            slot.next_voice =
                now +
                Millis(static_cast<Millis::rep>(std::exponential_distribution<>(1.0)(ctx.rng) *
                                                static_cast<double>(opt_.voice_every.count())));
        }
        if (opt_.churn_per_minute > 0 && uniform(ctx.rng) < opt_.churn_per_minute * tick_minutes)
            c.drop_link();
    }
    if (&ctx == contexts_.front().get() && now - ctx.last_flush >= std::chrono::seconds(1)) {
        ctx.last_flush = now;
        state_.flush();
    }
}

Fleet::Slot* Fleet::find(std::string_view id) const {
    auto canonical = protocol::normalize_device_id(id);
    if (!canonical) return nullptr;
    auto it = index_.find(*canonical);
    return it == index_.end() ? nullptr : slots_[it->second].get();
}

void Fleet::post_and_wait(Slot& slot, const std::function<void(DeviceClient&)>& fn) const {
    if (!running()) {
        fn(*slot.client);
        return;
    }
    std::promise<void> done;
    auto f = done.get_future();
    net::post(slot.client->executor(), [&] {
        fn(*slot.client);
        done.set_value();
    });
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
        throw std::runtime_error("the fleet's I/O thread did not answer");
}

std::optional<DeviceSnapshot> Fleet::device(std::string_view id) const {
    Slot* slot = find(id);
    if (slot == nullptr) return std::nullopt;
    DeviceSnapshot snap;
    post_and_wait(*slot, [&](DeviceClient& c) { snap = c.snapshot(Clock::now()); });
    return snap;
}

bool Fleet::wait_until(const std::function<bool(const StatsSnapshot&)>& pred,
                       Millis timeout) const {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        if (pred(stats())) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void Fleet::drop_link(std::string_view id) {
    if (Slot* slot = find(id)) post_and_wait(*slot, [](DeviceClient& c) { c.drop_link(); });
}

void Fleet::change_settings(std::string_view id, const std::function<void(DeviceSettings&)>& edit) {
    Slot* slot = find(id);
    if (slot == nullptr) return;
    post_and_wait(*slot, [&](DeviceClient& c) {
        DeviceSettings s = c.model().settings();
        edit(s);
        c.model().change_locally(s);
    });
}

void Fleet::pull_firmware(std::string_view id, std::optional<std::string> version) {
    Slot* slot = find(id);
    if (slot == nullptr) return;
    post_and_wait(*slot, [&](DeviceClient& c) {
        c.send_text(c.model().firmware_pull(version));
        stats_.add(Counter::firmware_pulls);
    });
}

}  // namespace ptalk::sim
