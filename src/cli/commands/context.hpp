#pragma once
// What every subcommand runs with: the settings, the output mode and streams,
// and one API connection made on first use.
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <boost/json/value.hpp>

#include "cli/api.hpp"
#include "cli/http_client.hpp"
#include "cli/settings.hpp"

namespace CLI {
class App;
}

namespace ptalk::cli {

class Context {
  public:
    Context(Settings settings, bool json, std::ostream& out, std::ostream& err);

    [[nodiscard]] bool json() const noexcept { return json_; }
    [[nodiscard]] const Settings& settings() const noexcept { return settings_; }
    [[nodiscard]] HttpClient& http();
    [[nodiscard]] Api& api();
    [[nodiscard]] std::int64_t now_ms() const;

    // One line of compact JSON on stdout.
    void print_json(const boost::json::value& v);

    std::ostream& out;
    std::ostream& err;

  private:
    Settings settings_;
    bool json_;
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<Api> api_;
};

// A subcommand's work, chosen while parsing and run once the global options are known.
using Action = std::function<void(Context&)>;
struct Selected {
    Action action;
};

// Each file registers its subcommands; parsing one stores its action in `sel`.
void add_device_commands(CLI::App& app, Selected& sel);
void add_control_commands(CLI::App& app, Selected& sel);
void add_firmware_commands(CLI::App& app, Selected& sel);
void add_rollout_commands(CLI::App& app, Selected& sel);
void add_events_command(CLI::App& app, Selected& sel);
void add_console_command(CLI::App& app, Selected& sel);
void add_job_commands(CLI::App& app, Selected& sel);  // issue 6
void add_token_commands(CLI::App& app, Selected& sel);  // token ..., device token/allow ...

}  // namespace ptalk::cli
