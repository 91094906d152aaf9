"""Caching search: parsed queries per process, result pages in the shared cache.

A result page is keyed by the *search generation*, the minute it was computed for, and the
request. The generation is one integer in the shared cache that every write which can change
what search shows bumps after its commit (`search_generation_bump`, called through
`transaction.on_commit` from the profile, offering, availability and booking services). Read
it before reading any data: a page computed from data older than a bump is stored under the
old generation, which no later search asks for, so a slot booked a moment ago never comes
back from the cache.

`search_generation` and `search_generation_bump` live in generation.py (re-exported here).

The minute matters because open slots depend on `now` (advance notice, overnight protection,
horizon): a search runs with `now` rounded up to the whole minute, which gives exactly the
slots the rules give at any instant of that minute (starts are whole minutes), so the page
can be shared by every request in that minute. Changes no service reports (a cancellation,
an admin edit) are picked up when the minute turns.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache

from apps.search.criteria import SearchRequest
from apps.search.generation import search_generation, search_generation_bump
from apps.search.parser import ParsedQuery, parse_query
from apps.search.vocabulary import Vocabulary

RESULTS_TTL_SECONDS = 90  # a little over the minute a page is keyed by
# Bump when SearchPage or what it holds changes shape: a page pickled by the previous release
# must never be read back into the new classes.
PAGE_FORMAT = 1
PARSE_CACHE_SIZE = 2048
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
__all__ = [
    "parse_cache",
    "results_get",
    "results_key",
    "results_set",
    "search_generation",
    "search_generation_bump",
    "search_minute",
]


def search_minute(now: datetime) -> datetime:
    """`now` rounded up to the whole minute (UTC)."""
    microseconds = (now - _EPOCH) // timedelta(microseconds=1)
    minutes = -(-microseconds // 60_000_000)
    return _EPOCH + timedelta(minutes=minutes)


def results_key(generation: int, minute: datetime, request: SearchRequest) -> str:
    payload = json.dumps(asdict(request), sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:32]
    return f"search:page:v{PAGE_FORMAT}:{generation}:{minute:%Y%m%d%H%M}:{digest}"


def results_get(key: str) -> Any:
    return cache.get(key)


def results_set(key: str, page: Any) -> None:
    cache.set(key, page, timeout=RESULTS_TTL_SECONDS)


class _ParseCache:
    """A small LRU of parses in this process: the same popular queries are typed all day.
    Emptied when the vocabulary is rebuilt, so a parse never outlives the words it used."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, date], ParsedQuery] = OrderedDict()
        self._vocabulary: Vocabulary | None = None
        self._lock = threading.Lock()

    def parse(self, text: str, *, vocabulary: Vocabulary, today: date) -> ParsedQuery:
        key = (text, today)
        with self._lock:
            if vocabulary is not self._vocabulary:
                self._items.clear()
                self._vocabulary = vocabulary
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        parsed = parse_query(text, vocabulary=vocabulary, today=today)
        with self._lock:
            if vocabulary is not self._vocabulary:
                return parsed  # rebuilt meanwhile: do not mix generations
            self._items[key] = parsed
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


parse_cache = _ParseCache(PARSE_CACHE_SIZE)
