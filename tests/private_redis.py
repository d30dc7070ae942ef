"""A redis-server of a test's own, to kill and restart (the ``private_redis`` fixture)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from pathlib import Path

from tests.conftest import unavailable


class PrivateRedis:
    """A redis-server of this test's own, to kill and restart."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server", FileNotFoundError("redis-server"))
        self.binary = binary
        self.workdir = workdir
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:  # wait for the server's own word, not a timer
            if b"Ready to accept connections" in line:
                # keep draining its log so a full pipe never blocks the server
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return
        raise RuntimeError("redis-server exited before it was ready")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
