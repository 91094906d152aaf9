"""Hot public reads (the profile page, the open-slots API, category pages) from the shared
cache, so a popular page costs one cache read instead of its queries and computation.

Keyed like search result pages (apps/search/cache.py): by the search generation, which every
write that changes what visitors see bumps after its commit (the profile, offering,
availability, booking and review services), and by the minute, because open times depend on
`now`. The generation is read before the data, so a page computed from data older than a bump
lands under the old generation, which nobody asks for again. Entries outlive their minute by
a little, then expire.

Pages (`previous_minute_ok`): when the minute turns, the first request for a page computes it;
requests that arrive while it does are answered with the previous minute's page of the same
generation (nothing was written since; only the clock moved, for the fraction of a second the
computation takes) instead of all computing it at once. Without that, every popular page's
viewers recomputed it together at each minute's start (a category page is ~150 ms of CPU).
Not the open-slots API: booking clients take a start from it as bookable, and the previous
minute's list may still hold the one start that has just passed the advance notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from django.core.cache import cache

from apps.search.cache import search_minute
from apps.search.generation import search_generation

T = TypeVar("T")
PUBLIC_TTL_SECONDS = 90
# How long a computation may hold off the others (a crashed one is forgotten after this).
COMPUTE_LOCK_SECONDS = 10
# Bump when a cached value changes shape: a value pickled by the previous release must never
# be read back into new classes.
PUBLIC_FORMAT = 4


def public_read_key(name: str, parts: Iterable[object], *, generation: int, minute: datetime) -> str:
    digest = hashlib.sha256(json.dumps(list(parts), default=str).encode()).hexdigest()[:32]
    return f"public:v{PUBLIC_FORMAT}:{name}:{generation}:{minute:%Y%m%d%H%M}:{digest}"


def public_read(
    name: str,
    parts: Iterable[object],
    compute: Callable[[datetime], T | None],
    *,
    now: datetime,
    previous_minute_ok: bool = False,
) -> T | None:
    """`compute(minute)` from the cache when this minute's answer is there. `compute` gets
    `now` rounded up to the whole minute, which gives the same open times as any instant of
    that minute (starts are whole minutes), so one answer serves the minute. None (not
    found) is not cached. `previous_minute_ok`: while another request computes this minute's
    answer, the previous minute's (same generation) will do."""
    minute = search_minute(now)
    parts = list(parts)
    generation = search_generation()
    key = public_read_key(name, parts, generation=generation, minute=minute)
    found: T | None = cache.get(key)
    if found is not None:
        return found
    computing = f"{key}:computing"
    mine = previous_minute_ok and cache.add(computing, 1, timeout=COMPUTE_LOCK_SECONDS)
    if previous_minute_ok and not mine:  # another request is computing it
        previous = public_read_key(name, parts, generation=generation, minute=minute - timedelta(minutes=1))
        stale: T | None = cache.get(previous)
        if stale is not None:
            return stale
    try:
        found = compute(minute)
        if found is not None:
            cache.set(key, found, timeout=PUBLIC_TTL_SECONDS)
    finally:
        if mine:
            cache.delete(computing)
    return found
