"""The shared cache: Redis, with this process's memory standing in while Redis is down.

Every request reads the cache (API rate limits, allauth's login limits, search pages and the
search generation, platform config, signed media URLs), so a Redis outage used to fail every
request. `FailoverRedisCache` answers from a per-process memory cache instead, and logs the
outage once. What that costs while Redis is down: limits count per process instead of per
cluster, and cached values are per process (search pages stay correct: they are keyed by the
minute, so a generation bump lost in the outage is outlived within a minute or two).

Callers that must not run on the stand-in (money limits, the readiness probe) wrap their
cache calls in `cache_required()`; inside it an outage raises `CacheUnavailable`.

After a failure the process stops trying Redis for `retry_after_seconds` (default 5), so an
unreachable host costs one connect timeout per window instead of one per cache call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from apps.core.metrics import CACHE_FALLBACKS

logger = logging.getLogger(__name__)

_required: ContextVar[bool] = ContextVar("cache_required", default=False)
# Monotonic instant until which Redis is not tried, per Redis location, for the whole process.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()
# An unreachable or hung server; a command Redis refuses (ResponseError) is a bug, not an outage.
OUTAGES = (RedisConnectionError, RedisTimeoutError)
# INCRBY only if the key is there (a Lua script runs atomically on the server).
_INCR_EXISTING = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"


class CacheUnavailable(Exception):
    """Redis is down and the caller asked for Redis, not the stand-in."""


@contextmanager
def cache_required() -> Iterator[None]:
    """Inside this block a Redis outage raises CacheUnavailable instead of using memory.
    Without Redis configured (the embedded mode) memory is the real cache and never fails."""
    token = _required.set(True)
    try:
        yield
    finally:
        _required.reset(token)


def cache_backend() -> str:
    """What the default cache is: "redis" or "memory" (for /readyz)."""
    return "redis" if isinstance(caches["default"], RedisCache) else "memory"


class _Breaker:
    """Whether to try Redis now; shared by every thread of the process for one location."""

    def __init__(self, location: str, retry_after: float) -> None:
        self.location = location
        self.retry_after = retry_after

    def open(self) -> bool:
        return time.monotonic() < _down_until.get(self.location, 0.0)

    def trip(self, exc: Exception) -> None:
        with _state_lock:
            was_up = self.location not in _down_until
            _down_until[self.location] = time.monotonic() + self.retry_after
        if was_up:
            logger.error("Redis at %s is unreachable (%s): serving the cache from memory", self.location, exc)

    def reset(self) -> None:
        if self.location not in _down_until:
            return
        with _state_lock:
            recovered = _down_until.pop(self.location, None) is not None
        if recovered:
            logger.warning("Redis at %s is reachable again", self.location)


class _FailoverClient:
    """Each cache operation (get, set, add, incr, …) on Redis, or on memory while Redis is down.
    Keys arrive already made by RedisCache, so the memory cache stores them as they are."""

    def __init__(self, redis: RedisCacheClient, memory: LocMemCache, breaker: _Breaker) -> None:
        self._redis = redis
        self._memory = memory
        self._breaker = breaker

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        primary: Callable[..., Any] = getattr(self._redis, operation)
        standby: Callable[..., Any] = getattr(self._memory, operation)

        def call(*args: Any, **kwargs: Any) -> Any:
            if not self._breaker.open():
                try:
                    result = primary(*args, **kwargs)
                except OUTAGES as exc:
                    self._breaker.trip(exc)
                else:
                    self._breaker.reset()
                    return result
            if _required.get():
                raise CacheUnavailable(f"Redis at {self._breaker.location} is unreachable")
            CACHE_FALLBACKS.labels(operation=operation).inc()
            return standby(*args, **kwargs)

        return call


def _raw_key(key: str, key_prefix: str, version: int) -> str:
    return key


class _SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client builds a new `redis.Redis` (and its ~170 response callbacks) for
    every cache call: about 0.2 ms each, three or more calls a request. One for writes and one
    for reads does (a `redis.Redis` is safe to share between threads; its pool hands each
    command a connection and notices a fork). With read replicas listed, reads stay on the
    replica first chosen."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._shared: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        client = self._shared.get(write)
        if client is None:
            client = self._shared[write] = super().get_client(key, write=write)
        return client

    def incr(self, key: Any, delta: int) -> int:
        """Django's `incr` (ValueError for a missing key) in one round trip instead of two
        (EXISTS, then INCRBY), and atomic: the key cannot expire between the two."""
        found = self.get_client(key, write=True).eval(_INCR_EXISTING, 1, key, delta)
        if found is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(found)


class FailoverRedisCache(RedisCache):
    """Django's Redis cache that degrades to per-process memory during an outage.

    OPTIONS are redis-py's, with short defaults so a dead server fails fast (a 0.5 s connect
    timeout, 1 s per command, one immediate retry for a pooled connection the server closed)
    plus `retry_after_seconds`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("retry_after_seconds", 5.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        options.setdefault("retry", Retry(NoBackoff(), 1))
        super().__init__(server, {**params, "OPTIONS": options})
        self._breaker = _Breaker(server, retry_after)
        # One memory cache per Redis location in the process (LocMemCache shares storage by
        # name across threads); the bound keeps a long outage from growing without limit.
        self._memory = LocMemCache(f"failover:{server}", {"KEY_FUNCTION": _raw_key, "OPTIONS": {"MAX_ENTRIES": 20_000}})

        self._class = self._client  # RedisCache builds its client with this, once, on first use

    def _client(self, servers: list[str], **options: Any) -> _FailoverClient:
        return _FailoverClient(_SharedClientRedisCacheClient(servers, **options), self._memory, self._breaker)
