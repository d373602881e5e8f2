#include "cli/console/session.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/exit_code.hpp"
#include "cli/views.hpp"

namespace ptalk::cli::console {

namespace json = boost::json;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json::value command(Api& api, const DeviceInfo& d, json::object body,
                    const std::string& feature = {}) {
    return api.post(device_path(d.id) + "/commands", json::serialize(body), {label(d), feature});
}

}  // namespace

std::string run_op(Api& api, const DeviceInfo& d, const DeviceOp& op, std::int64_t now) {
    const std::string who = "[" + (d.name.empty() ? d.id : d.name) + "] ";
    switch (op.op) {
        case Op::set_volume: {
            const auto r = command(api, d, {{"cmd", "set_volume"}, {"volume", op.value}});
            return who + "volume " + std::to_string(op.value) + ": " + outcome_text(r);
        }
        case Op::set_brightness: {
            const auto r = command(api, d, {{"cmd", "set_brightness"}, {"brightness", op.value}});
            return who + "brightness " + std::to_string(op.value) + ": " + outcome_text(r);
        }
        case Op::set_name: {
            const auto r = command(api, d, {{"cmd", "set_device_name"}, {"device_name", op.text}});
            return who + "name '" + op.text + "': " + outcome_text(r);
        }
        case Op::status: {
            const auto r = api.post(device_path(d.id) + "/status", {}, {label(d), {}});
            const auto* reply = r.is_object() ? r.get_object().if_contains("reply") : nullptr;
            return who + (reply != nullptr ? status_text(*reply) : std::string("-")) + " [" +
                   outcome_text(r) + "]";
        }
        case Op::reboot: {
            const auto r = api.post(device_path(d.id) + "/reboot", {}, {label(d), {}});
            return who + "reboot: " + outcome_text(r) + "; it will be back in a few seconds";
        }
        case Op::ble: {
            const auto r = command(api, d, {{"cmd", "request_ble_config"}});
            return who + "ble: " + outcome_text(r) +
                   "; the device left Wi-Fi for BLE provisioning (offline until provisioned)";
        }
        case Op::ota: {
            const auto r = api.post(device_path(d.id) + "/ota",
                                    json::serialize(json::object{{"version", op.text}}),
                                    {label(d), "firmware updates"});
            return who + "update to " + op.text + ": " + field_text(r, "state");
        }
        case Op::show:
            return device_details(api.device(d.id), now);
        case Op::history: {
            const auto r = api.get(device_path(d.id) + "/commands?limit=10", {label(d), {}});
            const auto* cmds = r.is_object() ? r.get_object().if_contains("commands") : nullptr;
            if (cmds == nullptr || !cmds->is_array() || cmds->get_array().empty())
                return who + "no commands yet";
            auto text = history_table(cmds->get_array(), now).render();
            if (!text.empty() && text.back() == '\n') text.pop_back();
            return text;
        }
    }
    return {};
}

std::string all_summary(std::size_t ok, std::size_t failed) {
    return "all: " + std::to_string(ok) + " ok, " + std::to_string(failed) + " failed";
}

Session::Session(Api& api, Devices devices, ApiFactory connect, std::ostream& out)
    : api_(api), devices_(std::move(devices)), connect_(std::move(connect)), out_(out) {}

std::string Session::prompt() const {
    if (!target_) return "ptalk> ";
    return "ptalk:" + (target_->name.empty() ? target_->id : target_->name) + "> ";
}

void Session::pick_default() {
    std::optional<DeviceInfo> only;
    std::size_t online = 0;
    for (const auto& d : devices_())
        if (d.online && ++online == 1) only = d;
    if (online != 1) return;
    target_ = only;
    out_ << "using " << label(*target_) << ", the only device online\n";
}

void Session::list_devices() {
    DeviceFilter f;
    f.limit = 1000;
    const auto all = api_.all_devices(f);
    if (all.empty()) {
        out_ << "no devices yet\n";
        return;
    }
    out_ << device_table(all, now_ms()).render();
}

void Session::use(const std::string& text) {
    const auto d = api_.resolve(text);
    target_ = d.info;
    out_ << "using " << label(d.info) << (d.info.online ? "" : " (offline now)") << "\n";
}

void Session::on_target(const DeviceOp& op) {
    if (!target_) pick_default();
    if (!target_) {
        std::size_t online = 0;
        for (const auto& d : devices_())
            online += d.online ? 1 : 0;
        throw CliError(ExitCode::usage, "no target device: `use ID|NAME` first (" +
                                            std::to_string(online) +
                                            " online; `devices` lists them)");
    }
    out_ << run_op(api_, *target_, op, now_ms()) << "\n";
    // The prompt shows the new name at once.
    if (op.op == Op::set_name) target_->name = op.text;
}

void Session::on_all(const DeviceOp& op) {
    std::vector<DeviceInfo> online;
    for (auto& d : devices_())
        if (d.online) online.push_back(std::move(d));
    if (online.empty()) throw CliError(ExitCode::refused, "no device is online");
    // A few connections at once, so one slow or silent device does not hold up the rest.
    const auto workers = std::min<std::size_t>(8, online.size());
    std::vector<std::string> lines(online.size());
    std::atomic<std::size_t> next{0}, ok{0};
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            std::unique_ptr<HttpClient> http;
            try {
                http = connect_();
            } catch (const std::exception&) {
            }
            for (std::size_t i = next++; i < online.size(); i = next++) {
                try {
                    if (!http) throw CliError(ExitCode::unreachable, "no connection");
                    Api api(*http);
                    lines[i] = run_op(api, online[i], op, now_ms());
                    ++ok;
                } catch (const std::exception& e) {
                    lines[i] = "[" + label(online[i]) + "] failed: " + e.what();
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& l : lines)
        out_ << l << "\n";
    out_ << all_summary(ok, online.size() - ok) << "\n";
}

bool Session::execute(const ParsedLine& line) {
    try {
        return std::visit(
            [&](const auto& a) -> bool {
                using T = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<T, Quit>) {
                    return false;
                } else if constexpr (std::is_same_v<T, Help>) {
                    out_ << help_text();
                } else if constexpr (std::is_same_v<T, ListDevices>) {
                    list_devices();
                } else if constexpr (std::is_same_v<T, Use>) {
                    use(a.device);
                } else if constexpr (std::is_same_v<T, DeviceOp>) {
                    line.all ? on_all(a) : on_target(a);
                } else if constexpr (std::is_same_v<T, Refusal>) {
                    out_ << "refused: " << a.reason << "\n";
                } else if constexpr (std::is_same_v<T, Mistake>) {
                    out_ << "error: " << a.message << "\n";
                }
                return true;
            },
            line.action);
    } catch (const CliError& e) {
        out_ << "error: " << e.what() << "\n";
        return true;
    }
}

}  // namespace ptalk::cli::console
