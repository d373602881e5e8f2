#include "firmware/file_catalogue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ptalk::firmware {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view temp_prefix = ".upload-";
constexpr std::string_view image_suffix = ".bin";

FirmwareMeta to_meta(const store::FirmwareRecord& r) {
    return {r.version,
            r.project_name,
            r.idf_version,
            r.build_date,
            r.sha256,
            r.size,
            r.notes,
            r.min_battery_percent,
            r.uploaded_at,
            r.uploaded_by,
            r.descriptor_version.empty() ? r.version : r.descriptor_version};
}

store::FirmwareRecord to_record(const FirmwareMeta& m) {
    return {m.version,
            m.project_name,
            m.idf_version,
            m.build_date,
            m.sha256,
            m.size,
            m.notes,
            m.min_battery_percent,
            m.uploaded_at,
            m.uploaded_by,
            m.descriptor_version};
}

Error storage_error(std::string message) {
    return {Refusal::storage, std::move(message)};
}

std::string errno_text(int err) {
    return std::strerror(err);  // NOLINT(concurrency-mt-unsafe): messages only
}

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// fsync a directory so a rename or unlink in it survives a power cut.
void sync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

void record_event(store::Store& store, std::string type, const FirmwareMeta& m) {
    boost::json::object data{{"version", m.version},
                             {"sha256", m.sha256},
                             {"size", m.size},
                             {"project_name", m.project_name}};
    store.append_event(
        {0, store::unix_millis_now(), std::nullopt, std::move(type), boost::json::serialize(data)});
}

}  // namespace

// ---- FileCatalogue ----

FileCatalogue::FileCatalogue(store::Store& store, FileCatalogueOptions options)
    : store_(store), options_(std::move(options)) {}

store::Result<std::unique_ptr<FileCatalogue>> FileCatalogue::open(store::Store& store,
                                                                  FileCatalogueOptions options) {
    std::unique_ptr<FileCatalogue> c(new FileCatalogue(store, std::move(options)));
    if (auto st = c->load(); !st) return st;
    return c;
}

