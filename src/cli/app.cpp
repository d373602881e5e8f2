#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include "cli/commands/context.hpp"
#include "cli/exit_code.hpp"

namespace ptalk::cli {

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    CLI::App app{"ptalk - the PTalk fleet's command line and console (see docs/CLI.md)"};
    app.require_subcommand(1);
    app.fallthrough();  // global options may come after the subcommand too
    SettingsOverrides given;
    bool json = false;
    app.add_option("--server", given.server,
                   "ptalkd's URL (default http://127.0.0.1:8000; env PTALK_SERVER)");
    app.add_option("--token", given.token, "API token (env PTALK_TOKEN)");
    app.add_option("--ca-file", given.ca_file,
                   "https: a PEM file of certificates to trust besides the system's, e.g. a "
                   "self-signed ptalkd's certificate (env PTALK_CA_FILE)");
    app.add_option("--data-dir", given.data_dir,
                   "A local ptalkd's data directory, whose admin.token is used when no token is "
                   "given (env PTALK_DATA_DIR; default ./ptalk-data)");
    app.add_option("--config", given.config_file, "Config file (default ~/.config/ptalk/config)");
    app.add_flag("--json", json, "Machine-readable output: one JSON document per line");
    Selected sel;
    add_device_commands(app, sel);
    add_control_commands(app, sel);
    add_firmware_commands(app, sel);
    add_rollout_commands(app, sel);
    add_events_command(app, sel);
    add_job_commands(app, sel);
    add_console_command(app, sel);
    add_token_commands(app, sel);
    app.footer(
        "Exit codes: 0 ok, 1 the device said no / timed out / is offline, 2 usage or invalid "
        "value, 3 server unreachable, 4 not found (or not offered by this server yet), 5 server "
        "error, 6 no valid API token (or its scope is too low).");
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
        (void)app.exit(e, out, err);
        return to_int(ExitCode::usage);
    }
    try {
        Context ctx(load_settings(given), json, out, err);
        if (sel.action) sel.action(ctx);
        out.flush();
        return to_int(ExitCode::ok);
    } catch (const CliError& e) {
        out.flush();
        err << "ptalk: " << e.what() << "\n";
        return to_int(e.code());
    } catch (const std::exception& e) {
        out.flush();
        err << "ptalk: unexpected error: " << e.what() << "\n";
        return to_int(ExitCode::server_error);
    }
}

}  // namespace ptalk::cli
