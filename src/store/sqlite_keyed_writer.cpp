#include "store/sqlite_keyed_writer.hpp"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

#include "core/thread_name.hpp"

namespace ptalk::store::sqlite {

KeyedWriter::~KeyedWriter() {
    close(std::chrono::seconds(10));
}

Status KeyedWriter::open(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout,
                         std::chrono::milliseconds window) {
    auto db = sqlite::open(file, OpenMode::read_write_create);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->get(), static_cast<int>(busy_timeout.count()));
    db_ = std::move(*db);
    window_ = window;
    running_ = true;
    thread_ = std::thread([this] { run(); });
    core::name_thread(thread_, "store-keyed");
    return {};
}

void KeyedWriter::put(std::string key, Op op, std::function<void()> on_committed) {
    std::lock_guard lk(mutex_);
    if (!running_ || stopping_) return;
    const bool was_empty = pending_.empty();
    auto& e = pending_[std::move(key)];
    e.op = std::move(op);
    if (on_committed) e.on_committed.push_back(std::move(on_committed));
    ++put_seq_;
    if (was_empty) wake_.notify_one();
}

void KeyedWriter::run() {
    std::unique_lock lk(mutex_);
    auto retry_delay = std::chrono::milliseconds(100);
    for (;;) {
        wake_.wait(lk, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty()) break;  // stopping and drained
        if (!stopping_) wake_.wait_for(lk, window_, [&] { return stopping_; });
        auto batch = std::move(pending_);
        pending_.clear();
        const auto seq = put_seq_;
        lk.unlock();
        Status st;
        {
            Transaction txn(db_.get());
            st = txn.begin();
            for (auto it = batch.begin(); st && it != batch.end(); ++it)
                st = it->second.op(db_.get());
            if (st) st = txn.commit();
        }
        if (st) {
            for (auto& [k, e] : batch)
                for (auto& f : e.on_committed)
                    f();
        }
        lk.lock();
        if (st) {
            committed_seq_ = seq;
            last_error_ = {};
            retry_delay = std::chrono::milliseconds(100);
        } else {
            spdlog::error("store (live tables): {}; retrying", st.message);
            last_error_ = st;
            for (auto& [k, e] : batch) {
                auto [it, fresh] = pending_.try_emplace(k, std::move(e));  // a newer put wins
                if (!fresh)
                    for (auto& f : e.on_committed)
                        it->second.on_committed.push_back(std::move(f));
            }
            if (stopping_) break;
            wake_.wait_for(lk, retry_delay, [&] { return stopping_; });
            retry_delay = std::min(retry_delay * 2, std::chrono::milliseconds(5000));
        }
        done_.notify_all();
    }
    running_ = false;
    done_.notify_all();
}

Status KeyedWriter::flush(std::chrono::milliseconds max_wait) {
    std::unique_lock lk(mutex_);
    const auto target = put_seq_;
    if (!running_) return committed_seq_ >= target ? Status{} : last_error_;
    wake_.notify_one();
    if (!done_.wait_for(lk, max_wait, [&] { return committed_seq_ >= target || !running_; }))
        return {StatusCode::timeout, "live tables did not flush in time: " + last_error_.message};
    return committed_seq_ >= target ? Status{} : last_error_;
}

void KeyedWriter::close(std::chrono::milliseconds max_wait) {
    if (!thread_.joinable()) return;
    {
        std::unique_lock lk(mutex_);
        stopping_ = true;
        wake_.notify_all();
        done_.wait_for(lk, max_wait, [&] { return !running_; });
        if (running_) pending_.clear();  // give up: the thread exits after this batch
        wake_.notify_all();
    }
    thread_.join();
    db_.reset();
}

}  // namespace ptalk::store::sqlite
