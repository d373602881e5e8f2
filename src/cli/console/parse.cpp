#include "cli/console/parse.hpp"

#include <algorithm>
#include <tuple>

#include "cli/did_you_mean.hpp"
#include "cli/exit_code.hpp"
#include "cli/values.hpp"

namespace ptalk::cli::console {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// The first word and the trimmed rest.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    s = trim(s);
    const auto sp = s.find_first_of(" \t");
    if (sp == std::string_view::npos) return {s, {}};
    return {s.substr(0, sp), trim(s.substr(sp + 1))};
}

const std::string wifi_reason =
    "Wi-Fi is provisioned over BLE (or the captive portal), never over the WebSocket: "
    "ptalk does not send Wi-Fi credentials to a device. Nothing was sent. Use `ble` to put "
    "the device in BLE provisioning mode.";
const std::string wsurl_reason =
    "wsurl (set_ws_url) is reserved: the firmware does not know it and would not answer. "
    "Nothing was sent.";

Action percent(Op op, std::string_view what, std::string_view word, std::string_view arg) {
    if (arg.empty()) return Mistake{"usage: " + std::string(word) + " 0-100"};
    try {
        return DeviceOp{op, parse_percent(what, arg), {}};
    } catch (const CliError& e) {
        return Mistake{e.what()};
    }
}

Action parse_action(std::string_view word, std::string_view arg) {
    if (word.empty()) return Nothing{};
    if (word == "help" || word == "?") return Help{};
    if (word == "quit" || word == "exit") return Quit{};
    if (word == "devices" || word == "ls") return ListDevices{};
    if (word == "use") {
        if (arg.empty()) return Mistake{"usage: use ID|NAME"};
        return Use{std::string(arg)};
    }
    if (word == "vol" || word == "volume") return percent(Op::set_volume, "volume", word, arg);
    if (word == "bright" || word == "brightness")
        return percent(Op::set_brightness, "brightness", word, arg);
    if (word == "name") {
        if (arg.empty()) return Mistake{"usage: name TEXT (1-64 bytes)"};
        try {
            check_device_name(arg);
        } catch (const CliError& e) {
            return Mistake{e.what()};
        }
        return DeviceOp{Op::set_name, 0, std::string(arg)};
    }
    if (word == "ota") {
        if (arg.empty()) return Mistake{"usage: ota VERSION (e.g. ota 1.0.6)"};
        if (arg.size() > 31 || arg.find_first_of(" \t") != std::string_view::npos)
            return Mistake{"a firmware version is one word of at most 31 characters"};
        return DeviceOp{Op::ota, 0, std::string(arg)};
    }
    if (word == "wifi") return Refusal{wifi_reason};
    if (word == "wsurl") return Refusal{wsurl_reason};
    struct Simple {
        std::string_view word;
        Op op;
    };
    for (const auto& [w, op] :
         {Simple{"status", Op::status}, Simple{"reboot", Op::reboot}, Simple{"ble", Op::ble},
          Simple{"show", Op::show}, Simple{"history", Op::history}}) {
        if (word != w) continue;
        if (!arg.empty()) return Mistake{std::string(word) + " takes no argument"};
        return DeviceOp{op, 0, {}};
    }
    std::string msg = "unknown command '" + std::string(word.substr(0, 40)) + "'";
    const auto near = nearest(word, command_words(), 1);
    if (!near.empty()) msg += "; did you mean " + near.front() + "?";
    return Mistake{msg + " (help lists them)"};
}

}  // namespace

const std::vector<std::string>& command_words() {
    static const std::vector<std::string> words{
        "all",  "ble",    "bright", "devices", "help", "history", "name", "ota",
        "quit", "reboot", "show",   "status",  "use",  "vol",     "wifi", "wsurl"};
    return words;
}

const std::vector<std::string>& all_words() {
    static const std::vector<std::string> words{"ble",    "bright", "name", "ota",
                                                "reboot", "status", "vol"};
    return words;
}

ParsedLine parse_line(std::string_view line) {
    auto [word, rest] = split_word(line);
    ParsedLine p;
    if (word == "all") {
        p.all = true;
        std::tie(word, rest) = split_word(rest);
        if (word.empty()) {
            p.action = Mistake{"all what? e.g. `all vol 50` or `all status`"};
            return p;
        }
        p.action = parse_action(word, rest);
        const auto* op = std::get_if<DeviceOp>(&p.action);
        const bool fits = op != nullptr && op->op != Op::show && op->op != Op::history;
        if (!fits && !std::holds_alternative<Mistake>(p.action) &&
            !std::holds_alternative<Refusal>(p.action)) {
            p.action = Mistake{
                "`all` goes before a device command: vol, bright, name, status, "
                "reboot, ble or ota"};
        }
        return p;
    }
    p.action = parse_action(word, rest);
    return p;
}

std::string_view op_name(Op op) noexcept {
    switch (op) {
        case Op::set_volume:
            return "volume";
        case Op::set_brightness:
            return "brightness";
        case Op::set_name:
            return "name";
        case Op::status:
            return "status";
        case Op::reboot:
            return "reboot";
        case Op::ble:
            return "ble";
        case Op::ota:
            return "ota";
        case Op::show:
            return "show";
        case Op::history:
            return "history";
    }
    return "?";
}

std::string help_text() {
    return "commands (for the target device; `use` picks it):\n"
           "  vol N            set the volume, 0-100\n"
           "  bright N         set the brightness, 0-100\n"
           "  name TEXT        rename the device\n"
           "  status           ask the device for its state\n"
           "  reboot           reboot it (its return is shown when it comes back)\n"
           "  ble              put it in BLE provisioning mode (it goes offline)\n"
           "  ota VERSION      update its firmware\n"
           "  show             what the server knows about it\n"
           "  history          its last commands\n"
           "  wifi SSID PASS   refused: Wi-Fi is provisioned over BLE\n"
           "  wsurl URL        refused: reserved, the firmware does not know it\n"
           "fleet:\n"
           "  devices          list the devices\n"
           "  use ID|NAME      choose the target (Tab completes ids and names)\n"
           "  all CMD ARGS     send CMD to every online device, with a summary\n"
           "  help             this text\n"
           "  quit             leave (Ctrl-D too)\n";
}

}  // namespace ptalk::cli::console
