"""Who is asking and how often: the client's address, and the money rate limit.

`client_ip` is the one answer to "which address is this request from", used by the API rate
limits, allauth's login and signup limits, the /metrics allowlist and the logs.

Money operations are the services marked `@money_operation`; `MONEY_OPERATIONS` lists them.
The rule, in one place: each call made while serving a web request counts against the acting
user's API_RATE_MONEY allowance, however the request came in (API with a session or an app
token, or a page), on top of the request's reads/writes limit. Calls from tasks, sweeps,
commands or a shell serve no request and are not limited. The count lives in Redis; with
Redis down a money operation is refused with 503 rather than counted per process, which
would multiply the allowance by the number of processes.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.throttling import SimpleRateThrottle

from apps.core.cache import CacheUnavailable, cache_required
from apps.core.errors import RateLimited, ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
logger = logging.getLogger(__name__)

# IPv6 clients get a whole /64 from their provider: limits count per /64, or rotating the
# low bits would escape them (allauth's login limits do the same).
IPV6_LIMIT_PREFIX = 64
OUTAGE_RETRY_SECONDS = 30

MONEY_OPERATIONS: set[str] = set()
_current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
# Set while a money operation runs: the operations it calls (a weekly series books, moves or
# cancels each of its lessons) are part of the one action the user asked for, and count once.
_inside_money_operation: ContextVar[bool] = ContextVar("inside_money_operation", default=False)


def current_request() -> HttpRequest | None:
    """The web request being served (set by RequestContextMiddleware), or None."""
    return _current_request.get()


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def _address(value: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> IPAddress | None:
    """REMOTE_ADDR, unless that is one of our TRUSTED_PROXIES: then the right-most
    X-Forwarded-For entry that is not a trusted proxy. Entries right of it were appended by
    proxies we trust; anything left of it the client may have written, so it is never read."""
    client = _address(str(request.META.get("REMOTE_ADDR", "")))
    if client is None:
        return None
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    while _trusted(client) and forwarded:
        hop = _address(forwarded.pop())
        if hop is None:  # a trusted proxy passed on garbage: stop at that proxy
            break
        client = hop
    return client


def client_ip(request: HttpRequest) -> str:
    """The client's address as text (for limits and logs); "unknown" without one."""
    address = client_address(request)
    return str(address) if address is not None else "unknown"


def client_rate_key(request: HttpRequest) -> str:
    """The client address as rate limits count it (an IPv6 address by its /64)."""
    address = client_address(request)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False).network_address)
    return client_ip(request)


class _MoneyAllowance(SimpleRateThrottle):
    """One user's money allowance, in ninja's sliding window (a log of each request's time:
    at 5 a minute it stays tiny, and the limit is exact, as money wants it)."""

    def __init__(self, *, user_pk: int, now: datetime) -> None:
        super().__init__(settings.API_RATE_LIMITS["money"])
        self.user_pk = user_pk
        self.now_seconds = now.timestamp()

    def timer(self) -> float:
        return self.now_seconds

    def get_cache_key(self, request: HttpRequest) -> str:
        return f"throttle:money:u{self.user_pk}"


def money_allowance_consume(*, user_pk: int, now: datetime) -> None:
    """Count one money operation for the user, or refuse it (RateLimited, ServiceUnavailable)."""
    allowance = _MoneyAllowance(user_pk=user_pk, now=now)
    try:
        with cache_required():
            # The key is the user's; the request plays no part in it.
            allowed = allowance.allow_request(HttpRequest())
    except CacheUnavailable as exc:
        logger.error("money operation refused for user %s: %s", user_pk, exc)
        raise ServiceUnavailable(
            "Payments are paused for a moment. Nothing was changed; please try again shortly.",
            retry_after_seconds=OUTAGE_RETRY_SECONDS,
        ) from exc
    if not allowed:
        wait = math.ceil(allowance.wait() or 60)
        logger.warning("money rate limit refused user %s for %s s", user_pk, wait)
        raise RateLimited(f"Too many tries in a row. Try again in {wait} seconds.", retry_after_seconds=wait)


def money_operation(service: Callable[P, R]) -> Callable[P, R]:
    """Mark a service as a money operation: it moves money or changes how a user pays or is
    paid. Serving a request, its `actor` (a keyword argument) spends one unit of their money
    allowance before it runs, so a refusal changes nothing. Money operations it calls in turn
    spend nothing more."""
    MONEY_OPERATIONS.add(f"{service.__module__}.{service.__name__}")

    @functools.wraps(service)
    def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        if current_request() is None or _inside_money_operation.get():
            return service(*args, **kwargs)
        now = kwargs.get("now")
        money_allowance_consume(
            user_pk=kwargs["actor"].pk,  # type: ignore[attr-defined]
            now=now if isinstance(now, datetime) else timezone.now(),
        )
        token = _inside_money_operation.set(True)
        try:
            return service(*args, **kwargs)
        finally:
            _inside_money_operation.reset(token)

    return counted
