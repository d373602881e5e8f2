#pragma once
// The console's language: one typed line into one action. The firmware team's
// commands (vol, bright, name, status, reboot, ble, ota, wifi, wsurl, help,
// quit) plus devices, use, show, history and the `all` prefix. Pure: nothing is
// sent from here, values are checked here.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ptalk::cli::console {

enum class Op { set_volume, set_brightness, set_name, status, reboot, ble, ota, show, history };

struct Nothing {};
struct Help {};
struct Quit {};
struct ListDevices {};
struct Use {
    std::string device;  // id in any form, or a name
};
// A command for the target device (or every online device after `all`).
struct DeviceOp {
    Op op = Op::status;
    int value = 0;     // volume, brightness
    std::string text;  // name, ota version
    bool operator==(const DeviceOp&) const = default;
};
// A command the console knows but will not send, and why.
struct Refusal {
    std::string reason;
};
// A typo or a bad value: the message says what is wrong.
struct Mistake {
    std::string message;
};

using Action = std::variant<Nothing, Help, Quit, ListDevices, Use, DeviceOp, Refusal, Mistake>;

struct ParsedLine {
    bool all = false;  // `all …`: every online device
    Action action;
};

[[nodiscard]] ParsedLine parse_line(std::string_view line);

// Command words, for completion and did-you-mean.
[[nodiscard]] const std::vector<std::string>& command_words();
// Words that may follow `all`.
[[nodiscard]] const std::vector<std::string>& all_words();

// The help text: one line per command.
[[nodiscard]] std::string help_text();

// What an Op is called in output ("volume", "reboot").
[[nodiscard]] std::string_view op_name(Op op) noexcept;

}  // namespace ptalk::cli::console
