from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_and_readyz(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {
            "database": {"backend": "postgresql", "state": "up"},
            "cache": {"backend": "redis", "state": "up"},
            "broker": {"backend": "inline", "state": "up"},
        },
    }


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_broker(client, settings) -> None:
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
