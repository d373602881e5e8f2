"""Issue 6 benchmarks: a config job over N online devices (the simulated fleet
spread over processes, each well under the 20 000 fd limit), and the events per
second one SSE client receives while that job runs (every device changes its
volume and its command history: ~2 events per device, plus one desired.changed for the job).

Usage: python3 bench/system/live_bench.py --build build/bench [--devices 15000] [--per-process 7500]
Prints one JSON object (and writes it to --out when given).
"""
import argparse
import json
import os
import re
import socket
import tempfile
import threading
import time
import urllib.request

import loads
import procs
import servers


class SseCounter(threading.Thread):
    """Reads GET /api/v1/events and counts events (their "id:" lines) with arrival times.
    A client the server drops as too slow reconnects with Last-Event-ID, as a real
    one would; reconnects are counted."""

    def __init__(self, port, query=""):
        super().__init__(daemon=True)
        self.port, self.query = port, query
        self.count = 0
        self.reconnects = 0
        self.last_id = None
        self.first = None
        self.last = None
        self.stop = False

    def _socket(self):
        return socket.create_connection(("127.0.0.1", self.port))

    def _connect(self):
        sock = self._socket()
        resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id else ""
        sock.sendall(f"GET /api/v1/events{self.query} HTTP/1.1\r\nHost: x\r\n{resume}\r\n"
                     .encode())
        return sock

    def run(self):
        sock = self._connect()
        tail = b""
        while not self.stop:
            try:
                data = sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                if self.stop:
                    break
                self.reconnects += 1
                sock = self._connect()
                tail = b""
                continue
            buf = tail + data
            ids = [int(x) for x in re.findall(rb"\nid: (\d+)\n", buf)]
            tail = buf[-32:]
            fresh = [i for i in ids if self.last_id is None or i > self.last_id]
            if fresh:
                now = time.monotonic()
                self.first = self.first or now
                self.last = now
                self.count += len(fresh)
                self.last_id = fresh[-1]


def connected(server):
    try:
        return server.connected()
    except OSError:  # a server too busy to answer in time
        return 0


def job_if_done(url):
    try:
        j = procs.http_json(url, timeout=30)
    except OSError:
        return None
    return j if j["state"] == "finished" else None


def post_json(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--devices", type=int, default=15000)
    ap.add_argument("--per-process", type=int, default=7500)
    ap.add_argument("--max-concurrent", type=int, default=5000)
    ap.add_argument("--out")
    a = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="ptalk-live-bench-")
    server = servers.Ptalkd(workdir, os.path.join(a.build, "apps/ptalkd/ptalkd")).start()
    sim = os.path.join(a.build, "apps/ptalk-sim/ptalk-sim")
    fleets = []
    for offset in range(0, a.devices, a.per_process):
        n = min(a.per_process, a.devices - offset)
        f = loads.SimFleet(sim, workdir, server.port, n)
        f.cmd += ["--id-offset", str(offset)]
        f.stats_path = os.path.join(workdir, f"sim-{offset}.json")
        f.log = os.path.join(workdir, f"sim-{offset}.log")
        fleets.append(f.start())
    result = {"devices": a.devices, "sim_processes": len(fleets), "nproc": os.cpu_count()}
    try:
        if not procs.wait_until(lambda: connected(server) >= a.devices, timeout=300,
                                interval=0.5):
            raise SystemExit(f"only {connected(server)} of {a.devices} devices connected")
        time.sleep(5)  # post-handshake status requests answered
        result["loadavg_before"] = procs.loadavg()
        sse = SseCounter(server.port)
        sse.start()
        time.sleep(0.5)
        cpu0 = procs.cpu_seconds(server.pid)
        t0 = time.monotonic()
        job = post_json(server.base + "/api/v1/jobs",
                        {"action": "config", "params": {"volume": 33}, "target": "all",
                         "max_concurrent": a.max_concurrent})
        href = server.base + job["href"] + "?devices=false"
        done = procs.wait_until(lambda: job_if_done(href), timeout=300, interval=0.02)
        wall = time.monotonic() - t0
        if not done:
            raise SystemExit("the job did not finish in 300 s")
        result["job_wall_seconds"] = round(wall, 3)
        result["job_server_seconds"] = round((done["finished_at_ms"] - done["created_at_ms"]) / 1000,
                                             3)
        result["job_totals"] = done["totals"]
        result["server_cpu_seconds"] = round(procs.cpu_seconds(server.pid) - cpu0, 2)
        time.sleep(2)  # the events of the job's end reach the client
        sse.stop = True
        result["sse_events"] = sse.count
        result["sse_reconnects"] = sse.reconnects
        if sse.first and sse.last and sse.last > sse.first:
            result["sse_seconds"] = round(sse.last - sse.first, 3)
            result["sse_events_per_s"] = round(sse.count / (sse.last - sse.first))
        result["loadavg_after"] = procs.loadavg()
    finally:
        for f in fleets:
            f.stop()
        server.stop()
    print(json.dumps(result))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
