"""The load harness's HTTP client and figures: plain asyncio streams speaking HTTP/1.1 to a
loopback server (no HTTP client library is locked; gunicorn's sync workers close every
connection anyway, so one request per connection is what a proxy in front would see too)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Target:
    """The server under test: loopback only, and headers every request carries (the TLS
    proxy's X-Forwarded-Proto, so production's HTTPS redirect sees a secure request)."""

    port: int
    host: str = "127.0.0.1"
    headers: dict[str, str] = field(default_factory=dict)

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None, timeout: float = 60
    ) -> Response:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in {**self.headers, **(headers or {})}.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        started = clock.perf_counter()
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
            raw = await asyncio.wait_for(reader.read(-1), timeout)  # the server closes when done
        finally:
            writer.close()
        ms = (clock.perf_counter() - started) * 1000
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        found = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            found[name.strip().lower()] = value.strip()
        return Response(status=int(status_line.split()[1]), headers=found, body=rest, ms=ms)


@dataclass
class Tally:
    """Latencies per endpoint label and status counts, for one load level."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, label: str, response: Response) -> None:
        self.latencies[label].append(response.ms)
        self.statuses[label][response.status] += 1

    def all_latencies(self) -> list[float]:
        return [ms for samples in self.latencies.values() for ms in samples]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    if len(samples) < 2:
        only = samples[0] if samples else float("nan")
        return only, only, only
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def line(label: str, samples: list[float], seconds: float, statuses: dict[int, int] | None = None) -> str:
    p50, p95, p99 = percentiles(samples)
    codes = " ".join(f"{code}:{n}" for code, n in sorted((statuses or {}).items()))
    return (
        f"  {label:<22} {len(samples) / seconds:8.1f} req/s  p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"
        f"  n={len(samples):<6} {codes}"
    )
