#pragma once
// Carries out what the console parsed: keeps the target device, sends its
// commands through the API, runs `all` over every online device, and says
// what happened in one line each.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/api.hpp"
#include "cli/console/parse.hpp"
#include "cli/device_info.hpp"

namespace ptalk::cli::console {

// One device command through `api`; the line to print, or CliError.
[[nodiscard]] std::string run_op(Api& api, const DeviceInfo& device, const DeviceOp& op,
                                 std::int64_t now_ms);

// "all: 3 ok, 1 failed" from per-device outcomes. Pure.
[[nodiscard]] std::string all_summary(std::size_t ok, std::size_t failed);

class Session {
  public:
    using Devices = std::function<std::vector<DeviceInfo>()>;
    // Each `all` worker needs its own connection.
    using ApiFactory = std::function<std::unique_ptr<HttpClient>()>;

    Session(Api& api, Devices devices, ApiFactory connect, std::ostream& out);

    // Runs one line; false once the user asked to quit.
    bool execute(const ParsedLine& line);
    // Targets the only online device, if exactly one is; says so.
    void pick_default();
    [[nodiscard]] std::string prompt() const;
    [[nodiscard]] const std::optional<DeviceInfo>& target() const noexcept { return target_; }

  private:
    void use(const std::string& text);
    void on_target(const DeviceOp& op);
    void on_all(const DeviceOp& op);
    void list_devices();

    Api& api_;
    Devices devices_;
    ApiFactory connect_;
    std::ostream& out_;
    std::optional<DeviceInfo> target_;
};

}  // namespace ptalk::cli::console
