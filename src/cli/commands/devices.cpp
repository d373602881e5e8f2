// Read-only subcommands: devices, show, status, history.
#include <memory>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>

#include "cli/commands/context.hpp"
#include "cli/views.hpp"

namespace ptalk::cli {

namespace json = boost::json;

namespace {

struct DevicesArgs {
    bool online = false;
    bool offline = false;
    std::string firmware;
    std::string name;
    std::string sort;
    bool desc = false;
    std::size_t limit = 100;
    bool all = false;
    std::string cursor;
};

void run_devices(Context& ctx, const DevicesArgs& a) {
    DeviceFilter f;
    if (a.online) f.online = true;
    if (a.offline) f.online = false;
    if (!a.firmware.empty()) f.firmware = a.firmware;
    if (!a.name.empty()) f.name = a.name;
    if (!a.sort.empty()) f.sort = a.sort;
    f.descending = a.desc;
    f.limit = a.limit;
    f.cursor = a.cursor;
    DevicePage page;
    if (a.all) {
        page.devices = ctx.api().all_devices(f);
        page.total = page.devices.size();
    } else {
        page = ctx.api().list_devices(f);
    }
    if (ctx.json()) {
        json::object o{{"devices", page.devices}, {"total", page.total}};
        o["next_cursor"] =
            page.next_cursor.empty() ? json::value(nullptr) : json::value(page.next_cursor);
        ctx.print_json(o);
        return;
    }
    if (page.devices.empty()) {
        ctx.out << "no devices"
                << (a.online || a.offline || f.firmware || f.name ? " match" : " yet") << "\n";
        return;
    }
    ctx.out << device_table(page.devices, ctx.now_ms()).render();
    std::size_t online = 0;
    for (const auto& d : page.devices)
        online += device_from_json(d).online ? 1 : 0;
    ctx.out << page.devices.size() << " of " << page.total << " devices, " << online
            << " of them online";
    if (!page.next_cursor.empty()) ctx.out << "; more with --all, or --cursor " << page.next_cursor;
    ctx.out << "\n";
}

void run_show(Context& ctx, const std::string& ref) {
    const auto d = ctx.api().resolve(ref);
    if (ctx.json()) return ctx.print_json(d.json);
    ctx.out << device_details(d.json, ctx.now_ms());
}

void run_status(Context& ctx, const std::string& ref) {
    const auto d = ctx.api().resolve(ref);
    const auto r = ctx.api().post(device_path(d.info.id) + "/status", {}, {label(d.info), {}});
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << label(d.info) << ": " << outcome_text(r) << "\n";
    if (r.is_object() && r.get_object().contains("reply"))
        ctx.out << "  " << status_text(r.at("reply")) << "\n";
}

struct HistoryArgs {
    std::string device;
    std::size_t limit = 20;
    std::uint64_t before = 0;
};

void run_history(Context& ctx, const HistoryArgs& a) {
    const auto d = ctx.api().resolve(a.device);
    std::string path = device_path(d.info.id) + "/commands?limit=" + std::to_string(a.limit);
    if (a.before != 0) path += "&before=" + std::to_string(a.before);
    const auto r = ctx.api().get(path, {label(d.info), {}});
    if (ctx.json()) return ctx.print_json(r);
    const auto* cmds = r.is_object() ? r.get_object().if_contains("commands") : nullptr;
    if (cmds == nullptr || !cmds->is_array() || cmds->get_array().empty()) {
        ctx.out << "no commands for " << label(d.info) << "\n";
        return;
    }
    ctx.out << history_table(cmds->get_array(), ctx.now_ms()).render();
    if (const auto next = field_text(r, "next_before"); next != "-")
        ctx.out << "older: --before " << next << "\n";
}

}  // namespace

void add_device_commands(CLI::App& app, Selected& sel) {
    auto da = std::make_shared<DevicesArgs>();
    auto* devices = app.add_subcommand("devices", "List devices (newest state the server knows)");
    auto* on = devices->add_flag("--online", da->online, "Only devices online now");
    devices->add_flag("--offline", da->offline, "Only devices offline now")->excludes(on);
    devices->add_option("--firmware", da->firmware, "Only this firmware version");
    devices->add_option("--name", da->name, "Only names containing this (any case)");
    devices->add_option("--sort", da->sort, "Order by id, name or last_seen")
        ->check(CLI::IsMember({"id", "name", "last_seen"}));
    devices->add_flag("--desc", da->desc, "Descending order");
    devices->add_option("--limit", da->limit, "Devices per page (1-1000)")
        ->check(CLI::Range(1, 1000));
    devices->add_flag("--all", da->all, "Every page, not only the first");
    devices->add_option("--cursor", da->cursor, "Start at this page (from a previous listing)");
    devices->callback([&sel, da] { sel.action = [da](Context& c) { run_devices(c, *da); }; });

    auto ref = std::make_shared<std::string>();
    auto* show = app.add_subcommand("show", "Everything the server knows about one device");
    show->add_option("device", *ref, "Device id (any case, with or without ':') or name")
        ->required();
    show->callback([&sel, ref] { sel.action = [ref](Context& c) { run_show(c, *ref); }; });

    auto sref = std::make_shared<std::string>();
    auto* status = app.add_subcommand("status", "Ask a device for its state now (request_status)");
    status->add_option("device", *sref, "Device id or name")->required();
    status->callback([&sel, sref] { sel.action = [sref](Context& c) { run_status(c, *sref); }; });

    auto ha = std::make_shared<HistoryArgs>();
    auto* history =
        app.add_subcommand("history", "A device's commands (the audit log), newest first");
    history->add_option("device", ha->device, "Device id or name")->required();
    history->add_option("--limit", ha->limit, "How many (1-1000)")->check(CLI::Range(1, 1000));
    history->add_option("--before", ha->before, "Older than this command id (paging)");
    history->callback([&sel, ha] { sel.action = [ha](Context& c) { run_history(c, *ha); }; });
}

}  // namespace ptalk::cli
