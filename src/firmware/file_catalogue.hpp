#pragma once
// The catalogue on disk: each image is <dir>/<sha256>.bin (content-addressed,
// so versions with the same bytes share one file), its metadata a row of the
// store's `firmware` table (kept in memory after open). Uploads are streamed
// into a temp file in the same directory and renamed into place only when
// complete and checked: a cut-off upload leaves nothing behind, and a temp file
// left by a crash is removed at the next open. docs/FIRMWARE.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "firmware/catalogue.hpp"
#include "protocol/digest.hpp"
#include "protocol/firmware_image.hpp"

namespace ptalk::firmware {

// Why an upload or a delete was refused; the API maps each to an HTTP status.
enum class Refusal {
    not_found,         // 404: no such version
    exists,            // 409: this version is already in the catalogue
    in_use,            // 409: a transfer or rollout uses it
    too_large,         // 413: over the size cap
    invalid_image,     // 422: not an ESP32 application image (the message says why)
    version_mismatch,  // 422: the declared version is not the descriptor's (unless forced)
    storage,           // 500/503: the disk or the store failed
};

struct Error {
    Refusal code;
    std::string message;
};

// A value or the Error that explains why there is none.
template <class T>
class Outcome {
  public:
    Outcome(T value) : value_(std::move(value)) {}      // NOLINT: implicit on purpose
    Outcome(Error error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose
    [[nodiscard]] bool has_value() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] T& value() & { return value_.value(); }
    [[nodiscard]] T&& value() && { return std::move(value_).value(); }
    [[nodiscard]] T& operator*() & { return *value_; }
    [[nodiscard]] const T& operator*() const& { return *value_; }
    [[nodiscard]] T* operator->() { return &*value_; }
    [[nodiscard]] const T* operator->() const { return &*value_; }
    [[nodiscard]] const Error& error() const noexcept { return error_; }

  private:
    std::optional<T> value_;
    Error error_{Refusal::storage, {}};
};

struct UploadRequest {
    // The version the uploader says it is; refused when the descriptor
    // disagrees unless `force`, and then it is the catalogue's key (the
    // descriptor's own stays in FirmwareMeta::descriptor_version). Absent: the
    // descriptor's version.
    std::optional<std::string> version;
    bool force = false;
    std::string notes;
    std::optional<int> min_battery_percent;
    std::string uploaded_by;
    // The size announced before the body (Content-Length): refused at once when over the cap.
    std::optional<std::uint64_t> size;
};

struct FileCatalogueOptions {
    std::filesystem::path dir;  // <data_dir>/firmware
    std::uint64_t max_image_bytes = protocol::default_ota_partition_bytes;
};

class FileCatalogue final : public Catalogue {
  public:
    class Upload;

    // Creates the directory, removes stale temp files (and image files no row
    // names: a crash between rename and insert), loads the rows.
    [[nodiscard]] static store::Result<std::unique_ptr<FileCatalogue>> open(
        store::Store& store, FileCatalogueOptions options);

    [[nodiscard]] std::vector<FirmwareMeta> list() const override;
    [[nodiscard]] std::optional<FirmwareMeta> find(std::string_view version) const override;
    [[nodiscard]] std::optional<FirmwareMeta> newest() const override;
    [[nodiscard]] store::Result<std::shared_ptr<const FirmwareImage>> image(
        std::string_view version) override;
    void set_in_use_check(std::function<bool(std::string_view version)> in_use) override;

    // Checks what can be checked before the body arrives (the announced size, a
    // declared version already stored) and opens the temp file.
    [[nodiscard]] Outcome<std::unique_ptr<Upload>> begin_upload(UploadRequest req);
    // A whole image at once (tests and tools): begin_upload, write, finish.
    [[nodiscard]] Outcome<FirmwareMeta> put(UploadRequest req, std::span<const std::uint8_t> bytes);
    // Removes a version (refused while in use); its file too unless another
    // version shares it. Blocking (the store and the disk).
    [[nodiscard]] std::optional<Error> remove(std::string_view version);

    [[nodiscard]] const FileCatalogueOptions& options() const noexcept { return options_; }
    // <dir>/<sha256>.bin
    [[nodiscard]] std::filesystem::path file_of(std::string_view sha256) const;
    // Images held in memory right now (by a transfer); for tests and metrics.
    [[nodiscard]] std::size_t cached_images() const;

  private:
    FileCatalogue(store::Store& store, FileCatalogueOptions options);
    [[nodiscard]] store::Status load();
    [[nodiscard]] bool has_version(std::string_view version) const;
    [[nodiscard]] Outcome<FirmwareMeta> commit(Upload& up);

    store::Store& store_;
    FileCatalogueOptions options_;

    mutable std::mutex mutex_;  // guards the three below; never held over I/O
    std::map<std::string, FirmwareMeta, std::less<>> rows_;
    std::map<std::string, std::weak_ptr<const FirmwareImage>, std::less<>> cache_;
    std::function<bool(std::string_view)> in_use_;

    // Serialises what changes files and rows (finishing an upload, removing a version).
    std::mutex files_mutex_;
};

// One streamed upload. Destroyed before finish() succeeded (cut off, refused):
// its temp file is removed and nothing is stored.
class FileCatalogue::Upload {
  public:
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    ~Upload();

    // Appends a piece (buffered by the OS; cheap enough for an I/O thread). The
    // image is checked as soon as its descriptor has arrived. After an error
    // the upload is dead: every later call fails the same way.
    [[nodiscard]] std::optional<Error> write(std::span<const std::uint8_t> piece);
    // The whole body arrived: fsync, rename into place, insert the row.
    // Blocking: call it off the I/O threads.
    [[nodiscard]] Outcome<FirmwareMeta> finish();

    [[nodiscard]] std::uint64_t received() const noexcept { return received_; }

  private:
    friend class FileCatalogue;
    Upload(FileCatalogue& catalogue, UploadRequest req, int fd, std::filesystem::path temp);
    std::optional<Error> fail(Error e);
    std::optional<Error> check_prefix(std::uint64_t total);

    FileCatalogue& catalogue_;
    UploadRequest req_;
    int fd_ = -1;
    std::filesystem::path temp_;
    protocol::Sha256 hash_;
    std::vector<std::uint8_t> prefix_;  // the first esp_image_prefix_bytes
    std::optional<protocol::FirmwareImageInfo> info_;
    std::string key_;  // the catalogue's version for this image, once info_ is known
    std::uint64_t received_ = 0;
    std::optional<Error> failed_;
};

}  // namespace ptalk::firmware
