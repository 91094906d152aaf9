"""Fetching an instructor's ICS address without letting it reach what it shouldn't.

The address comes from a user, so the fetch is a classic server-side request forgery risk:
it must never reach this machine, the private network or a cloud metadata service, must not
hang a worker, and must not fill memory. The rules, each enforced here and tested against a
local HTTP server:

* only http(s) (``webcal://``, what calendar apps hand out, means https);
* every address the host name resolves to must be a public one, and the connection goes to
  the address that was checked (no second DNS lookup an attacker could answer differently);
* redirects are followed by hand, at most `MAX_REDIRECTS`, each target checked the same way;
* connect and read timeouts plus an overall deadline; the body (after decompression) is cut
  off at `max_bytes`;
* conditional requests (If-None-Match / If-Modified-Since): a 304 means "keep what you have".

urllib3 is used directly (not requests) because it lets us connect to a checked IP address
while sending the original host name in the Host header and in TLS (SNI and certificate).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3

MAX_REDIRECTS = 3
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
DEADLINE_SECONDS = 20.0
USER_AGENT = "InstaInstru-calendar-import/1.0"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FeedFetchError(Exception):
    """Why a fetch failed, in words the instructor can act on."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    # Non-public networks a feed may still live on. Empty in production; tests serve feeds
    # from 127.0.0.1/32 and check that every other private address stays refused.
    allowed_private_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    read_timeout: float = READ_TIMEOUT_SECONDS
    deadline_seconds: float = DEADLINE_SECONDS

    def allows(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if ip.is_global and not ip.is_multicast:
            return True
        return any(ip in network for network in self.allowed_private_networks)


@dataclass(frozen=True)
class FetchResult:
    """`body` is None when the server said the calendar has not changed (304)."""

    body: bytes | None
    etag: str
    last_modified: str


def feed_url_normalize(url: str) -> str:
    """The address as it will be fetched: webcal:// becomes https://. Raises FeedFetchError for
    anything that isn't an http(s) URL with a host."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FeedFetchError("That doesn't look like a web address.") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FeedFetchError("Use the calendar's web address: it starts with https:// or webcal://.")
    if parts.username or parts.password:
        raise FeedFetchError("Use the calendar's secret address, without a user name or password in it.")
    if port == 0:
        raise FeedFetchError("That address has no valid port.")
    return url


def _public_address(host: str, port: int, policy: FetchPolicy) -> str:
    """The first address `host` resolves to, after checking that every one is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedFetchError(f"We couldn't find the server {host}.") from exc
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not policy.allows(ip):
            raise FeedFetchError("That address points inside a private network, which we don't fetch from.")
    return addresses[0]


def _pool(url: str, policy: FetchPolicy) -> tuple[urllib3.HTTPConnectionPool, str, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _public_address(host, port, policy)
    timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout)
    pool: urllib3.HTTPConnectionPool
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(), server_hostname=host, assert_hostname=host,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    host_header = parts.netloc.rsplit("@", 1)[-1]
    path = parts.path or "/"
    return pool, host_header, f"{path}?{parts.query}" if parts.query else path


def _read_capped(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    # read1 returns whatever has arrived, so a server dripping bytes slowly still meets the
    # deadline check below (a plain read waits to fill the whole chunk).
    while chunk := response.read1(64 * 1024, decode_content=True):
        size += len(chunk)
        if size > policy.max_bytes:
            raise FeedFetchError(
                f"The calendar is larger than {policy.max_bytes // 1_000_000} MB, which we don't import."
            )
        if time.monotonic() > deadline:
            raise FeedFetchError("The calendar server took too long to answer.")
        chunks.append(chunk)
    return b"".join(chunks)


def feed_fetch(url: str, *, etag: str, last_modified: str, policy: FetchPolicy) -> FetchResult:
    """GET the feed, following up to MAX_REDIRECTS checked redirects."""
    deadline = time.monotonic() + policy.deadline_seconds
    current = feed_url_normalize(url)
    for _hop in range(MAX_REDIRECTS + 1):
        pool, host_header, target = _pool(current, policy)
        headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            response = pool.urlopen(
                "GET", target, headers=headers, redirect=False, retries=False, preload_content=False,
                assert_same_host=False,
            )  # fmt: skip
            try:
                if response.status in _REDIRECTS and response.headers.get("Location"):
                    current = feed_url_normalize(urljoin(current, response.headers["Location"]))
                    continue
                if response.status == 304:
                    return FetchResult(body=None, etag=etag, last_modified=last_modified)
                if response.status != 200:
                    raise FeedFetchError(f"The calendar server answered with error {response.status}.")
                body = _read_capped(response, policy, deadline)
                return FetchResult(
                    body=body,
                    etag=response.headers.get("ETag", "")[:200],
                    last_modified=response.headers.get("Last-Modified", "")[:100],
                )
            finally:
                response.release_conn()
        except urllib3.exceptions.TimeoutError as exc:
            raise FeedFetchError("The calendar server took too long to answer.") from exc
        except urllib3.exceptions.SSLError as exc:
            raise FeedFetchError("The calendar server's secure connection could not be verified.") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise FeedFetchError("We couldn't connect to the calendar server.") from exc
        finally:
            pool.close()
    raise FeedFetchError("The calendar address redirects too many times.")
