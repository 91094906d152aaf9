"""Fixtures of the core tests: the booking scene, a Redis server of the test's own, and a
fresh search vocabulary for tests that search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.bookings.tests.conftest import bank, scene  # noqa: F401  (pytest fixtures, used by name)
from apps.core.tests.throwaway_redis import ThrowawayRedis
from apps.search.cache import parse_cache
from apps.search.selectors import search_vocabulary_reset


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    redis = ThrowawayRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def fresh_vocabulary() -> Iterator[None]:
    """Transactional tests elsewhere in the run may have reloaded the catalog with new ids."""
    search_vocabulary_reset()
    parse_cache.clear()
    yield
    search_vocabulary_reset()
