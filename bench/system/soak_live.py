"""The soak's checks of issue 6's features under load: a webhook receiver that must
see every matching event (at least once, across kills), and fleet jobs started
during the load that must all end.

Used by soak.py; each piece runs in its own thread and is read at the end.
"""
import http.server
import json
import random
import re
import threading
import time

import procs

# Low-rate event types the webhook subscribes to, so that the store's history
# (--event-retention) still holds all of them when the soak checks.
WEBHOOK_TYPES = ["job.", "rollout.", "device.offline"]


class WebhookReceiver(threading.Thread):
    """An HTTP receiver on 127.0.0.1 that records each event id it is sent and, to
    exercise the retries, answers 500 to one first attempt in twenty, at most one
    every 2 s: ptalkd delivers in order, one at a time, so each refusal holds the
    webhook back for its retry delay (--webhook-retry-ms, 500), and more of them
    than that would leave it ever further behind a busy fleet."""

    def __init__(self):
        super().__init__(daemon=True)
        self.ids = set()
        self.deliveries = 0
        self.refused = 0
        self.last_refusal = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event_id = int(self.headers.get("X-PTalk-Event-Id", "0"))
                first = self.headers.get("X-PTalk-Delivery-Attempt") == "1"
                with receiver.lock:
                    receiver.deliveries += 1
                    now = time.monotonic()
                    refuse = (first and random.random() < 0.05
                              and now - receiver.last_refusal >= 2.0)
                    if refuse:
                        receiver.refused += 1
                        receiver.last_refusal = now
                    elif event_id and json.loads(body).get("id") == event_id:
                        receiver.ids.add(event_id)
                self.send_response(500 if refuse else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def received(self):
        """The event ids received so far (a copy)."""
        with self.lock:
            return set(self.ids)

    def run(self):
        self.server.serve_forever(poll_interval=0.2)

    def stop(self):
        self.server.shutdown()


class JobStarter(threading.Thread):
    """Starts a config job on `ids` every `every_s` seconds until stopped; keeps the
    ids ptalkd gave them. A call cut off by a kill is simply tried at the next turn."""

    def __init__(self, client_factory, ids, every_s=20):
        super().__init__(daemon=True)
        self.client_factory, self.ids, self.every_s = client_factory, ids, every_s
        self.jobs = []
        self.stop = threading.Event()

    def run(self):
        rnd = random.Random(7)
        while not self.stop.wait(self.every_s):
            try:
                s, b = self.client_factory().call("POST", "/api/v1/jobs", json.dumps(
                    {"action": "config", "params": {"volume": rnd.randint(0, 100)},
                     "target": self.ids, "rate_per_s": 200, "timeout_ms": 3000}),
                    {"Content-Type": "application/json"})
            except Exception:  # a kill: the next turn starts one
                continue
            if s == 202:
                self.jobs.append(json.loads(b)["id"])


def jobs_unfinished(client, jobs, timeout=90):
    """The jobs (id, state, totals) still not finished after `timeout` seconds; a
    finished job must also have every device done."""
    pending = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = {}
        for jid in jobs:
            s, b = client.call("GET", f"/api/v1/jobs/{jid}?devices=false")
            j = json.loads(b) if s == 200 else {"state": s}
            totals = j.get("totals", {})
            if j.get("state") != "finished" or totals.get("done") != totals.get("total"):
                pending[jid] = (j.get("state"), totals)
        if not pending:
            return {}
        time.sleep(2)
    return pending


def stored_event_ids(port, types, after, tls, quiet_s=2.0):
    """The ids of the stored events of `types` after id `after`: an SSE replay
    (?after=N), read until the stream has been quiet for `quiet_s`."""
    query = "&".join(f"type={t}" for t in types)
    sock = procs.connect(port, tls, timeout=quiet_s)
    sock.sendall(f"GET /api/v1/events?{query}&after={after} HTTP/1.1\r\nHost: x\r\n\r\n"
                 .encode())
    data = b""
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except (TimeoutError, OSError):
            break
        if not chunk:
            break
        data += chunk
    sock.close()
    return {int(x) for x in re.findall(rb"\nid: (\d+)\n", data)}
