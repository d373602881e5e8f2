// events: follows the server's event stream (GET /api/v1/events, Server-Sent
// Events). A server without it gets a clear "not offered yet".
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands/context.hpp"
#include "cli/sse.hpp"

namespace ptalk::cli {

namespace {

struct EventsArgs {
    std::string device;
    std::vector<std::string> types;
};

void run_events(Context& ctx, const EventsArgs& a) {
    std::string path = "/api/v1/events";
    std::string q;
    if (!a.device.empty()) q += "&device=" + ctx.api().resolve(a.device).info.id;
    for (const auto& t : a.types)
        q += "&type=" + percent_encode(t);
    if (!q.empty()) path += "?" + q.substr(1);
    SseParser parser;
    const auto r = ctx.http().stream(path, "text/event-stream", [&](std::string_view bytes) {
        parser.feed(bytes, [&](const SseEvent& e) {
            if (ctx.json()) {
                ctx.out << e.data << "\n";
            } else {
                ctx.out << e.type << "  " << e.data << "\n";
            }
            ctx.out.flush();
        });
        return static_cast<bool>(ctx.out);
    });
    if (r.status != 0) throw describe_failure(r.status, r.json, {"", "an event stream"});
}

}  // namespace

void add_events_command(CLI::App& app, Selected& sel) {
    auto ea = std::make_shared<EventsArgs>();
    auto* events = app.add_subcommand("events", "Follow the server's events as they happen");
    events->add_option("--device", ea->device, "Only this device's events");
    events->add_option("--type", ea->types, "Only events of this type (repeat)");
    events->callback([&sel, ea] { sel.action = [ea](Context& c) { run_events(c, *ea); }; });
}

}  // namespace ptalk::cli
