"""The servers under test: ptalkd and the two reference servers of the seed's API.

Each listens on 127.0.0.1 on a free port, and tells how many devices have
shaken hands: ptalkd through /metrics, the references through /bench/connected.
"""
import os
import re
import tempfile

import procs

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    name = "?"
    loads = True  # also measured under the HTTP loads (not only holding a fleet)

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = None
        self.proc = None
        self.scheme = "http"  # "https" for a ptalkd given --tls-cert

    def command(self, port):
        raise NotImplementedError

    def cwd(self):
        return None

    def start(self):
        self.port = procs.free_port()
        log = os.path.join(self.workdir, f"{self.name}-{self.port}.log")
        self.proc = procs.start(self.command(self.port), log, cwd=self.cwd())
        if not procs.wait_until(self._ready, timeout=30, interval=0.1):
            procs.stop(self.proc)
            raise RuntimeError(f"{self.name} did not come up; see {log}")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
        try:
            self.connected()
            return True
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid

    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def connected(self):
        return procs.http_json(self.base + "/bench/connected")["connected"]

    def stop(self):
        if self.proc:
            procs.stop(self.proc)
            self.proc = None


class Ptalkd(Server):
    name = "ptalkd"

    def __init__(self, workdir, binary, status_after_handshake=True):
        super().__init__(workdir)
        self.binary = binary
        # --auth none: the API load is compared with the seed's servers, which have no
        # authentication (loopback only, so ptalkd allows it).
        self.extra = ["--auth", "none"]
        if not status_after_handshake:
            self.extra.append("--no-status-after-handshake")
        if not status_after_handshake:
            # The same server without its request_status round trip after each handshake:
            # only the fleet figures, to show what that round trip costs.
            self.name, self.loads = "ptalkd-nostatus", False
        self.data_dir = None
        self.probes = 0  # /metrics calls: each is a 2xx response in the next snapshot

    def command(self, port):
        # A fresh store each time; everything else on ptalkd's defaults (log level info,
        # one I/O thread per core, request_status after each handshake).
        self.data_dir = tempfile.mkdtemp(prefix="ptalkd-data-", dir=self.workdir)
        return self.command_again(port)

    def command_again(self, port=None):
        """The same server again (a restart): same port, same data directory."""
        return [self.binary, "--listen", "127.0.0.1", "--port", str(port or self.port),
                "--data-dir", self.data_dir] + self.extra

    def metrics(self):
        """Prometheus text -> {"name" or "name{labels}": value}."""
        _, text = procs.http("GET", self.base + "/metrics")
        self.probes += 1
        out = {}
        for line in text.splitlines():
            m = re.match(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.eE+-]+)$", line)
            if m:
                out[m.group(1)] = float(m.group(2))
        return out

    def connected(self):
        return int(self.metrics()["ptalk_devices_connected"])

    @property
    def db(self):
        return os.path.join(self.data_dir, "ptalk.db")


class Reference(Server):
    """A reference server of the seed's API: a program in bench/reference/<name>/ that takes
    the port as its last argument and serves GET /bench/connected."""

    def __init__(self, workdir, name, program):
        super().__init__(workdir)
        self.name, self.program = name, program

    def command(self, port):
        return self.program + [str(port)]

    def cwd(self):
        return os.path.join(BENCH, "reference", self.name)


def node(workdir):
    return Reference(workdir, "node", ["node", "server.js"])


def fastapi(workdir):
    # Debian's python3: the one python3-fastapi and python3-uvicorn install into.
    return Reference(workdir, "fastapi", ["/usr/bin/python3", "run_seed.py"])
