"""Fault drill: PostgreSQL crashes and comes back while students are booking.

A throwaway PostgreSQL server of this test's own (never the shared one) serves the real
site under gunicorn; client threads book lessons over HTTP, each booking under its own
Idempotency-Key and retried until it answers 201. As soon as the first booking is through,
the database is crashed (an immediate stop: connections cut mid-transaction), left down for
a second, and started again. Afterwards:

* during the outage every answer was a 503 in the API's JSON error shape (never a 500 page);
* every key ended with a booking, and each key's booking exists exactly once (no booking
  lost, none duplicated, no booking without its key);
* no key is left "still being processed": a request that died holding one is taken over by
  its retry (on PostgreSQL at once, its advisory lock died with its connection), and a
  booking committed just before the crash is given back to the retry, not made again;
* a replay of each key returns the very bytes of its 201.
"""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from apps.bookings.tests.outside import BASE_DIR, ThrowawayPostgres, child_env, run_outside
from scripts.with_services import free_port, wait_for_port

KEYS = 24
CLIENTS = 6
OUTAGE_SECONDS = 1.0
DEADLINE_SECONDS = 25.0
UNAVAILABLE_CODE = "service_unavailable"


@dataclass(frozen=True)
class Answer:
    key: str
    status: int
    content_type: str
    body: bytes
    replayed: bool


@dataclass
class Site:
    pg: ThrowawayPostgres
    port: int
    scene: dict[str, Any]
    log: Path

    def get(self, path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        finally:
            connection.close()

    def post_booking(self, key: str, index: int) -> Answer:
        student = self.scene["students"][index % len(self.scene["students"])]
        payload = {
            "instructor": self.scene["instructor"], "service": "piano", "format": "online", "duration_minutes": 60,
            "starts_at": self.scene["starts"][index], "payment_method_id": student["card"],
        }  # fmt: skip
        headers = {"Content-Type": "application/json", "X-Session-Token": student["token"], "Idempotency-Key": key}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/api/v1/bookings", body=json.dumps(payload), headers=headers)
            response = connection.getresponse()
            return Answer(
                key, response.status, response.getheader("Content-Type", ""), response.read(),
                response.getheader("Idempotent-Replayed") == "true",
            )  # fmt: skip
        finally:
            connection.close()


@pytest.fixture
def site() -> Iterator[Site]:
    # Not under pytest's tmp_path (private to us): PostgreSQL runs as `nobody` when we are
    # root and must reach its directory.
    workdir = Path(tempfile.mkdtemp(prefix="instainstru-drill-"))
    pg = ThrowawayPostgres(workdir)
    pg.start()
    server: subprocess.Popen[bytes] | None = None
    try:
        env = child_env(pg.url, workdir / "var", LOG_LEVEL="INFO", API_RATE_WRITES="10000/m", API_RATE_MONEY="10000/m")
        scene = run_outside("drill-scene", env)
        port, log = free_port(), workdir / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "instainstru.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--threads", str(CLIENTS + 2), "--timeout", "60", "--graceful-timeout", "2"],
                cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(port, "gunicorn")
        site = Site(pg=pg, port=port, scene=scene, log=log)
        assert site.get("/healthz") == 200  # loads the URLs and the API before the clock starts
        yield site
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        pg.crash()
        shutil.rmtree(workdir, ignore_errors=True)


def _book_until_done(site: Site, keys: queue.Queue[tuple[int, str]], answers: list[Answer], first: threading.Event,
                     deadline: float) -> None:  # fmt: skip
    while True:
        try:
            index, key = keys.get_nowait()
        except queue.Empty:
            return
        while time.monotonic() < deadline:
            answer = site.post_booking(key, index)
            answers.append(answer)
            if answer.status == 201:
                first.set()
                break
            time.sleep(0.05)  # the client's retry pause


def _rows(pg: ThrowawayPostgres, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg.url) as connection:
        return list(connection.execute(sql).fetchall())


def test_bookings_survive_a_database_crash_mid_traffic(site: Site) -> None:
    keys: queue.Queue[tuple[int, str]] = queue.Queue()
    for index in range(KEYS):
        keys.put((index, f"drill-{index}"))
    answers: list[Answer] = []
    first_booked = threading.Event()
    deadline = time.monotonic() + DEADLINE_SECONDS
    clients = [
        threading.Thread(target=_book_until_done, args=(site, keys, answers, first_booked, deadline))
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    assert first_booked.wait(timeout=15)
    site.pg.crash()
    time.sleep(OUTAGE_SECONDS)
    site.pg.start()
    for client in clients:
        client.join()

    final = {a.key: a for a in answers if a.status == 201}
    failures = [a for a in answers if a.status != 201]
    print(f"drill: {len(answers)} answers, {len(final)} keys booked, {len(failures)} answered 503 during the outage")
    print(f"drill: {site.log.read_text().count('took over the unfinished claim')} dead claims taken over")
    assert sorted(final) == sorted(f"drill-{index}" for index in range(KEYS))
    assert failures, "the outage never met a request: the drill proved nothing"
    for answer in failures:
        assert (answer.status, answer.content_type) == (503, "application/json; charset=utf-8"), answer
        assert json.loads(answer.body)["error"]["code"] == UNAVAILABLE_CODE

    booked = dict(_rows(site.pg, "SELECT request_key, public_id::text FROM bookings_booking"))
    assert sorted(booked) == sorted(final)  # every key's booking once, and nothing else
    assert {key: json.loads(a.body)["id"] for key, a in final.items()} == booked
    claims = _rows(site.pg, "SELECT response_status, count(*) FROM core_idempotencykey GROUP BY 1")
    assert claims == [(201, KEYS)]  # no key left "still being processed"

    for index in range(KEYS):
        replay = site.post_booking(f"drill-{index}", index)
        assert (replay.status, replay.replayed, replay.body) == (201, True, final[f"drill-{index}"].body)
