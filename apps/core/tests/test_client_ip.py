"""The client's address: X-Forwarded-For is believed only from TRUSTED_PROXIES, and every
user of the address (API limits, allauth's login limits, logs) gets the same answer."""

from __future__ import annotations

import logging
from ipaddress import ip_network

import pytest
from django.test import RequestFactory

from apps.core.limits import client_ip, client_rate_key
from apps.core.log_filters import ClientIPFilter

PROXIES = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]


def _request(remote: str, forwarded: str = ""):
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


def test_without_trusted_proxies_the_header_is_ignored(settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.2", "203.0.113.9")) == "10.0.0.2"


def test_a_trusted_proxy_is_believed_about_the_hop_before_it(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_ip(_request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"


def test_the_right_most_untrusted_entry_wins_so_a_forged_left_part_is_never_read(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    # The client sent "X-Forwarded-For: 6.6.6.6"; the load balancer appended the real address,
    # then an inner proxy appended the balancer's.
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.5")) == "203.0.113.9"


def test_an_untrusted_peer_cannot_speak_for_anyone(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_ip(_request("198.51.100.7", "203.0.113.9, 10.0.0.5")) == "198.51.100.7"


def test_all_hops_trusted_gives_the_left_most_and_garbage_stops_at_the_proxy(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_ip(_request("10.0.0.2", "10.9.9.9, 10.0.0.5")) == "10.9.9.9"
    assert client_ip(_request("10.0.0.2", "203.0.113.9, not-an-address")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "")) == "10.0.0.2"


def test_addresses_are_normalized(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_ip(_request("::ffff:10.0.0.2", " 203.0.113.9 ")) == "203.0.113.9"
    assert client_ip(_request("fd00::1", "2001:DB8::7")) == "2001:db8::7"
    assert client_ip(_request("")) == "unknown"


def test_rate_limits_count_ipv6_clients_by_their_64(settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_rate_key(_request("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_rate_key(_request("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::"
    assert client_rate_key(_request("198.51.100.7")) == "198.51.100.7"


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_rotating_the_header_does_not_escape_the_anonymous_read_limit(client, settings) -> None:
    settings.TRUSTED_PROXIES = []  # the test client's 127.0.0.1 is nobody's proxy
    limit = int(settings.API_RATE_LIMITS["reads"].split("/")[0])
    statuses = [
        client.get("/api/v1/catalog/categories", HTTP_X_FORWARDED_FOR=f"203.0.113.{n % 250}").status_code
        for n in range(limit + 1)
    ]
    assert statuses == [200] * limit + [429]
    limited = client.get("/api/v1/catalog/categories", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, settings) -> None:
    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1/32")]
    limit = int(settings.API_RATE_LIMITS["reads"].split("/")[0])
    first = [
        client.get("/api/v1/catalog/categories", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code
        for _ in range(limit + 1)
    ]
    assert first == [200] * limit + [429]
    # Another client behind the same proxy is not lumped in; forging a left part changes nothing.
    assert client.get("/api/v1/catalog/categories", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200
    forged = client.get("/api/v1/catalog/categories", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.1")
    assert forged.status_code == 429


@pytest.mark.django_db
def test_allauth_login_limits_count_the_same_address(client, settings) -> None:
    """allauth allows 10 failed logins a minute per address: rotating the header (with a new
    email each time, so the per-account limit never fires) does not reset it."""
    settings.TRUSTED_PROXIES = []
    for n in range(10):
        response = client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.com", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        assert "Too many failed login attempts" not in response.content.decode()
    refused = client.post(
        "/accounts/login/",
        {"login": "nobody-else@example.com", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert "Too many failed login attempts" in refused.content.decode()

    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1/32")]  # now the header names real clients
    fresh = client.post(
        "/accounts/login/",
        {"login": "nobody-else@example.com", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert fresh.status_code == 200
    assert "Too many failed login attempts" not in fresh.content.decode()


def test_log_lines_name_the_same_client(settings) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: /x", None, None)
    record.request = _request("10.0.0.2", "6.6.6.6, 203.0.113.9")
    assert ClientIPFilter().filter(record) is True
    assert getattr(record, "client_ip") == "203.0.113.9"  # noqa: B009  (set by the filter)
    bare = logging.LogRecord("apps.core", logging.INFO, __file__, 1, "outside any request", None, None)
    ClientIPFilter().filter(bare)
    assert getattr(bare, "client_ip") == "-"  # noqa: B009
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["client_ip"]
    assert "[%(client_ip)s]" in settings.LOGGING["formatters"]["plain"]["format"]
