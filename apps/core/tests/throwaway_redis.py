"""A Redis server of the test's own, which the test may stop and start again (on the same
port) to drill an outage. The shared Redis on 6379 is never touched."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


class ThrowawayRedis:
    def __init__(self, workdir: Path) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.server = server
        self.workdir = workdir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        pytest.fail(f"redis-server did not listen on {self.port} within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def failover_cache(redis: ThrowawayRedis, *, retry_after_seconds: float) -> dict[str, dict[str, object]]:
    """CACHES pointing the site at the throwaway server."""
    return {
        "default": {
            "BACKEND": "apps.core.cache.FailoverRedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "drill",
            "OPTIONS": {"retry_after_seconds": retry_after_seconds},
        }
    }
