"""System benchmarks: ptalkd and the reference servers under the same load, in one run.

For each server and fleet size: a fresh server, its RSS, a ptalk-sim fleet
connecting as fast as it can (connect+handshake rate), the RSS once the fleet is
idle. At the load size (5 000 devices) also the seed endpoint under wrk (requests/s,
server CPU per 10 000 requests, every command in ptalkd's audit log), and for
ptalkd the command API waiting for each reply: wrk at full speed, then
ptalk-rate-load at half that rate for the latency, and again at 12 500/s: half of
the issue's 25 000 round trips/s, the target's own reading of "half that rate".
Writes results.json into --out; bench/system/report.py turns it into tables.
"""
import argparse
import json
import os
import platform
import time

import audit
import loads
import procs
import servers


def connected_count(server):
    try:
        return server.connected()
    except OSError:  # a server too busy to answer in time
        return 0


def measure_fleet(server, sim_binary, workdir, count):
    """Starts a fleet; returns the fleet and the connect/RSS figures."""
    time.sleep(1)
    rss0 = procs.rss_kib(server.pid)
    cpu0 = procs.cpu_seconds(server.pid)
    fleet = loads.SimFleet(sim_binary, workdir, server.port, count).start()
    connected = procs.wait_until(lambda: connected_count(server) >= count and time.monotonic(),
                                 timeout=max(60, count / 100), interval=0.05)
    if not connected:
        return fleet, {"devices": count, "failed": f"{connected_count(server)} of {count} "
                       "devices connected in time", "sim": fleet.stop()}
    seconds = connected - fleet.started_at
    server_cpu = procs.cpu_seconds(server.pid) - cpu0
    sim_cpu = procs.cpu_seconds(fleet.proc.pid)
    time.sleep(3)  # post-handshake status requests answered, the fleet idle
    cpu1 = procs.cpu_seconds(server.pid)
    time.sleep(5)
    idle_cpu = (procs.cpu_seconds(server.pid) - cpu1) / 5
    rss1 = procs.rss_kib(server.pid)
    return fleet, {"devices": count, "connect_seconds": round(seconds, 3),
                   "handshakes_per_s": round(count / seconds),
                   "server_cpu_us_per_handshake": round(server_cpu / count * 1e6),
                   "sim_cpu_us_per_handshake": round(sim_cpu / count * 1e6),
                   "rss_before_kib": rss0, "rss_after_kib": rss1,
                   "rss_per_device_kib": round((rss1 - rss0) / count, 2),
                   "idle_cpu_per_s": round(idle_cpu, 3), "loadavg": procs.loadavg()}


def seed_load(server, fleet, devices, seconds):
    is_ptalkd = isinstance(server, servers.Ptalkd)
    before = server.metrics() if is_ptalkd else None
    cpu0, sim0 = procs.cpu_seconds(server.pid), procs.cpu_seconds(fleet.proc.pid)
    w = loads.wrk("seed.lua", server.port, devices, seconds)
    cpu = procs.cpu_seconds(server.pid) - cpu0
    sim = procs.cpu_seconds(fleet.proc.pid) - sim0
    n = w["requests"]
    r = {"requests": n, "rps": round(w["rps"]), "errors": w["errors"],
         "latency_us": w["latency_us"], "cpu_seconds": cpu,
         "cpu_s_per_10k_requests": round(cpu / n * 10000, 3),
         # each request carries volume and brightness: two device commands
         "cpu_s_per_10k_device_commands": round(cpu / (2 * n) * 10000, 3),
         "cpu_us_per_request": {"server": round(cpu / n * 1e6, 1),
                                "sim": round(sim / n * 1e6, 1),
                                "wrk": round(w["wrk_cpu_seconds"] / n * 1e6, 1)},
         "loadavg": procs.loadavg()}
    if is_ptalkd:
        ids = [f"{loads.ID_PREFIX}{i:06x}" for i in range(devices)]
        r["audit"] = audit.seed_commands(server, before, ids)
    return r


# Half of the 25 000 API round trips/s: its p99 target read literally.
TARGET_HALF_RATE = 12_500


