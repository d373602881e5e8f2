-- The command API, waiting for the device's reply:
-- POST /api/v1/devices/{id}/commands {"cmd":"set_volume","volume":N} on a random device.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  local path = "/api/v1/devices/" .. random_device() .. "/commands"
  return wrk.format(nil, path, nil,
                    string.format('{"cmd":"set_volume","volume":%d}', math.random(0, 100)))
end
