// job start|list|show|cancel|watch: fleet jobs over POST/GET /api/v1/jobs
// (issue 6): one action (config, reboot, status) over many devices.
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
#include "cli/table.hpp"
#include "cli/views.hpp"

namespace ptalk::cli {

namespace json = boost::json;

namespace {

const std::string jobs = "/api/v1/jobs";
const FailureContext feature{"", "fleet jobs"};

struct StartArgs {
    std::string action;
    std::optional<int> volume;
    std::optional<int> brightness;
    std::string name;
    std::vector<std::string> devices;
    bool all = false;
    bool online = false;
    std::string firmware;
    std::optional<int> max_concurrent;
    std::optional<double> rate;
    bool watch = false;
};

json::value totals(const json::value& r) {
    const auto* t = r.is_object() ? r.get_object().if_contains("totals") : nullptr;
    return t != nullptr ? *t : json::value(json::object{});
}

std::string summary_line(const json::value& r) {
    const auto t = totals(r);
    const auto total = field_int(t, "total");
    const auto done = field_int(t, "done");
    std::ostringstream s;
    s << "job " << field_text(r, "id") << "  " << field_text(r, "action") << "  "
      << field_text(r, "state") << "  "
      << progress_bar(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total), 20)
      << "  " << done << "/" << total << " (ok " << field_int(t, "ok") << ", failed "
      << field_int(t, "failed") << ", offline " << field_int(t, "offline") << ")";
    return s.str();
}

void run_watch(Context& ctx, const std::string& id) {
    for (;;) {
        const auto r = ctx.api().get(jobs + "/" + percent_encode(id) + "?devices=false", feature);
        const auto state = field_text(r, "state");
        const bool over = state == "finished" || state == "cancelled";
        if (ctx.json()) {
            ctx.print_json(r);
        } else {
            ctx.out << "\r" << summary_line(r) << (over ? "\n" : "") << std::flush;
        }
        if (over) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

void run_start(Context& ctx, const StartArgs& a) {
    json::object body{{"action", a.action}};
    if (a.action == "config") {
        json::object p;
        if (a.volume) p["volume"] = *a.volume;
        if (a.brightness) p["brightness"] = *a.brightness;
        if (!a.name.empty()) p["device_name"] = a.name;
        if (p.empty())
            throw CliError(ExitCode::usage, "a config job needs --volume, --brightness or --name");
        body["params"] = std::move(p);
    }
    if (a.all) {
        body["target"] = "all";
    } else if (!a.devices.empty()) {
        json::array ids;
        for (const auto& d : a.devices)
            ids.push_back(json::value(ctx.api().resolve(d).info.id));
        body["target"] = std::move(ids);
    } else if (a.online || !a.firmware.empty()) {
        json::object f;
        if (a.online) f["online"] = true;
        if (!a.firmware.empty()) f["firmware_version"] = a.firmware;
        body["target"] = std::move(f);
    } else {
        throw CliError(ExitCode::usage,
                       "say which devices: --all, --online, --firmware V or --device ID…");
    }
    if (a.max_concurrent) body["max_concurrent"] = *a.max_concurrent;
    if (a.rate) body["rate_per_s"] = *a.rate;
    const auto r = ctx.api().post(jobs, json::serialize(body), feature);
    const auto id = field_text(r, "id");
    if (a.watch) return run_watch(ctx, id);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << "job " << id << " started\n";
}

void run_list(Context& ctx) {
    const auto r = ctx.api().get(jobs, feature);
    if (ctx.json()) return ctx.print_json(r);
    const auto* items = r.is_object() ? r.get_object().if_contains("jobs") : nullptr;
    if (items == nullptr || !items->is_array() || items->get_array().empty()) {
        ctx.out << "no jobs\n";
        return;
    }
    for (const auto& x : items->get_array())
        ctx.out << summary_line(x) << "\n";
}

void run_show(Context& ctx, const std::string& id) {
    const auto r = ctx.api().get(jobs + "/" + percent_encode(id), feature);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << summary_line(r) << "\n";
    const auto* devices = r.is_object() ? r.get_object().if_contains("devices") : nullptr;
    if (devices == nullptr || !devices->is_array()) return;
    Table t({"DEVICE", "STATE", "DETAIL"});
    for (const auto& d : devices->get_array())
        t.add({field_text(d, "device_id"), field_text(d, "state"), field_text(d, "detail")});
    ctx.out << t.render();
}

void run_cancel(Context& ctx, const std::string& id) {
    const auto r = ctx.api().post(jobs + "/" + percent_encode(id) + "/cancel", {}, feature);
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << "job " << id << ": cancel requested\n";
}

}  // namespace

void add_job_commands(CLI::App& app, Selected& sel) {
    auto* job = app.add_subcommand("job", "One action over many devices (config, reboot, status)");
    job->require_subcommand(1);

    auto sa = std::make_shared<StartArgs>();
    auto* start = job->add_subcommand("start", "Start a job");
    start->add_option("action", sa->action, "config, reboot or status")
        ->required()
        ->check(CLI::IsMember({"config", "reboot", "status"}));
    start->add_option("--volume", sa->volume, "config: volume 0-100")->check(CLI::Range(0, 100));
    start->add_option("--brightness", sa->brightness, "config: brightness 0-100")
        ->check(CLI::Range(0, 100));
    start->add_option("--name", sa->name, "config: device name");
    start->add_option("--device", sa->devices, "These devices (repeat)");
    start->add_flag("--all", sa->all, "Every device");
    start->add_flag("--online", sa->online, "Devices online now");
    start->add_option("--firmware", sa->firmware, "Devices on this firmware version");
    start->add_option("--max-concurrent", sa->max_concurrent, "Devices at once")
        ->check(CLI::PositiveNumber);
    start->add_option("--rate", sa->rate, "Devices started per second");
    start->add_flag("--watch", sa->watch, "Follow its progress until it ends");
    start->callback([&sel, sa] { sel.action = [sa](Context& c) { run_start(c, *sa); }; });

    auto* list = job->add_subcommand("list", "Jobs and their progress");
    list->callback([&sel] { sel.action = [](Context& c) { run_list(c); }; });

    for (const char* name : {"show", "cancel", "watch"}) {
        auto id = std::make_shared<std::string>();
        const std::string n = name;
        const char* help = n == "show"    ? "One job, a row per device"
                           : n == "watch" ? "Live progress until it ends"
                                          : "Cancel a job (devices not started are skipped)";
        auto* sub = job->add_subcommand(n, help);
        sub->add_option("id", *id, "Job id")->required();
        sub->callback([&sel, id, n] {
            sel.action = [id, n](Context& c) {
                if (n == "show") return run_show(c, *id);
                if (n == "watch") return run_watch(c, *id);
                run_cancel(c, *id);
            };
        });
    }
}

}  // namespace ptalk::cli