def command_load(server, fleet, rate_binary, devices, seconds):
    before = server.metrics()
    cpu0 = procs.cpu_seconds(server.pid), procs.cpu_seconds(fleet.proc.pid)
    w = loads.wrk("command.lua", server.port, devices, seconds)
    cpu1 = procs.cpu_seconds(server.pid), procs.cpu_seconds(fleet.proc.pid)
    after = server.metrics()
    outcomes = {k: int(after[k] - before.get(k, 0)) for k in after
                if k.startswith("ptalk_commands_total") and after[k] != before.get(k, 0)}
    full = {"requests": w["requests"], "rps": round(w["rps"]), "errors": w["errors"],
            "latency_us": w["latency_us"], "outcomes": outcomes, "loadavg": procs.loadavg(),
            # CPU per round trip of each party: the load generators share the 2 cores.
            "cpu_us_per_round_trip": {
                "server": round((cpu1[0] - cpu0[0]) / w["requests"] * 1e6, 1),
                "sim": round((cpu1[1] - cpu0[1]) / w["requests"] * 1e6, 1),
                "wrk": round(w["wrk_cpu_seconds"] / w["requests"] * 1e6, 1)}}
    half_rate = max(1, round(w["rps"] / 2))
    time.sleep(2)
    half = loads.rate_load(rate_binary, server.port, devices, half_rate, seconds)
    half["loadavg"] = procs.loadavg()
    time.sleep(2)
    target = loads.rate_load(rate_binary, server.port, devices, TARGET_HALF_RATE, seconds)
    target["loadavg"] = procs.loadavg()
    return {"max": full, "half_rate": half, "target_half_rate": target}


def run_one(server, args, count):
    server.start()
    fleet = None
    try:
        fleet, r = measure_fleet(server, args.sim, args.out, count)
        if "failed" in r:
            fleet = None
            print(f"  {server.name} {count}: {r['failed']}", flush=True)
            return r
        print(f"  {server.name} {count}: {r['handshakes_per_s']} handshakes/s, "
              f"{r['rss_per_device_kib']} KiB/device", flush=True)
        if count == args.load_devices and server.loads:
            r["seed"] = seed_load(server, fleet, count, args.seconds)
            print(f"  {server.name} seed endpoint: {r['seed']['rps']} req/s, "
                  f"{r['seed']['cpu_s_per_10k_requests']} CPU-s/10k", flush=True)
            if isinstance(server, servers.Ptalkd):
                r["commands"] = command_load(server, fleet, args.rate_load, count, args.seconds)
                c = r["commands"]
                print(f"  ptalkd command API: {c['max']['rps']} round trips/s; at "
                      f"{c['half_rate']['rate']}/s p99 {c['half_rate']['p99_ms']} ms; at "
                      f"{TARGET_HALF_RATE}/s p99 {c['target_half_rate']['p99_ms']} ms", flush=True)
        r["sim"] = fleet.stop()
        fleet = None
        return r
    finally:
        if fleet:
            fleet.stop()
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="Release build tree")
    ap.add_argument("--out", required=True, help="directory for results and logs")
    ap.add_argument("--sizes", default="1000,5000,15000")
    ap.add_argument("--load-devices", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=10, help="length of each HTTP load")
    ap.add_argument("--servers", default="ptalkd,ptalkd-nostatus,node,fastapi")
    args = ap.parse_args()
    args.sim = os.path.join(args.build, "apps/ptalk-sim/ptalk-sim")
    args.rate_load = os.path.join(args.build, "bench/ptalk-rate-load")
    os.makedirs(args.out, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]

    ptalkd = os.path.join(args.build, "apps/ptalkd/ptalkd")
    make = {"ptalkd": lambda: servers.Ptalkd(args.out, ptalkd),
            "ptalkd-nostatus": lambda: servers.Ptalkd(args.out, ptalkd, status_after_handshake=False),
            "node": lambda: servers.node(args.out), "fastapi": lambda: servers.fastapi(args.out)}
    report = {"machine": {"nproc": os.cpu_count(), "kernel": platform.release(),
                          "cpu": cpu_model(), "loadavg_start": procs.loadavg()},
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "load_devices": args.load_devices,
              "servers": {}}
    # Servers take turns at each size, so that other work on the machine hits them alike.
    for count in sizes:
        print(f"{count} devices:", flush=True)
        for name in args.servers.split(","):
            r = run_one(make[name](), args, count)
            report["servers"].setdefault(name, []).append(r)
    report["machine"]["loadavg_end"] = procs.loadavg()
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"results: {path}")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


if __name__ == "__main__":
    main()
