#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/thread_name.hpp"
#include "store/migrations.hpp"
#include "store/sqlite_recovery.hpp"

namespace ptalk::store {

namespace {

StatusCode code_from_errno(int err) noexcept {
    switch (err) {
        case EROFS:
        case EACCES:
        case EPERM:
            return StatusCode::read_only;
        case ENOSPC:
        case EDQUOT:
            return StatusCode::full;
        case ENOTDIR:
        case ENOENT:
            return StatusCode::cannot_open;
        default:
            return StatusCode::io_error;
    }
}

Status errno_status(int err, std::string what) {
    return {code_from_errno(err), fmt::format("{}: {}", what, std::strerror(err))};
}

// sqlite may open a database it cannot write and only fail on the first
// commit; writing a small file first turns that into a clear error at start.
Status probe_writable(const std::filesystem::path& dir) {
    const std::filesystem::path probe = dir / ".ptalk-write-probe";
    const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno_status(errno, fmt::format("data directory {} is not writable", dir.string()));
    const std::array<char, 4096> block{};
    const ssize_t n = ::write(fd, block.data(), block.size());
    const int write_errno = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (n < 0)
        return errno_status(write_errno,
                            fmt::format("cannot write to data directory {}", dir.string()));
    return {};
}

Status with_file(Status s, const std::filesystem::path& file) {
    if (!s.ok()) s.message = fmt::format("{}: {}", file.string(), s.message);
    return s;
}

}  // namespace

SqliteStore::~SqliteStore() {
    try {
        if (Status s = close(); !s) spdlog::error("store: {}", s.message);
    } catch (const std::exception& e) {
        spdlog::error("store: close failed: {}", e.what());
    } catch (...) {
        spdlog::error("store: close failed");
    }
}

Status SqliteStore::open(const std::filesystem::path& data_dir, SqliteOptions options) {
    if (is_open()) return {StatusCode::error, "store is already open"};
    options_ = std::move(options);
    if (Status s = open_database(data_dir); !s || !(s = open_live())) {
        live_writer_.reset();
        writer_.reset();
        reader_.reset();
        write_db_.reset();
        return s;
    }
    {
        std::lock_guard lk(mutex_);
        accepting_ = true;
        stopping_ = false;
        abandon_ = false;
        running_ = true;
        writable_ = true;
        last_error_ = {};
        retry_delay_ = options_.retry_min;
    }
    thread_ = std::thread([this] { run_writer(); });
    core::name_thread(thread_, "store-writer");
    return {};
}

bool SqliteStore::is_open() const noexcept {
    return thread_.joinable();
}

Status SqliteStore::open_database(const std::filesystem::path& data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec)
        return errno_status(ec.value(),
                            fmt::format("cannot create data directory {}", data_dir.string()));
    if (!std::filesystem::is_directory(data_dir, ec)) {
        return {StatusCode::cannot_open,
                fmt::format("data directory {} is not a directory", data_dir.string())};
    }
    if (Status s = probe_writable(data_dir); !s) return s;

    file_ = data_dir / "ptalk.db";
    auto db = sqlite::open(file_, sqlite::OpenMode::read_write_create);
    if (!db) return db.error();
    sqlite3* h = db->get();
    if (sqlite3_db_readonly(h, "main") == 1) {
        return {StatusCode::read_only, fmt::format("{} is read-only", file_.string())};
    }
    sqlite3_busy_timeout(h, static_cast<int>(options_.busy_timeout.count()));
    // WAL: the reader never blocks the writer, and a killed process never corrupts the file.
    auto mode = sqlite::Statement::prepare(h, "PRAGMA journal_mode=WAL");
    if (!mode) return with_file(mode.error(), file_);
    if (const int rc = mode->step(); rc != SQLITE_ROW) {
        return with_file(sqlite::status_from(h, rc, "cannot set WAL mode"), file_);
    }
    if (const std::string got = mode->text(0); got != "wal") {
        return {StatusCode::error,
                fmt::format("{}: journal mode is {}, WAL is needed", file_.string(), got)};
    }
    mode->reset();
    // NORMAL in WAL mode: a commit survives a process crash; only power loss may undo the last.
    if (Status s = sqlite::exec(h, "PRAGMA synchronous=NORMAL", "cannot set synchronous"); !s) {
        return with_file(s, file_);
    }
    if (options_.max_page_count) {
        // A pragma takes no bound parameters; this is an integer we format ourselves.
        const std::string sql = fmt::format("PRAGMA max_page_count={}", *options_.max_page_count);
        if (Status s = sqlite::exec(h, sql.c_str(), "cannot set max_page_count"); !s) {
            return with_file(s, file_);
        }
    }
    if (Status s = sqlite::migrate(h, sqlite::schema_migrations()); !s) return with_file(s, file_);
    // A graceful stop ends every command; what is left unfinished was cut off by a crash.
    auto interrupted = sqlite::end_interrupted_commands(h, unix_millis_now());
    if (!interrupted) return with_file(interrupted.error(), file_);
    if (*interrupted > 0) {
        spdlog::warn(
            "{} commands were queued or in flight when ptalkd last stopped without "
            "shutting down; their outcome is now 'interrupted' (applied or not: unknown)",
            *interrupted);
    }

