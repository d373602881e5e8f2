-- The seed guide's endpoint: POST /api/device/{id}/config?volume=&brightness=
-- on a random device (two device commands per request).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

wrk.method = "POST"

function request()
  local path = string.format("/api/device/%s/config?volume=%d&brightness=%d",
                             random_device(), math.random(0, 100), math.random(0, 100))
  return wrk.format(nil, path)
end
