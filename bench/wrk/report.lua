-- Shared by the wrk scripts: random device ids of a ptalk-sim fleet, and a
-- JSON summary on the last line of wrk's output.
local devices = tonumber(os.getenv("BENCH_DEVICES") or "1000")
local prefix = os.getenv("BENCH_ID_PREFIX") or "24a160"
local id_format = prefix .. "%0" .. (12 - #prefix) .. "x"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
end

-- ptalk-sim's ids: the prefix and the device's index in hex, 12 digits in all.
function random_device()
  return string.format(id_format, math.random(0, devices - 1))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,' ..
    '"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
