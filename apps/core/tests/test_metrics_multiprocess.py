"""/metrics adds up every process: the real site under gunicorn with two workers and
PROMETHEUS_MULTIPROC_DIR (as production runs it) answers a scrape with the requests and
login failures all workers counted, whichever worker answers the scrape."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from apps.bookings.tests.outside import BASE_DIR, child_env
from scripts.with_services import free_port, wait_for_port

HEALTH_CHECKS = 40
BAD_LOGINS = 3


def _database_url() -> str:
    """The suite's own test database (its tables are committed under transactional_db)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def site(transactional_db: None, tmp_path: Path) -> Iterator[int]:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = child_env(_database_url(), tmp_path / "var", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    port = free_port()
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "instainstru.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "60", "--graceful-timeout", "2"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, "gunicorn")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def _call(port: int, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        client.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_two_workers_are_added_up(site: int) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: _call(site, "GET", "/healthz")[0], range(HEALTH_CHECKS)))
    assert statuses == [200] * HEALTH_CHECKS
    login = {"email": "nobody@example.com", "password": "not-the-password"}
    for _ in range(BAD_LOGINS):
        assert _call(site, "POST", "/_allauth/app/v1/auth/login", login)[0] == 400
    # Two scrapes, which may land on either worker: both see everything.
    for _ in range(2):
        status, body = _call(site, "GET", "/metrics")
        assert status == 200
        samples = _samples(body.decode())
        health = (("method", "GET"), ("route", "healthz"), ("status", "2xx"))
        assert samples[("instainstru_http_requests_total", health)] == HEALTH_CHECKS
        assert samples[("instainstru_login_failures_total", ())] == BAD_LOGINS
        assert samples[("instainstru_http_db_queries_count", (("route", "healthz"),))] == HEALTH_CHECKS
        names = {name for name, _ in samples}
        assert {"instainstru_http_request_duration_seconds_bucket", "instainstru_bookings_created_total"} <= names
