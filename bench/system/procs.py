"""Processes the benchmark starts, and what /proc says about them.

Every process started here is stopped at exit (normal, exception or signal).
"""
import atexit
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.request

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_started = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid):
    """utime + stime of every thread of the process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # fields 14 and 15 of stat(5)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


# https:// to the servers under test, which use throwaway self-signed certificates.
UNVERIFIED_TLS = ssl._create_unverified_context()


def connect(port, tls=False, timeout=30):
    """A socket to a server under test on 127.0.0.1, inside TLS when `tls`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return UNVERIFIED_TLS.wrap_socket(sock) if tls else sock


def http(method, url, timeout=5):
    req = urllib.request.Request(url, method=method)
    context = UNVERIFIED_TLS if url.startswith("https:") else None
    with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
        return r.status, r.read().decode()


def http_json(url, timeout=5):
    return json.loads(http("GET", url, timeout)[1])


def start(cmd, log_path, cwd=None, env=None):
    log = open(log_path, "wb")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                         env=None if env is None else {**os.environ, **env},
                         start_new_session=True)
    log.close()
    _started.append(p)
    return p


def stop(p, timeout=15):
    """SIGTERM, then SIGKILL after `timeout` seconds. Returns the exit code."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in _started:
        _started.remove(p)
    return p.returncode


def wait_until(check, timeout, interval=0.05):
    """Polls check() until it returns a true value; returns it, or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = check()
        if v:
            return v
        time.sleep(interval)
    return None


def _stop_all():
    for p in list(_started):
        stop(p, timeout=5)


def _on_signal(sig, _frame):
    _stop_all()
    raise SystemExit(128 + sig)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
