from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.bookings.sweeps import SWEEPS
from apps.bookings.tasks import money_sweeps
from apps.core.jobs import MONEY_SWEEPS, job_last_success, job_run_record

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
RECENT = {"last_success": (NOW - timedelta(seconds=50)).isoformat(), "age_seconds": 50, "state": "up"}


@pytest.fixture
def swept(db) -> None:
    """The money sweeps last succeeded 50 s ago (they run every minute)."""
    job_run_record(name=MONEY_SWEEPS, at=NOW - timedelta(seconds=50))


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_healthz_and_readyz(client, swept) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {
            "database": {"backend": "postgresql", "state": "up"},
            "cache": {"backend": "redis", "state": "up"},
            "broker": {"backend": "inline", "state": "up"},
            "money_sweeps": RECENT,
        },
    }


@pytest.mark.django_db
def test_readyz_fails_when_the_money_sweeps_have_not_succeeded_for_too_long(client, settings) -> None:
    settings.MONEY_SWEEPS_MAX_AGE = 600
    job_run_record(name=MONEY_SWEEPS, at=NOW)
    with time_machine.travel(NOW + timedelta(seconds=600), tick=False):
        assert client.get("/readyz").json()["checks"]["money_sweeps"]["state"] == "up"
    with time_machine.travel(NOW + timedelta(seconds=601), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["money_sweeps"] == {
        "last_success": NOW.isoformat(),
        "age_seconds": 601,
        "state": "down",
    }


@pytest.mark.django_db
def test_only_a_money_sweep_run_without_errors_is_recorded(monkeypatch) -> None:
    with time_machine.travel(NOW, tick=False):
        assert money_sweeps() == dict.fromkeys(SWEEPS, 0)
    assert job_last_success(name=MONEY_SWEEPS) == NOW

    def broken(*, now: datetime) -> int:
        raise RuntimeError("the payout batch failed")

    # One seam: a sweep replaced by one that raises, to stand for any failing sweep.
    monkeypatch.setitem(SWEEPS, "payouts", broken)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False), pytest.raises(RuntimeError):
        money_sweeps()
    assert job_last_success(name=MONEY_SWEEPS) == NOW
    # An older run finishing late never moves the record back.
    job_run_record(name=MONEY_SWEEPS, at=NOW - timedelta(minutes=5))
    assert job_last_success(name=MONEY_SWEEPS) == NOW


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_readyz_reports_an_unreachable_broker(client, settings, swept) -> None:
    settings.JOBS_MODE = "celery"
    from instainstru.celery import app

    original = app.conf["broker_url"]
    app.conf["broker_url"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        app.conf["broker_url"] = original
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": {"backend": "postgresql", "state": "up"},
        "cache": {"backend": "redis", "state": "up"},
        "broker": {"backend": "redis", "state": "down"},
        "money_sweeps": RECENT,
    }


@pytest.mark.django_db
def test_metrics_count_requests_per_route(client) -> None:
    client.get("/healthz")
    client.get("/no-such-page")
    body = client.get("/metrics").content.decode()
    assert 'instainstru_http_requests_total{method="GET",route="healthz",status="2xx"}' in body
    assert 'instainstru_http_requests_total{method="GET",route="<unmatched>",status="4xx"}' in body
    assert 'instainstru_http_request_duration_seconds_bucket{le="0.005",method="GET",route="healthz"}' in body


@pytest.mark.django_db
def test_unknown_page_is_a_styled_404(client) -> None:
    response = client.get("/definitely/not/here/")
    assert response.status_code == 404
    assert "<h1>We couldn't find that page</h1>" in response.content.decode()


def test_security_headers(client, db) -> None:
    response = client.get("/healthz")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
