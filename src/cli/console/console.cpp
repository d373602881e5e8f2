// `ptalk console`: the REPL wired together — the device list at start, the
// watcher thread, the session that runs lines, readline in front.
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands/context.hpp"
#include "cli/console/completion.hpp"
#include "cli/console/inbox.hpp"
#include "cli/console/line_editor.hpp"
#include "cli/console/parse.hpp"
#include "cli/console/session.hpp"
#include "cli/console/watcher.hpp"

namespace ptalk::cli {

namespace {

struct ConsoleArgs {
    std::string device;
    int poll_ms = 1000;
    std::string history;
};

void run_console(Context& ctx, const ConsoleArgs& a) {
    auto& api = ctx.api();
    const auto server = ctx.http().server();
    const auto token = ctx.settings().token;
    auto initial = api.device_infos();  // an unreachable server ends here, exit 3
    std::size_t online = 0;
    for (const auto& d : initial)
        online += d.online ? 1 : 0;
    ctx.out << "ptalk console on " << server.to_string() << ": " << initial.size() << " devices, "
            << online << " online. `help` lists the commands.\n";

    console::Inbox inbox;
    console::Watcher watcher(server, token, std::chrono::milliseconds(a.poll_ms), initial,
                             [&inbox](std::string l) { inbox.post(std::move(l)); });
    console::Session session(
        api, [&watcher] { return watcher.devices(); },
        [server, token] { return std::make_unique<HttpClient>(server, token); }, ctx.out);
    if (!a.device.empty()) {
        session.execute({false, console::Use{a.device}});
    } else {
        session.pick_default();
    }
    watcher.start();

    console::EditorHooks hooks;
    hooks.on_line = [&](const std::string& line) {
        return session.execute(console::parse_line(line));
    };
    hooks.complete = [&](std::string_view line, std::size_t start) {
        return console::complete(line, start, watcher.devices());
    };
    hooks.prompt = [&] { return session.prompt(); };
    const auto history =
        a.history.empty() ? console::default_history_path() : std::filesystem::path(a.history);
    console::LineEditor editor(history, hooks);
    editor.run(inbox);
}

}  // namespace

void add_console_command(CLI::App& app, Selected& sel) {
    auto ca = std::make_shared<ConsoleArgs>();
    auto* console = app.add_subcommand("console", "Interactive console (vol, bright, name, …)");
    console->add_option("--device", ca->device, "Start with this device as the target");
    console->add_option("--poll-ms", ca->poll_ms, "How often to look for devices coming and going")
        ->check(CLI::Range(50, 60'000));
    console->add_option("--history", ca->history,
                        "History file (default ~/.local/state/ptalk/history)");
    console->callback([&sel, ca] { sel.action = [ca](Context& c) { run_console(c, *ca); }; });
}

}  // namespace ptalk::cli