store::Status FileCatalogue::load() {
    std::error_code ec;
    fs::create_directories(options_.dir, ec);
    if (ec) {
        return {store::StatusCode::cannot_open,
                fmt::format("cannot create {}: {}", options_.dir.string(), ec.message())};
    }
    auto rows = store_.load_firmware();
    if (!rows) return rows.error();
    std::map<std::string, FirmwareMeta, std::less<>> loaded;
    for (const auto& r : *rows)
        loaded.emplace(r.version, to_meta(r));
    auto named = [&](std::string_view sha) {
        return std::any_of(loaded.begin(), loaded.end(),
                           [&](const auto& kv) { return kv.second.sha256 == sha; });
    };
    for (fs::directory_iterator it(options_.dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const bool stale_temp = name.starts_with(temp_prefix);
        const std::string_view stem = std::string_view(name).substr(0, name.size() - 4);
        const bool orphan = name.ends_with(image_suffix) && is_sha256_hex(stem) && !named(stem);
        if (!stale_temp && !orphan) continue;
        std::error_code rec;
        fs::remove(it->path(), rec);
        spdlog::warn("firmware: removed {} {} ({})", stale_temp ? "stale upload" : "unnamed image",
                     it->path().string(), rec ? rec.message() : "ok");
    }
    if (ec) {
        return {store::StatusCode::io_error,
                fmt::format("cannot list {}: {}", options_.dir.string(), ec.message())};
    }
    for (const auto& [v, m] : loaded) {
        if (!fs::exists(file_of(m.sha256), ec)) {
            spdlog::warn("firmware: the image of {} ({}) is missing", v,
                         file_of(m.sha256).string());
        }
    }
    std::lock_guard lk(mutex_);
    rows_ = std::move(loaded);
    return {};
}

fs::path FileCatalogue::file_of(std::string_view sha256) const {
    return options_.dir / (std::string(sha256) + std::string(image_suffix));
}

std::vector<FirmwareMeta> FileCatalogue::list() const {
    std::vector<FirmwareMeta> out;
    {
        std::lock_guard lk(mutex_);
        out.reserve(rows_.size());
        for (const auto& [v, m] : rows_)
            out.push_back(m);
    }
    std::sort(out.begin(), out.end(), [](const FirmwareMeta& a, const FirmwareMeta& b) {
        return compare_versions(a.version, b.version) > 0;
    });
    return out;
}

std::optional<FirmwareMeta> FileCatalogue::find(std::string_view version) const {
    std::lock_guard lk(mutex_);
    if (auto it = rows_.find(version); it != rows_.end()) return it->second;
    return std::nullopt;
}

std::optional<FirmwareMeta> FileCatalogue::newest() const {
    std::lock_guard lk(mutex_);
    const FirmwareMeta* best = nullptr;
    for (const auto& [v, m] : rows_) {
        if (best == nullptr || compare_versions(m.version, best->version) > 0) best = &m;
    }
    if (best == nullptr) return std::nullopt;
    return *best;
}

bool FileCatalogue::has_version(std::string_view version) const {
    std::lock_guard lk(mutex_);
    return rows_.find(version) != rows_.end();
}

std::size_t FileCatalogue::cached_images() const {
    std::lock_guard lk(mutex_);
    return static_cast<std::size_t>(std::count_if(
        cache_.begin(), cache_.end(), [](const auto& kv) { return !kv.second.expired(); }));
}

void FileCatalogue::set_in_use_check(std::function<bool(std::string_view)> in_use) {
    std::lock_guard lk(mutex_);
    in_use_ = std::move(in_use);
}

store::Result<std::shared_ptr<const FirmwareImage>> FileCatalogue::image(std::string_view version) {
    FirmwareMeta meta;
    {
        std::lock_guard lk(mutex_);
        auto row = rows_.find(version);
        if (row == rows_.end()) {
            return store::Status{store::StatusCode::error,
                                 fmt::format("no firmware version {} in the catalogue", version)};
        }
        if (auto c = cache_.find(version); c != cache_.end()) {
            if (auto img = c->second.lock()) return std::shared_ptr<const FirmwareImage>(img);
        }
        meta = row->second;
    }
    // Read and verify outside the lock: a few MiB from disk.
    const fs::path file = file_of(meta.sha256);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return store::Status{store::StatusCode::io_error,
                             fmt::format("the image of firmware {} ({}) cannot be read",
                                         meta.version, file.string())};
    }
    auto img = std::make_shared<FirmwareImage>();
    img->meta = meta;
    img->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (img->bytes.size() != meta.size || protocol::sha256_hex(img->bytes) != meta.sha256) {
        spdlog::error("firmware: {} does not match its sha256 (firmware {})", file.string(),
                      meta.version);
        return store::Status{
            store::StatusCode::corrupt,
            fmt::format("the image of firmware {} ({}) is corrupt: its content does not match "
                        "its sha256; upload it again",
                        meta.version, file.string())};
    }
    std::lock_guard lk(mutex_);
    if (rows_.find(version) == rows_.end()) {
        return store::Status{store::StatusCode::error,
                             fmt::format("no firmware version {} in the catalogue", version)};
    }
    auto& slot = cache_[std::string(version)];
    if (auto other = slot.lock()) return std::shared_ptr<const FirmwareImage>(other);
    std::shared_ptr<const FirmwareImage> shared = std::move(img);
    slot = shared;
    return shared;
}

Outcome<std::unique_ptr<FileCatalogue::Upload>> FileCatalogue::begin_upload(UploadRequest req) {
    if (req.size && *req.size > options_.max_image_bytes) {
        return Error{Refusal::too_large, fmt::format("the image is {} bytes; the limit is {} bytes",
                                                     *req.size, options_.max_image_bytes)};
    }
    if (req.version && req.version->empty()) req.version.reset();
    if (req.version && has_version(*req.version)) {
        return Error{Refusal::exists,
                     fmt::format("firmware version {} is already in the catalogue", *req.version)};
    }
    std::string tmpl = (options_.dir / (std::string(temp_prefix) + "XXXXXX")).string();
    const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return storage_error(
            fmt::format("cannot create a file in {}: {}", options_.dir.string(), errno_text(err)));
    }
    return std::unique_ptr<Upload>(new Upload(*this, std::move(req), fd, fs::path(tmpl)));
}

