"""Search tests: a fresh DB-built vocabulary per test (transactional tests elsewhere in the
run may have reloaded the catalog with new ids) and an empty parse cache; the parser tests
share one vocabulary built from the repository's data files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from apps.search.cache import parse_cache
from apps.search.selectors import search_vocabulary_reset
from apps.search.vocabulary import Vocabulary, vocabulary_from_files


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    search_vocabulary_reset()
    parse_cache.clear()
    yield
    search_vocabulary_reset()


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    data = settings.DATA_DIR
    return vocabulary_from_files(data / "catalog.json", data / "nyc_neighborhoods.csv", data / "nyc_boroughs.csv")
