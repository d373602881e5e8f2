// Subcommands that change a device: set, reboot, cmd.
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cli/commands/context.hpp"
#include "cli/exit_code.hpp"
#include "cli/values.hpp"
#include "cli/views.hpp"
#include "protocol/commands.hpp"

namespace ptalk::cli {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

struct SetArgs {
    std::string device;
    std::optional<std::int64_t> volume;
    std::optional<std::int64_t> brightness;
    std::optional<std::string> name;
};

void run_set(Context& ctx, const SetArgs& a) {
    json::object body;
    if (a.volume) {
        check_percent("volume", *a.volume);
        body["volume"] = *a.volume;
    }
    if (a.brightness) {
        check_percent("brightness", *a.brightness);
        body["brightness"] = *a.brightness;
    }
    if (a.name) {
        check_device_name(*a.name);
        body["device_name"] = *a.name;
    }
    if (body.empty()) throw CliError(ExitCode::usage, "set needs --volume, --brightness or --name");
    const auto d = ctx.api().resolve(a.device);
    const auto r = ctx.api().call(http::verb::patch, device_path(d.info.id) + "/config",
                                  json::serialize(body), {label(d.info), {}});
    if (ctx.json()) return ctx.print_json(r);
    const auto* results = r.is_object() ? r.get_object().if_contains("results") : nullptr;
    if (results == nullptr || !results->is_array()) return;
    for (const auto& res : results->get_array()) {
        ctx.out << label(d.info) << ": " << field_text(res, "cmd") << " ";
        if (res.is_object() && res.get_object().contains("reply"))
            ctx.out << status_text(res.at("reply")) << " ";
        ctx.out << outcome_text(res) << "\n";
    }
}

struct RebootArgs {
    std::string device;
    bool wait = false;
    int timeout_s = 60;
};

void run_reboot(Context& ctx, const RebootArgs& a) {
    const auto d = ctx.api().resolve(a.device);
    const auto r = ctx.api().post(device_path(d.info.id) + "/reboot", {}, {label(d.info), {}});
    if (!a.wait) {
        if (ctx.json()) return ctx.print_json(r);
        ctx.out << label(d.info) << ": rebooting, " << outcome_text(r) << "\n";
        return;
    }
    if (!ctx.json())
        ctx.out << label(d.info) << ": rebooting, waiting for it to come back…\n" << std::flush;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::seconds(a.timeout_s);
    for (;;) {
        // A newer handshake means it went down and came back, even between two polls.
        const auto now_json = ctx.api().device(d.info.id);
        if (came_back(d.info, device_from_json(now_json))) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
            if (ctx.json()) return ctx.print_json(now_json);
            ctx.out << label(d.info) << ": back online after " << ms / 1000 << "."
                    << ms % 1000 / 100 << " s\n";
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw CliError(ExitCode::refused, "device " + label(d.info) +
                                                  " did not come back within " +
                                                  std::to_string(a.timeout_s) + " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

struct CmdArgs {
    std::string device;
    std::string json_text;
};

void run_cmd(Context& ctx, const CmdArgs& a) {
    json::error_code ec;
    auto v = json::parse(a.json_text, ec);
    if (ec || !v.is_object()) {
        throw CliError(
            ExitCode::usage,
            "the command must be a JSON object, e.g. '{\"cmd\":\"set_volume\",\"volume\":50}'");
    }
    auto params = v.get_object();
    const auto* cmd = params.if_contains("cmd");
    if (cmd == nullptr || !cmd->is_string())
        throw CliError(ExitCode::usage, "the command needs \"cmd\": its name");
    const std::string name(cmd->get_string());
    params.erase("cmd");
    params.erase("timeout_ms");
    // The codec's own checks, so nothing the firmware would mangle leaves this machine.
    std::string what;
    if (auto c = protocol::make_command(name, params, &what); !c) {
        throw CliError(ExitCode::usage,
                       (what.empty() ? c.error().message() : what) + " (nothing was sent)");
    }
    const auto d = ctx.api().resolve(a.device);
    FailureContext fc{label(d.info), name == "request_ota" ? "firmware updates" : ""};
    const auto r = ctx.api().post(device_path(d.info.id) + "/commands", json::serialize(v), fc);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << label(d.info) << ": " << name << " " << outcome_text(r) << "\n";
    if (r.is_object() && r.get_object().contains("reply") && !r.at("reply").is_null())
        ctx.out << "  reply: " << json::serialize(r.at("reply")) << "\n";
}

}  // namespace

void add_control_commands(CLI::App& app, Selected& sel) {
    auto sa = std::make_shared<SetArgs>();
    auto* set = app.add_subcommand("set", "Change a device's volume, brightness or name");
    set->add_option("device", sa->device, "Device id or name")->required();
    set->add_option("--volume", sa->volume, "0-100");
    set->add_option("--brightness", sa->brightness, "0-100");
    set->add_option("--name", sa->name, "1-64 bytes of UTF-8");
    set->callback([&sel, sa] { sel.action = [sa](Context& c) { run_set(c, *sa); }; });

    auto ra = std::make_shared<RebootArgs>();
    auto* reboot = app.add_subcommand("reboot", "Reboot a device");
    reboot->add_option("device", ra->device, "Device id or name")->required();
    reboot->add_flag("--wait", ra->wait, "Wait until it is back online");
    reboot->add_option("--timeout", ra->timeout_s, "With --wait: give up after this many seconds")
        ->check(CLI::Range(1, 3600));
    reboot->callback([&sel, ra] { sel.action = [ra](Context& c) { run_reboot(c, *ra); }; });

    auto ca = std::make_shared<CmdArgs>();
    auto* cmd = app.add_subcommand("cmd", "Send a raw protocol command (validated first)");
    cmd->add_option("device", ca->device, "Device id or name")->required();
    cmd->add_option("json", ca->json_text, R"(e.g. '{"cmd":"set_volume","volume":50}')")
        ->required();
    cmd->callback([&sel, ca] { sel.action = [ca](Context& c) { run_cmd(c, *ca); }; });
}

}  // namespace ptalk::cli
