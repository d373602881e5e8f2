"""Soak: ptalkd under everything at once for a while, then a check that nothing was lost.

Three simulated fleets with the field's faults (Wi-Fi drops, voice noise, devices
that never reply, reboots, BLE mode, spec-profile devices, OTA transfers that are
cut off or never boot), a firmware rollout over one of them, an SSE client, API
clients calling every endpoint with good and bad input, config jobs and a webhook
(soak_live.py). At the end:

- ptalkd is alive, /healthz is 200 and no answer was a 500 or a broken connection;
- every answer had a status its endpoint may give (docs/API.md);
- every command accepted with ?wait=false is in the audit log and finished;
- every device's queue is empty again and the store's queue is drained;
- the rollout ended (completed or paused by its failure threshold), none stuck;
- every config job started during the load finished with every device done;
- a webhook for job, rollout and device.offline events received every one of
  them that the store holds, within 2 minutes of the load (at least once; its
  receiver refuses some first attempts, so retries are exercised too);
- SIGTERM ends ptalkd with exit code 0, and its log has no sanitizer report.

With --kills N, ptalkd is also killed (SIGKILL) N times during the load and
started again at once on the same port and data: clients may then lose their
connection for a few seconds, and a command accepted in the last second before
a kill may be gone (docs/STORE.md: a kill loses at most the last batch window);
everything else above must still hold, and a command cut off by the kill must
read `interrupted`.

With --tls, ptalkd gets a throwaway self-signed certificate and everything goes
over TLS: the devices over wss://, the API clients and the SSE client over https.

RSS and open files are sampled throughout, to show growth. Run it on the test
build (AddressSanitizer) to catch memory errors too:

    python3 bench/system/soak.py --build build/test --minutes 5
    python3 bench/system/soak.py --build build/bench --minutes 30 --devices 3000

Prints a JSON summary; exits 1 when a check failed.
"""
import argparse
import collections
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import live_bench
import procs
import servers
import soak_live

# What each call may answer (docs/API.md). A command's outcome maps to 200, 409
# (offline, disconnected, device_busy), 422 (the device refused), 429 (its queue is
# full), 502 (the device said error), 504 (no reply in time).
COMMAND = {200, 400, 409, 422, 429, 502, 504}
ALLOWED = {
    "command": COMMAND,
    "command_async": {202, 400, 409},
    "config": {200, 207, 400, 409, 422, 429, 502, 504},
    "reboot": COMMAND,
    "status": COMMAND,
    "seed": {200, 404},
    "device": {200},
    "devices": {200},
    "history": {200},
    "command_get": {200},
    "unknown_device": {404},
    "bad_json": {400},
    "bad_param": {400, 422},
    "wrong_method": {405},
    "too_big": {413},
    "wifi": {422},
}


class Client:
    """One keep-alive HTTP connection; reconnects when the server closed it (after a 4xx
    that ends the connection), and counts every other broken connection."""

    def __init__(self, port, tls=False):
        self.port, self.tls = port, tls
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = (http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                                         context=procs.UNVERIFIED_TLS)
                             if self.tls else
                             http.client.HTTPConnection("127.0.0.1", self.port, timeout=30))
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between two requests: retry
                # once on a new one. A second failure is a real one.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise


def too_big(port, path, tls):
    """A 2 MiB body announced: ptalkd answers 413 after the headers and closes, so the body
    is not sent (a client sending it would hear a reset mid-send, not the answer)."""
    with procs.connect(port, tls) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {2 << 20}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data


