#pragma once
// One firmware image's metadata as the store keeps it (migration v5, table
// `firmware`). The catalogue (src/firmware) owns the files; the store only the rows.
#include <cstdint>
#include <optional>
#include <string>

namespace ptalk::store {

struct FirmwareRecord {
    std::string version;  // unique: the image descriptor's version string
    std::string project_name;
    std::string idf_version;
    std::string build_date;
    std::string sha256;  // lower-case hex; several versions may share one file
    std::uint64_t size = 0;
    std::string notes;
    std::optional<int> min_battery_percent;
    std::int64_t uploaded_at = 0;  // unix ms
    std::string uploaded_by;
    std::string descriptor_version;  // the image's own, when `version` was forced

    friend bool operator==(const FirmwareRecord&, const FirmwareRecord&) = default;
};

}  // namespace ptalk::store
