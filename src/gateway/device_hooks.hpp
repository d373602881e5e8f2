#pragma once
// What the gateway tells the rest of the server about devices. The gateway
// knows nothing of the store; the fleet implements these hooks. Every hook is
// called on the device session's strand and must not block.
#include <cstdint>
#include <memory>

#include "dispatch/device_queue.hpp"
#include "gateway/close_reason.hpp"
#include "protocol/messages.hpp"

namespace ptalk::gateway {

class DeviceSession;

class DeviceHooks {
  public:
    virtual ~DeviceHooks() = default;
    // A valid handshake. Return false to refuse the device (its socket is dropped).
    virtual bool on_handshake(const std::shared_ptr<DeviceSession>& session,
                              const protocol::Handshake& h) = 0;
    // Every reply tells device state, whether it answered a command or was stale.
    virtual void on_reply(DeviceSession& session, const protocol::Reply& r, bool stale) = 0;
    // A command was accepted into the device's queue (or refused at once).
    virtual void on_queued(DeviceSession& session, const dispatch::Request& r) = 0;
    virtual void on_completion(DeviceSession& session, const dispatch::Completion& c) = 0;
    virtual void on_firmware_pull(DeviceSession& session, const protocol::FirmwarePull& p) = 0;
    // Only for sessions that hand-shook.
    virtual void on_closed(DeviceSession& session, CloseReason why) = 0;
    [[nodiscard]] virtual std::uint64_t next_command_id() = 0;
};

}  // namespace ptalk::gateway
