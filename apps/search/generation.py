"""The search generation: one integer in the shared cache that every write which can change
what search shows bumps after its commit. Result pages are keyed by it (cache.py), so a bump
makes every cached page unreachable at once. Kept free of search imports: the profile,
offering, availability and booking services import it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

GENERATION_KEY = "search:generation"


def search_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def search_generations(*keys: str) -> tuple[int, dict[str, Any]]:
    """The search generation and what the shared cache holds under `keys` (the listing
    index's generation, the platform configuration), in one round trip."""
    found = cache.get_many([GENERATION_KEY, *keys])
    generation = found.pop(GENERATION_KEY, None)
    return (search_generation() if generation is None else int(generation)), found


def search_generation_bump() -> None:
    """Make every cached search page stale. Call as transaction.on_commit(search_generation_bump)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # never read yet (or evicted): any new value differs from what pages used
        cache.add(GENERATION_KEY, 2, timeout=None)