    auto reader = sqlite::Reader::open(file_, options_.busy_timeout);
    if (!reader) return with_file(reader.error(), file_);
    auto max_id = reader->max_command_id();
    if (!max_id) return with_file(max_id.error(), file_);
    auto writer = sqlite::BatchWriter::prepare(h);
    if (!writer) return with_file(writer.error(), file_);

    writer->set_event_retention(options_.event_retention);
    next_id_ = *max_id + 1;
    write_db_ = std::move(*db);
    writer_ = std::move(*writer);
    reader_ = std::move(*reader);
    return {};
}

void SqliteStore::upsert_device(DeviceRecord d) {
    std::lock_guard lk(mutex_);
    if (!accepting_) return;
    const bool was_empty = pending_.empty();
    if (auto it = refreshed_.find(d.id); it != refreshed_.end()) {
        // The waiting refresh is older than this upsert: it goes first.
        pending_.add(std::move(it->second));
        refreshed_.erase(it);
        ++enqueued_seq_;
    }
    added(was_empty, pending_.add(std::move(d)));
}

void SqliteStore::refresh_device(DeviceRecord d) {
    std::lock_guard lk(mutex_);
    if (!accepting_) return;
    if (pending_.devices().count(d.id) != 0) {
        added(false, pending_.add(std::move(d)));  // an upsert waits: ride along with it
        return;
    }
    // Counted in enqueued_seq_ only when it moves to pending_ (take_refreshed),
    // so that a batch that leaves it waiting does not count it as committed.
    if (refreshed_.empty()) {
        first_refreshed_at_ = Clock::now();
        wake_.notify_one();  // the writer may be waiting for a first write
    }
    auto [it, inserted] = refreshed_.try_emplace(d.id);
    if (inserted) {
        it->second = std::move(d);
    } else {
        merge_device(it->second, std::move(d));
        ++metrics_.coalesced;
    }
}

void SqliteStore::take_refreshed() {
    if (refreshed_.empty()) return;
    if (pending_.empty()) first_pending_at_ = Clock::now();
    for (auto& [id, d] : refreshed_) {
        pending_.add(std::move(d));
        ++enqueued_seq_;
    }
    refreshed_.clear();
}

SqliteStore::Clock::time_point SqliteStore::next_batch_at() const {
    auto at = Clock::time_point::max();
    if (!pending_.empty()) at = first_pending_at_ + options_.batch_window;
    if (!refreshed_.empty())
        at = std::min(at, first_refreshed_at_ + options_.device_refresh_window);
    return at;
}

void SqliteStore::put_command(CommandRecord c) {
    std::lock_guard lk(mutex_);
    if (!accepting_) return;
    const bool was_empty = pending_.empty();
    added(was_empty, pending_.add(std::move(c)));
}

void SqliteStore::append_event(EventRecord e) {
    std::lock_guard lk(mutex_);
    if (!accepting_) return;
    const bool was_empty = pending_.empty();
    pending_.add(std::move(e));
    added(was_empty, false);
}

void SqliteStore::added(bool was_empty, bool coalesced) {
    ++enqueued_seq_;
    if (coalesced) ++metrics_.coalesced;
    if (was_empty) first_pending_at_ = Clock::now();
    const std::size_t in_write = writing_.size();
    const std::size_t limit = options_.max_pending > in_write ? options_.max_pending - in_write : 0;
    metrics_.events_dropped += pending_.drop_oldest_events(limit);
    // The writer sleeps until the first write of a batch, then until the window or the size.
    if (was_empty || pending_.size() == options_.batch_max_items) wake_.notify_one();
}

std::uint64_t SqliteStore::next_command_id() noexcept {
    return next_id_.fetch_add(1, std::memory_order_relaxed);
}

void SqliteStore::run_writer() {
    std::unique_lock lk(mutex_);
    for (;;) {
        wake_.wait(
            lk, [&] { return abandon_ || stopping_ || !pending_.empty() || !refreshed_.empty(); });
        if (stopping_) take_refreshed();  // closing: everything goes
        if (abandon_ || (stopping_ && pending_.empty())) break;
        if (!writable_ && !pending_.empty()) {
            // After a failure wait out the back-off; only an abandoning close cuts it short.
            // (Refreshes alone wait for their window below, then fail or succeed as a batch.)
            wake_.wait_until(lk, retry_at_, [&] { return abandon_; });
        } else {
            const auto now_due = [&] {
                return abandon_ || stopping_ || flush_waiters_ > 0 ||
                       pending_.size() >= options_.batch_max_items;
            };
            // Until the batch is due; a first write while only refreshes wait
            // brings the deadline forward (the batch window, not the refresh window).
            for (;;) {
                const auto deadline = next_batch_at();
                const bool woken = wake_.wait_until(
                    lk, deadline, [&] { return now_due() || next_batch_at() < deadline; });
                if (!woken || now_due()) break;
            }
        }
        if (abandon_) break;
        if (stopping_ || flush_waiters_ > 0 ||
            (!refreshed_.empty() &&
             Clock::now() >= first_refreshed_at_ + options_.device_refresh_window)) {
            take_refreshed();
        }
        if (pending_.empty()) continue;  // only refreshes, not due yet
        writing_ = std::move(pending_);
        pending_ = PendingWrites{};
        const std::uint64_t seq = enqueued_seq_;
        lk.unlock();
        Result<std::size_t> written = write_batch();
        if (written) notify_committed();
        lk.lock();
        batch_done(written, seq);
    }
    running_ = false;
    done_.notify_all();
}

