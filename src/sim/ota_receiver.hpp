#pragma once
// The device side of a firmware transfer (PROTOCOL.md §5), I/O-free: chunks in,
// ack/nack frames out, and at OTA_COMPLETE the verdict the device acts on.
// It keeps only what the checks need (size, image prefix, running SHA-256), so
// thousands of devices can take an update at once.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/digest.hpp"
#include "protocol/firmware_image.hpp"

namespace ptalk::sim {

// The parameters of request_ota as the device saw them.
struct OtaRequest {
    std::uint64_t size = 0;
    std::optional<std::string> sha256;
    std::optional<std::string> version;
};

enum class ChunkVerdict {
    written,     // acked and appended
    duplicate,   // a seq already written: acked again, data ignored
    nacked,      // bad size, bad CRC, a gap, or an injected fault
    unreadable,  // too short to carry a seq: the device cannot even nack it
};

struct ChunkResult {
    ChunkVerdict verdict = ChunkVerdict::unreadable;
    std::optional<std::uint32_t> seq;
    std::string reply;         // {"ota_ack":N} / {"ota_nack":N}; empty when unreadable
    bool first_write = false;  // this chunk opened the updater: the partition erase
};

struct OtaVerdict {
    bool ok = false;
    std::string version;  // the image's own version, when ok
    std::string reason;   // why not, for logs and tests
};

class OtaReceiver {
  public:
    struct Options {
        std::uint32_t nack_every = 0;  // fault: nack the first delivery of every K-th chunk
        bool verify_sha256 = true;     // check the offered sha256 at OTA_COMPLETE
        std::size_t partition_bytes = protocol::default_ota_partition_bytes;
        bool corrupt_writes = false;  // fault: flash writes flip a bit (the sha256 then fails)
    };

    OtaReceiver() = default;
    explicit OtaReceiver(Options opt) : opt_(opt) {}

    // request_ota accepted. An updater already open in this boot (a failed or
    // cut-off transfer, PROTOCOL.md §5.7) is not reset: new data appends to it.
    void begin(OtaRequest request);
    [[nodiscard]] ChunkResult on_chunk(std::span<const std::uint8_t> frame);
    // OTA_COMPLETE: size, image header and (optionally) sha256.
    [[nodiscard]] OtaVerdict complete();
    // The link went during a transfer: the updater stays half-open until reboot.
    void cut_off();
    // A reboot closes the updater; the next transfer starts clean.
    void reboot();

    [[nodiscard]] bool receiving() const noexcept { return receiving_; }
    [[nodiscard]] bool broken() const noexcept { return broken_; }
    [[nodiscard]] std::uint32_t next_seq() const noexcept { return next_seq_; }
    [[nodiscard]] std::uint64_t bytes_written() const noexcept { return written_; }
    [[nodiscard]] const OtaRequest& request() const noexcept { return request_; }

  private:
    void append(std::span<const std::uint8_t> data);

    Options opt_;
    OtaRequest request_;
    bool receiving_ = false;
    bool opened_ = false;  // esp_ota_begin ran in this boot
    bool broken_ = false;  // a transfer failed or was cut off in this boot
    std::uint32_t next_seq_ = 0;
    std::optional<std::uint32_t> faulted_seq_;
    std::uint64_t written_ = 0;
    std::vector<std::uint8_t> prefix_;
    std::unique_ptr<protocol::Sha256> hash_;
};

}  // namespace ptalk::sim
