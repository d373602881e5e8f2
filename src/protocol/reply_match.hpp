#pragma once
// Replies carry no request id (PROTOCOL.md §4). A reply answers the command in
// flight only if its shape (and, for setters, its value) fits that command;
// anything else is a stale answer to an earlier, timed-out command.
#include "protocol/commands.hpp"
#include "protocol/messages.hpp"

namespace ptalk::protocol {

[[nodiscard]] bool reply_answers(const Command& in_flight, const Reply& reply) noexcept;

}  // namespace ptalk::protocol