Outcome<FirmwareMeta> FileCatalogue::put(UploadRequest req, std::span<const std::uint8_t> bytes) {
    if (!req.size) req.size = bytes.size();
    auto up = begin_upload(std::move(req));
    if (!up) return up.error();
    if (auto e = (*up)->write(bytes)) return *e;
    return (*up)->finish();
}

Outcome<FirmwareMeta> FileCatalogue::commit(Upload& up) {
    const auto& info = *up.info_;
    FirmwareMeta m;
    m.version = up.key_;
    m.descriptor_version = info.version;
    m.project_name = info.project_name;
    m.idf_version = info.idf_version;
    m.build_date = info.build_date;
    m.sha256 = up.hash_.hex_digest();
    m.size = up.received_;
    m.notes = up.req_.notes;
    m.min_battery_percent = up.req_.min_battery_percent;
    m.uploaded_at = store::unix_millis_now();
    m.uploaded_by = up.req_.uploaded_by;

    std::lock_guard files(files_mutex_);
    if (has_version(m.version)) {
        return Error{Refusal::exists,
                     fmt::format("firmware version {} is already in the catalogue", m.version)};
    }
    // Same bytes as a stored version: the rename replaces the file with an
    // identical one (and heals one that rotted on disk).
    const fs::path target = file_of(m.sha256);
    if (::rename(up.temp_.c_str(), target.c_str()) != 0) {
        const int err = errno;
        return storage_error(
            fmt::format("cannot move the upload to {}: {}", target.string(), errno_text(err)));
    }
    up.temp_.clear();  // renamed: nothing left to remove
    sync_dir(options_.dir);
    auto inserted = store_.insert_firmware(to_record(m));
    bool shared = false;
    {
        std::lock_guard lk(mutex_);
        shared = std::any_of(rows_.begin(), rows_.end(),
                             [&](const auto& kv) { return kv.second.sha256 == m.sha256; });
        if (inserted && *inserted) rows_.emplace(m.version, m);
    }
    if (!inserted || !*inserted) {
        if (!shared) {
            std::error_code ec;
            fs::remove(target, ec);
        }
        if (!inserted) {
            return storage_error(
                fmt::format("cannot record firmware {}: {}", m.version, inserted.error().message));
        }
        return Error{Refusal::exists,
                     fmt::format("firmware version {} is already in the catalogue", m.version)};
    }
    spdlog::info("firmware: stored version={} project={} size={} sha256={} shared_file={}",
                 m.version, m.project_name, m.size, m.sha256, shared);
    record_event(store_, "firmware.uploaded", m);
    return m;
}

std::optional<Error> FileCatalogue::remove(std::string_view version) {
    std::lock_guard files(files_mutex_);
    std::function<bool(std::string_view)> in_use;
    std::optional<FirmwareMeta> meta;
    {
        std::lock_guard lk(mutex_);
        if (auto it = rows_.find(version); it != rows_.end()) meta = it->second;
        in_use = in_use_;
    }
    if (!meta) {
        return Error{Refusal::not_found,
                     fmt::format("no firmware version {} in the catalogue", version)};
    }
    // Asked without our lock held: the OTA manager may call find() under its own.
    if (in_use && in_use(version)) {
        return Error{Refusal::in_use,
                     fmt::format("firmware {} is used by a transfer or a rollout", version)};
    }
    auto deleted = store_.delete_firmware(meta->version);
    if (!deleted) {
        return storage_error(
            fmt::format("cannot delete firmware {}: {}", version, deleted.error().message));
    }
    bool shared = false;
    {
        std::lock_guard lk(mutex_);
        rows_.erase(meta->version);
        cache_.erase(meta->version);
        shared = std::any_of(rows_.begin(), rows_.end(),
                             [&](const auto& kv) { return kv.second.sha256 == meta->sha256; });
    }
    if (!shared) {
        std::error_code ec;
        fs::remove(file_of(meta->sha256), ec);
        if (ec)
            spdlog::warn("firmware: cannot remove {}: {}", file_of(meta->sha256).string(),
                         ec.message());
        sync_dir(options_.dir);
    }
    spdlog::info("firmware: deleted version={} file_kept={}", meta->version, shared);
    record_event(store_, "firmware.deleted", *meta);
    return std::nullopt;
}

