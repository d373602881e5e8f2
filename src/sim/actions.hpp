#pragma once
// What the firmware model asks its device client to do, in order. The client
// performs them one after the other: a Busy step delays everything after it.
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "sim/profile.hpp"

namespace ptalk::sim {

// Write one text frame (`delay` later, without the device stalling: a far network).
struct SendText {
    std::string text;
    Millis delay{0};
    friend bool operator==(const SendText&, const SendText&) = default;
};
// The device stops reading for a while (flash erase or write, a slow reply).
struct Busy {
    Millis duration{0};
    friend bool operator==(const Busy&, const Busy&) = default;
};
// Wi-Fi loss: the TCP link goes without a close frame; the device reconnects.
struct DropLink {
    friend bool operator==(const DropLink&, const DropLink&) = default;
};
// The device restarts: the link goes without a close frame, and after the
// reboot delay the client calls FirmwareModel::boot() and reconnects.
struct Restart {
    friend bool operator==(const Restart&, const Restart&) = default;
};
// BLE provisioning: the device closes the socket and stays away for `duration`
// (nullopt: until the end of the run).
struct GoOffline {
    std::optional<Millis> duration;
    friend bool operator==(const GoOffline&, const GoOffline&) = default;
};

using Action = std::variant<SendText, Busy, DropLink, Restart, GoOffline>;

// What one received frame did, besides the actions: feeds the fleet's statistics.
enum class Event {
    none,
    command,          // a command the device understood (command holds its name)
    unknown_command,  // a cmd the device does not know
    bad_command,      // a known cmd with missing or wrong parameters
    invalid_json,
    voice_text,       // START/END-like text, an emotion code, OTA_COMPLETE outside a transfer
    chunk_written,    // an OTA chunk acked and appended
    chunk_duplicate,  // an OTA chunk already written: acked again
    chunk_nacked,     // an OTA chunk rejected (or unreadable)
    ota_ok,           // OTA_COMPLETE with a good image: the device restarts into it
    ota_failed,       // OTA_COMPLETE with a bad one: the device stays on its version
    audio,            // a binary frame outside a transfer
};

struct Reaction {
    std::vector<Action> actions;
    Event event = Event::none;
    std::string command;  // the cmd as received, for Event::command and unknown_command

    [[nodiscard]] std::vector<std::string> texts() const;  // the SendText frames, for tests
};

std::ostream& operator<<(std::ostream& os, const Action& a);
std::ostream& operator<<(std::ostream& os, const Reaction& r);

}  // namespace ptalk::sim
