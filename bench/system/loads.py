"""The load generators: a ptalk-sim fleet, wrk, and ptalk-rate-load."""
import json
import os
import resource
import subprocess
import time

import procs

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ID_PREFIX = "24a160"  # ptalk-sim's default: ids are the prefix and the index in hex


class SimFleet:
    """N firmware-profile devices holding a WebSocket to the server, for at most `max_s`."""

    def __init__(self, binary, workdir, port, count, max_s=600, connect_rate=100000):
        self.stats_path = os.path.join(workdir, f"sim-{port}-{count}.json")
        self.cmd = [binary, "--url", f"ws://127.0.0.1:{port}/ws", "--count", str(count),
                    "--connect-rate", str(connect_rate), "--threads", "2",
                    "--duration", str(max_s), "--stats-json", self.stats_path,
                    "--no-summary", "--log-level", "error"]
        self.log = os.path.join(workdir, f"sim-{port}-{count}.log")
        self.proc = None
        self.started_at = None

    def start(self):
        self.started_at = time.monotonic()
        self.proc = procs.start(self.cmd, self.log)
        return self

    def stop(self):
        procs.stop(self.proc, timeout=30)
        try:
            with open(self.stats_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}


def _last_json_line(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON summary in:\n" + text)


def wrk(script, port, devices, seconds, connections=64, threads=1):
    """Closed-loop HTTP load; returns the JSON summary of bench/wrk/report.lua."""
    env = {**os.environ, "BENCH_WRK_DIR": os.path.join(BENCH, "wrk"),
           "BENCH_DEVICES": str(devices), "BENCH_ID_PREFIX": ID_PREFIX}
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", os.path.join(BENCH, "wrk", script), f"http://127.0.0.1:{port}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = _last_json_line(out)
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["wrk_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r


def rate_load(binary, port, devices, rate, seconds, connections=64):
    """Open-loop, fixed-rate command API load; latencies from the scheduled times."""
    cmd = [binary, "--port", str(port), "--rate", str(rate), "--duration", str(seconds),
           "--connections", str(connections), "--devices", str(devices), "--id-prefix", ID_PREFIX]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    return _last_json_line(p.stdout)