// ---- Upload ----

FileCatalogue::Upload::Upload(FileCatalogue& catalogue, UploadRequest req, int fd, fs::path temp)
    : catalogue_(catalogue), req_(std::move(req)), fd_(fd), temp_(std::move(temp)) {
    prefix_.reserve(protocol::esp_image_prefix_bytes);
}

FileCatalogue::Upload::~Upload() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
}

std::optional<Error> FileCatalogue::Upload::fail(Error e) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
    failed_ = e;
    return e;
}

std::optional<Error> FileCatalogue::Upload::check_prefix(std::uint64_t total) {
    const std::size_t max = static_cast<std::size_t>(catalogue_.options_.max_image_bytes);
    auto info = protocol::inspect_firmware_image(prefix_, static_cast<std::size_t>(total), max);
    if (!info) {
        if (info.error() == protocol::error::image_too_large) {
            return fail({Refusal::too_large,
                         fmt::format("the image is larger than the limit of {} bytes", max)});
        }
        return fail(
            {Refusal::invalid_image, "not an ESP32 application image: " + info.error().message()});
    }
    if (req_.version && req_.version->empty()) req_.version.reset();
    if (req_.version && *req_.version != info->version && !req_.force) {
        return fail({Refusal::version_mismatch,
                     fmt::format("the image says it is version {}, not {} (force=true to "
                                 "store it as {} anyway)",
                                 info->version, *req_.version, *req_.version)});
    }
    std::string key = req_.version.value_or(info->version);
    if (catalogue_.has_version(key)) {
        return fail(
            {Refusal::exists, fmt::format("firmware version {} is already in the catalogue", key)});
    }
    key_ = std::move(key);
    info_ = std::move(*info);
    return std::nullopt;
}

std::optional<Error> FileCatalogue::Upload::write(std::span<const std::uint8_t> piece) {
    if (failed_) return failed_;
    if (piece.empty()) return std::nullopt;
    const std::uint64_t max = catalogue_.options_.max_image_bytes;
    if (received_ + piece.size() > max) {
        return fail({Refusal::too_large,
                     fmt::format("the image is larger than the limit of {} bytes", max)});
    }
    if (!info_) {
        const std::size_t want = protocol::esp_image_prefix_bytes - prefix_.size();
        const auto take = piece.first(std::min(want, piece.size()));
        prefix_.insert(prefix_.end(), take.begin(), take.end());
        if (prefix_[0] != protocol::esp_image_magic) {
            return fail(
                {Refusal::invalid_image,
                 "not an ESP32 application image: " +
                     protocol::make_error_code(protocol::error::not_esp32_image).message()});
        }
        if (prefix_.size() == protocol::esp_image_prefix_bytes) {
            const std::uint64_t total = std::max(req_.size.value_or(0), received_ + piece.size());
            if (auto e = check_prefix(total)) return e;
        }
    }
    hash_.update(piece);
    const auto* p = piece.data();
    std::size_t left = piece.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            return fail(
                storage_error(fmt::format("cannot write {}: {}", temp_.string(), errno_text(err))));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    received_ += piece.size();
    return std::nullopt;
}

Outcome<FirmwareMeta> FileCatalogue::Upload::finish() {
    if (failed_) return *failed_;
    if (!info_) {
        // Shorter than the descriptor: inspect says why (empty, too small).
        if (auto e = check_prefix(received_)) return *e;
        if (!info_) return *fail({Refusal::invalid_image, "not an ESP32 application image"});
    }
    if (::fsync(fd_) != 0) {
        const int err = errno;
        return *fail(
            storage_error(fmt::format("cannot sync {}: {}", temp_.string(), errno_text(err))));
    }
    ::close(fd_);
    fd_ = -1;
    auto m = catalogue_.commit(*this);
    if (!m) {
        fail(m.error());
        return m;
    }
    return m;
}

}  // namespace ptalk::firmware
