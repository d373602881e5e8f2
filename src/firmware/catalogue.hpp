#pragma once
// The firmware catalogue: every ESP32 application image the server can send,
// checked at upload (PROTOCOL.md §5.8), stored content-addressed by sha256 under
// the data directory, its metadata in the store. The OTA engine (src/ota) reads
// it; the API's /api/v1/firmware routes fill it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.hpp"
#include "store/store.hpp"

namespace ptalk::firmware {

struct FirmwareMeta {
    std::string version;  // the descriptor's own version string (the catalogue's key)
    std::string project_name;
    std::string idf_version;
    std::string build_date;
    std::string sha256;  // lower-case hex; the file's name under <data_dir>/firmware/
    std::uint64_t size = 0;
    std::string notes;
    std::optional<int> min_battery_percent;  // refuse to start below this (else the server's floor)
    store::UnixMillis uploaded_at = 0;
    std::string uploaded_by;
    // The image descriptor's own version: what a device reports once updated.
    // Differs from `version` only for an upload forced under another name.
    std::string descriptor_version;

    friend bool operator==(const FirmwareMeta&, const FirmwareMeta&) = default;
};

// One image in memory, shared by every transfer that sends it.
struct FirmwareImage {
    FirmwareMeta meta;
    std::vector<std::uint8_t> bytes;
};

class Catalogue {
  public:
    virtual ~Catalogue() = default;

    // Newest version first (compare_versions order).
    [[nodiscard]] virtual std::vector<FirmwareMeta> list() const = 0;
    [[nodiscard]] virtual std::optional<FirmwareMeta> find(std::string_view version) const = 0;
    [[nodiscard]] virtual std::optional<FirmwareMeta> newest() const = 0;
    // The image's bytes (read once and cached while in use). Fails when the
    // version is unknown or its file is missing or does not match its sha256.
    [[nodiscard]] virtual store::Result<std::shared_ptr<const FirmwareImage>> image(
        std::string_view version) = 0;

    // DELETE answers 409 while this says the version is in use (set by the OTA manager).
    virtual void set_in_use_check(std::function<bool(std::string_view version)> in_use) = 0;
};

// Orders version strings the way people read them: numeric runs compare as
// numbers ("1.0.10" > "1.0.9"), the rest as text. <0, 0, >0 like strcmp.
[[nodiscard]] int compare_versions(std::string_view a, std::string_view b) noexcept;

}  // namespace ptalk::firmware