class Soak:
    def __init__(self, args, ptalkd, ids, ota_ids):
        self.args, self.ptalkd, self.ids, self.ota_ids = args, ptalkd, ids, ota_ids
        self.counts = collections.Counter()   # (kind, status)
        self.bad = []                          # unexpected answers, first 50
        self.errors = []                       # exceptions (broken connections...)
        self.async_ids = []                    # (command id, time accepted)
        self.kills = []                        # monotonic times of the kills
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def near_kill(self, t, before=1.0, after=15.0):
        """Whether `t` falls in the window around a kill where losses are allowed."""
        with self.lock:
            return any(k - before <= t <= k + after for k in self.kills)

    def record(self, kind, status, body):
        # Around a kill a command may be cut off (503 while ptalkd stops or starts)
        # and one accepted just before may be gone (404).
        near = self.near_kill(time.monotonic())
        with self.lock:
            self.counts[(kind, status)] += 1
            if near and status in (404, 503):
                return
            if status not in ALLOWED[kind] and len(self.bad) < 50:
                self.bad.append({"kind": kind, "status": status, "body": body[:300].decode(
                    "utf-8", "replace")})

    def one(self, c, rnd):
        dev = rnd.choice(self.ids)
        base = f"/api/v1/devices/{dev}"
        js = {"Content-Type": "application/json"}
        r = rnd.random()
        if r < 0.30:
            cmd = rnd.choice([
                {"cmd": "set_volume", "volume": rnd.randint(0, 100)},
                {"cmd": "set_brightness", "brightness": rnd.randint(0, 100)},
                {"cmd": "set_device_name", "device_name": f"soak {rnd.randint(0, 999)}"},
                {"cmd": "request_status"},
            ])
            cmd["timeout_ms"] = 3000
            kind, (s, b) = "command", c.call("POST", base + "/commands", json.dumps(cmd), js)
        elif r < 0.40:
            kind, (s, b) = "command_async", c.call(
                "POST", base + "/commands?wait=false",
                json.dumps({"cmd": "set_volume", "volume": rnd.randint(0, 100)}), js)
            if s == 202:
                with self.lock:
                    self.async_ids.append((json.loads(b)["id"], time.monotonic()))
        elif r < 0.50:
            kind, (s, b) = "config", c.call("PATCH", base + "/config", json.dumps(
                {"volume": rnd.randint(0, 100), "brightness": rnd.randint(0, 100)}), js)
        elif r < 0.505:
            kind, (s, b) = "reboot", c.call("POST", base + "/reboot")
        elif r < 0.55:
            kind, (s, b) = "status", c.call("POST", base + "/status")
        elif r < 0.65:
            kind, (s, b) = "seed", c.call(
                "POST", f"/api/device/{dev}/config?volume={rnd.randint(-20, 150)}"
                f"&brightness={rnd.randint(0, 100)}")
        elif r < 0.72:
            kind, (s, b) = "device", c.call("GET", base)
        elif r < 0.77:
            q = rnd.choice(["", "?online=true", "?online=false&limit=5", "?sort=name&order=desc",
                            "?name=soak&limit=50", "?firmware_version=1.0.1&limit=3"])
            kind, (s, b) = "devices", c.call("GET", "/api/v1/devices" + q)
        elif r < 0.82:
            kind, (s, b) = "history", c.call("GET", base + "/commands?limit=20")
        elif r < 0.84:
            with self.lock:
                cid = rnd.choice(self.async_ids)[0] if self.async_ids else None
            if cid is None:
                return
            kind, (s, b) = "command_get", c.call("GET", f"/api/v1/commands/{cid}")
        elif r < 0.87:
            kind, (s, b) = "unknown_device", c.call(
                "POST", "/api/v1/devices/ffffff000000/commands", '{"cmd":"request_status"}', js)
        elif r < 0.90:
            kind, (s, b) = "bad_json", c.call("POST", base + "/commands", '{"cmd": "set_vol', js)
        elif r < 0.93:
            kind, (s, b) = "bad_param", c.call("POST", base + "/commands", rnd.choice([
                '{"cmd":"set_volume","volume":300}', '{"cmd":"set_volume","volume":"x"}',
                '{"cmd":"no_such_command"}', '{"cmd":"set_device_name","device_name":""}',
                '[1,2]']), js)
        elif r < 0.96:
            kind, (s, b) = "wrong_method", c.call("DELETE", base + "/commands")
        elif r < 0.97:
            kind, (s, b) = "too_big", too_big(self.ptalkd.port, base + "/commands", self.args.tls)
        else:
            kind, (s, b) = "wifi", c.call("POST", base + "/wifi", '{"ssid":"a","password":"b"}',
                                          js)
        self.record(kind, s, b)

    def worker(self, n):
        rnd = random.Random(n)
        c = Client(self.ptalkd.port, self.args.tls)
        while not self.stop.is_set():
            try:
                self.one(c, rnd)
            except Exception as e:  # a broken connection or a timeout: a failure
                near = self.near_kill(time.monotonic(), after=30)
                with self.lock:
                    self.counts[("exception" + (" near a kill" if near else ""),
                                 type(e).__name__)] += 1
                    if not near and len(self.errors) < 20:
                        self.errors.append(repr(e))
                c = Client(self.ptalkd.port, self.args.tls)
                if near:
                    time.sleep(0.2)


