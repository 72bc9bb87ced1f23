"""Run a local single-member etcd on loopback: for tests, ``buttress sandbox`` and demos.

::

    with EtcdServer(tmp_path / "etcd") as server:    # free ports, waits until healthy
        store = EtcdStore(server.endpoint)
        ...
        server.restart()                              # same data dir, same ports
        server.kill()                                 # SIGKILL, for fault injection
        server.start()

Ports are chosen free on 127.0.0.1 (bind to port 0, then release); if etcd cannot bind one
because another process took it meanwhile, ``start`` picks new ports and tries again (only
on the first start: a restart keeps its ports, so clients reconnect to the same address).
Election and heartbeat timers are shortened so the member is leader within a second and
the minimum lease TTL is 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from buttress.store.errors import StoreError, StoreUnavailable

DEFAULT_BINARY = "/usr/bin/etcd"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_etcd(binary: str | None = None) -> str:
    """The etcd executable: ``binary``, ``$BUTTRESS_ETCD``, /usr/bin/etcd or PATH."""
    for candidate in (binary, os.environ.get("BUTTRESS_ETCD"), DEFAULT_BINARY,
                      shutil.which("etcd")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise StoreError("etcd is not installed (Debian package etcd-server provides it)")


class EtcdServer:
    """One etcd process with its data dir and ports. Not thread-safe; not async."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        client_port: int | None = None,
        peer_port: int | None = None,
        binary: str | None = None,
        name: str = "buttress",
        log_level: str = "error",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.binary = find_etcd(binary)
        self.name = name
        self.log_level = log_level
        self._fixed_ports = client_port is not None
        self.client_port = client_port or free_port()
        self.peer_port = peer_port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._started_once = False

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<client port>``, what EtcdStore takes."""
        return f"127.0.0.1:{self.client_port}"

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def _command(self) -> list[str]:
        peer = f"http://127.0.0.1:{self.peer_port}"
        return [
            self.binary, "--name", self.name, "--data-dir", str(self.data_dir),
            "--listen-client-urls", self.client_url,
            "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"{self.name}={peer}",
            "--initial-cluster-state", "new",
            "--heartbeat-interval", "50", "--election-timeout", "500",
            "--logger", "zap", "--log-level", self.log_level,
        ]

    def start(self, timeout: float = 20.0) -> None:
        """Start etcd and wait until /health says true. Raises StoreUnavailable."""
        if self.running:
            return
        attempts = 1 if (self._started_once or self._fixed_ports) else 3
        for attempt in range(attempts):
            if attempt:
                self.client_port, self.peer_port = free_port(), free_port()
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    self._command(), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True)
            if self._wait_healthy(timeout):
                self._started_once = True
                return
            self.stop()
        tail = self.log_path.read_text(errors="replace")[-800:] if self.log_path.exists() else ""
        raise StoreUnavailable(
            f"etcd on {self.endpoint} did not become healthy within {timeout:g}s: "
            + " ".join(tail.split())[-400:])

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            if self.healthy():
                return True
            time.sleep(0.05)
        return False

    def healthy(self) -> bool:
        """Whether etcd answers ``/health`` with health true."""
        try:
            with urllib.request.urlopen(self.client_url + "/health", timeout=1) as resp:
                return bool(json.loads(resp.read()).get("health") == "true")
        except (OSError, urllib.error.URLError, ValueError):
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``. Keeps the data dir."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL at once (a crash), keeping the data dir."""
        self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, timeout: float = 20.0, *, down_for: float = 0.0) -> None:
        """Stop (SIGTERM), stay down ``down_for`` seconds, start again on the same ports."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        self.start(timeout)

    def __enter__(self) -> EtcdServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m buttress.store.etcd_server DATA_DIR``: run etcd until SIGINT/SIGTERM.

    Prints the client endpoint on the first line of stdout (for scripts and ``make demo``).
    """
    parser = argparse.ArgumentParser(description="Run a local etcd on 127.0.0.1.")
    parser.add_argument("data_dir")
    parser.add_argument("--port", type=int, default=None, help="client port (default: free)")
    args = parser.parse_args(argv)
    server = EtcdServer(args.data_dir, client_port=args.port, log_level="warn")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.start()
    except StoreError as error:
        print(f"error: {error}", flush=True)
        return error.exit_code
    print(server.endpoint, flush=True)
    try:
        while server.running:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
