#!/usr/bin/env python3
"""Firmware-update benchmarks of docs/PERFORMANCE.md (issue 4).

  1. One device, a 1 MiB image: window 1 (the firmware team's stop-and-wait)
     against the default window, with the simulator's acks immediate and 5 ms
     late (a far network: --ack-latency-ms) and 5 ms slow (a slow flash:
     --ack-delay-ms, the device stalls).
  2. N devices (default 500) x 1 MiB at once, through one rollout.
  3. ptalkd's CPU seconds per MiB acknowledged, from /proc.

Each case runs its own ptalkd (Release build) and ptalk-sim on 127.0.0.1.
Usage: bench/system/ota.py --build build/bench [--devices 500] [--out DIR]
"""
import argparse
import json
import sqlite3
import statistics
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import procs  # noqa: E402

MIB = 1024 * 1024


class Server:
    def __init__(self, build, workdir, flags):
        self.port = procs.free_port()
        self.data = os.path.join(workdir, f"data-{self.port}")
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = procs.start(
            [os.path.join(build, "apps/ptalkd/ptalkd"), "--listen", "127.0.0.1", "--port",
             str(self.port), "--data-dir", self.data, "--log-level", "warn"] + flags,
            os.path.join(workdir, f"ptalkd-{self.port}.log"))
        if not procs.wait_until(self._ready, 20):
            raise RuntimeError("ptalkd did not start")

    def _ready(self):
        try:
            return procs.http("GET", self.base + "/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def _token(self):
        path = os.path.join(self.data, "admin.token")
        return open(path).read().strip() if os.path.exists(path) else None

    def call(self, method, path, body=None, content_type="application/json", timeout=30):
        req = urllib.request.Request(self.base + path, data=body, method=method)
        req.add_header("Content-Type", content_type)
        token = self._token()
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def cpu(self):
        return procs.cpu_seconds(self.proc.pid)

    def stop(self):
        procs.stop(self.proc)


def make_image(build, workdir, version, size):
    path = os.path.join(workdir, f"fw-{version}.bin")
    sim = os.path.join(build, "apps/ptalk-sim/ptalk-sim")
    p = procs.start([sim, "make-image", "--version", version, "--size", str(size), "-o", path],
                    os.path.join(workdir, "make-image.log"))
    p.wait()
    return open(path, "rb").read()


def online(server):
    status, body = server.call("GET", "/api/v1/devices?online=true&limit=1")
    return body.get("total", 0) if status == 200 else 0


def transfer_times(db_path):
    """The elapsed_ms of every transfer that ended with the device restarting
    (ota.transfer_ended): the transfer alone, without the restart and the proof."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT data FROM events WHERE type = 'ota.transfer_ended'").fetchall()
    out = []
    for (data,) in rows:
        d = json.loads(data)
        if d.get("end") == "restarting":
            out.append(d["elapsed_ms"])
    return out


def run_case(build, workdir, image, devices, window, sim_flags, label):
    flags = [] if window is None else ["--ota-window", str(window)]
    server = Server(build, workdir, flags)
    status, body = server.call("POST", "/api/v1/firmware?version=2.0.0", image,
                               "application/octet-stream", timeout=120)
    if status != 201:
        raise RuntimeError(f"upload failed: {status} {body}")
    sim = procs.start(
        [os.path.join(build, "apps/ptalk-sim/ptalk-sim"), "--url",
         f"ws://127.0.0.1:{server.port}/ws", "--count", str(devices), "--firmware-version",
         "1.0.0", "--reboot-delay-ms", "300", "--no-summary", "--connect-rate", "2000"] +
        sim_flags, os.path.join(workdir, f"sim-{server.port}.log"))
    if not procs.wait_until(lambda: online(server) >= devices, 120, 0.2):
        raise RuntimeError(f"{label}: devices did not come online")
    time.sleep(1)  # the post-handshake status replies
    cpu0 = server.cpu()
    t0 = time.monotonic()
    status, body = server.call("POST", "/api/v1/rollouts", json.dumps({
        "version": "2.0.0", "target": "all", "batch_percent": 100,
        "max_concurrent": devices, "failure_threshold_percent": 100}).encode())
    if status != 201:
        raise RuntimeError(f"rollout refused: {status} {body}")
    rid = body["id"]

    def done():
        s, b = server.call("GET", f"/api/v1/rollouts/{rid}?devices=false")
        return b if s == 200 and b["state"] in ("completed", "cancelled", "paused") else None

    final = procs.wait_until(done, 600, 0.1)
    elapsed = time.monotonic() - t0
    cpu = server.cpu() - cpu0
    procs.stop(sim)
    server.stop()
    transfer_ms = transfer_times(os.path.join(server.data, "ptalk.db"))
    counts = final["counts"] if final else {}
    mib = len(image) * counts.get("succeeded", 0) / MIB
    result = {"case": label, "devices": devices, "window": window or "default",
              "sim": " ".join(sim_flags), "seconds": round(elapsed, 2), "counts": counts,
              "cpu_s": round(cpu, 2), "cpu_s_per_mib": round(cpu / mib, 4) if mib else None,
              "transfer_ms_median": statistics.median(transfer_ms) if transfer_ms else None,
              "state": final["state"] if final else "timeout"}
    print(json.dumps(result), flush=True)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--devices", type=int, default=500, help="0: only the one-device cases")
    ap.add_argument("--only-fleet", action="store_true", help="only the N-devices case")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    workdir = tempfile.mkdtemp(prefix="ptalk-ota-bench-")
    image = make_image(build, workdir, "2.0.0", MIB)
    results = []
    cases = () if args.only_fleet else (([], "acks at once"), (["--ack-latency-ms", "5"], "acks 5 ms late"),
                            (["--ack-delay-ms", "5"], "flash 5 ms per chunk"))
    for sim_flags, what in cases:
        for window in (1, None):
            results.append(run_case(build, workdir, image, 1, window, sim_flags,
                                    f"1 device, {what}"))
    if args.devices > 0:
        results.append(run_case(build, workdir, image, args.devices, None, [],
                                f"{args.devices} devices at once"))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "ota.json"), "w") as f:
            json.dump(results, f, indent=1)
    print("\n| case | window | seconds | transfer ms (median) | ptalkd CPU s | CPU s/MiB | result |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['case']} | {r['window']} | {r['seconds']} | {r['transfer_ms_median']} | "
              f"{r['cpu_s']} | {r['cpu_s_per_mib']} | "
              f"{r['state']} {r['counts'].get('succeeded', 0)}/{r['devices']} |")


if __name__ == "__main__":
    main()