class Sse(live_bench.SseCounter):
    """The SSE client, also across a restart: it waits for ptalkd to listen again."""

    def __init__(self, port, tls):
        super().__init__(port)
        self.tls = tls

    def _socket(self):
        return procs.connect(self.port, self.tls, timeout=None)

    def _connect(self):
        while True:
            try:
                return super()._connect()
            except OSError:
                if self.stop:
                    raise
                time.sleep(0.2)


def kill_and_restart(ptalkd, n, workdir):
    """SIGKILL, then the same binary on the same port and data directory."""
    ptalkd.proc.kill()
    ptalkd.proc.wait()
    ptalkd.proc = procs.start(ptalkd.command_again(), os.path.join(
        workdir, f"ptalkd-{ptalkd.port}-restart{n}.log"))
    if not procs.wait_until(ptalkd._ready, timeout=60, interval=0.1):
        raise RuntimeError("ptalkd did not come back after a kill")


def fleet(build, port, workdir, name, count, prefix, extra, minutes, tls):
    cmd = [os.path.join(build, "apps/ptalk-sim/ptalk-sim"), "--url",
           f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/ws", "--count", str(count),
           "--id-prefix", prefix,
           "--connect-rate", "500", "--duration", str(minutes * 60 + 300), "--no-summary",
           "--log-level", "error", "--stats-json", os.path.join(workdir, name + ".json"),
           "--state-dir", os.path.join(workdir, name + "-state")] + extra
    if tls:
        cmd.append("--insecure")  # the throwaway self-signed certificate
    return procs.start(cmd, os.path.join(workdir, name + ".log"))


def ids_of(prefix, count):
    return [f"{prefix}{i:06x}" for i in range(count)]


