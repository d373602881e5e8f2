"""Checks that every command ptalkd accepted on the seed endpoint is in its audit log."""
import json
import random
import sqlite3
import time

import procs


def settle(server, timeout=30):
    """Waits until the store queue is empty and the count of finished commands stops moving."""
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = server.metrics()
        finished = sum(v for k, v in m.items() if k.startswith("ptalk_commands_total"))
        if m.get("ptalk_store_queue_depth") == 0 and finished == last:
            return
        last = finished
        time.sleep(0.5)


def seed_commands(server, before, device_ids, sample_devices=5):
    """Every seed request ptalkd answered 2xx since the `before` metrics (requests still
    in flight when wrk stopped included) must have put its two commands in the store,
    finished; a few devices' histories are read back through the API as well."""
    probes = server.probes  # `before` was call number `probes`
    settle(server)
    time.sleep(0.2)  # the 50 ms batch window
    after = server.metrics()
    key = 'ptalk_http_responses_total{class="2xx"}'
    # Less our own /metrics calls from `before` up to (not including) `after`: each
    # counts its 2xx only after rendering its own figures.
    accepted = int(after[key] - before[key]) - (server.probes - probes)
    with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as db:
        total, finished, ok = db.execute(
            "SELECT count(*), count(outcome), count(CASE WHEN outcome = 'ok' THEN 1 END) "
            "FROM commands WHERE requested_by = 'api:seed'").fetchone()
        by_device = dict(db.execute(
            "SELECT device_id, count(*) FROM commands WHERE requested_by = 'api:seed' "
            "GROUP BY device_id").fetchall())
    mismatches = []
    for dev in random.Random(7).sample(device_ids, sample_devices):
        url = f"{server.base}/api/v1/devices/{dev}/commands?limit=1000"
        rows = json.loads(procs.http("GET", url)[1])
        items = rows.get("commands", rows.get("items", []))
        seen = sum(1 for c in items if c.get("requested_by") == "api:seed")
        if seen != by_device.get(dev, 0):
            mismatches.append({"device": dev, "api": seen, "store": by_device.get(dev, 0)})
    return {"expected_commands": 2 * accepted, "in_store": total,
            "finished": finished, "ok": ok, "api_sample_devices": sample_devices,
            "api_sample_mismatches": mismatches,
            "complete": total == 2 * accepted and finished == total and not mismatches}
