"""Search tests: a fresh DB-built vocabulary per test (transactional tests elsewhere in the
run may have reloaded the catalog with new ids) and an empty parse cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.search.cache import parse_cache
from apps.search.selectors import search_vocabulary_reset


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search_vocabulary_reset()
    parse_cache.clear()
    yield
    search_vocabulary_reset()