Result<std::size_t> SqliteStore::write_batch() {
    if (options_.fault_injector) {
        if (const int rc = options_.fault_injector(); rc != SQLITE_OK) {
            return sqlite::status_from(nullptr, rc, "cannot write batch (injected)");
        }
    }
    return writer_->write(writing_);
}

void SqliteStore::batch_done(const Result<std::size_t>& written, std::uint64_t seq) {
    if (written) {
        committed_seq_ = seq;
        ++metrics_.batches;
        metrics_.rows_written += *written;
        writing_ = PendingWrites{};
        if (!writable_) spdlog::info("store: writes to {} work again", file_.string());
        writable_ = true;
        last_error_ = {};
        retry_delay_ = options_.retry_min;
    } else {
        ++metrics_.write_errors;
        if (writable_)
            spdlog::error("store: {}; keeping writes queued and retrying", written.error().message);
        writable_ = false;
        last_error_ = with_file(written.error(), file_);
        pending_.merge_older(std::move(writing_));
        writing_ = PendingWrites{};
        metrics_.events_dropped += pending_.drop_oldest_events(options_.max_pending);
        retry_at_ = Clock::now() + retry_delay_;
        retry_delay_ = std::min(retry_delay_ * 2, options_.retry_max);
    }
    done_.notify_all();
}

Status SqliteStore::flush(std::chrono::milliseconds max_wait) {
    std::unique_lock lk(mutex_);
    if (!running_) return {StatusCode::closed, "store is closed"};
    take_refreshed();  // a flush means everything accepted so far
    const std::uint64_t target = enqueued_seq_;
    ++flush_waiters_;
    wake_.notify_one();
    done_.wait_for(lk, max_wait, [&] { return committed_seq_ >= target || !running_; });
    --flush_waiters_;
    if (committed_seq_ >= target) return {};
    if (!running_) return {StatusCode::closed, "store closed before the flush finished"};
    return {StatusCode::timeout,
            fmt::format("flush did not finish within {} ms; last write error: {}", max_wait.count(),
                        last_error_.message)};
}

Status SqliteStore::close(std::chrono::milliseconds max_wait) {
    if (!thread_.joinable()) return {};
    Status result;
    {
        std::unique_lock lk(mutex_);
        accepting_ = false;
        stopping_ = true;
        wake_.notify_one();
        if (!done_.wait_for(lk, max_wait, [&] { return !running_; })) {
            abandon_ = true;
            wake_.notify_one();
        }
    }
    thread_.join();
    {
        std::lock_guard lk(mutex_);
        if (const std::size_t lost = pending_.size() + writing_.size() + refreshed_.size();
            lost > 0) {
            result = {StatusCode::timeout,
                      fmt::format("closed with {} writes not on disk; last write error: {}", lost,
                                  last_error_.message)};
        }
        pending_ = PendingWrites{};
        writing_ = PendingWrites{};
        refreshed_.clear();
        writable_ = false;
    }
    {
        std::lock_guard rl(read_mutex_);
        reader_.reset();
    }
    if (live_writer_) live_writer_->close(max_wait);
    writer_.reset();  // its statements before their connection
    write_db_.reset();
    return result;
}

void SqliteStore::set_event_listener(EventListener listener) {
    std::lock_guard lk(mutex_);
    event_listener_ = std::move(listener);
}

void SqliteStore::notify_committed() {
    EventListener listener;
    {
        std::lock_guard lk(mutex_);
        listener = event_listener_;
    }
    if (!listener || writing_.events().empty()) return;
    const auto& ids = writer_->event_ids();
    std::vector<EventRecord> committed(writing_.events().begin(), writing_.events().end());
    for (std::size_t i = 0; i < committed.size() && i < ids.size(); ++i)
        committed[i].id = ids[i];
    try {
        listener(committed);
    } catch (const std::exception& e) {
        spdlog::error("store: event listener failed: {}", e.what());
    }
}

bool SqliteStore::writable() const noexcept {
    return writable_.load();
}

Status SqliteStore::last_error() const {
    std::lock_guard lk(mutex_);
    return last_error_;
}

StoreMetrics SqliteStore::metrics() const {
    std::lock_guard lk(mutex_);
    StoreMetrics m = metrics_;
    m.queue_depth = pending_.size() + writing_.size() + refreshed_.size();
    return m;
}

}  // namespace ptalk::store
