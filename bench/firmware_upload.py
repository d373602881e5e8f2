#!/usr/bin/env python3
"""Firmware uploads against a real ptalkd: time per upload and what they cost
the server in memory (docs/PERFORMANCE.md, "Firmware uploads").

Starts ptalkd on a free port with a fresh data directory, makes test images
with `ptalk-sim make-image`, then uploads them (POST /api/v1/firmware, the raw
image streamed from the file) one at a time and N at once, and reports the
time and ptalkd's resident memory (VmRSS before, VmHWM after: its peak).

  bench/firmware_upload.py --bin build/bench [--size-mib 6] [--parallel 8]
"""
import argparse
import concurrent.futures
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} for {pid}")


def upload(port, path, version):
    size = os.path.getsize(path)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    with open(path, "rb") as f:
        conn.request("POST", f"/api/v1/firmware?version={version}", body=f,
                     headers={"Content-Type": "application/octet-stream",
                              "Content-Length": str(size)})
        res = conn.getresponse()
        body = res.read()
    conn.close()
    if res.status != 201:
        raise RuntimeError(f"upload {version}: HTTP {res.status} {body[:200]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bench", help="build tree with apps/ptalkd and apps/ptalk-sim")
    ap.add_argument("--size-mib", type=int, default=6)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5, help="sequential uploads")
    a = ap.parse_args()
    ptalkd = os.path.join(a.bin, "apps/ptalkd/ptalkd")
    sim = os.path.join(a.bin, "apps/ptalk-sim/ptalk-sim")
    work = tempfile.mkdtemp(prefix="ptalk-fwbench-")
    port = free_port()
    proc = subprocess.Popen([ptalkd, "--port", str(port), "--data-dir", os.path.join(work, "data"),
                             "--log-level", "warn"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        size = a.size_mib * 1024 * 1024
        images = []
        for i in range(a.rounds + a.parallel):
            path = os.path.join(work, f"img{i}.bin")
            subprocess.run([sim, "make-image", "--version", f"9.0.{i}", "--size", str(size),
                            "--seed", str(i + 1), "-o", path], check=True,
                           stdout=subprocess.DEVNULL)
            images.append((path, f"9.0.{i}"))
        rss0 = proc_kib(proc.pid, "VmRSS")
        times = []
        for path, version in images[:a.rounds]:
            t = time.perf_counter()
            upload(port, path, version)
            times.append(time.perf_counter() - t)
        rss_seq = proc_kib(proc.pid, "VmHWM")
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(a.parallel) as ex:
            list(ex.map(lambda iv: upload(port, *iv), images[a.rounds:]))
        par = time.perf_counter() - t
        hwm = proc_kib(proc.pid, "VmHWM")
        times.sort()
        med = times[len(times) // 2]
        print(f"image {a.size_mib} MiB; ptalkd VmRSS before uploads {rss0 / 1024:.1f} MiB")
        print(f"one at a time ({a.rounds}): median {med * 1000:.0f} ms "
              f"({a.size_mib / med:.0f} MiB/s incl. fsync), peak RSS {rss_seq / 1024:.1f} MiB")
        print(f"{a.parallel} at once: {par * 1000:.0f} ms for {a.parallel * a.size_mib} MiB "
              f"({a.parallel * a.size_mib / par:.0f} MiB/s), peak RSS {hwm / 1024:.1f} MiB "
              f"(+{(hwm - rss0) / 1024:.1f} MiB over {a.parallel * a.size_mib} MiB uploaded at once)")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
