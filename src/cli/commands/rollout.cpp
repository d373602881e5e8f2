// rollout create|list|show|pause|resume|cancel|watch: staged firmware updates
// over POST/GET /api/v1/rollouts (the firmware-update work). A server without
// them gets a clear "not offered yet".
#include <memory>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/commands/context.hpp"
#include "cli/exit_code.hpp"
#include "cli/progress.hpp"
#include "cli/views.hpp"

namespace ptalk::cli {

namespace json = boost::json;

namespace {

const std::string rollouts = "/api/v1/rollouts";
const FailureContext feature{"", "rollouts"};

struct CreateArgs {
    std::string version;
    std::vector<std::string> devices;  // empty: --all or --firmware
    bool all = false;
    std::string from_firmware;
    std::optional<int> batch_size;
    std::optional<int> batch_percent;
    std::optional<int> max_concurrent;
    std::optional<int> failure_threshold;
    std::optional<int> confirm_timeout_s;
};

void run_create(Context& ctx, const CreateArgs& a) {
    json::object body{{"version", a.version}};
    if (a.all) {
        body["target"] = "all";
    } else if (!a.from_firmware.empty()) {
        body["target"] = json::object{{"firmware_version", a.from_firmware}};
    } else if (!a.devices.empty()) {
        json::array ids;
        for (const auto& d : a.devices)
            ids.push_back(json::value(ctx.api().resolve(d).info.id));
        body["target"] = std::move(ids);
    } else {
        throw CliError(ExitCode::usage,
                       "say which devices: --all, --firmware FROM or --device ID…");
    }
    if (a.batch_size) body["batch_size"] = *a.batch_size;
    if (a.batch_percent) body["batch_percent"] = *a.batch_percent;
    if (a.max_concurrent) body["max_concurrent"] = *a.max_concurrent;
    if (a.failure_threshold) body["failure_threshold_percent"] = *a.failure_threshold;
    if (a.confirm_timeout_s) body["confirm_timeout_s"] = *a.confirm_timeout_s;
    const auto r = ctx.api().post(rollouts, json::serialize(body), feature);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << "rollout " << field_text(r, "id") << " of " << a.version << ": "
            << field_text(r, "state") << "\n";
}

// One line per rollout: id, version, state and a bar of devices done.
std::string summary_line(const json::value& r) {
    const auto total = field_int(r, "devices_total");
    const json::value* c = r.is_object() ? r.get_object().if_contains("counts") : nullptr;
    auto n = [&](const char* state) { return c ? field_int(*c, state) : 0; };
    const auto done = n("succeeded") + n("failed") + n("skipped") + n("cancelled") +
                      n("low_battery");
    std::ostringstream s;
    s << "rollout " << field_text(r, "id") << "  " << field_text(r, "version") << "  "
      << field_text(r, "state") << "  "
      << progress_bar(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total), 20)
      << "  " << done << "/" << total << " (" << n("failed") << " failed)";
    if (const auto reason = field_text(r, "reason"); !reason.empty() && reason != "-")
        s << "  " << reason;
    return s.str();
}

void run_list(Context& ctx) {
    const auto r = ctx.api().get(rollouts, feature);
    if (ctx.json()) return ctx.print_json(r);
    const auto* items = r.is_object() ? r.get_object().if_contains("rollouts") : nullptr;
    if (items == nullptr || !items->is_array() || items->get_array().empty()) {
        ctx.out << "no rollouts\n";
        return;
    }
    for (const auto& x : items->get_array())
        ctx.out << summary_line(x) << "\n";
}

void run_show(Context& ctx, const std::string& id) {
    const auto r = ctx.api().get(rollouts + "/" + percent_encode(id), feature);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << summary_line(r) << "\n";
    const auto* devices = r.is_object() ? r.get_object().if_contains("devices") : nullptr;
    if (devices == nullptr || !devices->is_array()) return;
    Table t({"DEVICE", "STATE", "PROGRESS", "ERROR"});
    for (const auto& d : devices->get_array())
        t.add({field_text(d, "device_id"), field_text(d, "state"), field_text(d, "percent") + "%",
               field_text(d, "error")});
    ctx.out << t.render();
}

void run_action(Context& ctx, const std::string& id, const std::string& action) {
    const auto r = ctx.api().post(rollouts + "/" + percent_encode(id) + "/" + action, {}, feature);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << "rollout " << id << ": " << field_text(r, "state") << "\n";
}

void run_watch(Context& ctx, const std::string& id) {
    for (;;) {
        const auto r = ctx.api().get(rollouts + "/" + percent_encode(id), feature);
        const auto state = field_text(r, "state");
        const bool over = state == "completed" || state == "cancelled";
        if (ctx.json()) {
            ctx.print_json(r);
        } else {
            ctx.out << "\r" << summary_line(r) << (over ? "\n" : "") << std::flush;
        }
        if (over) return;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

}  // namespace

void add_rollout_commands(CLI::App& app, Selected& sel) {
    auto* ro = app.add_subcommand("rollout", "Staged firmware updates over many devices");
    ro->require_subcommand(1);

    auto ca = std::make_shared<CreateArgs>();
    auto* create = ro->add_subcommand("create", "Start updating devices in batches");
    create->add_option("--version", ca->version, "Firmware version to roll out")->required();
    create->add_option("--device", ca->devices, "These devices (repeat)");
    create->add_flag("--all", ca->all, "Every device");
    create->add_option("--firmware", ca->from_firmware, "Devices on this version");
    create->add_option("--batch-size", ca->batch_size, "Devices per batch")
        ->check(CLI::PositiveNumber);
    create->add_option("--batch-percent", ca->batch_percent, "Batch as a share of the target")
        ->check(CLI::Range(1, 100));
    create->add_option("--max-concurrent", ca->max_concurrent, "Transfers at once")
        ->check(CLI::PositiveNumber);
    create
        ->add_option("--failure-threshold", ca->failure_threshold,
                     "Pause when this percent of devices failed")
        ->check(CLI::Range(0, 100));
    create
        ->add_option("--confirm-timeout", ca->confirm_timeout_s,
                     "Seconds a device has to come back on the new version")
        ->check(CLI::PositiveNumber);
    create->callback([&sel, ca] { sel.action = [ca](Context& c) { run_create(c, *ca); }; });

    auto* list = ro->add_subcommand("list", "Rollouts and their progress");
    list->callback([&sel] { sel.action = [](Context& c) { run_list(c); }; });

    for (const char* name : {"show", "pause", "resume", "cancel", "watch"}) {
        auto id = std::make_shared<std::string>();
        const std::string n = name;
        const char* help = n == "show"     ? "One rollout, a row per device"
                           : n == "watch"  ? "Live progress until it ends"
                           : n == "pause"  ? "Pause a rollout"
                           : n == "resume" ? "Resume a paused rollout"
                                           : "Cancel a rollout";
        auto* sub = ro->add_subcommand(n, help);
        sub->add_option("id", *id, "Rollout id")->required();
        sub->callback([&sel, id, n] {
            sel.action = [id, n](Context& c) {
                if (n == "show") return run_show(c, *id);
                if (n == "watch") return run_watch(c, *id);
                run_action(c, *id, n);
            };
        });
    }
}

}  // namespace ptalk::cli
