#pragma once
// A second, small writer for low-rate tables (issue 6: desired state, queued
// commands): its own connection and thread, writes coalesced per key (the
// later write of a key replaces the earlier), committed in one transaction a
// short window after the first one. A failed batch is kept and retried.
// WAL lets it commit beside the main writer (busy_timeout serialises them).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite.hpp"
#include "store/status.hpp"

namespace ptalk::store::sqlite {

class KeyedWriter {
  public:
    using Op = std::function<Status(sqlite3*)>;

    KeyedWriter() = default;
    ~KeyedWriter();
    KeyedWriter(const KeyedWriter&) = delete;
    KeyedWriter& operator=(const KeyedWriter&) = delete;

    [[nodiscard]] Status open(const std::filesystem::path& file,
                              std::chrono::milliseconds busy_timeout,
                              std::chrono::milliseconds window);
    // `on_committed` (if any) runs on the writer's thread after the transaction
    // holding this op (or a later op of the same key) committed.
    void put(std::string key, Op op, std::function<void()> on_committed = {});
    // Waits until everything put before the call is committed.
    Status flush(std::chrono::milliseconds max_wait);
    // Drains (up to max_wait) and stops. Idempotent.
    void close(std::chrono::milliseconds max_wait);

  private:
    void run();

    Db db_;
    std::chrono::milliseconds window_{20};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    struct Entry {
        Op op;
        std::vector<std::function<void()>> on_committed;
    };
    std::map<std::string, Entry> pending_;
    std::uint64_t put_seq_ = 0;
    std::uint64_t committed_seq_ = 0;
    Status last_error_;
    bool stopping_ = false;
    bool running_ = false;
    std::thread thread_;
};

}  // namespace ptalk::store::sqlite