def sample(ptalkd, samples, t0):
    m = ptalkd.metrics()
    samples.append({"s": round(time.monotonic() - t0), "rss_kib": procs.rss_kib(ptalkd.pid),
                    "fds": len(os.listdir(f"/proc/{ptalkd.pid}/fd")),
                    "connected": int(m.get("ptalk_devices_connected", 0)),
                    "store_queue": int(m.get("ptalk_store_queue_depth", 0))})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--devices", type=int, default=400, help="firmware-profile devices")
    ap.add_argument("--workers", type=int, default=8, help="API clients")
    ap.add_argument("--kills", type=int, default=0,
                    help="kill -9 ptalkd this many times during the load, restarting it")
    ap.add_argument("--tls", action="store_true",
                    help="everything over TLS: wss:// devices, https API and SSE")
    ap.add_argument("--out", help="write the summary here too")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="ptalk-soak-")
    ptalkd = servers.Ptalkd(workdir, os.path.join(args.build, "apps/ptalkd/ptalkd"))
    ptalkd.extra += ["--log-level", "warn"]
    if args.tls:
        cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        ptalkd.extra += ["--tls-cert", cert, "--tls-key", key]
        ptalkd.scheme = "https"
    ptalkd.start()
    port, m = ptalkd.port, args.minutes
    # Registered before any device connects: every event of its types is for it.
    receiver = soak_live.WebhookReceiver()
    receiver.start()
    s, b = Client(port, args.tls).call("POST", "/api/v1/webhooks", json.dumps(
        {"url": receiver.url, "secret": "soak", "types": soak_live.WEBHOOK_TYPES}),
        {"Content-Type": "application/json"})
    if s != 201:
        raise RuntimeError(f"webhook: {s} {b[:200]}")
    faults = ["--churn", "1", "--reboot-delay-ms", "1000", "--reconnect-base-ms", "300",
              "--reconnect-max-ms", "3000", "--ble-offline-ms", "4000"]
    n_spec, n_ota = max(args.devices // 4, 10), 40
    fleets = [
        fleet(args.build, port, workdir, "firmware", args.devices, "24a160",
              faults + ["--threads", "2", "--voice-noise", "--voice-every-ms", "4000",
                        "--ignore-commands", "0.03"], m, args.tls),
        fleet(args.build, port, workdir, "spec", n_spec, "24a161",
              faults + ["--profile", "spec"], m, args.tls),
        fleet(args.build, port, workdir, "ota", n_ota, "24a162",
              ["--drop-during-ota", "30", "--max-ota-drops", "2", "--ota-faulty", "4",
               "--erase-ms", "200", "--reboot-delay-ms", "1000", "--reconnect-base-ms", "300"],
              m, args.tls),
    ]
    ids = ids_of("24a160", args.devices) + ids_of("24a161", n_spec)
    ota_ids = ids_of("24a162", n_ota)
    total = len(ids) + n_ota

    def known():  # devices that have connected at least once (the rest answer 404)
        return json.loads(procs.http("GET", ptalkd.base + "/api/v1/devices?limit=1")[1])["total"]
    if not procs.wait_until(lambda: known() >= total, timeout=120, interval=0.5):
        raise RuntimeError(f"fleets did not connect: {known()} of {total} devices seen")

    image = os.path.join(workdir, "fw.bin")
    procs.start([os.path.join(args.build, "apps/ptalk-sim/ptalk-sim"), "make-image",
                 "--version", "1.1.0", "--size", "262144", "-o", image],
                os.path.join(workdir, "make-image.log")).wait()
    c = Client(port, args.tls)
    with open(image, "rb") as f:
        s, b = c.call("POST", "/api/v1/firmware?version=1.1.0", f.read(),
                      {"Content-Type": "application/octet-stream"})
    if s != 201:
        raise RuntimeError(f"firmware upload: {s} {b[:200]}")
    s, b = c.call("POST", "/api/v1/rollouts", json.dumps(
        {"version": "1.1.0", "target": ota_ids, "batch_size": 10, "max_concurrent": 10,
         "failure_threshold_percent": 60}), {"Content-Type": "application/json"})
    if s != 201:
        raise RuntimeError(f"rollout: {s} {b[:200]}")
    rollout_id = json.loads(b)["id"]

    soak = Soak(args, ptalkd, ids, ota_ids)
    sse = Sse(port, args.tls)
    sse.start()
    workers = [threading.Thread(target=soak.worker, args=(i,), daemon=True)
               for i in range(args.workers)]
    for w in workers:
        w.start()
    jobs = soak_live.JobStarter(lambda: Client(port, args.tls), ids_of("24a161", n_spec))
    jobs.start()
    samples, t0 = [], time.monotonic()
    kill_at = [t0 + m * 60 * (i + 1) / (args.kills + 1) for i in range(args.kills)]
    while time.monotonic() - t0 < m * 60:
        if ptalkd.proc.poll() is not None:
            break
        if kill_at and time.monotonic() >= kill_at[0]:
            kill_at.pop(0)
            with soak.lock:
                soak.kills.append(time.monotonic())
            kill_and_restart(ptalkd, len(soak.kills), workdir)
        sample(ptalkd, samples, t0)
        time.sleep(min(10, max(0.5, (kill_at[0] - time.monotonic()) if kill_at else 10)))
    soak.stop.set()
    jobs.stop.set()
    for w in workers:
        w.join(60)
    jobs.join(60)
    sse.stop = True

    failures = []
    alive = ptalkd.proc.poll() is None
    if not alive:
        failures.append(f"ptalkd exited with {ptalkd.proc.returncode}")
    summary = {"minutes": m, "devices": total, "kills": len(soak.kills), "tls": args.tls,
               "workdir": workdir}
    if alive:
        # Settle: queues drain (ignoring devices time out), then look at everything.
        # Devices keep reconnecting (and are asked their status each time), so some
        # queue is always busy for a moment. Stuck is a command still unfinished
        # well after every timeout it could have had (10 s, twice: queue and reply).
        time.sleep(25)
        stuck, cursor, now_ms = [], "", time.time() * 1000
        while True:
            page = json.loads(c.call("GET", "/api/v1/devices?limit=1000" + cursor)[1])
            for d in page["devices"]:
                if d.get("queue_length", 0) == 0:
                    continue
                did = d["device_id"]
                h = json.loads(c.call("GET", f"/api/v1/devices/{did}/commands?limit=50")[1])
                stuck += [(did, x["id"], x["cmd"], x["state"]) for x in h["commands"]
                          if x["state"] in ("queued", "sent")
                          and x["queued_at_ms"] < now_ms - 25000]
            if not page.get("next_cursor"):
                break
            cursor = "&cursor=" + page["next_cursor"]
        if stuck:
            failures.append(f"{len(stuck)} commands unfinished 25 s after the load: {stuck[:5]}")
        unfinished, lost, interrupted = [], 0, 0
        for cid, accepted in soak.async_ids:
            s, b = c.call("GET", f"/api/v1/commands/{cid}")
            if s == 404 and soak.near_kill(accepted, before=0, after=1.0):
                lost += 1  # accepted in the last second before a kill: allowed to be gone
                continue
            row = json.loads(b) if s == 200 else {}
            state = row.get("state", s)
            interrupted += row.get("outcome") == "interrupted"
            if state not in ("finished", "expired"):
                unfinished.append((cid, state))
        summary["async_lost_at_kills"] = lost
        summary["async_interrupted"] = interrupted
        if unfinished:
            failures.append(f"{len(unfinished)} of {len(soak.async_ids)} accepted commands "
                            f"not finished: {unfinished[:5]}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = json.loads(c.call("GET", f"/api/v1/rollouts/{rollout_id}?devices=false")[1])
            if r["state"] not in ("planned", "running"):
                break
            time.sleep(2)
        summary["rollout"] = {k: r.get(k) for k in ("state", "reason", "counts")}
        if r["state"] in ("planned", "running"):
            failures.append(f"rollout still {r['state']} 2 minutes after the load")
        unended = soak_live.jobs_unfinished(c, jobs.jobs)
        summary["jobs"] = len(jobs.jobs)
        if unended:
            failures.append(f"{len(unended)} of {len(jobs.jobs)} jobs not finished: "
                            f"{list(unended.items())[:3]}")
        stored = soak_live.stored_event_ids(port, soak_live.WEBHOOK_TYPES, 0, args.tls)
        behind = len(stored - receiver.received())
        procs.wait_until(lambda: not (stored - receiver.received()), timeout=120, interval=1)
        missing = stored - receiver.received()
        summary["webhook"] = {"events_stored": len(stored), "behind_after_load": behind,
                              "received": len(receiver.received()),
                              "deliveries": receiver.deliveries, "refused": receiver.refused}
        if missing:
            failures.append(f"the webhook missed {len(missing)} of {len(stored)} stored events: "
                            f"{sorted(missing)[:10]}")
        s, _ = c.call("GET", "/healthz")
        if s != 200:
            failures.append(f"/healthz answered {s}")
        # The devices go quiet (their goodbyes are writes too), then the store drains:
        # refreshes wait up to a second for their window (docs/STORE.md).
        for p in fleets:
            procs.stop(p)
        if not procs.wait_until(
                lambda: int(ptalkd.metrics().get("ptalk_store_queue_depth", 1)) == 0,
                timeout=15, interval=0.2):
            failures.append("store queue not drained 15 s after the fleets stopped")
        sample(ptalkd, samples, t0)
        code = procs.stop(ptalkd.proc, timeout=60)
        if code != 0:
            failures.append(f"SIGTERM: ptalkd exited with {code}")
    for p in fleets:
        procs.stop(p)
    receiver.stop()

    logs = [f for f in os.listdir(workdir) if f.startswith(f"ptalkd-{port}")]
    for name in logs:
        log = open(os.path.join(workdir, name), errors="replace").read()
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in log:
                failures.append(f"{name} has '{marker}'")
    if soak.bad:
        failures.append(f"{len(soak.bad)}+ answers with a status their endpoint may not give")
    if soak.errors:
        failures.append(f"{len(soak.errors)} requests failed without an answer")
    summary.update({
        "requests": sum(n for (k, _), n in soak.counts.items() if k != "exception"),
        "by_status": {f"{k} {s}": n for (k, s), n in sorted(soak.counts.items(), key=str)},
        "unexpected": soak.bad[:10], "errors": soak.errors[:10],
        "accepted_async": len(soak.async_ids), "sse_events": sse.count,
        "sse_reconnects": sse.reconnects, "samples": samples, "failures": failures})
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
