"""Fetching calendar feeds safely (apps/availability/feeds/fetch.py), against a real HTTP
server on 127.0.0.1 (tests/feed_server.py). Only 127.0.0.1/32 is allowed here; every other
private address must be refused before any connection is made."""

from __future__ import annotations

import gzip
import ipaddress
import time

import pytest

from apps.availability.feeds.fetch import FeedFetchError, FetchPolicy, feed_fetch, feed_url_normalize
from apps.availability.tests.feed_server import Answer, FeedServer

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
LOCAL_ONLY = FetchPolicy(
    max_bytes=10_000, allowed_private_networks=(ipaddress.ip_network("127.0.0.1/32"),),
    connect_timeout=1.0, read_timeout=0.5, deadline_seconds=1.5,
)  # fmt: skip
PRODUCTION = FetchPolicy(max_bytes=10_000)


def fetch(url: str, policy: FetchPolicy = LOCAL_ONLY, etag: str = "", last_modified: str = ""):
    return feed_fetch(url, etag=etag, last_modified=last_modified, policy=policy)


def test_a_feed_is_read_with_its_validators(feed_server: FeedServer) -> None:
    url = feed_server.serve(
        "/cal.ics?key=secret", Answer(CALENDAR, headers={"Last-Modified": "Sat, 05 Dec 2026 10:00:00 GMT"}, etag='"v1"')
    )
    result = fetch(url)
    assert (result.body, result.etag, result.last_modified) == (CALENDAR, '"v1"', "Sat, 05 Dec 2026 10:00:00 GMT")
    path, headers = feed_server.requests[-1]
    assert path == "/cal.ics?key=secret"
    assert headers["Host"] == f"127.0.0.1:{feed_server.port}"
    assert "If-None-Match" not in headers


def test_an_unchanged_feed_answers_304_and_yields_no_body(feed_server: FeedServer) -> None:
    url = feed_server.serve("/cal.ics", Answer(CALENDAR, etag='"v1"'))
    result = fetch(url, etag='"v1"', last_modified="Sat, 05 Dec 2026 10:00:00 GMT")
    assert (result.body, result.etag) == (None, '"v1"')
    headers = feed_server.requests[-1][1]
    assert (headers["If-None-Match"], headers["If-Modified-Since"]) == ('"v1"', "Sat, 05 Dec 2026 10:00:00 GMT")


def test_redirects_are_followed_up_to_three_times(feed_server: FeedServer) -> None:
    feed_server.serve("/final.ics", Answer(CALENDAR))
    for hop in (1, 2, 3):
        target = "/final.ics" if hop == 3 else f"/hop{hop + 1}"
        feed_server.serve(f"/hop{hop}", Answer(status=302, headers={"Location": target}))
    assert fetch(feed_server.url("/hop1")).body == CALENDAR
    feed_server.serve("/hop0", Answer(status=301, headers={"Location": "/hop1"}))
    with pytest.raises(FeedFetchError, match="redirects too many times"):
        fetch(feed_server.url("/hop0"))


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "http://10.0.0.1/cal.ics",
        "http://192.168.1.1/cal.ics",
        "http://[::1]:9/cal.ics",
        "http://127.0.0.2:9/cal.ics",  # loopback, but outside the one allowed address
        "http://0.0.0.0:9/cal.ics",
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(feed_server: FeedServer, target: str) -> None:
    url = feed_server.serve("/evil", Answer(status=302, headers={"Location": target}))
    with pytest.raises(FeedFetchError, match="private network"):
        fetch(url)
    assert [path for path, _ in feed_server.requests] == ["/evil"]


def test_with_production_rules_even_the_local_server_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.serve("/cal.ics", Answer(CALENDAR))
    with pytest.raises(FeedFetchError, match="private network"):
        fetch(url, PRODUCTION)
    assert feed_server.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/cal.ics", "starts with https://"),
        ("file:///etc/passwd", "starts with https://"),
        ("https://user:pass@example.com/cal.ics", "without a user name or password"),
        ("https://example.com:99999/cal.ics", "doesn't look like a web address"),
        ("not a url", "starts with https://"),
    ],
)
def test_addresses_that_are_not_http_are_refused(url: str, message: str) -> None:
    with pytest.raises(FeedFetchError, match=message):
        feed_url_normalize(url)


def test_webcal_means_https() -> None:
    assert feed_url_normalize(" webcal://calendar.example.com/a.ics ") == "https://calendar.example.com/a.ics"


def test_a_body_over_the_size_limit_is_cut_off(feed_server: FeedServer) -> None:
    url = feed_server.serve("/big.ics", Answer(CALENDAR + b"X" * 20_000))
    with pytest.raises(FeedFetchError, match="larger than"):
        fetch(url)


def test_a_compressed_body_is_limited_after_decompression(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"X" * 5_000_000)  # ~5 KB on the wire, 5 MB decompressed
    url = feed_server.serve("/bomb.ics", Answer(bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FeedFetchError, match="larger than"):
        fetch(url)


def test_a_server_that_does_not_answer_times_out(feed_server: FeedServer) -> None:
    url = feed_server.serve("/slow.ics", Answer(CALENDAR, drip_seconds=2.0))
    started = time.monotonic()
    with pytest.raises(FeedFetchError, match="took too long"):
        fetch(url)
    assert time.monotonic() - started < 1.5


def test_a_server_dripping_bytes_hits_the_overall_deadline(feed_server: FeedServer) -> None:
    # Each byte arrives within the read timeout, so only the deadline stops it.
    url = feed_server.serve("/drip.ics", Answer(CALENDAR * 10, drip_bytes=1, drip_seconds=0.1))
    started = time.monotonic()
    with pytest.raises(FeedFetchError, match="took too long"):
        fetch(url)
    assert time.monotonic() - started < LOCAL_ONLY.deadline_seconds + LOCAL_ONLY.read_timeout + 0.5


@pytest.mark.parametrize("status", [401, 404, 500])
def test_error_statuses_are_reported(feed_server: FeedServer, status: int) -> None:
    url = feed_server.serve("/gone.ics", Answer(b"nope", status=status))
    with pytest.raises(FeedFetchError, match=f"error {status}"):
        fetch(url)


def test_an_unknown_host_is_reported() -> None:
    with pytest.raises(FeedFetchError, match="couldn't find the server"):
        fetch("https://calendar.invalid/cal.ics")
