"""/metrics shows process internals: in production only a bearer METRICS_TOKEN or a client in
METRICS_ALLOWED_NETWORKS sees it; to anyone else it does not exist."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

pytestmark = pytest.mark.django_db
METRIC = b"instainstru_http_requests_total"


def test_open_in_development_when_nothing_is_configured(client, settings) -> None:
    settings.PRODUCTION, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = False, "", []
    response = client.get("/metrics")
    assert response.status_code == 200
    assert METRIC in response.content


def test_closed_to_everyone_in_production_without_a_token_or_networks(client, settings) -> None:
    settings.PRODUCTION, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = True, "", []
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer "}, {"REMOTE_ADDR": "10.0.0.1"}):
        response = client.get("/metrics", **headers)
        assert response.status_code == 404
        assert METRIC not in response.content


def test_a_bearer_token_opens_it(client, settings) -> None:
    settings.PRODUCTION, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = True, "scrape-me-7Hq", []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="scrape-me-7Hq").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-7Hq")
    assert response.status_code == 200
    assert METRIC in response.content


def test_the_token_is_needed_in_development_too_once_set(client, settings) -> None:
    settings.PRODUCTION, settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = False, "scrape-me-7Hq", []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-7Hq").status_code == 200


def test_allowed_networks_open_it_by_the_real_client_address(client, settings) -> None:
    settings.PRODUCTION, settings.METRICS_TOKEN = True, ""
    settings.METRICS_ALLOWED_NETWORKS = [ip_network("10.20.0.0/16")]
    settings.TRUSTED_PROXIES = [ip_network("10.99.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    # A forged header from outside is not believed; through our proxy the real client counts.
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.99.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.99.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 404
