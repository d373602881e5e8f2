#pragma once
// Records and a raw connection for the store tests.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite.hpp"
#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace ptalk::store::test {

inline std::unique_ptr<SqliteStore> open_store(const std::filesystem::path& dir,
                                               SqliteOptions options = {}) {
    auto s = std::make_unique<SqliteStore>();
    const Status st = s->open(dir, std::move(options));
    EXPECT_TRUE(st.ok()) << st.message;
    return s;
}

inline DeviceRecord device(std::string id, UnixMillis seen = 1'700'000'000'000) {
    DeviceRecord d;
    d.id = std::move(id);
    d.first_seen = seen;
    d.last_seen = seen;
    d.online = true;
    return d;
}

inline CommandRecord command(std::uint64_t id, std::string device_id = "aabbccddeeff") {
    CommandRecord c;
    c.id = id;
    c.device_id = std::move(device_id);
    c.cmd = "set_volume";
    c.params = R"({"volume":30})";
    c.requested_by = "api";
    c.queued_at = 1'700'000'000'000 + static_cast<UnixMillis>(id);
    return c;
}

inline EventRecord event(std::string type, std::optional<std::string> device_id = std::nullopt) {
    EventRecord e;
    e.time = 1'700'000'000'000;
    e.type = std::move(type);
    e.device_id = std::move(device_id);
    return e;
}

// A connection of its own, to see what is really on disk (no overlay).
inline std::int64_t count_rows(const std::filesystem::path& file, const std::string& table) {
    auto db = sqlite::open(file, sqlite::OpenMode::read_only);
    if (!db) return -1;
    auto s = sqlite::Statement::prepare(db->get(), "SELECT COUNT(*) FROM " + table);
    if (!s || s->step() != 100 /* SQLITE_ROW */) return -1;
    return s->int64(0);
}

// Column `col` of every row a query returns, on a connection of its own (no
// overlay). EXPLAIN QUERY PLAN's detail is column 3.
inline std::vector<std::string> query_texts(const std::filesystem::path& file,
                                            const std::string& sql, int col = 0) {
    std::vector<std::string> out;
    auto db = sqlite::open(file, sqlite::OpenMode::read_only);
    if (!db) return out;
    auto s = sqlite::Statement::prepare(db->get(), sql);
    if (!s) return out;
    while (s->step() == 100 /* SQLITE_ROW */)
        out.push_back(s->text(col));
    return out;
}

}  // namespace ptalk::store::test
