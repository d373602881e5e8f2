#pragma once
// The desired-state upsert, shared by put_desired (sqlite_store_live.cpp) and a
// job's put_desired_many (sqlite_store_jobs.cpp): never over a newer version,
// since single puts and a job's batch may commit in either order within one
// transaction.
#include <string_view>

namespace ptalk::store::sqlite {

inline constexpr std::string_view put_desired_sql = R"sql(
INSERT INTO desired_state (device_id, volume, brightness, device_name, version,
                           updated_at, updated_by)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (device_id) DO UPDATE SET
    volume = excluded.volume, brightness = excluded.brightness,
    device_name = excluded.device_name, version = excluded.version,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by
WHERE excluded.version >= desired_state.version
)sql";

}  // namespace ptalk::store::sqlite
